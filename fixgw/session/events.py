"""What the session core returns: actions for the driver to carry out, in order.

The driver (transport layer, or a test) feeds the core with events (bytes received, a timer
tick, connection made or lost, an application message to send) and executes the returned
actions: write bytes, hand a message to the application, close the socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Action",
    "SendBytes",
    "Deliver",
    "LoggedOn",
    "LoggedOut",
    "Disconnect",
    "GapDetected",
    "NotResent",
    "ProtocolIssue",
]


@dataclass(frozen=True, slots=True)
class SendBytes:
    """Write these bytes to the socket.  Already stored: a crash after this loses nothing."""

    data: bytes
    seq: int
    msg_type: str


@dataclass(frozen=True, slots=True)
class Deliver:
    """An inbound application message (or a session Reject naming one of ours)."""

    message: Any  # fixgw.codec.FixMessage
    poss_dup: bool = False


@dataclass(frozen=True, slots=True)
class LoggedOn:
    logon: Any  # the counterparty's Logon (FixMessage)
    reset: bool  # sequence numbers were reset to 1 by this logon


@dataclass(frozen=True, slots=True)
class LoggedOut:
    """The session ended with a Logout; ``text`` is the counterparty's reason, if any."""

    text: str | None
    by_us: bool


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Close the transport now."""

    reason: str


@dataclass(frozen=True, slots=True)
class GapDetected:
    """Inbound MsgSeqNum jumped; a ResendRequest went out (or, without resend, we reconnect)."""

    expected: int
    received: int
    resend_requested: bool


@dataclass(frozen=True, slots=True)
class NotResent:
    """Our messages the counterparty asked for again but got a gap fill instead (stale orders).

    The application must treat those orders as never received by the exchange.
    """

    seqs: tuple[int, ...]
    msg_types: tuple[str, ...]
    raws: tuple[bytes, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class ProtocolIssue:
    """Something wrong that did not end the session (garbled bytes, a Reject we sent)."""

    text: str


Action = SendBytes | Deliver | LoggedOn | LoggedOut | Disconnect | GapDetected | NotResent | ProtocolIssue
