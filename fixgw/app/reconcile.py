"""Settle orders whose outcome may have been missed, from KalshiDC.

After a reconnect or a restart, KalshiNR has no resend: fills that happened while we were away
are gone from that session.  The drop copy session still has every ExecutionReport of the last
3 hours, so we ask it for everything after the last ExecID we saw, apply what belongs to our
orders (the tracker deduplicates by ExecID), and tell the application what changed.

Drop copy leaves out rejects and pending reports, so an order still PENDING_NEW with nothing
in the drop copy never became live at the exchange: it is closed as not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..messages import ExecutionReport, enums
from .dropcopy import DropCopy, DropCopyRejected, exec_id_key, parse_exec_id
from .orders import OrderState, OrderTracker, OrderUpdate

__all__ = ["ReconcileResult", "reconcile_orders"]

_FIRST_EXEC_ID = "0;0"


@dataclass
class ReconcileResult:
    since: str
    updates: list[OrderUpdate] = field(default_factory=list)
    not_live: list[OrderState] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> list[OrderState]:
        """Orders whose state moved during the outage, each once, in report order."""
        seen: dict[int, OrderState] = {}
        for u in self.updates:
            if u.changed_status or u.fill is not None:
                seen.setdefault(id(u.order), u.order)
        for o in self.not_live:
            seen.setdefault(id(o), o)
        return list(seen.values())


def _after(exec_id: str) -> str:
    a, b = parse_exec_id(exec_id)
    return f"{a};{b + 1}"


async def reconcile_orders(tracker: OrderTracker, dropcopy: DropCopy, *, since: str | None = None) -> ReconcileResult:
    """Replay from after ``since`` (default: the last ExecID the tracker applied)."""
    last = since or tracker.last_exec_id()
    begin = _after(last) if last else _FIRST_EXEC_ID
    result = ReconcileResult(begin)
    uncertain = [o for o in tracker.orders() if o.uncertain]
    try:
        replay = await dropcopy.replay(begin)
    except DropCopyRejected as exc:
        result.error = str(exc)
        return result  # orders stay uncertain: the caller is told why
    ours: list[ExecutionReport] = []
    for er in replay.reports:
        if tracker.find(er.cl_ord_id) is not None or (er.orig_cl_ord_id and tracker.find(er.orig_cl_ord_id)):
            ours.append(er)
    for er in sorted(ours, key=lambda r: exec_id_key(r.exec_id)):
        update = tracker.on_execution_report(er)
        if update is not None:
            result.updates.append(update)
    for order in uncertain:
        if not order.uncertain:
            continue  # a report settled it
        order.uncertain = False
        if order.status is enums.OrdStatus.PENDING_NEW and not order.exec_ids:
            tracker.mark_not_sent(order.cl_ord_id)
            order.inferred_close = "no ExecutionReport in the drop copy: never live at the exchange (or rejected)"
            result.not_live.append(order)
    return result
