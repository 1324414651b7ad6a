"""Operator tools: show / set sequence numbers, verify a store file, and their printouts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixgw.store import SeqNums, SqliteStore, StoreError
from fixgw.store.admin import (
    VerifyReport,
    format_seqnums,
    format_verify,
    set_seqnums,
    show_seqnums,
    verify,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Two sessions: OE has seq 1-5 sent (3 as a heartbeat, not kept), DC has none."""
    path = tmp_path / "fixgw.sqlite"
    with SqliteStore(path, "OE") as oe:
        for seq in range(1, 6):
            oe.store_outbound(seq, "D", b"order %d" % seq, T0, persist=seq != 3)
        oe.set_next_target(12)
    with SqliteStore(path, "DC") as dc:
        dc.set_next_target(3)
    return path


def sql(path: Path, statement: str, *args: object) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(statement, args)
    finally:
        conn.close()


def test_show_seqnums_and_table(db: Path) -> None:
    rows = show_seqnums(db)
    assert rows == [("DC", SeqNums(1, 3)), ("OE", SeqNums(6, 12))]
    assert format_seqnums(rows) == (
        "SESSION  NEXT_SENDER  NEXT_TARGET\n"
        "DC                 1            3\n"
        "OE                 6           12"
    )
    assert format_seqnums([]) == "no sessions"


def test_show_on_missing_file_does_not_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(StoreError, match=f"no session store at {missing}"):
        show_seqnums(missing)
    assert not missing.exists()


def test_set_seqnums(db: Path) -> None:
    assert set_seqnums(db, "DC", next_sender=40) == SeqNums(40, 3)
    assert set_seqnums(db, "DC", next_target=9) == SeqNums(40, 9)
    assert dict(show_seqnums(db))["DC"] == SeqNums(40, 9)
    with SqliteStore(db, "DC") as dc:
        assert dc.seqnums() == SeqNums(40, 9)
        dc.store_outbound(40, "D", b"x", T0)


def test_set_seqnums_lowering_sender_drops_renumbered_messages(db: Path) -> None:
    assert set_seqnums(db, "OE", next_sender=3) == SeqNums(3, 12)
    with SqliteStore(db, "OE") as oe:
        assert [m.seq for m in oe.outbound_range(1, 0)] == [1, 2]
    assert verify(db).ok


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"next_sender": 0}, "next_sender must be >= 1, got 0"),
        ({"next_target": -3}, "next_target must be >= 1, got -3"),
        ({"next_sender": "7"}, "next_sender must be an int"),
        ({}, "give next_sender and/or next_target"),
    ],
)
def test_set_seqnums_rejects_bad_values(db: Path, kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(StoreError, match=fragment):
        set_seqnums(db, "OE", **kwargs)  # type: ignore[arg-type]
    assert dict(show_seqnums(db))["OE"] == SeqNums(6, 12)


def test_set_seqnums_unknown_session_needs_create(db: Path, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"'GW' not found .*sessions: DC, OE.*create=True"):
        set_seqnums(db, "GW", next_sender=5)
    assert [sid for sid, _ in show_seqnums(db)] == ["DC", "OE"]
    assert set_seqnums(db, "GW", next_target=5, create=True) == SeqNums(1, 5)
    assert dict(show_seqnums(db))["GW"] == SeqNums(1, 5)

    new_file = tmp_path / "new.sqlite"
    with pytest.raises(StoreError, match="no session store"):
        set_seqnums(new_file, "X", next_sender=2)
    assert not new_file.exists()
    assert set_seqnums(new_file, "X", next_sender=2, create=True) == SeqNums(2, 1)
    assert show_seqnums(new_file) == [("X", SeqNums(2, 1))]


def test_verify_healthy_file(db: Path) -> None:
    report = verify(db)
    assert report.ok, report.problems
    assert (report.sessions, report.messages) == (2, 5)
    assert format_verify(report) == f"OK {db}: 2 session(s), 5 stored message(s)"


def test_verify_finds_corrupted_bytes(db: Path) -> None:
    sql(db, "UPDATE outbound SET raw = ? WHERE session_id = 'OE' AND seq = 4", b"order 9")
    report = verify(db)
    assert not report.ok
    assert len(report.problems) == 1
    assert report.problems[0].startswith("session 'OE' seq 4: checksum mismatch")


def test_verify_finds_gap_and_reuse_risk(db: Path) -> None:
    sql(db, "DELETE FROM outbound WHERE session_id = 'OE' AND seq IN (2, 3)")
    sql(db, "UPDATE sessions SET next_sender = 5 WHERE session_id = 'OE'")
    report = verify(db)
    assert report.problems == [
        "session 'OE': outbound seq 2..3 missing between 1 and 4",
        "session 'OE': next_sender 5 is not above the highest stored seq 5"
        " (the next message would reuse a number)",
    ]
    text = format_verify(report)
    assert text.splitlines() == [
        f"FAILED {db}: 2 problem(s); 2 session(s), 3 stored message(s)",
        "  - session 'OE': outbound seq 2..3 missing between 1 and 4",
        "  - session 'OE': next_sender 5 is not above the highest stored seq 5"
        " (the next message would reuse a number)",
    ]


def test_verify_finds_orphan_and_missing_checksum(db: Path) -> None:
    sql(db, "UPDATE outbound SET crc32 = NULL WHERE session_id = 'OE' AND seq = 1")
    sql(
        db,
        "INSERT INTO outbound (session_id, seq, msg_type, raw, crc32, sent_us)"
        " VALUES ('GHOST', 1, 'D', NULL, NULL, 0)",
    )
    problems = verify(db).problems
    assert "session 'OE' seq 1: no checksum stored" in problems
    assert "outbound: 1 row(s) for session 'GHOST', which has no sessions row" in problems


def test_verify_on_unreadable_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"\x00garbage" * 1000)
    report = verify(junk)
    assert not report.ok
    assert "not a database" in report.problems[0]
    with pytest.raises(StoreError, match="no session store"):
        verify(tmp_path / "missing.sqlite")


def test_report_ok_property() -> None:
    assert VerifyReport("x").ok
    assert not VerifyReport("x", problems=["bad"]).ok
