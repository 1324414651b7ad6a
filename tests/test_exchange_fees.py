"""Fee model and the rounding / accumulator rules of getting_started__fee_rounding.md."""

from decimal import Decimal as D

import pytest

from fixgw.sim.exchange import Fill
from fixgw.sim.exchange.fees import (
    QuadraticFeeModel,
    ZeroFeeModel,
    round_fill,
    settlement_rounding,
)
from fixgw.sim.exchange.markets import MarketConfig, MarketRegistry, PriceGrid
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import make_exchange, of_type, order


def run_fills(revenue: D, trade_fee: D, n: int):
    acc = D(0)
    rows = []
    for _ in range(n):
        b = round_fill(revenue, trade_fee, acc)
        acc = b.accumulator_after
        rows.append(b)
    return rows


# Each row: (trade fee, rounding, accumulator, rebate, net fee, balance change) from the page.
@pytest.mark.parametrize(
    "revenue, trade_fee, table",
    [
        pytest.param(
            D("-0.055"),
            D("0.0085"),
            [
                ("0.0085", "0.0065", "0.0065", "0", "0.0150", "-0.07"),
                ("0.0085", "0.0065", "0.0130", "0.01", "0.0050", "-0.07"),
                ("0.0085", "0.0065", "0.0095", "0", "0.0150", "-0.07"),
            ],
            id="3 x 1 lot at $0.055",
        ),
        pytest.param(
            D("-0.50") * D("0.30"),
            D("0.0041"),
            [
                ("0.0041", "0.0059", "0.0059", "0", "0.0100", "-0.16"),
                ("0.0041", "0.0059", "0.0118", "0.01", "0.0000", "-0.16"),
                ("0.0041", "0.0059", "0.0077", "0", "0.0100", "-0.16"),
            ],
            id="3 x 0.30 at $0.50",
        ),
        pytest.param(
            D("-0.3301") * D("0.03"),
            D("0.0005"),
            [
                ("0.0005", "0.009597", "0.009597", "0", "0.010097", "-0.02"),
                ("0.0005", "0.009597", "0.019194", "0.01", "0.000097", "-0.02"),
                ("0.0005", "0.009597", "0.018791", "0.01", "0.000097", "-0.02"),
            ],
            id="3 x 0.03 at $0.3301",
        ),
    ],
)
def test_worked_examples(revenue, trade_fee, table):
    rows = run_fills(revenue, trade_fee, 3)
    for got, want in zip(rows, table, strict=True):
        assert (
            got.trade_fee,
            got.rounding_fee,
            got.accumulator,
            got.rebate,
            got.net_fee,
            got.balance_change,
        ) == tuple(D(x) for x in want)
        # Net fee is never negative, and the cash that moves is whole cents.
        assert got.net_fee >= 0
        assert got.net_balance_change == got.net_balance_change.quantize(D("0.01"))


def test_fill_1_walkthrough_ceils_trade_fee_to_centicent():
    # $0.0084001 ceils to $0.0085 (step 1 of "Rounding Mechanics").
    b = round_fill(D("-0.055"), D("0.0084001"), D(0))
    assert b.trade_fee == D("0.0085")
    assert b.balance_change == D("-0.07")


def test_seller_revenue_floors_toward_negative_infinity():
    b = round_fill(D("0.15"), D("0.0041"), D(0))
    assert b.balance_change == D("0.14")
    assert b.rounding_fee == D("0.0059")


def test_accumulator_rebates_only_when_exceeding_a_cent():
    # Exactly $0.0100 accumulated does not "exceed" $0.01.
    b = round_fill(D("-0.005"), D(0), D("0.005"))
    assert b.accumulator == D("0.010") and b.rebate == 0


def test_quadratic_taker_fee_rounds_up_to_the_cent():
    model = QuadraticFeeModel()
    raw = model.trade_fee(D(10), D("0.50"), is_taker=True)
    assert raw == D("0.175")  # 0.07 * 10 * 0.5 * 0.5
    # A single 10-lot buy at 50c: -5.00 - 0.175 -> -5.18, i.e. the fee rounds up to $0.18.
    b = round_fill(D("-5.00"), raw, D(0))
    assert b.balance_change == D("-5.18") and b.net_fee == D("0.18")
    assert model.trade_fee(D(10), D("0.50"), is_taker=False) == 0


def test_quadratic_maker_rate_is_pluggable():
    model = QuadraticFeeModel(maker_rate=D("0.0175"))
    assert model.trade_fee(D(100), D("0.50"), is_taker=False) == D("0.4375")


def test_max_fee_bounds_any_better_fill():
    model = QuadraticFeeModel()
    bound = model.max_fee(D(7), D("0.80"))
    for cents in range(1, 81):
        assert model.trade_fee(D(7), D(cents) / 100, is_taker=True) <= bound


def test_settlement_rounding_example():
    # 10.60 YES at $0.5970 -> raw $6.3282, credit $6.32, fee $0.0082.
    assert settlement_rounding(D("10.60") * D("0.5970")) == (D("6.32"), D("0.0082"))


def test_engine_applies_rounding_per_order_across_fills():
    # The first worked example through the matching engine: buy 3 at $0.055 on a deci-cent
    # market, filled as three 1-lot matches.  A flat per-fill trade fee of $0.0085 is injected.
    class Flat:
        def trade_fee(self, qty, price, *, is_taker):
            return D("0.0085") if is_taker else D(0)

        def max_fee(self, qty, leg):
            return D(0)

    from fixgw.sim.exchange import EngineConfig

    markets = MarketRegistry([MarketConfig("SUB-1", grid=PriceGrid.named("deci_cent"))])
    ex, _ = make_exchange(markets, EngineConfig(exec_id_epoch=1, fee_model=Flat()))
    for i in range(3):
        ex.submit(order(f"mm{i}", f"m{i}", Side.SELL_NO, "0.055", 1, symbol="SUB-1"))
    events = ex.submit(order("me", "buy", Side.BUY_YES, "0.055", 3, symbol="SUB-1"))
    mine = [f for f in of_type(events, Fill) if f.aggressor]
    assert [f.fee.net_fee for f in mine] == [D("0.0150"), D("0.0050"), D("0.0150")]
    assert [f.collateral_changes[0].amount for f in mine] == [D("-0.07"), D("-0.06"), D("-0.07")]
    assert ex.balance("me").cash == D("1000000.00") - D("0.20")


def test_zero_fee_model():
    assert ZeroFeeModel().trade_fee(D(5), D("0.3"), is_taker=True) == 0
