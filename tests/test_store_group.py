"""store.group(): the writes of one read share one commit; an error undoes all of them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from fixgw.store import MemoryStore, SqliteStore, StoreError
from fixgw.store import admin as store_admin

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def _committed(path) -> tuple[int, int]:
    """What another connection sees (only committed data)."""
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT next_sender, next_target FROM sessions WHERE session_id = 's'").fetchone()
    finally:
        con.close()


@pytest.mark.parametrize("durability", ["sync", "batched"])
def test_group_commits_once_at_the_end(tmp_path, durability):
    path = tmp_path / "s.sqlite"
    st = SqliteStore(path, "s", durability=durability, batch_size=1)
    with st.group():
        for seq in (1, 2, 3):
            st.store_outbound(seq, "D", b"m%d" % seq, T0)
        st.set_next_target(7)
        assert st.seqnums().next_sender == 4  # visible to the session inside the group
        assert _committed(path) == (1, 1)  # ...but not yet to anyone else
    assert _committed(path) == (4, 7)
    assert [m.raw for m in st.outbound_range(1, 0)] == [b"m1", b"m2", b"m3"]
    st.close()


def test_group_error_undoes_every_write(tmp_path):
    path = tmp_path / "s.sqlite"
    st = SqliteStore(path, "s")
    st.store_outbound(1, "D", b"kept", T0)
    with pytest.raises(RuntimeError), st.group():
        st.store_outbound(2, "D", b"gone", T0)
        st.set_next_target(9)
        raise RuntimeError("the session failed half way")
    assert st.seqnums().next_sender == 2 and st.seqnums().next_target == 1
    assert [m.raw for m in st.outbound_range(1, 0)] == [b"kept"]
    st.store_outbound(2, "D", b"again", T0)  # the number was not used up
    st.close()
    assert store_admin.verify(path).ok


def test_flush_inside_a_group_waits_for_its_end(tmp_path):
    path = tmp_path / "s.sqlite"
    st = SqliteStore(path, "s", durability="batched", batch_size=100)
    with st.group():
        st.store_outbound(1, "D", b"x", T0)
        st.flush()
        assert _committed(path) == (1, 1)
    assert _committed(path) == (2, 1)
    st.close()


def test_memory_group_error_undoes_every_write():
    st = MemoryStore("m")
    st.store_outbound(1, "D", b"kept", T0)
    with pytest.raises(StoreError), st.group():
        st.store_outbound(2, "D", b"gone", T0)
        st.log("in", 5, b"raw", T0)
        st.store_outbound(9, "D", b"wrong seq", T0)  # raises: wrong sequence number
    assert st.seqnums().next_sender == 2
    assert [m.raw for m in st.outbound_range(1, 0)] == [b"kept"]
    assert st.read_log() == []


def _seqnum_updates(st: SqliteStore) -> list[str]:
    """Record the UPDATEs of the sessions row the store's connection runs from now on."""
    seen: list[str] = []
    st._db.conn.set_trace_callback(lambda sql: seen.append(sql) if sql.startswith("UPDATE sessions") else None)
    return seen


def test_group_writes_the_numbers_once(tmp_path):
    # One row update per group, not one per message: the numbers are staged in memory.
    st = SqliteStore(tmp_path / "s.sqlite", "s", durability="sync")
    updates = _seqnum_updates(st)
    with st.group():
        for seq in range(1, 6):
            st.store_outbound(seq, "8", b"m%d" % seq, T0)
            st.set_next_target(seq + 1)
    assert len(updates) == 1
    assert _committed(tmp_path / "s.sqlite") == (6, 6)
    st.close()
    again = SqliteStore(tmp_path / "s.sqlite", "s")
    assert (again.seqnums().next_sender, again.seqnums().next_target) == (6, 6)
    again.close()


def test_set_next_sender_after_staged_numbers_in_a_group(tmp_path):
    # A compare-and-set write inside the group sees the staged numbers written first.
    path = tmp_path / "s.sqlite"
    st = SqliteStore(path, "s", durability="sync")
    with st.group():
        st.store_outbound(1, "D", b"a", T0)
        st.set_next_target(4)
        st.set_next_sender(10)
    assert _committed(path) == (10, 4)
    st.close()


def test_inner_group_failure_keeps_the_outer_groups_staged_numbers(tmp_path):
    path = tmp_path / "s.sqlite"
    st = SqliteStore(path, "s")
    with st.group():
        st.set_next_target(5)
        with pytest.raises(RuntimeError), st.group():
            st.set_next_target(9)
            raise RuntimeError("inner failed")
        assert st.seqnums().next_target == 5
        st.set_next_target(6)
    assert _committed(path) == (1, 6)
    st.close()


def test_group_failure_restores_the_numbers_reached_before_it(tmp_path):
    path = tmp_path / "s.sqlite"
    st = SqliteStore(path, "s")
    st.set_next_target(3)
    with pytest.raises(RuntimeError), st.group():
        st.set_next_target(8)
        st.store_outbound(1, "D", b"x", T0)
        raise RuntimeError("failed")
    assert (st.seqnums().next_sender, st.seqnums().next_target) == (1, 3)
    assert _committed(path) == (1, 3)
    st.close()
