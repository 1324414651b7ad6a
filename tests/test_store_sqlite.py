"""SQLite store: durability across reopen, batching, sharing a file, failures on write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixgw.store import (
    Durability,
    MemoryStore,
    SeqNums,
    SqliteStore,
    StoredMessage,
    StoreError,
    open_store,
)
from fixgw.store.admin import set_seqnums, show_seqnums, verify

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def msg(seq: int, size: int = 40) -> bytes:
    return f"35=D\x0134={seq}\x01".encode() + b"x" * size


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "fixgw.sqlite"


def raw_conn(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def committed(path: Path) -> dict[str, SeqNums]:
    """What another process would see."""
    return dict(show_seqnums(path))


def shrink_to_full(store: SqliteStore) -> None:
    """Simulate a full disk: forbid the file from growing past its current size.
    max_page_count is per connection, so it has to be the store's own connection."""
    conn = store._db.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def unshrink(store: SqliteStore) -> None:
    store._db.conn.execute("PRAGMA max_page_count = 1073741823")


def test_numbers_and_messages_survive_reopen(db: Path) -> None:
    with SqliteStore(db, "OE") as store:
        for seq in range(1, 6):
            store.store_outbound(seq, "D", msg(seq), T0, persist=seq != 4)
        store.set_next_target(8)
    assert db.parent.is_dir()  # parent directory created
    with SqliteStore(db, "OE") as store:
        assert store.seqnums() == SeqNums(6, 8)
        assert store.outbound_range(1, 0) == [
            StoredMessage(s, "D", msg(s), T0) for s in (1, 2, 3, 5)
        ]
        with pytest.raises(StoreError, match="seq 5 != next_sender 6"):
            store.store_outbound(5, "D", b"reuse", T0)
        store.store_outbound(6, "D", msg(6), T0)
    with SqliteStore(db, "OE") as store:
        assert store.seqnums() == SeqNums(7, 8)


def test_sync_commits_every_call(db: Path) -> None:
    with SqliteStore(db, "OE") as store:
        store.store_outbound(1, "D", msg(1), T0)
        assert committed(db)["OE"] == SeqNums(2, 1)
        store.set_next_target(5)
        assert committed(db)["OE"] == SeqNums(2, 5)


def test_batched_commits_every_n_calls_and_on_flush_and_close(db: Path) -> None:
    store = SqliteStore(db, "OE", durability="batched", batch_size=3)
    store.store_outbound(1, "D", msg(1), T0)
    store.store_outbound(2, "D", msg(2), T0)
    assert committed(db)["OE"] == SeqNums(1, 1)  # batch still open
    store.set_next_target(4)  # third call commits the batch
    assert committed(db)["OE"] == SeqNums(3, 4)
    store.store_outbound(3, "D", msg(3), T0)
    assert committed(db)["OE"] == SeqNums(3, 4)
    store.flush()
    assert committed(db)["OE"] == SeqNums(4, 4)
    store.store_outbound(4, "D", msg(4), T0)
    store.close()
    assert committed(db)["OE"] == SeqNums(5, 4)
    with SqliteStore(db, "OE", durability=Durability.BATCHED) as again:
        assert [m.seq for m in again.outbound_range(1, 0)] == [1, 2, 3, 4]


def test_batched_reset_and_set_next_sender_commit_at_once(db: Path) -> None:
    with SqliteStore(db, "OE", durability="batched", batch_size=100) as store:
        store.store_outbound(1, "D", msg(1), T0)
        store.set_next_sender(10)
        assert committed(db)["OE"] == SeqNums(10, 1)
        store.reset()
        assert committed(db)["OE"] == SeqNums(1, 1)


def test_pragmas(db: Path) -> None:
    with SqliteStore(db, "A") as sync_store:
        conn = sync_store._db.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with SqliteStore(db, "A", durability="batched") as batched:
        assert batched._db.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


