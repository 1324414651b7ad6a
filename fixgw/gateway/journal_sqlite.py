"""`Journal` in one SQLite file: WAL, explicit transactions, a schema version.

``record_*`` only append to an in-memory queue, so the event loop never waits on the disk;
a writer thread commits the queue in one transaction every ``interval`` seconds or as soon
as ``batch_rows`` are waiting.  The queue is bounded: when it is full the recording call
writes the queue itself (back-pressure) instead of dropping anything.  Redaction happens
before a row is written, so a Logon signature never reaches the file (only memory).

One connection, shared under a lock by the writer thread and the query methods; queries
flush first so they see everything recorded before them.  synchronous=NORMAL: the journal is
an audit trail, the session store is what sequence numbers depend on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .journal import DIRECTIONS, JournalError, MessageRow, normalize_order, summarize

__all__ = ["SCHEMA_VERSION", "SqliteJournal"]

log = logging.getLogger("fixgw.gateway.journal")

SCHEMA_VERSION = 1
_KIND = "fixgw-journal"

_MSG_COLS = (
    "session_id, direction, at_us, seq, msg_type, cl_ord_id, orig_cl_ord_id, exec_id, order_id,"
    " symbol, side, exec_type, ord_status, price, qty, text, redacted, raw"
)
_ORDER_COLS = (
    "cl_ord_id, orig_cl_ord_id, order_id, symbol, side, status, order_qty, cum_qty, leaves_qty,"
    " avg_px, price, event_us, reason, is_open, data"
)

_DDL = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        at_us INTEGER NOT NULL,
        seq INTEGER,
        msg_type TEXT, cl_ord_id TEXT, orig_cl_ord_id TEXT, exec_id TEXT, order_id TEXT,
        symbol TEXT, side TEXT, exec_type TEXT, ord_status TEXT, price TEXT, qty TEXT, text TEXT,
        redacted INTEGER NOT NULL,
        raw BLOB NOT NULL
    )""",
    "CREATE INDEX messages_by_seq ON messages (session_id, direction, seq)",
    "CREATE INDEX messages_by_cl ON messages (cl_ord_id) WHERE cl_ord_id IS NOT NULL",
    "CREATE INDEX messages_by_orig ON messages (orig_cl_ord_id) WHERE orig_cl_ord_id IS NOT NULL",
    "CREATE INDEX messages_by_order ON messages (order_id) WHERE order_id IS NOT NULL",
    "CREATE INDEX messages_by_exec ON messages (exec_id) WHERE exec_id IS NOT NULL",
    # one row per order (a ClOrdID chain); its current state
    """CREATE TABLE orders (
        ref INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        cl_ord_id TEXT NOT NULL, orig_cl_ord_id TEXT, order_id TEXT, symbol TEXT, side TEXT,
        status TEXT, order_qty TEXT, cum_qty TEXT, leaves_qty TEXT, avg_px TEXT, price TEXT,
        event_us INTEGER, reason TEXT,
        is_open INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_us INTEGER NOT NULL
    )""",
    "CREATE INDEX orders_open ON orders (is_open, ref)",
    "CREATE INDEX orders_by_order_id ON orders (session_id, order_id) WHERE order_id IS NOT NULL",
    # every ClOrdID ever used by an order (rowid order = order of first use)
    "CREATE TABLE order_ids (cl_ord_id TEXT PRIMARY KEY, ref INTEGER NOT NULL REFERENCES orders (ref))",
    "CREATE INDEX order_ids_by_ref ON order_ids (ref)",
    """CREATE TABLE order_events (
        id INTEGER PRIMARY KEY,
        ref INTEGER NOT NULL REFERENCES orders (ref),
        session_id TEXT NOT NULL,
        at_us INTEGER NOT NULL,
        cl_ord_id TEXT NOT NULL, orig_cl_ord_id TEXT, order_id TEXT, symbol TEXT, side TEXT,
        status TEXT, order_qty TEXT, cum_qty TEXT, leaves_qty TEXT, avg_px TEXT, price TEXT,
        event_us INTEGER, reason TEXT,
        is_open INTEGER NOT NULL,
        data TEXT NOT NULL
    )""",
    "CREATE INDEX order_events_by_ref ON order_events (ref, id)",
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _to_us(at: datetime) -> int:
    return (at - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _aware(name: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise JournalError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise JournalError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value


def _session(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise JournalError(f"session_id must be a non-empty str, got {value!r}")
    return value


# queue items
_MSG = 0
_ORD = 1


class SqliteJournal:
    """The default `Journal` backend (created if missing)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        batch_rows: int = 500,
        interval: float = 0.05,
        max_queue: int = 20_000,
        busy_timeout: float = 5.0,
        writer_thread: bool = True,
    ) -> None:
        if batch_rows < 1 or max_queue < batch_rows:
            raise JournalError(
                f"need batch_rows >= 1 and max_queue >= batch_rows, got batch_rows={batch_rows}"
                f" max_queue={max_queue}"
            )
        if interval <= 0:
            raise JournalError(f"interval must be > 0 seconds, got {interval}")
        self.path = os.fspath(path)
        self.batch_rows = batch_rows
        self.interval = interval
        self.max_queue = max_queue
        self._max_batch = max(batch_rows * 4, 1000)  # one transaction; bounds the lock hold
        self.write_errors = 0
        self.last_error: str | None = None
        self.backpressure_flushes = 0
        self._queue: list[tuple[Any, ...]] = []
        self._qlock = threading.Lock()
        self._wlock = threading.RLock()  # the connection, and the order of batches
        self._wake = threading.Event()
        self._stop = False
        self._closed = False
        parent = os.path.dirname(os.path.abspath(self.path))
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise JournalError(f"cannot create directory {parent} for the journal: {exc}") from exc
        self._conn = self._open()
        self._thread: threading.Thread | None = None
        if writer_thread:
            self._thread = threading.Thread(target=self._run, name="fixgw-journal", daemon=True)
            self._thread.start()

    def __repr__(self) -> str:
        return f"SqliteJournal(path={self.path!r}, queued={len(self._queue)})"

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- opening ----------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path)) + "?mode=rwc"
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=5.0)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open journal {self.path}: {exc}") from exc
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise JournalError(f"journal {self.path}: cannot use WAL journal mode (got {mode!r})")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._ensure_schema(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise JournalError(f"cannot open journal {self.path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                for stmt in _DDL:
                    conn.execute(stmt)
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("kind", _KIND), ("schema_version", str(SCHEMA_VERSION))],
                )
                tables = {"meta"}
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        if "meta" not in tables:
            raise JournalError(f"{self.path} is not a fixgw journal (no meta table; tables: {', '.join(sorted(tables))})")
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("kind") != _KIND:
            raise JournalError(f"{self.path} is not a fixgw journal (meta kind={meta.get('kind')!r}; a session store?)")
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise JournalError(f"{self.path}: schema_version {meta.get('schema_version')!r} is not a number") from None
        if version != SCHEMA_VERSION:
            raise JournalError(
                f"{self.path} has journal schema_version {version}; this fixgw reads {SCHEMA_VERSION}"
            )

    # ---- recording --------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise JournalError(f"journal {self.path} is closed")

    def _enqueue(self, item: tuple[Any, ...]) -> None:
        with self._qlock:
            self._queue.append(item)
            depth = len(self._queue)
        if depth >= self.max_queue:
            # write one batch here, then carry on: a bounded pause, nothing dropped
            self.backpressure_flushes += 1
            self._drain(self.batch_rows)
        elif depth >= self.batch_rows:
            self._wake.set()

    def record_message(self, session_id: str, direction: str, raw: bytes, at: datetime) -> None:
        """Queue one whole FIX message (secrets are stripped before it is written)."""
        self._check_open()
        if direction not in DIRECTIONS:
            raise JournalError(f"direction must be 'in' or 'out', got {direction!r}")
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise JournalError(f"raw must be bytes, got {type(raw).__name__}")
        self._enqueue((_MSG, _session(session_id), direction, bytes(raw), _to_us(_aware("at", at))))

    def record_order(self, session_id: str, snapshot: Mapping[str, Any] | Any, at: datetime) -> None:
        """Queue one order state change (the snapshot is copied now; see `normalize_order`)."""
        self._check_open()
        order = normalize_order(snapshot)
        self._enqueue((_ORD, _session(session_id), order, _to_us(_aware("at", at))))

    @property
    def queued(self) -> int:
        return len(self._queue)

    def flush(self) -> None:
        """Write and commit everything queued so far; raises JournalError if that fails
        (the rows stay queued and are retried)."""
        with self._wlock:
            left = len(self._queue)
            while left > 0:
                n = min(left, self._max_batch)
                self._drain(n)
                left -= n

    def close(self) -> None:
        """Stop the writer, write what is queued, close the file."""
        if self._closed:
            return
        self._closed = True
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self.flush()
        finally:
            with self._wlock:
                self._conn.close()

    # ---- writing ----------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop:
                return
            with contextlib.suppress(JournalError):  # counted and logged in _drain; retried
                while self._queue and not self._stop:
                    self._drain(self._max_batch)

    def _drain(self, limit: int) -> None:
        """Write the oldest ``limit`` queued rows in one transaction.  Holding the lock
        across take-and-write keeps batches in recording order whoever writes them."""
        with self._wlock:
            with self._qlock:
                batch = self._queue[:limit]
                del self._queue[:limit]
            if not batch:
                return
            try:
                self._write(batch)
            except BaseException as exc:
                with self._qlock:
                    self._queue[:0] = batch
                if not isinstance(exc, sqlite3.Error | JournalError):
                    raise
                self.write_errors += 1
                self.last_error = f"writing {len(batch)} journal row(s) to {self.path} failed: {exc}"
                log.error("%s (kept queued, will retry)", self.last_error)
                raise JournalError(self.last_error) from exc

    def _write(self, batch: list[tuple[Any, ...]]) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            rows: list[tuple[Any, ...]] = []
            for item in batch:
                if item[0] == _MSG:
                    rows.append(self._message_row(item))
                    continue
                if rows:
                    conn.executemany(f"INSERT INTO messages ({_MSG_COLS}) VALUES ({','.join('?' * 18)})", rows)
                    rows = []
                self._write_order(conn, item[1], item[2], item[3])
            if rows:
                conn.executemany(f"INSERT INTO messages ({_MSG_COLS}) VALUES ({','.join('?' * 18)})", rows)
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _message_row(item: tuple[Any, ...]) -> tuple[Any, ...]:
        _, session_id, direction, raw, at_us = item
        r = summarize(raw)
        s = r.summary
        return (
            session_id, direction, at_us, s.get("seq"), s.get("msg_type"), s.get("cl_ord_id"),
            s.get("orig_cl_ord_id"), s.get("exec_id"), s.get("order_id"), s.get("symbol"),
            s.get("side"), s.get("exec_type"), s.get("ord_status"), s.get("price"), s.get("qty"),
            s.get("text"), int(r.redacted), r.raw,
        )  # fmt: skip

    @staticmethod
    def _resolve_ref(conn: sqlite3.Connection, session_id: str, o: dict[str, Any]) -> int | None:
        """The order this snapshot belongs to: through any ClOrdID of its chain, else its
        OrderID.  A closed order whose ClOrdID shows up again on a new open order (Kalshi
        lets a ClOrdID be reused once its order is closed) is not reopened."""
        for cl in (o["orig_cl_ord_id"], *o["chain"], o["cl_ord_id"]):
            if not cl:
                continue
            row = conn.execute(
                "SELECT o.ref, o.is_open FROM order_ids i JOIN orders o ON o.ref = i.ref WHERE i.cl_ord_id = ?",
                (cl,),
            ).fetchone()
            if row is None:
                continue
            reused = not row[1] and o["open"] and not o["orig_cl_ord_id"] and not o["chain"]
            return None if reused else int(row[0])
        if o["order_id"]:
            row = conn.execute(
                "SELECT ref FROM orders WHERE session_id = ? AND order_id = ? ORDER BY ref DESC LIMIT 1",
                (session_id, o["order_id"]),
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def _write_order(self, conn: sqlite3.Connection, session_id: str, o: dict[str, Any], at_us: int) -> None:
        event_us = _to_us(o["event_time"]) if o["event_time"] is not None else None
        data = json.dumps(o["extra"], sort_keys=True, separators=(",", ":"))
        values = (
            o["cl_ord_id"], o["orig_cl_ord_id"], o["order_id"], o["symbol"], o["side"], o["status"],
            o["order_qty"], o["cum_qty"], o["leaves_qty"], o["avg_px"], o["price"], event_us,
            o["reason"], int(o["open"]), data,
        )  # fmt: skip
        ref = self._resolve_ref(conn, session_id, o)
        if ref is None:
            cur = conn.execute(
                f"INSERT INTO orders (session_id, {_ORDER_COLS}, updated_us) VALUES (?, {','.join('?' * 15)}, ?)",
                (session_id, *values, at_us),
            )
            ref = int(cur.lastrowid or 0)
        else:
            # fields a snapshot leaves out keep their last known value
            conn.execute(
                "UPDATE orders SET cl_ord_id = ?, orig_cl_ord_id = COALESCE(?, orig_cl_ord_id),"
                " order_id = COALESCE(?, order_id), symbol = COALESCE(?, symbol), side = COALESCE(?, side),"
                " status = COALESCE(?, status), order_qty = COALESCE(?, order_qty),"
                " cum_qty = COALESCE(?, cum_qty), leaves_qty = COALESCE(?, leaves_qty),"
                " avg_px = COALESCE(?, avg_px), price = COALESCE(?, price), event_us = COALESCE(?, event_us),"
                " reason = ?, is_open = ?, data = ?, updated_us = ? WHERE ref = ?",
                (*values, at_us, ref),
            )
        for cl in (*o["chain"], o["orig_cl_ord_id"], o["cl_ord_id"]):
            if cl:
                conn.execute(
                    "INSERT INTO order_ids (cl_ord_id, ref) VALUES (?, ?)"
                    " ON CONFLICT (cl_ord_id) DO UPDATE SET ref = excluded.ref",
                    (cl, ref),
                )
        conn.execute(
            f"INSERT INTO order_events (ref, session_id, at_us, {_ORDER_COLS})"
            f" VALUES (?, ?, ?, {','.join('?' * 15)})",
            (ref, session_id, at_us, *values),
        )

    # ---- queries ----------------------------------------------------------------------------

    def _read(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        self._check_open()
        self.flush()
        with self._wlock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise JournalError(f"journal query failed on {self.path}: {exc}") from exc

    @staticmethod
    def _row(r: tuple[Any, ...]) -> MessageRow:
        return MessageRow(
            id=r[0], session_id=r[1], direction=r[2], at=_from_us(r[3]), seq=r[4], msg_type=r[5],
            cl_ord_id=r[6], orig_cl_ord_id=r[7], exec_id=r[8], order_id=r[9], symbol=r[10],
            side=r[11], exec_type=r[12], ord_status=r[13], price=r[14], qty=r[15], text=r[16],
            redacted=bool(r[17]), raw=bytes(r[18]),
        )  # fmt: skip

    def _chain(self, ref: int) -> list[str]:
        rows = self._conn.execute("SELECT cl_ord_id FROM order_ids WHERE ref = ? ORDER BY rowid", (ref,))
        return [r[0] for r in rows]

    @staticmethod
    def _order_dict(r: tuple[Any, ...], *, with_time: str) -> dict[str, Any]:
        # r: session_id, cl_ord_id .. data (15 order columns), time_us
        keys = (
            "cl_ord_id", "orig_cl_ord_id", "order_id", "symbol", "side", "status", "order_qty",
            "cum_qty", "leaves_qty", "avg_px", "price", "event_time", "reason", "open", "extra",
        )  # fmt: skip
        d: dict[str, Any] = {"session_id": r[0]}
        d.update(zip(keys, r[1:16], strict=True))
        d["event_time"] = _from_us(d["event_time"]).isoformat() if d["event_time"] is not None else None
        d["open"] = bool(d["open"])
        d["extra"] = json.loads(d["extra"])
        d[with_time] = _from_us(r[16]).isoformat()
        return d

    def orders(self, open_only: bool = False) -> list[dict[str, Any]]:
        """Current state of each order (oldest first), with its ClOrdID ``chain``.
        Quantities and prices are exact decimal strings; times ISO 8601 UTC."""
        where = " WHERE is_open = 1" if open_only else ""
        rows = self._read(f"SELECT ref, session_id, {_ORDER_COLS}, updated_us FROM orders{where} ORDER BY ref")
        out = []
        with self._wlock:
            for r in rows:
                d = self._order_dict(r[1:], with_time="updated_at")
                d["chain"] = self._chain(r[0])
                out.append(d)
        return out

    def tail(self, n: int, *, after_id: int | None = None) -> list[MessageRow]:
        """The last ``n`` messages, oldest first; with ``after_id``, the first ``n`` after it
        (follow the journal by passing the last id seen)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise JournalError(f"tail: n must be an int >= 0, got {n!r}")
        cols = f"id, {_MSG_COLS}"
        if after_id is None:
            rows = self._read(f"SELECT {cols} FROM messages ORDER BY id DESC LIMIT ?", (n,))
            rows.reverse()
        else:
            rows = self._read(f"SELECT {cols} FROM messages WHERE id > ? ORDER BY id LIMIT ?", (after_id, n))
        return [self._row(r) for r in rows]

    def order_history(self, cl_ord_id: str) -> tuple[list[MessageRow], list[dict[str, Any]]]:
        """Every message and state change of the order that ever used ``cl_ord_id``,
        following the chain both ways (OrigClOrdID links, OrderID), oldest first."""
        ref_row = self._read("SELECT ref FROM order_ids WHERE cl_ord_id = ?", (cl_ord_id,))
        ids: set[str] = {cl_ord_id}
        oids: set[str] = set()
        events: list[dict[str, Any]] = []
        with self._wlock:
            if ref_row:
                ref = ref_row[0][0]
                ids.update(self._chain(ref))
                rows = self._conn.execute(
                    f"SELECT session_id, {_ORDER_COLS}, at_us FROM order_events WHERE ref = ? ORDER BY id", (ref,)
                ).fetchall()
                events = [self._order_dict(r, with_time="at") for r in rows]
                oids.update(e["order_id"] for e in events if e["order_id"])
            found: set[int] = set()
            for _ in range(16):  # a chain is a handful of links; bound the walk anyway
                q = ",".join("?" * len(ids))
                sql = f"SELECT id, cl_ord_id, orig_cl_ord_id, order_id FROM messages WHERE cl_ord_id IN ({q}) OR orig_cl_ord_id IN ({q})"
                params: list[Any] = [*ids, *ids]
                if oids:
                    sql += f" OR order_id IN ({','.join('?' * len(oids))})"
                    params += list(oids)
                rows = self._conn.execute(sql, params).fetchall()
                before = (len(ids), len(oids), len(found))
                for mid, cl, orig, oid in rows:
                    found.add(mid)
                    ids.update(x for x in (cl, orig) if x)
                    if oid:
                        oids.add(oid)
                if (len(ids), len(oids), len(found)) == before:
                    break
            msgs: list[MessageRow] = []
            if found:
                ordered = sorted(found)
                for i in range(0, len(ordered), 500):
                    part = ordered[i : i + 500]
                    rows = self._conn.execute(
                        f"SELECT id, {_MSG_COLS} FROM messages WHERE id IN ({','.join('?' * len(part))}) ORDER BY id",
                        part,
                    ).fetchall()
                    msgs.extend(self._row(r) for r in rows)
        return msgs, events

    def exec_ids(self, session_id: str | None = None) -> set[str]:
        """ExecIDs (17) of every ExecutionReport received (PENDING reports' ``-1;-1`` left out)."""
        sql = (
            "SELECT DISTINCT exec_id FROM messages WHERE direction = 'in' AND msg_type = '8'"
            " AND exec_id IS NOT NULL AND exec_id <> '-1;-1'"
        )
        params: tuple[Any, ...] = ()
        if session_id is not None:
            sql += " AND session_id = ?"
            params = (session_id,)
        return {r[0] for r in self._read(sql, params)}
