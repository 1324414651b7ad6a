"""Order types and flags: TIF, post-only, self-trade prevention, MaxExecutionCost."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from fixgw.sim.exchange import (
    CancelReason,
    EngineConfig,
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrdStatus,
    TimeInForce,
    day_expiry,
)
from fixgw.sim.exchange.orders import Side, StpType
from fixgw.sim.exchange.testkit import T0, make_exchange, of_type, one, order


def test_gtc_rests_until_canceled_across_days():
    ex, clock = make_exchange()
    ex.submit(order("a", "1", Side.BUY_YES, "0.30", 1, time_in_force=TimeInForce.GTC))
    clock.advance(timedelta(days=5))
    assert not ex.tick()
    assert ex.book("MKT-A").depth(Side.BUY_YES) == [(D("0.30"), D(1))]


def test_day_order_expires_at_2359_59_999_new_york():
    ex, clock = make_exchange()
    accepted = one(
        ex.submit(order("a", "1", Side.BUY_YES, "0.30", 1, time_in_force=TimeInForce.DAY)),
        OrderAccepted,
    )
    # T0 is 10:00 New York on 2026-01-06 (EST, UTC-5) -> 2026-01-07 04:59:59.999 UTC.
    assert accepted.order.expire_time == datetime(2026, 1, 7, 4, 59, 59, 999000, tzinfo=UTC)
    clock.set(datetime(2026, 1, 7, 4, 59, 59, tzinfo=UTC))
    assert not ex.tick()
    clock.set(datetime(2026, 1, 7, 5, 0, 0, tzinfo=UTC))
    expired = one(ex.tick(), OrderExpired)
    assert expired.reason is CancelReason.ORDER_EXPIRY_CANCEL
    assert expired.order.status is OrdStatus.EXPIRED and expired.order.leaves_qty == 0
    assert ex.book("MKT-A").depth(Side.BUY_YES) == []


def test_day_expiry_follows_daylight_saving():
    # 2026-07-01 is EDT (UTC-4).
    assert day_expiry(datetime(2026, 7, 1, 12, tzinfo=UTC)) == datetime(
        2026, 7, 2, 3, 59, 59, 999000, tzinfo=UTC
    )
    # 01:00 UTC on 2026-01-07 is still 2026-01-06 in New York.
    assert day_expiry(datetime(2026, 1, 7, 1, tzinfo=UTC)).date().isoformat() == "2026-01-07"


def test_expiry_happens_before_the_next_request_matches():
    ex, clock = make_exchange()
    ex.submit(order("a", "1", Side.SELL_NO, "0.30", 1, time_in_force=TimeInForce.DAY))
    clock.advance(timedelta(days=1))
    events = ex.submit(order("b", "2", Side.BUY_YES, "0.30", 1))
    assert isinstance(events[0], OrderExpired) and not of_type(events, Fill)


def test_gtd_expires_at_expire_time():
    ex, clock = make_exchange()
    when = T0 + timedelta(minutes=5)
    ex.submit(
        order("a", "1", Side.BUY_YES, "0.30", 1, time_in_force=TimeInForce.GTD, expire_time=when)
    )
    clock.set(when - timedelta(milliseconds=1))
    assert not ex.tick()
    clock.set(when)
    assert one(ex.tick(), OrderExpired).order.cl_ord_id == "1"


def test_gtd_in_the_past_is_treated_as_ioc():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.40", 1))
    events = ex.submit(
        order(
            "me",
            "b",
            Side.BUY_YES,
            "0.40",
            3,
            time_in_force=TimeInForce.GTD,
            expire_time=T0 - timedelta(seconds=1),
        )
    )
    assert [type(e) for e in events] == [OrderAccepted, Fill, Fill, OrderCanceled]
    assert events[-1].text == "IMMEDIATE_OR_CANCELLED"
    assert events[-1].order.cum_qty == D(1)


def test_ioc_remainder_canceled():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.40", 2))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.45", 5, time_in_force=TimeInForce.IOC))
    cancel = one(events, OrderCanceled)
    assert cancel.text == "IMMEDIATE_OR_CANCELLED"
    assert (cancel.order.cum_qty, cancel.order.leaves_qty) == (D(2), D(0))
    assert ex.book("MKT-A").depth(Side.BUY_YES) == []


def test_ioc_that_does_not_cross_is_canceled():
    ex, _ = make_exchange()
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.45", 5, time_in_force=TimeInForce.IOC))
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]
    assert ex.balance("me").reserved == 0


def test_fok_insufficient_volume_fills_nothing():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.40", 2))
    ex.submit(order("mm", "a2", Side.SELL_NO, "0.46", 5))  # beyond the limit: does not count
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.45", 3, time_in_force=TimeInForce.FOK))
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]
    assert events[-1].text == "FOK_INSUFFICIENT_VOLUME"
    assert ex.book("MKT-A").depth(Side.SELL_NO) == [(D("0.40"), D(2)), (D("0.46"), D(5))]


def test_fok_fully_fillable_fills():
    ex, _ = make_exchange()
    ex.submit(order("m1", "a", Side.SELL_NO, "0.40", 2))
    ex.submit(order("m2", "c", Side.SELL_NO, "0.45", 2))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.45", 3, time_in_force=TimeInForce.FOK))
    assert not of_type(events, OrderCanceled)
    assert events[-2].order.status is OrdStatus.FILLED


def test_post_only_crossing_is_rejected():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.40", 2))
    rej = one(ex.submit(order("me", "b", Side.BUY_YES, "0.40", 1, post_only=True)), OrderRejected)
    assert (rej.text, rej.ord_rej_reason) == ("POST_ONLY_CROSS", 99)
    ok = ex.submit(order("me", "c", Side.BUY_YES, "0.39", 1, post_only=True))
    assert one(ok, OrderAccepted).order.post_only


def test_stp_taker_at_cross_is_default_and_keeps_partial_fills():
    ex, _ = make_exchange()
    ex.submit(order("other", "o", Side.SELL_NO, "0.40", 1))
    ex.submit(order("me", "mine", Side.SELL_NO, "0.41", 5))
    events = ex.submit(order("me", "t", Side.BUY_YES, "0.45", 3))
    cancel = one(events, OrderCanceled)
    assert cancel.order.cl_ord_id == "t"
    assert cancel.reason is CancelReason.TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION
    assert cancel.order.cum_qty == D(1)  # the fill against "other" stands
    assert ex.book("MKT-A").depth(Side.SELL_NO) == [(D("0.41"), D(5))]  # maker untouched


def test_stp_maker_cancels_resting_and_continues():
    ex, _ = make_exchange()
    ex.submit(order("me", "mine", Side.SELL_NO, "0.40", 5))
    ex.submit(order("other", "o", Side.SELL_NO, "0.41", 2))
    events = ex.submit(order("me", "t", Side.BUY_YES, "0.45", 2, stp_type=StpType.MAKER))
    cancel = one(events, OrderCanceled)
    assert cancel.order.cl_ord_id == "mine"
    assert cancel.text == "MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION"
    fills = of_type(events, Fill)
    assert [(f.order.cl_ord_id, f.last_px, f.last_qty) for f in fills] == [
        ("t", D("0.41"), D(2)),
        ("o", D("0.41"), D(2)),
    ]
    assert fills[0].order.status is OrdStatus.FILLED
    assert ex.position("me", "MKT-A") == D(2)
    assert ex.balance("me").reserved == 0


def test_stp_is_per_subaccount():
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.SELL_NO, "0.40", 1, subaccount=1))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.40", 1, subaccount=2))
    assert len(of_type(events, Fill)) == 2


def test_self_cross_texts_option():
    cfg = EngineConfig(exec_id_epoch=1, self_cross_texts=True)
    ex, _ = make_exchange(config=cfg)
    ex.submit(order("me", "mine", Side.SELL_NO, "0.40", 5))
    first = one(ex.submit(order("me", "t1", Side.BUY_YES, "0.45", 1)), OrderCanceled)
    assert first.text == "SELF_CROSS_ATTEMPT"
    ex.submit(order("other", "o", Side.SELL_NO, "0.39", 1))
    second = one(ex.submit(order("me", "t2", Side.BUY_YES, "0.45", 3)), OrderCanceled)
    assert second.text == "SELF_CROSS_ATTEMPT_PARTIALLY_FILLED" and second.order.cum_qty == 1


def test_fok_self_cross_taker_keeps_partial_fills():
    # changelog: "taker_at_cross: the taker is canceled, execution stops. Any partial fills
    # are executed."
    ex, _ = make_exchange()
    ex.submit(order("other", "o", Side.SELL_NO, "0.40", 1))
    ex.submit(order("me", "mine", Side.SELL_NO, "0.41", 5))
    events = ex.submit(order("me", "t", Side.BUY_YES, "0.45", 3, time_in_force=TimeInForce.FOK))
    cancel = one(events, OrderCanceled)
    assert cancel.reason is CancelReason.TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION
    assert cancel.order.cum_qty == 1


def test_fok_self_cross_maker_continues_then_cancels_remainder():
    # changelog: "maker: the maker is canceled, execution continues. After execution,
    # remaining taker quantity is canceled."
    ex, _ = make_exchange()
    ex.submit(order("other", "o", Side.SELL_NO, "0.40", 1))
    ex.submit(order("me", "mine", Side.SELL_NO, "0.41", 5))
    events = ex.submit(
        order(
            "me",
            "t",
            Side.BUY_YES,
            "0.45",
            3,
            time_in_force=TimeInForce.FOK,
            stp_type=StpType.MAKER,
        )
    )
    cancels = of_type(events, OrderCanceled)
    assert [(c.order.cl_ord_id, c.text) for c in cancels] == [
        ("mine", "MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION"),
        ("t", "FOK_INSUFFICIENT_VOLUME"),
    ]
    assert cancels[-1].order.cum_qty == 1


def test_max_execution_cost_stops_and_cancels():
    ex, _ = make_exchange()
    ex.submit(order("m1", "a", Side.SELL_NO, "0.40", 2))
    ex.submit(order("m2", "b", Side.SELL_NO, "0.50", 10))
    # Budget $2.00: 2 @ 0.40 = 0.80, then 1.20 / 0.50 = 2.4 more contracts.
    events = ex.submit(order("me", "t", Side.BUY_YES, "0.50", 10, max_execution_cost=D("2.00")))
    mine = [f for f in of_type(events, Fill) if f.aggressor]
    assert [f.last_qty for f in mine] == [D(2), D("2.40")]
    cancel = one(events, OrderCanceled)
    assert cancel.reason is CancelReason.MAX_EXECUTION_COST_EXCEEDED
    assert cancel.order.cum_qty == D("4.40")


def test_max_execution_cost_uses_the_no_leg_price_for_side_2():
    ex, _ = make_exchange()
    ex.submit(order("mm", "bid", Side.BUY_YES, "0.80", 10))
    # Selling yes at 0.80 = buying no at 0.20: $1.00 buys 5.
    events = ex.submit(order("me", "s", Side.SELL_NO, "0.80", 10, max_execution_cost=D("1.00")))
    assert [f.last_qty for f in of_type(events, Fill) if f.aggressor] == [D(5)]


def test_max_execution_cost_on_a_resting_order():
    ex, _ = make_exchange()
    ex.submit(order("me", "r", Side.BUY_YES, "0.50", 10, max_execution_cost=D("1.00")))
    events = ex.submit(order("other", "t", Side.SELL_NO, "0.50", 10))
    maker_fill = [f for f in of_type(events, Fill) if not f.aggressor]
    assert [f.last_qty for f in maker_fill] == [D(2)]
    cancel = one(events, OrderCanceled)
    assert cancel.order.cl_ord_id == "r" and cancel.text == "MAX_EXECUTION_COST_EXCEEDED"
