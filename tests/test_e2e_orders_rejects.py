"""Every Text/OrdRejReason pair of the Order Entry page ("Text Field Values (58)") and every
OrderCancelReject pair, reached end to end and raised by the client as typed errors."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import e2e_orders_harness as harness
import pytest
from e2e_orders_harness import BUY, MKT, SELL, D, Env, env_factory

from fixgw.app import CancelRejected, OrderRejected
from fixgw.messages import enums
from fixgw.sim.exchange import AccountConfig, MarketConfig, NewOrder
from fixgw.sim.exchange.testkit import T0

TIF = enums.TimeInForce
R = enums.OrdRejReason
SKIP = {"skip_pending_exec_reports": True}

Setup = Callable[[Env, Any], Awaitable[dict[str, Any]]]

env = harness.env
key_pool = harness.key_pool


async def _fault(env: Env, a: Any) -> dict[str, Any]:
    env.app.set_faults(exchange_unavailable=True)
    return {}


async def _closed(env: Env, a: Any) -> dict[str, Any]:
    env.app.close_market(MKT)
    return {}


async def _inactive(env: Env, a: Any) -> dict[str, Any]:
    env.app.deactivate_market(MKT)
    return {}


async def _no_market(env: Env, a: Any) -> dict[str, Any]:
    return {"symbol": "no such market"}


async def _duplicate(env: Env, a: Any) -> dict[str, Any]:
    env.link("A2", "A")  # a second key of the same account
    a2, _ = await env.client("A2", **SKIP)
    await a2.place_order(MKT, BUY, D(1), D("0.10"), tif=TIF.GTC, cl_ord_id="dup-1")
    return {"cl_ord_id": "dup-1"}


async def _group_triggered(env: Env, a: Any) -> dict[str, Any]:
    gid = await a.groups.create(5)
    await a.groups.trigger(gid)
    return {"order_group_id": gid}


async def _balance(env: Env, a: Any) -> dict[str, Any]:
    env.app.set_balance(env.uuid("A"), D("0.50"))
    return {}


async def _exchange_paused(env: Env, a: Any) -> dict[str, Any]:
    env.app.pause_exchange()
    return {}


async def _trading_paused(env: Env, a: Any) -> dict[str, Any]:
    env.app.pause_market(MKT)
    return {}


async def _invalid(env: Env, a: Any) -> dict[str, Any]:
    return {"tif": TIF.GTD}  # GTD without ExpireTime (126)


async def _group_missing(env: Env, a: Any) -> dict[str, Any]:
    return {"order_group_id": str(uuid.uuid4())}


async def _market_limit(env: Env, a: Any) -> dict[str, Any]:
    env.app.list_market(MarketConfig("LIM-1", position_limit=D(5)))
    return {"symbol": "LIM-1", "qty": D(6)}


async def _sell_floor(env: Env, a: Any) -> dict[str, Any]:
    b, _ = await env.client("B", **SKIP)
    await b.place_order(MKT, SELL, D(2), D("0.40"), tif=TIF.GTC)
    await a.place_order(MKT, BUY, D(2), D("0.40"), tif=TIF.GTC)  # A holds 2 yes
    return {"side": SELL, "qty": D(3)}  # selling 3 would take it below the floor of 0


async def _no_subaccount(env: Env, a: Any) -> dict[str, Any]:
    return {"alloc_account": 40}


async def _party_of_another(env: Env, a: Any) -> dict[str, Any]:
    party = str(uuid.uuid4())
    b, _ = await env.client("B", **SKIP)
    await b.place_order(MKT, BUY, D(1), D("0.10"), tif=TIF.GTC, party_id=party)
    return {"party_id": party}


async def _post_only(env: Env, a: Any) -> dict[str, Any]:
    b, _ = await env.client("B", **SKIP)
    await b.place_order(MKT, SELL, D(1), D("0.40"), tif=TIF.GTC)
    return {"post_only": True}


async def _bad_quantity(env: Env, a: Any) -> dict[str, Any]:
    return {"qty": D("0.001")}


# (Text 58, OrdRejReason 103) as fix__order-entry.md pairs them; the quantity one is the sim's.
CASES: list[tuple[str, R, Setup]] = [
    ("EXCHANGE_UNAVAILABLE", R.OTHER, _fault),
    ("MARKET_ALREADY_CLOSED", R.EXCHANGE_CLOSED, _closed),
    ("MARKET_INACTIVE", R.EXCHANGE_CLOSED, _inactive),
    ("MARKET_NOT_FOUND", R.UNKNOWN_SYMBOL, _no_market),
    ("ORDER_ALREADY_EXISTS", R.DUPLICATE_ORDER, _duplicate),
    ("EXCEEDED_ORDER_GROUP_RISK_LIMIT", R.ORDER_EXCEEDS_LIMIT, _group_triggered),
    ("INSUFFICIENT_BALANCE", R.ORDER_EXCEEDS_LIMIT, _balance),
    ("EXCHANGE_PAUSED", R.EXCHANGE_CLOSED, _exchange_paused),
    ("TRADING_PAUSED", R.EXCHANGE_CLOSED, _trading_paused),
    ("INVALID_ORDER", R.UNSUPPORTED_ORDER_CHARACTERISTIC, _invalid),
    ("ORDER_GROUP_NOT_FOUND", R.UNSUPPORTED_ORDER_CHARACTERISTIC, _group_missing),
    ("EXCEEDED_PER_MARKET_RISK_LIMIT", R.ORDER_EXCEEDS_LIMIT, _market_limit),
    ("EXCEEDED_SELL_POSITION_FLOOR", R.ORDER_EXCEEDS_LIMIT, _sell_floor),
    ("CUSTOMER_ACCOUNT_NOT_FOUND", R.UNKNOWN_ACCOUNT, _no_subaccount),
    ("PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT", R.UNKNOWN_ACCOUNT, _party_of_another),
    ("POST_ONLY_CROSS", R.OTHER, _post_only),
    ("INVALID_ORDER", R.INCORRECT_QUANTITY, _bad_quantity),
]


@pytest.mark.parametrize(
    ("text", "reason", "setup"), CASES, ids=[f"{c[0]}-{c[1].value}" for c in CASES]
)
async def test_order_reject(key_pool, text, reason, setup):
    floor = {key_pool["A"].uuid: AccountConfig(sell_position_floor=D(0))}
    async with env_factory(key_pool, accounts=floor) as env:
        a, rec = await env.client("A")  # pending reports on: PENDING_NEW, then Rejected
        kw = await setup(env, a)
        args = {"symbol": MKT, "side": BUY, "qty": D(2), "price": D("0.40"), "tif": TIF.GTC} | kw
        mark = rec.mark()
        with pytest.raises(OrderRejected) as exc:
            await a.place_order(
                args.pop("symbol"), args.pop("side"), args.pop("qty"), args.pop("price"), **args
            )
        assert (exc.value.text, exc.value.ord_rej_reason) == (text, reason)
        reports = rec.reports(mark)
        assert [(r.exec_type.value, r.ord_status.value) for r in reports] == [
            ("A", "A"),
            ("8", "8"),
        ]
        assert reports[0].exec_id == "-1;-1" and reports[1].exec_id != "-1;-1"


async def test_stale_order_reject_reaches_the_account(env):
    """EXPIRED / Stale order (8) comes from RFQ quotes, not from a NewOrderSingle: entered here
    through the control API, it still reaches the account's sessions as a Rejected report."""
    a, rec = await env.client("A", **SKIP)
    env.app.place_order(
        NewOrder(
            account=env.uuid("A"),
            cl_ord_id="q-1",
            symbol=MKT,
            side=1,
            price=D("0.40"),
            qty=D(1),
            valid_until=T0.replace(year=2025),
        )
    )
    er = await rec.wait_for(lambda m: m.MSG_TYPE == "8")
    assert (er.text, er.ord_rej_reason, er.exec_type) == (
        "EXPIRED",
        R.STALE_ORDER,
        enums.ExecType.REJECTED,
    )
    assert a.orders.find("q-1").status is enums.OrdStatus.REJECTED


