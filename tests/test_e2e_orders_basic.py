"""Order entry end to end: KalshiClient -> TLS -> Simulator -> KalshiExchangeApp -> engine."""

from __future__ import annotations

from e2e_orders_harness import BUY, MKT, SELL, D, env, key_pool, kinds  # noqa: F401

from fixgw.messages import enums


async def test_place_and_ack(env):
    a, rec = await env.client("A", skip_pending_exec_reports=True)
    order = await a.place_order(MKT, BUY, D(10), D("0.40"), tif=enums.TimeInForce.GTC)
    assert order.status is enums.OrdStatus.NEW and order.order_id
    assert order.leaves_qty == D(10) and order.cum_qty == 0
    assert kinds(rec.reports()) == ["8:0/0"]
