"""Building the engine's dataclasses (and the reports) without their ``__init__``.

Every report needs an order snapshot (:class:`~.orders.OrderState`, 20 fields) and an event;
``draft`` is :func:`fixgw.hotpath.frozen_draft` (how and why: there), shared with the session
layer.  Each builder is checked against ``__init__`` in ``tests/test_exchange_frozen.py``.

For a mutable dataclass (the engine's ``Order``, an ``ExecutionReport``) the same is done by
``fixgw.hotpath.blank_factory``, shared with the client.
"""

from __future__ import annotations

import dataclasses

from ...hotpath import frozen_draft as draft

__all__ = ["draft", "field_names"]


def field_names(cls: type) -> frozenset[str]:
    """Every field a builder of ``cls`` has to set."""
    return frozenset(f.name for f in dataclasses.fields(cls))
