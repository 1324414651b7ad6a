"""Split one framed message into ``(tag, value)`` pairs.

The fast path splits with C string methods: when the message's separators strictly alternate
``=`` and SOH (no value holds ``=``, no value is empty), replacing ``=`` by SOH and splitting
once gives tags and values in turn.  Otherwise a regex scan does it.  When the message holds a
DATA field announced by its LENGTH field (RawDataLength 95 -> RawData 96), the value is taken
by byte count instead, since it may contain SOH or ``=``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import RejectReason, ValidationError

__all__ = ["alternates", "split_fields", "split_parts", "split_tags_values", "TAG_NUMBERS"]

_PAIR = re.compile(rb"([0-9]+)=([^\x01]*)\x01")
_WELL_FORMED = re.compile(rb"(?:[1-9][0-9]*=[^\x01]+\x01)+")
_NOT_SEPARATOR = bytes(b for b in range(256) if b not in (0x01, 0x3D))  # all but SOH and "="
_ALTERNATING = b"=\x01" * 4096  # the separators of a well-formed message of up to 4096 fields


class _TagNumbers(dict):  # type: ignore[type-arg]
    """``b"35"`` -> 35, remembered; KeyError for anything that is not a canonical tag number."""

    def __missing__(self, raw: bytes) -> int:
        if not raw.isdigit() or raw[:1] == b"0" or len(raw) > 9:
            raise KeyError(raw)
        tag = int(raw)
        if len(self) < 20_000:
            self[raw] = tag
        return tag


#: tag text -> number (shared cache; the decoder looks tags up here)
TAG_NUMBERS: dict[bytes, int] = _TagNumbers()
_tag_number = TAG_NUMBERS.__getitem__


def alternates(raw: bytes) -> bool:
    """The separators strictly alternate ``=`` and SOH over at least four fields and the
    message ends with SOH: replacing ``=`` by SOH and splitting gives whole tags and values."""
    seps = raw.translate(None, _NOT_SEPARATOR)
    n = len(seps)
    return not (n < 8 or n & 1 or seps != _ALTERNATING[:n] or raw[-1] != 1)


def split_parts(raw: bytes) -> list[bytes] | None:
    """``[tag, value, tag, value, ..., b""]`` when the separators alternate (``alternates``);
    else None.  Tags and values are not checked: empty or non-numeric parts are the caller's
    business (a compiled shape compares the tags as bytes and checks the values it converts)."""
    if not alternates(raw):
        return None
    return raw.replace(b"=", b"\x01").split(b"\x01")


def split_tags_values(raw: bytes) -> tuple[list[int], list[bytes]] | None:
    """Tags and values of a message with no DATA field, no empty value and no ``=`` inside a
    value; None when it is not one (``split_fields`` then handles it, errors included)."""
    seps = raw.translate(None, _NOT_SEPARATOR)
    n = len(seps)
    if n & 1 or seps != _ALTERNATING[:n] or b"=\x01" in raw or not n or raw[-1] != 1:
        return None
    parts = raw.replace(b"=", b"\x01").split(b"\x01")
    try:
        tags = list(map(_tag_number, parts[0:-1:2]))
    except KeyError:
        return None
    return tags, parts[1::2]


def split_fields(raw: bytes, data_tags: Mapping[int, int]) -> list[tuple[int, bytes]]:
    """Return the message's fields in wire order.  Raises ``ValidationError`` on bad syntax."""
    for ltag in data_tags:
        if b"\x01%d=" % ltag in raw:
            return _split_slow(raw, data_tags)
    fast = split_tags_values(raw)
    if fast is not None:
        return list(zip(fast[0], fast[1], strict=True))
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
