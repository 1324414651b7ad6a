"""SQLite file layout of the session store, shared by the store and the admin tools.

Timestamps are integer microseconds since the Unix epoch (UTC), so they sort and compare
exactly. Each stored outbound message carries the CRC-32 of its bytes so `verify` and
`outbound_range` can tell a damaged row from a good one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import urllib.parse
import zlib
from datetime import UTC, datetime, timedelta

from .base import SeqNums, StoreError

__all__ = [
    "SCHEMA_VERSION",
    "checksum",
    "configure_writer",
    "connect",
    "ensure_schema",
    "check_schema",
    "from_us",
    "read_seqnums",
    "rollback_quietly",
    "to_us",
    "write_seqnums",
]

SCHEMA_VERSION = 1

_DDL = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE sessions (
        session_id TEXT PRIMARY KEY,
        next_sender INTEGER NOT NULL CHECK (next_sender >= 1),
        next_target INTEGER NOT NULL CHECK (next_target >= 1)
    )""",
    # raw IS NULL: the number was used by a message sent with persist=False (admin
    # messages); keeping the row lets verify tell a legitimate skip from a lost message.
    """CREATE TABLE outbound (
        session_id TEXT NOT NULL REFERENCES sessions (session_id),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        msg_type TEXT NOT NULL,
        raw BLOB,
        crc32 INTEGER,
        sent_us INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID""",
    "CREATE INDEX outbound_by_time ON outbound (session_id, sent_us)",
    """CREATE TABLE message_log (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (session_id),
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        seq INTEGER,
        raw BLOB NOT NULL,
        at_us INTEGER NOT NULL
    )""",
    "CREATE INDEX message_log_by_time ON message_log (session_id, at_us)",
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_us(at: datetime) -> int:
    """Aware datetime -> microseconds since the epoch (callers check awareness first)."""
    return (at - _EPOCH) // _US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def checksum(raw: bytes) -> int:
    return zlib.crc32(raw)


def connect(path: str, *, mode: str, busy_timeout: float = 5.0) -> sqlite3.Connection:
    """Open `path` in autocommit mode (we issue BEGIN/COMMIT ourselves).

    mode is an SQLite URI mode: 'rwc' (create if missing), 'rw' or 'ro'.
    """
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + f"?mode={mode}"
    try:
        conn = sqlite3.connect(
            uri,
            uri=True,
            timeout=busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open session store {path}: {exc}") from exc
    try:
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"cannot open session store {path}: {exc}") from exc
    return conn


def configure_writer(conn: sqlite3.Connection, path: str, *, full_sync: bool) -> None:
    """WAL lets readers (admin, verify) run beside a writing engine; FULL makes every
    commit reach the disk before COMMIT returns."""
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(f"session store {path}: cannot use WAL journal mode (got {mode!r})")
    conn.execute(f"PRAGMA synchronous = {'FULL' if full_sync else 'NORMAL'}")
    if full_sync and sys.platform == "darwin":
        conn.execute("PRAGMA fullfsync = ON")
        conn.execute("PRAGMA checkpoint_fullfsync = ON")


def rollback_quietly(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open; SQLite may already have done it."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


def ensure_schema(conn: sqlite3.Connection, path: str) -> None:
    """Create the tables in an empty file, then check the version. Runs under BEGIN
    IMMEDIATE so two processes opening a new file at once do not both create it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not _tables(conn):
            for stmt in _DDL:
                conn.execute(stmt)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        conn.execute("COMMIT")
    except BaseException:
        rollback_quietly(conn)
        raise
    check_schema(conn, path)


def check_schema(conn: sqlite3.Connection, path: str) -> None:
    tables = _tables(conn)
    if "meta" not in tables:
        found = ", ".join(sorted(tables)) or "none"
        raise StoreError(f"{path} is not a fixgw session store (no meta table; tables: {found})")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        raise StoreError(f"{path}: meta table has no schema_version")
    try:
        version = int(row[0])
    except (TypeError, ValueError):
        raise StoreError(f"{path}: schema_version {row[0]!r} is not a number")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema_version {version}, newer than this fixgw supports "
            f"({SCHEMA_VERSION}); upgrade fixgw or use another store file"
        )
    if version < 1:
        raise StoreError(f"{path}: unknown schema_version {version}")


def read_seqnums(conn: sqlite3.Connection, session_id: str) -> SeqNums | None:
    row = conn.execute(
        "SELECT next_sender, next_target FROM sessions WHERE session_id = ?", (session_id,)
    ).fetchone()
    return None if row is None else SeqNums(row[0], row[1])


def write_seqnums(
    conn: sqlite3.Connection,
    session_id: str,
    new: SeqNums,
    *,
    expected: SeqNums | None,
    path: str,
) -> None:
    """Set a session's numbers inside the caller's transaction.

    With `expected`, the row must still hold those numbers (compare-and-set): a second
    writer, or an admin edit under a running engine, is refused instead of overwritten.
    Without it, the row is created or overwritten. Stored outbound messages numbered at or
    above the new next_sender are dropped: those numbers will be used again.
    """
    if expected is None:
        conn.execute(
            "INSERT INTO sessions (session_id, next_sender, next_target) VALUES (?, ?, ?)"
            " ON CONFLICT (session_id) DO UPDATE"
            " SET next_sender = excluded.next_sender, next_target = excluded.next_target",
            (session_id, new.next_sender, new.next_target),
        )
    else:
        cur = conn.execute(
            "UPDATE sessions SET next_sender = ?, next_target = ?"
            " WHERE session_id = ? AND next_sender = ? AND next_target = ?",
            (
                new.next_sender,
                new.next_target,
                session_id,
                expected.next_sender,
                expected.next_target,
            ),
        )
        if cur.rowcount != 1:
            found = read_seqnums(conn, session_id)
            raise StoreError(
                f"sequence numbers of session {session_id!r} in {path} were changed outside"
                f" this store: expected next_sender={expected.next_sender}"
                f" next_target={expected.next_target}, found "
                + (
                    "no session row"
                    if found is None
                    else f"next_sender={found.next_sender} next_target={found.next_target}"
                )
                + "; nothing written (close and reopen the store)"
            )
    if expected is None or new.next_sender < expected.next_sender:
        conn.execute(
            "DELETE FROM outbound WHERE session_id = ? AND seq >= ?",
            (session_id, new.next_sender),
        )
