"""Session states and the transitions allowed between them."""

from __future__ import annotations

from enum import Enum

__all__ = ["State", "TRANSITIONS", "SessionStateError"]


class State(Enum):
    DISCONNECTED = "disconnected"
    AWAITING_LOGON = "awaiting_logon"  # acceptor: connected, waiting for the client's Logon
    LOGON_SENT = "logon_sent"  # initiator: Logon out, waiting for the answer
    ACTIVE = "active"
    LOGOUT_SENT = "logout_sent"
    CLOSED = "closed"  # this connection is over; a new one starts from DISCONNECTED


TRANSITIONS: dict[State, frozenset[State]] = {
    State.DISCONNECTED: frozenset({State.AWAITING_LOGON, State.LOGON_SENT, State.CLOSED}),
    State.AWAITING_LOGON: frozenset({State.ACTIVE, State.CLOSED}),
    State.LOGON_SENT: frozenset({State.ACTIVE, State.CLOSED}),
    State.ACTIVE: frozenset({State.LOGOUT_SENT, State.CLOSED}),
    State.LOGOUT_SENT: frozenset({State.CLOSED}),
    State.CLOSED: frozenset({State.DISCONNECTED}),
}


class SessionStateError(RuntimeError):
    """An operation that the current state does not allow (e.g. sending before logon)."""
