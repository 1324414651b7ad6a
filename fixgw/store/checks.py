"""Argument checks shared by the store implementations, so both refuse the same inputs
with the same messages (a store that silently accepts a bad number corrupts a session)."""

from __future__ import annotations

from datetime import UTC, datetime

from .base import Durability, StoreError

__all__ = [
    "check_aware",
    "check_direction",
    "check_durability",
    "check_range",
    "check_raw",
    "check_seq",
    "check_session_id",
    "check_text",
    "wrong_seq_error",
]


def check_seq(name: str, value: object) -> int:
    """A FIX sequence number: an int >= 1 (bool is refused, it is a typo)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise StoreError(f"{name} must be an int >= 1, got {value!r}")
    if value < 1:
        raise StoreError(f"{name} must be >= 1, got {value}")
    return value


def check_aware(name: str, value: object) -> datetime:
    """Timestamps are stored as UTC instants; a naive datetime has no instant."""
    if not isinstance(value, datetime):
        raise StoreError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


def check_raw(name: str, value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise StoreError(f"{name} must be bytes, got {type(value).__name__}")


def check_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise StoreError(f"{name} must be a non-empty str, got {value!r}")
    return value


def check_session_id(value: object) -> str:
    return check_text("session_id", value)


def check_direction(value: object) -> str:
    if value not in ("in", "out"):
        raise StoreError(f"log direction must be 'in' or 'out', got {value!r}")
    return str(value)


def check_range(begin: object, end: object) -> tuple[int, int | None]:
    """ResendRequest range: end 0 means 'up to the last one'."""
    b = check_seq("outbound_range begin", begin)
    if isinstance(end, bool) or not isinstance(end, int) or end < 0:
        raise StoreError(f"outbound_range end must be an int >= 0 (0 = no limit), got {end!r}")
    if end == 0:
        return b, None
    if end < b:
        raise StoreError(f"outbound_range end {end} is below begin {b}")
    return b, end


def check_durability(value: object) -> Durability:
    """Accept the enum or its config-file spelling ('sync' / 'batched')."""
    if isinstance(value, Durability):
        return value
    try:
        return Durability(str(value).lower())
    except ValueError:
        allowed = ", ".join(d.value for d in Durability)
        raise StoreError(f"durability must be one of {allowed}, got {value!r}")


def wrong_seq_error(session_id: str, seq: int, next_sender: int) -> StoreError:
    return StoreError(
        f"store_outbound for session {session_id!r}: seq {seq} != next_sender {next_sender}"
        " (outbound numbers are never reused or skipped; use set_next_sender to move it)"
    )
