"""Kalshi's five session types and the Logon flags, with the rules that tie them together.

Everything here comes from the Connectivity, Authentication, Common Components, Listener
Sessions and Market Settlement pages.  A bad combination is refused before any connection is
made, with a message that names the flag and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

__all__ = [
    "HOSTS",
    "PROFILES",
    "ConfigError",
    "LogonFlags",
    "SessionProfile",
    "profile",
]

HOSTS = {"prod": "mm.fix.elections.kalshi.com", "demo": "fix.demo.kalshi.co", "sim": "127.0.0.1"}


class ConfigError(ValueError):
    """A session or flag setting that Kalshi would refuse; the message names what and why."""


@dataclass(frozen=True)
class SessionProfile:
    name: str  # TargetCompID
    port: int
    retransmission: bool  # ResendRequest / SequenceReset supported
    client_sends: frozenset[str]  # application MsgTypes the client may send
    server_sends: frozenset[str]  # application MsgTypes the exchange sends
    description: str

    @property
    def admin_sends(self) -> frozenset[str]:
        base = {"A", "0", "1", "5"}
        return frozenset(base | {"2", "4"}) if self.retransmission else frozenset(base)


_ORDER_IN = frozenset({"D", "F", "G", "UOG"})
_ORDER_OUT = frozenset({"8", "9", "j", "UOH"})

PROFILES: dict[str, SessionProfile] = {
    p.name: p
    for p in (
        SessionProfile(
            "KalshiNR", 8228, False,
            _ORDER_IN | {"q"}, _ORDER_OUT | {"r"},
            "Order entry without retransmission",
        ),
        SessionProfile(
            "KalshiDC", 8229, False,
            frozenset({"U1"}), frozenset({"8", "j", "U2", "U3"}),
            "Drop copy: execution reports by ExecID range",
        ),
        SessionProfile(
            "KalshiRT", 8230, True,
            _ORDER_IN | {"R", "UA", "UE"}, _ORDER_OUT | {"UMS", "b", "S", "AG", "UC", "UB"},
            "Order entry with retransmission, RFQ creation, settlement reports",
        ),
        SessionProfile(
            "KalshiPT", 8231, True,
            frozenset(), frozenset({"UMS", "j"}),
            "Post trade: market settlement reports",
        ),
        SessionProfile(
            "KalshiRFQ", 8232, False,
            frozenset({"S", "Z", "U7"}), frozenset({"R", "AI", "U9", "U8", "AG", "j"}),
            "RFQ market maker: receive RFQs, send quotes",
        ),
    )
}  # fmt: skip

#: Order-entry messages a listener session must not send (Listener Sessions page).
LISTENER_FORBIDDEN = frozenset({"D", "F", "G", "q", "R", "UA", "UE", "UOG"})


def profile(name: str) -> SessionProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(f"unknown session type {name!r}; expected one of {', '.join(PROFILES)}") from None


@dataclass(frozen=True)
class LogonFlags:
    """Kalshi's Logon options.  ``None`` means 'not sent' (the exchange default applies)."""

    reset_seq_num: bool | None = None  # 141; forced Y on sessions without retransmission
    cancel_orders_on_disconnect: bool | None = None  # 8013
    listener_session: bool | None = None  # 20126
    receive_settlement_reports: bool | None = None  # 20127
    message_retention_period: int | None = None  # 20200, hours, max 72
    use_dollars: bool | None = None  # 21005
    skip_pending_exec_reports: bool | None = None  # 21011 (legacy 21003 accepted on input)
    use_expired_ord_status: bool | None = None  # 21012
    enable_ioc_cancel_report: bool | None = None  # 21007
    preserve_original_order_qty: bool | None = None  # 21008
    always_emit_new_before_trade: bool | None = None  # 21026

    TAGS = {
        "reset_seq_num": 141,
        "cancel_orders_on_disconnect": 8013,
        "listener_session": 20126,
        "receive_settlement_reports": 20127,
        "message_retention_period": 20200,
        "use_dollars": 21005,
        "skip_pending_exec_reports": 21011,
        "use_expired_ord_status": 21012,
        "enable_ioc_cancel_report": 21007,
        "preserve_original_order_qty": 21008,
        "always_emit_new_before_trade": 21026,
    }

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> LogonFlags:
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ConfigError(f"unknown Logon flag {key!r}; known flags: {', '.join(sorted(known))}")
        return cls(**data)

    @classmethod
    def from_logon_body(cls, body: dict[int, Any]) -> LogonFlags:
        """Flags as the counterparty sent them (the acceptor's view)."""
        return cls(**{name: body.get(tag) for name, tag in cls.TAGS.items()})

    def effective_reset(self, prof: SessionProfile) -> bool:
        return True if not prof.retransmission else bool(self.reset_seq_num)

    def validate(self, prof: SessionProfile) -> None:
        """Raise ConfigError for a combination Kalshi refuses (checked before connecting)."""
        name = prof.name
        if self.reset_seq_num is False and not prof.retransmission:
            raise ConfigError(
                f"ResetSeqNumFlag (141) must be Y on {name}: only KalshiRT and KalshiPT support "
                "retransmission (Authentication page)"
            )
        if self.listener_session:
            if name not in ("KalshiNR", "KalshiRT"):
                raise ConfigError(f"ListenerSession (20126) is only valid on KalshiNR and KalshiRT, not {name}")
            if not self.skip_pending_exec_reports:
                raise ConfigError("ListenerSession (20126=Y) requires SkipPendingExecReports (21011=Y)")
            if self.cancel_orders_on_disconnect:
                raise ConfigError("CancelOrdersOnDisconnect (8013) must be N on a listener session (20126=Y)")
        if self.receive_settlement_reports is not None and name not in ("KalshiRT", "KalshiPT"):
            raise ConfigError(f"ReceiveSettlementReports (20127) is only valid on KalshiRT and KalshiPT, not {name}")
        if self.message_retention_period is not None:
            if name not in ("KalshiRT", "KalshiPT"):
                raise ConfigError(f"MessageRetentionPeriod (20200) is only valid on KalshiRT and KalshiPT, not {name}")
            if not 1 <= self.message_retention_period <= 72:
                raise ConfigError(
                    f"MessageRetentionPeriod (20200) is {self.message_retention_period}; it must be 1-72 hours"
                )

    def logon_fields(self, prof: SessionProfile) -> list[tuple[int, Any]]:
        """Flag fields for our Logon, in dictionary order, forced values applied."""
        out: list[tuple[int, Any]] = []
        for name, tag in self.TAGS.items():
            value = getattr(self, name)
            if name == "reset_seq_num":
                value = True if self.effective_reset(prof) else value
            if value is None:
                continue
            out.append((tag, value))
        return out
