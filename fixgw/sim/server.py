"""The simulator's session side: TLS listeners that behave as Kalshi's FIX gateway does.

One listener per session type (KalshiNR, DC, RT, PT, RFQ).  Each connection runs the same
sans-IO ``Session`` the client runs, in the acceptor role, over the same ``SessionConnection``
driver, so the simulator exercises our codec and session core from the other side.  What is
Kalshi-specific sits around it: Logon authentication (``auth``), one connection per API key,
per-key session stores that keep RT/PT sequence numbers across reconnects, the write-budget
rate limit (``ratelimit``), fault injection on the outbound stream (``faults``) and the
``ExchangeApp`` hook (``app``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import ipaddress
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..codec import FixMessage, build_frame, format_timestamp
from ..crypto.tls import generate_self_signed, server_context
from ..messages import enums
from ..session import (
    PROFILES,
    Action,
    Clock,
    Deliver,
    Disconnect,
    LoggedOn,
    LoggedOut,
    LogonDecision,
    LogonFlags,
    ProtocolIssue,
    Role,
    SendBytes,
    Session,
    SessionConfig,
    SessionProfile,
    SessionStateError,
    SystemClock,
)
from ..session.profiles import LISTENER_FORBIDDEN
from ..store import MemoryStore, SessionStore, SqliteStore
from ..transport import Endpoint, SessionConnection
from ..transport.streams import start_server
from .app import ExchangeApp, NullApp, SimSession
from .auth import MAX_CLOCK_SKEW, check_logon
from .faults import SessionFaults
from .keys import KeyRegistry
from .ratelimit import RateLimiter, Tier

__all__ = ["KALSHI_PORT_BASE", "Simulator", "SimulatorError"]

log = logging.getLogger("fixgw.sim")

KALSHI_PORT_BASE = 8228
ALREADY_EXISTS = "already exists"  # Error Handling page: Logout Text<58>="already exists"
BR = enums.BusinessRejectReason


class SimulatorError(RuntimeError):
    """The simulator could not start (port in use, bad certificate, ...)."""


def resolve_ports(
    session_types: Sequence[str],
    ports: Mapping[str, int] | None = None,
    port_base: int | None = None,
) -> dict[str, int]:
    """Kalshi's ports (8228-8232) shifted to ``port_base`` (0: free ports), then ``ports`` overrides."""
    out: dict[str, int] = {}
    for name in session_types:
        prof = PROFILES[name]
        if port_base is None:
            out[name] = prof.port
        elif port_base == 0:
            out[name] = 0
        else:
            out[name] = port_base + prof.port - KALSHI_PORT_BASE
    for name, port in (ports or {}).items():
        if name not in PROFILES:
            raise ValueError(
                f"unknown session type {name!r} in ports; expected one of {', '.join(PROFILES)}"
            )
        out[name] = port
    for name, port in out.items():
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} for {name} is outside 0-65535")
    return out


def _corrupt_checksum(data: bytes) -> bytes:
    good = int(data[-4:-1])
    return data[:-4] + b"%03d\x01" % ((good + 1) % 256)


