"""Order entry end to end: KalshiClient -> TLS -> Simulator -> KalshiExchangeApp -> engine."""

from __future__ import annotations

from datetime import timedelta

import e2e_orders_harness as harness
import pytest
from e2e_orders_harness import BUY, MKT, SELL, D, kinds

from fixgw.app import CancelRejected, NotLoggedOn
from fixgw.messages import OrderCancelRequest, enums
from fixgw.sim.exchange import MarketConfig, PriceGrid

S = enums.OrdStatus
TIF = enums.TimeInForce
SKIP = {"skip_pending_exec_reports": True}

env = harness.env
key_pool = harness.key_pool


async def test_place_and_ack(env):
    a, rec = await env.client("A", **SKIP)
    order = await a.place_order(MKT, BUY, D(10), D("0.40"), tif=TIF.GTC)
    assert order.status is S.NEW and order.order_id
    assert (order.leaves_qty, order.cum_qty) == (D(10), 0)
    assert kinds(rec.reports()) == ["8:0/0"]
    assert env.app.engine.order(order.order_id).price == D("0.40")


async def test_partial_fills_between_two_api_keys(env):
    maker, mrec = await env.client("A", **SKIP)
    taker, trec = await env.client("B", **SKIP)
    rest = await maker.place_order(MKT, SELL, D(10), D("0.60"), tif=TIF.GTC)
    t1 = await taker.place_order(MKT, BUY, D(4), D("0.65"), tif=TIF.GTC)
    assert t1.status is S.FILLED and t1.cum_qty == D(4) and t1.fills[0].last_px == D("0.60")
    assert t1.fills[0].aggressor is True and t1.total_fees == D("0.07")
    await mrec.wait_for(lambda m: m.MSG_TYPE == "8" and m.exec_type is enums.ExecType.TRADE)
    assert (rest.status, rest.cum_qty, rest.leaves_qty) == (S.PARTIALLY_FILLED, D(4), D(6))
    assert (
        rest.fills[0].trd_match_id == t1.fills[0].trd_match_id and rest.fills[0].aggressor is False
    )
    assert rest.short_qty == D(4) and t1.long_qty == D(4)
    # the rest of it: a full fill for the maker
    t2 = await taker.place_order(MKT, BUY, D(6), D("0.60"), tif=TIF.GTC)
    await mrec.wait_n(2, lambda m: m.MSG_TYPE == "8" and m.exec_type is enums.ExecType.TRADE)
    assert t2.status is S.FILLED and rest.status is S.FILLED and rest.leaves_qty == 0
    assert not maker.orders.open_orders() and not taker.orders.open_orders()
    assert kinds(trec.reports()) == ["8:F/2", "8:F/2"]  # New folded into the Trade


async def test_cancel(env):
    a, _ = await env.client("A", **SKIP)
    order = await a.place_order(MKT, BUY, D(10), D("0.40"), tif=TIF.GTC)
    done = await a.cancel(order.cl_ord_id)
    assert done is order and order.status is S.CANCELED and order.leaves_qty == 0
    assert env.app.engine.open_orders() == []


async def test_cancel_reject_for_unknown_and_filled_orders(env):
    a, _ = await env.client("A", **SKIP)
    b, _ = await env.client("B", **SKIP)
    order = await a.place_order(MKT, BUY, D(2), D("0.40"), tif=TIF.GTC)
    await b.place_order(MKT, SELL, D(2), D("0.40"), tif=TIF.GTC)
    with pytest.raises(CancelRejected) as exc:
        await a.cancel(order.cl_ord_id)
    assert exc.value.cxl_rej_reason is enums.CxlRejReason.TOO_LATE_TO_CANCEL
    assert exc.value.text == "TOO_LATE_TO_CANCEL" and order.status is S.FILLED
    unknown = OrderCancelRequest(cl_ord_id="x1", orig_cl_ord_id="nope", side=BUY, symbol=MKT)
    with pytest.raises(CancelRejected) as exc:
        await a.request(unknown, key="x1")
    assert exc.value.cxl_rej_reason is enums.CxlRejReason.UNKNOWN_ORDER
    assert (exc.value.order_id, exc.value.ord_status) == ("NONE", S.REJECTED)


