"""The machinery behind the generated dataclasses: decode plans and encoding.

Each generated field carries its tag (and enum class, price kind or group class) in the
dataclass field metadata; a plan per class is built from that once, so decode is a single
pass over the codec's typed body.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar, Self

from ..codec.encoder import FieldEncoder
from ..codec.errors import EncodeError
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


class _Fields:
    """Shared decode/encode for messages, groups and the header."""

    __slots__ = ()

    @classmethod
    def from_fields(cls, values: dict[int, Any], fmt: PriceFormat = PriceFormat.CENTS) -> Self:
        """Build from the codec's typed ``{tag: value}`` (groups are lists of such dicts)."""
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
        return encoder.fields(self.to_fields(fmt))

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
        from . import default_encoder

        enc = encoder or default_encoder()
        header: list[tuple[int, Any]] = [
            (49, sender_comp_id), (56, target_comp_id), (34, msg_seq_num), (52, sending_time),
        ]
        if extra_header:
            header.extend(extra_header)
        return enc.message(self.MSG_TYPE, header, self.to_fields(price_format))

