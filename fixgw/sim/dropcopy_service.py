"""KalshiDC: EventResendRequest (U1) -> the account's ExecutionReports by ExecID range.

fix__drop-copy.md: only ExecutionReports, rejects and pending reports excluded, 3-hour lookback,
new sequence numbers (the DC session sends them as fresh messages), then EventResendComplete
(U2) with the count, or EventResendReject (U3):

* 1 too many resend requests -- more than ``max_requests`` from one API key within ``window``
  (the docs give no numbers; these are the simulator's);
* 2 server error -- the ``server_error`` fault switch;
* 3 BeginExecID too small -- it is before the oldest ExecID still inside the window *and*
  something has already been forgotten (asking from ``0;0`` on a young exchange is fine);
* 4 EndExecID too large -- after the latest ExecID the exchange has issued.

Reports are rendered with the DC session's own Logon flags (UseDollars, UseExpiredOrdStatus,
PreserveOriginalOrderQty); each history event is one report, nothing folded or suppressed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..messages import EventResendComplete, EventResendReject, EventResendRequest, Message, enums
from .exchange.clock import Clock
from .exchange.engine import Exchange
from .exchange.ids import ExecId
from .reports import ReportFlags, execution_report

__all__ = ["DropCopyService", "BadRequest"]

R = enums.EventResendRejectReason


class BadRequest(ValueError):
    """A U1 whose fields cannot be used; ``tag`` names the culprit."""

    def __init__(self, tag: int, text: str) -> None:
        super().__init__(text)
        self.tag = tag


@dataclass
class DropCopyService:
    engine: Exchange
    max_requests: int = 10
    window: timedelta = timedelta(seconds=1)
    clock: Clock | None = None
    server_error: bool = False
    """Fault switch: every request is answered with EventResendReject 21004=2."""

    def __post_init__(self) -> None:
        self._recent: dict[str, deque[datetime]] = {}
        self.latest: ExecId | None = None
        """Highest ExecID issued, fed by the app (history may have forgotten it already)."""

    def observe(self, exec_id: ExecId) -> None:
        latest = self.latest  # ExecId order, compared as (epoch, seq): called for every report
        if latest is None or (exec_id.epoch, exec_id.seq) > (latest.epoch, latest.seq):
            self.latest = exec_id

    def _now(self) -> datetime:
        return (self.clock or self.engine.clock).now()

    def _allow(self, api_key: str, now: datetime) -> bool:
        q = self._recent.setdefault(api_key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        q.append(now)
        return len(q) <= self.max_requests

    def answer(
        self,
        api_key: str,
        account: str,
        req: EventResendRequest,
        ref_seq_num: int,
        flags: ReportFlags,
    ) -> list[Message]:
        """The messages to send back, in order.  Raises ``BadRequest`` for an unusable ExecID."""
        begin = _parse(21001, req.begin_exec_id)
        end = None if req.end_exec_id is None else _parse(21002, req.end_exec_id)
        if end is not None and end < begin:
            raise BadRequest(
                21002, f"EndExecID (21002) {end} is before BeginExecID (21001) {begin}"
            )
        now = self._now()
        if not self._allow(api_key, now):
            return [
                EventResendReject(
                    ref_seq_num=ref_seq_num, event_resend_reject_reason=R.TOO_MANY_RESEND_REQUESTS
                )
            ]
        if self.server_error:
            return [
                EventResendReject(
                    ref_seq_num=ref_seq_num, event_resend_reject_reason=R.SERVER_ERROR
                )
            ]
        history = self.engine.history
        last = history.last()
        if last is not None:
            self.observe(last)
        latest = self.latest
        if end is not None and (latest is None or end > latest):
            return [
                EventResendReject(
                    ref_seq_num=ref_seq_num, event_resend_reject_reason=R.END_EXECID_TOO_LARGE
                )
            ]
        first = history.first(now)
        forgotten = (first is None and latest is not None) or (first is not None and first.seq > 1)
        if forgotten and (first is None or begin < first):
            return [
                EventResendReject(
                    ref_seq_num=ref_seq_num, event_resend_reject_reason=R.BEGIN_EXECID_TOO_SMALL
                )
            ]
        events = history.query(now, begin, end, account=account)
        out: list[Message] = [execution_report(e, flags) for e in events]
        out.append(EventResendComplete(ref_seq_num=ref_seq_num, resend_event_count=len(events)))
        return out


def _parse(tag: int, text: str) -> ExecId:
    try:
        return ExecId.parse(text)
    except ValueError:
        name = "BeginExecID" if tag == 21001 else "EndExecID"
        raise BadRequest(
            tag, f"{name} ({tag}) {text!r} is not an ExecID of the form int;int"
        ) from None
