"""Cancel, cancel/replace, mass cancel and cancel-on-disconnect."""

from decimal import Decimal as D

from fixgw.sim.exchange import (
    AccountConfig,
    CancelOrder,
    CancelRejected,
    EngineConfig,
    Fill,
    MassCancelReport,
    OrderAccepted,
    OrderCanceled,
    OrderRejected,
    OrderReplaced,
    OrdStatus,
    ReplaceOrder,
)
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import make_exchange, of_type, one, order


def cancel(account, cl, orig, **kw):
    return CancelOrder(account=account, cl_ord_id=cl, orig_cl_ord_id=orig, **kw)


def replace(account, cl, orig, qty, price=None, **kw):
    return ReplaceOrder(
        account=account,
        cl_ord_id=cl,
        orig_cl_ord_id=orig,
        qty=D(str(qty)),
        price=None if price is None else D(price),
        **kw,
    )


def test_cancel_releases_reservation_and_reports_both_ids():
    ex, _ = make_exchange()
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 10, symbol="MKT-A"))
    assert ex.balance("me").reserved == D("3.00")
    ev = one(ex.cancel(cancel("me", "c1", "o1", side=1, symbol="MKT-A")), OrderCanceled)
    assert (ev.order.cl_ord_id, ev.order.orig_cl_ord_id) == ("c1", "o1")
    assert ev.text is None and ev.order.status is OrdStatus.CANCELED
    assert ex.balance("me").reserved == 0
    assert ex.book("MKT-A").depth(Side.BUY_YES) == []


def test_cancel_unknown_order():
    ex, _ = make_exchange()
    rej = one(ex.cancel(cancel("me", "c1", "nope")), CancelRejected)
    assert (rej.cxl_rej_reason, rej.response_to, rej.ord_status) == (1, "cancel", None)


def test_cancel_with_mismatched_side_symbol_or_subaccount_is_unknown_order():
    ex, _ = make_exchange()
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 1))
    for kw in ({"side": 2}, {"symbol": "MKT-B"}, {"subaccount": 4}, {"order_id": "x"}):
        rej = one(ex.cancel(cancel("me", "c", "o1", **kw)), CancelRejected)
        assert rej.cxl_rej_reason == 1, kw
    # another API key cannot see it either
    assert one(ex.cancel(cancel("you", "c", "o1")), CancelRejected).cxl_rej_reason == 1


def test_cancel_by_order_id():
    ex, _ = make_exchange()
    oid = one(ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 1)), OrderAccepted).order.order_id
    assert one(ex.cancel(cancel("me", "c", "unknown-cl", order_id=oid)), OrderCanceled)


def test_cancel_filled_order_is_too_late():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.30", 1))
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 1))
    rej = one(ex.cancel(cancel("me", "c1", "o1")), CancelRejected)
    assert (rej.cxl_rej_reason, rej.ord_status) == (0, OrdStatus.FILLED)


def test_replace_price_loses_priority_and_renames():
    ex, _ = make_exchange()
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 5))
    ex.submit(order("you", "y1", Side.BUY_YES, "0.31", 5))
    rep = one(ex.replace(replace("me", "o2", "o1", 5, "0.31")), OrderReplaced)
    assert (rep.order.cl_ord_id, rep.order.orig_cl_ord_id, rep.order.price) == (
        "o2",
        "o1",
        D("0.31"),
    )
    assert rep.lost_priority
    fills = of_type(ex.submit(order("mm", "s", Side.SELL_NO, "0.31", 5)), Fill)
    assert [f.order.cl_ord_id for f in fills if not f.aggressor] == ["y1"]
    assert one(ex.cancel(cancel("me", "c", "o2")), OrderCanceled)


def test_replace_qty_down_keeps_priority_qty_up_loses_it():
    ex, _ = make_exchange()
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 5))
    ex.submit(order("you", "y1", Side.BUY_YES, "0.30", 5))
    down = one(ex.replace(replace("me", "o2", "o1", 3)), OrderReplaced)
    assert not down.lost_priority and down.order.leaves_qty == 3
    first = next(ex.book("MKT-A").orders(Side.BUY_YES))
    assert first.cl_ord_id == "o2"
    assert ex.balance("me").reserved == D("0.90")
    up = one(ex.replace(replace("me", "o3", "o2", 6)), OrderReplaced)
    assert up.lost_priority
    assert [o.cl_ord_id for o in ex.book("MKT-A").orders(Side.BUY_YES)] == ["y1", "o3"]
    assert ex.balance("me").reserved == D("1.80")


def test_replace_qty_equal_to_filled_cancels():
    ex, _ = make_exchange()
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 5))
    ex.submit(order("mm", "s", Side.SELL_NO, "0.30", 2))
    ev = one(ex.replace(replace("me", "o2", "o1", 2)), OrderCanceled)
    assert (ev.order.cl_ord_id, ev.order.cum_qty, ev.order.status) == ("o2", 2, OrdStatus.CANCELED)
    assert ex.balance("me").reserved == 0


