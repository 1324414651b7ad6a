"""The machinery behind the generated dataclasses: decode plans and encoding.

Each generated field carries its tag (and enum class, price kind or group class) in the
dataclass field metadata; a plan per class is built from that once, so decode is a single
pass over the codec's typed body.

Both directions have a fast path and a plain one.  ``from_fields`` runs a builder compiled
per class and price format (``_compiled_builder``: one ``values.get`` per field); messages
decoded through a compiled shape skip even that (``shaped.py``).  ``encode_body`` runs an
encoder compiled per class, encoder and price format (``_compiled_encoder``: straight-line
code that checks and formats each field, then one %-format of a template holding the tags),
and ``to_fix`` a framer that does the same for header, body, BodyLength and CheckSum at once
(``_compiled_framer``); enum members and prices are looked up rather than formatted.
Whenever the fast path meets something unusual (an unknown tag, a missing required field, a
value of an unexpected type) it gives up and the plain path (``_from_fields_plain``,
``to_fields``) runs from scratch, so results and error messages are the plain path's.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, Self
from zlib import adler32

from ..codec.encoder import FieldEncoder
from ..codec.errors import EncodeError, RejectReason, ValidationError
from ..codec.framing import build_frame, checksum
from ..codec.values import decimal_text, fast_formatter, format_kind, format_timestamp_fast
from ..dictionary import Dictionary
from .prices import CENTS_TAGS, PRICE_TAGS, PriceFormat, price_from_wire, price_to_wire

__all__ = ["FixEnum", "Group", "Header", "Message", "FieldSpec", "fix_field"]

_MISSING = dataclasses.MISSING


@functools.lru_cache(maxsize=1)
def default_encoder() -> FieldEncoder:
    return FieldEncoder(Dictionary.default())


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
_FRAMER_SOURCE: dict[type, str] = {}
_ENCODERS = ("encoders.cents", "encoders.dollars")  # FieldEncoder.cache keys, by dollars?
_FRAMERS = ("framers.cents", "framers.dollars")


class _EncodeGen:
    """Straight-line code for a class's fields: statements that check and format each value
    into ``a<i>``, and a %-template with one slot per field (a required field's tag and SOH are
    in the template).  Anything but the plain value types raises ``_Slow`` or an error."""

    def __init__(self, encoder: FieldEncoder, fmt: PriceFormat, ns: dict[str, Any]) -> None:
        self.encoder = encoder
        self.fmt = fmt
        self.ns = ns
        self.lines: list[str] = []
        self.template: list[bytes] = []
        self.args: list[str] = []

    def scalar(self, i: int, tag: int, var: str, required: bool, enum: Any = None, price: bool = False) -> None:
        """``var`` holds the value of ``tag``; required: raise _Slow when it is None."""
        fast = self.encoder.fast_field(tag)
        prefix = b"%d=" % tag
        ftype = self.encoder.dictionary.fields[tag].type
        kind = format_kind(ftype)
        a = f"a{i}"
        slot = b"%s"
        whole = True  # the expression gives the whole field, tag and SOH included
        checks: list[str] = []
        if enum is not None:
            self.ns[f"wire{i}"] = {id(m): self.encoder.field(tag, m) for m in enum}.get
            self.ns[f"plain{i}"] = functools.partial(self.encoder.field, tag)
            checks = [f"{a} = wire{i}(id({var}))", f"if {a} is None: {a} = plain{i}({var})"]
        elif price:
            cache, self.ns[f"price{i}"] = _price_field(tag, self.fmt, fast)
            self.ns[f"prices{i}"] = cache.get
            checks = [f"{a} = prices{i}(str({var})) if type({var}) is Decimal else None",
                      f"if {a} is None: {a} = price{i}({var})"]  # fmt: skip
        elif kind == "str":
            checks = [f'if type({var}) is not str or not {var} or "\\x01" in {var}: raise _Slow']
            expr, whole = f"{var}.encode()", False
        elif kind == "decimal":
            self.ns[f"fmt{i}"] = fast_formatter(ftype)
            expr, whole = f"DEC(str({var})) if type({var}) is Decimal and {var}.is_finite() else fmt{i}({var})", False
        elif kind == "timestamp":
            expr, whole = f"TS({var})", False
        elif kind == "int":
            checks = [f"if type({var}) is not int: raise _Slow"]
            expr, whole, slot = var, False, b"%d"
        else:
            self.ns[f"f{i}"] = fast
            checks = [f"{a} = f{i}({var})"]
        self.args.append(a)
        if required:
            self.lines.append(f"    if {var} is None: raise _Slow")
            self.lines += [f"    {c}" for c in checks]
            if not whole:
                self.lines.append(f"    {a} = {expr}")
            self.template.append(b"%s" if whole else prefix + slot + b"\x01")
            return
        self.template.append(b"%s")
        self.lines += [f"    if {var} is None:", f'        {a} = b""', "    else:"]
        self.lines += [f"        {c}" for c in checks]
        if not whole:
            self.lines.append(f"        {a} = {prefix + slot + bytes([1])!r} % ({expr})")

    def fields(self, cls: type) -> None:
        for i, s in enumerate(_plan(cls)[0], start=len(self.args)):
            var = f"v{i}"
            self.lines.append(f"    {var} = o.{s.name}")
            fast = self.encoder.fast_field(s.tag)
            if fast is None:  # a DATA field: its LENGTH field is written with it by the plain path
                self.lines.append(f"    if {var} is not None: raise _Slow")
                continue
            if s.group is not None:
                self.ns[f"count{i}"] = fast
                self.ns[f"group{i}"] = _compiled_encoder(s.group, self.encoder, self.fmt)
                one = fast(1)  # the count field of one entry, the usual case
                self.lines += [
                    f"    if {var}:",
                    f"        if len({var}) == 1:",
                    f"            a{i} = {one!r} + group{i}({var}[0])",
                    "        else:",
                    f'            a{i} = count{i}(len({var})) + b"".join(map(group{i}, {var}))',
                    "    else:",
                    "        raise _Slow" if s.required else f'        a{i} = b""',
                ]
                self.args.append(f"a{i}")
                self.template.append(b"%s")
                continue
            self.scalar(i, s.tag, var, s.required, s.enum, bool(s.kind) and s.enum is None)

    def result(self, head: bytes = b"") -> str:
        template = head + b"".join(self.template)
        return f"{template!r} % ({', '.join(self.args)},)" if self.args else repr(template)


def _namespace() -> dict[str, Any]:
    return {"_Slow": _Slow, "Decimal": Decimal, "DEC": decimal_text, "TS": format_timestamp_fast, "CS": checksum, "A": adler32}


def _compiled_encoder(cls: type, encoder: FieldEncoder, fmt: PriceFormat) -> Any:
    """``encode(obj) -> bytes``: the fields of ``obj`` (a group entry checks its own type and
    delimiter); raises ``_Slow`` (or any error) where ``to_fields`` + ``FieldEncoder.fields``
    might do something else."""
    compiled = encoder.cache.setdefault(_ENCODERS[fmt is _DOLLARS], {})
    fn = compiled.get(cls)
    if fn is not None:
        return fn
    ns = _namespace()
    gen = _EncodeGen(encoder, fmt, ns)
    lines = ["def encode(o):"]
    if issubclass(cls, Group):
        ns["G"] = cls
        lines.append(f"    if type(o) is not G or o.{_plan(cls)[0][0].name} is None: raise _Slow")
    gen.fields(cls)
    source = "\n".join([*lines, *gen.lines, f"    return {gen.result()}"]) + "\n"
    exec(compile(source, f"<fixgw encoder {cls.__name__}>", "exec"), ns)
    _ENCODER_SOURCE[cls] = source
    fn = compiled[cls] = ns["encode"]
    return fn


def _compiled_framer(cls: type, encoder: FieldEncoder, fmt: PriceFormat) -> Any:
    """``frame(obj, sender, target, seq, sending_time) -> bytes``: the whole message, header,
    BodyLength and CheckSum included, as ``to_fix`` frames it; raises where it might differ."""
    compiled = encoder.cache.setdefault(_FRAMERS[fmt is _DOLLARS], {})
    fn = compiled.get(cls)
    if fn is not None:
        return fn
    ns = _namespace()
    gen = _EncodeGen(encoder, fmt, ns)
    for i, tag in enumerate((49, 56, 34, 52)):
        gen.scalar(i, tag, f"h{tag}", required=True)
    gen.fields(cls)
    esc = {b: b.replace(b"%", b"%%") for b in (encoder.begin_string, cls.MSG_TYPE.encode())}  # type: ignore[attr-defined]
    source = "\n".join([
        "def frame(o, h49, h56, h34, h52):",
        *gen.lines,
        f"    rest = {gen.result(b'35=' + esc[cls.MSG_TYPE.encode()] + bytes([1]))}",  # type: ignore[attr-defined]
        f"    head = {b'8=' + esc[encoder.begin_string] + bytes([1]) + b'9=%d' + bytes([1])!r} % len(rest)",
        '    return b"%s%s10=%03d\\x01" % (head, rest, (A(head) - 1 + CS(rest)) & 0xFF)',  # head < 256 bytes
    ]) + "\n"  # fmt: skip
    exec(compile(source, f"<fixgw framer {cls.__name__}>", "exec"), ns)
    _FRAMER_SOURCE[cls] = source
    fn = compiled[cls] = ns["frame"]
    return fn


def _price_field(tag: int, fmt: PriceFormat, fast: Any) -> tuple[dict[str, bytes], Any]:
    """Dollars Decimal -> the whole wire field, remembered by the Decimal's text (so 0.75
    and 0.750 stay apart, as price_to_wire's decimal-places check needs): the cache, and the
    function that fills it."""
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

    return cache, price


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
        try:
            compiled = encoder.cache.get(_ENCODERS[fmt is _DOLLARS])
            encode = compiled.get(type(self)) if compiled is not None else None
            if encode is None:
                encode = _compiled_encoder(type(self), encoder, fmt)
            return encode(self)  # type: ignore[no-any-return]
        except Exception:  # the plain path raises the error that names it
            return None

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
        enc = encoder if encoder is not None else default_encoder()
        if not extra_header:
            try:
                framers = enc.cache.get(_FRAMERS[price_format is _DOLLARS])
                frame = framers.get(type(self)) if framers is not None else None
                if frame is None:
                    frame = _compiled_framer(type(self), enc, price_format)
                return frame(self, sender_comp_id, target_comp_id, msg_seq_num, sending_time)  # type: ignore[no-any-return]
            except Exception:
                pass  # the plain path below frames it or raises the error that names it
        header: list[tuple[int, Any]] = [
            (49, sender_comp_id), (56, target_comp_id), (34, msg_seq_num), (52, sending_time),
        ]  # fmt: skip
        if extra_header:
            header.extend(extra_header)
        body = self._encode_fast(enc, price_format)
        if body is None:
            return enc.message(self.MSG_TYPE, header, self.to_fields(price_format))
        return build_frame(enc.begin_string, self.MSG_TYPE.encode(), enc.fields(header), body)
