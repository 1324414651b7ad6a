"""SessionStore semantics, run against every implementation (memory, SQLite SYNC and
SQLite BATCHED with a small batch so commits happen mid-test)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from fixgw.store import (
    Durability,
    MemoryStore,
    SeqNums,
    SessionStore,
    SqliteStore,
    StoredMessage,
    StoreError,
)

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def msg(seq: int) -> bytes:
    return f"8=FIXT.1.1\x0135=D\x0134={seq}\x01".encode()


@pytest.fixture(params=["memory", "sqlite-sync", "sqlite-batched"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionStore]:
    if request.param == "memory":
        s: SessionStore = MemoryStore("S1")
    elif request.param == "sqlite-sync":
        s = SqliteStore(tmp_path / "s.sqlite", "S1")
    else:
        s = SqliteStore(tmp_path / "s.sqlite", "S1", durability=Durability.BATCHED, batch_size=3)
    yield s
    s.close()


def fill(store: SessionStore, upto: int, *, at: datetime = T0) -> None:
    for seq in range(store.seqnums().next_sender, upto + 1):
        store.store_outbound(seq, "D", msg(seq), at)


def test_fresh_store_starts_at_one(store: SessionStore) -> None:
    assert isinstance(store, SessionStore)
    assert store.session_id == "S1"
    assert store.seqnums() == SeqNums(1, 1)
    assert store.outbound_range(1, 0) == []


def test_store_outbound_records_message_and_advances(store: SessionStore) -> None:
    eastern = timezone(timedelta(hours=-5))
    store.store_outbound(1, "A", b"logon", T0.astimezone(eastern))
    store.store_outbound(2, "D", bytearray(b"order"), T0 + timedelta(seconds=1))
    assert store.seqnums() == SeqNums(3, 1)
    got = store.outbound_range(1, 0)
    assert got == [
        StoredMessage(1, "A", b"logon", T0),
        StoredMessage(2, "D", b"order", T0 + timedelta(seconds=1)),
    ]
    assert all(m.sent_at.utcoffset() == timedelta(0) for m in got)
    assert type(got[1].raw) is bytes


@pytest.mark.parametrize("wrong", [1, 2, 4, 100])
def test_store_outbound_wrong_seq_raises_and_changes_nothing(
    store: SessionStore, wrong: int
) -> None:
    fill(store, 2)
    before = (store.seqnums(), store.outbound_range(1, 0))
    with pytest.raises(StoreError) as err:
        store.store_outbound(wrong, "D", b"reused?", T0)
    assert f"seq {wrong} != next_sender 3" in str(err.value)
    assert (store.seqnums(), store.outbound_range(1, 0)) == before


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((0, "D", b"x", T0), "seq must be >= 1"),
        ((1, "", b"x", T0), "msg_type"),
        ((1, "D", "text", T0), "raw must be bytes"),
        ((1, "D", b"x", datetime(2025, 1, 1)), "timezone-aware"),
    ],
)
def test_store_outbound_rejects_bad_arguments(
    store: SessionStore, args: tuple[object, ...], fragment: str
) -> None:
    with pytest.raises(StoreError, match=fragment):
        store.store_outbound(*args)  # type: ignore[arg-type]
    assert store.seqnums() == SeqNums(1, 1)
    assert store.outbound_range(1, 0) == []


def test_persist_false_advances_counter_only(store: SessionStore) -> None:
    store.store_outbound(1, "A", b"logon", T0, persist=False)
    store.store_outbound(2, "D", msg(2), T0)
    store.store_outbound(3, "0", b"heartbeat", T0, persist=False)
    assert store.seqnums() == SeqNums(4, 1)
    assert [m.seq for m in store.outbound_range(1, 0)] == [2]
    with pytest.raises(StoreError, match="seq 3 != next_sender 4"):
        store.store_outbound(3, "D", msg(3), T0)


def test_outbound_range_bounds(store: SessionStore) -> None:
    fill(store, 6)
    assert [m.seq for m in store.outbound_range(2, 4)] == [2, 3, 4]
    assert [m.seq for m in store.outbound_range(5, 0)] == [5, 6]
    assert [m.seq for m in store.outbound_range(3, 3)] == [3]
    assert [m.seq for m in store.outbound_range(4, 100)] == [4, 5, 6]
    assert store.outbound_range(7, 0) == []
    assert store.outbound_range(3, 3)[0].raw == msg(3)


@pytest.mark.parametrize(("begin", "end"), [(0, 5), (5, 4), (1, -1), (True, 0)])
def test_outbound_range_rejects_bad_range(store: SessionStore, begin: int, end: int) -> None:
    with pytest.raises(StoreError, match="outbound_range"):
        store.outbound_range(begin, end)


def test_set_next_target(store: SessionStore) -> None:
    store.set_next_target(42)
    assert store.seqnums() == SeqNums(1, 42)
    store.set_next_target(2)
    assert store.seqnums() == SeqNums(1, 2)
    with pytest.raises(StoreError, match="next_target must be >= 1, got 0"):
        store.set_next_target(0)
    assert store.seqnums() == SeqNums(1, 2)


def test_set_next_sender_up_keeps_messages(store: SessionStore) -> None:
    fill(store, 3)
    store.set_next_sender(10)
    assert store.seqnums() == SeqNums(10, 1)
    assert [m.seq for m in store.outbound_range(1, 0)] == [1, 2, 3]
    with pytest.raises(StoreError, match="seq 4 != next_sender 10"):
        store.store_outbound(4, "D", msg(4), T0)
    store.store_outbound(10, "D", msg(10), T0)
    assert [m.seq for m in store.outbound_range(1, 0)] == [1, 2, 3, 10]


def test_set_next_sender_down_drops_messages_that_will_be_renumbered(
    store: SessionStore,
) -> None:
    fill(store, 5)
    store.set_next_sender(3)
    assert store.seqnums() == SeqNums(3, 1)
    assert [m.seq for m in store.outbound_range(1, 0)] == [1, 2]
    store.store_outbound(3, "F", b"new three", T0)
    assert store.outbound_range(3, 0) == [StoredMessage(3, "F", b"new three", T0)]
    with pytest.raises(StoreError, match="next_sender must be >= 1"):
        store.set_next_sender(0)


def test_reset_clears_outbound_and_keeps_log(store: SessionStore) -> None:
    fill(store, 4)
    store.set_next_target(9)
    store.log("out", 4, msg(4), T0)
    store.reset()
    assert store.seqnums() == SeqNums(1, 1)
    assert store.outbound_range(1, 0) == []
    assert [(e.direction, e.seq) for e in store.read_log()] == [("out", 4)]  # type: ignore[attr-defined]
    store.store_outbound(1, "A", b"logon again", T0)
    assert store.outbound_range(1, 0) == [StoredMessage(1, "A", b"logon again", T0)]


def test_log_keeps_order_and_validates(store: SessionStore) -> None:
    store.log("in", 1, b"in-1", T0)
    store.log("out", None, b"garbled", T0 + timedelta(seconds=1))
    store.log("out", 1, b"out-1", T0 + timedelta(seconds=2))
    entries = store.read_log()  # type: ignore[attr-defined]
    assert [(e.direction, e.seq, e.raw) for e in entries] == [
        ("in", 1, b"in-1"),
        ("out", None, b"garbled"),
        ("out", 1, b"out-1"),
    ]
    assert entries[2].at == T0 + timedelta(seconds=2)
    since = store.read_log(since=T0 + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert [e.raw for e in since] == [b"garbled", b"out-1"]
    with pytest.raises(StoreError, match="'in' or 'out'"):
        store.log("sideways", 1, b"x", T0)
    with pytest.raises(StoreError, match="timezone-aware"):
        store.log("in", 1, b"x", datetime(2025, 1, 1))
    assert len(store.read_log()) == 3  # type: ignore[attr-defined]


def test_prune_drops_old_rows_only(store: SessionStore) -> None:
    for seq in range(1, 6):
        at = T0 + timedelta(days=seq)
        store.store_outbound(seq, "D", msg(seq), at)
        store.log("out", seq, msg(seq), at)
    store.log("in", 1, b"in", T0 + timedelta(days=10))
    cutoff = T0 + timedelta(days=3)
    assert store.prune(cutoff) == 4  # seq 1, 2 from both outbound and log
    assert [m.seq for m in store.outbound_range(1, 0)] == [3, 4, 5]
    assert [e.seq for e in store.read_log()] == [3, 4, 5, 1]  # type: ignore[attr-defined]
    assert store.seqnums() == SeqNums(6, 1)
    assert store.prune(cutoff) == 0
    store.store_outbound(6, "D", msg(6), T0)  # numbering unaffected by pruning


def test_flush_keeps_state(store: SessionStore) -> None:
    fill(store, 2)
    store.flush()
    assert store.seqnums() == SeqNums(3, 1)
    assert [m.seq for m in store.outbound_range(1, 0)] == [1, 2]


def test_closed_store_refuses_calls(store: SessionStore) -> None:
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.seqnums()
    with pytest.raises(StoreError, match="closed"):
        store.store_outbound(1, "D", b"x", T0)


def test_message_bytes_stay_out_of_repr(store: SessionStore) -> None:
    store.store_outbound(1, "A", b"96=SIGNATURE-SECRET\x01", T0)
    store.log("out", 1, b"96=SIGNATURE-SECRET\x01", T0)
    shown = repr(store.outbound_range(1, 0)) + repr(store.read_log()) + repr(store)  # type: ignore[attr-defined]
    assert "SIGNATURE" not in shown
    assert "seq=1" in shown


def test_client_prunes_by_retention_period():
    """KalshiClient.prune_store drops what is older than MessageRetentionPeriod (20200)."""
    from datetime import timedelta

    from fixgw.app import ClientConfig, KalshiClient
    from fixgw.session import FakeClock, LogonFlags
    from fixgw.store import MemoryStore
    from fixgw.transport import Endpoint

    clock = FakeClock()
    store = MemoryStore("KalshiRT:k")
    client = KalshiClient(
        ClientConfig("KalshiRT", "k", Endpoint("127.0.0.1", 1), flags=LogonFlags(message_retention_period=48),
                     store=store, clock=clock)
    )  # fmt: skip
    t0 = clock.now()
    store.store_outbound(1, "D", b"old", t0 - timedelta(hours=49))
    store.store_outbound(2, "D", b"recent", t0 - timedelta(hours=47))
    assert client.prune_store() >= 1
    assert [m.seq for m in store.outbound_range(1, 0)] == [2]
