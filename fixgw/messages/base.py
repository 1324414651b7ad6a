"""The machinery behind the generated dataclasses: decode plans and encoding.

Each generated field carries its tag (and enum class, price kind or group class) in the
dataclass field metadata; a plan per class is built from that once, so decode is a single
pass over the codec's typed body.

Both directions have a fast path and a plain one.  ``from_fields`` runs a builder compiled
per class and price format (``_compiled_builder``: one ``values.get`` per field); ``encode_body``
runs an encoder compiled per class, encoder and price format (``_compiled_encoder``: straight-line code, one ``if`` per field, enum
members and prices looked up rather than formatted).  Whenever the fast path meets something
unusual (an unknown tag, a missing required field, a value of an unexpected type) it gives up
and the plain path (``_from_fields_plain``, ``to_fields``) runs from scratch, so results and
error messages are the plain path's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, Self

from ..codec.encoder import FieldEncoder
from ..codec.errors import EncodeError, RejectReason, ValidationError
from ..codec.framing import build_frame
from ..codec.values import decimal_text, format_kind, format_timestamp_fast
from .prices import CENTS_TAGS, PRICE_TAGS, PriceFormat, price_from_wire, price_to_wire

__all__ = ["FixEnum", "Group", "Header", "Message", "FieldSpec", "fix_field"]

_MISSING = dataclasses.MISSING


class FixEnum(Enum):
    """Base of the generated enums; ``.value`` is the Python form of the wire value."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str) and value.isdigit():  # int enums built from wire text
            try:
                return cls(int(value))
            except ValueError:
                return None
        return None


def fix_field(tag: int, *, required: bool = False, enum: type[Enum] | None = None,
              group: type | None = None) -> Any:
    """A dataclass field bound to a FIX tag (used by the generated code)."""
    meta = {"tag": tag, "enum": enum, "group": group, "required": required}
    if group is not None:
        return dataclasses.field(default_factory=list, metadata=meta)
    if required:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=None, metadata=meta)


@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    tag: int
    name: str
    required: bool
    enum: type[Enum] | None
    group: type[Group] | None
    kind: int  # 0 plain, 1 price (UseDollars-dependent), 2 always cents


def _specs(cls: type) -> tuple[FieldSpec, ...]:
    out = []
    for f in dataclasses.fields(cls):
        md = f.metadata
        if "tag" not in md:
            continue
        tag = md["tag"]
        kind = 1 if tag in PRICE_TAGS else 2 if tag in CENTS_TAGS else 0
        out.append(FieldSpec(tag, f.name, md["required"], md["enum"], md["group"], kind))
    return tuple(out)


_PLANS: dict[type, tuple[tuple[FieldSpec, ...], dict[int, FieldSpec]]] = {}


def _plan(cls: type) -> tuple[tuple[FieldSpec, ...], dict[int, FieldSpec]]:
    plan = _PLANS.get(cls)
    if plan is None:
        specs = _specs(cls)
        plan = _PLANS[cls] = (specs, {s.tag: s for s in specs})
    return plan


class _Slow(Exception):
    """The fast path gives up: take the plain one."""


# ---- decoding: {tag: typed value} -> dataclass -------------------------------------------------

_MISSING_TAG = object()
_DOLLARS = PriceFormat.DOLLARS
_BUILDERS: tuple[dict[type, Any], dict[type, Any]] = ({}, {})  # cents, dollars
_BUILDER_SOURCE: dict[tuple[type, PriceFormat], str] = {}  # for tests and the curious


