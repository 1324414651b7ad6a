"""Objects the hot paths build without ``__init__`` (``fixgw.sim.exchange.frozen``) are the ones
``__init__`` would build: every field set, equal, same repr and hash, frozen where the class is.
Also the other per-order shortcuts: id formatting, the ClOrdID index, account refs, price-grid
and quantity fast paths."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

import pytest
from sim_orders_harness import BUY, SELL, SKIP, D, deliver, logon, make_app

from fixgw.hotpath import blank_factory
from fixgw.messages import ExecutionReport, NewOrderSingle, OrderCancelRequest, enums
from fixgw.sim.exchange.accounts import AccountRef, Accounts
from fixgw.sim.exchange.events import CollateralChange, ExecutionEvent, Fill
from fixgw.sim.exchange.fees import FeeBreakdown, round_fill
from fixgw.sim.exchange.frozen import draft
from fixgw.sim.exchange.ids import ExecIdGenerator, uuid_ids
from fixgw.sim.exchange.markets import PriceGrid
from fixgw.sim.exchange.orders import NewOrder, OrderState, Side, TimeInForce
from fixgw.sim.exchange.testkit import make_exchange, order
from fixgw.sim.reports import ReportFlags, qty, render_execution_events


def _fields(obj: object) -> dict[str, object]:
    """Every field's value; AttributeError if a builder left one unset."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # type: ignore[arg-type]


def assert_as_init_builds(obj: object) -> None:
    cls = type(obj)
    again = cls(**_fields(obj))
    assert again == obj and repr(again) == repr(obj)
    if cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        assert hash(again) == hash(obj)
        name = dataclasses.fields(obj)[0].name  # type: ignore[arg-type]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, None)


def _trading_exchange():
    ex, clock = make_exchange()
    events = []
    events += ex.submit(order("mm", "m1", Side.SELL_NO, "0.40", 5, party_id="P1", subaccount=2))
    events += ex.submit(order("mm", "m2", Side.SELL_NO, "0.45", 5))
    events += ex.submit(order("tk", "t1", Side.BUY_YES, "0.45", 12, time_in_force=TimeInForce.IOC))
    events += ex.submit(order("tk", "t2", Side.BUY_YES, "0.30", 2, time_in_force=TimeInForce.DAY))
    return ex, events


def test_draft_refuses_classes_it_cannot_build():
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(slots=True)
    class NotFrozen:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls in (NoSlots, NotFrozen, Checked):
        with pytest.raises(TypeError, match=cls.__name__):
            draft(cls)
    with pytest.raises(TypeError, match="NoSlots"):
        blank_factory(NoSlots)  # frozen


def test_blank_factory_gives_defaults_and_fresh_lists():
    blank = blank_factory(ExecutionReport)
    a, b = blank(), blank()
    assert a.party_ids == [] and a.party_ids is not b.party_ids
    assert a.last_px is None and a.header is None
    with pytest.raises(AttributeError):
        _ = a.cl_ord_id  # required: left for the caller


def test_engine_events_and_snapshots_are_what_init_builds():
    ex, events = _trading_exchange()
    kinds = {type(e).__name__ for e in events}
    assert {"OrderAccepted", "Fill", "OrderCanceled"} <= kinds
    for e in events:
        assert isinstance(e, ExecutionEvent)
        assert_as_init_builds(e)
        assert_as_init_builds(e.order)
        assert_as_init_builds(e.exec_id)
        assert type(e.order) is OrderState
    fills = [e for e in events if isinstance(e, Fill)]
    for f in fills:
        assert_as_init_builds(f.fee)
        for c in f.collateral_changes:
            assert_as_init_builds(c)
    # replaces and expiries too
    ex2, clock = make_exchange()
    ex2.submit(order("a", "x1", Side.BUY_YES, "0.20", 3))
    from fixgw.sim.exchange import ReplaceOrder

    for e in ex2.replace(
        ReplaceOrder(account="a", cl_ord_id="x2", orig_cl_ord_id="x1", qty=D(4), price=D("0.25"))
    ):
        assert_as_init_builds(e)
    assert ex2.open_orders("a")[0] == ex2.order(ex2.open_orders("a")[0].order_id)


