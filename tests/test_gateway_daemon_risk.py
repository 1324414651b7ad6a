"""Risk refusals, the kill switch and the rate budget in a running gateway: a refused order
raises ``RiskLimitExceeded`` naming the limit, and nothing reaches the wire."""

from __future__ import annotations

from decimal import Decimal

import gateway_harness as h
import pytest
from gateway_harness import Spec

from fixgw.app import RiskLimitExceeded
from fixgw.gateway.daemon import Gateway, GatewayError
from fixgw.gateway.ratelimit import Policy, RateLimiter
from fixgw.messages import enums
from fixgw.sim.exchange.markets import MarketConfig, PriceGrid
from fixgw.sim.exchange.orders import CancelOrder

gwenv = h.gwenv
key_pool = h.key_pool
BUY, SELL, D = h.BUY, h.SELL, h.D

SUBPENNY = "KXGW-26DEC31-DECI"
RISK = {"max_order_qty": 10, "max_notional": "5", "max_open_orders": 3, "position_limit": 8}
DOLLARS_AND_CENTS = (
    Spec("rt", "KalshiRT", "rt", {"use_dollars": True}),  # subpenny grid
    Spec("nr", "KalshiNR", "nr"),  # whole cents
)


def risk_config(**over: object) -> dict[str, object]:
    return RISK | over


def wire(gw: Gateway, session: str) -> tuple[int, int, int]:
    """What the session has sent: (next MsgSeqNum, orders tracked, NewOrderSingles journalled)."""
    gw.journal.flush()
    rt = gw.sessions[session]
    sent = h.journal_rows(
        gw.config.journal_path, "direction = 'out' AND msg_type = 'D' AND session_id = ?", (rt.session_id,)
    )
    return rt.client.session.next_sender_seq, len(rt.client.orders), len(sent)


async def refused(gw: Gateway, session: str, limit: str, qty: Decimal, price: Decimal, side: enums.Side = BUY) -> RiskLimitExceeded:
    before = wire(gw, session)
    with pytest.raises(RiskLimitExceeded) as ei:
        await gw.place_order(session, h.MKT, side, qty, price)
    assert ei.value.limit_name == limit, str(ei.value)
    assert wire(gw, session) == before  # nothing sent, nothing tracked
    return ei.value


