"""A store that refuses writes (a full disk) while reports arrive: the connection is dropped,
nothing of that read is acted on, and after the store recovers the client reconnects and
gets the report again by resend (KalshiRT).  Nothing already accepted is lost."""

from __future__ import annotations

import asyncio

import e2e_orders_harness as harness
from e2e_orders_harness import BUY, MKT, SELL, D, Recorder

from fixgw.app import ClientConfig, KalshiClient
from fixgw.messages import enums
from fixgw.store import MemoryStore, StoreError
from fixgw.transport import Backoff

env = harness.env
key_pool = harness.key_pool


class FullDisk(MemoryStore):
    """Refuses inbound bookkeeping while ``full`` is set, like SQLITE_FULL would."""

    full = False

    def set_next_target(self, n: int) -> None:
        if self.full:
            raise StoreError("database or disk is full")
        super().set_next_target(n)


async def test_full_disk_while_receiving_loses_nothing(env):
    key = env.keys["rt"]
    env.sim.register_key(key.uuid, key.pub_path)
    store = FullDisk("KalshiRT:rt")
    rt = KalshiClient(
        ClientConfig(
            session_type="KalshiRT", api_key=key.uuid, endpoint=env.sim.endpoint("KalshiRT"),
            private_key=key.private_key, store=store, backoff=Backoff(base=0.02, cap=0.05), request_timeout=5.0,
        )
    )  # fmt: skip
    env.clients.append(rt)
    rec = Recorder(rt)
    await rt.start()
    order = await rt.place_order(MKT, SELL, D(2), D("0.40"))
    expected = store.seqnums().next_target

    store.full = True
    conn = rt.initiator.connection
    taker, _ = await env.client("taker")
    await taker.place_order(MKT, BUY, D(2), D("0.40"))  # fills our offer: a report is on its way
    await asyncio.wait_for(conn.closed.wait(), 5)
    assert conn.close_reason.startswith("internal error: StoreError")
    assert store.seqnums().next_target == expected  # the report was not counted as received...
    assert rt.orders.find(order.cl_ord_id).status is enums.OrdStatus.NEW  # ...nor acted on

    store.full = False  # space again: the client reconnects and the exchange resends
    fill = await rec.wait_for(lambda m: m.MSG_TYPE == "8" and m.exec_type == enums.ExecType.TRADE, timeout=10)
    assert fill.cl_ord_id == order.cl_ord_id
    assert rt.orders.find(order.cl_ord_id).status is enums.OrdStatus.FILLED
    assert rt.logon_count == 2
