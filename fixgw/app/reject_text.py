"""What Kalshi's reject codes and Text (58) values mean, from the Order Entry and Error
Handling pages, so errors can say it in words instead of making the user look it up.

The labels (``"Order exceeds limit"``) are the docs' own names for each code; the descriptions
are short paraphrases of the docs' "common causes" column.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..messages.enums import (
    BusinessRejectReason,
    CxlRejReason,
    ExecType,
    OrdRejReason,
    SessionRejectReason,
)
from ..messages.generated import MESSAGE_TYPES

__all__ = [
    "BUSINESS_REJECT_REASONS",
    "CANCEL_REJECT_TEXTS",
    "CXL_REJ_REASONS",
    "EXEC_REPORT_TEXTS",
    "ORD_REJ_REASONS",
    "SESSION_REJECT_REASONS",
    "TextMeaning",
    "cancel_text_meaning",
    "msg_type_name",
    "reason_label",
    "report_text_meaning",
]


@dataclass(frozen=True, slots=True)
class TextMeaning:
    """One Text (58) value: the code the docs map it to and what it means."""

    text: str
    label: str
    """The docs' mapping target, e.g. ``"Order exceeds limit"`` or ``"Canceled"``."""
    description: str
    ord_rej_reason: OrdRejReason | None = None
    exec_type: ExecType | None = None
    cxl_rej_reason: CxlRejReason | None = None


#: OrdRejReason (103): label, common causes (fix__order-entry.md, fix__error-handling.md).
ORD_REJ_REASONS: dict[OrdRejReason, tuple[str, str]] = {
    OrdRejReason.UNKNOWN_SYMBOL: ("Unknown symbol", "invalid market ticker"),
    OrdRejReason.EXCHANGE_CLOSED: ("Exchange closed", "outside trading hours, market closed or paused"),
    OrdRejReason.ORDER_EXCEEDS_LIMIT: ("Order exceeds limit", "position or order size limit, insufficient balance"),
    OrdRejReason.TOO_LATE_TO_ENTER: ("Too late to enter", "market expired/closed"),
    OrdRejReason.DUPLICATE_ORDER: ("Duplicate order", "ClOrdID already used"),
    OrdRejReason.STALE_ORDER: ("Stale order", "timestamp or RFQ quote was expired"),
    OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC: (
        "Unsupported order characteristic",
        "invalid order parameters, order ID/side/ticker mismatch on amend",
    ),
    OrdRejReason.INCORRECT_QUANTITY: ("Incorrect quantity", "invalid order size"),
    OrdRejReason.UNKNOWN_ACCOUNT: ("Unknown account", "subaccount or sub-trader does not exist"),
    OrdRejReason.OTHER: ("Other", "see Text (58)"),
}

#: CxlRejReason (102) in OrderCancelReject (35=9).
CXL_REJ_REASONS: dict[CxlRejReason, tuple[str, str]] = {
    CxlRejReason.TOO_LATE_TO_CANCEL: ("Too late to cancel", "order already filled"),
    CxlRejReason.UNKNOWN_ORDER: ("Unknown order", "order ID not found, or order ID/side/ticker mismatch"),
    CxlRejReason.BROKER: ("Broker", "invalid amend quantity, or order already fully filled"),
    CxlRejReason.INVALID_PRICE_INCREMENT: (
        "Invalid price increment",
        "replace would self-cross with another order of the same trader",
    ),
    CxlRejReason.OTHER: ("Other", "see Text (58)"),
}

#: BusinessRejectReason (380) in BusinessMessageReject (35=j).
BUSINESS_REJECT_REASONS: dict[BusinessRejectReason, tuple[str, str]] = {
    BusinessRejectReason.OTHER: ("Other", "see Text (58)"),
    BusinessRejectReason.UNKNOWN_ID: ("Unknown ID", "referenced ID not found"),
    BusinessRejectReason.UNKNOWN_SECURITY: ("Unknown Security", "invalid symbol"),
    BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE: ("Unsupported Message Type", "message type not implemented"),
    BusinessRejectReason.APPLICATION_NOT_AVAILABLE: ("Application not available", "system temporarily unavailable"),
    BusinessRejectReason.CONDITIONALLY_REQUIRED_FIELD_MISSING: (
        "Conditionally required field missing",
        "context-specific field missing",
    ),
    BusinessRejectReason.NOT_AUTHORIZED: (
        "Not authorized",
        "user or API key is not authorized for the requested action",
    ),
    BusinessRejectReason.RATE_LIMIT_EXCEEDED: ("Rate limit exceeded", "request was rejected by FIX rate limits"),
}

