"""In-process session store with the same semantics as the SQLite store, for tests and
throwaway sessions. Nothing survives the process."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import NamedTuple

from .base import LogEntry, SeqNums, StoredMessage, StoreError
from .checks import (
    check_aware,
    check_direction,
    check_range,
    check_raw,
    check_seq,
    check_session_id,
    check_text,
    wrong_seq_error,
)

__all__ = ["MemoryStore"]


class _Outbound(NamedTuple):  # a tuple: built for every message sent
    msg_type: str
    raw: bytes | None  # None: number used with persist=False
    sent_at: datetime


_new = object.__new__
_DIRECTIONS = frozenset({"in", "out"})


def _seqnums(next_sender: int, next_target: int) -> SeqNums:
    """``SeqNums(next_sender, next_target)`` without the frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` call per field): the store makes one per message sent and received."""
    seqs = _new(SeqNums)
    fields = seqs.__dict__
    fields["next_sender"] = next_sender
    fields["next_target"] = next_target
    return seqs


def _plain(seq: object, raw: object, at: object) -> bool:
    """The arguments every session call passes (an int seq, bytes, an aware UTC datetime), for
    which the ``checks`` would return them unchanged: the fast paths skip those calls."""
    return (
        type(seq) is int
        and seq >= 1
        and type(raw) is bytes
        and type(at) is datetime
        and at.tzinfo is UTC
    )


class _Group:
    """``MemoryStore.group()``: on an exception the block's writes are undone.  A class, not a
    ``contextlib.contextmanager`` generator: the session opens one group per read."""

    __slots__ = ("_store", "_seq", "_log_len")

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def __enter__(self) -> None:
        store = self._store
        store._check_open()
        self._seq, self._log_len = store._seq, len(store._log)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            return
        store, seq = self._store, self._seq
        for n in [n for n in store._outbound if n >= seq.next_sender]:
            del store._outbound[n]
        del store._log[self._log_len :]
        store._seq = seq


class MemoryStore:
    """A `SessionStore` kept in dicts; each instance starts at next_sender = next_target = 1."""

    def __init__(self, session_id: str) -> None:
        self.session_id = check_session_id(session_id)
        self._seq = SeqNums(1, 1)
        self._outbound: dict[int, _Outbound] = {}
        self._log: list[LogEntry] = []
        self._closed = False

    def __repr__(self) -> str:
        return f"MemoryStore(session_id={self.session_id!r}, {self._seq})"

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store for session {self.session_id!r} is closed")

    def seqnums(self) -> SeqNums:
        if self._closed:
            self._check_open()
        return self._seq

    def group(self) -> _Group:
        """Same contract as ``SqliteStore.group``: on an exception the block's writes are undone."""
        return _Group(self)

    def store_outbound(
        self,
        seq: int,
        msg_type: str,
        raw: bytes,
        sent_at: datetime,
        *,
        persist: bool = True,
    ) -> None:
        current = self._seq
        # the session's call: nothing for the checks below to refuse or convert
        if (
            not self._closed
            and seq == current.next_sender
            and type(msg_type) is str
            and msg_type
            and _plain(seq, raw, sent_at)
        ):
            self._outbound[seq] = _Outbound(msg_type, raw if persist else None, sent_at)
            self._seq = _seqnums(seq + 1, current.next_target)
            return
        self._check_open()
        seq = check_seq("seq", seq)
        msg_type = check_text("msg_type", msg_type)
        data = check_raw("raw", raw)
        when = check_aware("sent_at", sent_at)
        if seq != self._seq.next_sender:
            raise wrong_seq_error(self.session_id, seq, self._seq.next_sender)
        self._outbound[seq] = _Outbound(msg_type, data if persist else None, when)
        self._seq = SeqNums(seq + 1, self._seq.next_target)

    def set_next_target(self, n: int) -> None:
        if self._closed:
            self._check_open()
        if type(n) is not int or n < 1:
            n = check_seq("next_target", n)
        self._seq = _seqnums(self._seq.next_sender, n)

    def set_next_sender(self, n: int) -> None:
        self._check_open()
        n = check_seq("next_sender", n)
        for seq in [s for s in self._outbound if s >= n]:
            del self._outbound[seq]
        self._seq = SeqNums(n, self._seq.next_target)

    def reset(self) -> None:
        self._check_open()
        self._outbound.clear()
        self._seq = SeqNums(1, 1)

    def outbound_range(self, begin: int, end: int) -> list[StoredMessage]:
        self._check_open()
        lo, hi = check_range(begin, end)
        return [
            StoredMessage(seq, entry.msg_type, entry.raw, entry.sent_at)
            for seq, entry in sorted(self._outbound.items())
            if entry.raw is not None and seq >= lo and (hi is None or seq <= hi)
        ]

    def log(self, direction: str, seq: int | None, raw: bytes, at: datetime) -> None:
        # the session's call: nothing for the checks below to refuse or convert
        if (
            not self._closed
            and type(direction) is str
            and direction in _DIRECTIONS
            and _plain(seq, raw, at)
        ):
            entry = _new(LogEntry)  # LogEntry(...) without its __init__, as _seqnums does
            fields = entry.__dict__
            fields["direction"] = direction
            fields["seq"] = seq
            fields["raw"] = raw
            fields["at"] = at
            self._log.append(entry)
            return
        self._check_open()
        entry = LogEntry(
            check_direction(direction),
            None if seq is None else check_seq("log seq", seq),
            check_raw("raw", raw),
            check_aware("at", at),
        )
        self._log.append(entry)

    def read_log(self, *, since: datetime | None = None) -> list[LogEntry]:
        """Log rows in the order they were written (optionally only those at >= since)."""
        self._check_open()
        if since is None:
            return list(self._log)
        cutoff = check_aware("since", since)
        return [e for e in self._log if e.at >= cutoff]

    def prune(self, older_than: datetime) -> int:
        self._check_open()
        cutoff = check_aware("older_than", older_than)
        old = [s for s, e in self._outbound.items() if e.sent_at < cutoff]
        for seq in old:
            del self._outbound[seq]
        kept = [e for e in self._log if e.at >= cutoff]
        dropped = len(old) + len(self._log) - len(kept)
        self._log = kept
        return dropped

    def flush(self) -> None:
        self._check_open()

    def close(self) -> None:
        self._closed = True
