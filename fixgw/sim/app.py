"""The hook between the simulator's FIX sessions and whatever plays the exchange.

The session side (``server``) authenticates, sequences, heartbeats, rate-limits and injects
faults; everything an application message *means* is the ``ExchangeApp``'s business.  The
matching engine plugs in here; until then ``NullApp`` answers every application message with
BusinessMessageReject "Application not available", and tests push messages to a client
through the ``SimSession`` they get from ``Simulator.session()``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

from ..codec import FixMessage
from ..messages import BusinessMessageReject, Message, default_encoder, enums, wire_price_format
from ..session import LogonFlags, SendBytes, Session, SessionProfile, SessionStateError, State

if TYPE_CHECKING:
    from ..transport import SessionConnection
    from .faults import SessionFaults

__all__ = ["ExchangeApp", "NullApp", "SimSession", "maybe_await"]

log = logging.getLogger("fixgw.sim")


class ExchangeApp(Protocol):
    """Each method may be a plain function or a coroutine function."""

    def on_logon(self, ctx: SimSession) -> Awaitable[None] | None: ...

    def on_message(self, ctx: SimSession, fm: FixMessage) -> Awaitable[None] | None: ...

    def on_logout(self, ctx: SimSession) -> Awaitable[None] | None: ...


async def maybe_await(value: Awaitable[None] | None) -> None:
    if inspect.isawaitable(value):
        await value


def business_reject_for(
    fm: FixMessage,
    reason: enums.BusinessRejectReason,
    text: str,
    *,
    ref_tag: int | None = None,
    ref_id: str | None = None,
) -> BusinessMessageReject:
    """The BusinessMessageReject (35=j) that answers ``fm``."""
    return BusinessMessageReject(
        ref_seq_num=fm.seq or 0,
        business_reject_reason=reason,
        text=text,
        ref_tag_id=ref_tag,
        ref_msg_type=fm.msg_type,
        business_reject_ref_id=ref_id,
    )


class SimSession:
    """One logged-on client as the exchange sees it: who it is, and a way to talk to it.

    Messages are handed to the application one at a time, in sequence order; ``send`` writes
    at once (it is synchronous so an engine callback can answer without awaiting) and
    ``drain`` waits for the socket buffer to empty.
    """

    def __init__(
        self,
        api_key: str,
        session: Session,
        connection: SessionConnection,
        faults: SessionFaults,
    ) -> None:
        self.api_key = api_key
        self.session = session
        self.connection = connection
        self._faults = faults
        self.logged_on = asyncio.Event()
        self.closed = asyncio.Event()

    def __repr__(self) -> str:
        return f"SimSession({self.profile.name}, api_key={self.api_key!r}, state={self.session.state.value})"

    # ---- who ----------------------------------------------------------------------------------

    @property
    def profile(self) -> SessionProfile:
        return self.session.profile

    @property
    def session_type(self) -> str:
        return self.session.profile.name

    @property
    def peer_flags(self) -> LogonFlags:
        return self.session.peer_flags or LogonFlags()

    @property
    def use_dollars(self) -> bool:
        return bool(self.peer_flags.use_dollars)

    @property
    def is_listener(self) -> bool:
        return bool(self.peer_flags.listener_session)

    @property
    def active(self) -> bool:
        return self.session.state is State.ACTIVE and not self.connection.closed.is_set()

    @property
    def next_sender_seq(self) -> int:
        return self.session.next_sender_seq

    @property
    def next_target_seq(self) -> int:
        return self.session.next_target_seq

    # ---- talking to the client ----------------------------------------------------------------

    def send(self, msg_type: str, body: bytes) -> int:
        """Send an application message (``body``: encoded fields, no header); returns its MsgSeqNum."""
        if not self.active:
            raise SessionStateError(
                f"cannot send {msg_type} to {self.api_key} on {self.session_type}: not logged on"
            )
        skip = self._faults.take_skip(self.api_key) if self._faults.armed else 0
        if skip:
            store = self.session.store
            store.set_next_sender(store.seqnums().next_sender + skip)
            log.info(
                "%s %s: fault: skipped %d outbound sequence numbers",
                self.session_type,
                self.api_key,
                skip,
            )
        actions = self.session.send(msg_type, body)
        self.connection.execute(actions)
        for a in actions:  # the first SendBytes (a loop: no generator per message)
            if isinstance(a, SendBytes):
                if a.seq:
                    return a.seq
                break
        # no SendBytes: queued behind a resend being served (stored, numbered, sent after it)
        return self.session.queued[-1].seq

    def send_message(self, msg: Message) -> int:
        """Send a generated message dataclass, prices in the unit this client logged on with."""
        fmt = wire_price_format(msg.MSG_TYPE, from_exchange=True, use_dollars=self.use_dollars)
        return self.send(msg.MSG_TYPE, msg.encode_body(default_encoder(), fmt))

    def business_reject(
        self,
        fm: FixMessage,
        reason: enums.BusinessRejectReason,
        text: str,
        *,
        ref_tag: int | None = None,
        ref_id: str | None = None,
    ) -> int:
        """BusinessMessageReject (35=j) naming ``fm``."""
        return self.send_message(business_reject_for(fm, reason, text, ref_tag=ref_tag, ref_id=ref_id))

    async def drain(self) -> None:
        await self.connection._drain()

    async def logout(self, text: str | None = None, timeout: float | None = None) -> None:
        """Log the client out and wait for its answer."""
        await self.connection.logout(text, timeout)

    def drop(self, reason: str = "dropped by test") -> None:
        """Close the connection without a Logout, as a network failure would."""
        self.connection.abort(reason)


class NullApp:
    """No exchange behind the sessions: every application message is refused politely."""

    def on_logon(self, ctx: SimSession) -> None:
        return None

    def on_message(self, ctx: SimSession, fm: FixMessage) -> None:
        ctx.business_reject(
            fm, enums.BusinessRejectReason.APPLICATION_NOT_AVAILABLE, "Application not available"
        )

    def on_logout(self, ctx: SimSession) -> None:
        return None
