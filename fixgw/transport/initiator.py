"""The client side: TLS connect, log on, stay connected.

Reconnects with exponential backoff and jitter.  After a Logout saying "already exists" (the
exchange still holds our previous connection) it waits out the exchange's heartbeat timeout
before trying again.  Inside Kalshi's weekly maintenance window it waits for the window to end
and reconnects without alarm.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..crypto.tls import check_pinned, client_context
from ..session import Action, LoggedOn, LoggedOut, SendBytes, Session, SessionStateError
from .backoff import Backoff
from .connection import SessionConnection
from .maintenance import KALSHI_MAINTENANCE, MaintenanceWindow
from .streams import open_connection

__all__ = ["Endpoint", "Initiator"]

log = logging.getLogger("fixgw.transport")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    #: name checked against the certificate and sent as SNI (defaults to host)
    server_hostname: str | None = None
    #: PEM file of the exact server certificate to trust (Connectivity page's openssl command)
    pinned_cert: str | None = None
    #: CA bundle to use instead of the system's
    cafile: str | None = None

    def ssl_context(self) -> ssl.SSLContext:
        return client_context(cafile=self.cafile, pinned_cert=self.pinned_cert)


@dataclass
class InitiatorStats:
    connects: int = 0
    logons: int = 0
    reconnects: int = 0
    last_error: str | None = None
    last_logout_text: str | None = None
    delays: list[float] = field(default_factory=list)


class Initiator:
    """Keeps one ``Session`` connected over TLS until ``stop()``."""

    def __init__(
        self,
        session: Session,
        endpoint: Endpoint,
        *,
        on_action: Callable[[Action], None] | None = None,
        on_bytes: Callable[[str, bytes], None] | None = None,
        backoff: Backoff | None = None,
        maintenance: MaintenanceWindow | None = KALSHI_MAINTENANCE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        connect_timeout: float = 10.0,
    ) -> None:
        self.session = session
        self.endpoint = endpoint
        self.on_action = on_action
        self.on_bytes = on_bytes
        self.backoff = backoff or Backoff()
        self.maintenance = maintenance
        self.sleep = sleep
        self.connect_timeout = connect_timeout
        self.connection: SessionConnection | None = None
        self.logged_on = asyncio.Event()
        self.stats = InitiatorStats()
        self._stop = asyncio.Event()
        self._ssl = endpoint.ssl_context()

    # ---- public -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and reconnect until ``stop()``."""
        while not self._stop.is_set():
            try:
                reason = await self.connect_once()
            except Exception as exc:  # never let one bad connection end the reconnect loop
                log.exception("%s: connection attempt failed", self.session.profile.name)
                reason = self.stats.last_error = f"internal error: {type(exc).__name__}: {exc}"
            if self._stop.is_set():
                break
            delay = self.next_delay(reason)
            self.stats.delays.append(delay)
            self.stats.reconnects += 1
            log.info("%s: %s; reconnecting in %.1f s", self.session.profile.name, reason, delay)
            await self._sleep_or_stop(delay)

    async def connect_once(self) -> str:
        """One connection's lifetime: connect, log on, run until it ends.  Returns the reason."""
        ep = self.endpoint
        self.stats.connects += 1
        try:
            reader, writer = await asyncio.wait_for(
                open_connection(
                    ep.host, ep.port, ssl=self._ssl, server_hostname=ep.server_hostname or ep.host
                ),
                self.connect_timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            self.stats.last_error = f"connect to {ep.host}:{ep.port} failed: {exc}"
            return self.stats.last_error
        if ep.pinned_cert:
            try:
                check_pinned(writer.get_extra_info("ssl_object"), ep.pinned_cert)
            except ssl.SSLError as exc:
                writer.close()
                self.stats.last_error = str(exc)
                return self.stats.last_error
        conn = SessionConnection(self.session, reader, writer, on_action=self._on_action, on_bytes=self.on_bytes)
        self.connection = conn
        try:
            reason = await conn.run()
        finally:
            self.logged_on.clear()
            self.connection = None
        return reason

    async def wait_logged_on(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self.logged_on.wait(), timeout)

    async def send(self, msg_type: str, body: bytes) -> SendBytes:
        conn = self.connection
        if conn is None or not self.logged_on.is_set():
            raise SessionStateError(f"cannot send {msg_type}: {self.session.profile.name} is not logged on")
        return await conn.send(msg_type, body)

    async def stop(self, text: str | None = None) -> None:
        """Log out (if connected) and stop reconnecting."""
        self._stop.set()
        conn = self.connection
        if conn is not None and not conn.closed.is_set():
            await conn.logout(text)

    def next_delay(self, reason: str) -> float:
        delay = self.backoff.next_delay()
        text = (self.stats.last_logout_text or "").lower()
        if "already exists" in text:
            # The exchange still holds the old connection until its heartbeat timeout.
            delay = max(delay, 2.0 * self.session.config.heartbeat_interval)
        if self.maintenance is not None:
            left = self.maintenance.seconds_left(self.session.clock.now())
            if left > 0:
                delay = max(delay, left + self.backoff.rng.uniform(1.0, 5.0))
        return delay

    # ---- internals --------------------------------------------------------------------------

    async def _sleep_or_stop(self, delay: float) -> None:
        sleeper = asyncio.ensure_future(self.sleep(delay))
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (sleeper, stopper):
                t.cancel()

    def _on_action(self, action: Action) -> None:
        if isinstance(action, LoggedOn):
            self.stats.logons += 1
            self.stats.last_logout_text = None
            self.backoff.reset()
            self.logged_on.set()
        elif isinstance(action, LoggedOut):
            self.stats.last_logout_text = action.text
            self.logged_on.clear()
        if self.on_action is not None:
            self.on_action(action)
