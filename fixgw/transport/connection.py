"""Drive one sans-IO ``Session`` over one asyncio stream pair (client or server side).

Actions are carried out in the order the session returned them; bytes are written to the
transport synchronously right after the session call that produced them, so two coroutines
sending at once can never interleave or reorder sequence numbers on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from ..session import Action, Disconnect, SendBytes, Session, SessionStateError
from ..session.events import LoggedOn

__all__ = ["SessionConnection"]

log = logging.getLogger("fixgw.transport")

READ_SIZE = 65536


class SessionConnection:
    """Pumps bytes, timers and application sends through a session until it closes."""

    def __init__(
        self,
        session: Session,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        on_action: Callable[[Action], None] | None = None,
        on_bytes: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self.session = session
        self.reader = reader
        self.writer = writer
        self.on_action = on_action
        self.on_bytes = on_bytes  # ('in'|'out', raw chunk) for journals and fault injection
        self.logged_on = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_reason: str | None = None
        self._wake = asyncio.Event()

    # ---- public -----------------------------------------------------------------------------

    async def run(self) -> str:
        """Run until the connection ends; returns the reason."""
        timer = asyncio.create_task(self._timers(), name="fixgw-timers")
        try:
            self.execute(self.session.connection_made())
            await self._drain()
            while not self.closed.is_set():
                try:
                    data = await self.reader.read(READ_SIZE)
                except (ConnectionError, OSError) as exc:
                    self._closed(f"connection error: {exc}")
                    break
                if not data:
                    self._closed("connection closed by peer")
                    break
                if self.on_bytes is not None:
                    self.on_bytes("in", data)
                self.execute(self.session.data_received(data))
                await self._drain()
        except Exception as exc:
            # e.g. the store refused a write (disk full): nothing of that read was acted on
            # (store groups roll back), so drop the connection and let the initiator retry.
            log.exception("%s: session failed; dropping the connection", self.session.profile.name)
            self._closed(f"internal error: {type(exc).__name__}: {exc}")
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
            try:
                self.session.connection_lost()
            except Exception:
                log.exception("%s: error while closing the session", self.session.profile.name)
            self._closed(self.close_reason or "connection ended")
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        return self.close_reason or "connection ended"

    async def send(self, msg_type: str, body: bytes) -> SendBytes:
        """Send an application message; returns the stored message (written, or queued
        behind a resend being served)."""
        if self.closed.is_set():
            raise SessionStateError(f"cannot send {msg_type}: connection is closed ({self.close_reason})")
        actions = self.session.send(msg_type, body)
        self.execute(actions)
        await self._drain()
        sent = next((a for a in actions if isinstance(a, SendBytes)), None)
        # None: stored, and queued behind a resend still being served (written when it ends)
        return sent if sent is not None else self.session.queued[-1]

    async def logout(self, text: str | None = None, timeout: float | None = None) -> None:
        """Send Logout and wait for the reply (or the session's logout timeout)."""
        self.execute(self.session.logout(text))
        await self._drain()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closed.wait(), timeout or self.session.config.logout_timeout + 1)
        if not self.closed.is_set():
            self._closed("logout timed out")
            self.writer.close()

    def abort(self, reason: str) -> None:
        """Drop the connection without a Logout (tests, kill switches, fault injection)."""
        self._closed(reason)
        transport = self.writer.transport
        if transport is not None:
            transport.abort()

    # ---- internals --------------------------------------------------------------------------

    def execute(self, actions: list[Action]) -> None:
        for a in actions:
            if isinstance(a, SendBytes):
                if not self.writer.is_closing():
                    self.writer.write(a.data)
                    if self.on_bytes is not None:
                        self.on_bytes("out", a.data)
                continue
            if isinstance(a, LoggedOn):
                self.logged_on.set()
            if self.on_action is not None:
                try:
                    self.on_action(a)
                except Exception:  # an application bug must not kill the session
                    log.exception("on_action handler failed for %s", type(a).__name__)
            if isinstance(a, Disconnect):
                self._closed(a.reason)
                if not self.writer.is_closing():
                    self.writer.close()
        self._wake.set()

    def _closed(self, reason: str) -> None:
        if not self.closed.is_set():
            self.close_reason = reason
            self.closed.set()
            self._wake.set()

    async def _drain(self) -> None:
        if self.writer.is_closing():
            return
        try:
            await self.writer.drain()
        except (ConnectionError, OSError) as exc:
            self._closed(f"write failed: {exc}")

    async def _timers(self) -> None:
        clock = self.session.clock
        while not self.closed.is_set():
            deadline = self.session.next_deadline()
            delay = 1.0 if deadline is None else max(0.0, deadline - clock.monotonic())
            self._wake.clear()
            if delay <= 0:
                # Due now (e.g. the next chunk of a resend): let reads and writes run first.
                await asyncio.sleep(0)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay / getattr(clock, "speed", 1.0))
            if self.closed.is_set():
                return
            if deadline is not None and clock.monotonic() >= deadline:
                try:
                    actions = self.session.tick()
                except Exception as exc:
                    log.exception("%s: session timer failed; dropping the connection", self.session.profile.name)
                    self.abort(f"internal error: {type(exc).__name__}: {exc}")
                    return
                self.execute(actions)
                await self._drain()
