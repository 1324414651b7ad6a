"""Building the engine's dataclasses (and the reports) without their ``__init__``.

Every report needs an order snapshot (:class:`~.orders.OrderState`, 20 fields) and an event,
and a frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (about
90 ns a field: most of what a snapshot cost).  :func:`draft` returns a class with the same base
and slots whose instances take plain attribute stores; a hot path fills a draft, then turns it
into the frozen class by assigning ``__class__`` (CPython allows it between classes of the same
layout)::

    s = object.__new__(STATE_DRAFT)
    s.order_id = ...  # every field
    s.__class__ = OrderState

The object is then what ``__init__`` would have built -- equal, same repr and hash, frozen --
provided every field was set: defaults are not applied and ``__post_init__`` is not run, so
classes with one are refused and each builder is checked against ``__init__`` in the tests
(``tests/test_exchange_frozen.py``).

For a mutable dataclass (the engine's ``Order``, an ``ExecutionReport``) the same is done by
``fixgw.hotpath.blank_factory``, shared with the client.
"""

from __future__ import annotations

import dataclasses

__all__ = ["draft", "field_names"]


def draft(cls: type) -> type:
    """A settable stand-in for the frozen slotted dataclass ``cls``: same base, same slots, and
    the plain ``__setattr__`` and ``__delattr__`` (both: with either one inherited from the
    frozen base, attribute stores take the slow generic path)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a frozen dataclass with slots")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__, which a draft would skip")
    base = cls.__base__
    assert base is not None  # only ``object`` has no base, and it is no dataclass
    namespace = {
        "__slots__": cls.__dict__["__slots__"],  # = cls.__slots__ (its own: checked above)
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
    }
    return type(f"{cls.__name__}Draft", (base,), namespace)


def field_names(cls: type) -> frozenset[str]:
    """Every field a builder of ``cls`` has to set."""
    return frozenset(f.name for f in dataclasses.fields(cls))