#: SessionRejectReason (373) in Reject (35=3).
SESSION_REJECT_REASONS: dict[SessionRejectReason, tuple[str, str]] = {
    SessionRejectReason.INVALID_TAG_NUMBER: ("Invalid tag number", "unknown tag in message"),
    SessionRejectReason.REQUIRED_TAG_MISSING: ("Required tag missing", "mandatory field not present"),
    SessionRejectReason.TAG_NOT_DEFINED_FOR_MESSAGE: (
        "Tag not defined for message",
        "tag not valid for this message type",
    ),
    SessionRejectReason.UNDEFINED_TAG: ("Undefined tag", "tag number not in FIX specification"),
    SessionRejectReason.TAG_WITHOUT_VALUE: ("Tag without value", "empty tag value"),
    SessionRejectReason.INCORRECT_VALUE: ("Incorrect value", "invalid value for tag"),
    SessionRejectReason.INCORRECT_DATA_FORMAT: ("Incorrect data format", "wrong data type"),
    SessionRejectReason.DECRYPTION_PROBLEM: ("Decryption problem", "security issue"),
    SessionRejectReason.SIGNATURE_PROBLEM: ("Signature problem", "authentication failure"),
    SessionRejectReason.COMPID_PROBLEM: ("CompID problem", "SenderCompID/TargetCompID issue"),
    SessionRejectReason.SENDINGTIME_ACCURACY: (
        "SendingTime accuracy",
        "SendingTime must be within 30 seconds of server time",
    ),
    SessionRejectReason.INVALID_MSGTYPE: ("Invalid MsgType", "unknown message type"),
    SessionRejectReason.TAG_APPEARS_MORE_THAN_ONCE: ("Tag appears more than once", "repeated tag"),
    SessionRejectReason.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER: (
        "Tag specified out of required order",
        "header/body/trailer order violated",
    ),
    SessionRejectReason.REPEATING_GROUP_FIELDS_OUT_OF_ORDER: (
        "Repeating group fields out of order",
        "group entry fields out of order",
    ),
    SessionRejectReason.INCORRECT_NUMINGROUP_COUNT_FOR_REPEATING_GROUP: (
        "Incorrect NumInGroup count for repeating group",
        "group count does not match the entries",
    ),
    SessionRejectReason.OTHER: ("Other", "see Text (58)"),
}


def _rej(text: str, reason: OrdRejReason, description: str) -> TextMeaning:
    return TextMeaning(text, ORD_REJ_REASONS[reason][0], description, ord_rej_reason=reason)


def _cxl(text: str, description: str) -> TextMeaning:
    return TextMeaning(text, "Canceled", description, exec_type=ExecType.CANCELED)