def test_orders_are_built_with_every_field():
    ex, _ = _trading_exchange()
    for o in ex._orders.values():  # the engine's own orders (built from a blank)
        rebuilt = type(o)(**_fields(o))
        assert repr(rebuilt) == repr(o)


def test_exec_ids_fees_and_collateral_from_their_builders():
    gen = ExecIdGenerator(9)
    first, second = gen.next(), gen.next()
    assert_as_init_builds(first)
    assert first < second and str(second) == "9;2"
    fee = round_fill(D("-0.47"), D("0.017325"), D("0.006"))
    assert_as_init_builds(fee)
    assert isinstance(fee, FeeBreakdown) and fee.net_balance_change == D("-0.49") + fee.rebate
    assert CollateralChange(D("1")) == CollateralChange(D("1"), "BALANCE")


async def test_the_apps_new_order_request_has_every_field():
    app, _ = make_app()
    seen: list[NewOrder] = []
    submit = app.engine.submit

    def spy(req: NewOrder):
        seen.append(req)
        return submit(req)

    app.engine.submit = spy  # type: ignore[method-assign]
    a = logon(app, "A", **SKIP)
    await deliver(
        app,
        a,
        NewOrderSingle(
            cl_ord_id="c1",
            order_qty=D("3"),
            ord_type=enums.OrdType.LIMIT,
            price=D("0.40"),
            side=BUY,
            symbol="MKT-A",
            time_in_force=enums.TimeInForce.GTC,
            alloc_account=3,
            self_trade_prevention_type=enums.SelfTradePreventionType.MAKER,
        ),
    )
    [req] = seen
    assert_as_init_builds(req)
    assert (req.side, req.time_in_force, req.stp_type, req.subaccount) == (1, 1, 2, 3)
    assert req.session_id == "KalshiNR:A" and req.valid_until is None


def test_reports_are_what_init_builds():
    _, events = _trading_exchange()
    for flags in (ReportFlags(), ReportFlags(use_dollars=True, preserve_order_qty=True)):
        for er in render_execution_events(events, flags):
            assert ExecutionReport(**_fields(er)) == er


# ---- ids -----------------------------------------------------------------------------------


def test_uuid_ids_are_uuid4_strings():
    make = uuid_ids()
    got = [make() for _ in range(2000)]
    assert len(set(got)) == len(got)
    for text in got:
        u = uuid.UUID(text)
        assert str(u) == text and u.version == 4 and u.variant == uuid.RFC_4122


# ---- the ClOrdID index ---------------------------------------------------------------------


def _scan(ex, account: str, cl_ord_id: str, order_id: str | None = None):
    """What KalshiExchangeApp._find_open did: a scan of open_orders(account)."""
    mine = ex.open_orders(account)
    for o in mine:
        if o.cl_ord_id == cl_ord_id:
            return o
    for o in mine:
        if order_id is not None and o.order_id == order_id:
            return o
    return None


def test_open_order_matches_a_scan_of_open_orders():
    from fixgw.sim.exchange import CancelOrder, ReplaceOrder

    ex, _ = make_exchange()
    ex.submit(order("a", "c1", Side.BUY_YES, "0.20", 3))
    ex.submit(order("a", "c2", Side.BUY_YES, "0.21", 3))
    ex.submit(order("b", "c1", Side.SELL_NO, "0.90", 3))
    ex.replace(ReplaceOrder(account="a", cl_ord_id="c3", orig_cl_ord_id="c2", qty=D(4)))
    c1 = ex.open_orders("a")[0]
    for account, cl, oid in [
        ("a", "c1", None),
        ("a", "c2", None),  # renamed: gone under its old ClOrdID
        ("a", "c3", None),
        ("a", "zz", c1.order_id),
        ("b", "zz", c1.order_id),  # another account's order id
        ("b", "c1", None),
        ("c", "c1", None),
    ]:
        assert ex.open_order(account, cl, oid) == _scan(ex, account, cl, oid)
    ex.cancel(CancelOrder(account="a", cl_ord_id="x", orig_cl_ord_id="c1"))
    assert ex.open_order("a", "c1") is None and ex.open_order("a", "x") is None


