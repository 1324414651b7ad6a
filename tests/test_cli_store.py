"""`fixgw seq show|set` and `fixgw store verify` on a real SQLite store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from fixgw.cli import main
from fixgw.store import SqliteStore

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


@pytest.fixture
def store_file(tmp_path):
    path = tmp_path / "sessions.sqlite"
    with SqliteStore(path, "KalshiRT:key1") as st:
        for seq in range(1, 4):
            st.store_outbound(seq, "D", b"8=FIXT.1.1\x01...%d" % seq, T0)
        st.set_next_target(7)
    return path


def test_seq_show_lists_sessions(store_file, capsys):
    assert main(["seq", "show", str(store_file)]) == 0
    out = capsys.readouterr().out
    assert "KalshiRT:key1" in out
    assert "4" in out and "7" in out


def test_seq_set_changes_numbers(store_file, capsys):
    assert main(["seq", "set", str(store_file), "KalshiRT:key1", "--next-target", "20"]) == 0
    assert "next target 20" in capsys.readouterr().out
    with SqliteStore(store_file, "KalshiRT:key1") as st:
        assert st.seqnums().next_target == 20
        assert st.seqnums().next_sender == 4


def test_seq_set_needs_a_number(store_file, capsys):
    assert main(["seq", "set", str(store_file), "KalshiRT:key1"]) == 2
    assert "--next-sender" in capsys.readouterr().err


def test_seq_set_refuses_bad_value(store_file, capsys):
    assert main(["seq", "set", str(store_file), "KalshiRT:key1", "--next-sender", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fixgw: ") and err.count("\n") == 1


def test_missing_store_is_one_line_error(tmp_path, capsys):
    assert main(["seq", "show", str(tmp_path / "nope.sqlite")]) == 2
    assert "nope.sqlite" in capsys.readouterr().err


def test_store_verify_ok_then_corrupted(store_file, capsys):
    assert main(["store", "verify", str(store_file)]) == 0
    capsys.readouterr()
    con = sqlite3.connect(store_file)
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    table = next(t for t in tables if "out" in t)
    con.execute(f"update {table} set raw = ? where seq = 2", (b"tampered",))
    con.commit()
    con.close()
    assert main(["store", "verify", str(store_file)]) == 1
    assert "2" in capsys.readouterr().out
