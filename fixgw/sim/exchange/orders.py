"""Order enums, requests, the engine's mutable Order and its frozen snapshot.

Direction (getting_started__order_direction.md): FIX Side 1 "Buy (Yes)" is outcome_side ``yes`` /
book_side ``bid``; Side 2 "Sell (No)" is outcome_side ``no`` / book_side ``ask`` -- selling yes
and buying no are the same exposure.  The price on both sides is the **yes price**: "An order at
price p with outcome_side=no is matched by an order at the same price p with outcome_side=yes".
So a Side 2 order at p is an ask at p, costs 1 - p per contract, and crosses any Side 1 bid >= p.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

from .accounts import AccountRef
from .frozen import draft

__all__ = [
    "Side",
    "TimeInForce",
    "OrdType",
    "StpType",
    "OrdStatus",
    "NewOrder",
    "CancelOrder",
    "ReplaceOrder",
    "Order",
    "OrderState",
    "leg_price",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)  # Decimal operands: a bare int is converted on every use
_QTY = Decimal("0.01")
_PX = Decimal("0.000001")


class Side(IntEnum):
    """FIX Side (54)."""

    BUY_YES = 1
    SELL_NO = 2

    @property
    def outcome_side(self) -> str:
        return "yes" if self is Side.BUY_YES else "no"

    @property
    def book_side(self) -> str:
        return "bid" if self is Side.BUY_YES else "ask"

    @property
    def opposite(self) -> Side:
        return Side.SELL_NO if self is Side.BUY_YES else Side.BUY_YES


def leg_price(side: Side, yes_price: Decimal) -> Decimal:
    """What one contract costs this side when trading at ``yes_price``."""
    return yes_price if side is Side.BUY_YES else _ONE - yes_price


class TimeInForce(IntEnum):
    """FIX TimeInForce (59) values Kalshi accepts."""

    DAY = 0
    GTC = 1
    IOC = 3
    FOK = 4
    GTD = 6


class OrdType(IntEnum):
    LIMIT = 2


class StpType(IntEnum):
    """SelfTradePreventionType (2964)."""

    TAKER_AT_CROSS = 1
    MAKER = 2


class OrdStatus(StrEnum):
    """OrdStatus (39) wire values."""

    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    CANCELED = "4"
    REJECTED = "8"
    EXPIRED = "C"

    @property
    def is_terminal(self) -> bool:
        return self not in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED)


_NEW = OrdStatus.NEW
_PARTIALLY_FILLED = OrdStatus.PARTIALLY_FILLED


@dataclass(frozen=True, kw_only=True, slots=True)
class NewOrder:
    """A NewOrderSingle (35=D) as the exchange sees it.  Prices are yes-prices in dollars.

    ``side``, ``ord_type``, ``time_in_force`` and ``stp_type`` are raw ints so that bad values
    reach the engine and get the documented reject instead of failing in the FIX layer.
    """

    account: str
    cl_ord_id: str
    symbol: str
    side: int
    price: Decimal
    qty: Decimal
    ord_type: int = OrdType.LIMIT
    time_in_force: int = TimeInForce.GTC
    expire_time: datetime | None = None
    subaccount: int = 0
    party_id: str | None = None
    order_group_id: str | None = None
    post_only: bool = False
    stp_type: int | None = None
    cancel_on_pause: bool = False
    max_execution_cost: Decimal | None = None
    session_id: str | None = None
    sell_position_floor: Decimal | None = None
    """No FIX tag; overrides AccountConfig.sell_position_floor (EXCEEDED_SELL_POSITION_FLOOR)."""
    valid_until: datetime | None = None
    """Reject with EXPIRED / Stale order (103=8) if the order arrives after this (RFQ quotes)."""


@dataclass(frozen=True, kw_only=True)
class CancelOrder:
    """An OrderCancelRequest (35=F).  side/symbol/order_id None means "not given, don't check"."""

    account: str
    cl_ord_id: str
    orig_cl_ord_id: str
    side: int | None = None
    symbol: str | None = None
    order_id: str | None = None
    subaccount: int = 0
    party_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReplaceOrder:
    """An OrderCancelReplaceRequest (35=G).  ``qty`` is the new total quantity."""

    account: str
    cl_ord_id: str
    orig_cl_ord_id: str
    qty: Decimal
    price: Decimal | None = None
    side: int | None = None
    symbol: str | None = None
    ord_type: int = OrdType.LIMIT
    order_id: str | None = None
    subaccount: int = 0
    party_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderState:
    """An order as of one event: everything an ExecutionReport needs about the order itself.

    Slotted, so that :meth:`Order.snapshot` can build it from a draft (see :mod:`.frozen`)."""

    order_id: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    owner: AccountRef
    symbol: str
    side: int
    price: Decimal
    order_qty: Decimal
    cum_qty: Decimal
    leaves_qty: Decimal
    avg_px: Decimal
    status: OrdStatus
    time_in_force: int
    expire_time: datetime | None
    post_only: bool
    stp_type: int | None
    cancel_on_pause: bool
    order_group_id: str | None
    session_id: str | None
    created_time: datetime

    @property
    def account(self) -> str:
        return self.owner.account

    @property
    def subaccount(self) -> int:
        return self.owner.subaccount

    @property
    def party_id(self) -> str | None:
        return self.owner.party_id


NEW_ORDER_DRAFT = draft(NewOrder)
"""Settable stand-in for NewOrder (see :mod:`.frozen`): the FIX layer builds one per message."""
_STATE_DRAFT = draft(OrderState)
_new = object.__new__


@dataclass(eq=False, slots=True)
class Order:
    """The engine's live order.  Mutated only by the engine; events carry :class:`OrderState`.

    Slotted: every order stays in the engine's index, and its fields are read on every match."""

    order_id: str
    owner: AccountRef
    cl_ord_id: str
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    time_in_force: TimeInForce
    created_time: datetime
    expire_time: datetime | None = None
    post_only: bool = False
    stp_type: StpType | None = None
    cancel_on_pause: bool = False
    order_group_id: str | None = None
    session_id: str | None = None
    max_execution_cost: Decimal | None = None
    orig_cl_ord_id: str | None = None
    cum_qty: Decimal = _ZERO
    notional: Decimal = _ZERO
    """Sum of yes-price x qty over fills (for AvgPx)."""
    spent: Decimal = _ZERO
    """Sum of leg-price x qty over fills (for MaxExecutionCost)."""
    reserved: Decimal = _ZERO
    fee_accumulator: Decimal = _ZERO
    status: OrdStatus = OrdStatus.NEW
    priority: int = 0
    on_book: bool = field(default=False)

    @property
    def leaves(self) -> Decimal:
        return self.qty - self.cum_qty if self.is_open else _ZERO

    @property
    def is_open(self) -> bool:
        # OrdStatus.is_terminal, by identity: the two open members, any other member
        status = self.status
        if status is _NEW or status is _PARTIALLY_FILLED:
            return True
        return False if type(status) is OrdStatus else not status.is_terminal

    @property
    def limit_leg_price(self) -> Decimal:
        return self.price if self.side is Side.BUY_YES else _ONE - self.price

    @property
    def avg_px(self) -> Decimal:
        if self.cum_qty == _ZERO:
            return _ZERO
        return (self.notional / self.cum_qty).quantize(_PX).normalize()

    def snapshot(self) -> OrderState:
        s: Any = _new(_STATE_DRAFT)  # every OrderState field, then sealed (see .frozen)
        s.order_id = self.order_id
        s.cl_ord_id = self.cl_ord_id
        s.orig_cl_ord_id = self.orig_cl_ord_id
        s.owner = self.owner
        s.symbol = self.symbol
        s.side = int(self.side)
        s.price = self.price
        s.order_qty = self.qty
        s.cum_qty = self.cum_qty
        s.leaves_qty = self.leaves
        s.avg_px = self.avg_px
        s.status = self.status
        s.time_in_force = int(self.time_in_force)
        s.expire_time = self.expire_time
        s.post_only = self.post_only
        s.stp_type = None if self.stp_type is None else int(self.stp_type)
        s.cancel_on_pause = self.cancel_on_pause
        s.order_group_id = self.order_group_id
        s.session_id = self.session_id
        s.created_time = self.created_time
        s.__class__ = OrderState
        return s  # type: ignore[no-any-return]


def quantity_ok(qty: Decimal) -> bool:
    """Positive and a multiple of 0.01 contracts (fixed_point_migration: min granularity 0.01)."""
    return qty.is_finite() and qty > _ZERO and qty == qty.quantize(_QTY)
