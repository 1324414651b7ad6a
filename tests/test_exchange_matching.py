"""Book, crossing semantics, price-time priority, partial fills, balances and positions."""

from decimal import Decimal as D

from fixgw.sim.exchange import (
    AccountConfig,
    EngineConfig,
    Fill,
    OrderAccepted,
    OrderRejected,
    OrdStatus,
    ZeroFeeModel,
)
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import make_exchange, of_type, one, order

START = D("1000000.00")
NOFEE = EngineConfig(exec_id_epoch=1, fee_model=ZeroFeeModel())


def test_bid_and_ask_at_the_same_price_cross():
    # order_direction.md: "An order at price p with outcome_side=no is matched by an order at
    # the same price p with outcome_side=yes".
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.60", 5))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.60", 5))
    taker, maker = of_type(events, Fill)
    assert (taker.order.cl_ord_id, taker.aggressor, taker.last_px, taker.last_qty) == (
        "b",
        True,
        D("0.60"),
        D(5),
    )
    assert (maker.order.cl_ord_id, maker.aggressor) == ("a", False)
    assert taker.trd_match_id == maker.trd_match_id
    assert taker.exec_id < maker.exec_id
    assert taker.order.status is OrdStatus.FILLED and maker.order.status is OrdStatus.FILLED


def test_trade_prints_at_the_resting_price_for_either_aggressor():
    ex, _ = make_exchange()
    ex.submit(order("mm", "ask", Side.SELL_NO, "0.40", 1))
    yes_taker = ex.submit(order("me", "b", Side.BUY_YES, "0.70", 1))
    assert {f.last_px for f in of_type(yes_taker, Fill)} == {D("0.40")}
    ex.submit(order("mm", "bid", Side.BUY_YES, "0.45", 1))
    no_taker = ex.submit(order("me", "s", Side.SELL_NO, "0.20", 1))
    assert {f.last_px for f in of_type(no_taker, Fill)} == {D("0.45")}


def test_no_cross_when_bid_below_ask_both_rest():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.61", 3))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.60", 2))
    assert not of_type(events, Fill)
    book = ex.book("MKT-A")
    assert book.depth(Side.BUY_YES) == [(D("0.60"), D(2))]
    assert book.depth(Side.SELL_NO) == [(D("0.61"), D(3))]


def test_price_then_time_priority():
    ex, _ = make_exchange()
    ex.submit(order("m1", "first", Side.SELL_NO, "0.55", 1))
    ex.submit(order("m2", "second", Side.SELL_NO, "0.55", 1))
    ex.submit(order("m3", "better", Side.SELL_NO, "0.54", 1))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.55", 3))
    makers = [f.order.cl_ord_id for f in of_type(events, Fill) if not f.aggressor]
    assert makers == ["better", "first", "second"]


def test_partial_fills_across_levels_and_avg_px():
    ex, _ = make_exchange()
    ex.submit(order("m1", "a1", Side.SELL_NO, "0.50", 2))
    ex.submit(order("m2", "a2", Side.SELL_NO, "0.53", 3))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.55", 10))
    mine = [f for f in of_type(events, Fill) if f.aggressor]
    assert [(f.last_px, f.last_qty, f.order.cum_qty, f.order.leaves_qty) for f in mine] == [
        (D("0.50"), D(2), D(2), D(8)),
        (D("0.53"), D(3), D(5), D(5)),
    ]
    # AvgPx = (2*0.50 + 3*0.53) / 5 = 2.59 / 5 = 0.518
    assert mine[-1].order.avg_px == D("0.518")
    assert mine[-1].order.status is OrdStatus.PARTIALLY_FILLED
    # The remainder rests at its limit.
    assert ex.book("MKT-A").depth(Side.BUY_YES) == [(D("0.55"), D(5))]


def test_fractional_quantities():
    ex, _ = make_exchange(config=NOFEE)
    ex.submit(order("mm", "a", Side.SELL_NO, "0.50", "0.75"))
    events = ex.submit(order("me", "b", Side.BUY_YES, "0.50", "0.30"))
    taker = one([f for f in of_type(events, Fill) if f.aggressor], Fill)
    assert taker.last_qty == D("0.30") and taker.long_qty == D("0.30")
    # -0.15 exactly, no rounding needed.
    assert taker.collateral_changes[0].amount == D("-0.15")