def _compiled_builder(cls: type, fmt: PriceFormat) -> Any:
    """``build(values) -> cls``: one ``values.get`` per field, enums and groups converted
    inline.  Raises (``_Slow`` or any error) wherever the plain path might do something else:
    a tag the class does not know, a required field missing, a value that does not convert."""
    specs = _plan(cls)[0]
    ns: dict[str, Any] = {"_Slow": _Slow, "M": _MISSING_TAG, "cls": cls, "KNOWN": frozenset(s.tag for s in specs)}
    lines = ["def build(values):", "    if not KNOWN.issuperset(values): raise _Slow", "    g = values.get"]
    args = []
    for i, s in enumerate(specs):
        lines.append(f"    v{i} = g({s.tag}, M)")
        if s.required:
            lines.append(f"    if v{i} is M: raise _Slow")
        if s.group is not None:
            ns[f"build{i}"] = _BUILDERS[fmt is _DOLLARS].get(s.group) or _compiled_builder(s.group, fmt)
            expr = f"[] if v{i} is M else [build{i}(e) for e in v{i}]"
        else:
            if s.enum is not None:
                ns[f"conv{i}"] = s.enum._value2member_map_.__getitem__  # KeyError: plain path
                value = f"conv{i}(v{i})"
            elif s.kind == 2 or (s.kind == 1 and fmt is PriceFormat.CENTS):
                value = f"v{i}.scaleb(-2)"  # what price_from_wire does for cents
            else:
                value = f"v{i}"
            expr = value if s.required else f"None if v{i} is M else {value}"
        args.append(f"        {s.name}=({expr}),")
    lines += ["    return cls(", *args, "    )"]
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<fixgw builder {cls.__name__}>", "exec"), ns)
    _BUILDER_SOURCE[(cls, fmt)] = source
    fn = _BUILDERS[fmt is _DOLLARS][cls] = ns["build"]
    return fn


# ---- encoding: dataclass -> b"tag=value\x01..." --------------------------------------------------

_ENCODER_SOURCE: dict[type, str] = {}  # for tests and the curious: the generated code


def _compiled_encoder(cls: type, encoder: FieldEncoder, fmt: PriceFormat) -> Any:
    """``encode(obj, append)``: appends each present field's bytes; raises ``_Slow`` (or any
    error) where ``to_fields`` + ``FieldEncoder.fields`` might do something else."""
    compiled = encoder.cache.setdefault(("encoders", fmt is _DOLLARS), {})
    fn = compiled.get(cls)
    if fn is not None:
        return fn
    specs = _plan(cls)[0]
    ns: dict[str, Any] = {"_Slow": _Slow, "Decimal": Decimal, "DEC": decimal_text, "TS": format_timestamp_fast}
    lines = ["def encode(o, append):"]
    for i, s in enumerate(specs):
        lines.append(f"    v = o.{s.name}")
        fast = encoder.fast_field(s.tag)
        if fast is None:  # a DATA field: its LENGTH field is written with it by the plain path
            lines.append("    if v is not None: raise _Slow")
            continue
        if s.group is not None:
            ns[f"count{i}"] = fast
            ns[f"G{i}"] = s.group
            ns[f"group{i}"] = _compiled_encoder(s.group, encoder, fmt)
            delim = _plan(s.group)[0][0].name
            lines += [
                "    if v:",
                f"        append(count{i}(len(v)))",
                "        for e in v:",
                f"            if type(e) is not G{i} or e.{delim} is None: raise _Slow",
                f"            group{i}(e, append)",
            ]
            if s.required:
                lines.append("    else: raise _Slow")
            continue
        if s.required:
            lines.append("    if v is None: raise _Slow")
            pad = "    "
        else:
            lines.append("    if v is not None:")
            pad = "        "
        prefix = b"%d=" % s.tag
        kind = format_kind(encoder.dictionary.fields[s.tag].type)
        if s.enum is not None:
            ns[f"wire{i}"] = {id(m): encoder.field(s.tag, m) for m in s.enum}.get  # type: ignore[attr-defined]
            ns[f"plain{i}"] = functools.partial(encoder.field, s.tag)
            lines += [f"{pad}w = wire{i}(id(v))", f"{pad}append(w if w is not None else plain{i}(v))"]
        elif s.kind:
            ns[f"price{i}"] = _price_field(s.tag, fmt, fast)
            lines.append(f"{pad}append(price{i}(v))")
        elif kind == "str":  # inline: what format_str accepts, else the general path
            ns[f"f{i}"] = fast
            lines.append(
                f'{pad}append({prefix!r} + v.encode() + b"\\x01" if type(v) is str and v and "\\x01" not in v else f{i}(v))'
            )
        elif kind == "decimal":
            ns[f"f{i}"] = fast
            lines.append(
                f'{pad}append({prefix!r} + DEC(str(v)) + b"\\x01" if type(v) is Decimal and v.is_finite() else f{i}(v))'
            )
        elif kind == "timestamp":
            lines.append(f'{pad}append({prefix!r} + TS(v) + b"\\x01")')
        else:
            ns[f"f{i}"] = fast
            lines.append(f"{pad}append(f{i}(v))")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<fixgw encoder {cls.__name__}>", "exec"), ns)
    _ENCODER_SOURCE[cls] = source
    fn = compiled[cls] = ns["encode"]
    return fn


