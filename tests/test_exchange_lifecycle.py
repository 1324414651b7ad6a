"""Pauses, deactivation, close and settlement."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from fixgw.sim.exchange import (
    CancelOrder,
    CancelReason,
    CancelRejected,
    EngineConfig,
    Fill,
    MarketConfig,
    MarketRegistry,
    MarketSettled,
    MarketStatus,
    MarketStatusChanged,
    MassCancelReport,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrdStatus,
    PriceGrid,
    ReplaceOrder,
    ZeroFeeModel,
)
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import T0, make_exchange, of_type, one, order

START = D("1000000.00")


def test_trading_pause_cancels_flagged_orders_and_blocks_new_and_amends():
    ex, _ = make_exchange()
    ex.submit(order("me", "keep", Side.BUY_YES, "0.30", 1))
    ex.submit(order("me", "drop", Side.BUY_YES, "0.31", 1, cancel_on_pause=True))
    ex.submit(
        order("me", "elsewhere", Side.BUY_YES, "0.31", 1, symbol="MKT-B", cancel_on_pause=True)
    )
    events = ex.pause_market("MKT-A")
    assert one(events, MarketStatusChanged).new is MarketStatus.PAUSED
    cancel = one(events, OrderCanceled)
    assert (cancel.order.cl_ord_id, cancel.text) == ("drop", "TRADING_PAUSED")
    rej = one(ex.submit(order("me", "n", Side.BUY_YES, "0.30", 1)), OrderRejected)
    assert (rej.text, rej.ord_rej_reason) == ("TRADING_PAUSED", 2)
    amend = one(
        ex.replace(ReplaceOrder(account="me", cl_ord_id="k2", orig_cl_ord_id="keep", qty=D(2))),
        CancelRejected,
    )
    assert (amend.text, amend.cxl_rej_reason) == ("TRADING_PAUSED", 99)
    # Cancels are allowed during a trading pause.
    assert one(
        ex.cancel(CancelOrder(account="me", cl_ord_id="c", orig_cl_ord_id="keep")), OrderCanceled
    )
    ex.resume_market("MKT-A")
    assert one(ex.submit(order("me", "n", Side.BUY_YES, "0.30", 1)), OrderAccepted)


def test_exchange_pause_blocks_cancels_too():
    ex, _ = make_exchange()
    ex.submit(order("me", "keep", Side.BUY_YES, "0.30", 1))
    ex.submit(order("me", "drop", Side.BUY_YES, "0.31", 1, symbol="MKT-B", cancel_on_pause=True))
    events = ex.pause_exchange()
    assert [(e.order.cl_ord_id, e.text) for e in events] == [("drop", "EXCHANGE_PAUSED")]
    rej = one(ex.submit(order("me", "n", Side.BUY_YES, "0.30", 1)), OrderRejected)
    assert (rej.text, rej.ord_rej_reason) == ("EXCHANGE_PAUSED", 2)
    crej = one(
        ex.cancel(CancelOrder(account="me", cl_ord_id="c", orig_cl_ord_id="keep")), CancelRejected
    )
    assert (crej.text, crej.cxl_rej_reason) == ("EXCHANGE_PAUSED", 99)
    ex.resume_exchange()
    assert one(
        ex.cancel(CancelOrder(account="me", cl_ord_id="c", orig_cl_ord_id="keep")), OrderCanceled
    )


def test_inactive_market_and_reactivation_cancels_resting_orders():
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1))
    ex.deactivate_market("MKT-A")
    rej = one(ex.submit(order("me", "n", Side.BUY_YES, "0.30", 1)), OrderRejected)
    assert (rej.text, rej.ord_rej_reason) == ("MARKET_INACTIVE", 2)
    events = ex.activate_market("MKT-A")
    assert one(events, OrderCanceled).reason is CancelReason.MARKET_REACTIVATED
    assert ex.markets.existing("MKT-A").status is MarketStatus.OPEN


def test_close_market_expiry_style_cancels_and_rejects():
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1))
    events = ex.close_market("MKT-A")
    expired = one(events, OrderExpired)
    assert expired.reason is CancelReason.CLOSE_CANCEL and expired.order.status is OrdStatus.EXPIRED
    assert ex.balance("me").reserved == 0
    rej = one(ex.submit(order("me", "n", Side.BUY_YES, "0.30", 1)), OrderRejected)
    assert (rej.text, rej.ord_rej_reason) == ("MARKET_ALREADY_CLOSED", 2)
    # lifecycle page: after close, cancellations are rejected with MARKET_INACTIVE.
    crej = one(
        ex.cancel(CancelOrder(account="me", cl_ord_id="c", orig_cl_ord_id="a")), CancelRejected
    )
    assert (crej.text, crej.cxl_rej_reason) == ("MARKET_INACTIVE", 99)


def test_market_closes_itself_at_close_time():
    markets = MarketRegistry([MarketConfig("MKT-A", close_time=T0 + timedelta(hours=1))])
    ex, clock = make_exchange(markets)
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1))
    clock.advance(timedelta(hours=1))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.30", 1))
    assert [type(e) for e in events] == [MarketStatusChanged, OrderExpired, OrderRejected]
    assert events[-1].text == "MARKET_ALREADY_CLOSED"


def trade(ex, buyer, seller, price, qty, symbol="MKT-A"):
    ex.submit(order(seller, f"s-{buyer}-{qty}", Side.SELL_NO, price, qty, symbol=symbol))
    fills = of_type(
        ex.submit(order(buyer, f"b-{buyer}-{qty}", Side.BUY_YES, price, qty, symbol=symbol)), Fill
    )
    assert len(fills) == 2


def test_settle_yes_pays_yes_holders():
    ex, _ = make_exchange(config=EngineConfig(exec_id_epoch=1, fee_model=ZeroFeeModel()))
    trade(ex, "yes", "no", "0.60", 100)
    ex.submit(order("yes", "resting", Side.BUY_YES, "0.10", 5))
    events = ex.settle("MKT-A", "yes")
    assert one(events, OrderExpired).order.cl_ord_id == "resting"
    settled = one(events, MarketSettled)
    assert settled.settlement_price_cents == 100 and settled.result == "yes"
    rec = {r.owner.account: r for r in settled.records}
    assert (rec["yes"].long_qty, rec["yes"].short_qty, rec["yes"].payout, rec["yes"].fee) == (
        D(100),
        D(0),
        D("100.00"),
        D(0),
    )
    assert (rec["no"].short_qty, rec["no"].payout) == (D(100), D(0))
    # yes paid 60.00, got 100.00; no paid 40.00, got 0.
    assert ex.balance("yes").cash == START + D("40.00") and ex.balance("yes").reserved == 0
    assert ex.balance("no").cash == START - D("40.00")
    assert ex.position("yes", "MKT-A") == 0
    assert ex.markets.existing("MKT-A").status is MarketStatus.SETTLED
    with pytest.raises(ValueError, match="already settled"):
        ex.settle("MKT-A", "yes")


def test_settle_no():
    ex, _ = make_exchange(config=EngineConfig(exec_id_epoch=1, fee_model=ZeroFeeModel()))
    trade(ex, "yes", "no", "0.60", 10)
    rec = {r.owner.account: r for r in one(ex.settle("MKT-A", "no"), MarketSettled).records}
    assert rec["no"].payout == D("10.00") and rec["yes"].payout == 0


def test_scalar_settlement_rounds_payout_down_and_charges_the_remainder():
    markets = MarketRegistry([MarketConfig("MKT-A", grid=PriceGrid.named("deci_cent"))])
    ex, _ = make_exchange(markets, EngineConfig(exec_id_epoch=1, fee_model=ZeroFeeModel()))
    trade(ex, "yes", "no", "0.50", "10.60")
    settled = one(ex.settle("MKT-A", "scalar", D("59.70")), MarketSettled)
    rec = {r.owner.account: r for r in settled.records}
    # fee_rounding page: 10.60 x $0.5970 = $6.3282 -> $6.32 paid, $0.0082 fee.
    assert (rec["yes"].raw_payout, rec["yes"].payout, rec["yes"].fee) == (
        D("6.3282"),
        D("6.32"),
        D("0.0082"),
    )
    # no side: 10.60 x $0.4030 = $4.2718 -> $4.27 + $0.0018.
    assert (rec["no"].payout, rec["no"].fee) == (D("4.27"), D("0.0018"))
    assert rec["yes"].payout + rec["yes"].fee == rec["yes"].raw_payout


@pytest.mark.parametrize(
    "result, cents",
    [("yes", D(99)), ("no", D(1)), ("scalar", None), ("scalar", D(101)), ("maybe", None)],
)
def test_settle_argument_errors(result, cents):
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1))
    with pytest.raises(ValueError):
        ex.settle("MKT-A", result, cents)


def test_close_time_can_be_set_later():
    ex, clock = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1))
    ex.markets.set_close_time("MKT-A", T0 + timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    assert one(ex.tick(), OrderExpired).reason is CancelReason.CLOSE_CANCEL


def test_mass_cancel_refused_during_exchange_pause():
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1))
    ex.pause_exchange()
    events = ex.mass_cancel("me")
    report = one(events, MassCancelReport)
    assert (report.canceled_count, report.reject_text) == (0, "EXCHANGE_PAUSED")
    assert len(ex.open_orders("me")) == 1
