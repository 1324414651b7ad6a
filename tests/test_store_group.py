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
