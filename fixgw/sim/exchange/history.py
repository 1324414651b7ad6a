"""Execution history for the drop-copy service (fix__drop-copy.md).

Every execution event is kept, in ExecID order, for the lookback window (3 hours by default).
Drop copy returns only ExecutionReports and excludes rejects and pending reports, so queries
skip OrderRejected unless asked.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime, timedelta

from .events import ExecutionEvent, OrderRejected
from .ids import ExecId

__all__ = ["LOOKBACK", "ExecutionHistory"]

LOOKBACK = timedelta(hours=3)


class ExecutionHistory:
    def __init__(self, lookback: timedelta = LOOKBACK) -> None:
        self.lookback = lookback
        self._ids: list[ExecId] = []  # the events' ExecIDs, for bisect (no key object per event)
        self._events: list[ExecutionEvent] = []

    def append(self, event: ExecutionEvent) -> None:
        exec_id = event.exec_id
        if self._ids:
            last = self._ids[-1]
            if (exec_id.epoch, exec_id.seq) <= (last.epoch, last.seq):
                raise ValueError(f"ExecID {exec_id} not after {last}")
        self._ids.append(exec_id)
        self._events.append(event)

    def extend(self, events: Iterable[ExecutionEvent]) -> None:
        for event in events:
            self.append(event)

    def prune(self, now: datetime) -> None:
        """Forget events older than the lookback window."""
        events = self._events
        if not events or events[0].transact_time >= now - self.lookback:
            return  # nothing to forget (every request asks)
        cutoff = now - self.lookback
        n = 0
        while n < len(self._events) and self._events[n].transact_time < cutoff:
            n += 1
        if n:
            del self._events[:n]
            del self._ids[:n]

    def first(self, now: datetime) -> ExecId | None:
        """Oldest ExecID still inside the window (BeginExecID below it is "too small")."""
        self.prune(now)
        return self._events[0].exec_id if self._events else None

    def last(self) -> ExecId | None:
        return self._events[-1].exec_id if self._events else None

    def query(
        self,
        now: datetime,
        begin: ExecId,
        end: ExecId | None = None,
        *,
        account: str | None = None,
        include_rejects: bool = False,
    ) -> list[ExecutionEvent]:
        """Events with begin <= ExecID <= end (end defaults to the latest), oldest first."""
        self.prune(now)
        lo = bisect.bisect_left(self._ids, begin)
        hi = len(self._ids) if end is None else bisect.bisect_right(self._ids, end)
        out = []
        for event in self._events[lo:hi]:
            if not include_rejects and isinstance(event, OrderRejected):
                continue
            if account is not None and event.order.account != account:
                continue
            out.append(event)
        return out

    def __len__(self) -> int:
        return len(self._events)
