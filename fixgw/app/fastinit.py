"""Constructors for the dataclasses every order builds, without the generated ``__init__``.

A dataclass ``__init__`` takes every field as a keyword and matches each keyword passed
against all its parameters: for the 45 fields of ``OrderState`` that costs more than twice
as much as setting the slots (about 0.7 us), paid on every order, and again for the
NewOrderSingle.  ``dataclass_constructor`` generates, from the class's fields, a function that
takes the fields an order sets, positionally, and sets the rest to their defaults (calling
the same default factories): the same object the ``__init__`` would build.

Only for dataclasses whose ``__init__`` is the generated one and that have no
``__post_init__`` (refused here): there is nothing else the constructor would have done.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

__all__ = ["dataclass_constructor"]


def dataclass_constructor(cls: type, *given: str) -> Callable[..., Any]:
    """``make(*args) == cls(**dict(zip(given, args)))``, the other fields at their defaults."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: only a dataclass without __post_init__ can be built this way")
    fields = dataclasses.fields(cls)
    unknown = set(given) - {f.name for f in fields}
    if unknown or len(set(given)) != len(given):
        raise TypeError(f"{cls.__name__}: unknown or repeated field(s) in {given}")
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make_{cls.__name__}({', '.join(given)}):", "    o = _new(_cls)"]
    for f in fields:
        if f.name in given:
            value = f.name
        elif f.default_factory is not dataclasses.MISSING:
            # the factory itself, as __init__ does: ``list()`` allocates a new list where ``[]``
            # would reuse a freed one, scattering an order's long-lived lists over the heap
            # (a third more time in each full collection of the cyclic GC)
            ns[f"_factory_{f.name}"] = f.default_factory
            value = f"_factory_{f.name}()"
        elif f.default is not dataclasses.MISSING:
            ns[f"_default_{f.name}"] = f.default
            value = f"_default_{f.name}"
        else:
            raise TypeError(f"{cls.__name__}.{f.name} has no default: it must be given")
        lines.append(f"    o.{f.name} = {value}")
    lines.append("    return o")
    exec("\n".join(lines), ns)  # the source is made of field names only
    return ns[f"make_{cls.__name__}"]  # type: ignore[no-any-return]
