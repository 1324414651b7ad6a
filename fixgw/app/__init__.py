"""Application layer: the async client API strategy code uses, order tracking, order groups,
drop copy, settlement reports and RFQ flows."""

from .client import ClientConfig, KalshiClient, new_cl_ord_id
from .dropcopy import DropCopy, DropCopyRejected, ReplayResult, exec_id_key, parse_exec_id
from .errors import (
    BusinessRejected,
    CancelRejected,
    DuplicateClOrdID,
    FixgwError,
    ListenerSessionError,
    LogonRefused,
    NotLoggedOn,
    OrderRejected,
    RateLimited,
    RiskLimitExceeded,
    SessionRejected,
)
from .eventloop import EVENT_LOOPS, EventLoopError, run_event_loop
from .gctune import tune_gc
from .groups import OrderGroups
from .orders import OrderState, OrderTracker
from .reconcile import ReconcileResult, reconcile_orders
from .rfq import RfqCreator, RfqMaker, RfqRejected
from .settlement import Settlement, SettlementAssembler

__all__ = [
    "EVENT_LOOPS",
    "EventLoopError",
    "run_event_loop",
    "BusinessRejected",
    "CancelRejected",
    "ClientConfig",
    "DropCopy",
    "DropCopyRejected",
    "DuplicateClOrdID",
    "FixgwError",
    "KalshiClient",
    "ListenerSessionError",
    "LogonRefused",
    "NotLoggedOn",
    "OrderGroups",
    "OrderRejected",
    "OrderState",
    "OrderTracker",
    "RateLimited",
    "ReconcileResult",
    "ReplayResult",
    "RfqCreator",
    "RfqMaker",
    "RfqRejected",
    "RiskLimitExceeded",
    "SessionRejected",
    "Settlement",
    "SettlementAssembler",
    "tune_gc",
    "exec_id_key",
    "new_cl_ord_id",
    "parse_exec_id",
    "reconcile_orders",
]
