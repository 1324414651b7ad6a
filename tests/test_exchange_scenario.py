"""A scripted multi-order session whose positions, fees and balances are worked out by hand.

Default fee model: takers pay 0.07 * C * P * (1 - P), makers pay nothing; every fill is then
rounded to whole cents with the per-order accumulator (getting_started__fee_rounding.md).
Everyone starts with $1,000,000.00.
"""

from decimal import Decimal as D

from fixgw.sim.exchange import (
    CancelOrder,
    Fill,
    MarketSettled,
    OrderCanceled,
    OrderExpired,
)
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import make_exchange, of_type, one, order

M = "HIGHNY-23DEC31"
START = D("1000000.00")


def by_side(events):
    fills = of_type(events, Fill)
    return [f for f in fills if f.aggressor], [f for f in fills if not f.aggressor]


def test_scripted_session():
    ex, _ = make_exchange()

    # 1-2. A offers yes (= bids no): 10 @ 0.60 reserves 10 x 0.40 = 4.00,
    #      5 @ 0.62 reserves 5 x 0.38 = 1.90.
    ex.submit(order("A", "a1", Side.SELL_NO, "0.60", 10, symbol=M))
    ex.submit(order("A", "a2", Side.SELL_NO, "0.62", 5, symbol=M))
    assert ex.balance("A").reserved == D("5.90")

    # 3. C bids 4 @ 0.55, reserving 2.20.
    ex.submit(order("C", "c1", Side.BUY_YES, "0.55", 4, symbol=M))
    assert ex.balance("C").reserved == D("2.20")

    # 4. B lifts 12 @ up to 0.62: 10 @ 0.60 then 2 @ 0.62.
    taker, maker = by_side(ex.submit(order("B", "b1", Side.BUY_YES, "0.62", 12, symbol=M)))
    #   fill 1: revenue -6.00; fee 0.07*10*0.60*0.40 = 0.1680; -6.1680 floors to -6.17;
    #           rounding 0.0020, accumulator 0.0020, net fee 0.17.
    #   fill 2: revenue -1.24; fee 0.07*2*0.62*0.38 = 0.032984 -> 0.0330; -1.2730 -> -1.28;
    #           rounding 0.0070, accumulator 0.0090 (not > 0.01: no rebate), net fee 0.04.
    assert [(f.last_px, f.last_qty) for f in taker] == [(D("0.60"), D(10)), (D("0.62"), D(2))]
    assert [f.fee.trade_fee for f in taker] == [D("0.1680"), D("0.0330")]
    assert [f.fee.accumulator for f in taker] == [D("0.0020"), D("0.0090")]
    assert [f.fee_amount for f in taker] == [D("0.17"), D("0.04")]
    assert [f.collateral_changes[0].amount for f in taker] == [D("-6.17"), D("-1.28")]
    assert [(f.long_qty, f.short_qty) for f in taker] == [(D(10), D(0)), (D(12), D(0))]
    # AvgPx = (6.00 + 1.24) / 12 = 0.603333...
    assert taker[-1].order.avg_px == D("0.603333")
    #   A (maker, no fee) buys no: 10 x 0.40 = 4.00 and 2 x 0.38 = 0.76.
    assert [f.collateral_changes[0].amount for f in maker] == [D("-4.00"), D("-0.76")]
    assert [(f.long_qty, f.short_qty) for f in maker] == [(D(0), D(10)), (D(0), D(12))]
    # B: 1,000,000 - 6.17 - 1.28 = 999,992.55.   A: 1,000,000 - 4.76 = 999,995.24,
    # with a2's 3 remaining x 0.38 = 1.14 still reserved.
    assert ex.balance("B").cash == D("999992.55")
    assert ex.balance("A").cash == D("999995.24") and ex.balance("A").reserved == D("1.14")

    # 5. B sells 5 yes @ 0.55 (buys no at 0.45): hits C's 4 @ 0.55, 1 rests.
    taker, maker = by_side(ex.submit(order("B", "b2", Side.SELL_NO, "0.55", 5, symbol=M)))
    #   B: 4 netted pay 4.00, 4 no cost 1.80 -> revenue +2.20; fee 0.07*4*0.55*0.45 = 0.0693;
    #      2.1307 floors to 2.13 (rounding 0.0007); net fee 0.07; position 12 - 4 = 8.
    (b,) = taker
    assert (b.fee.trade_fee, b.fee.rounding_fee, b.fee_amount) == (
        D("0.0693"),
        D("0.0007"),
        D("0.07"),
    )
    assert b.collateral_changes[0].amount == D("2.13")
    assert (b.long_qty, b.short_qty, b.order.leaves_qty) == (D(8), D(0), D(1))
    #   C (maker) pays 4 x 0.55 = 2.20 and is long 4.
    (c,) = maker
    assert (c.collateral_changes[0].amount, c.long_qty) == (D("-2.20"), D(4))
    # B: 999,992.55 + 2.13 = 999,994.68; the resting 1 @ 0.55 reserves 1 x 0.45.
    assert ex.balance("B").cash == D("999994.68") and ex.balance("B").reserved == D("0.45")

    # 6. A cancels what is left of a2, releasing 1.14.
    one(ex.cancel(CancelOrder(account="A", cl_ord_id="a2-x", orig_cl_ord_id="a2")), OrderCanceled)
    assert ex.balance("A").reserved == 0

    # 7. Settles yes: B's resting remainder is close-canceled; B long 8 gets 8.00, C long 4
    #    gets 4.00, A short 12 gets nothing.
    events = ex.settle(M, "yes")
    assert one(events, OrderExpired).order.cl_ord_id == "b2"
    records = {r.owner.account: r for r in one(events, MarketSettled).records}
    assert {k: (r.long_qty, r.short_qty, r.payout, r.fee) for k, r in records.items()} == {
        "A": (D(0), D(12), D(0), D(0)),
        "B": (D(8), D(0), D("8.00"), D(0)),
        "C": (D(4), D(0), D("4.00"), D(0)),
    }
    final = {k: ex.balance(k) for k in "ABC"}
    assert final["A"].cash == D("999995.24")  # lost 4.76
    assert final["B"].cash == D("1000002.68")  # 999,994.68 + 8.00
    assert final["C"].cash == D("1000001.80")  # -2.20 + 4.00
    assert all(b.reserved == 0 for b in final.values())
    # Money is conserved except for B's fees: 0.17 + 0.04 + 0.07 = 0.28.
    assert sum(b.cash for b in final.values()) == 3 * START - D("0.28")