@pytest.mark.parametrize(
    ("qty", "price", "lost_priority"),
    [("15", None, True), ("6", None, False), ("10", "0.45", True)],
    ids=["qty-up", "qty-down", "price"],
)
async def test_replace(env, qty, price, lost_priority):
    a, rec = await env.client("A", **SKIP)
    order = await a.place_order(MKT, BUY, D(10), D("0.40"), tif=TIF.GTC)
    other = await a.place_order(MKT, BUY, D(1), D("0.45" if price else "0.40"), tif=TIF.GTC)
    new_price = D(price) if price else None
    done = await a.replace(order.cl_ord_id, qty=D(qty), price=new_price)
    assert done is order and order.status is S.NEW
    assert (order.order_qty, order.leaves_qty) == (D(qty), D(qty))
    assert order.price == (new_price or D("0.40")) and len(order.cl_ord_id_chain) == 2
    [rep] = [m for m in rec.reports() if m.exec_type is enums.ExecType.REPLACED]
    assert rep.orig_cl_ord_id == order.cl_ord_id_chain[0]
    # queue position: the first order at the level is first unless it lost priority
    level = env.app.engine.book(MKT).crossing(enums_side_sell(), D("0.01"))
    ids = [o.order_id for o in level]
    assert (ids.index(order.order_id) > ids.index(other.order_id)) is lost_priority


def enums_side_sell():
    from fixgw.sim.exchange import Side

    return Side.SELL_NO


async def test_replace_to_filled_cancels_and_below_filled_is_refused(env):
    a, _ = await env.client("A", **SKIP)
    b, _ = await env.client("B", **SKIP)
    order = await a.place_order(MKT, BUY, D(10), D("0.40"), tif=TIF.GTC)
    await b.place_order(MKT, SELL, D(4), D("0.40"), tif=TIF.GTC)
    with pytest.raises(CancelRejected) as exc:
        await a.replace(order.cl_ord_id, qty=D(3))
    assert (exc.value.text, exc.value.cxl_rej_reason) == (
        "INVALID_AMEND_QTY_FOR_ORDER",
        enums.CxlRejReason.BROKER,
    )
    assert order.status is S.PARTIALLY_FILLED and order.leaves_qty == D(6)
    await a.replace(order.cl_ord_id, qty=D(4))
    assert order.status is S.CANCELED and order.cum_qty == D(4) and order.leaves_qty == 0


async def test_mass_cancel_on_nr(env):
    a, rec = await env.client("A", **SKIP)
    orders = [await a.place_order(MKT, BUY, D(1), D("0.30"), tif=TIF.GTC) for _ in range(3)]
    report = await a.mass_cancel()
    assert report.mass_cancel_response is enums.MassCancelResponse.SUCCESS
    await rec.wait_n(3, lambda m: m.MSG_TYPE == "8" and m.exec_type is enums.ExecType.CANCELED)
    assert all(o.status is S.CANCELED and o.text == "MASS_CANCEL" for o in orders)


async def test_self_trade_prevention_taker_at_cross(env):
    a, _ = await env.client("A", **SKIP)
    resting = await a.place_order(MKT, SELL, D(5), D("0.50"), tif=TIF.GTC)
    taker = await a.place_order(
        MKT,
        BUY,
        D(5),
        D("0.50"),
        tif=TIF.GTC,
        self_trade_prevention=enums.SelfTradePreventionType.TAKER_AT_CROSS,
    )
    assert taker.status is S.CANCELED and taker.text == "TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION"
    assert resting.status is S.NEW


async def test_self_trade_prevention_maker(env):
    a, rec = await env.client("A", **SKIP)
    b, _ = await env.client("B", **SKIP)
    mine = await a.place_order(MKT, SELL, D(5), D("0.50"), tif=TIF.GTC)
    theirs = await b.place_order(MKT, SELL, D(5), D("0.51"), tif=TIF.GTC)
    taker = await a.place_order(
        MKT,
        BUY,
        D(5),
        D("0.55"),
        tif=TIF.GTC,
        self_trade_prevention=enums.SelfTradePreventionType.MAKER,
    )
    await rec.wait_for(
        lambda m: (
            m.MSG_TYPE == "8"
            and m.cl_ord_id == mine.cl_ord_id
            and m.exec_type is enums.ExecType.CANCELED
        )
    )
    assert mine.status is S.CANCELED and mine.text == "MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION"
    assert taker.status is S.FILLED and taker.fills[0].last_px == D("0.51")
    assert theirs.order_id is not None


async def test_ioc_partial_remainder_is_closed(env):
    a, _ = await env.client("A", **SKIP)
    b, _ = await env.client("B", **SKIP)
    await a.place_order(MKT, SELL, D(3), D("0.50"), tif=TIF.GTC)
    ioc = await b.place_order(MKT, BUY, D(10), D("0.50"), tif=TIF.IOC)
    assert (ioc.status, ioc.cum_qty, ioc.leaves_qty) == (S.CANCELED, D(3), 0)
    assert ioc.inferred_close is None  # the last Trade said Canceled(4) itself


