"""Logon checks as Kalshi's gateway makes them, pure so each rule is unit-testable.

The session core already refuses a Logon with the wrong TargetCompID, a stale SendingTime, a
HeartBtInt of 3 or less or a missing ResetSeqNumFlag before it asks the simulator; the rules
are repeated here so this module stands alone (a Logon reaching it twice gets the same answer).

Order: CompIDs (373=9), RawData signature over the exact wire SendingTime (373=8),
SendingTime within 30 s of server time (373=10), then Logon-field rules answered with a
Logout only: HeartBtInt > 3, ResetSeqNumFlag=Y where there is no retransmission, and the flag
combinations of the Authentication and Listener Sessions pages.  Connection-level rules (one
connection per API key, rate limit) need simulator state and live in ``server``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..codec import FixMessage, RejectReason
from ..crypto.signature import logon_prehash, verify_logon
from ..session import ConfigError, LogonDecision, LogonFlags, SessionProfile
from .keys import KeyRegistry

__all__ = ["MAX_CLOCK_SKEW", "Refusal", "check_logon"]

MAX_CLOCK_SKEW = 30.0


@dataclass(frozen=True)
class Refusal:
    """Why a Logon is refused: Logout text, and a Reject (35=3) reason to send first, if any."""

    text: str
    reject_reason: RejectReason | None = None
    ref_tag: int | None = None

    def decision(self) -> LogonDecision:
        return LogonDecision(
            False, text=self.text, reject_reason=self.reject_reason, ref_tag=self.ref_tag
        )


def check_logon(
    fm: FixMessage,
    profile: SessionProfile,
    keys: KeyRegistry,
    now: datetime,
    *,
    max_skew: float = MAX_CLOCK_SKEW,
) -> Refusal | None:
    """None if the Logon passes every check, else the first rule it breaks."""
    h = fm.header
    sender, target = h.get(49), h.get(56)
    if target != profile.name:
        return Refusal(
            f"CompID problem: TargetCompID (56) is {target!r} but this port serves {profile.name}",
            RejectReason.COMPID_PROBLEM, 56,
        )  # fmt: skip
    if not isinstance(sender, str) or (pub := keys.get(sender)) is None:
        return Refusal(
            f"CompID problem: SenderCompID (49) {sender!r} is not a registered API key",
            RejectReason.COMPID_PROBLEM, 49,
        )  # fmt: skip
    raw = fm.body.get(96)
    if not raw:
        return Refusal(
            "Signature problem: RawData (96) signature missing", RejectReason.SIGNATURE_PROBLEM, 96
        )
    # The exact bytes of 52 and 34 as sent: re-formatting the parsed time would accept a
    # client that signed something else (Authentication page: "must match exactly").
    wire_time = (fm.raw_value(52) or b"").decode("ascii", "replace")
    wire_seq = (fm.raw_value(34) or b"").decode("ascii", "replace")
    try:
        prehash = logon_prehash(wire_time, "A", wire_seq, sender, target)
        sig = raw.decode("ascii") if isinstance(raw, bytes) else str(raw)
    except (UnicodeDecodeError, ValueError):
        return Refusal(
            "Signature problem: RawData (96) is not a base64 signature",
            RejectReason.SIGNATURE_PROBLEM,
            96,
        )
    if not verify_logon(pub, prehash, sig):
        return Refusal(
            "Signature problem: RawData (96) does not verify with the key registered for "
            f"{sender} (sign SendingTime, MsgType, MsgSeqNum, SenderCompID, TargetCompID exactly as sent)",
            RejectReason.SIGNATURE_PROBLEM, 96,
        )  # fmt: skip
    skew = abs((h[52] - now).total_seconds())
    if skew > max_skew:
        return Refusal(
            f"SendingTime accuracy problem: SendingTime (52) {wire_time} is {skew:.1f} s from "
            f"server time; it must be within {max_skew:g} s",
            RejectReason.SENDING_TIME_ACCURACY, 52,
        )  # fmt: skip
    hb = fm.body.get(108)
    if not isinstance(hb, int) or hb <= 3:
        return Refusal(f"HeartBtInt (108) is {hb}; it must be more than 3 seconds")
    flags = LogonFlags.from_logon_body(fm.body)
    if not profile.retransmission and flags.reset_seq_num is not True:
        return Refusal(
            f"ResetSeqNumFlag (141) must be Y on {profile.name}: only KalshiRT and KalshiPT support retransmission"
        )
    try:
        flags.validate(profile)
    except ConfigError as exc:
        return Refusal(str(exc))
    return None
