"""Operator tools over a store file (what `fixgw store ...` calls).

They open their own connection, so they also work on a file an engine has open: show and
verify only read. set_seqnums writes; a running engine on that session notices the change
on its next write and refuses it (StoreError) rather than overwriting it, so stop the
engine first.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import schema
from .base import SeqNums, StoreError
from .checks import check_seq, check_session_id

__all__ = [
    "VerifyReport",
    "format_seqnums",
    "format_verify",
    "set_seqnums",
    "show_seqnums",
    "verify",
]


@dataclass
class VerifyReport:
    path: str
    sessions: int = 0
    messages: int = 0  # stored outbound rows checked (including persist=False numbers)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _existing(path: str | os.PathLike[str]) -> str:
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise StoreError(f"no session store at {p}")
    return p


def show_seqnums(path: str | os.PathLike[str]) -> list[tuple[str, SeqNums]]:
    """Every session in the file with its numbers, sorted by session id."""
    p = _existing(path)
    conn = schema.connect(p, mode="ro")
    try:
        schema.check_schema(conn, p)
        rows = conn.execute(
            "SELECT session_id, next_sender, next_target FROM sessions ORDER BY session_id"
        ).fetchall()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read session store {p}: {exc}") from exc
    finally:
        conn.close()
    return [(sid, SeqNums(s, t)) for sid, s, t in rows]


def set_seqnums(
    path: str | os.PathLike[str],
    session_id: str,
    *,
    next_sender: int | None = None,
    next_target: int | None = None,
    create: bool = False,
) -> SeqNums:
    """Set one or both numbers of a session and return the result.

    The session must exist unless create=True (which also creates the file; a new session
    starts at 1/1). Lowering next_sender drops the stored outbound messages numbered at or
    above it, since those numbers will be sent again.
    """
    sid = check_session_id(session_id)
    if next_sender is not None:
        check_seq("next_sender", next_sender)
    if next_target is not None:
        check_seq("next_target", next_target)
    if next_sender is None and next_target is None and not create:
        raise StoreError("set_seqnums: give next_sender and/or next_target")
    p = os.fspath(path) if create else _existing(path)
    conn = schema.connect(p, mode="rwc" if create else "rw")
    try:
        schema.configure_writer(conn, p, full_sync=True)
        if create:
            schema.ensure_schema(conn, p)
        else:
            schema.check_schema(conn, p)
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = schema.read_seqnums(conn, sid)
            if cur is None and not create:
                known = [r[0] for r in conn.execute("SELECT session_id FROM sessions")]
                raise StoreError(
                    f"session {sid!r} not found in {p} (sessions: "
                    f"{', '.join(sorted(known)) or 'none'}); pass create=True to add it"
                )
            base = cur or SeqNums(1, 1)
            new = SeqNums(
                base.next_sender if next_sender is None else next_sender,
                base.next_target if next_target is None else next_target,
            )
            schema.write_seqnums(conn, sid, new, expected=None, path=p)
            conn.execute("COMMIT")
        except BaseException:
            schema.rollback_quietly(conn)
            raise
    except sqlite3.Error as exc:
        raise StoreError(f"set_seqnums on {p} failed: {exc} (nothing changed)") from exc
    finally:
        conn.close()
    return new


def verify(path: str | os.PathLike[str]) -> VerifyReport:
    """Check the file and every stored outbound message; problems are readable lines."""
    p = _existing(path)
    report = VerifyReport(p)
    conn = schema.connect(p, mode="ro")
    try:
        _verify(conn, report)
    except sqlite3.DatabaseError as exc:
        report.problems.append(f"cannot read {p}: {exc}")
    finally:
        conn.close()
    return report


def _verify(conn: sqlite3.Connection, report: VerifyReport) -> None:
    problems = report.problems
    lines = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if lines != ["ok"]:
        problems.extend(f"integrity_check: {line}" for line in lines)
    schema.check_schema(conn, report.path)
    for table in ("outbound", "message_log"):
        orphans = conn.execute(
            f"SELECT session_id, COUNT(*) FROM {table} WHERE session_id NOT IN"
            " (SELECT session_id FROM sessions) GROUP BY session_id ORDER BY session_id"
        )
        for sid, count in orphans:
            problems.append(
                f"{table}: {count} row(s) for session {sid!r}, which has no sessions row"
            )
    sessions = conn.execute(
        "SELECT session_id, next_sender, next_target FROM sessions ORDER BY session_id"
    ).fetchall()
    for sid, next_sender, _next_target in sessions:
        report.sessions += 1
        prev: int | None = None
        rows = conn.execute(
            "SELECT seq, raw, crc32 FROM outbound WHERE session_id = ? ORDER BY seq", (sid,)
        )
        for seq, raw, crc in rows:
            report.messages += 1
            where = f"session {sid!r} seq {seq}"
            if raw is None:
                if crc is not None:
                    problems.append(f"{where}: checksum present but message bytes missing")
            elif not isinstance(raw, bytes):
                problems.append(f"{where}: message stored as {type(raw).__name__}, not bytes")
            elif crc is None:
                problems.append(f"{where}: no checksum stored")
            elif schema.checksum(raw) != crc:
                problems.append(
                    f"{where}: checksum mismatch (stored {crc:#010x},"
                    f" computed {schema.checksum(raw):#010x}): message bytes are damaged"
                )
            if prev is not None:
                if seq == prev:
                    problems.append(f"{where}: stored more than once")
                elif seq > prev + 1:
                    gap = f"{prev + 1}" if seq == prev + 2 else f"{prev + 1}..{seq - 1}"
                    problems.append(
                        f"session {sid!r}: outbound seq {gap} missing between {prev} and {seq}"
                    )
            prev = seq
        if prev is not None and next_sender <= prev:
            problems.append(
                f"session {sid!r}: next_sender {next_sender} is not above the highest stored"
                f" seq {prev} (the next message would reuse a number)"
            )


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        first, *numbers = cells
        parts = [first.ljust(widths[0])]
        parts += [c.rjust(w) for c, w in zip(numbers, widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def format_seqnums(rows: list[tuple[str, SeqNums]]) -> str:
    """The table `store show` prints."""
    if not rows:
        return "no sessions"
    body = [(sid, str(s.next_sender), str(s.next_target)) for sid, s in rows]
    return _table(("SESSION", "NEXT_SENDER", "NEXT_TARGET"), body)


def format_verify(report: VerifyReport) -> str:
    """What `store verify` prints: one summary line, then one line per problem."""
    counts = f"{report.sessions} session(s), {report.messages} stored message(s)"
    if report.ok:
        return f"OK {report.path}: {counts}"
    head = f"FAILED {report.path}: {len(report.problems)} problem(s); {counts}"
    return "\n".join([head, *(f"  - {p}" for p in report.problems)])
