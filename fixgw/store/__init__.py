"""Durable FIX session state: sequence numbers, outbound messages for resends, message log.

Open one with `open_store("state/fixgw.sqlite", "KALSHI-OE")` (SQLite, SYNC durability) or
`open_store("memory:", "KALSHI-OE")` (in-process, for tests).
"""

from __future__ import annotations

import os

from .base import Durability, LogEntry, SeqNums, SessionStore, StoredMessage, StoreError
from .checks import check_durability
from .memory import MemoryStore
from .sqlite import DEFAULT_BATCH_SIZE, SqliteStore

__all__ = [
    "Durability",
    "LogEntry",
    "MemoryStore",
    "SeqNums",
    "SessionStore",
    "SqliteStore",
    "StoreError",
    "StoredMessage",
    "open_store",
]

_MEMORY = {"memory:", "memory://", ":memory:"}


def open_store(
    url_or_path: str | os.PathLike[str],
    session_id: str,
    *,
    durability: Durability | str = Durability.SYNC,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> SessionStore:
    """Open the store for one session.

    Accepted forms: "memory:" (also "memory://", ":memory:") for a fresh MemoryStore;
    "sqlite:PATH" or "sqlite://PATH" ("sqlite:///abs/file.sqlite" is an absolute path);
    or a plain filesystem path, which means SQLite. durability is a Durability or its
    value ('sync' / 'batched'); it and batch_size are ignored by the memory store.
    """
    mode = check_durability(durability)
    target = os.fspath(url_or_path)
    if not isinstance(target, str) or not target:
        raise StoreError(f"store location must be a non-empty path or URL, got {url_or_path!r}")
    if target.lower() in _MEMORY:
        return MemoryStore(session_id)
    scheme, sep, rest = target.partition(":")
    if sep and len(scheme) > 1 and scheme.isidentifier():
        if scheme.lower() != "sqlite":
            raise StoreError(
                f"unsupported store URL scheme {scheme!r} in {target!r}"
                " (use sqlite:PATH, a plain path, or memory:)"
            )
        path = rest[2:] if rest.startswith("//") else rest
        if not path:
            raise StoreError(f"store URL {target!r} has no file path")
        target = path
    return SqliteStore(target, session_id, durability=mode, batch_size=batch_size)
