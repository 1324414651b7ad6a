"""Pre-trade risk: price grid, quantity, notional, open orders, position, kill switch, kill plan."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fixgw.app.errors import RiskLimitExceeded
from fixgw.app.orders import OrderTracker
from fixgw.gateway.risk import (
    CancelTarget,
    KillSwitch,
    OpenOrder,
    RiskChecker,
    RiskLimits,
    as_open_order,
    kill_plan,
    notional,
    position_worst_case,
)
from fixgw.messages import NewOrderSingle
from fixgw.messages.enums import OrdStatus, OrdType, Side
from fixgw.session.clock import FakeClock

BUY, SELL = Side.BUY, Side.SELL


def refused(limit_name: str):
    return pytest.raises(RiskLimitExceeded, match=rf"risk limit {limit_name} exceeded")


def oo(cl: str, side: Side, leaves: str, *, symbol: str = "MKT", status: OrdStatus | None = OrdStatus.NEW, **kw) -> OpenOrder:
    return OpenOrder(cl, symbol, side, D(leaves), status=status, **kw)


def test_notional_is_collateral_at_risk() -> None:
    assert notional(BUY, D(100), D("0.60")) == D("60.00")
    assert notional(SELL, D(100), D("0.60")) == D("40.00")
    assert notional("2", D("2.5"), D("0.1234")) == D("2.19150")


@pytest.mark.parametrize(
    ("dollars", "price", "limit"),
    [
        (False, "0.00", "price_band"),
        (False, "1.00", "price_band"),
        (False, "0.455", "price_tick"),
        (True, "0.00005", "price_band"),
        (True, "0.9999", None),
        (True, "0.0001", None),
        (True, "0.45555", "price_tick"),
        (True, "0.4555", None),
        (False, "0.01", None),
        (False, "0.99", None),
    ],
)
def test_price_grid(dollars: bool, price: str, limit: str | None) -> None:
    rc = RiskChecker(RiskLimits(use_dollars=dollars))
    if limit is None:
        rc.check_new("MKT", BUY, D(1), D(price))
    else:
        with refused(limit):
            rc.check_new("MKT", BUY, D(1), D(price))


def test_narrowed_band_and_error_values() -> None:
    rc = RiskChecker(RiskLimits(min_price=D("0.05"), max_price=D("0.95")))
    with pytest.raises(RiskLimitExceeded) as e:
        rc.check_new("MKT", BUY, D(1), D("0.04"))
    assert (e.value.limit_name, e.value.value, e.value.limit) == ("price_band", D("0.04"), D("0.05"))
    assert "below the minimum 0.05" in str(e.value)
    with refused("price_band"):
        rc.check_new("MKT", SELL, D(1), D("0.96"))
    rc.check_new("MKT", SELL, D(1), D("0.95"))
    with pytest.raises(ValueError, match="band is empty"):
        RiskLimits(min_price=D("0.6"), max_price=D("0.4"))


def test_quantity_and_float_inputs() -> None:
    rc = RiskChecker(RiskLimits(max_order_qty=D(100)))
    rc.check_new("MKT", BUY, D("99.5"), D("0.5"))
    rc.check_new("MKT", BUY, D(100), D("0.5"))
    with refused("max_order_qty"):
        rc.check_new("MKT", BUY, D("100.01"), D("0.5"))
    with refused("order_qty"):
        rc.check_new("MKT", BUY, D(0), D("0.5"))
    with pytest.raises(ValueError, match="never float"):
        rc.check_new("MKT", BUY, 1.5, D("0.5"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Side"):
        rc.check_new("MKT", "3", D(1), D("0.5"))


def test_notional_limit_by_side() -> None:
    rc = RiskChecker(RiskLimits(max_notional=D(50)))
    with pytest.raises(RiskLimitExceeded) as e:
        rc.check_new("MKT", BUY, D(100), D("0.60"))
    assert (e.value.limit_name, e.value.value, e.value.limit) == ("max_notional", D("60.00"), D(50))
    rc.check_new("MKT", SELL, D(100), D("0.60"))  # $40 at risk
    rc.check_new("MKT", BUY, D(100), D("0.50"))  # exactly at the limit


def test_max_open_orders_counts_only_open_ones() -> None:
    rc = RiskChecker(RiskLimits(max_open_orders=2))
    book = [oo("a", BUY, "1"), oo("b", BUY, "1", status=OrdStatus.FILLED)]
    rc.check_new("MKT", BUY, D(1), D("0.5"), open_orders=book)
    book.append(oo("c", SELL, "1", status=OrdStatus.PENDING_NEW))
    with pytest.raises(RiskLimitExceeded) as e:
        rc.check_new("MKT", BUY, D(1), D("0.5"), open_orders=book)
    assert (e.value.value, e.value.limit) == (3, 2)


def test_position_worst_case_in_the_orders_direction() -> None:
    book = [oo("a", BUY, "3"), oo("b", SELL, "4"), oo("c", BUY, "100", symbol="OTHER")]
    assert position_worst_case("MKT", BUY, D(2), book, D(5)) == D(10)
    assert position_worst_case("MKT", SELL, D(2), book, D(5)) == D(-1)
    rc = RiskChecker(RiskLimits(position_limit=D(10), position_limits={"WIDE": D(1000)}))
    pos = {"MKT": D(5)}
    rc.check_new("MKT", BUY, D(2), D("0.5"), open_orders=book, positions=pos)  # 5 + 3 + 2 = 10
    with pytest.raises(RiskLimitExceeded) as e:
        rc.check_new("MKT", BUY, D(3), D("0.5"), open_orders=book, positions=pos)
    assert (e.value.limit_name, e.value.value, e.value.limit) == ("position_limit", D(11), D(10))
    rc.check_new("MKT", SELL, D(11), D("0.5"), open_orders=book, positions=pos)  # 5 - 4 - 11 = -10
    with refused("position_limit"):
        rc.check_new("MKT", SELL, D(12), D("0.5"), open_orders=book, positions=pos)
    rc.check_new("WIDE", BUY, D(500), D("0.5"), positions={"WIDE": D(400)})  # per-market override
    # already over the limit: reducing orders still pass, adding ones do not
    rc.check_new("MKT", SELL, D(30), D("0.5"), positions={"MKT": D(50)})
    with refused("position_limit"):
        rc.check_new("MKT", BUY, D(1), D("0.5"), positions={"MKT": D(50)})


def test_kill_switch_blocks_new_and_replace() -> None:
    clock = FakeClock()
    ks = KillSwitch(clock)
    rc = RiskChecker(RiskLimits(), ks)
    rc.check_new("MKT", BUY, D(1), D("0.5"))
    assert ks.engage("ops: POST /kill") is True
    clock.advance(5)
    assert ks.engage("second") is False
    assert ks.to_dict() == {"engaged": True, "reason": "ops: POST /kill", "at": "2026-01-05T14:30:00+00:00"}
    with pytest.raises(RiskLimitExceeded, match="kill switch engaged at 2026-01-05T14:30:00.*POST /kill"):
        rc.check_new("MKT", BUY, D(1), D("0.5"))
    with refused("kill_switch"):
        rc.check_replace(oo("a", BUY, "1", price=D("0.5")), D(1), D("0.4"))
    ks.release()
    rc.check_new("MKT", BUY, D(1), D("0.5"))


def test_check_replace_uses_the_order_as_it_would_be() -> None:
    rc = RiskChecker(RiskLimits(max_order_qty=D(20), max_notional=D(6), position_limit=D(20)))
    order = {"cl_ord_id": "a", "symbol": "MKT", "side": "1", "order_qty": D(10), "cum_qty": D(4),
             "leaves_qty": D(6), "price": D("0.50"), "status": "1", "order_id": "O1"}  # fmt: skip
    book = [order, oo("b", BUY, "5")]
    # new total 16: leaves 12 @ 0.50 = $6; position 0 + 5 (b) + 12, the order itself not counted twice
    rc.check_replace(order, D(16), None, open_orders=book)
    with refused("max_order_qty"):
        rc.check_replace(order, D(21), None, open_orders=book)
    with pytest.raises(RiskLimitExceeded) as e:
        rc.check_replace(order, D(14), D("0.61"), open_orders=book)  # leaves 10 @ 0.61
    assert (e.value.limit_name, e.value.value) == ("max_notional", D("6.10"))
    with pytest.raises(RiskLimitExceeded) as e:
        rc.check_replace(order, D(16), D("0.30"), open_orders=book, positions={"MKT": D(5)})
    assert (e.value.limit_name, e.value.value) == ("position_limit", D(22))  # 5 + 5 + 12
    with refused("order_qty"):
        rc.check_replace(order, D(3), None)
    rc.check_replace(order, D(4), D("0.001"))  # equal to filled: a cancel, passes


def test_tracker_orders_are_accepted() -> None:
    tracker = OrderTracker()
    nos = NewOrderSingle(cl_ord_id="t1", order_qty=D(7), ord_type=OrdType.LIMIT, price=D("0.42"), side=SELL,
                         symbol="MKT", secondary_cl_ord_id="G1", alloc_account=3)  # fmt: skip
    state = tracker.on_new_order_sent(nos)
    o = as_open_order(state)
    assert (o.cl_ord_id, o.side, o.leaves_qty, o.status, o.order_group_id, o.alloc_account) == (
        "t1", SELL, D(7), OrdStatus.PENDING_NEW, "G1", 3,
    )  # fmt: skip
    rc = RiskChecker(RiskLimits(max_open_orders=1))
    with refused("max_open_orders"):
        rc.check_new("MKT", BUY, D(1), D("0.5"), open_orders=tracker.open_orders())


def test_kill_plan_per_session_type() -> None:
    book = [
        oo("a", BUY, "1", order_id="O1", order_group_id="G1", alloc_account=2),
        oo("b", SELL, "2", order_id="O2", order_group_id="G1", alloc_account=2),
        oo("c", SELL, "2", order_group_id="G2"),
        oo("d", BUY, "0", status=OrdStatus.CANCELED, order_group_id="G3"),
    ]
    nr = kill_plan("KalshiNR", book)
    assert nr.mass_cancel and nr.cancels == () and nr.group_triggers == ()
    rt = kill_plan("KalshiRT", book)
    assert not rt.mass_cancel
    assert rt.cancels == (
        CancelTarget("a", "MKT", BUY, "O1", 2), CancelTarget("b", "MKT", SELL, "O2", 2), CancelTarget("c", "MKT", SELL),
    )  # fmt: skip
    assert rt.group_triggers == (("G1", 2), ("G2", None))
    assert rt.to_dict()["cancels"][0] == {"orig_cl_ord_id": "a", "order_id": "O1", "symbol": "MKT", "side": "1", "alloc_account": 2}
    assert kill_plan("KalshiDC", book).empty
    assert kill_plan("KalshiRT", book, listener=True).empty
    assert kill_plan("KalshiRT", []).empty


def test_limits_from_config_and_validation() -> None:
    from fixgw.gateway.config import RiskConfig

    lim = RiskLimits.from_config(RiskConfig(max_order_qty=D(5), max_open_orders=3, position_limit=D(9)), use_dollars=True)
    assert (lim.max_order_qty, lim.max_open_orders, lim.position_limit, lim.tick) == (D(5), 3, D(9), D("0.0001"))
    with pytest.raises(ValueError, match="max_notional must be > 0"):
        RiskLimits(max_notional=D(0))
    with pytest.raises(ValueError, match="max_open_orders"):
        RiskLimits(max_open_orders=0)


def test_kill_plan_order_groups_alias() -> None:
    plan = kill_plan("KalshiRT", [oo("a", BUY, "1", order_group_id="G")])
    assert plan.order_groups == plan.group_triggers == (("G", None),)
