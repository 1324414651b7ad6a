"""Messages as JSON-ready dicts (snake_case names; Decimal and datetimes as exact strings)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from ..codec.values import format_timestamp

__all__ = ["to_jsonable"]


def _value(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, datetime):
        return format_timestamp(v).decode()
    if isinstance(v, date | time):
        return v.isoformat()
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>"
    if isinstance(v, list):
        return [_value(x) for x in v]
    if dataclasses.is_dataclass(v):
        return to_jsonable(v)
    return v


def to_jsonable(msg: Any, *, with_type: bool = False) -> dict[str, Any]:
    """Fields that are set, in dictionary order; ``with_type`` adds ``msg_type``."""
    out: dict[str, Any] = {"msg_type": msg.MSG_TYPE} if with_type else {}
    for f in dataclasses.fields(msg):
        if f.name == "header":
            continue
        v = getattr(msg, f.name)
        if v is None or (isinstance(v, list) and not v):
            continue
        out[f.name] = _value(v)
    return out
