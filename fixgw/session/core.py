"""The sans-IO FIXT.1.1 session: sequence numbers, logon, heartbeats, resend, logout.

``Session`` is fed events (``connection_made``, ``data_received``, ``tick``, ``send``,
``logout``, ``connection_lost``) and returns a list of actions (``fixgw.session.events``) for
the driver to carry out in order.  It never touches a socket or sleeps; time comes from the
injected clock and durability from the injected store.

Two rules other engines get wrong and this one is built around:

- A message's sequence number and bytes are written to the store *before* its ``SendBytes``
  action exists, so a crash can neither reuse nor lose a sequence number.
- A resend request is answered from the store: application messages go out again with
  PossDupFlag=Y and their OrigSendingTime; admin messages, and orders older than the
  staleness limit, are gap-filled, and the application is told which orders were not resent.

A large resend is served in chunks (``SessionConfig.resend_chunk`` messages per call): the
first with the ResendRequest, the rest from ``tick()``, which ``next_deadline()`` asks for at
once while any is left.  Messages numbered while a resend streams are stored as usual but held
back and sent when it is done, so the wire order is the one a one-shot resend would give.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..codec import (
    Decoder,
    FieldEncoder,
    FixMessage,
    FrameReader,
    FramingError,
    RejectReason,
    ValidationError,
    build_frame,
    format_timestamp,
    split_fields,
)
from ..codec.values import format_timestamp_fast
from ..dictionary import Dictionary
from .clock import Clock, SystemClock
from .events import (
    Action,
    Deliver,
    Disconnect,
    GapDetected,
    LoggedOn,
    LoggedOut,
    NotResent,
    ProtocolIssue,
    SendBytes,
    deliver,
    send_bytes,
)
from .profiles import LISTENER_FORBIDDEN, LogonFlags, SessionProfile
from .state import TRANSITIONS, SessionStateError, State

__all__ = ["LogonDecision", "Role", "Session", "SessionConfig", "NotAllowedError"]

ADMIN_TYPES = frozenset({"0", "1", "2", "3", "4", "5", "A"})
_HEADER_TAGS = frozenset({8, 9, 35, 49, 56, 34, 52, 43, 97, 122, 10})
_MAX_RESEND_ATTEMPTS = 3
#: timedelta(microseconds=n) for n < 1000: cutting a time to whole milliseconds by subtraction
#: costs a tenth of ``datetime.replace(microsecond=...)`` (keyword parsing)
_SUB_MS = tuple(timedelta(microseconds=n) for n in range(1000))


def _split_stored(raw: bytes) -> tuple[bytes | None, bytes]:
    """(SendingTime, body) of a message as ``Session._send`` lays it out (8, 9, 35, 49, 56,
    34, 52, body, 10): slices, no re-encoding.  (None, b"") if it is laid out otherwise."""
    p = raw.find(b"\x0135=")
    q = raw.find(b"\x0152=", p)
    if p < 0 or q < 0 or raw.count(b"\x01", p + 1, q) != 3 or raw[-7:-4] != b"10=":
        return None, b""
    e = raw.index(b"\x01", q + 4)
    return raw[q + 4 : e], raw[e + 1 : -7]


def redact_logon(raw: bytes) -> bytes:
    """The message without RawDataLength/RawData (the Logon signature never goes to disk)."""
    if b"\x0196=" not in raw:
        return raw
    pairs = split_fields(raw, {95: 96})
    rest = b"".join(b"%d=%s\x01" % (t, v) for t, v in pairs if t not in (8, 9, 35, 10, 95, 96))
    return build_frame(pairs[0][1], pairs[2][1], b"", rest)


class NotAllowedError(SessionStateError):
    """This MsgType may not be sent on this session (profile or listener rules)."""


class Role:
    INITIATOR = "initiator"
    ACCEPTOR = "acceptor"


@dataclass
class SessionConfig:
    profile: SessionProfile
    sender_comp_id: str
    target_comp_id: str
    heartbeat_interval: int = 30
    flags: LogonFlags = field(default_factory=LogonFlags)
    #: prehash bytes -> base64 signature for Logon RawData (initiator only)
    signer: Callable[[bytes], str] | None = None
    logon_timeout: float = 10.0
    logout_timeout: float = 5.0
    #: extra fraction of HeartBtInt of silence before we send a TestRequest
    test_request_grace: float = 0.2
    #: initiator: our application messages older than this (seconds) are gap-filled, not
    #: resent (stale orders); None = always resend.  An acceptor keeps what it sent for the
    #: client's MessageRetentionPeriod (20200, hours; 24 when not given) instead.
    resend_stale_after: float | None = 30.0
    #: a ResendRequest that brings nothing for this long is sent again (3 tries, then Logout)
    resend_timeout: float = 10.0
    #: reject inbound messages whose SendingTime is further than this from our clock (seconds)
    max_clock_skew: float | None = None
    #: keep every inbound message in the store's log
    log_inbound: bool = True
    #: keep unknown tags aside instead of rejecting (a client should not reject a fill)
    allow_unknown_tags: bool = False
    #: other SenderCompID (49) values accepted from the counterparty.  The Common Components
    #: page says the exchange's messages carry 49 "Kalshi", while QuickFIX-based clients (which
    #: the docs say work unchanged) require 49 to equal their TargetCompID (e.g. KalshiRT).  We
    #: accept both; the simulator sends the session type, as QuickFIX clients expect.
    peer_comp_aliases: frozenset[str] = frozenset({"Kalshi"})
    #: most messages (resent or gap fills) sent per step of serving a ResendRequest; the rest
    #: follow from tick(), so a 100k-message resend neither stalls the loop nor the first byte
    resend_chunk: int = 2000

    def __post_init__(self) -> None:
        if self.resend_chunk < 1:
            raise ValueError(f"resend_chunk is {self.resend_chunk}; it must be at least 1")
        if self.heartbeat_interval <= 3:
            raise ValueError(f"HeartBtInt (108) is {self.heartbeat_interval}; Kalshi requires more than 3 seconds")


@dataclass(frozen=True)
class LogonDecision:
    """The acceptor's verdict on a Logon (computed by the simulator's authenticator)."""

    accept: bool
    store: Any = None  # the SessionStore to bind when accepted
    text: str | None = None  # Logout text when refused ("already exists", ...)
    reject_reason: RejectReason | None = None  # also send Reject(35=3) with this 373 first
    ref_tag: int | None = None


@dataclass
class _ResendJob:
    """What is left of a ResendRequest being served: seqs next_seq..end, and the start of a
    run of not-resent numbers still to be covered by one gap fill."""

    next_seq: int
    end: int
    stale_before: datetime | None
    gap_start: int | None = None


class Session:
    """One FIX session over one connection at a time (reconnects reuse the object)."""

    def __init__(
        self,
        config: SessionConfig,
        *,
        store: Any = None,
        clock: Clock | None = None,
        role: str = Role.INITIATOR,
        logon_handler: Callable[[FixMessage], LogonDecision] | None = None,
        dictionary: Dictionary | None = None,
    ) -> None:
        # Our own copy: an acceptor learns target_comp_id from the Logon, and one config
        # object may be shared by every acceptor of a port.
        self.config = dataclasses.replace(config)
        self.profile = config.profile
        self.role = role
        self.clock = clock or SystemClock()
        self.store = store
        if role == Role.INITIATOR and store is None:
            raise ValueError("an initiator session needs a store")
        if role == Role.ACCEPTOR and logon_handler is None:
            raise ValueError("an acceptor session needs a logon_handler")
        self._logon_handler = logon_handler
        d = dictionary or Dictionary.default()
        self._decoder = Decoder(d, allow_unknown_tags=config.allow_unknown_tags, verify=False)
        self._encoder = FieldEncoder(d)
        self._begin = d.begin_string.encode()
        self.state = State.DISCONNECTED
        self.heartbeat_interval = config.heartbeat_interval
        self.peer_flags: LogonFlags | None = None
        self._test_ids = itertools.count(1)
        self._new_connection()

    # ---- properties -------------------------------------------------------------------------

    @property
    def next_sender_seq(self) -> int:
        return self.store.seqnums().next_sender

    @property
    def next_target_seq(self) -> int:
        return self.store.seqnums().next_target

    @property
    def queued(self) -> tuple[SendBytes, ...]:
        """Stored messages waiting for the resend being served to finish (sent after it)."""
        return tuple(self._held)

    @property
    def resending(self) -> bool:
        """A ResendRequest is still being served (``tick()`` sends the next chunk)."""
        return self._resend_job is not None

    @property
    def is_listener(self) -> bool:
        flags = self.config.flags if self.role == Role.INITIATOR else self.peer_flags
        return bool(flags and flags.listener_session)

    def _new_connection(self) -> None:
        self._reader = FrameReader(self._begin)
        now = self.clock.monotonic()
        self._connected_at = now
        self._last_sent = now
        self._last_recv = now
        self._state_since = now
        self._test_req: tuple[str, float] | None = None
        self._resend_until: int | None = None
        self._resend_progress = now
        self._resend_attempts: dict[int, int] = {}
        self._resend_job: _ResendJob | None = None
        # Stored messages numbered while a resend streams, in seq order, sent when it is done;
        # _strip holds those this call returned too (by id), for _unheld to take back out.
        self._held: list[SendBytes] = []
        self._strip: dict[int, SendBytes] = {}

    def _to(self, new: State) -> None:
        if new not in TRANSITIONS[self.state]:
            raise SessionStateError(f"session cannot go from {self.state.value} to {new.value}")
        self.state = new
        self._state_since = self.clock.monotonic()

    # ---- events in --------------------------------------------------------------------------

    def connection_made(self) -> list[Action]:
        if self.state is State.CLOSED:
            self._to(State.DISCONNECTED)
        if self.state is not State.DISCONNECTED:
            raise SessionStateError(f"connection_made in state {self.state.value}")
        self._new_connection()
        if self.role == Role.ACCEPTOR:
            self._to(State.AWAITING_LOGON)
            return []
        self.config.flags.validate(self.profile)
        reset = self.config.flags.effective_reset(self.profile)
        if reset:
            self.store.reset()
        logon = self._send("A", self._logon_body, persist=False)  # a store failure leaves us DISCONNECTED
        self._to(State.LOGON_SENT)
        return [logon]

    def data_received(self, data: bytes) -> list[Action]:
        """Everything this read completes, processed under one store group: one commit for
        the lot, done before any of the returned actions (sends, deliveries) can happen."""
        self._reader.feed(data)
        group = getattr(self.store, "group", None)
        if group is None:
            return self._unheld(self._drain_frames())
        with group():
            return self._unheld(self._drain_frames())

    def _drain_frames(self) -> list[Action]:
        out: list[Action] = []
        while self.state is not State.CLOSED:
            try:
                raw = self._reader.next_frame()
            except FramingError as exc:
                out.append(ProtocolIssue(f"garbled input discarded: {exc}"))
                continue
            if raw is None:
                break
            self._last_recv = self.clock.monotonic()
            out.extend(self._on_frame(raw))
        return out

    def connection_lost(self) -> list[Action]:
        if self.state is not State.CLOSED:
            self._to(State.CLOSED)
        if self.store is not None:
            self.store.flush()
        return []

    def send(self, msg_type: str, body: bytes) -> list[Action]:
        """Send an application message (``body`` = encoded fields, no header)."""
        if self.state is not State.ACTIVE:
            raise SessionStateError(f"cannot send {msg_type}: session is {self.state.value}, not logged on")
        allowed = self.profile.client_sends if self.role == Role.INITIATOR else self.profile.server_sends
        if msg_type not in allowed:
            raise NotAllowedError(f"MsgType {msg_type} cannot be sent on {self.profile.name}")
        if msg_type in LISTENER_FORBIDDEN and self.role == Role.INITIATOR and self.is_listener:
            raise NotAllowedError(f"MsgType {msg_type} cannot be sent on a listener session (20126=Y is read-only)")
        return self._unheld([self._send(msg_type, body, persist=self.profile.retransmission)])

    def logout(self, text: str | None = None) -> list[Action]:
        if self.state is State.ACTIVE:
            body = self._encoder.field(58, text) if text else b""
            act = self._send("5", body, persist=False)
            self._to(State.LOGOUT_SENT)
            return [act]
        if self.state in (State.CLOSED, State.DISCONNECTED, State.LOGOUT_SENT):
            return []  # nothing to do, or already waiting for the reply (timer runs)
        return [self._close("logout requested before logon completed")]

    def tick(self) -> list[Action]:
        """Run timers and send the next chunk of a resend; call at ``next_deadline()``
        (calling early is harmless)."""
        return self._unheld(self._tick())

    def _tick(self) -> list[Action]:
        now = self.clock.monotonic()
        st = self.state
        if st in (State.LOGON_SENT, State.AWAITING_LOGON):
            if now - self._state_since >= self.config.logon_timeout:
                return [self._close(f"no Logon within {self.config.logon_timeout:g} s")]
            return []
        if st is State.LOGOUT_SENT:
            if now - self._state_since >= self.config.logout_timeout:
                return [self._close(f"no Logout reply within {self.config.logout_timeout:g} s")]
            return []
        if st is not State.ACTIVE:
            return []
        out: list[Action] = self._resend_chunk() if self._resend_job is not None else []
        hb = self.heartbeat_interval
        limit = hb * (1 + self.config.test_request_grace)
        if self._test_req is not None:
            if now - self._test_req[1] >= limit:
                return [
                    self._close(f"no answer to TestRequest {self._test_req[0]} within {limit:g} s (heartbeat timeout)")
                ]
        elif now - self._last_recv >= limit:
            test_id = f"TEST-{next(self._test_ids)}"
            out.append(self._send("1", self._encoder.field(112, test_id), persist=False))
            self._test_req = (test_id, now)
        if self._resend_until is not None and now - self._resend_progress >= self.config.resend_timeout:
            # The counterparty stopped filling our gap: ask again, and give up after a few tries.
            received, self._resend_until = self._resend_until, None
            out.extend(self._gap(self.store.seqnums().next_target, received, False))
            if self.state is not State.ACTIVE:
                return out
        if now - self._last_sent >= hb:
            out.append(self._send("0", b"", persist=False))
        return out

    def next_deadline(self) -> float | None:
        """Monotonic time of the next timer, or None; now while a resend is being served."""
        st = self.state
        if st in (State.LOGON_SENT, State.AWAITING_LOGON):
            return self._state_since + self.config.logon_timeout
        if st is State.LOGOUT_SENT:
            return self._state_since + self.config.logout_timeout
        if st is not State.ACTIVE:
            return None
        if self._resend_job is not None:
            return self.clock.monotonic()
        hb = self.heartbeat_interval
        limit = hb * (1 + self.config.test_request_grace)
        recv = self._test_req[1] + limit if self._test_req else self._last_recv + limit
        deadline = min(self._last_sent + hb, recv)
        if self._resend_until is not None:
            deadline = min(deadline, self._resend_progress + self.config.resend_timeout)
        return deadline

    # ---- sending ------------------------------------------------------------------------------

    def _now_ms(self) -> datetime:
        """Clock time cut to whole milliseconds: Kalshi's SendingTime is YYYYMMDD-HH:MM:SS.mmm
        (and the Logon signature covers those exact bytes)."""
        now = self.clock.now()
        extra = now.microsecond % 1000
        if not extra:
            return now
        if now.fold:  # arithmetic would clear the fold; replace keeps it
            return now.replace(microsecond=now.microsecond - extra)
        return now - _SUB_MS[extra]

    def _send(self, msg_type: str, body: bytes | Callable[[bytes, int], bytes], *, persist: bool) -> SendBytes:
        seqs = self.store.seqnums()
        seq = seqs.next_sender
        now = self._now_ms()
        st = format_timestamp_fast(now)
        if callable(body):
            body = body(st, seq)
        header = b"49=%s\x0156=%s\x0134=%d\x0152=%s\x01" % (
            self.config.sender_comp_id.encode(), self.config.target_comp_id.encode(), seq, st,
        )  # fmt: skip
        raw = build_frame(self._begin, msg_type.encode(), header, body)
        # Stored before it can reach the socket: no reuse, no loss.
        self.store.store_outbound(seq, msg_type, raw, now, persist=persist)
        self._last_sent = self.clock.monotonic()
        act = send_bytes(raw, seq, msg_type)
        if self._resend_job is not None:
            if msg_type == "5":
                # Logging out ends the session's conversation: the rest of the resend and what
                # waits behind it are dropped (stored: a resend on the next logon serves them).
                self._abandon_resend()
            else:
                self._held.append(act)
                self._strip[id(act)] = act
        return act

    def _unheld(self, out: list[Action]) -> list[Action]:
        """``out`` without the messages ``_send`` held back during this call.  A held message
        released in the same call (the resend finished) appears twice: only the first goes."""
        if not self._strip:
            return out
        strip, self._strip = self._strip, {}
        kept: list[Action] = []
        for a in out:
            if id(a) in strip and strip[id(a)] is a:
                del strip[id(a)]
                continue
            kept.append(a)
        return kept

    def _abandon_resend(self) -> None:
        self._resend_job = None
        self._held = []

    def _logon_body(self, sending_time: bytes, seq: int) -> bytes:
        cfg = self.config
        items: list[tuple[int, Any]] = [(98, 0), (108, cfg.heartbeat_interval)]
        if cfg.signer is not None:
            from ..crypto.signature import logon_prehash

            pre = logon_prehash(sending_time.decode(), "A", seq, cfg.sender_comp_id, cfg.target_comp_id)
            items.append((96, cfg.signer(pre).encode()))
        flags = cfg.flags.logon_fields(self.profile)
        items.extend(f for f in flags if f[0] == 141)
        items.append((1137, "9"))
        items.extend(f for f in flags if f[0] != 141)
        return self._encoder.fields(items)

    def _reject(self, ref_seq: int | None, reason: RejectReason, text: str, tag: int | None, msg_type: str | None) -> SendBytes:
        items: list[tuple[int, Any]] = [(45, ref_seq or 0), (58, text)]
        if tag is not None:
            items.append((371, tag))
        if msg_type:
            items.append((372, msg_type))
        items.append((373, int(reason)))
        return self._send("3", self._encoder.fields(items), persist=False)

    def _logout_and_close(self, text: str) -> list[Action]:
        out: list[Action] = []
        if self.store is not None and self.state in (State.ACTIVE, State.LOGON_SENT, State.AWAITING_LOGON):
            out.append(self._send("5", self._encoder.field(58, text), persist=False))
        out.append(self._close(text))
        return out

    def _close(self, reason: str) -> Disconnect:
        self._abandon_resend()
        if self.state is not State.CLOSED:
            self._to(State.CLOSED)
        if self.store is not None:
            self.store.flush()
        return Disconnect(reason)

    # ---- receiving ----------------------------------------------------------------------------

    def _on_frame(self, raw: bytes) -> list[Action]:
        try:
            fm = self._decoder.decode(raw)
        except ValidationError as exc:
            if self.store is not None and self.config.log_inbound and self.state is State.ACTIVE:
                self.store.log("in", exc.seq, raw, self.clock.now())  # kept even when rejected
            return self._on_invalid(raw, exc)
        except FramingError as exc:
            return [ProtocolIssue(f"garbled message discarded: {exc}")]
        # A Logon is logged by _accept_logon, into the store its decision binds (an acceptor
        # reused across connections still holds the previous connection's store here).
        if self.store is not None and self.config.log_inbound and self.state is not State.AWAITING_LOGON:
            self.store.log("in", fm.seq, raw, self.clock.now())
        return self._on_message(fm)

    def _on_invalid(self, raw: bytes, exc: ValidationError) -> list[Action]:
        if self.state in (State.AWAITING_LOGON, State.LOGON_SENT) or self.store is None:
            # A bad first message: nothing to sequence against; refuse the connection.
            return [ProtocolIssue(f"invalid message before logon: {exc}"), self._close(f"invalid Logon: {exc.text}")]
        if exc.seq is None:
            return self._logout_and_close("MsgSeqNum (34) missing or invalid")
        expected = self.store.seqnums().next_target
        out: list[Action] = [ProtocolIssue(f"rejected inbound message {exc.seq}: {exc}")]
        if exc.seq == expected:
            out.append(self._reject(exc.seq, exc.reason, exc.text, exc.tag, exc.msg_type))
            self.store.set_next_target(expected + 1)
        elif exc.seq > expected:
            out.extend(self._gap(expected, exc.seq, exc.msg_type == "5"))
        return out

    def _on_message(self, fm: FixMessage) -> list[Action]:
        mt = fm.msg_type
        st = self.state
        if st is State.AWAITING_LOGON:
            if mt != "A":
                return [self._close(f"first message was {mt}, not Logon")]
            refusal = self._check_logon(fm)
            if refusal is not None:
                return self._refuse_logon(fm, refusal)
            return self._accept_logon(fm)
        if st is State.LOGON_SENT:
            if mt == "5":
                text = fm.body.get(58)
                return [LoggedOut(text, by_us=False), self._close(f"logon refused: {text or 'no reason given'}")]
            if mt == "3":
                return [Deliver(fm), ProtocolIssue(f"Logon rejected: {fm.body.get(58)}")]
            if mt != "A":
                return [self._close(f"expected Logon reply, got MsgType {mt}")]

        h = fm.header
        seq: int = h[34]
        cfg = self.config
        sender = h.get(49)
        peer_ok = sender == cfg.target_comp_id or (self.role == Role.INITIATOR and sender in cfg.peer_comp_aliases)
        if not peer_ok or h.get(56) != cfg.sender_comp_id:
            out: list[Action] = [
                self._reject(seq, RejectReason.COMPID_PROBLEM, "CompID problem", 49 if not peer_ok else 56, mt)
            ]
            return out + self._logout_and_close(
                f"CompID problem: got 49={h.get(49)} 56={h.get(56)}, expected 49={self.config.target_comp_id} 56={self.config.sender_comp_id}"
            )
        skew = cfg.max_clock_skew
        if skew is not None and abs((h[52] - self.clock.now()).total_seconds()) > skew:
            out = [self._reject(seq, RejectReason.SENDING_TIME_ACCURACY, "SendingTime accuracy problem", 52, mt)]
            return out + self._logout_and_close(f"SendingTime {h[52]:%Y%m%d-%H:%M:%S} is more than {skew:g} s from server time")

        if mt == "A" and st is State.LOGON_SENT:
            return self._logon_reply(fm)
        if mt == "4" and not fm.body.get(123):
            return self._sequence_reset(fm)

        expected = self.store.seqnums().next_target
        poss_dup = bool(h.get(43))
        if seq > expected:
            out = []
            if self.profile.retransmission and mt in ("1", "2"):
                # Answered now: the counterparty's own resend will only gap-fill this admin
                # message, so holding it back would lose it (and deadlock two-sided gaps).
                out = self._dispatch(fm, poss_dup)
            return out + self._gap(expected, seq, mt == "5", fm)
        if seq < expected:
            if poss_dup:
                return []  # a duplicate we already have
            return self._logout_and_close(f"MsgSeqNum too low, expecting {expected} but received {seq}")
        if poss_dup and 122 not in h:
            self.store.set_next_target(seq + 1)
            return [self._reject(seq, RejectReason.REQUIRED_TAG_MISSING, "Required tag missing", 122, mt)]
        if mt == "4":  # gap fill
            new = fm.body[36]
            if new < expected:
                self.store.set_next_target(expected + 1)
                return [self._reject(seq, RejectReason.INCORRECT_VALUE, f"NewSeqNo {new} is below expected {expected}", 36, mt)]
            self.store.set_next_target(new)
            self._check_resend_done(new)
            return []
        self.store.set_next_target(seq + 1)
        self._check_resend_done(seq + 1)
        return self._dispatch(fm, poss_dup)

    def _dispatch(self, fm: FixMessage, poss_dup: bool) -> list[Action]:
        mt = fm.msg_type
        if mt not in ADMIN_TYPES or mt == "3":
            return [deliver(fm, poss_dup)]
        if mt == "0":
            if self._test_req is not None and fm.body.get(112) == self._test_req[0]:
                self._test_req = None
            return []
        if mt == "1":
            return [self._send("0", self._encoder.field(112, fm.body[112]), persist=False)]
        if mt == "2":
            return self._serve_resend(fm.header[34], fm.body[7], fm.body[16])
        if mt == "5":
            if self.state is State.LOGOUT_SENT:
                return [LoggedOut(fm.body.get(58), by_us=True), self._close("logout complete")]
            reply = self._send("5", b"", persist=False)
            text = fm.body.get(58)
            return [reply, LoggedOut(text, by_us=False), self._close(f"counterparty logged out: {text or 'no reason given'}")]
        if mt == "A":
            return self._logout_and_close("Logon received on an active session")
        return []

    # ---- logon ------------------------------------------------------------------------------

    def _logon_reply(self, fm: FixMessage) -> list[Action]:
        seq: int = fm.header[34]
        reset = self.config.flags.effective_reset(self.profile)
        expected = self.store.seqnums().next_target
        if reset and seq == 1:
            expected = 1
        if seq < expected:
            return self._logout_and_close(f"MsgSeqNum too low, expecting {expected} but received {seq}")
        self._to(State.ACTIVE)
        out: list[Action] = [LoggedOn(fm, reset)]
        if seq > expected:
            out.extend(self._gap(expected, seq, False))
        else:
            self.store.set_next_target(seq + 1)
        return out

    def _check_logon(self, fm: FixMessage) -> LogonDecision | None:
        """Session-level Logon rules, checked before the authenticator runs (a stale or
        misdirected Logon never reaches signature verification)."""
        h, body = fm.header, fm.body
        me = self.config.sender_comp_id
        if h.get(56) != me:
            return LogonDecision(
                False, text=f"CompID problem: TargetCompID (56) is {h.get(56)}, expected {me}",
                reject_reason=RejectReason.COMPID_PROBLEM, ref_tag=56,
            )  # fmt: skip
        skew = self.config.max_clock_skew
        if skew is not None and abs((h[52] - self.clock.now()).total_seconds()) > skew:
            return LogonDecision(
                False, text=f"SendingTime accuracy problem: more than {skew:g} s from server time",
                reject_reason=RejectReason.SENDING_TIME_ACCURACY, ref_tag=52,
            )  # fmt: skip
        if body[108] <= 3:
            return LogonDecision(
                False, text=f"HeartBtInt (108) is {body[108]}; it must be more than 3 seconds",
                reject_reason=RejectReason.INCORRECT_VALUE, ref_tag=108,
            )  # fmt: skip
        if not self.profile.retransmission and not body.get(141):
            return LogonDecision(
                False, text=f"ResetSeqNumFlag (141) must be Y on {self.profile.name}",
                reject_reason=RejectReason.INCORRECT_VALUE, ref_tag=141,
            )  # fmt: skip
        return None

    def _accept_logon(self, fm: FixMessage) -> list[Action]:
        assert self._logon_handler is not None
        decision = self._logon_handler(fm)
        h = fm.header
        seq: int = h[34]
        if not decision.accept:
            return self._refuse_logon(fm, decision)
        self.store = decision.store
        self.config.target_comp_id = h[49]
        self.peer_flags = LogonFlags.from_logon_body(fm.body)
        self.heartbeat_interval = fm.body[108]
        reset = bool(fm.body.get(141))
        if reset:
            self.store.reset()
        expected = self.store.seqnums().next_target
        if seq < expected:
            return self._refuse_logon(
                fm, LogonDecision(False, text=f"MsgSeqNum too low, expecting {expected} but received {seq}")
            )
        self._to(State.ACTIVE)
        if self.config.log_inbound:
            self.store.log("in", seq, redact_logon(fm.raw), self.clock.now())
        items: list[tuple[int, Any]] = [(98, 0), (108, self.heartbeat_interval)]
        if reset:
            items.append((141, True))
        items.append((1137, "9"))
        out: list[Action] = [self._send("A", self._encoder.fields(items), persist=False), LoggedOn(fm, reset)]
        if seq > expected:
            out.extend(self._gap(expected, seq, False))
        else:
            self.store.set_next_target(seq + 1)
        return out

    def _refuse_logon(self, fm: FixMessage, decision: LogonDecision) -> list[Action]:
        """Answer a refused Logon outside any stored session: sequence 1, nothing persisted."""
        from ..store import MemoryStore

        sender = self.config.sender_comp_id
        self.store = MemoryStore(f"refused:{sender}")
        self.config.target_comp_id = str(fm.header.get(49, "?"))
        out: list[Action] = []
        if decision.reject_reason is not None:
            out.append(self._reject(fm.header.get(34), decision.reject_reason, decision.text or "Logon rejected", decision.ref_tag, "A"))
        out.append(self._send("5", self._encoder.field(58, decision.text or "Logon rejected"), persist=False))
        out.append(self._close(f"logon refused: {decision.text}"))
        self.store = None
        return out

    # ---- sequence gaps and resend -------------------------------------------------------------

    def _gap(self, expected: int, received: int, is_logout: bool, fm: FixMessage | None = None) -> list[Action]:
        if is_logout and fm is not None:
            return self._dispatch(fm, False)
        if not self.profile.retransmission:
            return [GapDetected(expected, received, False)] + self._logout_and_close(
                f"MsgSeqNum too high, expecting {expected} but received {received} "
                f"({self.profile.name} has no retransmission: reconnect with ResetSeqNumFlag=Y)"
            )
        if self._resend_until is not None and expected < self._resend_until:
            self._resend_until = max(self._resend_until, received)
            return []  # already asked; the resend will cover it (no resend loops)
        attempts = self._resend_attempts.get(expected, 0) + 1
        self._resend_attempts[expected] = attempts
        if attempts > _MAX_RESEND_ATTEMPTS:
            return self._logout_and_close(f"gap at {expected} not filled after {_MAX_RESEND_ATTEMPTS} ResendRequests")
        self._resend_until = received
        self._resend_progress = self.clock.monotonic()
        req = self._send("2", self._encoder.fields([(7, expected), (16, 0)]), persist=False)
        return [GapDetected(expected, received, True), req]

    def _check_resend_done(self, next_target: int) -> None:
        if self._resend_until is None:
            return
        if next_target > self._resend_until:
            self._resend_until = None
        else:
            self._resend_progress = self.clock.monotonic()  # the gap is filling

    def _sequence_reset(self, fm: FixMessage) -> list[Action]:
        new = fm.body[36]
        expected = self.store.seqnums().next_target
        if new < expected:
            return [self._reject(fm.header[34], RejectReason.INCORRECT_VALUE, f"NewSeqNo {new} is below expected {expected}", 36, "4")]
        self.store.set_next_target(new)
        self._check_resend_done(new)
        return []

    def _serve_resend(self, req_seq: int, begin: int, end: int) -> list[Action]:
        if not self.profile.retransmission:
            return [self._reject(req_seq, RejectReason.INVALID_MSGTYPE, f"ResendRequest is not supported on {self.profile.name}", 35, "2")]
        last = self.store.seqnums().next_sender - 1
        if end == 0 or end > last:
            end = last
        if begin < 1 or begin > end:
            return [ProtocolIssue(f"ResendRequest {begin}-{end} is outside what we sent (last {last})")]
        if self._resend_job is not None:
            # A new request replaces the one being served; held messages it covers go out
            # as part of it (PossDupFlag=Y), not again after it.
            self._held = [a for a in self._held if not begin <= a.seq <= end]
        window = self._resend_window()
        stale_before = self._now_ms() - timedelta(seconds=window) if window is not None else None
        self._resend_job = _ResendJob(begin, end, stale_before)
        return self._resend_chunk()

    def _resend_chunk(self) -> list[Action]:
        """The next at most ``resend_chunk`` messages of the resend being served (looking at
        as many seqs), then NotResent for the stale orders among them; when that finishes the
        range, the messages held behind it follow."""
        job = self._resend_job
        assert job is not None
        n = self.config.resend_chunk
        now = self._now_ms()
        hi = min(job.end, job.next_seq + n - 1)
        stored = {m.seq: m for m in self.store.outbound_range(job.next_seq, hi)}
        stale_before = job.stale_before
        out: list[Action] = []
        skipped: list[Any] = []
        gap_start = job.gap_start
        sent = 0
        seq = job.next_seq
        while seq <= hi:
            m = stored.get(seq)
            resend = m is not None and m.msg_type not in ADMIN_TYPES
            if resend and stale_before is not None and m is not None and m.sent_at < stale_before:
                skipped.append(m)
                resend = False
            if not resend:
                if gap_start is None:
                    gap_start = seq
                seq += 1
                continue
            need = 1 if gap_start is None else 2
            if sent and sent + need > n:
                break
            if gap_start is not None:
                out.append(self._gap_fill(gap_start, seq, now))
                gap_start = None
            out.append(self._resend_one(m, now))
            sent += need
            seq += 1
        if seq > job.end and gap_start is not None and sent < n:
            out.append(self._gap_fill(gap_start, job.end + 1, now))
            gap_start = None
        job.next_seq, job.gap_start = seq, gap_start
        if skipped:
            out.append(NotResent(tuple(m.seq for m in skipped), tuple(m.msg_type for m in skipped), tuple(m.raw for m in skipped)))
        self._last_sent = self.clock.monotonic()
        if seq > job.end and gap_start is None:
            self._resend_job = None
            out.extend(self._held)
            self._held = []
        return out

    def _resend_window(self) -> float | None:
        """Seconds after which a stored application message is gap-filled, not resent.

        The exchange must resend fills for the whole lookback window (Authentication page:
        24 h, up to 72 h with MessageRetentionPeriod); only a client's own orders go stale.
        """
        if self.role == Role.ACCEPTOR:
            hours = (self.peer_flags.message_retention_period if self.peer_flags else None) or 24
            return hours * 3600.0
        return self.config.resend_stale_after

    def _gap_fill(self, seq: int, new_seq: int, now: datetime) -> SendBytes:
        st = format_timestamp(now)
        header = b"49=%s\x0156=%s\x0134=%d\x0143=Y\x0152=%s\x01122=%s\x01" % (
            self.config.sender_comp_id.encode(), self.config.target_comp_id.encode(), seq, st, st,
        )  # fmt: skip
        body = self._encoder.fields([(123, True), (36, new_seq)])
        return SendBytes(build_frame(self._begin, b"4", header, body), seq, "4")

    def _resend_one(self, m: Any, now: datetime) -> SendBytes:
        raw: bytes = m.raw
        orig, body = _split_stored(raw)
        if orig is None:  # not laid out as _send writes it: take it apart the slow way
            pairs = split_fields(raw, self._decoder.dictionary.data_length_tags)
            orig = next(v for t, v in pairs if t == 52)
            body = b"".join(b"%d=%s\x01" % (t, v) for t, v in pairs if t not in _HEADER_TAGS)
        header = b"49=%s\x0156=%s\x0134=%d\x0143=Y\x0152=%s\x01122=%s\x01" % (
            self.config.sender_comp_id.encode(), self.config.target_comp_id.encode(), m.seq,
            format_timestamp(now), orig,
        )  # fmt: skip
        return SendBytes(build_frame(self._begin, m.msg_type.encode(), header, body), m.seq, m.msg_type)
