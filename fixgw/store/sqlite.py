"""Durable session store in one SQLite file (many sessions per file).

Each outbound message's number and bytes go into the same transaction as next_sender, and
in SYNC mode that transaction is committed with synchronous=FULL before `store_outbound`
returns; the caller writes to the socket only afterwards. So after any crash, every message
the peer may have seen is on disk and the next number is exactly one above it.

Within one process, all stores on the same file share one connection: a BATCHED batch is a
long-lived write transaction, and a second connection from the same event loop would block
on it. Across processes, writes are compare-and-set on the session row, so two engines on
one session fail loudly instead of reusing numbers.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime

from . import schema
from .base import Durability, LogEntry, SeqNums, StoredMessage, StoreError
from .checks import (
    check_aware,
    check_direction,
    check_durability,
    check_range,
    check_raw,
    check_seq,
    check_session_id,
    check_text,
    wrong_seq_error,
)

__all__ = ["SqliteStore", "DEFAULT_BATCH_SIZE"]

DEFAULT_BATCH_SIZE = 100

_Op = Callable[[sqlite3.Connection], object]  # what it returns (a cursor, say) is ignored


class _Database:
    """The per-process connection to one store file, with its open batch (if any)."""

    def __init__(
        self, path: str, durability: Durability, batch_size: int, busy_timeout: float
    ) -> None:
        self.path = path
        self.durability = durability
        self.batch_size = batch_size
        self.lock = threading.RLock()
        self.stores: dict[str, SqliteStore] = {}
        self.pending = 0  # changes in the open BATCHED transaction
        self.grouping = 0  # depth of open group() blocks: their writes share one commit
        self.flush_requested = False  # a flush() inside a group: commit when it ends
        conn = schema.connect(path, mode="rwc", busy_timeout=busy_timeout)
        try:
            schema.configure_writer(conn, path, full_sync=durability is Durability.SYNC)
            schema.ensure_schema(conn, path)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"cannot open session store {path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        self.conn = conn

    def write(self, op: _Op, what: str, *, commit_now: bool = False) -> None:
        """Run op atomically; raise StoreError with everything op did undone on failure."""
        with self.lock:
            if self.grouping:
                self._write_grouped(op, what)  # committed when the group ends
                return
            if self.durability is Durability.SYNC:
                self._write_sync(op, what)
                return
            self._write_batched(op, what)
            if commit_now or self.pending >= self.batch_size:
                self.commit(what)

    def _write_sync(self, op: _Op, what: str) -> None:
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            op(conn)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            schema.rollback_quietly(conn)
            raise StoreError(
                f"{what} failed on {self.path}: {exc} (rolled back; nothing was stored)"
            ) from exc
        except BaseException:
            schema.rollback_quietly(conn)
            raise

    def _write_grouped(self, op: _Op, what: str) -> None:
        """Inside ``group()``: no savepoint per operation, since a failure undoes the whole
        group anyway (half the statements per message)."""
        try:
            op(self.conn)
        except sqlite3.Error as exc:
            raise StoreError(f"{what} failed on {self.path}: {exc} (the write group is undone)") from exc
        self.pending += 1

    def stage_or_write_seqnums(self) -> None:
        """Write the numbers staged by the stores on this file (see ``SqliteStore._stage``)."""
        for st in self.stores.values():
            if st._staged_from is not None and st._seq is not None:
                schema.write_seqnums(self.conn, st.session_id, st._seq, expected=st._staged_from, path=self.path)
            st._staged_from = None

    def _write_batched(self, op: _Op, what: str) -> None:
        conn = self.conn
        try:
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")
            conn.execute("SAVEPOINT store_op")
        except sqlite3.Error as exc:
            raise StoreError(f"{what} failed on {self.path}: {exc} (nothing was stored)") from exc
        try:
            op(conn)
            conn.execute("RELEASE store_op")
        except BaseException as exc:
            lost = self._undo_savepoint()
            note = "rolled back; nothing was stored" if lost is None else lost
            if isinstance(exc, StoreError):
                if lost is None:
                    raise
                raise StoreError(f"{exc}; {note}") from exc
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"{what} failed on {self.path}: {exc} ({note})") from exc
            raise
        self.pending += 1

    def _undo_savepoint(self) -> str | None:
        """Undo the failed operation only. If SQLite already rolled back the whole batch
        (it does on SQLITE_FULL and some I/O errors), recover and describe the loss."""
        conn = self.conn
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK TO store_op")
                conn.execute("RELEASE store_op")
                return None
            except sqlite3.Error:
                schema.rollback_quietly(conn)
        return self._batch_lost()

    def _batch_lost(self) -> str:
        """The open batch is gone, including messages already handed to the socket. Write
        the numbers the sessions actually reached back, so none is ever reused; if even
        that fails, no store on this file may be used again until reopened."""
        count, self.pending = self.pending, 0
        reached = {sid: st._seq for sid, st in self.stores.items() if st._seq is not None}
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for sid, seq in reached.items():
                self.conn.execute(
                    "UPDATE sessions SET next_sender = ?, next_target = ? WHERE session_id = ?",
                    (seq.next_sender, seq.next_target, sid),
                )
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            schema.rollback_quietly(self.conn)
            reason = (
                f"the uncommitted batch of {count} change(s) in {self.path} was lost and the"
                f" sequence numbers reached could not be saved again ({exc}); the stored"
                " numbers are behind the ones already sent: close the store and repair them"
                " (store set) before reconnecting"
            )
            for store in self.stores.values():
                store._broken = reason
            return reason
        return (
            f"the uncommitted batch of {count} change(s) was lost (stored messages and log"
            " rows; resends of them must be gap-filled); the sequence numbers reached were"
            " saved again, so none will be reused"
        )

    def commit(self, what: str) -> None:
        with self.lock:
            if not self.conn.in_transaction:
                self.pending = 0
                return
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                schema.rollback_quietly(self.conn)
                note = self._batch_lost()
                raise StoreError(f"{what}: commit failed on {self.path}: {exc}; {note}") from exc
            self.pending = 0


_REGISTRY: dict[str, _Database] = {}
_REGISTRY_LOCK = threading.Lock()


def _attach(store: SqliteStore, path: str, batch_size: int, busy_timeout: float) -> _Database:
    key = os.path.realpath(path)
    with _REGISTRY_LOCK:
        db = _REGISTRY.get(key)
        if db is None:
            db = _Database(key, store.durability, batch_size, busy_timeout)
            _REGISTRY[key] = db
        elif db.durability is not store.durability or (
            db.durability is Durability.BATCHED and db.batch_size != batch_size
        ):
            raise StoreError(
                f"{path} is already open in this process with durability="
                f"{db.durability.value} batch_size={db.batch_size}; stores sharing a file"
                f" must use the same settings (asked: durability={store.durability.value}"
                f" batch_size={batch_size})"
            )
        with db.lock:
            if store.session_id in db.stores:
                raise StoreError(
                    f"session {store.session_id!r} is already open in this process on {path}"
                    " (two stores for one session would reuse sequence numbers)"
                )
            db.stores[store.session_id] = store
    return db


def _detach(store: SqliteStore, db: _Database) -> None:
    with _REGISTRY_LOCK, db.lock:
        if db.stores.get(store.session_id) is store:
            del db.stores[store.session_id]
        if not db.stores:
            _REGISTRY.pop(db.path, None)
            schema.rollback_quietly(db.conn)
            db.conn.close()


class SqliteStore:
    """A `SessionStore` for one session in an SQLite file (created if missing)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        session_id: str,
        *,
        durability: Durability | str = Durability.SYNC,
        batch_size: int = DEFAULT_BATCH_SIZE,
        busy_timeout: float = 5.0,
    ) -> None:
        self.session_id = check_session_id(session_id)
        self.durability = check_durability(durability)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise StoreError(f"batch_size must be an int >= 1, got {batch_size!r}")
        self.path = os.fspath(path)
        self._seq: SeqNums | None = None
        # Inside a group, new numbers are kept in _seq and written once when the group ends;
        # _staged_from is what the row holds meanwhile (the compare-and-set's expected value).
        self._staged_from: SeqNums | None = None
        self._closed = False
        self._broken: str | None = None
        parent = os.path.dirname(os.path.abspath(self.path))
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create directory {parent} for session store: {exc}")
        self._db = _attach(self, self.path, batch_size, busy_timeout)
        try:
            self._db.write(
                lambda conn: conn.execute(
                    "INSERT OR IGNORE INTO sessions (session_id, next_sender, next_target)"
                    " VALUES (?, 1, 1)",
                    (self.session_id,),
                ),
                f"open session {self.session_id!r}",
                commit_now=True,
            )
            self._current()
        except BaseException:
            self._closed = True
            _detach(self, self._db)
            raise

    def __repr__(self) -> str:
        return (
            f"SqliteStore(path={self.path!r}, session_id={self.session_id!r},"
            f" durability={self.durability.value})"
        )

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store for session {self.session_id!r} ({self.path}) is closed")
        if self._broken is not None:
            raise StoreError(f"store for session {self.session_id!r} is unusable: {self._broken}")

    def _current(self) -> SeqNums:
        """Cached numbers; re-read after any failure, since a failed write may have
        rolled back more than itself."""
        if self._seq is None:
            try:
                found = schema.read_seqnums(self._db.conn, self.session_id)
            except sqlite3.Error as exc:
                raise StoreError(
                    f"cannot read sequence numbers of session {self.session_id!r}"
                    f" from {self.path}: {exc}"
                ) from exc
            if found is None:
                raise StoreError(
                    f"session {self.session_id!r} has no row in {self.path}"
                    " (removed outside this store?)"
                )
            self._seq = found
        return self._seq

    def _write(self, op: _Op, what: str, new: SeqNums | None, *, commit_now: bool = False) -> None:
        try:
            self._db.write(op, f"{what} for session {self.session_id!r}", commit_now=commit_now)
        except BaseException:
            self._seq = None
            raise
        if new is not None:
            self._seq = new

    def _stage(self, cur: SeqNums) -> bool:
        """In a group: the caller's new numbers go to ``_seq`` only (True)."""
        if not self._db.grouping:
            return False
        if self._staged_from is None:
            self._staged_from = cur
        return True

    def _unstage(self) -> None:
        """Write staged numbers now (before a write that compares against the row)."""
        if self._staged_from is not None:
            self._db.write(lambda conn: self._db.stage_or_write_seqnums(), "write staged sequence numbers")

    def _set(self, new: SeqNums, what: str, *, commit_now: bool, clear: bool = False) -> None:
        self._unstage()
        cur = self._current()

        def op(conn: sqlite3.Connection) -> None:
            schema.write_seqnums(conn, self.session_id, new, expected=cur, path=self.path)
            if clear:
                conn.execute("DELETE FROM outbound WHERE session_id = ?", (self.session_id,))

        self._write(op, what, new, commit_now=commit_now)

    # -- SessionStore ----------------------------------------------------------------

    def seqnums(self) -> SeqNums:
        with self._db.lock:
            self._check_open()
            return self._current()

    def store_outbound(
        self,
        seq: int,
        msg_type: str,
        raw: bytes,
        sent_at: datetime,
        *,
        persist: bool = True,
    ) -> None:
        with self._db.lock:
            self._check_open()
            seq = check_seq("seq", seq)
            msg_type = check_text("msg_type", msg_type)
            data = check_raw("raw", raw)
            sent_us = schema.to_us(check_aware("sent_at", sent_at))
            cur = self._current()
            if seq != cur.next_sender:
                raise wrong_seq_error(self.session_id, seq, cur.next_sender)
            new = SeqNums(seq + 1, cur.next_target)
            row = (
                self.session_id,
                seq,
                msg_type,
                data if persist else None,
                schema.checksum(data) if persist else None,
                sent_us,
            )

            staged = self._stage(cur)

            def op(conn: sqlite3.Connection) -> None:
                if not staged:
                    schema.write_seqnums(conn, self.session_id, new, expected=cur, path=self.path)
                conn.execute(
                    "INSERT INTO outbound (session_id, seq, msg_type, raw, crc32, sent_us)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    row,
                )

            self._write(op, f"store_outbound(seq={seq}, msg_type={msg_type!r})", new)

    def set_next_target(self, n: int) -> None:
        with self._db.lock:
            self._check_open()
            n = check_seq("next_target", n)
            cur = self._current()
            if self._stage(cur):
                self._seq = SeqNums(cur.next_sender, n)
                return
            self._set(SeqNums(cur.next_sender, n), f"set_next_target({n})", commit_now=False)

    def set_next_sender(self, n: int) -> None:
        with self._db.lock:
            self._check_open()
            n = check_seq("next_sender", n)
            cur = self._current()
            self._set(SeqNums(n, cur.next_target), f"set_next_sender({n})", commit_now=True)

    def reset(self) -> None:
        with self._db.lock:
            self._check_open()
            self._set(SeqNums(1, 1), "reset()", commit_now=True, clear=True)

    def outbound_range(self, begin: int, end: int) -> list[StoredMessage]:
        with self._db.lock:
            self._check_open()
            lo, hi = check_range(begin, end)
            sql = (
                "SELECT seq, msg_type, raw, crc32, sent_us FROM outbound"
                " WHERE session_id = ? AND seq >= ? AND raw IS NOT NULL"
            )
            params: tuple[object, ...] = (self.session_id, lo)
            if hi is not None:
                sql += " AND seq <= ?"
                params += (hi,)
            try:
                rows = self._db.conn.execute(sql + " ORDER BY seq", params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(
                    f"outbound_range({begin}, {end}) for session {self.session_id!r}"
                    f" failed on {self.path}: {exc}"
                ) from exc
        out = []
        for seq, msg_type, raw, crc, sent_us in rows:
            if not isinstance(raw, bytes) or schema.checksum(raw) != crc:
                actual = schema.checksum(raw) if isinstance(raw, bytes) else type(raw).__name__
                raise StoreError(
                    f"stored outbound message seq {seq} of session {self.session_id!r} in"
                    f" {self.path} is damaged (CRC-32 stored {crc}, computed {actual});"
                    " run verify"
                )
            out.append(StoredMessage(seq, msg_type, raw, schema.from_us(sent_us)))
        return out

    def log(self, direction: str, seq: int | None, raw: bytes, at: datetime) -> None:
        with self._db.lock:
            self._check_open()
            row = (
                self.session_id,
                check_direction(direction),
                None if seq is None else check_seq("log seq", seq),
                check_raw("raw", raw),
                schema.to_us(check_aware("at", at)),
            )
            self._write(
                lambda conn: conn.execute(
                    "INSERT INTO message_log (session_id, direction, seq, raw, at_us)"
                    " VALUES (?, ?, ?, ?, ?)",
                    row,
                ),
                f"log({direction!r}, seq={seq})",
                None,
            )

    def read_log(self, *, since: datetime | None = None) -> list[LogEntry]:
        """Log rows in the order they were written (optionally only those at >= since)."""
        with self._db.lock:
            self._check_open()
            cutoff = None if since is None else schema.to_us(check_aware("since", since))
            try:
                rows = self._db.conn.execute(
                    "SELECT direction, seq, raw, at_us FROM message_log"
                    " WHERE session_id = ? AND at_us >= ? ORDER BY id",
                    (self.session_id, -(2**63) if cutoff is None else cutoff),
                ).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(
                    f"read_log for session {self.session_id!r} failed on {self.path}: {exc}"
                ) from exc
        return [LogEntry(d, s, r, schema.from_us(at)) for d, s, r, at in rows]

    def prune(self, older_than: datetime) -> int:
        with self._db.lock:
            self._check_open()
            cutoff = schema.to_us(check_aware("older_than", older_than))
            dropped = 0

            def op(conn: sqlite3.Connection) -> None:
                nonlocal dropped
                a = conn.execute(
                    "DELETE FROM outbound WHERE session_id = ? AND sent_us < ?",
                    (self.session_id, cutoff),
                ).rowcount
                b = conn.execute(
                    "DELETE FROM message_log WHERE session_id = ? AND at_us < ?",
                    (self.session_id, cutoff),
                ).rowcount
                dropped = a + b

            self._write(op, f"prune({older_than.isoformat()})", None, commit_now=True)
            return dropped

    @contextlib.contextmanager
    def group(self) -> Iterator[None]:
        """Writes inside share one transaction: one commit (one fsync in SYNC mode) for all
        the messages of one read, instead of one per message.  Safe for the store-before-send
        rule as long as nothing the block produced reaches the socket before the block ends:
        the session core returns its actions only after it.  On an exception every write of
        the block is undone, so the store is as it was and nothing is half-recorded."""
        db = self._db
        with db.lock:
            self._check_open()
            conn = db.conn
            began = not conn.in_transaction
            pending0 = db.pending
            seq0 = {sid: st._seq for sid, st in db.stores.items()}  # what was reached before
            try:
                if began:
                    conn.execute("BEGIN IMMEDIATE")
                if db.grouping:
                    db.stage_or_write_seqnums()  # an inner group's undo must not lose them
                conn.execute("SAVEPOINT store_group")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot start a write group on {self.path}: {exc}") from exc
            db.grouping += 1
        ok = False
        try:
            yield
            ok = True
        finally:
            with db.lock:
                db.grouping -= 1
                if not ok:
                    db.pending = pending0
                    for sid, st in db.stores.items():
                        st._staged_from = None
                        st._seq = seq0.get(sid)
                    if began:
                        schema.rollback_quietly(conn)  # the transaction was ours: all of it
                    elif conn.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            conn.execute("ROLLBACK TO store_group")
                            conn.execute("RELEASE store_group")
                    else:
                        db._batch_lost()  # SQLite dropped the open batch too (disk full)
                    for st in db.stores.values():
                        st._seq = None  # re-read: the block's changes are gone
                else:
                    try:
                        if conn.in_transaction:
                            db.stage_or_write_seqnums()
                            conn.execute("RELEASE store_group")
                    except sqlite3.Error as exc:
                        schema.rollback_quietly(conn)
                        for st in db.stores.values():
                            st._staged_from = None
                            st._seq = None
                        raise StoreError(f"write group on {self.path} failed: {exc}") from exc
                    except StoreError:
                        schema.rollback_quietly(conn)
                        for st in db.stores.values():
                            st._staged_from = None
                            st._seq = None
                        raise
                    if db.grouping == 0 and (
                        self.durability is Durability.SYNC
                        or db.pending >= db.batch_size
                        or db.flush_requested
                    ):
                        db.flush_requested = False
                        try:
                            db.commit(f"write group for session {self.session_id!r}")
                        except BaseException:
                            self._seq = None
                            raise

    def flush(self) -> None:
        with self._db.lock:
            self._check_open()
            if self._db.grouping:
                self._db.flush_requested = True  # the group's end commits
                return
            if self.durability is Durability.BATCHED:
                try:
                    self._db.commit(f"flush() for session {self.session_id!r}")
                except BaseException:
                    self._seq = None
                    raise

    def close(self) -> None:
        """Commit any open batch and release the file (when no other session uses it).
        If that commit fails the store is still closed and StoreError is raised."""
        if self._closed:
            return
        db = self._db
        try:
            with db.lock:
                self._closed = True
                if self.durability is Durability.BATCHED:
                    db.commit(f"close() for session {self.session_id!r}")
        finally:
            _detach(self, db)
