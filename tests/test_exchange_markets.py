"""Markets: price grids, markets-file loading, auto-listing."""

import json
from decimal import Decimal as D

import pytest

from fixgw.sim.exchange import OrderAccepted, OrderRejected
from fixgw.sim.exchange.markets import (
    MarketRegistry,
    MarketsFileError,
    MarketStatus,
    PriceGrid,
    load_markets,
)
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import make_exchange, one, order


@pytest.mark.parametrize(
    "structure, valid, invalid",
    [
        ("linear_cent", ["0.01", "0.5", "0.99"], ["0", "1", "0.005", "0.991", "-0.01", "1.01"]),
        ("deci_cent", ["0.001", "0.055", "0.999"], ["0.0005", "1.000"]),
        (
            "tapered_deci_cent",
            ["0.001", "0.099", "0.10", "0.55", "0.90", "0.905", "0.999"],
            ["0.105", "0.555", "0.0001"],
        ),
    ],
)
def test_price_level_structures(structure, valid, invalid):
    grid = PriceGrid.named(structure)
    assert all(grid.is_valid(D(p)) for p in valid)
    assert not any(grid.is_valid(D(p)) for p in invalid)


def test_unknown_structure_is_named_in_error():
    with pytest.raises(ValueError, match="cubic"):
        PriceGrid.named("cubic")


def test_load_toml(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(
        """
[[markets]]
ticker = "HIGHNY-23DEC31"
hvm = true
price_level_structure = "tapered_deci_cent"
close_time = "2026-12-31T23:00:00Z"

[[markets]]
ticker = "EURUSD-23JUN2618-B1.087"
status = "paused"
tick_size = "0.001"
position_limit = "100"
"""
    )
    reg = load_markets(path)
    a, b = reg.existing("HIGHNY-23DEC31"), reg.existing("EURUSD-23JUN2618-B1.087")
    assert a.hvm and a.grid.name == "tapered_deci_cent" and a.status is MarketStatus.OPEN
    assert a.close_time.isoformat() == "2026-12-31T23:00:00+00:00"
    assert b.status is MarketStatus.PAUSED and b.grid.is_valid(D("0.123"))
    assert b.position_limit == D(100) and not b.hvm
    assert reg.get("NOT-LISTED") is None  # a file disables auto-listing


def test_load_json(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"markets": [{"ticker": "A-1", "status": "closed"}]}))
    assert load_markets(path).existing("A-1").status is MarketStatus.CLOSED


@pytest.mark.parametrize(
    "body, needle",
    [
        ('[[markets]]\nticker = "a-lower"\n', "malformed"),
        ('[[markets]]\nticker = "A"\nstatus = "gone"\n', "status 'gone'"),
        ('[[markets]]\nticker = "A"\ntick_size = 0.01\n', "as a string"),
        ('[[markets]]\nticker = "A"\ncolour = "red"\n', "colour"),
        ('[[markets]]\nticker = "A"\nhvm = "yes"\n', "hvm"),
        ("markets = 3\n", "'markets' list"),
    ],
)
def test_bad_markets_file_names_the_problem(tmp_path, body, needle):
    path = tmp_path / "m.toml"
    path.write_text(body)
    with pytest.raises(MarketsFileError, match=needle):
        load_markets(path)


def test_auto_listing_accepts_well_formed_tickers_only():
    ex, _ = make_exchange()
    ok = ex.submit(order("a", "1", Side.BUY_YES, "0.50", 1, symbol="KXHIGHNY-24JAN01-T60"))
    assert one(ok, OrderAccepted).order.symbol == "KXHIGHNY-24JAN01-T60"
    market = ex.markets.existing("KXHIGHNY-24JAN01-T60")
    assert market.status is MarketStatus.OPEN and market.grid.name == "linear_cent"
    bad = one(
        ex.submit(order("a", "2", Side.BUY_YES, "0.50", 1, symbol="bad ticker")), OrderRejected
    )
    assert (bad.text, bad.ord_rej_reason) == ("MARKET_NOT_FOUND", 1)


def test_file_unknown_ticker_is_market_not_found():
    ex, _ = make_exchange(MarketRegistry([], auto_list=False))
    rej = one(ex.submit(order("a", "1", Side.BUY_YES, "0.50", 1, symbol="MKT-A")), OrderRejected)
    assert (rej.text, rej.ord_rej_reason) == ("MARKET_NOT_FOUND", 1)
