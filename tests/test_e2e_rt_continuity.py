"""KalshiRT message continuity: fills that happen while an RT client is away are kept by the
exchange under its next sequence numbers and recovered by ResendRequest after it logs on
again, without a reset (Connectivity page).  KalshiNR has no such promise: drop copy it is."""

from __future__ import annotations

import e2e_orders_harness as harness
from e2e_orders_harness import BUY, MKT, SELL, D, Recorder

from fixgw.app import ClientConfig, KalshiClient
from fixgw.messages import enums
from fixgw.session import GapDetected
from fixgw.store import SqliteStore

env = harness.env
key_pool = harness.key_pool


async def _rt_client(env, store, name="rt") -> tuple[KalshiClient, Recorder]:
    key = env.keys[name]
    if key.uuid not in env.sim.keys:
        env.sim.register_key(key.uuid, key.pub_path)
    client = KalshiClient(
        ClientConfig(
            session_type="KalshiRT", api_key=key.uuid, endpoint=env.sim.endpoint("KalshiRT"),
            private_key=key.private_key, store=store, reconnect=False, request_timeout=5.0,
        )
    )  # fmt: skip
    rec = Recorder(client)
    await client.start()
    env.clients.append(client)
    return client, rec


async def test_fill_while_away_is_resent_after_logon(env, tmp_path):
    path = tmp_path / "rt.sqlite"
    store = SqliteStore(path, "KalshiRT:me")
    rt, _ = await _rt_client(env, store)
    order = await rt.place_order(MKT, SELL, D(5), D("0.60"))
    assert order.status is enums.OrdStatus.NEW
    await rt.close()
    store.close()

    taker, _ = await env.client("taker")  # another account crosses the resting offer
    taken = await taker.place_order(MKT, BUY, D(5), D("0.60"))
    assert taken.status is enums.OrdStatus.FILLED

    store = SqliteStore(path, "KalshiRT:me")  # same numbers: no reset on RT
    rt2, rec = await _rt_client(env, store)
    fill = await rec.wait_for(lambda m: m.MSG_TYPE == "8" and m.exec_type == enums.ExecType.TRADE)
    assert fill.cl_ord_id == order.cl_ord_id
    assert fill.header.poss_dup_flag is True  # it came back as a resend
    assert any(isinstance(e, GapDetected) and e.resend_requested for e in rt2.events)
    recovered = rt2.orders.find(order.cl_ord_id)
    assert recovered is not None and recovered.status is enums.OrdStatus.FILLED
    assert recovered.cum_qty == D(5)
    # and the numbers on both sides agree afterwards
    sim_store = env.sim.store("KalshiRT", env.uuid("rt"))
    assert store.seqnums().next_target == sim_store.seqnums().next_sender
    await rt2.close()
    store.close()