async def test_limits_refuse_before_the_wire(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway(DOLLARS_AND_CENTS, risk=risk_config())
    e = await refused(gw, "rt", "max_order_qty", D(11), D("0.10"))
    assert (e.value, e.limit) == (D(11), D(10))
    e = await refused(gw, "rt", "max_notional", D(10), D("0.51"))  # $5.10 at risk
    assert e.value == D("5.10") and e.limit == D(5)
    e = await refused(gw, "rt", "max_notional", D(10), D("0.49"), side=SELL)  # sell Yes = buy No at 0.51
    assert e.value == D("5.10")
    await refused(gw, "rt", "order_qty", D(0), D("0.10"))

    # price grid: subpenny on the UseDollars session, whole cents on the other
    await refused(gw, "rt", "price_band", D(1), D("0.99995"))
    await refused(gw, "rt", "price_band", D(1), D("1.00"))
    await refused(gw, "rt", "price_band", D(1), D("0"))
    await refused(gw, "rt", "price_tick", D(1), D("0.12345"))
    gwenv.app.list_market(MarketConfig(SUBPENNY, grid=PriceGrid.linear(D("0.001"))))
    ok = await gw.place_order("rt", SUBPENNY, BUY, D(1), D("0.123"))
    assert ok.status is enums.OrdStatus.NEW and ok.price == D("0.123")
    e = await refused(gw, "nr", "price_tick", D(1), D("0.123"))
    assert "whole cents" in str(e)
    await refused(gw, "nr", "price_band", D(1), D("0.995"))
    await refused(gw, "nr", "price_band", D(1), D("0.001"))
    ok = await gw.place_order("nr", h.MKT, BUY, D(1), D("0.12"))
    assert ok.status is enums.OrdStatus.NEW

    # max_open_orders counts this session's open orders (of every market)
    await gw.place_order("rt", h.MKT, BUY, D(1), D("0.11"))
    await gw.place_order("rt", h.MKT, BUY, D(1), D("0.10"))
    e = await refused(gw, "rt", "max_open_orders", D(1), D("0.09"))
    assert (e.value, e.limit) == (4, 3)
    # the exchange saw exactly the orders that passed
    assert len(gwenv.app.engine.open_orders(gwenv.uuid("rt"))) == 3
    assert len(gwenv.app.engine.open_orders(gwenv.uuid("nr"))) == 1
    rejects = gw.metrics.rejects.value(kind="risk")
    assert rejects == 12


async def test_position_limit_counts_fills_and_open_orders(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway(DOLLARS_AND_CENTS[:1], risk=risk_config(max_notional="100"))
    gwenv.seed(SELL, 5, "0.50")
    filled = await gw.place_order("rt", h.MKT, BUY, D(5), D("0.50"))
    assert filled.status is enums.OrdStatus.FILLED
    assert gw.positions("rt") == {h.MKT: D(5)}
    await gw.place_order("rt", h.MKT, BUY, D(2), D("0.30"))  # rests: worst case 7
    e = await refused(gw, "rt", "position_limit", D(2), D("0.30"))  # 5 + 2 + 2 = 9 > 8
    assert (e.value, e.limit) == (D(9), D(8))
    # selling reduces the exposure: allowed even though the order is large
    sell = await gw.place_order("rt", h.MKT, SELL, D(9), D("0.90"))
    assert sell.status is enums.OrdStatus.NEW


async def test_replace_is_checked_as_the_order_it_would_become(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway(DOLLARS_AND_CENTS[:1], risk=risk_config())
    order = await gw.place_order("rt", h.MKT, BUY, D(5), D("0.40"))
    first_id = order.cl_ord_id
    before = wire(gw, "rt")
    with pytest.raises(RiskLimitExceeded) as ei:
        await gw.replace("rt", first_id, qty=D(11))
    assert ei.value.limit_name == "max_order_qty"
    with pytest.raises(RiskLimitExceeded) as ei:
        await gw.replace("rt", first_id, price=D("1.2"))
    assert ei.value.limit_name == "price_band"
    assert gw.sessions["rt"].client.session.next_sender_seq == before[0]  # nothing sent
    replaced = await gw.replace("rt", first_id, qty=D(8), price=D("0.45"))
    assert (replaced.order_qty, replaced.price, replaced.status) == (D(8), D("0.45"), enums.OrdStatus.NEW)
    (at_exchange,) = gwenv.app.engine.open_orders(gwenv.uuid("rt"))
    assert (at_exchange.order_qty, at_exchange.price) == (D(8), D("0.45"))
    with pytest.raises(GatewayError, match="no session named 'xx'; configured: rt"):
        await gw.place_order("xx", h.MKT, BUY, D(1), D("0.10"))
    with pytest.raises(GatewayError, match="unknown order 'nope' on rt"):
        await gw.replace("rt", "nope", qty=D(1))


async def test_kill_switch_cancels_everything_and_refuses_new_orders(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway(h.THREE, risk=risk_config(max_open_orders=10))
    rt_orders = [await gw.place_order("rt", h.MKT, BUY, D(1), D(p)) for p in ("0.10", "0.11")]
    nr_orders = [await gw.place_order("nr", h.MKT, BUY, D(1), D(p)) for p in ("0.12", "0.13")]
    assert len(gw.open_orders()) == 4
    rt_ids = sorted(o.cl_ord_id for o in rt_orders)  # an order's cl_ord_id moves to its cancel's
    before_nr = gw.sessions["nr"].client.session.next_sender_seq

    result = await gw.kill("test: flatten")
    assert result["kill_switch"]["engaged"] and result["kill_switch"]["reason"] == "test: flatten"
    assert result["sessions"]["nr"]["plan"]["mass_cancel"] is True
    assert result["sessions"]["nr"]["plan"]["cancels"] == []
    assert sorted(c["orig_cl_ord_id"] for c in result["sessions"]["rt"]["plan"]["cancels"]) == rt_ids
    assert result["sessions"]["dc"]["plan"]["mass_cancel"] is False
    assert all(not s["errors"] for s in result["sessions"].values())

    # at the exchange: nothing open for either account
    assert gwenv.app.engine.open_orders(gwenv.uuid("rt")) == []
    await h.wait_until(lambda: gwenv.app.engine.open_orders(gwenv.uuid("nr")) == [], what="NR flat at the exchange")
    await h.wait_until(lambda: gw.open_orders() == [], what="the gateway sees every order closed")
    for o in rt_orders + nr_orders:
        assert o.status is enums.OrdStatus.CANCELED

    gw.journal.flush()
    sent = {
        (r["session_id"].split(":")[0], r["msg_type"])
        for r in h.journal_rows(gw.config.journal_path, "direction = 'out' AND msg_type IN ('q', 'F')")
    }
    assert sent == {("KalshiNR", "q"), ("KalshiRT", "F")}
    rt_cancels = h.journal_rows(gw.config.journal_path, "direction = 'out' AND msg_type = 'F'")
    assert sorted(r["orig_cl_ord_id"] for r in rt_cancels) == rt_ids
    assert gw.sessions["nr"].client.session.next_sender_seq == before_nr + 1  # one mass cancel

    for session in ("rt", "nr"):
        e = await refused(gw, session, "kill_switch", D(1), D("0.10"))
        assert "test: flatten" in str(e)
    with pytest.raises(RiskLimitExceeded) as ei:
        await gw.replace("rt", rt_orders[0].cl_ord_id, price=D("0.20"))
    assert ei.value.limit_name == "kill_switch"
    # a second kill changes nothing and sends nothing
    again = await gw.kill("again")
    assert again["kill_switch"]["reason"] == "test: flatten"
    assert all(s["plan"]["cancels"] == [] for s in again["sessions"].values())


async def test_kill_keeps_cancelling_after_one_cancel_is_rejected(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway(h.THREE[:1], risk=risk_config(max_open_orders=10))
    orders = [await gw.place_order("rt", h.MKT, BUY, D(1), D(p)) for p in ("0.10", "0.11", "0.12")]
    # the exchange closes the first one without telling the session (its cancel will be refused)
    gwenv.app.engine.cancel(
        CancelOrder(account=gwenv.uuid("rt"), cl_ord_id="ops-desk-1", orig_cl_ord_id=orders[0].cl_ord_id)
    )
    result = await gw.kill("flatten")
    errors = result["sessions"]["rt"]["errors"]
    assert len(errors) == 1 and orders[0].cl_ord_id in errors[0]
    assert gwenv.app.engine.open_orders(gwenv.uuid("rt")) == []
    assert orders[1].status is enums.OrdStatus.CANCELED and orders[2].status is enums.OrdStatus.CANCELED


async def test_refuse_policy_rate_budget(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway(h.THREE[:1], risk=risk_config(max_open_orders=10))
    gw.rate = RateLimiter("basic", policy=Policy.REFUSE, rate=D(1), capacity=D(10))  # one order's worth
    await gw.place_order("rt", h.MKT, BUY, D(1), D("0.10"))
    e = await refused(gw, "rt", "rate_limit", D(1), D("0.11"))
    assert e.value == 10 and e.limit < 10
    assert gw.metrics.rejects.value(kind="rate_limit") == 1
    assert len(gwenv.app.engine.open_orders(gwenv.uuid("rt"))) == 1
