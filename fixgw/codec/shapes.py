"""Compiled shapes: the decoder's path for messages it has seen before.

A peer's messages repeat the same *shape*: the same MsgType and the same tag sequence (group
counts included).  Once the checked path has decoded a message of a shape, the decoder
compiles one function for that shape (``Shape.decode``) that converts each value by its
position in the split message (``tokenizer.split_parts``) with the per-tag converters of the
fast path (``values.fast_parser``: enum tables, cached Decimals, ...) and builds the header and
body dicts as dict displays with constant keys.  Nothing about the structure is re-derived per
message: it was proven by the checked path on the message that taught the shape, and the shape
key (MsgType + the tags as bytes) guarantees the same tags in the same order.  What still
depends on the values is checked inline: every value converts (each converter raises where the
plain parser does), values the converters would accept empty are non-empty, and group counts
are the exact bytes of the entry counts.

A message is only taught when it has no unknown tag, no legacy alias tag (``TAG_ALIASES``) and
no DATA field, and the compiled function must reproduce the checked path's result on it (else
the shape is remembered as ineligible).  Any failure in a compiled function (``Miss``, or a
converter's error) sends the message to the checked path, which decodes it or raises the
precise error: results and errors are the checked path's.  Since shapes come from the wire,
``SHAPE_LIMIT`` and ``FIELD_BUDGET`` bound what a decoder keeps; past them, new shapes take
the fast or checked path.

Layers above reuse a shape: ``Shape.cache`` holds their per-shape code (the messages layer's
typed builders), ``Shape.guard`` is the inline check any code converting the parts itself must
run first, and ``Shape.header``/``Shape.body`` give each field's position.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..dictionary import GroupDef, MessageDef
from .message import FixMessage

__all__ = ["FIELD_BUDGET", "SHAPE_LIMIT", "Miss", "Node", "Shape", "compile_shape", "layout"]

#: shapes a decoder remembers (compiled or found ineligible), and fields it compiles in all
#: (a compiled shape and a builder above it cost roughly 0.7 KiB per field)
SHAPE_LIMIT = 1024
FIELD_BUDGET = 8192

#: ``(tag, index of its value in the parts, entries)``: entries is None for a plain field, and
#: for a group's count tag one tuple of nodes per entry.
Node = tuple[int, int, "tuple[tuple[Node, ...], ...] | None"]


class Miss(Exception):
    """A compiled shape does not take this message: decode it the checked way."""


@dataclass(slots=True, eq=False)
class Shape:
    msg_type: str
    key: tuple[bytes, bytes]
    header: tuple[Node, ...]
    body: tuple[Node, ...]
    #: an expression over the parts ``p``, false when a compiled shape must not take them
    guard: str
    #: tag -> converter (raises on a bad value), and tag -> {wire bytes: value} for enums
    conv: Mapping[int, Callable[[bytes], Any]]
    tables: Mapping[int, Mapping[bytes, Any]]
    decode: Callable[[list[bytes], bytes], FixMessage] = field(repr=False, default=None)  # type: ignore[assignment]
    source: str = field(repr=False, default="")
    #: per-shape code of the layers above (keyed by them)
    cache: dict[Any, Any] = field(repr=False, default_factory=dict)


def layout(
    md: MessageDef, header_tags: frozenset[int], excluded: frozenset[int], tags: list[int]
) -> tuple[tuple[Node, ...], tuple[Node, ...]] | None:
    """Header and body nodes of a message the checked path accepted (the same walk as
    ``Decoder._body``), or None when a tag is neither a member nor a header tag (unknown or a
    legacy alias) or is in ``excluded`` (DATA fields and their lengths)."""
    members = {m.field.number: m for m in md.members}
    header: list[Node] = []
    body: list[Node] = []
    i, n = 3, len(tags) - 1
    while i < n:
        tag = tags[i]
        if tag in excluded:
            return None
        m = members.get(tag)
        if m is None:
            if tag not in header_tags:
                return None
            header.append((tag, 2 * i + 1, None))
            i += 1
        elif m.group is not None:
            entries, j = _group(tags, i + 1, n, m.group, excluded)
            if entries is None:
                return None
            body.append((tag, 2 * i + 1, entries))
            i = j
        else:
            body.append((tag, 2 * i + 1, None))
            i += 1
    return tuple(header), tuple(body)


def _group(
    tags: list[int], i: int, n: int, g: GroupDef, excluded: frozenset[int]
) -> tuple[tuple[tuple[Node, ...], ...] | None, int]:
    """The walk of ``Decoder._group``."""
    delim, gtags = g.delimiter, g.tags
    bymember = {m.field.number: m for m in g.members}
    entries: list[tuple[Node, ...]] = []
    while i < n and tags[i] == delim:
        entry: list[Node] = []
        while i < n:
            tag = tags[i]
            if tag not in gtags or (tag == delim and entry):
                break
            if tag in excluded:
                return None, i
            m = bymember[tag]
            if m.group is not None:
                sub, j = _group(tags, i + 1, n, m.group, excluded)
                if sub is None:
                    return None, i
                entry.append((tag, 2 * i + 1, sub))
                i = j
                continue
            entry.append((tag, 2 * i + 1, None))
            i += 1
        entries.append(tuple(entry))
    return tuple(entries), i


def _accepts_empty(conv: Callable[[bytes], Any]) -> bool:
    try:
        conv(b"")
    except Exception:
        return False
    return True


def _guard(nfields: int, nodes: tuple[Node, ...], conv: Mapping[int, Callable[[bytes], Any]]) -> str:
    """Empty values are refused by the plain split; a converter that accepts b"" (text) needs
    the check here.  A group count must be the entry count, as bytes."""
    checks = ["p[1]", "p[3]", f"p[{2 * nfields - 1}]"]  # 8, 9 and 10: never converted
    empty_ok: dict[int, bool] = {}

    def walk(ns: tuple[Node, ...]) -> None:
        for tag, pos, entries in ns:
            if entries is not None:
                checks.append(f"p[{pos}] == {b'%d' % len(entries)!r}")
                for e in entries:
                    walk(e)
                continue
            ok = empty_ok.get(tag)
            if ok is None:
                ok = empty_ok[tag] = _accepts_empty(conv[tag])
            if ok:
                checks.append(f"p[{pos}]")

    walk(nodes)
    return " and ".join(checks)


def value_expr(tag: int, pos: int, shape_conv: Mapping[int, Callable[[bytes], Any]],
               tables: Mapping[int, Mapping[bytes, Any]], ns: dict[str, Any]) -> str:
    """Source converting ``p[pos]`` the way the fast path converts ``tag`` (names go in ``ns``)."""
    table = tables.get(tag)
    if table is not None:
        ns[f"t{tag}"] = table
        return f"t{tag}[p[{pos}]]"
    conv = shape_conv[tag]
    if conv is bytes.decode:
        return f"p[{pos}].decode()"
    ns[f"c{tag}"] = conv
    return f"c{tag}(p[{pos}])"


def compile_shape(
    msg_type: str,
    key: tuple[bytes, bytes],
    nfields: int,
    header: tuple[Node, ...],
    body: tuple[Node, ...],
    conv: Mapping[int, Callable[[bytes], Any]],
    tables: Mapping[int, Mapping[bytes, Any]],
) -> Shape:
    """The shape of a message of ``nfields`` fields laid out as ``header`` and ``body``."""
    ns: dict[str, Any] = {"Miss": Miss, "NEW": object.__new__, "FM": FixMessage, "MT": msg_type}

    def display(nodes: tuple[Node, ...]) -> str:
        items = []
        for tag, pos, entries in nodes:
            if entries is None:
                items.append(f"{tag}: {value_expr(tag, pos, conv, tables, ns)}")
            else:
                items.append(f"{tag}: [{', '.join(display(e) for e in entries)}]")
        return "{" + ", ".join(items) + "}"

    guard = _guard(nfields, (*header, *body), conv)
    source = "\n".join([
        "def decode(p, raw):",
        f"    if not ({guard}): raise Miss",
        "    m = NEW(FM)",
        f"    m.header = {display(header)}",
        f"    m.body = {display(body)}",
        "    m.msg_type = MT",
        "    m.raw = raw",
        "    m.unknown = []",
        "    m.shape = SHAPE",
        "    return m",
    ]) + "\n"  # fmt: skip
    shape = Shape(msg_type, key, header, body, guard, conv, tables, source=source)
    ns["SHAPE"] = shape
    exec(compile(source, f"<fixgw shape {msg_type}>", "exec"), ns)
    shape.decode = ns["decode"]
    return shape
