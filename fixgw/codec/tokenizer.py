"""Split one framed message into ``(tag, value)`` pairs.

The fast path is a single regex scan.  When the message holds a DATA field announced by its
LENGTH field (RawDataLength 95 -> RawData 96), the value is taken by byte count instead, since
it may contain SOH or ``=``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import RejectReason, ValidationError

__all__ = ["split_fields"]

_PAIR = re.compile(rb"([0-9]+)=([^\x01]*)\x01")
_WELL_FORMED = re.compile(rb"(?:[1-9][0-9]*=[^\x01]+\x01)+")


def split_fields(raw: bytes, data_tags: Mapping[int, int]) -> list[tuple[int, bytes]]:
    """Return the message's fields in wire order.  Raises ``ValidationError`` on bad syntax."""
    for ltag in data_tags:
        if b"\x01%d=" % ltag in raw:
            return _split_slow(raw, data_tags)
    if _WELL_FORMED.fullmatch(raw) is not None:
        return [(int(t), v) for t, v in _PAIR.findall(raw)]
    return _split_slow(raw, data_tags)


def _split_slow(raw: bytes, data_tags: Mapping[int, int]) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    n = len(raw)
    pending_len: tuple[int, int] | None = None  # (data tag expected next, its byte length)
    while pos < n:
        eq = raw.find(b"=", pos)
        if eq < 0:
            raise ValidationError(RejectReason.INVALID_TAG_NUMBER, "Field without '='", value=raw[pos : pos + 16])
        tag_b = raw[pos:eq]
        if not tag_b.isdigit() or tag_b[:1] == b"0":
            raise ValidationError(RejectReason.INVALID_TAG_NUMBER, "Invalid tag number", value=tag_b[:16])
        tag = int(tag_b)
        vstart = eq + 1
        if pending_len is not None and pending_len[0] == tag:
            vend = vstart + pending_len[1]
            if vend >= n or raw[vend] != 1:
                raise ValidationError(
                    RejectReason.INCORRECT_DATA_FORMAT,
                    f"DATA field length does not match its length field ({pending_len[1]})",
                    tag=tag,
                )
        else:
            vend = raw.find(b"\x01", vstart)
            if vend < 0:
                raise ValidationError(RejectReason.INCORRECT_DATA_FORMAT, "Field not terminated by SOH", tag=tag)
        value = raw[vstart:vend]
        if not value:
            raise ValidationError(RejectReason.TAG_WITHOUT_VALUE, "Tag specified without a value", tag=tag)
        pending_len = None
        if tag in data_tags:
            if not value.isdigit():
                raise ValidationError(RejectReason.INCORRECT_DATA_FORMAT, "Length field is not a number", tag=tag, value=value)
            pending_len = (data_tags[tag], int(value))
        out.append((tag, value))
        pos = vend + 1
    return out