class _SimConnection(SessionConnection):
    """One client connection on one listener: logon checks, faults, app dispatch."""

    def __init__(
        self,
        sim: Simulator,
        profile: SessionProfile,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        cfg = SessionConfig(
            profile,
            sender_comp_id=profile.name,
            target_comp_id="?",
            max_clock_skew=sim.max_clock_skew,
            logon_timeout=sim.logon_timeout,
        )
        session = Session(cfg, clock=sim.clock, role=Role.ACCEPTOR, logon_handler=self._logon)
        super().__init__(session, reader, writer, on_action=self._on_action)
        self.sim = sim
        self.profile = profile
        self.peer = writer.get_extra_info("peername")
        self.api_key: str | None = None
        self.ctx: SimSession | None = None
        self._held: list[SendBytes] = []
        self._queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._worker_busy = False  # the worker is between taking an item and finishing it
        self._inline: list[tuple[Any, ...]] = []  # items of this read, handled right after it
        self._dispatching = False
        self._unwatch = sim.faults.watch(self._faults_changed)

    # ---- logon ------------------------------------------------------------------------------

    def _logon(self, fm: FixMessage) -> LogonDecision:
        sim = self.sim
        refusal = check_logon(
            fm, self.profile, sim.keys, sim.clock.now(), max_skew=sim.max_clock_skew
        )
        if refusal is not None:
            log.info("%s logon from %s refused: %s", self.profile.name, self.peer, refusal.text)
            return refusal.decision()
        key: str = fm.header[49]
        if sim.rate_limiter is not None and not sim.rate_limiter.allow(key, "A"):
            log.info("%s logon for %s refused: rate limit", self.profile.name, key)
            return LogonDecision(
                False, text="Rate limit exceeded (Logon counts against the write budget)"
            )
        if key in sim._active:
            log.info(
                "%s logon for %s refused: already connected on %s",
                self.profile.name,
                key,
                sim._active[key].profile.name,
            )
            return LogonDecision(False, text=ALREADY_EXISTS)
        flags = LogonFlags.from_logon_body(fm.body)
        # The exchange keeps its messages for the retention period (Authentication page).
        self.session.config.resend_stale_after = 3600.0 * (flags.message_retention_period or 24)
        self.api_key = key
        self.ctx = SimSession(key, self.session, self, sim.faults)
        sim._active[key] = self
        self._worker = asyncio.get_running_loop().create_task(
            self._work(), name=f"fixgw-sim-{self.profile.name}-{key}"
        )
        log.info("%s logon accepted for %s from %s", self.profile.name, key, self.peer)
        return LogonDecision(True, store=sim.store(self.profile.name, key))

    def _closed(self, reason: str) -> None:
        super()._closed(reason)
        self._release()  # the key is free as soon as this connection is over, however it ended

    def _release(self) -> None:
        if self.api_key is not None and self.sim._active.get(self.api_key) is self:
            del self.sim._active[self.api_key]
            self.sim._notify()

    # ---- actions ----------------------------------------------------------------------------

    def _on_action(self, a: Action) -> None:
        if isinstance(a, Deliver):
            self._inbound(a.message)
        elif isinstance(a, LoggedOn):
            assert self.ctx is not None
            self.ctx.logged_on.set()
            self._enqueue(("logon",))
            self.sim._notify()
        elif isinstance(a, LoggedOut | Disconnect):
            # Released before the Logout reply can reach the client, so a client that
            # reconnects as soon as it is logged out is never told "already exists".
            self._release()
            if isinstance(a, Disconnect):
                log.info(
                    "%s %s: connection closed: %s",
                    self.profile.name,
                    self.api_key or self.peer,
                    a.reason,
                )
        elif isinstance(a, ProtocolIssue):
            log.info("%s %s: %s", self.profile.name, self.api_key or self.peer, a.text)

    def _inbound(self, fm: FixMessage) -> None:
        mt = fm.msg_type
        if mt == "3":
            log.info(
                "%s %s: client rejected our message %s: %s",
                self.profile.name,
                self.api_key,
                fm.body.get(45),
                fm.body.get(58),
            )
            return
        assert self.api_key is not None and self.ctx is not None
        limiter = self.sim.rate_limiter
        if limiter is not None and not limiter.allow(self.api_key, mt):
            self._enqueue(
                (
                    "reject",
                    fm,
                    BR.RATE_LIMIT_EXCEEDED,
                    f"Rate limit exceeded ({limiter.tier.name} tier write budget)",
                )
            )
        elif mt not in self.profile.client_sends:
            self._enqueue(
                (
                    "reject",
                    fm,
                    BR.UNSUPPORTED_MESSAGE_TYPE,
                    f"Unsupported Message Type: {mt} is not accepted on {self.profile.name}",
                )
            )
        elif self.ctx.is_listener and mt in LISTENER_FORBIDDEN:
            self._enqueue(
                (
                    "reject",
                    fm,
                    BR.NOT_AUTHORIZED,
                    f"Not authorized: {mt} cannot be sent on a listener session (20126=Y)",
                )
            )
        else:
            self._enqueue(("message", fm))

    def _enqueue(self, item: tuple[Any, ...]) -> None:
        """Items arriving while the worker is idle are handled inline, as soon as the actions of
        the current read are carried out (no event-loop turn in between); otherwise, or once
        one item has gone to the worker, they queue behind it, so order is kept."""
        if self._worker_busy or not self._queue.empty():
            self._queue.put_nowait(item)
        else:
            self._inline.append(item)

    def execute(self, actions: list[Action]) -> None:
        for a in actions:
            if isinstance(a, SendBytes):
                self._outbound(a)
            else:
                self.act(a)
        self._rearm()
        if self._inline and not self._dispatching:
            self._dispatch_inline()

    def _dispatch_inline(self) -> None:
        self._dispatching = True
        try:
            with self.corked():  # (nests: a read's items are already under its cork)
                while self._inline:
                    item = self._inline.pop(0)
                    pending = self._dispatch(item)
                    if pending is not None:  # an async handler: the worker awaits it, and
                        self._queue.put_nowait(("await", item, pending))  # the rest waits
                        for rest in self._inline:
                            self._queue.put_nowait(rest)
                        self._inline.clear()
        finally:
            self._dispatching = False

    async def _work(self) -> None:
        """Hand inbound messages to the application one at a time, in sequence order.

        Whatever is queued when the worker wakes is handled in one go under the connection's
        cork, so the answers to a burst of orders leave as one write; an application handler
        that awaits is awaited outside the cork, so nothing waits behind it."""
        queue = self._queue
        while True:
            self._worker_busy = False
            item = await queue.get()
            self._worker_busy = True
            while True:
                with self.corked():
                    while True:
                        if item[0] == "await":  # an async handler started inline
                            item, pending = item[1], item[2]
                        else:
                            pending = self._dispatch(item)
                        if item[0] == "end" or pending is not None or queue.empty():
                            break
                        item = queue.get_nowait()
                if item[0] == "end":
                    return
                if pending is not None:
                    await self._await_app(item, pending)
                if queue.empty():
                    break
                item = queue.get_nowait()
            self._worker_busy = False
            await self._drain()

    def _dispatch(self, item: tuple[Any, ...]) -> Any:
        """Run one queued item; returns what the application left to await, if anything."""
        app = self.sim.app
        ctx = self.ctx
        assert ctx is not None
        kind = item[0]
        if kind == "end":
            return None
        result: object
        try:
            if kind == "logon":
                result = app.on_logon(ctx)
            elif kind == "logout":
                result = app.on_logout(ctx)
            elif kind == "reject":
                result = ctx.business_reject(item[1], item[2], item[3])
            else:
                result = app.on_message(ctx, item[1])
        except Exception as exc:
            self._app_failed(item, exc)
            return None
        return result if result is not None and inspect.isawaitable(result) else None

    async def _await_app(self, item: tuple[Any, ...], pending: Any) -> None:
        try:
            await pending
        except Exception as exc:
            self._app_failed(item, exc)

    def _app_failed(self, item: tuple[Any, ...], exc: Exception) -> None:
        ctx = self.ctx
        assert ctx is not None
        kind = item[0]
        if isinstance(exc, SessionStateError):
            log.info("%s %s: %s", self.profile.name, self.api_key, exc)
            return
        log.error(
            "%s %s: application failed on %s", self.profile.name, self.api_key, kind, exc_info=exc
        )
        if kind == "message" and ctx.active:
            with contextlib.suppress(Exception):
                ctx.business_reject(
                    item[1], BR.OTHER, f"simulator application error: {type(exc).__name__}"
                )

    async def finish(self) -> None:
        """After ``run()``: let the application see what arrived, then the logout."""
        self._unwatch()
        self._release()
        ctx = self.ctx
        if ctx is None or self._worker is None:
            return
        if ctx.logged_on.is_set():
            self._queue.put_nowait(("logout",))
            self._queue.put_nowait(("end",))
            await self._worker
        else:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        ctx.closed.set()
        self.sim._notify()

    # ---- outbound, through the faults --------------------------------------------------------

    def _outbound(self, a: SendBytes) -> None:
        faults = self.sim.faults
        if not faults.armed and not self._held:
            self.write(a.data)
            return
        if a.msg_type == "0" and faults.heartbeats_withheld(self.api_key):
            log.debug("%s %s: fault: heartbeat %d withheld", self.profile.name, self.api_key, a.seq)
            return
        if self._held or faults.held(self.api_key):
            self._held.append(a)
            return
        self._write(a)

    def _write(self, a: SendBytes) -> None:
        if self.writer.is_closing():
            return
        faults = self.sim.faults
        data = a.data
        if faults.take_bad_checksum(self.api_key):
            data = _corrupt_checksum(data)
        self.write(data)
        if faults.count_sent(self.api_key):
            log.info(
                "%s %s: fault: dropping the connection after %s %d",
                self.profile.name,
                self.api_key,
                a.msg_type,
                a.seq,
            )
            self._closed(f"fault injected: connection dropped after MsgSeqNum {a.seq}")
            self.close_writer()  # flushes what was written, then closes without a Logout

    def _faults_changed(self) -> None:
        if self._held and not self.sim.faults.held(self.api_key):
            held, self._held = self._held, []
            for a in held:
                self._write(a)
            self._rearm()


class Simulator:
    """Kalshi's FIX gateway on 127.0.0.1, for tests and local development.

    >>> async with Simulator(port_base=0) as sim:
    ...     sim.register_key(uuid, "keys/<uuid>.pub")
    ...     endpoint = sim.endpoint("KalshiRT")   # pins sim.cert_path
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port_base: int | None = None,
        ports: Mapping[str, int] | None = None,
        session_types: Sequence[str] | None = None,
        cert: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        clock: Clock | None = None,
        app: ExchangeApp | None = None,
        rate_limit: RateLimiter | Tier | str | None = "basic",
        max_clock_skew: float = MAX_CLOCK_SKEW,
        logon_timeout: float = 30.0,
        keys: KeyRegistry | None = None,
        clock_interval: float = 0.25,
    ) -> None:
        types = list(session_types or PROFILES)
        for name in types:
            if name not in PROFILES:
                raise ValueError(
                    f"unknown session type {name!r}; expected one of {', '.join(PROFILES)}"
                )
        self.host = host
        self.requested_ports = resolve_ports(types, ports, port_base)
        self.clock: Clock = clock or SystemClock()
        self.app: ExchangeApp = app or NullApp()
        if isinstance(rate_limit, RateLimiter) or rate_limit is None:
            self.rate_limiter = rate_limit
        else:
            self.rate_limiter = RateLimiter(rate_limit, clock=self.clock)
        self.max_clock_skew = max_clock_skew
        self.logon_timeout = logon_timeout
        self.keys = keys or KeyRegistry()
        self.faults = SessionFaults()
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._cert = (Path(cert[0]), Path(cert[1])) if cert is not None else None
        self._tmp: str | None = None
        self._servers: dict[str, asyncio.Server] = {}
        self.ports: dict[str, int] = {}
        self._stores: dict[tuple[str, str], SessionStore] = {}
        self._active: dict[str, _SimConnection] = {}
        self._conns: set[_SimConnection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._change = asyncio.Event()
        self._started = False
        self.clock_interval = clock_interval
        self._clock_task: asyncio.Task[None] | None = None
        attach = getattr(self.app, "attach_simulator", None)
        if attach is not None:
            attach(self)

    # ---- store and forward ------------------------------------------------------------------

    def store_offline(self, session_type: str, api_key: str, msg_type: str, body: bytes) -> int:
        """Keep a message for a KalshiRT/PT client that is not connected, under the next
        sequence number of its session store: its next Logon shows the gap and its
        ResendRequest is answered from the store, as Kalshi's RT continuity promises
        (Connectivity page: "request retransmission of any messages missed during the
        downtime after reconnecting")."""
        prof = PROFILES[session_type]
        if not prof.retransmission:
            raise SimulatorError(f"{session_type} has no retransmission: nothing can be kept for later")
        store = self.store(session_type, api_key)
        now = self.clock.now()
        now = now.replace(microsecond=now.microsecond - now.microsecond % 1000)
        seq = store.seqnums().next_sender
        header = b"49=%s\x0156=%s\x0134=%d\x0152=%s\x01" % (
            session_type.encode(), api_key.encode(), seq, format_timestamp(now)
        )
        raw = build_frame(b"FIXT.1.1", msg_type.encode(), header, body)
        store.store_outbound(seq, msg_type, raw, now, persist=True)
        return seq

    # ---- keys -------------------------------------------------------------------------------

    def register_key(self, api_key: str, public_key: Any) -> str:
        """Register an API key (its UUID) with its public key: PEM text/bytes or a file path."""
        return self.keys.register(api_key, public_key)

    def load_keys(self, directory: str | os.PathLike[str]) -> list[str]:
        """Register every ``DIR/<uuid>.pub``."""
        return self.keys.load_dir(directory)

    # ---- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._started:
            raise SimulatorError("simulator already started")
        certfile, keyfile = self._ensure_cert()
        ctx = server_context(certfile, keyfile)
        try:
            for name, port in self.requested_ports.items():
                prof = PROFILES[name]
                try:
                    server = await start_server(
                        functools.partial(self._serve, prof), self.host, port, ssl=ctx
                    )
                except OSError as exc:
                    raise SimulatorError(
                        f"cannot listen for {name} on {self.host}:{port}: {exc.strerror or exc}"
                    ) from None
                self._servers[name] = server
                self.ports[name] = server.sockets[0].getsockname()[1]
        except BaseException:
            await self._close_servers()
            self._cleanup_tmp()
            raise
        self._started = True
        runner = getattr(self.app, "run_clock", None)
        if runner is not None and self.clock_interval:
            # expiries, timed closes and RFQ windows happen on time, not only on the next request
            self._clock_task = asyncio.create_task(runner(self.clock_interval), name="fixgw-sim-clock")
        log.info("simulator listening: %s", ", ".join(f"{n}={p}" for n, p in self.ports.items()))

    async def stop(self, text: str = "simulator stopping") -> None:
        """Stop listening, log every client out (briefly), close the rest, close the stores."""
        if self._clock_task is not None:
            self._clock_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock_task
            self._clock_task = None
        await self._close_servers()
        live = [c for c in self._conns if c.ctx is not None and c.ctx.active]
        if live:
            await asyncio.gather(
                *(c.logout(text, timeout=2.0) for c in live), return_exceptions=True
            )
        for c in list(self._conns):
            if not c.closed.is_set():
                c.abort(text)
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=5.0)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        for store in self._stores.values():
            with contextlib.suppress(Exception):
                store.close()
        self._stores.clear()
        self._cleanup_tmp()
        self._started = False

    async def _close_servers(self) -> None:
        for server in self._servers.values():
            server.close()
        for server in self._servers.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)
        self._servers.clear()

    def _ensure_cert(self) -> tuple[Path, Path]:
        if self._cert is not None:
            return self._cert
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            certfile, keyfile = self.state_dir / "sim-cert.pem", self.state_dir / "sim-key.pem"
            if certfile.is_file() and keyfile.is_file():
                self._cert = (certfile, keyfile)  # reuse, so pinned clients keep working
                return self._cert
        else:
            self._tmp = tempfile.mkdtemp(prefix="fixgw-sim-")
            certfile, keyfile = Path(self._tmp) / "sim-cert.pem", Path(self._tmp) / "sim-key.pem"
        hostnames, ips = ["localhost"], ["127.0.0.1"]
        try:
            addr = ipaddress.ip_address(self.host)
            if not addr.is_unspecified and str(addr) not in ips:
                ips.append(str(addr))
        except ValueError:
            if self.host not in hostnames:
                hostnames.append(self.host)
        generate_self_signed(certfile, keyfile, hostnames=hostnames, ips=ips)
        self._cert = (certfile, keyfile)
        return self._cert

    def _cleanup_tmp(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
            self._cert = None

    # ---- connections ------------------------------------------------------------------------

    async def _serve(
        self, profile: SessionProfile, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        conn = _SimConnection(self, profile, reader, writer)
        self._conns.add(conn)
        try:
            await conn.run()
        except Exception:
            log.exception("%s: connection from %s failed", profile.name, conn.peer)
        finally:
            try:
                await conn.finish()
            finally:
                self._conns.discard(conn)
                if task is not None:
                    self._tasks.discard(task)

    def _notify(self) -> None:
        self._change.set()
        self._change = asyncio.Event()

    # ---- inspection -------------------------------------------------------------------------

    @property
    def cert_path(self) -> Path:
        """The PEM certificate the listeners serve (pin it on the client)."""
        if self._cert is None:
            raise SimulatorError("simulator not started: no certificate yet")
        return self._cert[0]

    @property
    def connect_host(self) -> str:
        if self.host in ("", "0.0.0.0"):
            return "127.0.0.1"
        if self.host == "::":
            return "::1"
        return self.host

    def endpoint(self, session_type: str) -> Endpoint:
        """Where a client reaches ``session_type``, pinned to this simulator's certificate."""
        if session_type not in self.ports:
            raise ValueError(
                f"{session_type!r} is not served here; serving {', '.join(self.ports) or 'nothing (not started)'}"
            )
        return Endpoint(
            self.connect_host, self.ports[session_type], pinned_cert=str(self.cert_path)
        )

    def store(self, session_type: str, api_key: str) -> SessionStore:
        """The exchange side's session store for (session type, API key), created on first use."""
        k = (session_type, api_key)
        st = self._stores.get(k)
        if st is None:
            sid = f"{session_type}:{api_key}"  # Connectivity page: Session ID = TargetCompID + SenderCompID
            if self.state_dir is not None:
                self.state_dir.mkdir(parents=True, exist_ok=True)
                st = SqliteStore(self.state_dir / "sim-sessions.sqlite", sid)
            else:
                st = MemoryStore(sid)
            self._stores[k] = st
        return st

    def session(self, api_key: str, session_type: str | None = None) -> SimSession | None:
        """The live session of ``api_key`` (on ``session_type``, if given), or None."""
        conn = self._active.get(api_key)
        if (
            conn is None
            or conn.ctx is None
            or (session_type is not None and conn.profile.name != session_type)
        ):
            return None
        return conn.ctx

    def sessions(self) -> list[SimSession]:
        return [c.ctx for c in self._active.values() if c.ctx is not None]

    async def wait_session(
        self, api_key: str, session_type: str | None = None, timeout: float = 10.0
    ) -> SimSession:
        """Wait until ``api_key`` is logged on (on ``session_type``, if given)."""

        async def wait() -> SimSession:
            while True:
                change = self._change
                s = self.session(api_key, session_type)
                if s is not None and s.logged_on.is_set():
                    return s
                await change.wait()

        return await asyncio.wait_for(wait(), timeout)

    async def wait_disconnected(self, api_key: str, timeout: float = 10.0) -> None:
        """Wait until ``api_key`` has no connection (its next Logon will not be 'already exists')."""

        async def wait() -> None:
            while api_key in self._active:
                await self._change.wait()

        await asyncio.wait_for(wait(), timeout)