async def test_ioc_without_liquidity_and_fok(env):
    a, _ = await env.client("A", **SKIP)
    b, _ = await env.client("B", **SKIP)
    ioc = await b.place_order(MKT, BUY, D(10), D("0.50"), tif=TIF.IOC)
    assert ioc.status is S.CANCELED and ioc.text == "IMMEDIATE_OR_CANCELLED"
    await a.place_order(MKT, SELL, D(3), D("0.50"), tif=TIF.GTC)
    fok = await b.place_order(MKT, BUY, D(10), D("0.50"), tif=TIF.FOK)
    assert fok.status is S.CANCELED and fok.text == "FOK_INSUFFICIENT_VOLUME" and fok.cum_qty == 0
    fok = await b.place_order(MKT, BUY, D(3), D("0.50"), tif=TIF.FOK)
    assert fok.status is S.FILLED


async def test_gtd_expires_and_past_gtd_is_ioc(env):
    a, rec = await env.client("A", use_expired_ord_status=True, **SKIP)
    now = env.clock.now()
    gtd = await a.place_order(
        MKT, BUY, D(1), D("0.40"), tif=TIF.GTD, expire_time=now + timedelta(minutes=5)
    )
    assert gtd.status is S.NEW
    past = await a.place_order(
        MKT, BUY, D(1), D("0.40"), tif=TIF.GTD, expire_time=now - timedelta(minutes=5)
    )
    assert past.status is S.CANCELED and past.text == "IMMEDIATE_OR_CANCELLED"
    env.clock.advance(timedelta(minutes=6))
    env.app.tick()
    await rec.wait_for(lambda m: m.MSG_TYPE == "8" and m.exec_type is enums.ExecType.EXPIRED)
    assert gtd.status is S.EXPIRED and gtd.text == "ORDER_EXPIRY_CANCEL"


async def test_cancel_order_on_pause(env):
    a, rec = await env.client("A", **SKIP)
    fragile = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC, cancel_on_pause=True)
    sturdy = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    env.app.pause_market(MKT)
    await rec.wait_for(lambda m: m.MSG_TYPE == "8" and m.exec_type is enums.ExecType.CANCELED)
    assert fragile.status is S.CANCELED and fragile.text == "TRADING_PAUSED"
    assert sturdy.status is S.NEW
    await a.cancel(sturdy.cl_ord_id)  # cancels are allowed during a trading pause
    assert sturdy.status is S.CANCELED
    env.app.resume_market(MKT)
    again = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    assert again.status is S.NEW


async def test_max_execution_cost(env):
    a, _ = await env.client("A", **SKIP)
    b, _ = await env.client("B", **SKIP)
    await a.place_order(MKT, SELL, D(10), D("0.50"), tif=TIF.GTC)
    capped = await b.place_order(
        MKT, BUY, D(10), D("0.50"), tif=TIF.GTC, max_execution_cost=D("2.00")
    )
    assert capped.cum_qty == D(4) and capped.status is S.CANCELED
    assert capped.text == "MAX_EXECUTION_COST_EXCEEDED"


async def test_use_dollars_subpenny_prices(env):
    env.app.list_market(MarketConfig("SUB-1", grid=PriceGrid.named("deci_cent")))
    a, arec = await env.client("A", use_dollars=True, **SKIP)
    b, _ = await env.client("B", use_dollars=True, **SKIP)
    cents, crec = await env.client("C", **SKIP)
    rest = await a.place_order("SUB-1", SELL, D(5), D("0.555"), tif=TIF.GTC)
    assert rest.price == D("0.555")
    take = await b.place_order("SUB-1", BUY, D(2), D("0.559"), tif=TIF.GTC)
    assert take.fills[0].last_px == D("0.555") and take.avg_px == D("0.555")
    await arec.wait_for(lambda m: m.MSG_TYPE == "8" and m.exec_type is enums.ExecType.TRADE)
    assert rest.cum_qty == D(2)
    # a cents session cannot express 0.555; it trades at the whole-cent price it sends
    c = await cents.place_order("SUB-1", BUY, D(1), D("0.56"), tif=TIF.GTC)
    assert c.status is S.FILLED and c.fills[0].last_px == D("0.56")  # 0.555 shown to the cent
    assert env.app.engine.order(c.order_id).avg_px == D("0.555")
    assert crec.reports()[-1].avg_px == D("0.555")  # AvgPx may be fractional cents


async def test_requests_refused_before_sending_are_not_tracked(env):
    a, _ = await env.client("A", **SKIP)
    order = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    await a.close()
    with pytest.raises(NotLoggedOn):
        await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    with pytest.raises(NotLoggedOn):
        await a.cancel(order.cl_ord_id)
    assert [o.cl_ord_id for o in a.orders.orders()] == [order.cl_ord_id]
    assert order.status is S.NEW and not order.pending
