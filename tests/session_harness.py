"""An in-memory client/acceptor pair for the sans-IO session core: no sockets, a fake clock.

``Pair`` wires a client ``Session`` to an acceptor ``Session``; ``pump()`` carries every
``SendBytes`` to the other side (FIFO, like one TCP connection each way) until nothing moves,
recording every action per side.  Faults are rules matched against outgoing messages: drop,
corrupt the CheckSum, hold until ``release()``, or split into arbitrary chunks.

The pump also checks the core's central promise on every returned action: a ``SendBytes``'s
MsgSeqNum is already below the store's next_sender (stored before it could be written), and no
bytes follow a ``Disconnect``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fixgw.codec import Decoder, FieldEncoder, FixMessage, build_frame, format_timestamp
from fixgw.dictionary import Dictionary
from fixgw.session import (
    PROFILES,
    Deliver,
    Disconnect,
    FakeClock,
    LogonDecision,
    LogonFlags,
    Role,
    SendBytes,
    Session,
    SessionConfig,
)
from fixgw.store import MemoryStore, StoreError

CLIENT, SERVER = "client", "server"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
_DICT = Dictionary.default()
ENCODER = FieldEncoder(_DICT)
DECODER = Decoder(_DICT, allow_unknown_tags=True)  # verifies CheckSum/BodyLength too


def decode(data: bytes) -> FixMessage:
    return DECODER.decode(data)


def other(side: str) -> str:
    return SERVER if side == CLIENT else CLIENT


def order_body(cl_ord_id: str = "c1") -> bytes:
    """A valid NewOrderSingle body (35=D)."""
    return ENCODER.fields(
        [(11, cl_ord_id), (38, 10), (40, "2"), (44, 75), (54, "1"), (55, "HIGHNY-23DEC31")]
    )


def bmr_body(ref_seq: int = 1, text: str = "x") -> bytes:
    """A valid BusinessMessageReject body (35=j): the simplest app message an exchange sends."""
    return ENCODER.fields([(45, ref_seq), (380, 0), (58, text)])


def corrupt_checksum(data: bytes) -> bytes:
    cs = int(data[-4:-1])
    return data[:-4] + b"%03d" % ((cs + 1) % 256) + b"\x01"


@dataclass
class Fault:
    """Applies to messages sent by ``side`` that match."""

    side: str
    kind: str  # drop | corrupt | hold | split
    match: Callable[[SendBytes], bool]
    times: int | None = 1  # None = forever
    chunker: Callable[[bytes], list[bytes]] | None = None
    hits: int = 0


@dataclass
class FailingStore:
    """A MemoryStore whose store_outbound raises StoreError while ``fail`` is set."""

    inner: MemoryStore
    fail: bool = False
    calls: list[int] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def store_outbound(
        self, seq: int, msg_type: str, raw: bytes, sent_at: datetime, *, persist: bool = True
    ) -> None:
        self.calls.append(seq)
        if self.fail:
            raise StoreError(f"disk full storing seq {seq}")
        self.inner.store_outbound(seq, msg_type, raw, sent_at, persist=persist)


def _match(msg_type: str | None) -> Callable[[SendBytes], bool]:
    return lambda a: msg_type is None or a.msg_type == msg_type


class Pair:
    """A client and an acceptor session back to back."""

    def __init__(
        self,
        profile: str = "KalshiRT",
        *,
        flags: LogonFlags | None = None,
        clock: FakeClock | None = None,
        client_store: Any = None,
        server_store: Any = None,
        signer: Callable[[bytes], str] | None = None,
        logon_handler: Callable[[FixMessage], LogonDecision] | None = None,
        client_cfg: dict[str, Any] | None = None,
        server_cfg: dict[str, Any] | None = None,
    ) -> None:
        self.clock = clock or FakeClock()
        prof = PROFILES[profile]
        self.client_store = client_store if client_store is not None else MemoryStore("client")
        self.server_store = server_store if server_store is not None else MemoryStore("server")
        self.logons: list[FixMessage] = []
        self.client = Session(
            SessionConfig(prof, CLIENT_ID, profile, flags=flags or LogonFlags(),
                          signer=signer or (lambda pre: "c2lnbmF0dXJl"), **(client_cfg or {})),
            store=self.client_store, clock=self.clock,
        )  # fmt: skip
        self.server = Session(
            SessionConfig(prof, profile, "?", max_clock_skew=30, **(server_cfg or {})),
            role=Role.ACCEPTOR, clock=self.clock, logon_handler=logon_handler or self._accept,
        )  # fmt: skip
        self.actions: dict[str, list[Any]] = {CLIENT: [], SERVER: []}
        self.wire: list[tuple[str, bytes]] = []  # (sender, bytes) as delivered
        self.faults: list[Fault] = []
        self.held: list[tuple[str, bytes]] = []
        self.disconnected: dict[str, bool] = {CLIENT: False, SERVER: False}
        self._queue: deque[tuple[str, bytes]] = deque()  # (destination, bytes)

    def _accept(self, fm: FixMessage) -> LogonDecision:
        self.logons.append(fm)
        return LogonDecision(True, store=self.server_store)

    def session(self, side: str) -> Session:
        return self.client if side == CLIENT else self.server

    # ---- faults ------------------------------------------------------------------------------

    def drop(self, side: str, msg_type: str | None = None, times: int | None = 1) -> Fault:
        return self._fault(Fault(side, "drop", _match(msg_type), times))

    def corrupt(self, side: str, msg_type: str | None = None, times: int | None = 1) -> Fault:
        return self._fault(Fault(side, "corrupt", _match(msg_type), times))

    def hold(self, side: str, msg_type: str | None = None, times: int | None = 1) -> Fault:
        return self._fault(Fault(side, "hold", _match(msg_type), times))

    def split(self, side: str, chunker: Callable[[bytes], list[bytes]], msg_type: str | None = None,
              times: int | None = None) -> Fault:  # fmt: skip
        return self._fault(Fault(side, "split", _match(msg_type), times, chunker))

    def _fault(self, f: Fault) -> Fault:
        self.faults.append(f)
        return f

    def release(self, side: str | None = None) -> list[Any]:
        """Deliver held messages (in order) and pump."""
        keep, go = [], []
        for s, data in self.held:
            (go if side is None or s == side else keep).append((s, data))
        self.held = keep
        for s, data in go:
            self._queue.append((other(s), data))
        start = self._mark()
        self.pump()
        return self._since(start)

    # ---- events ------------------------------------------------------------------------------

    def _record(self, side: str, acts: Iterable[Any]) -> list[Any]:
        acts = list(acts)
        sess = self.session(side)
        for i, a in enumerate(acts):
            self.actions[side].append(a)
            if isinstance(a, SendBytes):
                assert not any(isinstance(b, Disconnect) for b in acts[:i]), (
                    f"{side} sent bytes after Disconnect"
                )
                fm = decode(a.data)
                assert fm.header[34] == a.seq and fm.msg_type == a.msg_type
                if sess.store is not None:
                    # stored (or at least numbered) before the action was returned
                    assert a.seq < sess.store.seqnums().next_sender, (a.seq, sess.store.seqnums())
                self._route(side, a)
            elif isinstance(a, Disconnect):
                self.disconnected[side] = True
        return acts

    def _route(self, side: str, a: SendBytes) -> None:
        data = a.data
        for f in self.faults:
            if (f.times is not None and f.hits >= f.times) or f.side != side or not f.match(a):
                continue
            f.hits += 1
            if f.kind == "drop":
                return
            if f.kind == "hold":
                self.held.append((side, data))
                return
            if f.kind == "corrupt":
                data = corrupt_checksum(data)
            if f.kind == "split":
                assert f.chunker is not None
                for chunk in f.chunker(data):
                    self._queue.append((other(side), chunk))
                return
        self._queue.append((other(side), data))

    def connect(self) -> list[Any]:
        start = self._mark()
        self._record(SERVER, self.server.connection_made())
        self._record(CLIENT, self.client.connection_made())
        self.pump()
        return self._since(start)

    def _mark(self) -> dict[str, int]:
        return {s: len(self.actions[s]) for s in (CLIENT, SERVER)}

    def _since(self, start: dict[str, int]) -> list[Any]:
        """Actions recorded since ``start``: the client's, then the server's."""
        return self.actions[CLIENT][start[CLIENT] :] + self.actions[SERVER][start[SERVER] :]

    def pump(self, limit: int = 10_000) -> list[Any]:
        """Deliver queued bytes until quiet; returns the actions produced meanwhile."""
        start = self._mark()
        n = 0
        while self._queue:
            n += 1
            assert n < limit, "pump did not settle (message loop?)"
            dest, data = self._queue.popleft()
            if self.disconnected[dest]:
                continue  # the socket is closed on that side: bytes are lost
            self.wire.append((other(dest), data))
            self._record(dest, self.session(dest).data_received(data))
        # a side that disconnected closes the socket: the other side notices
        for s in (CLIENT, SERVER):
            if self.disconnected[s] and not self.disconnected[other(s)]:
                self._record(other(s), self.session(other(s)).connection_lost())
                self.disconnected[other(s)] = True
        return self._since(start)

    def drop_connection(self) -> None:
        """The network fails: both sides see connection_lost; queued bytes are lost."""
        self._queue.clear()
        self.held.clear()
        for s in (CLIENT, SERVER):
            self._record(s, self.session(s).connection_lost())

    def reconnect(self) -> list[Any]:
        self.disconnected = {CLIENT: False, SERVER: False}
        return self.connect()

    def send(self, side: str, msg_type: str, body: bytes) -> list[Any]:
        start = self._mark()
        self._record(side, self.session(side).send(msg_type, body))
        self.pump()
        return self._since(start)

    def logout(self, side: str, text: str | None = None) -> list[Any]:
        start = self._mark()
        self._record(side, self.session(side).logout(text))
        self.pump()
        return self._since(start)

    def tick(self, side: str | None = None) -> list[Any]:
        """Run both timers (client first), then pump."""
        start = self._mark()
        for s in (CLIENT, SERVER) if side is None else (side,):
            self._record(s, self.session(s).tick())
        self.pump()
        return self._since(start)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def inject(self, to: str, data: bytes) -> list[Any]:
        """Bytes arrive at ``to`` as if from the other side (not through the other session)."""
        before = len(self.actions[to])
        self._record(to, self.session(to).data_received(data))
        out = self.actions[to][before:]
        self.pump()
        return out

    def raw_from(
        self,
        side: str,
        msg_type: str,
        body: bytes = b"",
        *,
        seq: int | None = None,
        consume: bool = True,
        sender: str | None = None,
        target: str | None = None,
        sending_time: datetime | None = None,
        poss_dup: bool = False,
        orig_sending_time: datetime | None = None,
    ) -> bytes:
        """A message as ``side`` would send it.  With seq=None it takes that side's next
        MsgSeqNum and (consume=True) records it in its store, keeping the pair consistent."""
        sess = self.session(side)
        cfg = sess.config
        if seq is None:
            seq = sess.store.seqnums().next_sender
            if consume:
                sess.store.set_next_sender(seq + 1)
        header = [(49, sender or cfg.sender_comp_id), (56, target or cfg.target_comp_id), (34, seq)]
        if poss_dup:
            header.append((43, True))
        header.append((52, sending_time or self.clock.now()))
        if orig_sending_time is not None:
            header.append((122, orig_sending_time))
        return build_frame(b"FIXT.1.1", msg_type.encode(), ENCODER.fields(header), body)

    # ---- queries -----------------------------------------------------------------------------

    def sent(self, side: str, msg_type: str | None = None) -> list[FixMessage]:
        """Messages ``side`` sent (decoded), optionally of one MsgType."""
        out = [decode(a.data) for a in self.actions[side] if isinstance(a, SendBytes)]
        return [m for m in out if msg_type is None or m.msg_type == msg_type]

    def of(self, side: str, cls: type) -> list[Any]:
        return [a for a in self.actions[side] if isinstance(a, cls)]

    def delivered(self, side: str, msg_type: str | None = None) -> list[Deliver]:
        return [
            a for a in self.of(side, Deliver) if msg_type is None or a.message.msg_type == msg_type
        ]


def ts(dt: datetime) -> str:
    return format_timestamp(dt).decode()


def types(acts: Iterable[Any]) -> list[str]:
    """Compact action summary: 'send:A', 'Deliver:D', 'Disconnect', ..."""
    out = []
    for a in acts:
        if isinstance(a, SendBytes):
            out.append(f"send:{a.msg_type}")
        elif isinstance(a, Deliver):
            out.append(f"Deliver:{a.message.msg_type}")
        else:
            out.append(type(a).__name__)
    return out