_ER_TEXTS = [
    _rej("EXCHANGE_UNAVAILABLE", OrdRejReason.OTHER, "exchange outage or unmapped error"),
    _rej("MARKET_ALREADY_CLOSED", OrdRejReason.EXCHANGE_CLOSED, "the market has already closed"),
    _rej("MARKET_INACTIVE", OrdRejReason.EXCHANGE_CLOSED, "the market is not open for trading"),
    _rej("MARKET_NOT_FOUND", OrdRejReason.UNKNOWN_SYMBOL, "no market with this ticker (55)"),
    _cxl("SELF_CROSS_ATTEMPT", "the order would have traded against your own order"),
    _cxl(
        "SELF_CROSS_ATTEMPT_PARTIALLY_FILLED",
        "partially filled, then the rest would have traded against your own order",
    ),
    _rej("ORDER_ALREADY_EXISTS", OrdRejReason.DUPLICATE_ORDER, "an order with this ClOrdID (11) already exists"),
    _rej(
        "EXCEEDED_ORDER_GROUP_RISK_LIMIT",
        OrdRejReason.ORDER_EXCEEDS_LIMIT,
        "the order group's contracts limit would be exceeded",
    ),
    _rej("INSUFFICIENT_BALANCE", OrdRejReason.ORDER_EXCEEDS_LIMIT, "insufficient balance for the order"),
    _rej("EXCHANGE_PAUSED", OrdRejReason.EXCHANGE_CLOSED, "the exchange is paused"),
    _rej("TRADING_PAUSED", OrdRejReason.EXCHANGE_CLOSED, "trading is paused"),
    _rej("INVALID_ORDER", OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "invalid order parameters"),
    _rej(
        "ORDER_GROUP_NOT_FOUND",
        OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
        "the order group (SecondaryClOrdID 526) does not exist",
    ),
    _rej("EXCEEDED_PER_MARKET_RISK_LIMIT", OrdRejReason.ORDER_EXCEEDS_LIMIT, "per-market risk limit exceeded"),
    _rej(
        "EXCEEDED_SELL_POSITION_FLOOR",
        OrdRejReason.ORDER_EXCEEDS_LIMIT,
        "the sell would take the position below its floor",
    ),
    _rej("CUSTOMER_ACCOUNT_NOT_FOUND", OrdRejReason.UNKNOWN_ACCOUNT, "the customer account (PartyID 448) does not exist"),
    _rej(
        "PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT",
        OrdRejReason.UNKNOWN_ACCOUNT,
        "no permission to trade for this customer account",
    ),
    _cxl("FOK_INSUFFICIENT_VOLUME", "fill-or-kill order could not be filled completely"),
    _rej("POST_ONLY_CROSS", OrdRejReason.OTHER, "post-only order would have crossed the book"),
    _cxl("ORDER_GROUP_CANCEL", "canceled by its order group (limit reached or triggered)"),
    _cxl("TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION", "taker canceled by self-trade prevention"),
    _cxl("MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION", "resting maker canceled by self-trade prevention"),
    _cxl("IMMEDIATE_OR_CANCELLED", "the unfilled rest of an IOC order was canceled"),
    _rej("EXPIRED", OrdRejReason.STALE_ORDER, "the RFQ quote had expired when the order arrived"),
]

#: Text (58) values of ExecutionReports (Order Entry page, "Text Field Values").
EXEC_REPORT_TEXTS: dict[str, TextMeaning] = {m.text: m for m in _ER_TEXTS}

#: Text (58) values of OrderCancelReject (35=9) (Order Entry page).
CANCEL_REJECT_TEXTS: dict[str, TextMeaning] = {
    m.text: m
    for m in [
        TextMeaning(
            "INVALID_AMEND_QTY_FOR_ORDER",
            "Broker",
            "invalid amend quantity (a new total below the filled quantity)",
            cxl_rej_reason=CxlRejReason.BROKER,
        ),
        TextMeaning(
            "CANNOT_UPDATE_FILLED_ORDER",
            "Broker",
            "the order is already fully filled",
            cxl_rej_reason=CxlRejReason.BROKER,
        ),
        TextMeaning(
            "SELF_CROSS_ATTEMPT",
            "Invalid price increment",
            "the replace would self-cross with another of your orders",
            cxl_rej_reason=CxlRejReason.INVALID_PRICE_INCREMENT,
        ),
    ]
}


def report_text_meaning(text: str | None) -> TextMeaning | None:
    """Meaning of an ExecutionReport Text (58), or None if the docs do not list it."""
    return EXEC_REPORT_TEXTS.get(text.strip()) if text else None


def cancel_text_meaning(text: str | None) -> TextMeaning | None:
    """Meaning of an OrderCancelReject Text (58), or None if the docs do not list it."""
    return CANCEL_REJECT_TEXTS.get(text.strip()) if text else None


_TABLES: dict[type, dict] = {
    OrdRejReason: ORD_REJ_REASONS,
    CxlRejReason: CXL_REJ_REASONS,
    BusinessRejectReason: BUSINESS_REJECT_REASONS,
    SessionRejectReason: SESSION_REJECT_REASONS,
}


def reason_label(reason: object) -> str:
    """``"3 Order exceeds limit"`` for a reason enum; the raw value for anything else."""
    table = _TABLES.get(type(reason))
    if table is not None and reason in table:
        return f"{reason.value} {table[reason][0]}"  # type: ignore[attr-defined]
    return "none" if reason is None else str(getattr(reason, "value", reason))


def msg_type_name(msg_type: str | None) -> str:
    """``"NewOrderSingle (35=D)"`` from a MsgType value (``"35=X"`` if unknown)."""
    if msg_type is None:
        return "unknown message type"
    cls = MESSAGE_TYPES.get(msg_type)
    return f"{cls.__name__} (35={msg_type})" if cls is not None else f"35={msg_type}"
