"""Group commit for bursts: orders sent in one event-loop turn after the first share one store
commit, and none of them reaches the socket before that commit (store before send)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import e2e_orders_harness as harness
import pytest
from e2e_orders_harness import BUY, MKT, D, Recorder

from fixgw.app import ClientConfig, KalshiClient
from fixgw.messages import enums
from fixgw.store import MemoryStore, SqliteStore, StoreError
from fixgw.transport import Backoff

env = harness.env
key_pool = harness.key_pool


def _client(env, name: str, store) -> KalshiClient:
    key = env.keys[name]
    env.sim.register_key(key.uuid, key.pub_path)
    client = KalshiClient(
        ClientConfig(
            session_type="KalshiRT", api_key=key.uuid, endpoint=env.sim.endpoint("KalshiRT"),
            private_key=key.private_key, store=store, backoff=Backoff(base=0.02, cap=0.05), request_timeout=5.0,
        )
    )  # fmt: skip
    env.clients.append(client)
    return client


async def _burst(client: KalshiClient, n: int) -> list[str]:
    """``n`` orders sent from one task step (one event-loop turn)."""
    ids = []
    for i in range(n):
        order = await client.place_order(MKT, BUY, D(1), D(f"0.0{1 + i % 9}"), wait=False)
        ids.append(order.cl_ord_id)
    return ids


async def test_a_burst_shares_one_sync_commit_and_every_order_is_acknowledged(env, tmp_path):
    key = env.keys["burst"]
    store = SqliteStore(tmp_path / "client.sqlite", f"KalshiRT:{key.uuid}", durability="sync")
    client = _client(env, "burst", store)
    rec = Recorder(client)
    await client.start()
    statements: list[str] = []
    store._db.conn.set_trace_callback(statements.append)
    first_seq = store.seqnums().next_sender

    ids = await _burst(client, 40)
    await rec.wait_for(lambda m: sum(1 for x in rec.msgs if x.MSG_TYPE == "8") >= 40, timeout=10)

    # Orders stored per commit: the first alone (written at once), the other 39 together.
    per_commit, n = [], 0
    for sql in statements:
        if sql.startswith("INSERT INTO outbound"):
            n += 1
        elif sql == "COMMIT" and n:
            per_commit.append(n)
            n = 0
    assert per_commit == [1, 39]
    acked = [m.cl_ord_id for m in rec.msgs if m.MSG_TYPE == "8" and m.exec_type is enums.ExecType.NEW]
    assert acked == ids  # in the order sent
    stored = store.outbound_range(first_seq, 0)
    assert [m.seq for m in stored if m.msg_type == "D"] == list(range(first_seq, first_seq + 40))
    store._db.conn.set_trace_callback(None)


class CommitFails(MemoryStore):
    """A store whose write groups fail when they end (a commit refused by a full disk)."""

    fail = False

    @contextlib.contextmanager
    def group(self) -> Iterator[None]:
        with super().group():
            yield
            if self.fail:
                raise StoreError("database or disk is full")


async def test_a_burst_whose_commit_fails_is_never_sent(env):
    key = env.keys["burst-fail"]
    store = CommitFails(f"KalshiRT:{key.uuid}")
    client = _client(env, "burst-fail", store)
    written: list[bytes] = []
    client._user_on_bytes = lambda d, data: written.append(data) if d == "out" and b"\x0135=D\x01" in data else None
    await client.start()
    conn = client.initiator.connection
    next_seq = store.seqnums().next_sender
    store.fail = True

    ids = await _burst(client, 5)
    await asyncio.wait_for(conn.closed.wait(), 5)
    store.fail = False

    assert conn.close_reason.startswith("internal error: StoreError")
    # Only the first order, stored and written before the burst began, left; the other four
    # were numbered inside the failed group and never written...
    assert len(written) == 1 and ids[0].encode() in written[0]
    # ...so their numbers are free again: nothing on the wire skips or reuses a number.
    assert store.seqnums().next_sender == next_seq + 1


class StoreFailsAt(MemoryStore):
    """Refuses to store outbound message ``fail_at`` (a disk error in the middle of a burst)."""

    fail_at: int | None = None

    def store_outbound(self, seq, msg_type, raw, sent_at, *, persist=True):
        if seq == self.fail_at:
            raise StoreError("disk I/O error")
        super().store_outbound(seq, msg_type, raw, sent_at, persist=persist)


async def test_a_store_error_inside_a_burst_sends_none_of_it(env):
    key = env.keys["burst-store"]
    store = StoreFailsAt(f"KalshiRT:{key.uuid}")
    client = _client(env, "burst-store", store)
    written: list[bytes] = []
    client._user_on_bytes = lambda d, data: written.append(data) if d == "out" and b"\x0135=D\x01" in data else None
    await client.start()
    conn = client.initiator.connection
    first = store.seqnums().next_sender
    store.fail_at = first + 3  # the fourth order of the burst

    with pytest.raises(StoreError):
        await _burst(client, 6)
    await asyncio.wait_for(conn.closed.wait(), 5)
    store.fail_at = None

    assert conn.close_reason.startswith("internal error: StoreError")
    assert len(written) == 1  # the first order only; the burst's two stored ones were undone
    assert store.seqnums().next_sender == first + 1
    assert [m.seq for m in store.outbound_range(first, 0)] == [first]