def test_open_order_when_a_cancel_reuses_an_open_orders_cl_ord_id():
    from fixgw.sim.exchange import CancelOrder

    ex, _ = make_exchange()
    ex.submit(order("a", "keep", Side.BUY_YES, "0.20", 3))
    ex.submit(order("a", "gone", Side.BUY_YES, "0.21", 3))
    # the cancel takes ClOrdID "keep", which an open order still has; then a new order takes it
    ex.cancel(CancelOrder(account="a", cl_ord_id="keep", orig_cl_ord_id="gone"))
    ex.submit(order("a", "keep", Side.BUY_YES, "0.22", 3))
    first = ex.open_order("a", "keep")
    assert first == _scan(ex, "a", "keep")
    assert first is not None and first.price == D("0.20")  # the older one, as the scan says


async def test_pending_cancel_describes_the_order_found_by_cl_ord_id():
    app, _ = make_app()
    a = logon(app, "A")  # pending reports on
    nos = NewOrderSingle(
        cl_ord_id="c1",
        order_qty=D("2"),
        ord_type=enums.OrdType.LIMIT,
        price=D("0.30"),
        side=SELL,
        symbol="MKT-A",
        time_in_force=enums.TimeInForce.GTC,
    )
    await deliver(app, a, nos)
    a.take()
    await deliver(
        app, a, OrderCancelRequest(cl_ord_id="c2", orig_cl_ord_id="c1", side=SELL, symbol="MKT-A")
    )
    pending, canceled = a.take()
    assert (pending.exec_type, pending.orig_cl_ord_id, pending.leaves_qty) == (
        enums.ExecType.PENDING_CANCEL,
        "c1",
        D("2"),
    )
    assert canceled.exec_type is enums.ExecType.CANCELED


# ---- accounts, grids, quantities -----------------------------------------------------------


def test_resolved_refs_are_shared_and_hash_as_their_fields():
    accounts = Accounts()
    ref = accounts.resolve("a", 1, None)
    assert ref is accounts.resolve("a", 1, None)
    assert ref == AccountRef("a", 1) and hash(ref) == hash(("a", 1, None))
    odd = accounts.resolve("a", True, None)  # type: ignore[arg-type]
    assert isinstance(odd, AccountRef) and odd.subaccount is True  # kept as passed


def test_price_grid_answers_the_same_once_prices_are_known():
    grid = PriceGrid.named("tapered_deci_cent")
    prices = ["0.5", "0.50", "0.505", "0.055", "0.05", "0.955", "1", "0", "-0.5", "NaN", "0.0550"]
    first = [grid.is_valid(Decimal(p)) for p in prices]
    assert first == [grid.is_valid(Decimal(p)) for p in prices]
    assert first == [True, True, False, True, True, True, False, False, False, False, True]
    assert not grid.is_valid(Decimal("sNaN"))


@pytest.mark.parametrize(
    ("value", "text"),
    [("1", "1.00"), ("1.00", "1.00"), ("1.5", "1.50"), ("0.125", "0.125"), ("-0", "-0.00"),
     ("1E+1", "10.00"), ("2.000", "2.000"), ("0E-5", "0.00000")],
)  # fmt: skip
def test_qty_fast_paths_agree_with_the_rule(value, text):
    assert format(qty(Decimal(value)), "f") == text
