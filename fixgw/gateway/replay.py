"""Drop-copy replay: fetch execution reports from KalshiDC in chunks, write each exactly once.

Resumable and idempotent: the output file is JSON Lines keyed by ExecID (re-read on start so a
rerun never duplicates a line), and a cursor file remembers the last ExecID written.  A chunk
is asked for as ``[a;b, a;b+chunk-1]`` (ExecIDs are ``int;int`` and increase monotonically);
an empty chunk is followed by one open-ended request, so a jump in the first component (a new
epoch) is still found.  EventResendReject reasons 1 (too many requests) and 2 (server error)
are retried with backoff; 3 and 4 are the caller's range mistakes and stop the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..app.dropcopy import DropCopy, DropCopyRejected, exec_id_key, parse_exec_id
from ..messages.jsonview import to_jsonable
from ..transport.backoff import Backoff

__all__ = ["ReplayCursor", "ReplayStats", "Reconciliation", "folded_news", "replay_to_file", "reconcile"]


@dataclass
class ReplayCursor:
    """``{"last_exec_id": "a;b"}`` in a small JSON file, replaced atomically."""

    path: Path
    last_exec_id: str | None = None

    @classmethod
    def load(cls, path: Path) -> ReplayCursor:
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: unreadable replay cursor ({exc}); delete it to start over") from None
        last = data.get("last_exec_id")
        if last is not None:
            parse_exec_id(last)
        return cls(path, last)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps({"last_exec_id": self.last_exec_id}) + "\n")
        os.replace(tmp, self.path)


@dataclass
class ReplayStats:
    requested_chunks: int = 0
    received: int = 0
    written: int = 0
    duplicates: int = 0
    retries: int = 0
    last_exec_id: str | None = None
    exec_ids: set[str] = field(default_factory=set)


def _next_id(exec_id: str) -> str:
    a, b = parse_exec_id(exec_id)
    return f"{a};{b + 1}"


def _chunk_end(begin: str, size: int, end: str | None) -> str:
    a, b = parse_exec_id(begin)
    stop = f"{a};{b + size - 1}"
    if end is not None and exec_id_key(stop) > exec_id_key(end):
        return end
    return stop


def read_existing(path: Path) -> set[str]:
    seen: set[str] = set()
    if not path.exists():
        return seen
    with path.open() as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                seen.add(json.loads(line)["exec_id"])
            except (ValueError, KeyError):
                raise ValueError(f"{path}:{n}: not a replay line (JSON with exec_id)") from None
    return seen


class Progress:
    """A one-line bar on a terminal; plain lines otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def update(self, stats: ReplayStats, current: str | None) -> None:
        msg = f"chunks {stats.requested_chunks}  reports {stats.received}  written {stats.written}  at {current or '-'}"
        if self.tty:
            self.stream.write("\r\x1b[2K" + msg)
        else:
            self.stream.write(msg + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


async def replay_to_file(
    dropcopy: DropCopy,
    *,
    out: Path,
    cursor: ReplayCursor,
    begin: str | None = None,
    end: str | None = None,
    chunk: int = 1000,
    progress: Progress | None = None,
    backoff: Backoff | None = None,
    max_retries: int = 5,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> ReplayStats:
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    start = begin or (cursor.last_exec_id and _next_id(cursor.last_exec_id))
    if start is None:
        raise ValueError("no --from given and no saved cursor: say where to start (an ExecID like '4;7')")
    parse_exec_id(start)
    if end is not None:
        parse_exec_id(end)
    stats = ReplayStats()
    seen = read_existing(out)
    backoff = backoff or Backoff(base=1.0, cap=30.0)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as fh:
        current = start
        open_ended = False
        while True:
            stop = end if open_ended else _chunk_end(current, chunk, end)
            try:
                result = await dropcopy.replay(current, stop)
            except DropCopyRejected as exc:
                if exc.reason == 4 and not open_ended and stop != end:
                    # our chunk reaches past the latest ExecID: ask for the rest, up to the latest
                    open_ended = True
                    continue
                if exc.retryable and stats.retries < max_retries:
                    stats.retries += 1
                    await sleep(backoff.next_delay())
                    continue
                raise
            backoff.reset()
            stats.requested_chunks += 1
            reports = sorted(result.reports, key=lambda r: exec_id_key(r.exec_id))
            stats.received += len(reports)
            for er in reports:
                if er.exec_id in seen:
                    stats.duplicates += 1
                    continue
                seen.add(er.exec_id)
                fh.write(json.dumps(to_jsonable(er), separators=(",", ":")) + "\n")
                stats.written += 1
                stats.exec_ids.add(er.exec_id)
            fh.flush()
            os.fsync(fh.fileno())
            if reports:
                last = reports[-1].exec_id
                if cursor.last_exec_id is None or exec_id_key(last) > exec_id_key(cursor.last_exec_id):
                    cursor.last_exec_id = last
                    cursor.save()
                stats.last_exec_id = cursor.last_exec_id
            if progress is not None:
                progress.update(stats, cursor.last_exec_id)
            if end is not None and stop == end:
                break
            if open_ended:
                break
            assert stop is not None  # not open-ended, so _chunk_end's
            if not reports:
                open_ended = True  # an empty chunk: is there anything at all further on?
                current = _next_id(stop)
                continue
            current = _next_id(stop if exec_id_key(stop) >= exec_id_key(reports[-1].exec_id) else reports[-1].exec_id)
    if progress is not None:
        progress.done()
    return stats


@dataclass
class Reconciliation:
    missing_in_journal: list[str]
    unknown_to_exchange: list[str]
    #: New reports the exchange issued that the trading session never sent (folded into the
    #: order's first Trade report when 21026 AlwaysEmitNewBeforeTrade is off): not a loss.
    folded: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.missing_in_journal and not self.unknown_to_exchange


def reconcile(
    exchange_ids: Iterable[str],
    journal_ids: Iterable[str],
    *,
    begin: str | None = None,
    end: str | None = None,
    folded: Iterable[str] = (),
) -> Reconciliation:
    """Compare ExecIDs from the exchange's replay with the journal's (within ``begin..end``).
    ``folded``: exchange ExecIDs the journal may lack without anything being lost (see
    `folded_news`)."""
    ex = set(exchange_ids)
    lo = exec_id_key(begin) if begin else None
    hi = exec_id_key(end) if end else None
    jr = {
        i
        for i in journal_ids
        if i != "-1;-1" and (lo is None or exec_id_key(i) >= lo) and (hi is None or exec_id_key(i) <= hi)
    }
    fold = set(folded) & (ex - jr)
    return Reconciliation(
        sorted(ex - jr - fold, key=exec_id_key), sorted(jr - ex, key=exec_id_key), sorted(fold, key=exec_id_key)
    )


def folded_news(replay_rows: Iterable[dict[str, Any]], traded_order_ids: Iterable[str]) -> set[str]:
    """ExecIDs of New (150=0) reports in a replay whose order the journal saw trade: a trading
    session without 21026 reports an order that fills on entry with the Trade only."""
    traded = set(traded_order_ids)
    return {
        r["exec_id"] for r in replay_rows if str(r.get("exec_type")) == "0" and r.get("order_id") in traded
    }


def load_replay_file(path: Path) -> list[dict[str, Any]]:
    with path.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]