@pytest.mark.parametrize("durability", ["sync", "batched"])
def test_many_sessions_in_one_file(db: Path, durability: str) -> None:
    a = SqliteStore(db, "A", durability=durability, batch_size=2)
    b = SqliteStore(db, "B", durability=durability, batch_size=2)
    for seq in range(1, 4):
        a.store_outbound(seq, "D", b"a%d" % seq, T0)
    b.store_outbound(1, "D", b"b1", T0)
    b.set_next_target(7)
    a.reset()
    assert a.seqnums() == SeqNums(1, 1)
    assert b.seqnums() == SeqNums(2, 7)
    assert [m.raw for m in b.outbound_range(1, 0)] == [b"b1"]
    a.close()
    b.close()
    assert show_seqnums(db) == [("A", SeqNums(1, 1)), ("B", SeqNums(2, 7))]


def test_one_store_per_session_per_process(db: Path) -> None:
    first = SqliteStore(db, "OE")
    with pytest.raises(StoreError, match="'OE' is already open in this process"):
        SqliteStore(db, "OE")
    with pytest.raises(StoreError, match="already open in this process with durability=sync"):
        SqliteStore(db, "OTHER", durability="batched")
    first.store_outbound(1, "D", msg(1), T0)  # the refused opens did not disturb it
    first.close()
    with SqliteStore(db, "OE") as again:
        assert again.seqnums() == SeqNums(2, 1)


def test_change_by_another_writer_is_refused_not_overwritten(db: Path) -> None:
    with SqliteStore(db, "OE") as store:
        store.store_outbound(1, "D", msg(1), T0)
        set_seqnums(db, "OE", next_sender=50)  # e.g. an admin edit under a running engine
        with pytest.raises(StoreError, match="changed outside this store") as err:
            store.store_outbound(2, "D", msg(2), T0)
        assert "expected next_sender=2" in str(err.value)
        assert "found next_sender=50" in str(err.value)
        assert store.seqnums() == SeqNums(50, 1)  # re-read after the refusal
        assert [m.seq for m in store.outbound_range(1, 0)] == [1]
        store.store_outbound(50, "D", msg(50), T0)
    assert show_seqnums(db) == [("OE", SeqNums(51, 1))]


def test_newer_schema_version_is_refused(db: Path) -> None:
    SqliteStore(db, "OE").close()
    for conn in raw_conn(db):
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema_version 7, newer than this fixgw supports"):
        SqliteStore(db, "OE")
    with pytest.raises(StoreError, match="schema_version 7"):
        show_seqnums(db)
    # the refused open left nothing registered: fixing the file makes it usable again
    for conn in raw_conn(db):
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    SqliteStore(db, "OE").close()


def test_foreign_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    for conn in raw_conn(other):
        conn.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(StoreError, match="not a fixgw session store .*tables: orders"):
        SqliteStore(other, "OE")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match=f"cannot open session store {junk}"):
        SqliteStore(junk, "OE")


def test_full_disk_sync_rolls_back_and_store_stays_usable(db: Path) -> None:
    store = SqliteStore(db, "OE")
    for seq in (1, 2):
        store.store_outbound(seq, "D", msg(seq), T0)
    shrink_to_full(store)
    with pytest.raises(StoreError, match="store_outbound.*seq=3.*full.*nothing was stored") as err:
        store.store_outbound(3, "D", msg(3, size=200_000), T0)
    assert isinstance(err.value.__cause__, sqlite3.OperationalError)
    assert store.seqnums() == SeqNums(3, 1)
    assert [m.seq for m in store.outbound_range(1, 0)] == [1, 2]
    assert committed(db)["OE"] == SeqNums(3, 1)
    unshrink(store)
    store.store_outbound(3, "D", msg(3, size=200_000), T0)
    store.close()
    with SqliteStore(db, "OE") as again:
        assert again.seqnums() == SeqNums(4, 1)
        assert again.outbound_range(3, 3)[0].raw == msg(3, size=200_000)
    assert verify(db).ok


