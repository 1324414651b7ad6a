"""SIGKILL a process that is storing and "sending" messages, at pseudo-random points, and
check after each kill that nothing it reported as sent is missing and no number is reused.

Synchronisation is only on lines read from the child's stdout: the child keeps writing
while we read, so the kill lands at varying points of its store/report loop.
"""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fixgw.store import SeqNums, SqliteStore
from fixgw.store.admin import verify

WRITER = Path(__file__).with_name("crash_writer.py")
_spec = importlib.util.spec_from_file_location("crash_writer", WRITER)
assert _spec is not None and _spec.loader is not None
crash_writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crash_writer)

ROUNDS = 5
SESSION = "KALSHI-OE"

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def run_and_kill(db: Path, round_no: int, lines_before_kill: int) -> list[int]:
    """Start a writer, read that many reports, SIGKILL it; return every number it reported
    (including reports already in the pipe when it died)."""
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(db), SESSION, str(round_no), "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    reported: list[int] = []
    try:
        for _ in range(lines_before_kill):
            line = proc.stdout.readline()
            if not line:
                proc.wait()
                pytest.fail(f"writer exited early ({proc.returncode}): {proc.stderr.read()!r}")
            reported.append(int(line))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        reported += [int(x) for x in proc.stdout.read().split()]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return reported


def stored_rows(db: Path) -> list[tuple[int, bytes | None]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT seq, raw FROM outbound WHERE session_id = ? ORDER BY seq", (SESSION,)
        ).fetchall()
    finally:
        conn.close()


def test_sigkill_never_loses_a_reported_message_or_reuses_a_number(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite"
    rng = random.Random(0xF1C5)
    expected_next = 1
    reported_in_round: dict[int, int] = {}  # seq -> round whose bytes it must hold
    for round_no in range(ROUNDS):
        reported = run_and_kill(db, round_no, rng.randint(1, 150))

        # the child carried on exactly where the store said the last one stopped
        assert reported == list(range(expected_next, expected_next + len(reported)))
        reported_in_round.update(dict.fromkeys(reported, round_no))

        rows = stored_rows(db)
        seqs = [seq for seq, _ in rows]
        assert seqs == list(range(1, len(seqs) + 1)), "stored numbers are not contiguous"
        with SqliteStore(db, SESSION) as store:
            assert store.seqnums().next_sender == seqs[-1] + 1  # no reuse, no skip
            assert store.seqnums() == SeqNums(seqs[-1] + 1, 1)
            kept = {m.seq: m for m in store.outbound_range(1, 0)}
            expected_next = store.seqnums().next_sender
        # everything reported as sent is stored, with the bytes of the round that sent it
        for seq, rnd in reported_in_round.items():
            assert seq < expected_next
            if crash_writer.is_heartbeat(seq):
                assert seq not in kept
            else:
                assert kept[seq].raw == crash_writer.payload(seq, rnd)
                assert kept[seq].msg_type == "D"
        # at most the one message being reported when the kill hit is stored unreported
        assert expected_next - 1 - reported[-1] in (0, 1)
        report = verify(db)
        assert report.ok, report.problems
