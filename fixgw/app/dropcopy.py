"""Drop copy (KalshiDC): execution reports by ExecID range, request and response.

ExecIDs are ``int;int`` and increase monotonically, so they compare as integer pairs.  The
exchange keeps 3 hours; a range starting before that is refused with EventResendReject
reason 3, surfaced as ``DropCopyRejected`` with the reason spelled out.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..messages import (
    EventResendComplete,
    EventResendReject,
    EventResendRequest,
    ExecutionReport,
    enums,
)
from .errors import FixgwError

if TYPE_CHECKING:
    from .client import KalshiClient

__all__ = ["DropCopy", "DropCopyRejected", "ReplayResult", "exec_id_key", "parse_exec_id"]

_REASONS = {
    1: "too many resend requests (rate limited); retry later",
    2: "server error; retry later",
    3: "BeginExecID is outside the 3-hour lookback window",
    4: "EndExecID is beyond the latest ExecID",
}


def parse_exec_id(text: str) -> tuple[int, int]:
    a, sep, b = text.partition(";")
    if not sep or not a.lstrip("-").isdigit() or not b.lstrip("-").isdigit():
        raise ValueError(f"ExecID {text!r} is not in the 'int;int' form (e.g. '4;7')")
    return int(a), int(b)


def exec_id_key(text: str) -> tuple[int, int]:
    """Sort key for ExecIDs; unparseable ones sort first."""
    try:
        return parse_exec_id(text)
    except ValueError:
        return (-(2**63), 0)


class DropCopyRejected(FixgwError):
    def __init__(self, reason: int, begin: str, end: str | None) -> None:
        self.reason = reason
        self.retryable = reason in (1, 2)
        super().__init__(
            f"EventResendReject (35=U3) 21004={reason}: {_REASONS.get(reason, 'unknown reason')} "
            f"(range {begin} .. {end or 'latest'})"
        )


@dataclass
class ReplayResult:
    reports: list[ExecutionReport]
    expected_count: int  # ResendEventCount from EventResendComplete

    @property
    def complete(self) -> bool:
        return len(self.reports) == self.expected_count


class DropCopy:
    def __init__(self, client: KalshiClient) -> None:
        self.client = client
        self._lock = asyncio.Lock()

    async def replay(self, begin: str, end: str | None = None, *, timeout: float = 60.0) -> ReplayResult:
        """Ask for ExecutionReports with begin <= ExecID <= end (end None = latest)."""
        parse_exec_id(begin)
        if end is not None and parse_exec_id(end) < parse_exec_id(begin):
            raise ValueError(f"EndExecID {end} is before BeginExecID {begin}")
        async with self._lock:  # one request at a time: reports carry no request id
            got: list[ExecutionReport] = []

            def collect(msg: Any) -> None:
                if isinstance(msg, ExecutionReport):
                    got.append(msg)

            self.client.listeners.append(collect)
            try:
                req = EventResendRequest(begin_exec_id=begin, end_exec_id=end)
                answer = await self.client.request(req, timeout=timeout)
            finally:
                self.client.listeners.remove(collect)
        if isinstance(answer, EventResendReject):
            reason = answer.event_resend_reject_reason
            raise DropCopyRejected(reason.value if isinstance(reason, enums.EventResendRejectReason) else int(reason), begin, end)
        assert isinstance(answer, EventResendComplete)
        return ReplayResult(got, answer.resend_event_count)
