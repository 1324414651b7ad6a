"""The session round trip's shortcuts build what the plain code builds: action builders,
``MemoryStore`` fast paths (and the checks they skip still refuse the same inputs), the frame
reader taking messages out with one copy, and the millisecond cut of SendingTime."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from session_harness import Pair

from fixgw.codec import FrameReader, FramingError, build_frame
from fixgw.session import Deliver, SendBytes
from fixgw.session.events import deliver, send_bytes
from fixgw.store import MemoryStore, StoreError
from fixgw.store.base import LogEntry, SeqNums, StoredMessage

T0 = datetime(2026, 1, 5, 14, 30, 0, 123456, tzinfo=UTC)


def _frame(seq: int, body: bytes = b"11=abc\x01") -> bytes:
    return build_frame(b"FIXT.1.1", b"D", b"49=A\x0156=B\x0134=%d\x01" % seq, body)


# ---- actions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("built", "plain"),
    [
        (send_bytes(b"8=x", 7, "D"), SendBytes(b"8=x", 7, "D")),
        (deliver("msg", True), Deliver("msg", True)),
        (deliver("msg", False), Deliver("msg", False)),
    ],
)
def test_action_builders_build_what_init_builds(built, plain):
    assert type(built) is type(plain)
    assert built == plain and repr(built) == repr(plain) and hash(built) == hash(plain)
    name = dataclasses.fields(built)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, name, None)


# ---- MemoryStore ------------------------------------------------------------------------------


def test_memory_store_fast_paths_keep_what_the_checked_paths_keep():
    store = MemoryStore("s")
    store.store_outbound(1, "D", b"one", T0)
    store.store_outbound(2, "0", b"hb", T0, persist=False)
    store.set_next_target(5)
    store.log("in", 4, b"in4", T0)
    store.log("out", None, b"none", T0)  # seq None: the checked path
    assert store.seqnums() == SeqNums(3, 5) and type(store.seqnums()) is SeqNums
    assert repr(store.seqnums()) == "SeqNums(next_sender=3, next_target=5)"
    assert hash(store.seqnums()) == hash(SeqNums(3, 5))
    assert store.outbound_range(1, 0) == [StoredMessage(1, "D", b"one", T0)]
    assert store.read_log() == [LogEntry("in", 4, b"in4", T0), LogEntry("out", None, b"none", T0)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        store.seqnums().next_sender = 9  # type: ignore[misc]


def test_memory_store_converts_other_timezones_and_byte_types_as_before():
    store = MemoryStore("s")
    est = T0.astimezone(timezone(timedelta(hours=-5)))
    store.store_outbound(1, "D", bytearray(b"ba"), est)
    store.log("in", 1, memoryview(b"mv"), est)
    [stored] = store.outbound_range(1, 0)
    assert stored.raw == b"ba" and type(stored.raw) is bytes and stored.sent_at.tzinfo is UTC
    [entry] = store.read_log()
    assert entry.raw == b"mv" and type(entry.raw) is bytes and entry.at.tzinfo is UTC


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.store_outbound(True, "D", b"x", T0), "seq must be an int >= 1, got True"),
        (lambda s: s.store_outbound(0, "D", b"x", T0), "seq must be >= 1, got 0"),
        (lambda s: s.store_outbound(2, "D", b"x", T0), "seq 2 != next_sender 1"),
        (lambda s: s.store_outbound(1, "", b"x", T0), "msg_type must be a non-empty str"),
        (lambda s: s.store_outbound(1, "D", "x", T0), "raw must be bytes, got str"),
        (
            lambda s: s.store_outbound(1, "D", b"x", T0.replace(tzinfo=None)),
            "must be timezone-aware",
        ),
        (lambda s: s.set_next_target(0), "next_target must be >= 1, got 0"),
        (lambda s: s.set_next_target(True), "next_target must be an int >= 1, got True"),
        (lambda s: s.log("sideways", 1, b"x", T0), "log direction must be 'in' or 'out'"),
        (lambda s: s.log("in", 0, b"x", T0), "log seq must be >= 1, got 0"),
        (lambda s: s.log("in", 1, b"x", T0.replace(tzinfo=None)), "must be timezone-aware"),
    ],
)
def test_memory_store_refuses_what_it_refused(call, error):
    store = MemoryStore("s")
    with pytest.raises(StoreError, match=error.replace("(", r"\(")):
        call(store)
    assert store.seqnums() == SeqNums(1, 1) and store.read_log() == []


def test_closed_memory_store_refuses_the_fast_paths_too():
    store = MemoryStore("s")
    store.close()
    for call in (
        lambda: store.seqnums(),
        lambda: store.store_outbound(1, "D", b"x", T0),
        lambda: store.set_next_target(2),
        lambda: store.log("in", 1, b"x", T0),
        lambda: store.group().__enter__(),
    ):
        with pytest.raises(StoreError, match="is closed"):
            call()


def test_memory_store_group_undoes_its_writes_on_an_exception_only():
    store = MemoryStore("s")
    store.store_outbound(1, "D", b"one", T0)
    with store.group():
        store.store_outbound(2, "D", b"two", T0)
    with pytest.raises(RuntimeError), store.group():
        store.store_outbound(3, "D", b"three", T0)
        store.set_next_target(9)
        store.log("in", 8, b"in", T0)
        raise RuntimeError("boom")
    assert store.seqnums() == SeqNums(3, 1)
    assert [m.seq for m in store.outbound_range(1, 0)] == [1, 2] and store.read_log() == []
    store.store_outbound(3, "D", b"three again", T0)  # the number is free again


# ---- FrameReader ------------------------------------------------------------------------------


def test_frame_reader_takes_whole_messages_from_any_split():
    msgs = [_frame(1), _frame(2, b"11=" + b"x" * 600 + b"\x01"), _frame(3)]
    stream = b"".join(msgs)
    for cut in (1, 7, 100, len(msgs[0]), len(stream) - 1, len(stream)):
        reader = FrameReader()
        reader.feed(stream[:cut])
        got = reader.frames()
        reader.feed(stream[cut:])
        got += reader.frames()
        assert got == msgs and all(type(f) is bytes for f in got) and len(reader) == 0


def test_frame_reader_errors_read_as_before():
    good = _frame(1)
    reader = FrameReader()
    bad_sum = good[:-4] + b"%03d\x01" % ((int(good[-4:-1]) + 1) % 256)
    reader.feed(bad_sum + good)
    with pytest.raises(FramingError) as err:
        reader.next_frame()
    computed = int(good[-4:-1])
    assert (
        str(err.value)
        == f"CheckSum is {bad_sum[-4:-1]!r}, computed {computed:03d}; message discarded"
    )
    assert reader.discarded == len(bad_sum) and reader.next_frame() == good

    reader = FrameReader()
    reader.feed(b"8=FIXT.1.1\x019=1x\x0135=D\x01")
    with pytest.raises(FramingError, match=r"^BodyLength is not a number: b'1x'$"):
        reader.next_frame()


# ---- SendingTime ------------------------------------------------------------------------------


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.wall = now

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return 0.0


@pytest.mark.parametrize(
    "now",
    [
        T0,
        T0.replace(microsecond=999999),
        T0.replace(microsecond=123000),
        T0.replace(microsecond=0),
        T0.replace(microsecond=456789, fold=1),
        T0.astimezone(timezone(timedelta(hours=2))),
    ],
)
def test_sending_time_is_cut_to_whole_milliseconds_as_replace_does(now):
    pair = Pair("KalshiNR")
    pair.client.clock = _Clock(now)
    cut = pair.client._now_ms()
    want = now.replace(microsecond=now.microsecond // 1000 * 1000)
    assert cut == want and cut.fold == want.fold and cut.tzinfo is want.tzinfo
    assert cut.isoformat() == want.isoformat()
