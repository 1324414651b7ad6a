"""Kalshi's weekly maintenance window: Thursday 03:00-05:00 America/New_York.

Disconnections inside it are expected; the initiator waits until the window ends and
reconnects without raising alarms (Maintenance and Pauses page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["MaintenanceWindow", "KALSHI_MAINTENANCE"]

NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class MaintenanceWindow:
    weekday: int = 3  # Monday = 0: Thursday
    start: time = time(3, 0)
    end: time = time(5, 0)
    tz: ZoneInfo = NEW_YORK

    def contains(self, when: datetime) -> bool:
        local = when.astimezone(self.tz)
        return local.weekday() == self.weekday and self.start <= local.time() < self.end

    def ends_at(self, when: datetime) -> datetime:
        """End of the window that contains ``when`` (aware, in the window's zone)."""
        local = when.astimezone(self.tz)
        return datetime.combine(local.date(), self.end, tzinfo=self.tz)

    def seconds_left(self, when: datetime) -> float:
        if not self.contains(when):
            return 0.0
        return max((self.ends_at(when) - when).total_seconds(), 0.0)

    def next_start(self, when: datetime) -> datetime:
        local = when.astimezone(self.tz)
        days = (self.weekday - local.weekday()) % 7
        start = datetime.combine(local.date() + timedelta(days=days), self.start, tzinfo=self.tz)
        if start <= local:
            start = datetime.combine(start.date() + timedelta(days=7), self.start, tzinfo=self.tz)
        return start


KALSHI_MAINTENANCE = MaintenanceWindow()
