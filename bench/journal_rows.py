"""The journal benchmark of ``bench/journal.py`` in the table: rows/s of ``SqliteJournal`` (with
its indexed columns, order snapshots and writer thread) beside plain ``sqlite3`` appending the
same frames to a one-table WAL database in 500-row transactions."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from . import journal
from .common import Row, Stat

NAME = "journal"
DESCRIPTION = "journal rows/s and record-call latency vs plain sqlite3"


def plain_sqlite(rows: int, path: Path) -> float:
    frames = [journal._report(i) for i in range(rows)]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, session TEXT, direction TEXT, at_us INTEGER, raw BLOB)")
    t0 = time.perf_counter()
    for start in range(0, rows, 500):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO m (session, direction, at_us, raw) VALUES ('bench', 'in', ?, ?)",
            ((i, frames[i]) for i in range(start, min(rows, start + 500))),
        )
        conn.execute("COMMIT")
    secs = time.perf_counter() - t0
    conn.close()
    return rows / secs


def run(quick: bool = False) -> list[Row]:
    rows = 5_000 if quick else 40_000
    repeats = 2 if quick else 3
    ours, base, p99 = [], [], []
    with tempfile.TemporaryDirectory(prefix="fixgw-bench-j-") as tmp:
        for i in range(repeats):
            got = journal.run(rows, Path(tmp) / f"j{i}.sqlite", order_every=0)
            ours.append(got["rows_per_s"])
            p99.append(got["record_p99_us"])
            base.append(plain_sqlite(rows, Path(tmp) / f"p{i}.sqlite"))
    return [
        Row(NAME, f"rows/s, {rows:,} ExecutionReports", "rows/s", Stat(ours), Stat(base), "plain sqlite3", higher_is_better=True),
        Row(NAME, "record_message() call p99 (on the event loop)", "us", Stat(p99), None, "-"),
    ]