def test_full_disk_batched_loses_batch_but_never_reuses_numbers(db: Path) -> None:
    store = SqliteStore(db, "OE", durability="batched", batch_size=50)
    store.store_outbound(1, "D", msg(1), T0)
    store.flush()
    store.store_outbound(2, "D", msg(2), T0)  # sent, but only in the open batch
    store.set_next_target(6)
    shrink_to_full(store)
    with pytest.raises(StoreError, match="batch of 2 change.* lost.*none will be reused"):
        store.store_outbound(3, "D", msg(3, size=200_000), T0)
    # SQLite dropped the whole batch, but the numbers already used were saved again
    assert store.seqnums() == SeqNums(3, 6)
    assert committed(db)["OE"] == SeqNums(3, 6)
    assert [m.seq for m in store.outbound_range(1, 0)] == [1]  # seq 2 must be gap-filled
    unshrink(store)
    store.store_outbound(3, "D", msg(3), T0)
    store.close()
    assert committed(db)["OE"] == SeqNums(4, 6)
    assert verify(db).problems == ["session 'OE': outbound seq 2 missing between 1 and 3"]


def test_batch_lost_and_numbers_unsaveable_makes_store_unusable(db: Path) -> None:
    store = SqliteStore(db, "OE", durability="batched", batch_size=50)
    # make re-saving the numbers fail too, as it would on a really full disk
    store._db.conn.execute(
        "CREATE TEMP TRIGGER no_resave BEFORE UPDATE ON main.sessions"
        " WHEN OLD.next_sender = 1 AND NEW.next_sender = 3"
        " BEGIN SELECT RAISE(ABORT, 'simulated I/O error'); END"
    )
    store.store_outbound(1, "D", msg(1), T0)
    store.store_outbound(2, "D", msg(2), T0)
    shrink_to_full(store)
    with pytest.raises(StoreError, match="could not be saved again .*simulated I/O error"):
        store.store_outbound(3, "D", msg(3, size=200_000), T0)
    unshrink(store)
    with pytest.raises(StoreError, match="unusable"):
        store.store_outbound(3, "D", msg(3), T0)
    with pytest.raises(StoreError, match="unusable"):
        store.seqnums()
    store.close()
    assert committed(db)["OE"] == SeqNums(1, 1)  # behind what was sent: needs repair


def test_damaged_row_is_not_resent(db: Path) -> None:
    with SqliteStore(db, "OE") as store:
        for seq in (1, 2, 3):
            store.store_outbound(seq, "D", msg(seq), T0)
        for conn in raw_conn(db):
            conn.execute("UPDATE outbound SET raw = ? WHERE seq = 2", (b"bitrot",))
        assert [m.seq for m in store.outbound_range(3, 0)] == [3]
        with pytest.raises(StoreError, match="seq 2 of session 'OE' .* is damaged"):
            store.outbound_range(1, 0)


def test_open_store_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for url in ("memory:", "memory://", ":memory:"):
        mem = open_store(url, "M", durability="batched")
        assert isinstance(mem, MemoryStore) and mem.session_id == "M"
    absolute = tmp_path / "abs.sqlite"
    with open_store(f"sqlite://{absolute}", "A") as s:  # sqlite:///tmp/... -> /tmp/...
        assert isinstance(s, SqliteStore) and s.durability is Durability.SYNC
        s.store_outbound(1, "D", b"x", T0)
    assert show_seqnums(absolute) == [("A", SeqNums(2, 1))]
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:rel/x.sqlite", "R", durability="BATCHED", batch_size=7) as s:
        assert isinstance(s, SqliteStore)
        assert s.durability is Durability.BATCHED and s._db.batch_size == 7
    assert (tmp_path / "rel" / "x.sqlite").is_file()
    with open_store(tmp_path / "plain.sqlite", "P") as s:
        assert isinstance(s, SqliteStore)
    with open_store("plain2.sqlite", "P") as s:
        assert isinstance(s, SqliteStore)
    assert (tmp_path / "plain2.sqlite").is_file()
    with pytest.raises(StoreError, match="unsupported store URL scheme 'postgres'"):
        open_store("postgres://db/fix", "P")
    with pytest.raises(StoreError, match="durability must be one of sync, batched"):
        open_store("memory:", "P", durability="eventually")
    with pytest.raises(StoreError, match="batch_size must be an int >= 1"):
        open_store(tmp_path / "b.sqlite", "P", durability="batched", batch_size=0)
