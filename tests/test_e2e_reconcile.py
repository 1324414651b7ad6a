"""Reconciliation: a KalshiNR client that was away while its resting order filled (NR has no
resend) settles the order from KalshiDC after it reconnects, and is told what changed."""

from __future__ import annotations

import asyncio

import e2e_orders_harness as harness
from e2e_orders_harness import BUY, MKT, SELL, D

from fixgw.app import ClientConfig, KalshiClient, ReconcileResult
from fixgw.messages import enums
from fixgw.transport import Backoff

env = harness.env
key_pool = harness.key_pool


async def test_nr_order_filled_while_away_is_settled_from_drop_copy(env):
    env.link("dc", "nr")  # the drop copy key sees the trader's account
    dc, _ = await env.client("dc", "KalshiDC")
    key = env.keys["nr"]
    env.sim.register_key(key.uuid, key.pub_path)
    nr = KalshiClient(
        ClientConfig(
            session_type="KalshiNR", api_key=key.uuid, endpoint=env.sim.endpoint("KalshiNR"),
            private_key=key.private_key, backoff=Backoff(base=0.02, cap=0.05), reconcile_via=dc,
            request_timeout=5.0,
        )
    )  # fmt: skip
    env.clients.append(nr)
    reconciled: asyncio.Future[ReconcileResult] = asyncio.get_running_loop().create_future()
    nr.on_reconciled.append(lambda r: reconciled.done() or reconciled.set_result(r))
    await nr.start()
    order = await nr.place_order(MKT, SELL, D(5), D("0.60"))
    pending = await nr.place_order(MKT, SELL, D(1), D("0.90"), wait=False)  # no answer before the drop

    env.sim.keys.remove(key.uuid)  # while we are away the exchange refuses our logons
    conn = nr.initiator.connection
    env.sim.session(key.uuid, "KalshiNR").drop()
    await asyncio.wait_for(conn.closed.wait(), 5)

    taker, _ = await env.client("taker")
    assert (await taker.place_order(MKT, BUY, D(5), D("0.60"))).status is enums.OrdStatus.FILLED

    env.sim.register_key(key.uuid, key.pub_path)  # back: the client logs on by itself
    result = await asyncio.wait_for(reconciled, 10)
    assert result.error is None
    filled = nr.orders.find(order.cl_ord_id)
    assert filled.status is enums.OrdStatus.FILLED and filled.cum_qty == D(5)
    assert filled in result.changed
    assert not filled.uncertain
    # the order sent just before the drop: whether it reached the exchange decides its fate
    p = nr.orders.find(pending.cl_ord_id)
    assert p.status in (enums.OrdStatus.NEW, enums.OrdStatus.REJECTED) and not p.uncertain
    assert nr.logon_count == 2