def test_reservation_and_fill_balances_without_fees():
    ex, _ = make_exchange(config=NOFEE)
    ex.submit(order("mm", "a", Side.SELL_NO, "0.70", 10))
    # A Side 2 order at 0.70 is buy-no at 0.30: reserves 10 * 0.30.
    assert ex.balance("mm").reserved == D("3.00")
    ex.submit(order("me", "b", Side.BUY_YES, "0.75", 4))
    # me pays 4 * 0.70; mm pays 4 * 0.30 and 6 * 0.30 stay reserved.
    assert ex.balance("me").cash == START - D("2.80") and ex.balance("me").reserved == 0
    assert ex.balance("mm").cash == START - D("1.20")
    assert ex.balance("mm").reserved == D("1.80")


def test_positions_long_short_and_netting_payout():
    ex, _ = make_exchange(config=NOFEE)
    ex.submit(order("mm", "a", Side.SELL_NO, "0.40", 10))
    buy = ex.submit(order("me", "b", Side.BUY_YES, "0.40", 10))
    mine = [f for f in of_type(buy, Fill) if f.aggressor][0]
    theirs = [f for f in of_type(buy, Fill) if not f.aggressor][0]
    assert (mine.long_qty, mine.short_qty) == (D(10), D(0))
    assert (theirs.long_qty, theirs.short_qty) == (D(0), D(10))
    assert ex.position("me", "MKT-A") == D(10) and ex.position("mm", "MKT-A") == D(-10)
    # me sells 4 yes at 0.65 to a new bidder: buys 4 no at 0.35 and nets 4 pairs at $1.
    ex.submit(order("bidder", "c", Side.BUY_YES, "0.65", 4))
    sell = ex.submit(order("me", "d", Side.SELL_NO, "0.65", 4))
    mine = [f for f in of_type(sell, Fill) if f.aggressor][0]
    assert (mine.long_qty, mine.short_qty) == (D(6), D(0))
    # revenue = 4 * $1 netted - 4 * 0.35 = +2.60 (= 4 * 0.65 sale proceeds)
    assert mine.collateral_changes[0].amount == D("2.60")
    assert ex.balance("me").cash == START - D("4.00") + D("2.60")


def test_buy_no_can_flip_a_yes_position():
    ex, _ = make_exchange(config=NOFEE)
    ex.submit(order("mm", "a", Side.SELL_NO, "0.50", 2))
    ex.submit(order("me", "b", Side.BUY_YES, "0.50", 2))
    ex.submit(order("mm", "c", Side.BUY_YES, "0.50", 5))
    flip = ex.submit(order("me", "d", Side.SELL_NO, "0.50", 5))
    mine = [f for f in of_type(flip, Fill) if f.aggressor][0]
    assert (mine.long_qty, mine.short_qty) == (D(0), D(3))
    # 2 netted pay $2, 5 no cost $2.50 -> -0.50
    assert mine.collateral_changes[0].amount == D("-0.50")


def test_insufficient_balance():
    cfg = EngineConfig(exec_id_epoch=1, accounts={"poor": AccountConfig(balance=D("5.00"))})
    ex, _ = make_exchange(config=cfg)
    # 10 x 0.45 = 4.50 plus a worst-case fee of ceil(0.07*10*0.45*0.55) = 0.18 -> 4.68: fits.
    assert of_type(ex.submit(order("poor", "a", Side.BUY_YES, "0.45", 10)), OrderAccepted)
    # 0.50 left; 2 more need 0.90 + 0.04 fee bound.
    rej = one(ex.submit(order("poor", "b", Side.BUY_YES, "0.45", 2)), OrderRejected)
    assert (rej.text, rej.ord_rej_reason) == ("INSUFFICIENT_BALANCE", 3)
    assert ex.balance("poor").reserved == D("4.50")


def test_balance_is_per_subaccount():
    cfg = EngineConfig(exec_id_epoch=1, accounts={"k": AccountConfig(balance=D("1.00"))})
    ex, _ = make_exchange(config=cfg)
    ex.submit(order("k", "a", Side.BUY_YES, "0.90", 1))
    assert ex.balance("k").available == D("0.10")
    assert of_type(ex.submit(order("k", "b", Side.BUY_YES, "0.90", 1, subaccount=3)), OrderAccepted)
    assert ex.balance("k", 3).reserved == D("0.90")
