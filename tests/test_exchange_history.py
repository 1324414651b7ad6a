"""ExecIDs and the execution history the drop-copy service queries."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from fixgw.sim.exchange import (
    ExecId,
    Fill,
    OrderAccepted,
    OrderRejected,
)
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import make_exchange, of_type, order


def test_exec_id_wire_form_and_ordering():
    assert str(ExecId(4, 7)) == "4;7"
    assert ExecId.parse("4;7") == ExecId(4, 7)
    assert ExecId(4, 7) < ExecId(4, 10) < ExecId(5, 1)
    for bad in ("4", "a;b", "1;2;3", ""):
        with pytest.raises(ValueError, match="int;int"):
            ExecId.parse(bad)


def test_exec_ids_increase_across_the_whole_exchange():
    ex, _ = make_exchange()
    events = []
    events += ex.submit(order("a", "1", Side.SELL_NO, "0.40", 1, symbol="M-1"))
    events += ex.submit(order("b", "2", Side.SELL_NO, "0.40", 1, symbol="M-2"))
    events += ex.submit(order("c", "3", Side.BUY_YES, "0.40", 1, symbol="M-1"))
    events += ex.submit(order("c", "4", Side.BUY_YES, "0", 1, symbol="M-1"))  # rejected
    ids = [e.exec_id for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [str(i) for i in ids] == [f"1;{n}" for n in range(1, 7)]


def test_history_query_range_account_and_reject_filter():
    ex, _ = make_exchange()
    ex.submit(order("a", "1", Side.SELL_NO, "0.40", 1))  # 1;1
    ex.submit(order("b", "2", Side.BUY_YES, "0.40", 1))  # 1;2 accept, 1;3 + 1;4 fills
    ex.submit(order("b", "3", Side.BUY_YES, "2", 1))  # 1;5 rejected
    now = ex.clock.now()
    got = ex.history.query(now, ExecId(1, 2))
    assert [str(e.exec_id) for e in got] == ["1;2", "1;3", "1;4"]
    assert [type(e) for e in got] == [OrderAccepted, Fill, Fill]
    assert len(ex.history.query(now, ExecId(1, 1), include_rejects=True)) == 5
    assert isinstance(ex.history.query(now, ExecId(1, 5), include_rejects=True)[0], OrderRejected)
    only_a = ex.history.query(now, ExecId(1, 1), ExecId(1, 4), account="a")
    assert [str(e.exec_id) for e in only_a] == ["1;1", "1;4"]
    assert str(ex.history.last()) == "1;5"


def test_history_keeps_three_hours():
    ex, clock = make_exchange()
    ex.submit(order("a", "old", Side.BUY_YES, "0.40", 1))
    clock.advance(timedelta(hours=2))
    ex.submit(order("a", "new", Side.BUY_YES, "0.40", 1))
    assert str(ex.history.first(clock.now())) == "1;1"
    clock.advance(timedelta(hours=1, seconds=1))
    assert str(ex.history.first(clock.now())) == "1;2"
    assert [e.order.cl_ord_id for e in ex.history.query(clock.now(), ExecId(1, 1))] == ["new"]


def test_fill_events_carry_what_an_execution_report_needs():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.60", 5, subaccount=3, party_id="cust-9"))
    fill = [
        f
        for f in of_type(ex.submit(order("me", "b", Side.BUY_YES, "0.60", 2)), Fill)
        if not f.aggressor
    ][0]
    o = fill.order
    assert (o.account, o.subaccount, o.party_id) == ("mm", 3, "cust-9")
    assert (o.order_qty, o.cum_qty, o.leaves_qty, o.avg_px, o.price, o.side) == (
        D(5),
        D(2),
        D(3),
        D("0.6"),
        D("0.60"),
        2,
    )
    assert fill.exec_type == "F" and fill.transact_time == ex.clock.now()
    assert fill.collateral_changes[0].type == "BALANCE"
    assert (fill.long_qty, fill.short_qty) == (D(0), D(2))
    assert fill.fee_amount == fill.fee.net_fee == 0  # makers pay no fee by default
