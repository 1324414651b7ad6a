"""What the session core returns: actions for the driver to carry out, in order.

The driver (transport layer, or a test) feeds the core with events (bytes received, a timer
tick, connection made or lost, an application message to send) and executes the returned
actions: write bytes, hand a message to the application, close the socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..hotpath import frozen_draft

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


# ---- building the per-message actions ------------------------------------------------------
#
# A frozen dataclass's ``__init__`` is most of what a ``SendBytes`` (every message sent) or a
# ``Deliver`` (every one received) costs: these builders fill a draft and give it the real
# class (``fixgw.hotpath.frozen_draft``), which builds what ``__init__`` would.

_new = object.__new__
_SEND_BYTES_DRAFT = frozen_draft(SendBytes)
_DELIVER_DRAFT = frozen_draft(Deliver)


def send_bytes(data: bytes, seq: int, msg_type: str) -> SendBytes:
    """``SendBytes(data, seq, msg_type)``, built as the note above says."""
    act: Any = _new(_SEND_BYTES_DRAFT)
    act.data = data
    act.seq = seq
    act.msg_type = msg_type
    act.__class__ = SendBytes
    return act  # type: ignore[no-any-return]


def deliver(message: Any, poss_dup: bool) -> Deliver:
    """``Deliver(message, poss_dup)``, built as the note above says."""
    act: Any = _new(_DELIVER_DRAFT)
    act.message = message
    act.poss_dup = poss_dup
    act.__class__ = Deliver
    return act  # type: ignore[no-any-return]
