"""A scripted multi-order scenario over TLS, checked against numbers worked out by hand: the
Fee Rounding page's three worked examples (given the trade fees the page states), then the
final positions and balances.

Each example buys through three resting one-fill offers, so the buyer's order gets three
fills and its fee accumulator works as the page's tables show.  What we check on the wire,
per fill: MiscFeeAmt (137) = the page's "Net Fee", and the BALANCE CollateralAmountChange
(1704) = the cash that moved: the page's "Balance Change" (floor(revenue - trade fee)) plus
that fill's rebate.  Per example, -(sum of changes) = cost + sum of net fees, to the cent.
"""

from __future__ import annotations

from decimal import Decimal

import e2e_orders_harness as harness
from e2e_orders_harness import BUY, SELL, D, env_factory

from fixgw.messages import enums
from fixgw.sim.exchange import MarketConfig, PriceGrid

key_pool = harness.key_pool

# (market, price, lot) -> the page's stated trade fee per fill (taker); makers pay none
EXAMPLES = {
    "FEE-SUBPENNY": (D("0.055"), D("1"), D("0.0085")),
    "FEE-FRACTION": (D("0.50"), D("0.30"), D("0.0041")),
    "FEE-BOTH": (D("0.3301"), D("0.03"), D("0.0005")),
}
# the page's tables: net fee and balance change of fills 1, 2, 3
EXPECTED = {  # (net fees, balance changes incl. the $0.01 rebates)
    "FEE-SUBPENNY": ([D("0.0150"), D("0.0050"), D("0.0150")], [D("-0.07"), D("-0.06"), D("-0.07")]),
    "FEE-FRACTION": ([D("0.0100"), D("0.0000"), D("0.0100")], [D("-0.16"), D("-0.15"), D("-0.16")]),
    "FEE-BOTH": ([D("0.010097"), D("0.000097"), D("0.000097")], [D("-0.02"), D("-0.01"), D("-0.01")]),
}


class PageFees:
    """The trade fee the Fee Rounding page states for each example's fills."""

    def trade_fee(self, qty: Decimal, price: Decimal, *, is_taker: bool) -> Decimal:
        if not is_taker:
            return D(0)
        for p, lot, fee in EXAMPLES.values():
            if qty == lot and price == p:
                return fee
        raise AssertionError(f"unexpected fill {qty} @ {price}")

    def max_fee(self, qty: Decimal, limit_leg_price: Decimal) -> Decimal:
        return D("0.01") * 3


def _fee(er) -> Decimal:
    return sum((f.misc_fee_amt for f in er.misc_fees), D(0))


def _balance(er) -> Decimal:
    return sum(
        (c.collateral_amount_change for c in er.collateral_amount_changes
         if c.collateral_amount_type == enums.CollateralAmountType.BALANCE),
        D(0),
    )  # fmt: skip


async def test_fee_rounding_worked_examples_end_to_end(key_pool):
    async with env_factory(key_pool, fee_model=PageFees()) as env:
        for ticker in EXAMPLES:
            env.app.list_market(MarketConfig(ticker, grid=PriceGrid.linear(D("0.0001"))))
        maker, _ = await env.client("mm", use_dollars=True)
        taker, rec = await env.client("tk", use_dollars=True)
        start = env.app.engine.balance(env.uuid("tk")).cash
        mm_start = env.app.engine.balance(env.uuid("mm")).cash

        for ticker, (price, lot, _) in EXAMPLES.items():
            for _ in range(3):  # three resting offers: three separate matches
                await maker.place_order(ticker, SELL, lot, price)
            mark = rec.mark()
            order = await taker.place_order(ticker, BUY, lot * 3, price)
            fills = await rec.wait_n(
                3, lambda m, t=ticker: m.MSG_TYPE == "8" and m.exec_type == enums.ExecType.TRADE and m.symbol == t,
                since=mark,
            )
            net_fees, balance_changes = EXPECTED[ticker]
            assert [_fee(f) for f in fills] == net_fees, ticker
            assert [_balance(f) for f in fills] == balance_changes, ticker
            assert -sum(balance_changes) == price * lot * 3 + sum(net_fees)  # nothing lost to rounding
            assert [f.last_px for f in fills] == [price] * 3
            final = taker.orders.find(order.cl_ord_id)
            assert final.status is enums.OrdStatus.FILLED and final.cum_qty == lot * 3
            assert final.total_fees == sum(net_fees, D(0))
            assert fills[-1].long_qty == lot * 3 and fills[-1].short_qty == D(0)  # position after trade

        # balances by hand: the buyer paid 0.20 + 0.47 + 0.04 = 0.71
        assert start - env.app.engine.balance(env.uuid("tk")).cash == D("0.71")
        # the seller bought No at 1 - p, no maker fee, one fill per order (no rebates):
        # 3 x (0.945 -> 0.95) + 3 x (0.50 x 0.30 = 0.15) + 3 x (0.6699 x 0.03 = 0.020097 -> 0.03)
        assert mm_start - env.app.engine.balance(env.uuid("mm")).cash == D("3.39")
