"""Session-store contract shared by the session layer and every store implementation.

The session layer calls a store synchronously and relies on one rule: `store_outbound`
returns only after the message's sequence number and bytes are recorded together, so a
message that reached the socket is always in the store and its number is never reused.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

__all__ = [
    "Durability",
    "LogEntry",
    "SeqNums",
    "SessionStore",
    "StoreError",
    "StoredMessage",
]


class StoreError(Exception):
    """The store refused or failed an operation; nothing was changed by the failed call.

    When raised by `store_outbound` the caller must not send the message.
    """


@dataclass(frozen=True)
class SeqNums:
    """The next MsgSeqNum (34) we will send and the next one we expect to receive."""

    next_sender: int
    next_target: int


@dataclass(frozen=True)
class StoredMessage:
    """An outbound message kept so a ResendRequest can be answered with the original bytes."""

    seq: int
    msg_type: str
    raw: bytes = field(repr=False)  # may hold a Logon signature: keep it out of logs
    sent_at: datetime  # aware, UTC


@dataclass(frozen=True)
class LogEntry:
    """One row of the inbound/outbound message log (kept across sequence resets)."""

    direction: str  # 'in' or 'out'
    seq: int | None
    raw: bytes = field(repr=False)
    at: datetime  # aware, UTC


class Durability(enum.Enum):
    """How hard each write is pushed to disk."""

    SYNC = "sync"
    """Every call is its own fsync'd commit: nothing reported as sent is ever lost."""

    BATCHED = "batched"
    """Commit every N calls and on flush()/close(). A crash or power loss loses the
    uncommitted tail, and the lost outbound numbers will be sent again after restart;
    the counterparty then rejects them as too low. Use only where that is acceptable."""


@runtime_checkable
class SessionStore(Protocol):
    """What the session state machine needs from durable storage (one FIX session)."""

    session_id: str

    def seqnums(self) -> SeqNums:
        """Current next sender / next target numbers."""
        ...

    def store_outbound(
        self,
        seq: int,
        msg_type: str,
        raw: bytes,
        sent_at: datetime,
        *,
        persist: bool = True,
    ) -> None:
        """Atomically record the message (unless persist=False) and set next_sender = seq + 1.

        seq must equal next_sender, else StoreError naming both numbers. Call it before the
        bytes are written to the socket; on StoreError, do not send.
        """
        ...

    def set_next_target(self, n: int) -> None:
        """Record that inbound messages up to n - 1 have been accepted."""
        ...

    def set_next_sender(self, n: int) -> None:
        """Move next_sender (SequenceReset, manual repair). Lowering it drops the stored
        outbound messages numbered n and above, since those numbers will be reused."""
        ...

    def reset(self) -> None:
        """Both numbers to 1 and stored outbound messages cleared (ResetSeqNumFlag=Y).
        The message log is kept."""
        ...

    def outbound_range(self, begin: int, end: int) -> list[StoredMessage]:
        """Stored outbound messages with begin <= seq <= end (end 0 = no limit), by seq.
        Numbers sent with persist=False are absent: the caller gap-fills over them."""
        ...

    def log(self, direction: str, seq: int | None, raw: bytes, at: datetime) -> None:
        """Append to the message log; direction is 'in' or 'out'."""
        ...

    def prune(self, older_than: datetime) -> int:
        """Drop stored outbound messages and log rows older than older_than; return how
        many rows were dropped in total."""
        ...

    def flush(self) -> None:
        """Make everything written so far durable (commits a BATCHED batch)."""
        ...

    def close(self) -> None:
        """Flush and release the store; further calls raise StoreError. Idempotent."""
        ...
