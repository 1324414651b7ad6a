"""Typed builders compiled per message shape (``fixgw.codec.shapes``).

A shape fixes which tags a message has and where, so its dataclass can be built by
straight-line code: no lookup per field, no test of which fields are present, objects created
with ``object.__new__`` and every slot stored (what the generated ``__init__`` does, without
binding ~30 keyword arguments).  Two builders per shape and price format:

- ``fm``: from a ``FixMessage`` the shape decoded (the session's path): values read from its
  header and body dicts by constant keys.
- ``parts``: straight from the split wire message (``fixgw.messages.decode``), the codec's
  conversions fused in: the shape's guard, each value converted by position, an enum field
  looked up in a table of wire bytes -> member.  Fields the dataclass does not hold are still
  converted, since converting is what validates them.

Each builder is compiled the first time its shape is met, kept only if it reproduces the plain
route (``from_fields`` on the checked decode) on that message, and any error while it runs
sends the message down the plain route, which builds it or raises the error that names it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..codec.shapes import Miss, Node, Shape, value_expr
from .base import _plan
from .generated import MESSAGE_TYPES, StandardHeader
from .prices import PriceFormat

__all__ = ["compile_builder"]

_DOLLARS = PriceFormat.DOLLARS


class _Ineligible(Exception):
    """The shape cannot be built by straight-line code (e.g. a required field it lacks)."""


class _Gen:
    def __init__(self, shape: Shape, fmt: PriceFormat, from_parts: bool) -> None:
        self.shape = shape
        self.cents = fmt is not _DOLLARS
        self.parts = from_parts
        self.ns: dict[str, Any] = {"NEW": object.__new__, "Miss": Miss}
        self.lines: list[str] = []
        self.n = 0
        self.names: dict[tuple[Any, ...], str] = {}

    def name(self, prefix: str, obj: Any = None) -> str:
        self.n += 1
        name = f"{prefix}{self.n}"
        if obj is not None:
            self.ns[name] = obj
        return name

    def shared(self, key: tuple[Any, ...], prefix: str, make: Callable[[], Any]) -> str:
        """One name per key, so a group's entries share their tables."""
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = self.name(prefix, make())
        return name

    def convert(self, tag: int, pos: int) -> str:
        return value_expr(tag, pos, self.shape.conv, self.shape.tables, self.ns)

    def discard(self, nodes: tuple[Node, ...]) -> None:
        """Convert fields the dataclass does not hold (the codec validates them)."""
        if not self.parts:
            return
        for tag, pos, entries in nodes:
            if entries is None:
                self.lines.append(f"    {self.convert(tag, pos)}")
            else:
                for e in entries:
                    self.discard(e)

    def field_value(self, spec: Any, tag: int, pos: int, src: str) -> str:
        enum = spec.enum
        if self.parts:
            table = self.shape.tables.get(tag) if enum is not None else None
            if table is not None:
                members = enum._value2member_map_
                # values the plain path maps through FixEnum._missing_ are left out: KeyError
                fused = self.shared(("E", tag, enum), "E", lambda: {raw: members[v] for raw, v in table.items() if v in members})
                return f"{fused}[p[{pos}]]"
            value = self.convert(tag, pos)
        else:
            value = f"{src}[{tag}]"
        if enum is not None:
            return f"{self.shared(('M', enum), 'M', lambda: enum._value2member_map_.__getitem__)}({value})"
        if spec.kind == 2 or (spec.kind == 1 and self.cents):
            return f"{value}.scaleb(-2)"  # what price_from_wire does for cents
        return value

    def default(self, f: dataclasses.Field[Any]) -> str:
        if f.default is not dataclasses.MISSING:
            return "None" if f.default is None else self.name("D", f.default)
        if f.default_factory is list:
            return "[]"
        if f.default_factory is not dataclasses.MISSING:
            return f"{self.name('F', f.default_factory)}()"
        raise _Ineligible(f.name)

    def build(self, cls: type, nodes: tuple[Node, ...], src: str, header: str | None = None) -> str:
        """Emit code creating a ``cls`` from ``nodes`` (values in dict ``src`` when not
        from parts); return the variable holding it."""
        by_tag = _plan(cls)[1]
        present = {tag: (pos, entries) for tag, pos, entries in nodes}
        self.discard(tuple(n for n in nodes if n[0] not in by_tag))
        stores: list[tuple[str, str]] = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            tag = f.metadata.get("tag")
            if tag is None:
                stores.append((f.name, header if f.name == "header" and header else self.default(f)))
                continue
            spec = by_tag[tag]
            found = present.get(tag)
            if found is None:
                if spec.required:
                    raise _Ineligible(f.name)
                stores.append((f.name, self.default(f)))
                continue
            pos, entries = found
            if entries is None:
                stores.append((f.name, self.field_value(spec, tag, pos, src)))
                continue
            items = []
            for j, entry in enumerate(entries):
                esrc = ""
                if not self.parts:
                    esrc = self.name("e")
                    self.lines.append(f"    {esrc} = {src}[{tag}][{j}]")
                items.append(self.build(spec.group, entry, esrc))  # type: ignore[arg-type]
            stores.append((f.name, f"[{', '.join(items)}]"))
        var = self.name("o")
        self.lines.append(f"    {var} = NEW({self.shared(('C', cls), 'C', lambda: cls)})")
        self.lines += [f"    {var}.{name} = {expr}" for name, expr in stores]
        return var


def compile_builder(shape: Shape, fmt: PriceFormat, from_parts: bool) -> tuple[Callable[[Any], Any], str] | None:
    """``(build, source)``: ``build(parts)`` or ``build(fix_message)`` -> the typed message;
    None when the shape's class cannot be built this way."""
    cls = MESSAGE_TYPES.get(shape.msg_type)
    if cls is None or any(hasattr(c, "__post_init__") for c in (cls, StandardHeader)):
        return None
    gen = _Gen(shape, fmt, from_parts)
    if from_parts:
        gen.lines += ["def build(p):", f"    if not ({shape.guard}): raise Miss"]
        hsrc = bsrc = ""
    else:
        gen.lines += ["def build(m):", "    h = m.header", "    b = m.body"]
        hsrc, bsrc = "h", "b"
    try:
        head = gen.build(StandardHeader, shape.header, hsrc)
        top = gen.build(cls, shape.body, bsrc, header=head)
    except _Ineligible:
        return None
    gen.lines.append(f"    return {top}")
    source = "\n".join(gen.lines) + "\n"
    exec(compile(source, f"<fixgw builder {cls.__name__} {shape.msg_type}>", "exec"), gen.ns)
    return gen.ns["build"], source
