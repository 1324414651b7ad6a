"""Wire value <-> Python value conversion, by QuickFIX type name.

Parsers take the raw ``bytes`` between ``=`` and SOH and raise ``ValueError`` on bad format;
the decoder turns that into SessionRejectReason 6.  Formatters return ``bytes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

__all__ = ["parser_for", "formatter_for", "format_timestamp", "parse_timestamp", "format_decimal"]

_TS = re.compile(rb"(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
_TIME = re.compile(rb"(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
_DATE = re.compile(rb"(\d{4})(\d{2})(\d{2})")


def parse_int(b: bytes) -> int:
    if b.isdigit() or (b[:1] == b"-" and b[1:].isdigit()):
        return int(b)
    raise ValueError(f"not an integer: {b!r}")


def parse_decimal(b: bytes) -> Decimal:
    t = b[1:] if b[:1] == b"-" else b
    if t.replace(b".", b"", 1).isdigit():
        return Decimal(b.decode("ascii"))
    raise ValueError(f"not a decimal number: {b!r}")


def parse_bool(b: bytes) -> bool:
    if b == b"Y":
        return True
    if b == b"N":
        return False
    raise ValueError(f"not Y or N: {b!r}")


def parse_str(b: bytes) -> str:
    return b.decode("utf-8")


def parse_char(b: bytes) -> str:
    if len(b) != 1:
        raise ValueError(f"not a single character: {b!r}")
    return b.decode("ascii")


def _frac_to_micro(frac: bytes | None) -> int:
    if not frac:
        return 0
    return int((frac + b"000000")[:6])


def parse_timestamp(b: bytes) -> datetime:
    m = _TS.fullmatch(b)
    if m is None:
        raise ValueError(f"not a UTCTimestamp (YYYYMMDD-HH:MM:SS[.sss]): {b!r}")
    y, mo, d, h, mi, s, frac = m.groups()
    sec = int(s)
    if sec == 60:  # leap second: FIX allows it, datetime does not
        sec = 59
    return datetime(int(y), int(mo), int(d), int(h), int(mi), sec, _frac_to_micro(frac), UTC)


def parse_time(b: bytes) -> time:
    m = _TIME.fullmatch(b)
    if m is None:
        raise ValueError(f"not a UTCTimeOnly (HH:MM:SS[.sss]): {b!r}")
    h, mi, s, frac = m.groups()
    return time(int(h), int(mi), min(int(s), 59), _frac_to_micro(frac), UTC)


def parse_date(b: bytes) -> date:
    m = _DATE.fullmatch(b)
    if m is None:
        raise ValueError(f"not a date (YYYYMMDD): {b!r}")
    return date(int(m[1]), int(m[2]), int(m[3]))


def parse_data(b: bytes) -> bytes:
    return b


_PARSERS: dict[str, Callable[[bytes], Any]] = {
    "INT": parse_int, "SEQNUM": parse_int, "LENGTH": parse_int, "NUMINGROUP": parse_int,
    "TAGNUM": parse_int, "DAYOFMONTH": parse_int,
    "PRICE": parse_decimal, "QTY": parse_decimal, "AMT": parse_decimal, "FLOAT": parse_decimal,
    "PRICEOFFSET": parse_decimal, "PERCENTAGE": parse_decimal, "DECIMAL": parse_decimal,
    "BOOLEAN": parse_bool, "CHAR": parse_char,
    "UTCTIMESTAMP": parse_timestamp, "TZTIMESTAMP": parse_str,
    "UTCTIMEONLY": parse_time, "UTCDATEONLY": parse_date, "UTCDATE": parse_date,
    "LOCALMKTDATE": parse_date,
    "DATA": parse_data, "XMLDATA": parse_data,
}  # fmt: skip


def parser_for(fix_type: str) -> Callable[[bytes], Any]:
    return _PARSERS.get(fix_type, parse_str)


# --- formatting -----------------------------------------------------------------------------


def format_decimal(v: Decimal | int) -> bytes:
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v).encode()
    if not isinstance(v, Decimal):
        raise ValueError(f"expected Decimal, got {type(v).__name__} {v!r} (floats are not accepted)")
    if not v.is_finite():
        raise ValueError(f"not a finite number: {v}")
    return format(v, "f").encode()


def format_int(v: int) -> bytes:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected int, got {type(v).__name__} {v!r}")
    return str(v).encode()


def format_bool(v: bool) -> bytes:
    if not isinstance(v, bool):
        raise ValueError(f"expected bool, got {type(v).__name__} {v!r}")
    return b"Y" if v else b"N"


def format_str(v: str) -> bytes:
    if not isinstance(v, str):
        raise ValueError(f"expected str, got {type(v).__name__} {v!r}")
    if "\x01" in v:
        raise ValueError("contains SOH (\\x01)")
    if not v:
        raise ValueError("empty string (FIX has no empty values; omit the field)")
    return v.encode("utf-8")


def format_timestamp(v: datetime) -> bytes:
    """``YYYYMMDD-HH:MM:SS.mmm`` (Kalshi's format); microseconds only when they are not whole ms."""
    if not isinstance(v, datetime):
        raise ValueError(f"expected datetime, got {type(v).__name__} {v!r}")
    if v.tzinfo is None:
        raise ValueError(f"naive datetime {v!r}: FIX timestamps are UTC, pass an aware datetime")
    v = v.astimezone(UTC)
    us = v.microsecond
    head = f"{v.year:04d}{v.month:02d}{v.day:02d}-{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
    if us % 1000:
        return f"{head}.{us:06d}".encode()
    return f"{head}.{us // 1000:03d}".encode()


def format_time(v: time) -> bytes:
    if not isinstance(v, time):
        raise ValueError(f"expected time, got {type(v).__name__} {v!r}")
    return f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond // 1000:03d}".encode()


def format_date(v: date) -> bytes:
    if not isinstance(v, date) or isinstance(v, datetime):
        raise ValueError(f"expected date, got {type(v).__name__} {v!r}")
    return f"{v.year:04d}{v.month:02d}{v.day:02d}".encode()


def format_data(v: bytes) -> bytes:
    if not isinstance(v, bytes | bytearray):
        raise ValueError(f"expected bytes, got {type(v).__name__}")
    return bytes(v)


_FORMATTERS: dict[str, Callable[[Any], bytes]] = {
    "INT": format_int, "SEQNUM": format_int, "LENGTH": format_int, "NUMINGROUP": format_int,
    "TAGNUM": format_int, "DAYOFMONTH": format_int,
    "PRICE": format_decimal, "QTY": format_decimal, "AMT": format_decimal, "FLOAT": format_decimal,
    "PRICEOFFSET": format_decimal, "PERCENTAGE": format_decimal, "DECIMAL": format_decimal,
    "BOOLEAN": format_bool,
    "UTCTIMESTAMP": format_timestamp, "UTCTIMEONLY": format_time,
    "UTCDATEONLY": format_date, "UTCDATE": format_date, "LOCALMKTDATE": format_date,
    "DATA": format_data, "XMLDATA": format_data,
}  # fmt: skip


def formatter_for(fix_type: str) -> Callable[[Any], bytes]:
    base = _FORMATTERS.get(fix_type, format_str)

    def fmt(v: Any) -> bytes:
        if isinstance(v, Enum):
            v = v.value
            if isinstance(v, str):
                return format_str(v)
            if isinstance(v, bool):
                return format_bool(v)
            if isinstance(v, int):
                return format_int(v)
        return base(v)

    fmt.__name__ = f"format_{fix_type.lower()}"
    return fmt


# --- fast paths -------------------------------------------------------------------------------
#
# The decoder and encoder call these once per field, so each is a dict lookup where it can
# be: wire bytes -> value for the values that repeat (prices, quantities, enum codes, the
# date-and-second part of timestamps) and value -> wire bytes on the way back.  Every cache
# is bounded (cleared when full) because its keys come from the wire.  Each fast function
# returns exactly what its plain counterpart above returns, and raises (ValueError or
# KeyError) wherever that one raises: callers then take the plain path for the error.

CACHE_LIMIT = 4096


_K = TypeVar("_K")  # the raw text: bytes off the wire, or str


class _ParseCache(dict[_K, Any]):
    """``cache[raw]``: a C-speed hit, or the plain parser on a miss (remembered if it parses)."""

    __slots__ = ("_parse",)

    def __init__(self, parse: Callable[[_K], Any]) -> None:
        super().__init__()
        self._parse = parse

    def __missing__(self, raw: _K) -> Any:
        value = self._parse(raw)
        if len(self) >= CACHE_LIMIT:
            self.clear()
        self[raw] = value
        return value


# Decimals are immutable: sharing one is safe
_DECIMALS: _ParseCache[bytes] = _ParseCache(parse_decimal)
_CHARS: _ParseCache[bytes] = _ParseCache(parse_char)
_BOOLS = {b"Y": True, b"N": False}
_TS_SECONDS: dict[bytes, datetime] = {}  # b"YYYYMMDD-HH:MM:SS" -> that second (UTC)
#: b".d", b".dd", b".ddd" -> the fraction of a second they stand for
_FRACTIONS: dict[bytes, timedelta] = {
    b".%0*d" % (width, n): timedelta(microseconds=n * 10 ** (6 - width))
    for width in (1, 2, 3)
    for n in range(10**width)
}


def parse_timestamp_fast(b: bytes) -> datetime:
    """``parse_timestamp`` as a lookup of the second plus a lookup of the milliseconds (a
    datetime is immutable, so the whole-second one is shared)."""
    second = _TS_SECONDS.get(b[:17])
    if second is not None:
        if len(b) == 17:
            return second
        frac = _FRACTIONS.get(b[17:])
        if frac is not None:
            return second + frac
    v = parse_timestamp(b)
    if len(_TS_SECONDS) >= CACHE_LIMIT:
        _TS_SECONDS.clear()
    _TS_SECONDS[b[:17]] = v.replace(microsecond=0)
    return v


def enum_table(fix_type: str, enums: frozenset[str] | None) -> dict[bytes, Any] | None:
    """Wire bytes -> value for every valid value of a single-valued enum field, or None (not
    an enum, or a multi-value one)."""
    if enums is None or fix_type in ("MULTIPLEVALUESTRING", "MULTIPLESTRINGVALUE", "MULTIPLECHARVALUE"):
        return None
    parse = parser_for(fix_type)
    table: dict[bytes, Any] = {}
    for text in enums:
        raw = text.encode("utf-8")
        try:
            table[raw] = parse(raw)
        except ValueError:
            continue  # an enum value its own type refuses can never be valid
    return table


def fast_parser(fix_type: str, enums: frozenset[str] | None) -> Callable[[bytes], Any] | None:
    """The fast equivalent of ``parser_for(fix_type)`` plus the enum check, or None if there
    is none (multi-value enums, DATA): the caller then uses the plain path."""
    parse = parser_for(fix_type)
    if enums is not None:
        table = enum_table(fix_type, enums)
        return None if table is None else table.__getitem__
    if parse is parse_str:
        return bytes.decode  # utf-8, strict: what parse_str does
    if parse is parse_decimal:
        return _DECIMALS.__getitem__
    if parse is parse_char:
        return _CHARS.__getitem__
    if parse is parse_bool:
        return _BOOLS.__getitem__
    if parse is parse_timestamp:
        return parse_timestamp_fast
    if parse is parse_data:
        return None
    return parse


# --- fast formatting ---------------------------------------------------------------------------

_DEC_TEXT: _ParseCache[str] = _ParseCache(lambda s: format(Decimal(s), "f").encode())
#: ``str(d)`` of a *finite* Decimal -> its wire text (``format_decimal``), remembered
decimal_text: Callable[[str], bytes] = _DEC_TEXT.__getitem__
_TS_TEXT: dict[tuple[int, int, int, int, int, int], bytes] = {}
_MS_TEXT = [b".%03d" % ms for ms in range(1000)]


def format_decimal_fast(v: Any) -> bytes:
    if type(v) is Decimal and v.is_finite():
        return _DEC_TEXT[str(v)]  # str() keeps the exponent: 0.75 and 0.750 stay apart
    return format_decimal(v)


def format_str_fast(v: Any) -> bytes:
    if type(v) is str and v and "\x01" not in v:
        return v.encode("utf-8")
    return format_str(v)


def format_int_fast(v: Any) -> bytes:
    if type(v) is int:
        return b"%d" % v
    return format_int(v)


def format_timestamp_fast(v: Any) -> bytes:
    if type(v) is datetime and v.tzinfo is UTC:
        key = (v.year, v.month, v.day, v.hour, v.minute, v.second)
        head = _TS_TEXT.get(key)
        if head is None:
            if len(_TS_TEXT) >= CACHE_LIMIT:
                _TS_TEXT.clear()
            head = _TS_TEXT[key] = b"%04d%02d%02d-%02d:%02d:%02d" % key
        us = v.microsecond
        if us % 1000:
            return b"%s.%06d" % (head, us)
        return head + _MS_TEXT[us // 1000]
    return format_timestamp(v)


_FAST_FORMATTERS: dict[Callable[[Any], bytes], Callable[[Any], bytes]] = {
    format_decimal: format_decimal_fast,
    format_str: format_str_fast,
    format_int: format_int_fast,
    format_timestamp: format_timestamp_fast,
}


def format_kind(fix_type: str) -> str:
    """"str", "decimal", "int" or "timestamp" when values of ``fix_type`` are formatted as
    those plain types (code generators inline those), else "other"."""
    base = _FORMATTERS.get(fix_type, format_str)
    kinds = {format_str: "str", format_decimal: "decimal", format_int: "int", format_timestamp: "timestamp"}
    return kinds.get(base, "other")


def fast_formatter(fix_type: str) -> Callable[[Any], bytes]:
    """``formatter_for(fix_type)`` for plain (non-Enum) values, faster for the common types.
    Enum members are the caller's business (it knows their wire bytes)."""
    base = _FORMATTERS.get(fix_type, format_str)
    return _FAST_FORMATTERS.get(base, base)
