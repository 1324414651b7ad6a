"""Drive one sans-IO ``Session`` over one asyncio stream pair (client or server side).

With a ``SinkReader`` (``transport/streams.py``, what the initiator and the simulator use),
each chunk read is handled inside the transport's callback, with no reading task to wake;
while the peer is not reading what we write, reading pauses until the writes drain.

Actions are carried out in the order the session returned them; bytes are written to the
transport synchronously right after the session call that produced them, so two coroutines
sending at once can never interleave or reorder sequence numbers on the wire.

While one read is being handled (and inside ``corked()``), written messages are collected and
go to the transport as one write when that synchronous stretch ends, or every
``CORK_FLUSH_AT`` messages: a read holding 20 orders costs one TLS record and one syscall for
the 20 answers instead of 20, and a read holding 256 sends its answers in slices of 32, so the
peer starts on the first slice while we work on the rest (with 256 orders in flight, one write
for all left each side idle half the time).

Application sends use the same idea for bursts (group commit): the first message sent in an
event-loop turn is stored and written at once, as always; when more follow in the same turn,
they are stored inside one open store group and held, and when the turn ends the group is
committed (one fsync for all of them in SYNC mode) and only then are they written.  Nothing
reaches the socket before it is durably stored, a lone order pays no extra latency, and a
burst of 200 orders pays for 2 fsyncs instead of 200.  Anything else written while a burst is
held (a heartbeat, an answer to a read) joins the held bytes, so it cannot overtake them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import cast

from ..session import Action, Disconnect, SendBytes, Session, SessionStateError
from ..session.events import LoggedOn
from .streams import SinkReader

__all__ = ["SessionConnection"]

log = logging.getLogger("fixgw.transport")

READ_SIZE = 65536
CORK_FLUSH_AT = 32  # messages held by a cork before they are written anyway


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
        # The timer task sleeps until ``_armed`` (the session's next deadline when it went to
        # sleep) on ``_alarm``; ``execute`` wakes it only when the deadline moved earlier, so
        # ordinary sends and reads cost no extra event-loop turn.
        self._alarm: asyncio.Future[None] | None = None
        self._armed: float | None = None
        self._cork: list[bytes] | None = None  # bytes held while corked, written as one
        self._sent_this_turn = False  # an application send already went out in this turn
        self._corked_by_block = False  # inside corked()
        self._burst: contextlib.AbstractContextManager[None] | None = None  # its open store group
        self._resume: asyncio.Task[None] | None = None  # reading paused until the writes drain

    # ---- public -----------------------------------------------------------------------------

    async def run(self) -> str:
        """Run until the connection ends; returns the reason."""
        timer = asyncio.create_task(self._timers(), name="fixgw-timers")
        try:
            self.execute(self.session.connection_made())
            await self._drain()
            if isinstance(self.reader, SinkReader):
                self.reader.set_sink(self)  # reads handled in the transport's callback
                await self.closed.wait()
            else:
                await self._pump()
        except Exception as exc:  # e.g. the store failed while logging on
            log.exception("%s: session failed; dropping the connection", self.session.profile.name)
            self._closed(f"internal error: {type(exc).__name__}: {exc}")
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
            if self._resume is not None:
                self._resume.cancel()
            try:
                self.session.connection_lost()
            except Exception:
                log.exception("%s: error while closing the session", self.session.profile.name)
            self._closed(self.close_reason or "connection ended")
            self.close_writer()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        return self.close_reason or "connection ended"

    # ---- reads (a Sink for SinkReader, or pumped from a plain StreamReader) ----------------

    def data_received(self, data: bytes) -> None:
        """One chunk from the peer: through the session, answers written as one."""
        if self.closed.is_set():
            return
        try:
            if self.on_bytes is not None:
                self.on_bytes("in", data)  # e.g. the journal's tap: its failure is ours too
            with self.corked():
                self.execute(self.session.data_received(data))
        except Exception as exc:
            # e.g. the store refused a write (disk full): nothing of that read was acted on
            # (store groups roll back), so drop the connection and let the initiator retry.
            log.exception("%s: session failed; dropping the connection", self.session.profile.name)
            self._closed(f"internal error: {type(exc).__name__}: {exc}")
            return
        self._throttle()

    def connection_ended(self, exc: BaseException | None) -> None:
        self._closed("connection closed by peer" if exc is None else f"connection error: {exc}")

    def _throttle(self) -> None:
        """Stop reading while the peer is not reading what we write (what ``drain()`` after
        each read did): resume once the transport's buffer has drained."""
        if self._resume is not None:
            return
        transport = cast(asyncio.Transport, self.writer.transport)
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size() <= transport.get_write_buffer_limits()[1]:
            return
        transport.pause_reading()
        self._resume = asyncio.get_running_loop().create_task(self._resume_reading(transport))

    async def _resume_reading(self, transport: asyncio.Transport) -> None:
        try:
            await self._drain()
        finally:
            self._resume = None
        if not self.closed.is_set() and not transport.is_closing():
            transport.resume_reading()

    async def _pump(self) -> None:
        while not self.closed.is_set():
            try:
                data = await self.reader.read(READ_SIZE)
            except (ConnectionError, OSError) as exc:
                self.connection_ended(exc)
                return
            if not data:
                self.connection_ended(None)
                return
            self.data_received(data)
            await self._drain()

    async def send(self, msg_type: str, body: bytes) -> SendBytes:
        """Send an application message; returns the stored message (written, or queued
        behind a resend being served)."""
        if self.closed.is_set():
            raise SessionStateError(f"cannot send {msg_type}: connection is closed ({self.close_reason})")
        if not self._sent_this_turn:
            self._sent_this_turn = True
            asyncio.get_running_loop().call_soon(self._end_turn)
            actions = self.session.send(msg_type, body)
        else:
            self._open_burst()
            try:
                actions = self.session.send(msg_type, body)
            except SessionStateError:
                raise  # refused before anything was stored: the burst goes on
            except BaseException as exc:
                # The store failed inside the burst's group: what it holds may not be
                # stored, so none of it may be sent.  Undo it all and drop the connection
                # (the session numbers from the store again on the next logon).
                self._cork = [] if self._corked_by_block else None
                with contextlib.suppress(Exception):
                    self._close_burst(ok=False)
                self.abort(f"internal error: {type(exc).__name__}: {exc}")
                raise
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
            self.close_writer()

    def abort(self, reason: str) -> None:
        """Drop the connection without a Logout (tests, kill switches, fault injection)."""
        self._closed(reason)
        self._cork = None  # a dropped connection sends nothing more
        if self._burst is not None:
            with contextlib.suppress(Exception):
                self._close_burst(ok=True)  # stored but never sent: a resend serves them
        transport = self.writer.transport
        if transport is not None:
            transport.abort()

    # ---- internals --------------------------------------------------------------------------

    # ---- bursts: group commit for sends in one event-loop turn ------------------------------

    def _open_burst(self) -> None:
        if self._burst is not None:
            return
        store = self.session.store
        if store is None:
            return
        group = store.group()
        group.__enter__()
        self._burst = group
        if self._cork is None:
            self._cork = []

    def _close_burst(self, *, ok: bool) -> None:
        """Commit (or undo) the burst's store group.  Raises what the commit raised."""
        group, self._burst = self._burst, None
        if group is None:
            return
        if ok:
            group.__exit__(None, None, None)
        else:
            err = RuntimeError("burst abandoned")
            group.__exit__(type(err), err, None)

    def _end_turn(self) -> None:
        self._sent_this_turn = False
        if self._burst is None:
            return
        try:
            self.flush()
        except Exception as exc:  # e.g. the commit failed (disk full): nothing held was sent
            log.exception("%s: committing a burst failed; dropping the connection", self.session.profile.name)
            self.abort(f"internal error: {type(exc).__name__}: {exc}")
            return
        if not self._corked_by_block:
            self._cork = None

    def corked(self) -> _Cork:
        """Hold written messages until the block ends, then write them as one (nests)."""
        return _Cork(self)

    def flush(self) -> None:
        """Commit a held burst, then write what the cork holds (also before an await that
        may take a while).  If the commit fails, what was held is dropped, not sent."""
        if self._burst is not None:
            try:
                self._close_burst(ok=True)
            except BaseException:
                if self._cork is not None:
                    self._cork = []
                raise
            if not self._corked_by_block:
                held, self._cork = self._cork, None
                self._write_held(held)
                return
        held = self._cork
        if held:
            self._cork = []
            self._write_held(held)

    def _write_held(self, held: list[bytes] | None) -> None:
        if not held or self.writer.is_closing():
            return
        self.writer.write(held[0] if len(held) == 1 else b"".join(held))
        if self.on_bytes is not None:
            for data in held:
                self.on_bytes("out", data)

    def write(self, data: bytes) -> None:
        """One message's bytes to the peer, in order (held while corked)."""
        if self.writer.is_closing():
            return
        cork = self._cork
        if cork is not None:
            cork.append(data)  # told to on_bytes when it is written
            if len(cork) >= CORK_FLUSH_AT and self._burst is None:
                # A long read (hundreds of orders) is answered in slices, so the peer works
                # on the first answers while we work on the rest.  Not inside a burst: its
                # messages are not committed yet.
                self._cork = []
                self._write_held(cork)
            return
        self.writer.write(data)
        if self.on_bytes is not None:
            self.on_bytes("out", data)

    def close_writer(self) -> None:
        """Close after writing what the cork holds (a Logout reply must still go out)."""
        if not self.writer.is_closing():
            self.flush()
            self.writer.close()

    def execute(self, actions: list[Action]) -> None:
        for a in actions:
            if isinstance(a, SendBytes):
                self.write(a.data)
            else:
                self.act(a)
        self._rearm()

    def act(self, a: Action) -> None:
        """Carry out one action that is not bytes to send."""
        if isinstance(a, LoggedOn):
            self.logged_on.set()
        if self.on_action is not None:
            try:
                self.on_action(a)
            except Exception:  # an application bug must not kill the session
                log.exception("on_action handler failed for %s", type(a).__name__)
        if isinstance(a, Disconnect):
            self._closed(a.reason)
            self.close_writer()

    def _rearm(self) -> None:
        """Wake the timer task if the session's next deadline is now earlier than the one it
        sleeps until (or it sleeps with none)."""
        alarm = self._alarm
        if alarm is None or alarm.done():
            return
        deadline = self.session.next_deadline()
        if deadline is not None and (self._armed is None or deadline < self._armed):
            alarm.set_result(None)

    def _wake_timers(self) -> None:
        alarm = self._alarm
        if alarm is not None and not alarm.done():
            alarm.set_result(None)

    def _closed(self, reason: str) -> None:
        if not self.closed.is_set():
            self.close_reason = reason
            self.closed.set()
            self._wake_timers()

    async def _drain(self) -> None:
        if self.writer.is_closing():
            return
        try:
            await self.writer.drain()
        except (ConnectionError, OSError) as exc:
            self._closed(f"write failed: {exc}")

    async def _timers(self) -> None:
        clock = self.session.clock
        speed = getattr(clock, "speed", 1.0)
        loop = asyncio.get_running_loop()
        while not self.closed.is_set():
            deadline = self.session.next_deadline()
            delay = None if deadline is None else deadline - clock.monotonic()
            if delay is not None and delay <= 0:
                # Due now (e.g. the next chunk of a resend): let reads and writes run first.
                await asyncio.sleep(0)
            else:
                alarm = self._alarm = loop.create_future()
                self._armed = deadline
                handle = None if delay is None else loop.call_later(delay / speed, _ring, alarm)
                try:
                    await alarm
                finally:
                    self._alarm = None
                    if handle is not None:
                        handle.cancel()
            if self.closed.is_set():
                return
            deadline = self.session.next_deadline()
            if deadline is not None and clock.monotonic() >= deadline:
                try:
                    actions = self.session.tick()
                except Exception as exc:
                    log.exception(
                        "%s: session timer failed; dropping the connection",
                        self.session.profile.name,
                    )
                    self.abort(f"internal error: {type(exc).__name__}: {exc}")
                    return
                self.execute(actions)
                await self._drain()


class _Cork:
    """``SessionConnection.corked()``: a class, not a generator, as every read opens one."""

    __slots__ = ("_conn", "_outer")

    def __init__(self, conn: SessionConnection) -> None:
        self._conn = conn
        self._outer = False

    def __enter__(self) -> None:
        conn = self._conn
        if conn._corked_by_block:
            return  # nested: the outer block writes
        self._outer = True
        conn._corked_by_block = True
        if conn._cork is None:
            conn._cork = []

    def __exit__(self, *exc: object) -> None:
        if not self._outer:
            return
        conn = self._conn
        conn._corked_by_block = False
        try:
            conn.flush()  # also when the block raised: what it wrote was stored
        finally:
            if conn._burst is None:
                conn._cork = None


def _ring(alarm: asyncio.Future[None]) -> None:
    if not alarm.done():
        alarm.set_result(None)
