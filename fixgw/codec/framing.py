"""The receive buffer: cut a byte stream into whole FIX messages, and wrap bodies into frames.

Messages are cut by BodyLength, never by searching for SOH, so a DATA field (RawData) holding
SOH bytes, or split across any number of reads, frames correctly.  A bad frame is dropped and
reported; the buffer then resynchronises on the next ``8=`` so one bad message cannot wedge the
stream.
"""

from __future__ import annotations

from zlib import adler32

from .errors import FramingError

__all__ = ["FrameReader", "build_frame", "checksum", "verify_frame", "MAX_MESSAGE_SIZE"]

SOH = 1
MAX_MESSAGE_SIZE = 1 << 20  # a BodyLength above this is treated as garbage, not awaited


_CHUNK = 256  # 256 * 255 < 65521: Adler-32's first sum cannot wrap within a chunk
_ASCII_CHUNK = 512  # 512 * 127 < 65521: nor within one of ASCII bytes


def checksum(data: bytes | bytearray | memoryview) -> int:
    """Sum of the bytes mod 256.  Adler-32's low half is 1 + that sum mod 65521, so summing
    in chunks too short to wrap gives the exact sum at C speed (``sum()`` walks Python ints)."""
    n = len(data)
    if n <= _CHUNK:
        return (adler32(data) - 1) & 0xFF
    chunk = _ASCII_CHUNK if type(data) is not memoryview and data.isascii() else _CHUNK
    if n <= chunk:
        return (adler32(data) - 1) & 0xFF
    view = memoryview(data)
    total = 0
    for i in range(0, n, chunk):
        total += (adler32(view[i : i + chunk]) & 0xFFFF) - 1
    return total & 0xFF


def build_frame(begin_string: bytes, msg_type: bytes, header: bytes, body: bytes) -> bytes:
    """``8=..|9=..|35=..|`` + header + body + ``10=..|``: header and body end with SOH."""
    rest = b"35=%s\x01%s%s" % (msg_type, header, body)
    msg = b"8=%s\x019=%d\x01%s" % (begin_string, len(rest), rest)
    return b"%s10=%03d\x01" % (msg, checksum(msg))


def verify_frame(raw: bytes, begin_string: bytes | None = None) -> None:
    """Check one complete message's BeginString, BodyLength and CheckSum."""
    if begin_string is not None and raw.startswith(b"8=%s\x019=" % begin_string):
        p = len(begin_string) + 2  # the usual case: all of the checks below in one
    else:
        if not raw.startswith(b"8="):
            raise FramingError("message does not start with 8= (BeginString)")
        p = raw.find(b"\x01")
        if p < 0:
            raise FramingError("no SOH after BeginString")
        if begin_string is not None and raw[2:p] != begin_string:
            raise FramingError(f"BeginString is {raw[2:p]!r}, expected {begin_string!r}")
        if raw[p + 1 : p + 3] != b"9=":
            raise FramingError("second field is not BodyLength (9)")
    q = raw.find(b"\x01", p + 3)
    blen = raw[p + 3 : q]
    if q < 0 or not blen.isdigit():
        raise FramingError(f"BodyLength is not a number: {blen!r}")
    start = q + 1
    end = start + int(blen)
    if raw[end : end + 3] != b"10=" or len(raw) != end + 7 or raw[-1] != SOH:
        raise FramingError(f"BodyLength {int(blen)} does not end at the CheckSum field")
    want = raw[end + 3 : end + 6]
    got = b"%03d" % checksum(raw[:end])
    if want != got:
        raise FramingError(f"CheckSum is {want!r}, computed {got!r}")


class FrameReader:
    """Feed bytes as they arrive; take whole messages out.

    ``next_frame()`` returns the next complete message, ``None`` when more bytes are needed,
    or raises ``FramingError`` after discarding a bad one (call it again to continue).
    """

    __slots__ = ("_buf", "_begin", "_prefix", "max_size", "discarded")

    def __init__(self, begin_string: bytes = b"FIXT.1.1", max_size: int = MAX_MESSAGE_SIZE) -> None:
        self._buf = bytearray()
        self._begin = begin_string
        self._prefix = b"8=" + begin_string + b"\x019="
        self.max_size = max_size
        self.discarded = 0  # bytes thrown away while resynchronising

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self._buf += data

    def __len__(self) -> int:
        return len(self._buf)

    def _drop(self, n: int) -> None:
        self.discarded += n
        del self._buf[:n]

    def _resync(self) -> None:
        """Drop bytes up to the next plausible message start (after position 0)."""
        nxt = self._buf.find(b"8=", 1)
        self._drop(nxt if nxt >= 0 else max(len(self._buf) - 1, 0))

    def next_frame(self) -> bytes | None:
        buf = self._buf
        prefix = self._prefix
        if not buf:
            return None
        if not buf.startswith(prefix):
            if len(buf) < len(prefix) and prefix.startswith(bytes(buf)):
                return None
            start = buf.find(prefix)
            if start < 0:
                # keep a tail that may be the start of a prefix
                keep = 0
                for k in range(min(len(prefix) - 1, len(buf)), 0, -1):
                    if prefix.startswith(bytes(buf[-k:])):
                        keep = k
                        break
                n = len(buf) - keep
                self._drop(n)
                raise FramingError(f"discarded {n} bytes that are not a {self._begin.decode()} message")
            self._drop(start)
            raise FramingError(f"discarded {start} bytes before the next message")
        lstart = len(prefix)
        q = buf.find(b"\x01", lstart, lstart + 12)
        if q < 0:
            if len(buf) - lstart > 11:
                self._resync()
                raise FramingError("BodyLength field is too long or unterminated")
            return None
        blen = buf[lstart:q]
        if not blen.isdigit():
            self._resync()
            raise FramingError(f"BodyLength is not a number: {bytes(blen)!r}")
        body_len = int(blen)
        if body_len > self.max_size:
            self._resync()
            raise FramingError(f"BodyLength {body_len} exceeds the {self.max_size}-byte limit")
        end = q + 1 + body_len
        total = end + 7
        if len(buf) < total:
            return None
        if not buf.startswith(b"10=", end) or buf[total - 1] != SOH:
            self._resync()
            raise FramingError(f"BodyLength {body_len} does not end at the CheckSum field")
        frame = self._take(total)
        want = frame[end + 3 : end + 6]
        cs = checksum(frame[:end])
        if want != b"%03d" % cs:
            self.discarded += total
            raise FramingError(f"CheckSum is {want!r}, computed {cs:03d}; message discarded")
        return frame

    def _take(self, n: int) -> bytes:
        """The first ``n`` bytes, removed: one copy (a slice of the bytearray would make two),
        and when they are all there is (one message per read, the usual case) no shifting."""
        buf = self._buf
        if len(buf) == n:
            frame = bytes(buf)
            buf.clear()
        else:
            with memoryview(buf) as view:
                frame = bytes(view[:n])
            del buf[:n]
        return frame

    def frames(self) -> list[bytes | Exception]:
        """Drain everything complete: messages and, in order, the errors met between them."""
        out: list[bytes | Exception] = []
        while True:
            try:
                f = self.next_frame()
            except FramingError as exc:
                out.append(exc)
                continue
            if f is None:
                return out
            out.append(f)
