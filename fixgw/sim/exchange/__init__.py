"""Kalshi exchange core for the simulator: markets, books, matching, fees, accounts, groups.

Pure logic and standard library only; the FIX layer turns :mod:`.events` into messages.
Start with :class:`~fixgw.sim.exchange.engine.Exchange`.
"""

from .accounts import AccountConfig, AccountRef, BalanceView
from .clock import Clock, ManualClock, SystemClock
from .engine import EngineConfig, Exchange, Faults, day_expiry
from .events import (
    CancelRejected,
    CollateralChange,
    Event,
    ExecType,
    ExecutionEvent,
    Fill,
    GroupTriggered,
    MarketSettled,
    MarketStatusChanged,
    MassCancelReport,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderGroupRejected,
    OrderGroupResponse,
    OrderRejected,
    OrderReplaced,
    SettlementRecord,
)
from .fees import FeeBreakdown, FeeModel, QuadraticFeeModel, ZeroFeeModel, round_fill
from .ids import ExecId, sequential_ids, uuid_ids
from .markets import MarketConfig, MarketRegistry, MarketStatus, PriceGrid, load_markets
from .order_groups import OrderGroupAction
from .orders import (
    CancelOrder,
    NewOrder,
    OrderState,
    OrdStatus,
    ReplaceOrder,
    Side,
    StpType,
    TimeInForce,
)
from .reject_reasons import CancelReason, CxlRejReason, OrdRejReason

__all__ = [
    "AccountConfig",
    "AccountRef",
    "BalanceView",
    "CancelOrder",
    "CancelReason",
    "CancelRejected",
    "Clock",
    "CollateralChange",
    "CxlRejReason",
    "EngineConfig",
    "Event",
    "Exchange",
    "ExecId",
    "ExecType",
    "ExecutionEvent",
    "Faults",
    "FeeBreakdown",
    "FeeModel",
    "Fill",
    "GroupTriggered",
    "ManualClock",
    "MarketConfig",
    "MarketRegistry",
    "MarketSettled",
    "MarketStatus",
    "MarketStatusChanged",
    "MassCancelReport",
    "NewOrder",
    "OrdRejReason",
    "OrdStatus",
    "OrderAccepted",
    "OrderCanceled",
    "OrderExpired",
    "OrderGroupAction",
    "OrderGroupRejected",
    "OrderGroupResponse",
    "OrderRejected",
    "OrderReplaced",
    "OrderState",
    "PriceGrid",
    "QuadraticFeeModel",
    "ReplaceOrder",
    "SettlementRecord",
    "Side",
    "StpType",
    "SystemClock",
    "TimeInForce",
    "ZeroFeeModel",
    "day_expiry",
    "load_markets",
    "round_fill",
    "sequential_ids",
    "uuid_ids",
]
