"""What the engine reports: plain frozen dataclasses, one per thing that happened.

*Execution events* (subclasses of :class:`ExecutionEvent`) each become one ExecutionReport (35=8):
they carry an ExecID, the TransactTime and an :class:`OrderState` snapshot of the order after the
event.  The others map to OrderCancelReject (35=9), OrderMassCancelReport (35=r),
OrderGroupResponse (UOH), BusinessMessageReject (35=j) or MarketSettlementReport (UMS).

The engine always emits OrderAccepted before an order's first Fill; folding the New ack into the
first Trade report (the default without AlwaysEmitNewBeforeTrade 21026) is the FIX layer's call.

Execution events (and CollateralChange) have slots: the engine builds them from drafts
(:mod:`.frozen`), several per fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from .accounts import AccountRef
from .fees import FeeBreakdown
from .ids import ExecId
from .markets import MarketStatus
from .order_groups import OrderGroupAction
from .orders import OrderState, OrdStatus
from .reject_reasons import (
    BusinessRejectReason,
    CancelReason,
    CxlRejReason,
    OrdRejReason,
    cancel_text,
    is_expiry_style,
)

__all__ = [
    "ExecType",
    "CollateralChange",
    "ExecutionEvent",
    "OrderAccepted",
    "OrderRejected",
    "Fill",
    "OrderCanceled",
    "OrderExpired",
    "OrderReplaced",
    "CancelRejected",
    "MassCancelReport",
    "OrderGroupResponse",
    "OrderGroupRejected",
    "GroupTriggered",
    "MarketStatusChanged",
    "SettlementRecord",
    "MarketSettled",
    "Event",
]


class ExecType(StrEnum):
    """ExecType (150) wire values."""

    NEW = "0"
    CANCELED = "4"
    REPLACED = "5"
    REJECTED = "8"
    EXPIRED = "C"
    TRADE = "F"


@dataclass(frozen=True, slots=True)
class CollateralChange:
    """One NoCollateralAmountChanges entry: CollateralAmountChange (1704) / Type (1705)."""

    amount: Decimal
    type: Literal["BALANCE", "PAYOUT"] = "BALANCE"


@dataclass(frozen=True, kw_only=True, slots=True)
class ExecutionEvent:
    exec_id: ExecId
    transact_time: datetime
    order: OrderState

    exec_type: ClassVar[ExecType]

    @property
    def owner(self) -> AccountRef:
        return self.order.owner


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderAccepted(ExecutionEvent):
    exec_type: ClassVar[ExecType] = ExecType.NEW


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderRejected(ExecutionEvent):
    """``order`` echoes the request (status Rejected, no quantity open)."""

    text: str
    ord_rej_reason: OrdRejReason
    exec_type: ClassVar[ExecType] = ExecType.REJECTED


@dataclass(frozen=True, kw_only=True, slots=True)
class Fill(ExecutionEvent):
    """One side of a match.  Both sides get a Fill with the same ``trd_match_id``."""

    last_px: Decimal
    """Trade price: the resting order's yes-price, in dollars."""
    last_qty: Decimal
    trd_match_id: str
    aggressor: bool
    """AggressorIndicator (1057): True for the taker."""
    fee: FeeBreakdown
    collateral_changes: tuple[CollateralChange, ...]
    long_qty: Decimal
    """LongQty (704): net yes position after the trade."""
    short_qty: Decimal
    """ShortQty (705): net no position after the trade."""
    exec_type: ClassVar[ExecType] = ExecType.TRADE

    @property
    def fee_amount(self) -> Decimal:
        """MiscFeeAmt (137)."""
        return self.fee.net_fee


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderCanceled(ExecutionEvent):
    reason: CancelReason
    exec_type: ClassVar[ExecType] = ExecType.CANCELED

    @property
    def text(self) -> str | None:
        return cancel_text(self.reason)


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderExpired(ExecutionEvent):
    """Expiry-style system cancel: CLOSE_CANCEL (market closed) or ORDER_EXPIRY_CANCEL (Day/GTD).

    fix__order-entry.md: reported as Canceled<4> by default, as Expired<C> when the session
    logged on with UseExpiredOrdStatus (21012)=Y.  ``order.status`` is EXPIRED.
    """

    reason: CancelReason
    exec_type: ClassVar[ExecType] = ExecType.EXPIRED

    def __post_init__(self) -> None:
        if not is_expiry_style(self.reason):
            raise ValueError(f"OrderExpired with non-expiry reason {self.reason!r}")

    @property
    def text(self) -> str | None:
        return cancel_text(self.reason)


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderReplaced(ExecutionEvent):
    """``order`` carries the new ClOrdID and, in ``orig_cl_ord_id``, the one it replaced."""

    lost_priority: bool
    exec_type: ClassVar[ExecType] = ExecType.REPLACED


