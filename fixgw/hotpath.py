"""Two things every order pays for, made cheap once for every layer: building dataclass
records, and random UUIDs as text.

A dataclass ``__init__`` takes every field as a keyword and matches each keyword passed
against all its parameters, and calls a factory for each defaulted list: for a record of
20-45 fields that is three times the cost of setting the slots, paid on every order (the
client's NewOrderSingle and OrderState, the simulator's Order and ExecutionReport).
``dataclass_constructor`` generates, from the class's fields, a function that sets the slots
directly: the same object ``__init__`` would build.  Only for mutable dataclasses whose
``__init__`` is the generated one, without ``__post_init__`` (refused here).

A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (about 90
ns a field).  ``frozen_draft(cls)`` returns a class with the same base and slots whose
instances take plain attribute stores; a hot path fills a draft, then turns it into the frozen
class by assigning ``__class__`` (CPython allows it between classes of the same layout)::

    s = object.__new__(STATE_DRAFT)
    s.order_id = ...  # every field
    s.__class__ = OrderState

The object is then what ``__init__`` would have built -- equal, same repr and hash, frozen --
provided every field was set: defaults are not applied and ``__post_init__`` is not run, so
classes with one are refused, and each builder is checked against ``__init__`` in the tests.
Used for the session's per-message actions and the simulator's snapshots and events.

``uuid4_text()`` is ``str(uuid.uuid4())`` without the UUID object and without a system call
per id: random bytes are read 64 ids at a time and formatted directly (version 4, RFC 4122
variant).  ``list.pop`` hands each id to exactly one caller, threads included; a forked child
starts with none of its parent's.

No fixgw imports: any layer may use this module.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

__all__ = ["blank_factory", "dataclass_constructor", "frozen_draft", "uuid4_text"]


def frozen_draft(cls: type) -> type:
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


def dataclass_constructor(cls: type, *given: str, leave_unset: bool = False) -> Callable[..., Any]:
    """``make(*args) == cls(**dict(zip(given, args)))``, the other fields at their defaults.

    With ``leave_unset``, fields that have no default and are not given stay unset (the caller
    stores them before the object is used); otherwise every such field must be given."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or params.frozen or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: only a mutable dataclass without __post_init__ can be built this way")
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
        elif leave_unset:
            continue
        else:
            raise TypeError(f"{cls.__name__}.{f.name} has no default: it must be given")
        lines.append(f"    o.{f.name} = {value}")
    lines.append("    return o")
    exec("\n".join(lines), ns)  # the source is made of field names only
    make: Callable[..., Any] = ns[f"make_{cls.__name__}"]
    return make


def blank_factory(cls: type) -> Callable[[], Any]:
    """``blank()``: a new ``cls`` with every defaulted field at its default (a fresh one from
    ``default_factory``) and the required ones left for the caller to set."""
    return dataclass_constructor(cls, leave_unset=True)


_VARIANT = "89ab" * 4  # RFC 4122 variant nibble: 10xx
_BATCH = 64
_ready: list[str] = []
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ready.clear)


def _make_batch() -> list[str]:
    h = os.urandom(16 * _BATCH).hex()
    return [
        f"{h[i:i + 8]}-{h[i + 8:i + 12]}-4{h[i + 13:i + 16]}-{_VARIANT[int(h[i + 16], 16)]}{h[i + 17:i + 20]}-{h[i + 20:i + 32]}"
        for i in range(0, len(h), 32)
    ]  # fmt: skip


def uuid4_text() -> str:
    """A random (version 4) UUID as text, like ``str(uuid.uuid4())``."""
    try:
        return _ready.pop()
    except IndexError:
        ids = _make_batch()
        _ready.extend(ids[1:])
        return ids[0]
