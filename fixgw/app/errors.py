"""Typed errors of the application layer, raised on the call that caused them.

Each one keeps the values the exchange sent (and the message itself where there is one) and
``str()`` gives one line naming the tags and values, with the docs' meaning of the codes.
All arguments go to ``Exception.args`` so the errors pickle and copy.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..messages.enums import (
    BusinessRejectReason,
    CxlRejReason,
    CxlRejResponseTo,
    OrdRejReason,
    OrdStatus,
    SessionRejectReason,
)
from .reject_text import (
    TextMeaning,
    cancel_text_meaning,
    msg_type_name,
    reason_label,
    report_text_meaning,
)

__all__ = [
    "BusinessRejected",
    "CancelRejected",
    "DuplicateClOrdID",
    "FixgwError",
    "ListenerSessionError",
    "LogonRefused",
    "NotLoggedOn",
    "OrderRejected",
    "RateLimited",
    "RiskLimitExceeded",
    "SessionRejected",
]


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _text_part(text: str | None, meaning: TextMeaning | None) -> str:
    if not text:
        return "Text(58) absent"
    part = f"Text(58)={_one_line(text)}"
    if meaning is not None:
        part += f" ({meaning.label}: {meaning.description})"
    return part


def _enum(enum_cls: type, value: Any) -> Any:
    """The enum member for ``value`` if it is one, else ``value`` unchanged (codes Kalshi may add)."""
    if value is None or isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        return value


class FixgwError(Exception):
    """Base of every fixgw application error."""

    def __str__(self) -> str:
        return _one_line(super().__str__())


class OrderRejected(FixgwError):
    """ExecutionReport (35=8) with ExecType=Rejected for an order we sent."""

    def __init__(
        self,
        cl_ord_id: str,
        text: str | None,
        ord_rej_reason: OrdRejReason | int | None,
        report: Any = None,
    ) -> None:
        super().__init__(cl_ord_id, text, ord_rej_reason, report)
        self.cl_ord_id = cl_ord_id
        self.text = text
        self.ord_rej_reason = _enum(OrdRejReason, ord_rej_reason)
        self.report = report

    @property
    def meaning(self) -> TextMeaning | None:
        """What the Text value means per the Order Entry page (None if not listed)."""
        return report_text_meaning(self.text)

    @classmethod
    def from_report(cls, er: Any) -> OrderRejected:
        return cls(er.cl_ord_id, er.text, er.ord_rej_reason, er)

    def __str__(self) -> str:
        return (
            f"order rejected: ClOrdID(11)={self.cl_ord_id!r} {_text_part(self.text, self.meaning)} "
            f"OrdRejReason(103)={reason_label(self.ord_rej_reason)}"
        )


class CancelRejected(FixgwError):
    """OrderCancelReject (35=9): a cancel or a replace was refused; the order is unchanged."""

    def __init__(
        self,
        cl_ord_id: str,
        orig_cl_ord_id: str | None,
        text: str | None,
        cxl_rej_reason: CxlRejReason | int | None,
        response_to: CxlRejResponseTo | str | None,
        ord_status: OrdStatus | str | None = None,
        order_id: str | None = None,
    ) -> None:
        super().__init__(cl_ord_id, orig_cl_ord_id, text, cxl_rej_reason, response_to, ord_status, order_id)
        self.cl_ord_id = cl_ord_id
        self.orig_cl_ord_id = orig_cl_ord_id
        self.text = text
        self.cxl_rej_reason = _enum(CxlRejReason, cxl_rej_reason)
        self.response_to = _enum(CxlRejResponseTo, response_to)
        self.ord_status = _enum(OrdStatus, ord_status)
        self.order_id = order_id

    @property
    def meaning(self) -> TextMeaning | None:
        return cancel_text_meaning(self.text)

    @property
    def is_replace(self) -> bool:
        return self.response_to is CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST

    @classmethod
    def from_message(cls, msg: Any) -> CancelRejected:
        return cls(
            msg.cl_ord_id,
            msg.orig_cl_ord_id,
            msg.text,
            msg.cxl_rej_reason,
            msg.cxl_rej_response_to,
            msg.ord_status,
            msg.order_id,
        )

    def __str__(self) -> str:
        what = "replace" if self.is_replace else "cancel"
        status = getattr(self.ord_status, "name", self.ord_status)
        return (
            f"{what} rejected: ClOrdID(11)={self.cl_ord_id!r} OrigClOrdID(41)={self.orig_cl_ord_id!r} "
            f"{_text_part(self.text, self.meaning)} CxlRejReason(102)={reason_label(self.cxl_rej_reason)} "
            f"OrdStatus(39)={status}"
        )


class BusinessRejected(FixgwError):
    """BusinessMessageReject (35=j): refused before normal exchange handling."""

    def __init__(
        self,
        ref_msg_type: str | None,
        ref_seq: int | None,
        reason: BusinessRejectReason | int | None,
        text: str | None,
        ref_id: str | None = None,
        ref_tag: int | None = None,
    ) -> None:
        super().__init__(ref_msg_type, ref_seq, reason, text, ref_id, ref_tag)
        self.ref_msg_type = ref_msg_type
        self.ref_seq = ref_seq
        self.reason = _enum(BusinessRejectReason, reason)
        self.text = text
        self.ref_id = ref_id
        self.ref_tag = ref_tag

    @classmethod
    def from_message(cls, msg: Any) -> BusinessRejected:
        """Built from a BusinessMessageReject; ``RateLimited`` when 380=8."""
        reason = _enum(BusinessRejectReason, msg.business_reject_reason)
        if cls is BusinessRejected and reason is BusinessRejectReason.RATE_LIMIT_EXCEEDED:
            cls = RateLimited
        return cls(msg.ref_msg_type, msg.ref_seq_num, reason, msg.text, msg.business_reject_ref_id, msg.ref_tag_id)

    def __str__(self) -> str:
        parts = [
            f"business reject of {msg_type_name(self.ref_msg_type)} RefSeqNum(45)={self.ref_seq}:",
            f"BusinessRejectReason(380)={reason_label(self.reason)}",
        ]
        if self.text:
            parts.append(f"Text(58)={_one_line(self.text)!r}")
        if self.ref_id is not None:
            parts.append(f"BusinessRejectRefID(379)={self.ref_id!r}")
        if self.ref_tag is not None:
            parts.append(f"RefTagID(371)={self.ref_tag}")
        return " ".join(parts)


class RateLimited(BusinessRejected):
    """BusinessMessageReject with 380=8 (Rate limit exceeded): safe to retry later."""


class SessionRejected(FixgwError):
    """Reject (35=3): the message broke a session-level rule (tag, format, SendingTime...)."""

    def __init__(
        self,
        ref_seq: int | None,
        ref_tag: int | None,
        ref_msg_type: str | None,
        reason: SessionRejectReason | int | None,
        text: str | None,
    ) -> None:
        super().__init__(ref_seq, ref_tag, ref_msg_type, reason, text)
        self.ref_seq = ref_seq
        self.ref_tag = ref_tag
        self.ref_msg_type = ref_msg_type
        self.reason = _enum(SessionRejectReason, reason)
        self.text = text

    @classmethod
    def from_message(cls, msg: Any) -> SessionRejected:
        return cls(msg.ref_seq_num, msg.ref_tag_id, msg.ref_msg_type, msg.session_reject_reason, msg.text)

    def __str__(self) -> str:
        parts = [
            f"session reject of {msg_type_name(self.ref_msg_type)} RefSeqNum(45)={self.ref_seq}:",
            f"SessionRejectReason(373)={reason_label(self.reason)}",
        ]
        if self.ref_tag is not None:
            parts.append(f"RefTagID(371)={self.ref_tag}")
        if self.text:
            parts.append(f"Text(58)={_one_line(self.text)!r}")
        return " ".join(parts)


class NotLoggedOn(FixgwError):
    """A send or a wait needed a logged-on session and there was none (or it went away)."""

    def __init__(self, text: str = "not logged on") -> None:
        super().__init__(text)
        self.text = text


class ListenerSessionError(FixgwError):
    """Tried to send an order-entry message on a listener session (ListenerSession 20126=Y)."""

    def __init__(self, text: str = "listener sessions (20126=Y) cannot send order-entry messages") -> None:
        super().__init__(text)
        self.text = text


class LogonRefused(FixgwError):
    """The exchange answered our Logon with a Logout, or never answered."""

    def __init__(self, text: str | None = None) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f"logon refused: {_one_line(self.text) if self.text else 'no reason given'}"


class RiskLimitExceeded(FixgwError):
    """A local risk check refused a request before it was sent."""

    def __init__(self, limit_name: str, value: Decimal | int, limit: Decimal | int, detail: str | None = None) -> None:
        super().__init__(limit_name, value, limit, detail)
        self.limit_name = limit_name
        self.value = value
        self.limit = limit
        self.detail = detail

    def __str__(self) -> str:
        line = f"risk limit {self.limit_name} exceeded: {self.value} > {self.limit}"
        return f"{line} ({_one_line(self.detail)})" if self.detail else line


class DuplicateClOrdID(FixgwError):
    """A new order reused the ClOrdID (11) of an order that is still open (Kalshi would reject
    it with ORDER_ALREADY_EXISTS, and its reject would be confused with the open order)."""

    def __init__(self, cl_ord_id: str, status: OrdStatus | None = None) -> None:
        super().__init__(cl_ord_id, status)
        self.cl_ord_id = cl_ord_id
        self.status = status

    def __str__(self) -> str:
        status = self.status.name if self.status is not None else "open"
        return f"ClOrdID(11)={self.cl_ord_id!r} is already used by an open order (status {status})"