@dataclass(frozen=True, kw_only=True)
class CancelRejected:
    """OrderCancelReject (35=9).  ``ord_status`` is the order's current status (None if unknown)."""

    transact_time: datetime
    account: str
    cl_ord_id: str
    orig_cl_ord_id: str
    order_id: str | None
    ord_status: OrdStatus | None
    response_to: Literal["cancel", "replace"]
    text: str
    cxl_rej_reason: CxlRejReason


@dataclass(frozen=True, kw_only=True)
class MassCancelReport:
    """OrderMassCancelReport (35=r); the OrderCanceled events follow it."""

    transact_time: datetime
    account: str
    session_id: str | None
    operation_id: str
    canceled_count: int
    reject_text: str | None = None
    """Set when the request was refused (MassCancelResponse 531=0); nothing was canceled."""


@dataclass(frozen=True, kw_only=True)
class OrderGroupResponse:
    """OrderGroupResponse (UOH).  ``contracts_limit`` is set for Create and Update only."""

    transact_time: datetime
    account: str
    subaccount: int
    action: OrderGroupAction
    group_id: str
    contracts_limit: Decimal | None


@dataclass(frozen=True, kw_only=True)
class OrderGroupRejected:
    """An order-group request failure (BusinessMessageReject 35=j)."""

    transact_time: datetime
    account: str
    subaccount: int
    action: OrderGroupAction
    group_id: str | None
    text: str
    business_reject_reason: BusinessRejectReason


@dataclass(frozen=True, kw_only=True)
class GroupTriggered:
    """A group was triggered; its ORDER_GROUP_CANCEL cancels follow."""

    transact_time: datetime
    account: str
    subaccount: int
    group_id: str
    cause: Literal["limit", "manual", "update"]
    filled_in_window: Decimal


@dataclass(frozen=True, kw_only=True)
class MarketStatusChanged:
    transact_time: datetime
    symbol: str
    old: MarketStatus
    new: MarketStatus


@dataclass(frozen=True)
class SettlementRecord:
    """One NoMarketSettlementPartyIDs entry.  ``payout + fee == raw_payout``
    (getting_started__market_settlement.md: CollateralAmountChange + MiscFeeAmt equals the
    pre-rounding settlement value)."""

    owner: AccountRef
    long_qty: Decimal
    short_qty: Decimal
    raw_payout: Decimal
    payout: Decimal
    """CollateralAmountChange (1704), type PAYOUT; whole cents."""
    fee: Decimal
    """MiscFeeAmt (137): the sub-cent remainder."""


@dataclass(frozen=True, kw_only=True)
class MarketSettled:
    """Input for MarketSettlementReport (UMS) pages."""

    transact_time: datetime
    symbol: str
    result: Literal["yes", "no", "scalar"]
    settlement_price_cents: Decimal
    clearing_business_date: date
    settlement_id: str
    records: tuple[SettlementRecord, ...]


Event = (
    OrderAccepted
    | OrderRejected
    | Fill
    | OrderCanceled
    | OrderExpired
    | OrderReplaced
    | CancelRejected
    | MassCancelReport
    | OrderGroupResponse
    | OrderGroupRejected
    | GroupTriggered
    | MarketStatusChanged
    | MarketSettled
)
