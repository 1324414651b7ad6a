"""FrameReader, verify_frame and build_frame: cutting a byte stream into whole messages.

Why: TCP hands over arbitrary chunks; a message must come out whole however it was split,
RawData may hold SOH and '10=', and one bad message must never wedge the stream.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import simplefix

from fixgw.codec import (
    Decoder,
    FieldEncoder,
    FrameReader,
    FramingError,
    build_frame,
    checksum,
    verify_frame,
)
from fixgw.dictionary import Dictionary

T0 = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
SECRET = b"sig\x01with=SOH\x0110=123\x01and 8=FIXT.1.1\x019=5\x01"


@pytest.fixture(scope="module")
def enc() -> FieldEncoder:
    return FieldEncoder(Dictionary.default())


@pytest.fixture(scope="module")
def dec() -> Decoder:
    return Decoder(Dictionary.default())


def _hdr(seq: int) -> list[tuple[int, object]]:
    return [(49, "client"), (56, "KalshiNR"), (34, seq), (52, T0)]


def heartbeat(enc: FieldEncoder, seq: int, test_req_id: str | None = None) -> bytes:
    return enc.message("0", _hdr(seq), [(112, test_req_id)] if test_req_id else [])


def logon(enc: FieldEncoder, seq: int = 1, raw: bytes = SECRET) -> bytes:
    return enc.message("A", _hdr(seq), [(98, 0), (96, raw), (108, 30), (1137, "9")])


def drain(reader: FrameReader) -> list[bytes | Exception]:
    return reader.frames()


def only_frames(items: list[bytes | Exception]) -> list[bytes]:
    return [x for x in items if isinstance(x, bytes)]


def test_one_byte_at_a_time(enc: FieldEncoder) -> None:
    msgs = [logon(enc, 1), heartbeat(enc, 2), heartbeat(enc, 3, "ping")]
    stream = b"".join(msgs)
    reader = FrameReader()
    out: list[bytes | Exception] = []
    for i in range(len(stream)):
        reader.feed(stream[i : i + 1])
        out += drain(reader)
    assert out == msgs
    assert len(reader) == 0 and reader.discarded == 0


def test_many_messages_in_one_chunk(enc: FieldEncoder) -> None:
    msgs = [heartbeat(enc, i, f"id{i}") for i in range(1, 51)]
    reader = FrameReader()
    reader.feed(b"".join(msgs) + msgs[0][:10])  # and the start of one more
    assert drain(reader) == msgs
    assert reader.next_frame() is None
    assert len(reader) == 10


def test_rawdata_with_soh_split_at_every_offset(enc: FieldEncoder, dec: Decoder) -> None:
    msg = logon(enc)
    assert b"95=%d\x0196=" % len(SECRET) in msg and b"\x0110=123\x01" in msg
    for cut in range(len(msg)):
        reader = FrameReader()
        reader.feed(msg[:cut])
        assert reader.next_frame() is None, f"cut at {cut}"
        reader.feed(msg[cut:])
        assert reader.next_frame() == msg, f"cut at {cut}"
        assert reader.next_frame() is None and len(reader) == 0
    reader = FrameReader()
    reader.feed(msg)
    frame = reader.next_frame()
    assert frame == msg
    assert frame is not None
    decoded = dec.decode(frame)
    assert decoded.body[96] == SECRET and decoded.body[95] == len(SECRET)
    assert decoded.raw_value(96) == SECRET


def test_rawdata_whole_at_every_offset(enc: FieldEncoder) -> None:
    """Same split, checked the other way: a whole message comes out exactly once."""
    msg = logon(enc)
    for cut in range(1, len(msg)):
        reader = FrameReader()
        reader.feed(msg[:cut])
        first = drain(reader)
        reader.feed(msg[cut:])
        assert first + drain(reader) == [msg], f"cut at {cut}"


def test_garbage_before_and_between_messages(enc: FieldEncoder) -> None:
    m1, m2, m3 = heartbeat(enc, 1), logon(enc, 2), heartbeat(enc, 3)
    reader = FrameReader()
    reader.feed(b"GET / HTTP/1.1\r\n" + m1 + b"\x00\xffjunk 8=FIX.4.4\x01" + m2 + b"8=" + m3)
    out = drain(reader)
    assert only_frames(out) == [m1, m2, m3]
    errors = [x for x in out if not isinstance(x, bytes)]
    assert errors and all(isinstance(e, FramingError) for e in errors)
    assert isinstance(out[0], FramingError)
    assert "discarded" in str(out[0])
    assert out.index(m1) < out.index(m2)
    assert any(isinstance(x, FramingError) for x in out[out.index(m1) : out.index(m2)])
    assert reader.discarded == len(b"GET / HTTP/1.1\r\n") + len(b"\x00\xffjunk 8=FIX.4.4\x01") + 2


def test_garbage_keeps_a_possible_prefix(enc: FieldEncoder) -> None:
    m = heartbeat(enc, 1)
    reader = FrameReader()
    reader.feed(b"zz" + m[:5])  # '8=FIX' could be the start of the next message
    with pytest.raises(FramingError, match="discarded 2 bytes"):
        reader.next_frame()
    assert reader.next_frame() is None
    reader.feed(m[5:])
    assert reader.next_frame() == m


def test_only_garbage_raises_then_waits() -> None:
    reader = FrameReader()
    reader.feed(b"hello world")
    with pytest.raises(FramingError):
        reader.next_frame()
    assert reader.next_frame() is None
    assert len(reader) == 0


def test_bad_checksum_dropped_next_message_fine(enc: FieldEncoder) -> None:
    m1, m2 = heartbeat(enc, 1), heartbeat(enc, 2)
    cs = int(m1[-4:-1])
    bad = m1[:-4] + b"%03d\x01" % ((cs + 1) % 256)
    reader = FrameReader()
    reader.feed(bad + m2)
    with pytest.raises(FramingError, match="CheckSum"):
        reader.next_frame()
    assert reader.next_frame() == m2
    assert reader.discarded == len(bad)


def test_body_length_above_limit(enc: FieldEncoder) -> None:
    m = heartbeat(enc, 2)
    reader = FrameReader(max_size=1000)
    reader.feed(b"8=FIXT.1.1\x019=5000\x0135=0\x01")
    with pytest.raises(FramingError, match="5000 exceeds the 1000-byte limit"):
        reader.next_frame()
    reader.feed(m)
    assert only_frames(drain(reader)) == [m]


def test_body_length_too_large_for_the_message(enc: FieldEncoder) -> None:
    m1, m2 = heartbeat(enc, 1), heartbeat(enc, 2)
    blen = int(m1.split(b"\x01")[1][2:])
    bad = m1.replace(b"\x019=%d\x01" % blen, b"\x019=%d\x01" % (blen + 20), 1)
    reader = FrameReader()
    reader.feed(bad)
    assert reader.next_frame() is None  # waits for the bytes it was promised
    reader.feed(m2)
    out = drain(reader)
    assert isinstance(out[0], FramingError) and "does not end at the CheckSum" in str(out[0])
    assert only_frames(out) == [m2]


def test_body_length_too_small(enc: FieldEncoder) -> None:
    m1, m2 = heartbeat(enc, 1), heartbeat(enc, 2)
    blen = int(m1.split(b"\x01")[1][2:])
    bad = m1.replace(b"\x019=%d\x01" % blen, b"\x019=%d\x01" % (blen - 3), 1)
    reader = FrameReader()
    reader.feed(bad + m2)
    out = drain(reader)
    assert isinstance(out[0], FramingError)
    assert only_frames(out) == [m2]


@pytest.mark.parametrize("blen", [b"12a", b"-5", b"", b" 5"])
def test_non_digit_body_length(enc: FieldEncoder, blen: bytes) -> None:
    m = heartbeat(enc, 2)
    reader = FrameReader()
    reader.feed(b"8=FIXT.1.1\x019=" + blen + b"\x0135=0\x0110=000\x01" + m)
    with pytest.raises(FramingError, match="BodyLength is not a number"):
        reader.next_frame()
    assert only_frames(drain(reader)) == [m]


def test_unterminated_body_length(enc: FieldEncoder) -> None:
    m = heartbeat(enc, 2)
    reader = FrameReader()
    reader.feed(b"8=FIXT.1.1\x019=1234567890123456789")
    with pytest.raises(FramingError, match="too long or unterminated"):
        reader.next_frame()
    reader.feed(m)
    assert only_frames(drain(reader)) == [m]


def test_other_begin_string_is_garbage(enc: FieldEncoder) -> None:
    m = heartbeat(enc, 1)
    fix44 = build_frame(b"FIX.4.4", b"0", b"", b"")
    reader = FrameReader()
    reader.feed(fix44 + m)
    out = drain(reader)
    assert isinstance(out[0], FramingError)
    assert only_frames(out) == [m]
    other = FrameReader(begin_string=b"FIX.4.4")
    other.feed(fix44)
    assert other.next_frame() == fix44


# --- verify_frame / build_frame ------------------------------------------------------------------


def test_verify_frame_accepts_good(enc: FieldEncoder) -> None:
    verify_frame(logon(enc))
    verify_frame(logon(enc), b"FIXT.1.1")


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda m: m[1:], "does not start with 8="),
        (lambda m: b"8=FIXT.1.1", "no SOH after BeginString"),
        (lambda m: m.replace(b"\x019=", b"\x01x=", 1), "second field is not BodyLength"),
        (lambda m: m.replace(b"\x019=", b"\x019=a", 1), "BodyLength is not a number"),
        (lambda m: m[:-1], "does not end at the CheckSum"),
        (lambda m: m + b"x", "does not end at the CheckSum"),
        (lambda m: m[:-4] + b"%03d\x01" % ((int(m[-4:-1]) + 1) % 256), "CheckSum is"),
        (lambda m: m.replace(b"8=FIXT.1.1", b"8=FIXT.1.2", 1), "BeginString is b'FIXT.1.2'"),
    ],
)
def test_verify_frame_rejects(enc: FieldEncoder, mutate, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FramingError, match=match):
        verify_frame(mutate(heartbeat(enc, 7)), b"FIXT.1.1")


@pytest.mark.parametrize(
    ("header", "body"),
    [
        ([(49, "client"), (56, "KalshiNR"), (34, "1")], [(11, "abc"), (44, "75"), (58, "x=y")]),
        ([(49, "a")], []),
        ([], [(58, "é ü")]),
    ],
)
def test_build_frame_matches_simplefix(
    header: list[tuple[int, str]], body: list[tuple[int, str]]
) -> None:
    sf = simplefix.FixMessage()
    sf.append_pair(8, "FIXT.1.1", header=True)
    sf.append_pair(35, "D", header=True)
    for t, v in header:
        sf.append_pair(t, v, header=True)
    for t, v in body:
        sf.append_pair(t, v)

    def enc(items: list[tuple[int, str]]) -> bytes:
        return b"".join(b"%d=%s\x01" % (t, v.encode()) for t, v in items)

    ours = build_frame(b"FIXT.1.1", b"D", enc(header), enc(body))
    assert ours == sf.encode()
    verify_frame(ours)
    end = ours.rfind(b"10=")
    assert int(ours[end + 3 : end + 6]) == checksum(ours[:end])


def test_encoder_frame_matches_simplefix(enc: FieldEncoder) -> None:
    ours = enc.message("0", [(49, "c"), (56, "K"), (34, 9), (52, T0)], [(112, "t")])
    sf = simplefix.FixMessage()
    for t, v in [(8, "FIXT.1.1"), (35, "0"), (49, "c"), (56, "K"), (34, "9")]:
        sf.append_pair(t, v, header=True)
    sf.append_pair(52, "20240102-03:04:05.678", header=True)
    sf.append_pair(112, "t")
    assert ours == sf.encode()
