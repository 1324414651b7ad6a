"""Dictionary-driven decoding: pairs -> typed header/body with repeating groups, validated.

Validation follows FIX session rules so every failure maps to one SessionRejectReason (373)
and the RefTagID (371) that caused it.  Unknown tags are an error by default (the acceptor's
stance); a client may choose to keep them aside instead, because an execution report with a
tag the exchange added yesterday still describes a real fill.

Three paths, tried in turn, all giving the same result: a function compiled for the message's
shape (``shapes.py``: messages seen before), the fast path (``fastpath.py``), and the checked
path (``_decode_checked``), which alone decides what is an error and names it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..dictionary import Dictionary, GroupDef, Member, MessageDef
from .errors import CodecError, FramingError, RejectReason, ValidationError
from .fastpath import FastDecoder
from .framing import verify_frame
from .message import FixMessage
from .shapes import FIELD_BUDGET, SHAPE_LIMIT, Shape, compile_shape, layout
from .tokenizer import split_fields, split_parts
from .values import enum_table, fast_parser, parser_for

__all__ = ["Decoder", "FixMessage", "TAG_ALIASES"]

#: Legacy tags Kalshi still accepts (changelog 1.0.17): (MsgType, old tag) -> current tag.
#: 297 was QuoteConfirmStatus before 21010; 21003 was SkipPendingExecReports before 21011.
#: Both are read as their current tag when the current one is absent; we never send them.
TAG_ALIASES: dict[tuple[str, int], int] = {("U8", 297): 21010, ("A", 21003): 21011}

_POSITIONAL = (8, 9, 35, 10)
_UNSEEN: Any = object()


Conv = tuple[Callable[[bytes], Any], frozenset[str] | None, bool]


class Decoder:
    """Decode framed messages against one dictionary.  Stateless after construction."""

    def __init__(
        self,
        dictionary: Dictionary,
        *,
        allow_unknown_tags: bool = False,
        verify: bool = True,
    ) -> None:
        self.dictionary = dictionary
        self.allow_unknown_tags = allow_unknown_tags
        self.verify = verify
        self._begin = dictionary.begin_string.encode()
        self._conv: dict[int, Conv] = {}
        for num, fd in dictionary.fields.items():
            enums = frozenset(fd.enums) if fd.enums else None
            multi = fd.type in ("MULTIPLEVALUESTRING", "MULTIPLESTRINGVALUE", "MULTIPLECHARVALUE")
            self._conv[num] = (parser_for(fd.type), enums, multi)
        self._header_tags = dictionary.header_tags - set(_POSITIONAL)
        self._header_required = tuple(
            m.field.number for m in dictionary.header if m.required and m.field.number not in _POSITIONAL
        )
        self._plans: dict[str, tuple[MessageDef, dict[int, Member]]] = {
            mt: (md, {m.field.number: m for m in md.members}) for mt, md in dictionary.messages.items()
        }
        fast: dict[int, Callable[[bytes], Any]] = {}
        tables: dict[int, dict[bytes, Any]] = {}
        for num, (_, enums, _) in self._conv.items():
            ftype = dictionary.fields[num].type
            fast[num] = fast_parser(ftype, enums) or functools.partial(self._convert, num)
            table = enum_table(ftype, enums)
            if table is not None:
                tables[num] = table
        self._fast = FastDecoder(dictionary, fast, frozenset(self._header_required))
        self._fast_conv = fast
        self._tables = tables
        data = dictionary.data_length_tags
        self._not_in_shapes = frozenset(data) | frozenset(data.values())
        #: (MsgType, tags joined by SOH) -> compiled shape, or None: not eligible
        self._shapes: dict[tuple[bytes, bytes], Shape | None] = {}
        self._shape_fields = 0  # fields in all compiled shapes (FIELD_BUDGET)

    # ----------------------------------------------------------------------------------------

    def decode(self, raw: bytes) -> FixMessage:
        """Decode one whole message.  Raises ``FramingError`` or ``ValidationError``."""
        got = self.decode_shaped(raw)
        if type(got) is FixMessage:
            return got
        shape, parts = got  # type: ignore[misc,attr-defined]  # not a FixMessage: (shape, parts)
        try:
            return shape.decode(parts, raw)
        except Exception:
            return self._decode_unshaped(raw)  # decodes it, or names what is wrong

    def decode_shaped(self, raw: bytes) -> tuple[Shape, list[bytes]] | FixMessage:
        """Like ``decode``, but for a message of a compiled shape only verify the frame and
        return ``(shape, parts)``: the caller builds its own result from the parts, running
        ``shape.guard`` and converting every field, and calls ``decode`` if that fails."""
        if self.verify:
            verify_frame(raw, self._begin)
        parts = split_parts(raw)
        if parts is None:
            return self._decode_unshaped(raw)
        key = (parts[5], b"\x01".join(parts[0:-1:2]))
        shape = self._shapes.get(key, _UNSEEN)
        if shape is _UNSEEN:
            return self._decode_unshaped(raw, parts, key)
        if shape is not None:
            return shape, parts
        return self._decode_unshaped(raw)

    def _decode_unshaped(
        self, raw: bytes, parts: list[bytes] | None = None, key: tuple[bytes, bytes] | None = None
    ) -> FixMessage:
        """The fast path, else the checked one; given the parts of a shape not seen yet, the
        message then teaches it."""
        fast = self._fast.decode(raw)
        fm = FixMessage(fast[0], fast[1], fast[2], raw, fast[3], []) if fast is not None else self._decode_checked(raw)
        if key is not None and len(self._shapes) < SHAPE_LIMIT:
            assert parts is not None
            self._shapes[key] = self._teach(raw, parts, key)
        return fm

    def _teach(self, raw: bytes, parts: list[bytes], key: tuple[bytes, bytes]) -> Shape | None:
        """The compiled shape of this (valid) message, or None when it is not eligible or the
        compiled function does not reproduce the checked path's result."""
        try:
            want = self._decode_checked(raw)
            tags = [int(t) for t in parts[0:-1:2]]
        except (CodecError, ValueError):
            return None
        plan = self._plans.get(want.msg_type)
        if plan is None or want.unknown or self._shape_fields + len(tags) > FIELD_BUDGET:
            return None
        lay = layout(plan[0], self._header_tags, self._not_in_shapes, tags)
        if lay is None:
            return None
        try:
            shape = compile_shape(want.msg_type, key, len(tags), lay[0], lay[1], self._fast_conv, self._tables)
            got = shape.decode(parts, raw)
        except Exception:
            return None
        same = repr((got.msg_type, got.header, got.body, got.pairs, got.unknown)) == repr(
            (want.msg_type, want.header, want.body, want.pairs, want.unknown)
        )
        if not same:
            return None
        self._shape_fields += len(tags)
        return shape

    def _decode_checked(self, raw: bytes) -> FixMessage:
        """The plain path: every rule checked in order, each failure named (tag, reason)."""
        try:
            pairs = split_fields(raw, self.dictionary.data_length_tags)
        except ValidationError as exc:
            seq_b = _peek(raw, b"34")
            exc.seq = int(seq_b) if seq_b is not None and seq_b.isdigit() else None
            mt = _peek(raw, b"35")
            exc.msg_type = mt.decode("ascii", "replace") if mt else None
            raise
        if len(pairs) < 4 or pairs[0][0] != 8 or pairs[1][0] != 9 or pairs[-1][0] != 10:
            raise FramingError("message does not start with 8, 9 and end with 10")
        tag35, mt_b = pairs[2]
        if tag35 != 35:
            raise ValidationError(RejectReason.TAG_OUT_OF_ORDER, "MsgType (35) must be the third field", tag=35)
        msg_type = mt_b.decode("ascii", "replace")
        header: dict[int, Any] = {}
        seq = None
        for t, v in pairs:
            if t == 34:
                seq = int(v) if v.isdigit() else None
                break
        plan = self._plans.get(msg_type)
        if plan is None:
            raise ValidationError(RejectReason.INVALID_MSGTYPE, "Invalid MsgType", tag=35, msg_type=msg_type, seq=seq, value=mt_b)
        try:
            body, unknown = self._body(pairs, msg_type, plan, header)
            for t in self._header_required:
                if t not in header:
                    raise ValidationError(RejectReason.REQUIRED_TAG_MISSING, "Required tag missing", tag=t)
        except ValidationError as exc:
            exc.msg_type = exc.msg_type or msg_type
            exc.seq = seq
            raise
        return FixMessage(msg_type, header, body, raw, pairs, unknown)

    def _convert(self, tag: int, value: bytes) -> Any:
        parse, enums, multi = self._conv[tag]
        try:
            out = parse(value)
        except ValueError:
            raise ValidationError(RejectReason.INCORRECT_DATA_FORMAT, "Incorrect data format for value", tag=tag, value=value) from None
        if enums is not None:
            s = value.decode("utf-8", "replace")
            bad = any(x not in enums for x in s.split(" ")) if multi else s not in enums
            if bad:
                raise ValidationError(RejectReason.INCORRECT_VALUE, "Value is incorrect (out of range) for this tag", tag=tag, value=value)
        return out

    def _body(
        self,
        pairs: list[tuple[int, bytes]],
        msg_type: str,
        plan: tuple[MessageDef, dict[int, Member]],
        header: dict[int, Any],
    ) -> tuple[dict[int, Any], list[tuple[int, bytes]]]:
        mdef, members = plan
        body: dict[int, Any] = {}
        unknown: list[tuple[int, bytes]] = []
        aliased: set[int] = set()  # current tags filled from a legacy alias (the current one wins)
        header_tags = self._header_tags
        conv = self._conv
        i, n = 3, len(pairs) - 1
        while i < n:
            tag, value = pairs[i]
            m = members.get(tag)
            if m is None:
                if tag in header_tags:
                    if tag in header:
                        raise ValidationError(RejectReason.TAG_APPEARS_MORE_THAN_ONCE, "Tag appears more than once", tag=tag)
                    header[tag] = self._convert(tag, value)
                    i += 1
                    continue
                alias = TAG_ALIASES.get((msg_type, tag))
                if alias is not None and alias in members:
                    m = members[alias]
                    tag = alias
                    if tag in body:  # the current tag wins over the legacy one
                        i += 1
                        continue
                    aliased.add(tag)
                elif tag in conv:
                    if tag in _POSITIONAL:
                        raise ValidationError(RejectReason.TAG_OUT_OF_ORDER, "Tag specified out of required order", tag=tag)
                    if self.allow_unknown_tags:
                        unknown.append((tag, value))
                        i += 1
                        continue
                    raise ValidationError(RejectReason.TAG_NOT_DEFINED_FOR_MESSAGE, "Tag not defined for this message type", tag=tag)
                else:
                    if self.allow_unknown_tags:
                        unknown.append((tag, value))
                        i += 1
                        continue
                    raise ValidationError(RejectReason.UNDEFINED_TAG, "Undefined tag received", tag=tag)
            if tag in body:
                if tag not in aliased:
                    raise ValidationError(RejectReason.TAG_APPEARS_MORE_THAN_ONCE, "Tag appears more than once", tag=tag)
                aliased.discard(tag)
            if m.group is not None:
                count = self._convert(tag, value)
                entries, i = self._group(pairs, i + 1, n, m.group, count)
                body[tag] = entries
                continue
            body[tag] = self._convert(tag, value)
            i += 1
        for m in mdef.members:
            if m.required and m.field.number not in body:
                raise ValidationError(RejectReason.REQUIRED_TAG_MISSING, "Required tag missing", tag=m.field.number)
        return body, unknown

    def _group(
        self, pairs: list[tuple[int, bytes]], i: int, n: int, g: GroupDef, count: int
    ) -> tuple[list[dict[int, Any]], int]:
        delim = g.delimiter
        gtags = g.tags
        bymember = {m.field.number: m for m in g.members}
        entries: list[dict[int, Any]] = []
        while i < n and pairs[i][0] == delim:
            entry: dict[int, Any] = {}
            while i < n:
                tag, value = pairs[i]
                if tag not in gtags or (tag == delim and entry):
                    break
                if tag in entry:
                    raise ValidationError(RejectReason.GROUP_FIELDS_OUT_OF_ORDER, "Repeating group fields out of order", tag=tag)
                m = bymember[tag]
                if m.group is not None:
                    entry[tag], i = self._group(pairs, i + 1, n, m.group, self._convert(tag, value))
                    continue
                entry[tag] = self._convert(tag, value)
                i += 1
            for m in g.members:
                if m.required and m.field.number not in entry:
                    raise ValidationError(RejectReason.REQUIRED_TAG_MISSING, "Required tag missing in repeating group", tag=m.field.number)
            entries.append(entry)
        if len(entries) != count:
            raise ValidationError(
                RejectReason.INCORRECT_NUMINGROUP_COUNT,
                f"Incorrect NumInGroup count for repeating group: says {count}, found {len(entries)}",
                tag=g.count.number,
            )
        return entries, i


def _peek(raw: bytes, tag: bytes) -> bytes | None:
    """First value of a header tag found by search (for errors raised before fields are split)."""
    key = b"\x01" + tag + b"="
    p = raw.find(key)
    if p < 0:
        return None
    q = raw.find(b"\x01", p + len(key))
    return raw[p + len(key) : q] if q >= 0 else None
