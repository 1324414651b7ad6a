"""The one table of exchange outcome texts and their FIX reason codes.

Both the exchange core and the FIX layer import from here so that Text (58) and
OrdRejReason (103) / CxlRejReason (102) never drift apart.

Source: fix__order-entry.md ("Text Field Values (58)", "Order Rejection Reasons (103)",
"OrderCancelReject (35=9)", "Rejection Reasons (102)") and fix__error-handling.md.
Entries marked *sim choice* are not in the docs: the docs give a code but no text (or no
pairing), so the simulator picks one and says so here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class OrdRejReason(IntEnum):
    """OrdRejReason (103) values Kalshi documents."""

    UNKNOWN_SYMBOL = 1
    EXCHANGE_CLOSED = 2
    ORDER_EXCEEDS_LIMIT = 3
    TOO_LATE_TO_ENTER = 4
    DUPLICATE_ORDER = 6
    STALE_ORDER = 8
    UNSUPPORTED_ORDER_CHARACTERISTIC = 11
    INCORRECT_QUANTITY = 13
    UNKNOWN_ACCOUNT = 15
    OTHER = 99


class CxlRejReason(IntEnum):
    """CxlRejReason (102) values Kalshi documents."""

    TOO_LATE_TO_CANCEL = 0
    UNKNOWN_ORDER = 1
    BROKER = 2
    INVALID_PRICE_INCREMENT = 18
    OTHER = 99


class BusinessRejectReason(IntEnum):
    """BusinessRejectReason (380) values used for order-group failures (fix__error-handling.md)."""

    OTHER = 0
    UNKNOWN_ID = 1


@dataclass(frozen=True)
class OrderReject:
    """A NewOrderSingle rejection: ExecutionReport 150=8 with Text (58) and OrdRejReason (103)."""

    text: str
    ord_rej_reason: OrdRejReason


@dataclass(frozen=True)
class CancelReject:
    """An OrderCancelReject (35=9): Text (58) and CxlRejReason (102)."""

    text: str
    cxl_rej_reason: CxlRejReason


@dataclass(frozen=True)
class GroupReject:
    """An order-group failure, sent as BusinessMessageReject (35=j) (fix__order-groups.md)."""

    text: str
    business_reject_reason: BusinessRejectReason


_R = OrdRejReason

# --- NewOrderSingle rejections documented on fix__order-entry.md ------------------------------
EXCHANGE_UNAVAILABLE = OrderReject("EXCHANGE_UNAVAILABLE", _R.OTHER)
MARKET_ALREADY_CLOSED = OrderReject("MARKET_ALREADY_CLOSED", _R.EXCHANGE_CLOSED)
MARKET_INACTIVE = OrderReject("MARKET_INACTIVE", _R.EXCHANGE_CLOSED)
MARKET_NOT_FOUND = OrderReject("MARKET_NOT_FOUND", _R.UNKNOWN_SYMBOL)
ORDER_ALREADY_EXISTS = OrderReject("ORDER_ALREADY_EXISTS", _R.DUPLICATE_ORDER)
EXCEEDED_ORDER_GROUP_RISK_LIMIT = OrderReject(
    "EXCEEDED_ORDER_GROUP_RISK_LIMIT", _R.ORDER_EXCEEDS_LIMIT
)
INSUFFICIENT_BALANCE = OrderReject("INSUFFICIENT_BALANCE", _R.ORDER_EXCEEDS_LIMIT)
EXCHANGE_PAUSED = OrderReject("EXCHANGE_PAUSED", _R.EXCHANGE_CLOSED)
TRADING_PAUSED = OrderReject("TRADING_PAUSED", _R.EXCHANGE_CLOSED)
INVALID_ORDER = OrderReject("INVALID_ORDER", _R.UNSUPPORTED_ORDER_CHARACTERISTIC)
ORDER_GROUP_NOT_FOUND = OrderReject("ORDER_GROUP_NOT_FOUND", _R.UNSUPPORTED_ORDER_CHARACTERISTIC)
EXCEEDED_PER_MARKET_RISK_LIMIT = OrderReject(
    "EXCEEDED_PER_MARKET_RISK_LIMIT", _R.ORDER_EXCEEDS_LIMIT
)
EXCEEDED_SELL_POSITION_FLOOR = OrderReject("EXCEEDED_SELL_POSITION_FLOOR", _R.ORDER_EXCEEDS_LIMIT)
CUSTOMER_ACCOUNT_NOT_FOUND = OrderReject("CUSTOMER_ACCOUNT_NOT_FOUND", _R.UNKNOWN_ACCOUNT)
PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT = OrderReject(
    "PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT", _R.UNKNOWN_ACCOUNT
)
POST_ONLY_CROSS = OrderReject("POST_ONLY_CROSS", _R.OTHER)
EXPIRED = OrderReject("EXPIRED", _R.STALE_ORDER)

# *sim choice*: the docs map "Incorrect quantity <13>" to "Invalid order size" but name no text.
INVALID_QUANTITY = OrderReject("INVALID_ORDER", _R.INCORRECT_QUANTITY)

DOCUMENTED_ORDER_REJECTS: tuple[OrderReject, ...] = (
    EXCHANGE_UNAVAILABLE,
    MARKET_ALREADY_CLOSED,
    MARKET_INACTIVE,
    MARKET_NOT_FOUND,
    ORDER_ALREADY_EXISTS,
    EXCEEDED_ORDER_GROUP_RISK_LIMIT,
    INSUFFICIENT_BALANCE,
    EXCHANGE_PAUSED,
    TRADING_PAUSED,
    INVALID_ORDER,
    ORDER_GROUP_NOT_FOUND,
    EXCEEDED_PER_MARKET_RISK_LIMIT,
    EXCEEDED_SELL_POSITION_FLOOR,
    CUSTOMER_ACCOUNT_NOT_FOUND,
    PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT,
    POST_ONLY_CROSS,
    EXPIRED,
)

ORD_REJ_REASON_BY_TEXT: dict[str, OrdRejReason] = {
    r.text: r.ord_rej_reason for r in DOCUMENTED_ORDER_REJECTS
}


class CancelReason(StrEnum):
    """Why an order left the book without filling; value is the Text (58) the exchange reports.

    The first eight are the texts fix__order-entry.md maps to ExecType "Canceled".  The rest are
    *sim choices* for causes the docs describe without naming a text.
    """

    SELF_CROSS_ATTEMPT = "SELF_CROSS_ATTEMPT"
    SELF_CROSS_ATTEMPT_PARTIALLY_FILLED = "SELF_CROSS_ATTEMPT_PARTIALLY_FILLED"
    FOK_INSUFFICIENT_VOLUME = "FOK_INSUFFICIENT_VOLUME"
    ORDER_GROUP_CANCEL = "ORDER_GROUP_CANCEL"
    TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION = "TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION"
    MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION = "MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION"
    IMMEDIATE_OR_CANCELLED = "IMMEDIATE_OR_CANCELLED"
    # Client-requested cancels carry no text.
    USER_REQUESTED = ""
    # *sim choices* below.
    MASS_CANCEL = "MASS_CANCEL"
    CANCEL_ON_DISCONNECT = "CANCEL_ON_DISCONNECT"
    TRADING_PAUSED = "TRADING_PAUSED"
    EXCHANGE_PAUSED = "EXCHANGE_PAUSED"
    MARKET_REACTIVATED = "MARKET_REACTIVATED"
    MAX_EXECUTION_COST_EXCEEDED = "MAX_EXECUTION_COST_EXCEEDED"
    # Expiry-style system cancellations (fix__order-entry.md: reported as Canceled<4>, or as
    # Expired<C> when the session logged on with UseExpiredOrdStatus 21012=Y).
    CLOSE_CANCEL = "CLOSE_CANCEL"
    ORDER_EXPIRY_CANCEL = "ORDER_EXPIRY_CANCEL"


DOCUMENTED_CANCEL_TEXTS: frozenset[str] = frozenset(
    {
        CancelReason.SELF_CROSS_ATTEMPT,
        CancelReason.SELF_CROSS_ATTEMPT_PARTIALLY_FILLED,
        CancelReason.FOK_INSUFFICIENT_VOLUME,
        CancelReason.ORDER_GROUP_CANCEL,
        CancelReason.TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION,
        CancelReason.MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION,
        CancelReason.IMMEDIATE_OR_CANCELLED,
    }
)


def cancel_text(reason: CancelReason) -> str | None:
    """Text (58) for a cancel: None for client-requested cancels."""
    return reason.value or None


def is_expiry_style(reason: CancelReason) -> bool:
    """True for CloseCancel / OrderExpiryCancel, which 21012=Y reports as Expired<C>."""
    return reason in (CancelReason.CLOSE_CANCEL, CancelReason.ORDER_EXPIRY_CANCEL)


_C = CxlRejReason

# --- OrderCancelReject pairs documented on fix__order-entry.md / fix__error-handling.md -------
INVALID_AMEND_QTY_FOR_ORDER = CancelReject("INVALID_AMEND_QTY_FOR_ORDER", _C.BROKER)
CANNOT_UPDATE_FILLED_ORDER = CancelReject("CANNOT_UPDATE_FILLED_ORDER", _C.BROKER)
SELF_CROSS_ATTEMPT_ON_REPLACE = CancelReject("SELF_CROSS_ATTEMPT", _C.INVALID_PRICE_INCREMENT)
# *sim choices*: the docs give the code (0, 1) but no text.
TOO_LATE_TO_CANCEL = CancelReject("TOO_LATE_TO_CANCEL", _C.TOO_LATE_TO_CANCEL)
UNKNOWN_ORDER = CancelReject("ORDER_NOT_FOUND", _C.UNKNOWN_ORDER)

DOCUMENTED_CANCEL_REJECTS: tuple[CancelReject, ...] = (
    INVALID_AMEND_QTY_FOR_ORDER,
    CANNOT_UPDATE_FILLED_ORDER,
    SELF_CROSS_ATTEMPT_ON_REPLACE,
)


def cancel_reject_from(reject: OrderReject) -> CancelReject:
    """An exchange condition (pause, closed market...) met by a cancel/replace: 102=99 + its text."""
    return CancelReject(reject.text, _C.OTHER)


# --- Order-group business rejects (fix__order-groups.md) -------------------------------------
GROUP_NOT_FOUND = GroupReject("ORDER_GROUP_NOT_FOUND", BusinessRejectReason.UNKNOWN_ID)
# *sim choice*: limit outside 1..1,000,000.
INVALID_CONTRACTS_LIMIT = GroupReject("INVALID_CONTRACTS_LIMIT", BusinessRejectReason.OTHER)
GROUP_EXCHANGE_UNAVAILABLE = GroupReject("EXCHANGE_UNAVAILABLE", BusinessRejectReason.OTHER)
