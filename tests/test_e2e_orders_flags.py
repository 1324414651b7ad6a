"""Every combination of the report-shaping Logon flags, end to end: the exact ExecType/OrdStatus
sequence the client receives, OrderQty (38) per report, and where the client's tracker ends.

21011 SkipPendingExecReports, 21012 UseExpiredOrdStatus, 21007 EnableIocCancelReport,
21008 PreserveOriginalOrderQty, 21026 AlwaysEmitNewBeforeTrade.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import e2e_orders_harness as harness
import pytest
from e2e_orders_harness import BUY, MKT, SELL, D

from fixgw.messages import enums
from fixgw.sim.exchange import day_expiry

TIF = enums.TimeInForce
S = enums.OrdStatus
FLAGS = (
    "skip_pending_exec_reports",
    "use_expired_ord_status",
    "enable_ioc_cancel_report",
    "preserve_original_order_qty",
    "always_emit_new_before_trade",
)
COMBOS = [
    dict(zip(FLAGS, bits, strict=True))
    for bits in itertools.product([False, True], repeat=len(FLAGS))
]

env = harness.env
key_pool = harness.key_pool


def combo_id(c: dict[str, bool]) -> str:
    tags = ("21011", "21012", "21007", "21008", "21026")
    return "-".join(f"{t}{'Y' if c[f] else 'N'}" for t, f in zip(tags, FLAGS, strict=True))


def expected(c: dict[str, bool]) -> list[tuple[str, str, str, str]]:
    """(step, ExecType, OrdStatus, OrderQty) the flagged session must receive, in order."""
    pend = not c["skip_pending_exec_reports"]
    keep_qty = c["preserve_original_order_qty"]
    out = []
    # 1. IOC buy 10 against 3 resting: partial fill, remainder canceled
    if pend:
        out.append(("ioc", "A", "A", "10.00"))
    if c["always_emit_new_before_trade"]:
        out.append(("ioc", "0", "0", "10.00"))
    if c["enable_ioc_cancel_report"]:
        out.append(("ioc", "F", "1", "10.00"))
        out.append(("ioc", "4", "4", "10.00" if keep_qty else "3.00"))
    else:
        out.append(("ioc", "F", "4", "10.00" if keep_qty else "3.00"))
    # 2. GTC buy 5 rests
    if pend:
        out.append(("gtc", "A", "A", "5.00"))
    out.append(("gtc", "0", "0", "5.00"))
    # 3. replace to 6
    if pend:
        out.append(("gtc", "E", "E", "5.00"))
    out.append(("gtc", "5", "0", "6.00"))
    # 4. a resting fill of 2 (the maker side: never a New to fold, never pending)
    out.append(("gtc", "F", "1", "6.00"))
    # 5. cancel
    if pend:
        out.append(("gtc", "6", "6", "6.00"))
    out.append(("gtc", "4", "4", "6.00" if keep_qty else "2.00"))
    # 6. a Day order expires at 23:59:59.999 New York
    if pend:
        out.append(("day", "A", "A", "1.00"))
    out.append(("day", "0", "0", "1.00"))
    code = "C" if c["use_expired_ord_status"] else "4"
    out.append(("day", code, code, "1.00" if keep_qty else "0.00"))
    return out


@pytest.mark.parametrize("flags", COMBOS, ids=[combo_id(c) for c in COMBOS])
async def test_report_sequence_per_logon_flags(env, flags):
    t, rec = await env.client("T", **flags)
    m, _ = await env.client("M", skip_pending_exec_reports=True)
    await m.place_order(MKT, SELL, D(3), D("0.50"), tif=TIF.GTC)

    ioc = await t.place_order(MKT, BUY, D(10), D("0.50"), tif=TIF.IOC)
    gtc = await t.place_order(MKT, BUY, D(5), D("0.40"), tif=TIF.GTC)
    await t.replace(gtc.cl_ord_id, qty=D(6))
    await m.place_order(MKT, SELL, D(2), D("0.40"), tif=TIF.GTC)
    await rec.wait_for(
        lambda r: (
            r.MSG_TYPE == "8" and r.exec_type is enums.ExecType.TRADE and r.order_id == gtc.order_id
        )
    )
    await t.cancel(gtc.cl_ord_id)
    day = await t.place_order(MKT, BUY, D(1), D("0.30"), tif=TIF.DAY)
    env.clock.set(day_expiry(env.clock.now()) + timedelta(milliseconds=1))
    env.app.tick()
    final = {"4": enums.ExecType.CANCELED, "C": enums.ExecType.EXPIRED}
    code = "C" if flags["use_expired_ord_status"] else "4"
    await rec.wait_for(
        lambda r: r.MSG_TYPE == "8" and r.order_id == day.order_id and r.exec_type is final[code]
    )

    step = {ioc.order_id: "ioc", gtc.order_id: "gtc", day.order_id: "day"}
    got = [
        (step[r.order_id], r.exec_type.value, r.ord_status.value, f"{r.order_qty}")
        for r in rec.reports()
    ]
    assert got == expected(flags)
    pending = [r for r in rec.reports() if r.exec_type.value in "A6E"]
    assert all(r.exec_id == "-1;-1" for r in pending)
    assert all(r.exec_id != "-1;-1" for r in rec.reports() if r not in pending)

    # The tracker ends right whatever the stream looked like.
    assert (ioc.status, ioc.cum_qty, ioc.leaves_qty) == (S.CANCELED, D(3), 0)
    assert (gtc.status, gtc.cum_qty, gtc.leaves_qty, gtc.order_qty) == (S.CANCELED, D(2), 0, D(6))
    assert day.status is (S.EXPIRED if flags["use_expired_ord_status"] else S.CANCELED)
    assert t.orders.open_orders() == [] and not ioc.pending and not gtc.pending
    assert [f.last_qty for f in ioc.fills] == [D(3)] and [f.last_qty for f in gtc.fills] == [D(2)]
