"""reports.py on engine events directly: quantities, prices per format, folding, suppression."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixgw.messages import enums
from fixgw.session import LogonFlags
from fixgw.sim.exchange import Fill, OrderAccepted, OrderCanceled
from fixgw.sim.exchange.testkit import make_exchange, order
from fixgw.sim.reports import (
    ReportFlags,
    execution_report,
    pending_report,
    qty,
    render_execution_events,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "text"), [("10", "10.00"), ("1.5", "1.50"), ("0.125", "0.125"), ("0", "0.00")]
)
def test_quantities_carry_at_least_two_decimals(value, text):
    assert format(qty(D(value)), "f") == text


def test_flags_from_logon():
    f = ReportFlags.from_logon(
        LogonFlags(
            skip_pending_exec_reports=True, always_emit_new_before_trade=True, use_dollars=True
        )
    )
    assert (f.skip_pending, f.new_before_trade, f.use_dollars) == (True, True, True)
    assert not (f.use_expired or f.ioc_cancel_report or f.preserve_order_qty)


def _sweep():
    """An IOC buy of 10 that takes 2 + 3 from two makers and cancels the remaining 5."""
    ex, _ = make_exchange()
    ex.submit(order("m", "m1", 2, "0.50", 2))
    ex.submit(order("m", "m2", 2, "0.51", 3))
    events = ex.submit(order("t", "t1", 1, "0.51", 10, time_in_force=3))
    return [e for e in events if e.order.account == "t"]


def test_fold_and_ioc_suppression_across_one_sweep():
    mine = _sweep()
    assert [type(e) for e in mine] == [OrderAccepted, Fill, Fill, OrderCanceled]
    aligned = render_execution_events(mine, ReportFlags(), aligned=True)
    assert [None if r is None else (r.exec_type.value, r.ord_status.value) for r in aligned] == [
        None,
        ("F", "1"),
        ("F", "4"),  # the last Trade closes the order: its cancel is not reported
        None,
    ]
    assert (aligned[2].leaves_qty, aligned[2].order_qty, aligned[2].cum_qty) == (0, D(5), D(5))
    full = render_execution_events(
        mine, ReportFlags(ioc_cancel_report=True, new_before_trade=True, preserve_order_qty=True)
    )
    assert [(r.exec_type.value, r.ord_status.value, r.order_qty) for r in full] == [
        ("0", "0", D(10)),
        ("F", "1", D(10)),
        ("F", "1", D(10)),
        ("4", "4", D(10)),
    ]


def test_prices_for_cents_and_dollar_sessions():
    ex, _ = make_exchange()
    from fixgw.sim.exchange import MarketConfig, PriceGrid

    ex.list_market(MarketConfig("SUB", grid=PriceGrid.named("deci_cent")))
    ex.submit(order("m", "m1", 2, "0.125", 3, symbol="SUB"))
    ev = ex.submit(order("t", "t1", 1, "0.13", 3, symbol="SUB"))
    fill = next(e for e in ev if isinstance(e, Fill) and e.order.account == "t")
    cents = execution_report(fill, ReportFlags())
    dollars = execution_report(fill, ReportFlags(use_dollars=True))
    assert (cents.last_px, cents.price, cents.avg_px) == (D("0.12"), D("0.13"), D("0.125"))
    assert (dollars.last_px, dollars.avg_px) == (D("0.1250"), D("0.1250"))


def test_pending_report_describes_the_order_before_the_request():
    ex, _ = make_exchange()
    [ack] = ex.submit(order("a", "c1", 1, "0.40", 10))
    er = pending_report(
        "replace",
        ack.order,
        cl_ord_id="c2",
        transact_time=ack.transact_time,
        flags=ReportFlags(),
    )
    assert (er.exec_id, er.exec_type, er.ord_status) == (
        "-1;-1",
        enums.ExecType.PENDING_REPLACE,
        enums.OrdStatus.PENDING_REPLACE,
    )
    assert (er.cl_ord_id, er.orig_cl_ord_id, er.order_qty, er.leaves_qty) == (
        "c2",
        "c1",
        D(10),
        D(10),
    )
