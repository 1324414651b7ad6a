"""The cork: what one read (or one ``corked()`` block) writes leaves in slices of
``CORK_FLUSH_AT`` messages, in order, and a burst's messages are never written before its
store group is committed, however many there are."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from fixgw.transport import SessionConnection
from fixgw.transport.connection import CORK_FLUSH_AT


class Writer:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.transport = None

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return False


def _msgs(n: int) -> list[bytes]:
    return [b"35=8\x0134=%d\x01" % i for i in range(n)]


def _conn(writer: Writer) -> SessionConnection:
    return SessionConnection(object(), object(), writer)  # type: ignore[arg-type]


def test_a_long_read_is_answered_in_slices_in_order() -> None:
    w = Writer()
    conn = _conn(w)
    msgs = _msgs(2 * CORK_FLUSH_AT + 5)
    with conn.corked():
        for m in msgs[: CORK_FLUSH_AT - 1]:
            conn.write(m)
        assert w.writes == []  # below the slice size nothing is written yet
        for m in msgs[CORK_FLUSH_AT - 1 :]:
            conn.write(m)
    assert [len(x) for x in w.writes] == [
        sum(map(len, msgs[:CORK_FLUSH_AT])),
        sum(map(len, msgs[CORK_FLUSH_AT : 2 * CORK_FLUSH_AT])),
        sum(map(len, msgs[2 * CORK_FLUSH_AT :])),
    ]
    assert b"".join(w.writes) == b"".join(msgs)


def test_a_short_read_is_one_write() -> None:
    w = Writer()
    conn = _conn(w)
    msgs = _msgs(3)
    with conn.corked():
        for m in msgs:
            conn.write(m)
    assert w.writes == [b"".join(msgs)]


class Group:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        self.log.append("begin")
        yield
        self.log.append("commit")


def test_a_burst_longer_than_a_slice_is_written_only_after_its_commit() -> None:
    log: list[str] = []

    class Store:
        group = Group(log)

    class Session:
        store = Store()

    w = Writer()
    conn = SessionConnection(Session(), object(), w)  # type: ignore[arg-type]
    msgs = _msgs(3 * CORK_FLUSH_AT)
    conn._open_burst()
    for m in msgs:
        conn.write(m)
    assert w.writes == [] and log == ["begin"]
    conn.flush()
    assert log == ["begin", "commit"]
    assert w.writes == [b"".join(msgs)]