def _price_field(tag: int, fmt: PriceFormat, fast: Any) -> Any:
    """Dollars Decimal -> the whole wire field, remembered by the Decimal's text (so 0.75
    and 0.750 stay apart, as price_to_wire's decimal-places check needs)."""
    cache: dict[str, bytes] = {}

    def price(v: Any) -> bytes:
        if type(v) is not Decimal:
            raise _Slow
        text = str(v)
        wire = cache.get(text)
        if wire is None:
            wire = fast(price_to_wire(tag, v, fmt))
            if len(cache) >= 4096:
                cache.clear()
            cache[text] = wire
        return wire

    return price


def _header_encoder(encoder: FieldEncoder) -> Any:
    """``(sender, target, seq, sending_time) -> b"49=..|56=..|34=..|52=..|"`` (ValueError: use
    ``encoder.fields``, which names the bad value)."""
    fn = encoder.cache.get("header")
    if fn is None:
        f49, f56, f34 = (encoder.fast_field(t) or functools.partial(encoder.field, t) for t in (49, 56, 34))
        ts = format_timestamp_fast if format_kind(encoder.dictionary.fields[52].type) == "timestamp" else None

        def fn(sender: Any, target: Any, seq: Any, at: Any) -> bytes:
            if ts is None:
                raise ValueError("SendingTime (52) is not a UTCTIMESTAMP in this dictionary")
            return b"%s%s%s52=%s\x01" % (f49(sender), f56(target), f34(seq), ts(at))

        encoder.cache["header"] = fn
    return fn


class _Fields:
    """Shared decode/encode for messages, groups and the header."""

    __slots__ = ()

    @classmethod
    def from_fields(cls, values: dict[int, Any], fmt: PriceFormat = PriceFormat.CENTS) -> Self:
        """Build from the codec's typed ``{tag: value}`` (groups are lists of such dicts)."""
        build = _BUILDERS[fmt is _DOLLARS].get(cls) or _compiled_builder(cls, fmt)
        try:
            return build(values)  # type: ignore[no-any-return]
        except Exception:  # the plain path builds it, or raises the error that names it
            return cls._from_fields_plain(values, fmt)

    @classmethod
    def _from_fields_plain(cls, values: dict[int, Any], fmt: PriceFormat) -> Self:
        by_tag = _plan(cls)[1]
        kwargs: dict[str, Any] = {}
        for tag, value in values.items():
            s = by_tag.get(tag)
            if s is None:
                continue
            if s.group is not None:
                value = [s.group.from_fields(e, fmt) for e in value]
            elif s.enum is not None:
                value = s.enum(value)
            elif s.kind:
                value = price_from_wire(tag, value, fmt)
            kwargs[s.name] = value
        return cls(**kwargs)

    def to_fields(self, fmt: PriceFormat = PriceFormat.CENTS) -> list[tuple[int, Any]]:
        """``(tag, wire-ready value)`` in dictionary order; groups as lists of such lists."""
        out: list[tuple[int, Any]] = []
        for s in _plan(type(self))[0]:
            value = getattr(self, s.name)
            if value is None or (s.group is not None and not value):
                if s.required:
                    raise EncodeError(f"{type(self).__name__}.{s.name} (tag {s.tag}) is required")
                continue
            if s.group is not None:
                value = [e.to_fields(fmt) for e in value]
                # an entry is found on the wire by its first field (the delimiter)
                delim = _plan(s.group)[0][0]
                if any(not e or e[0][0] != delim.tag for e in value):
                    raise EncodeError(
                        f"{s.group.__name__}.{delim.name} (tag {delim.tag}) is required: "
                        f"it opens each entry of {type(self).__name__}.{s.name} (tag {s.tag})"
                    )
            elif s.kind:
                value = price_to_wire(s.tag, value, fmt)
            out.append((s.tag, value))
        return out


