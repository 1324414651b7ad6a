"""Injectable time: the session logic asks a clock, tests move a fake one."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SystemClock", "FakeClock", "ScaledClock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall-clock time, aware UTC (SendingTime)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (timers)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """Moves only when told to; wall and monotonic time advance together."""

    def __init__(self, start: datetime | None = None) -> None:
        self._wall = start or datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._wall += timedelta(seconds=seconds)
        self._mono += seconds


class ScaledClock:
    """Real time running ``speed`` times faster: heartbeat tests over real sockets in
    milliseconds, without changing HeartBtInt rules.  Drivers divide waits by ``speed``."""

    def __init__(self, speed: float = 20.0) -> None:
        self.speed = speed
        self._wall0 = datetime.now(UTC)
        self._mono0 = time.monotonic()

    def monotonic(self) -> float:
        return self._mono0 + (time.monotonic() - self._mono0) * self.speed

    def now(self) -> datetime:
        return self._wall0 + timedelta(seconds=self.monotonic() - self._mono0)
