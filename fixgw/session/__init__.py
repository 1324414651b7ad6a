"""Session layer: the sans-IO FIXT.1.1 state machine and Kalshi's session profiles."""

from .clock import Clock, FakeClock, ScaledClock, SystemClock
from .core import LogonDecision, NotAllowedError, Role, Session, SessionConfig
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
)
from .profiles import HOSTS, PROFILES, ConfigError, LogonFlags, SessionProfile, profile
from .state import SessionStateError, State

__all__ = [
    "HOSTS",
    "PROFILES",
    "Action",
    "Clock",
    "ConfigError",
    "Deliver",
    "Disconnect",
    "FakeClock",
    "GapDetected",
    "LoggedOn",
    "LoggedOut",
    "LogonDecision",
    "LogonFlags",
    "NotAllowedError",
    "NotResent",
    "ProtocolIssue",
    "Role",
    "ScaledClock",
    "SendBytes",
    "Session",
    "SessionConfig",
    "SessionProfile",
    "SessionStateError",
    "State",
    "SystemClock",
    "profile",
]