def test_replace_qty_below_filled_is_rejected():
    ex, _ = make_exchange()
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 5))
    ex.submit(order("mm", "s", Side.SELL_NO, "0.30", 2))
    rej = one(ex.replace(replace("me", "o2", "o1", 1)), CancelRejected)
    assert (rej.text, rej.cxl_rej_reason, rej.response_to) == (
        "INVALID_AMEND_QTY_FOR_ORDER",
        2,
        "replace",
    )
    assert rej.ord_status is OrdStatus.PARTIALLY_FILLED


def test_replace_filled_order():
    ex, _ = make_exchange()
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 2))
    ex.submit(order("mm", "s", Side.SELL_NO, "0.30", 2))
    rej = one(ex.replace(replace("me", "o2", "o1", 5)), CancelRejected)
    assert (rej.text, rej.cxl_rej_reason) == ("CANNOT_UPDATE_FILLED_ORDER", 2)


def test_replace_that_would_self_cross():
    ex, _ = make_exchange()
    ex.submit(order("me", "bid", Side.BUY_YES, "0.30", 1))
    ex.submit(order("me", "ask", Side.SELL_NO, "0.40", 1))
    rej = one(ex.replace(replace("me", "bid2", "bid", 1, "0.40")), CancelRejected)
    assert (rej.text, rej.cxl_rej_reason) == ("SELF_CROSS_ATTEMPT", 18)
    assert ex.book("MKT-A").best_price(Side.BUY_YES) == D("0.30")


def test_replace_into_the_book_trades_as_aggressor():
    ex, _ = make_exchange()
    ex.submit(order("me", "bid", Side.BUY_YES, "0.30", 3))
    ex.submit(order("mm", "ask", Side.SELL_NO, "0.35", 2))
    events = ex.replace(replace("me", "bid2", "bid", 3, "0.36"))
    assert isinstance(events[0], OrderReplaced)
    taker = [f for f in of_type(events, Fill) if f.aggressor]
    assert [(f.order.cl_ord_id, f.last_px, f.last_qty) for f in taker] == [("bid2", D("0.35"), 2)]
    assert ex.book("MKT-A").depth(Side.BUY_YES) == [(D("0.36"), D(1))]


def test_replace_needing_more_collateral_than_available():
    cfg = EngineConfig(exec_id_epoch=1, accounts={"k": AccountConfig(balance=D("1.00"))})
    ex, _ = make_exchange(config=cfg)
    ex.submit(order("k", "o1", Side.BUY_YES, "0.30", 2))
    rej = one(ex.replace(replace("k", "o2", "o1", 4)), CancelRejected)
    assert (rej.text, rej.cxl_rej_reason) == ("INSUFFICIENT_BALANCE", 99)


def test_replace_to_off_grid_price():
    ex, _ = make_exchange()
    ex.submit(order("me", "o1", Side.BUY_YES, "0.30", 2))
    rej = one(ex.replace(replace("me", "o2", "o1", 2, "0.305")), CancelRejected)
    assert (rej.text, rej.cxl_rej_reason) == ("INVALID_ORDER", 99)


def test_duplicate_cl_ord_id_only_while_open():
    ex, _ = make_exchange()
    ex.submit(order("me", "dup", Side.BUY_YES, "0.30", 1))
    rej = one(ex.submit(order("me", "dup", Side.BUY_YES, "0.31", 1)), OrderRejected)
    assert (rej.text, rej.ord_rej_reason) == ("ORDER_ALREADY_EXISTS", 6)
    # Other API keys have their own ClOrdID space.
    assert one(ex.submit(order("you", "dup", Side.BUY_YES, "0.31", 1)), OrderAccepted)
    ex.cancel(cancel("me", "c", "dup"))
    assert one(ex.submit(order("me", "dup", Side.BUY_YES, "0.31", 1)), OrderAccepted)


def test_mass_cancel_counts_and_only_touches_the_account():
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1))
    ex.submit(order("me", "b", Side.SELL_NO, "0.70", 1, symbol="MKT-B"))
    ex.submit(order("you", "c", Side.BUY_YES, "0.30", 1))
    events = ex.mass_cancel("me")
    report = one(events, MassCancelReport)
    assert report.canceled_count == 2 and isinstance(events[0], MassCancelReport)
    assert {e.order.cl_ord_id for e in of_type(events, OrderCanceled)} == {"a", "b"}
    assert [o.cl_ord_id for o in ex.open_orders()] == ["c"]


def test_mass_cancel_for_one_session():
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1, session_id="s1"))
    ex.submit(order("me", "b", Side.BUY_YES, "0.30", 1, session_id="s2"))
    assert one(ex.mass_cancel("me", session_id="s1"), MassCancelReport).canceled_count == 1
    assert [o.cl_ord_id for o in ex.open_orders("me")] == ["b"]


def test_cancel_on_disconnect_hook():
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1, session_id="s1"))
    ex.submit(order("me", "b", Side.BUY_YES, "0.30", 1, session_id="s2"))
    events = ex.cancel_session_orders("s1")
    assert [(e.order.cl_ord_id, e.text) for e in events] == [("a", "CANCEL_ON_DISCONNECT")]