async def test_cancel_reject_pairs(env):
    """OrderCancelReject table: INVALID_AMEND_QTY_FOR_ORDER / Broker (in test_e2e_orders_basic),
    CANNOT_UPDATE_FILLED_ORDER / Broker and SELF_CROSS_ATTEMPT / Invalid price increment."""
    a, _ = await env.client("A", **SKIP)
    b, _ = await env.client("B", **SKIP)
    filled = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    await b.place_order(MKT, SELL, D(1), D("0.40"), tif=TIF.GTC)
    assert filled.status is enums.OrdStatus.FILLED
    with pytest.raises(CancelRejected) as exc:
        await a.replace(filled.cl_ord_id, qty=D(2))
    assert (exc.value.text, exc.value.cxl_rej_reason) == (
        "CANNOT_UPDATE_FILLED_ORDER",
        enums.CxlRejReason.BROKER,
    )

    bid = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    await a.place_order(MKT, SELL, D(1), D("0.50"), tif=TIF.GTC)
    with pytest.raises(CancelRejected) as exc:
        await a.replace(bid.cl_ord_id, price=D("0.50"))
    assert (exc.value.text, exc.value.cxl_rej_reason) == (
        "SELF_CROSS_ATTEMPT",
        enums.CxlRejReason.INVALID_PRICE_INCREMENT,
    )
    assert bid.status is enums.OrdStatus.NEW and bid.price == D("0.40")

    env.app.pause_exchange()
    with pytest.raises(CancelRejected) as exc:
        await a.cancel(bid.cl_ord_id)
    assert (exc.value.text, exc.value.cxl_rej_reason) == (
        "EXCHANGE_PAUSED",
        enums.CxlRejReason.OTHER,
    )
