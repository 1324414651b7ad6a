"""Injected time: the engine never reads the wall clock itself, so tests control expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SystemClock", "ManualClock", "require_utc"]


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time as an aware UTC datetime."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, replays)."""

    def __init__(self, start: datetime) -> None:
        self._now = require_utc(start, "ManualClock start")

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = require_utc(when, "ManualClock.set")

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError(f"ManualClock.advance: negative delta {delta}")
        self._now += delta
        return self._now


def require_utc(when: datetime, what: str) -> datetime:
    """Normalise an aware datetime to UTC; naive datetimes are a bug and raise ValueError."""
    if when.tzinfo is UTC:  # what SystemClock gives: astimezone(UTC) would return it as is
        return when
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what}: naive datetime {when!r}; pass an aware UTC datetime")
    return when.astimezone(UTC)