class Group(_Fields):
    """One entry of a repeating group."""

    __slots__ = ()

    COUNT_TAG: ClassVar[int]


class Header(_Fields):
    """Standard header fields (generated); 8, 9 and 35 are the codec's business."""

    __slots__ = ()


class Message(_Fields):
    """Base of the generated messages.  ``header`` is set on decoded messages only."""

    __slots__ = ()
    MSG_TYPE: ClassVar[str]
    ADMIN: ClassVar[bool]

    def encode_body(self, encoder: FieldEncoder, fmt: PriceFormat = PriceFormat.CENTS) -> bytes:
        body = self._encode_fast(encoder, fmt)
        return body if body is not None else encoder.fields(self.to_fields(fmt))

    def _encode_fast(self, encoder: FieldEncoder, fmt: PriceFormat) -> bytes | None:
        """The body through the compiled encoder, or None: take the plain path."""
        out: list[bytes] = []
        try:
            compiled = encoder.cache.get(("encoders", fmt is _DOLLARS))
            encode = compiled.get(type(self)) if compiled is not None else None
            if encode is None:
                encode = _compiled_encoder(type(self), encoder, fmt)
            encode(self, out.append)
        except Exception:  # the plain path raises the error that names it
            return None
        return b"".join(out)

    @classmethod
    def from_fix(cls, raw: bytes, fmt: PriceFormat = PriceFormat.CENTS, decoder: Any = None) -> Self:
        """Validate and decode one framed message; on a subclass, it must be of that type."""
        from . import decode

        msg = decode(raw, fmt, decoder)
        if not isinstance(msg, cls):
            raise ValidationError(
                RejectReason.INVALID_MSGTYPE,
                f"expected {cls.__name__} (35={getattr(cls, 'MSG_TYPE', '?')}), got {type(msg).__name__}",
                tag=35, msg_type=msg.MSG_TYPE,
            )  # fmt: skip
        return msg

    def to_fix(
        self,
        *,
        sender_comp_id: str,
        target_comp_id: str,
        msg_seq_num: int,
        sending_time: datetime,
        price_format: PriceFormat = PriceFormat.CENTS,
        encoder: FieldEncoder | None = None,
        extra_header: list[tuple[int, Any]] | None = None,
    ) -> bytes:
        """A whole framed message (tools and tests; sessions build headers themselves)."""
        if encoder is None:
            from . import default_encoder

            encoder = default_encoder()
        enc = encoder
        body = self._encode_fast(enc, price_format)
        head = None
        if body is not None and not extra_header:
            with contextlib.suppress(ValueError):  # enc.fields below says what is wrong
                head = _header_encoder(enc)(sender_comp_id, target_comp_id, msg_seq_num, sending_time)
        if head is None:
            header: list[tuple[int, Any]] = [
                (49, sender_comp_id), (56, target_comp_id), (34, msg_seq_num), (52, sending_time),
            ]  # fmt: skip
            if extra_header:
                header.extend(extra_header)
            if body is None:
                return enc.message(self.MSG_TYPE, header, self.to_fields(price_format))
            head = enc.fields(header)
        return build_frame(enc.begin_string, self.MSG_TYPE.encode(), head, body)

