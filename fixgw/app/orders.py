"""Order tracking: one ``OrderState`` per order, kept right by the execution reports.

Pure state machine: no I/O, no asyncio, time only from the reports or an injected clock.  The
client tells the tracker what it sent (``on_new_order_sent``, ``on_cancel_sent``,
``on_replace_sent``) and feeds it what came back (``on_execution_report``,
``on_cancel_reject``).

Status model.  ``base_status`` is what the exchange last said about the order (PENDING_NEW
until the first report).  Cancel and replace requests we sent and the exchange has not answered
yet are kept in ``pending``; while any is outstanding on an open order, ``status`` shows
PENDING_CANCEL (a cancel is outstanding) or PENDING_REPLACE, else ``status == base_status``.
Reverting after an OrderCancelReject is dropping the request: ``status`` falls back to
``base_status``, which reports that arrived in between (fills) kept current.

Rules for the Logon flags that change the report stream (fix__authentication.md and
fix__changelog.md).  The tracker never needs to be told 21011, 21012, 21008 or 21026; only
21007 changes what it infers.

* 21011 SkipPendingExecReports: with it, no PENDING_NEW / PENDING_CANCEL / PENDING_REPLACE
  reports come.  Those reports only acknowledge a request (ExecID ``-1;-1``); the local pending
  request is resolved by the final report (New, Trade, Replaced, Canceled, Expired, Rejected)
  or by an OrderCancelReject, so both streams end in the same state.
* 21012 UseExpiredOrdStatus: expiry-style system cancels arrive as ExecType/OrdStatus C
  (Expired) instead of 4 (Canceled).  Both close the order; the status kept is the one the
  report gave.
* 21007 EnableIocCancelReport: without it a partially filled IOC's remainder is cancelled with
  no report.  An IOC (or FOK) order never rests, so once a Trade report leaves it with
  LeavesQty > 0, that remainder is gone: unless the tracker was given flags with
  ``enable_ioc_cancel_report=True``, it closes the order at once as CANCELED, sets
  ``leaves_qty`` to 0 and says why in ``inferred_close``.  Later Trade reports of the same
  sweep are still applied; a cancel report, if one comes, confirms the close.  With the flag
  on, the tracker waits for the cancel report.  Independently of flags, any final report with
  LeavesQty 0 and an open OrdStatus closes the order (FILLED when CumQty reaches the order
  quantity, else CANCELED).  A New report never closes an IOC (with 21026 the New precedes its
  Trades).
* 21008 PreserveOriginalOrderQty: without it OrderQty (38) may change (e.g. become CumQty after
  a cancel).  The tracker never reads the remaining quantity from OrderQty: ``leaves_qty`` is
  LeavesQty (151), and ``order_qty`` (the current total) is CumQty + LeavesQty while the order
  is open, the requested total after a replace, and unchanged when the order closes.
  ``reported_order_qty`` keeps the raw tag 38.
* 21026 AlwaysEmitNewBeforeTrade: without it the New ack may be folded into the first Trade.
  A Trade report for an order still PENDING_NEW locally moves it straight to PARTIALLY_FILLED
  or FILLED and sets ``order_id``.

Replace chain: a Replaced report carries the new ClOrdID (11) and the old one in OrigClOrdID
(41); every ClOrdID the order had, and the ClOrdIDs of cancel/replace requests sent for it,
``find`` the same order.  Reports for orders the tracker does not know (another session of the
account, a listener, the drop copy) create a tracked order from the report (``source ==
"report"``).

Duplicates and order: reports are deduplicated by ExecID, except ``-1;-1`` (pending reports).
A report whose ExecID sorts below one already applied to the same order (``int;int`` compared
as integers) is *stale*: its fill, fees and collateral are recorded, but it does not move the
status or quantities back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from ..hotpath import dataclass_constructor
from ..messages.enums import (
    CollateralAmountType,
    ExecType,
    OrdRejReason,
    OrdStatus,
    PartyRole,
    Side,
    TimeInForce,
)
from ..messages.generated import Party
from .errors import CancelRejected, DuplicateClOrdID

if TYPE_CHECKING:
    from ..messages.generated import (
        ExecutionReport,
        NewOrderSingle,
        OrderCancelReject,
        OrderCancelReplaceRequest,
        OrderCancelRequest,
    )
    from ..session.clock import Clock
    from ..session.profiles import LogonFlags

__all__ = [
    "CLOSED_STATUSES",
    "OPEN_STATUSES",
    "PENDING_EXEC_ID",
    "CancelRejectInfo",
    "CollateralChange",
    "Fill",
    "OrderState",
    "OrderTracker",
    "OrderUpdate",
    "PendingRequest",
    "Transition",
    "exec_id_key",
]

PENDING_EXEC_ID = "-1;-1"
OPEN_STATUSES = frozenset(
    {
        OrdStatus.PENDING_NEW,
        OrdStatus.NEW,
        OrdStatus.PARTIALLY_FILLED,
        OrdStatus.PENDING_CANCEL,
        OrdStatus.PENDING_REPLACE,
    }
)
CLOSED_STATUSES = frozenset({OrdStatus.FILLED, OrdStatus.CANCELED, OrdStatus.REJECTED, OrdStatus.EXPIRED})
_PENDING_STATUSES = frozenset({OrdStatus.PENDING_NEW, OrdStatus.PENDING_CANCEL, OrdStatus.PENDING_REPLACE})
_PENDING_EXEC_TYPES = frozenset({ExecType.PENDING_NEW, ExecType.PENDING_CANCEL, ExecType.PENDING_REPLACE})
_PENDING_ET = tuple(_PENDING_EXEC_TYPES)
_NEVER_RESTS = frozenset({TimeInForce.IOC, TimeInForce.FOK})
_ZERO = Decimal(0)
#: Half a cent: AvgPx may be rounded to whole cents; a bigger gap means a fill was missed.
_AVG_PX_TOLERANCE = Decimal("0.005")
_SNAPSHOT_VERSION = 1
_NOS_SENT = "NewOrderSingle (35=D) sent"
# Tuples for the hot paths: membership by identity, where a frozenset hashes the enum (slower)
_OPEN = tuple(OPEN_STATUSES)
_CLOSED = tuple(CLOSED_STATUSES)
_PENDING_ST = tuple(_PENDING_STATUSES)
# Members the report path names, as module constants: ``ExecType.TRADE`` goes through the enum
# metaclass (~50 ns a use), a global does not.
_ET_TRADE = ExecType.TRADE
_ET_REJECTED = ExecType.REJECTED
_ET_REPLACED = ExecType.REPLACED
_ET_CANCELED = ExecType.CANCELED
_ET_EXPIRED = ExecType.EXPIRED


def exec_id_key(exec_id: str | None) -> tuple[int, int] | None:
    """``"4;7"`` -> ``(4, 7)``; None for ``-1;-1`` and anything not in ``int;int`` form."""
    if not exec_id or exec_id == PENDING_EXEC_ID:
        return None
    a, sep, b = exec_id.partition(";")
    try:
        return (int(a), int(b)) if sep else None
    except ValueError:
        return None


# ---- records ---------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class Fill:
    """One Trade report: LastPx/LastQty (31/32), fees (137 summed), position after (704/705)."""

    exec_id: str
    last_px: Decimal | None
    last_qty: Decimal
    cum_qty: Decimal
    fee: Decimal = _ZERO
    trd_match_id: str | None = None
    aggressor: bool | None = None
    long_qty: Decimal | None = None
    short_qty: Decimal | None = None
    time: datetime | None = None


@dataclass(slots=True, kw_only=True)
class CollateralChange:
    """One NoCollateralAmountChanges (1703) entry: 1704 delta in dollars, 1705 type."""

    exec_id: str
    amount: Decimal
    type: CollateralAmountType | None = None


@dataclass(slots=True, kw_only=True)
class PendingRequest:
    """A cancel or replace sent (or seen pending) and not answered yet."""

    kind: str  # "cancel" | "replace"
    cl_ord_id: str
    orig_cl_ord_id: str | None
    order_qty: Decimal | None = None
    price: Decimal | None = None
    acked: bool = False
    """A PENDING_CANCEL / PENDING_REPLACE report arrived for it (never with 21011=Y)."""
    sent_at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class Transition:
    """One step of an order's history; local steps have no ExecID and say what in ``note``."""

    exec_id: str | None
    exec_type: ExecType | None
    ord_status: OrdStatus
    time: datetime | None
    note: str | None = None


@dataclass(slots=True, kw_only=True)
class OrderState:
    """Everything known about one order.  Prices are Decimal dollars, quantities Decimal."""

    cl_ord_id: str
    """Current ClOrdID (11): the one of the last message that changed the order."""
    symbol: str
    side: Side
    price: Decimal | None
    order_qty: Decimal
    """Current total quantity (changes with replaces); see the module notes on 21008."""
    original_qty: Decimal
    status: OrdStatus = OrdStatus.PENDING_NEW
    base_status: OrdStatus = OrdStatus.PENDING_NEW
    """Status as the exchange last reported it, ignoring our outstanding requests."""
    ref: int = 0
    """Tracker-internal identity (ClOrdIDs may be reused once an order is closed)."""
    cl_ord_id_chain: list[str] = field(default_factory=list)
    """Every ClOrdID the order has had, oldest first, the current one last."""
    order_id: str | None = None
    cum_qty: Decimal = _ZERO
    leaves_qty: Decimal = _ZERO
    avg_px: Decimal = _ZERO
    """AvgPx (6) as the exchange reported it (the truth; see ``computed_avg_px``)."""
    last_px: Decimal | None = None
    last_qty: Decimal | None = None
    trd_match_id: str | None = None
    aggressor: bool | None = None
    fills: list[Fill] = field(default_factory=list)
    # running totals of ``fills`` (add_fill keeps them): a report costs O(1), not O(fills)
    _fill_qty: Decimal = field(default=_ZERO, repr=False, compare=False)
    _priced_qty: Decimal = field(default=_ZERO, repr=False, compare=False)
    _priced_notional: Decimal = field(default=_ZERO, repr=False, compare=False)
    total_fees: Decimal = _ZERO
    collateral_changes: list[CollateralChange] = field(default_factory=list)
    long_qty: Decimal | None = None
    short_qty: Decimal | None = None
    text: str | None = None
    ord_rej_reason: OrdRejReason | None = None
    reported_order_qty: Decimal | None = None
    exec_ids: list[str] = field(default_factory=list)
    last_exec_id: str | None = None
    """Highest (``int;int``) ExecID applied to this order."""
    updated_at: datetime | None = None
    transact_time: datetime | None = None
    uncertain: bool = False
    """Set after a reconnect when an outcome may have been missed; cleared by the next report."""
    inferred_close: str | None = None
    """Why the tracker closed the order without a report saying so (None if a report did)."""
    alloc_account: int | None = None
    party_ids: list[Party] = field(default_factory=list)
    order_group_id: str | None = None
    time_in_force: TimeInForce | None = None
    expire_time: datetime | None = None
    post_only: bool = False
    pending: list[PendingRequest] = field(default_factory=list)
    history: list[Transition] = field(default_factory=list)
    source: str = "local"
    """``"local"`` (we sent the NewOrderSingle) or ``"report"`` (first seen in a report)."""

    @property
    def is_open(self) -> bool:
        return self.status in _OPEN

    @property
    def orig_cl_ord_id(self) -> str | None:
        """The ClOrdID before the current one, if the order was replaced."""
        return self.cl_ord_id_chain[-2] if len(self.cl_ord_id_chain) > 1 else None

    def add_fill(self, fill: Fill) -> None:
        self.fills.append(fill)
        self._fill_qty += fill.last_qty
        if fill.last_px is not None:
            self._priced_qty += fill.last_qty
            self._priced_notional += fill.last_px * fill.last_qty

    @property
    def filled_qty(self) -> Decimal:
        return self._fill_qty

    @property
    def computed_avg_px(self) -> Decimal | None:
        """Volume-weighted price of the fills seen (None if none have a price)."""
        if not self._priced_qty:
            return None
        return self._priced_notional / self._priced_qty

    def pending_request(self, cl_ord_id: str | None) -> PendingRequest | None:
        for req in self.pending:
            if req.cl_ord_id == cl_ord_id:
                return req
        return None

    def all_cl_ord_ids(self) -> list[str]:
        """Chain plus the ClOrdIDs of outstanding requests: everything ``find`` accepts."""
        return [*self.cl_ord_id_chain, *(r.cl_ord_id for r in self.pending if r.cl_ord_id not in self.cl_ord_id_chain)]

    def to_dict(self) -> dict[str, Any]:
        return _dump(self, _ORDER_FIELDS) | {
            "cl_ord_id_chain": list(self.cl_ord_id_chain),
            "exec_ids": list(self.exec_ids),
            "party_ids": [
                {"party_id": p.party_id, "party_role": p.party_role.value if p.party_role else None}
                for p in self.party_ids
            ],
            "fills": [_dump(f, _FILL_FIELDS) for f in self.fills],
            "collateral_changes": [_dump(c, _COLLATERAL_FIELDS) for c in self.collateral_changes],
            "pending": [_dump(r, _PENDING_FIELDS) for r in self.pending],
            "history": [_dump(t, _TRANSITION_FIELDS) for t in self.history],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrderState:
        order = cls(**_load(data, _ORDER_FIELDS))
        order.cl_ord_id_chain = list(data.get("cl_ord_id_chain", [order.cl_ord_id]))
        order.exec_ids = list(data.get("exec_ids", []))
        order.party_ids = [
            Party(party_id=p.get("party_id"), party_role=PartyRole(p["party_role"]) if p.get("party_role") is not None else None)
            for p in data.get("party_ids", [])
        ]
        for f in data.get("fills", []):
            order.add_fill(Fill(**_load(f, _FILL_FIELDS)))
        order.collateral_changes = [
            CollateralChange(**_load(c, _COLLATERAL_FIELDS)) for c in data.get("collateral_changes", [])
        ]
        order.pending = [PendingRequest(**_load(r, _PENDING_FIELDS)) for r in data.get("pending", [])]
        order.history = [Transition(**_load(t, _TRANSITION_FIELDS)) for t in data.get("history", [])]
        return order


@dataclass(slots=True, kw_only=True)
class OrderUpdate:
    """What one execution report changed."""

    order: OrderState
    report: Any
    prev_status: OrdStatus | None
    """None when the order was created from this report."""
    status: OrdStatus
    fill: Fill | None = None
    created: bool = False
    stale: bool = False
    """The report was older than one already applied: recorded, status/quantities unchanged."""
    request_rejected: PendingRequest | None = None
    """A Rejected report that answered one of our cancel/replace requests, not the order."""
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_status(self) -> bool:
        return self.prev_status is not self.status

    @property
    def closed(self) -> bool:
        """This report closed an order that was open (or new to us)."""
        return self.status in CLOSED_STATUSES and (self.prev_status is None or self.prev_status in OPEN_STATUSES)


@dataclass(slots=True, kw_only=True)
class CancelRejectInfo:
    """What an OrderCancelReject did: the request dropped and the status restored."""

    order: OrderState | None
    request: PendingRequest | None
    prev_status: OrdStatus | None
    status: OrdStatus | None
    error: CancelRejected
    exchange_status: OrdStatus | None
    """OrdStatus (39) of the reject: the exchange's view of the order (not applied)."""


# the records every order and report builds (see fixgw.hotpath: the generated __init__ costs 3x)
_new_local_order = dataclass_constructor(
    OrderState,
    "cl_ord_id", "ref", "cl_ord_id_chain", "symbol", "side", "price", "order_qty", "original_qty", "leaves_qty",
    "alloc_account", "party_ids", "order_group_id", "time_in_force", "expire_time", "post_only", "updated_at",
)  # fmt: skip
_new_transition = dataclass_constructor(Transition, "exec_id", "exec_type", "ord_status", "time", "note")
_new_update = dataclass_constructor(OrderUpdate, "order", "report", "prev_status", "status", "created")


# ---- tracker ---------------------------------------------------------------------------------


class OrderTracker:
    """All orders of one session (or account view), indexed by every ClOrdID and OrderID."""

    def __init__(self, flags: LogonFlags | None = None, clock: Clock | None = None) -> None:
        self.flags = flags
        self.clock = clock
        self._orders: dict[int, OrderState] = {}
        # the open ones, in the same order: open_orders() (a risk check per order) must not
        # cost a pass over every order ever tracked
        self._open: dict[int, OrderState] = {}
        self._by_cl: dict[str, int] = {}
        self._by_order_id: dict[str, int] = {}
        self._exec_ids: set[str] = set()
        self._max_exec: tuple[tuple[int, int], str] | None = None
        self._next_ref = 1

    # ---- queries -------------------------------------------------------------------------

    def find(self, cl_ord_id: str) -> OrderState | None:
        """The order that has (or had) ``cl_ord_id``, or a cancel/replace request id of it."""
        ref = self._by_cl.get(cl_ord_id)
        return self._orders.get(ref) if ref is not None else None

    def find_by_order_id(self, order_id: str) -> OrderState | None:
        ref = self._by_order_id.get(order_id)
        return self._orders.get(ref) if ref is not None else None

    def orders(self) -> list[OrderState]:
        """Every tracked order, oldest first."""
        return list(self._orders.values())

    def open_orders(self, symbol: str | None = None) -> list[OrderState]:
        return [o for o in self._open.values() if o.is_open and (symbol is None or o.symbol == symbol)]

    def last_exec_id(self) -> str | None:
        """Highest real ExecID seen (``int;int`` compared as integers); for drop-copy catch-up."""
        return self._max_exec[1] if self._max_exec else None

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[OrderState]:
        return iter(list(self._orders.values()))

    # ---- what we sent --------------------------------------------------------------------

    def on_new_order_sent(self, nos: NewOrderSingle) -> OrderState:
        """Track a NewOrderSingle about to be sent (PENDING_NEW until the exchange answers)."""
        cl = nos.cl_ord_id
        self._check_cl_free(cl)
        clock = self.clock
        ref = self._next_ref
        self._next_ref = ref + 1
        qty = nos.order_qty
        order = _new_local_order(
            cl,  # cl_ord_id
            ref,
            [cl],  # cl_ord_id_chain
            nos.symbol,
            nos.side,
            nos.price,
            qty,  # order_qty
            qty,  # original_qty
            qty,  # leaves_qty
            nos.alloc_account,
            list(nos.party_ids),
            nos.secondary_cl_ord_id or nos.order_group_id,  # order_group_id
            nos.time_in_force,
            nos.expire_time,
            nos.exec_inst is not None,  # post_only
            clock.now() if clock is not None else None,  # updated_at
        )
        # what _add does; a local order always takes its ClOrdID over in the index (_index_cl)
        self._orders[ref] = order
        self._open[ref] = order  # the newest order goes last
        self._by_cl[cl] = ref
        time = clock.now() if clock is not None else None
        order.history.append(_new_transition(None, None, order.status, time, _NOS_SENT))
        return order

    def on_cancel_sent(self, req: OrderCancelRequest) -> OrderState | None:
        """Track an OrderCancelRequest: PENDING_CANCEL until Canceled or OrderCancelReject.

        Returns None if the order (OrigClOrdID 41 / OrderID 37) is unknown."""
        return self._request_sent("cancel", req.cl_ord_id, req.orig_cl_ord_id, req.order_id)

    def on_replace_sent(self, req: OrderCancelReplaceRequest) -> OrderState | None:
        """Track an OrderCancelReplaceRequest: PENDING_REPLACE until Replaced or rejected;
        the new ClOrdID finds the same order from now on."""
        return self._request_sent(
            "replace", req.cl_ord_id, req.orig_cl_ord_id, req.order_id, qty=req.order_qty, price=req.price
        )

    def mark_uncertain(self, cl_ord_ids: Iterable[str] | None = None) -> list[OrderState]:
        """Flag open orders (all, or those named) whose outcome may have been missed."""
        if cl_ord_ids is None:
            targets = self.open_orders()
        else:
            targets = [o for o in (self.find(c) for c in cl_ord_ids) if o is not None]
        for order in targets:
            order.uncertain = True
        return targets

    def mark_not_sent(self, cl_ord_id: str) -> OrderState | None:
        """The request with ``cl_ord_id`` never reached the exchange (gap-filled on resend).

        A cancel/replace is dropped (status reverts); a NewOrderSingle the exchange never
        answered is closed as REJECTED with ``inferred_close`` saying why."""
        order = self.find(cl_ord_id)
        if order is None:
            return None
        req = order.pending_request(cl_ord_id)
        if req is not None and cl_ord_id != order.cl_ord_id:
            order.pending.remove(req)
            self._refresh_status(order)
            self._note(order, f"{req.kind} {cl_ord_id!r} was never sent (gap-filled on resend)")
        elif order.base_status is OrdStatus.PENDING_NEW and order.order_id is None and not order.exec_ids:
            order.base_status = OrdStatus.REJECTED
            order.leaves_qty = _ZERO
            order.pending.clear()
            order.inferred_close = "NewOrderSingle never reached the exchange (gap-filled on resend)"
            self._refresh_status(order)
            self._note(order, order.inferred_close)
        return order

    # ---- what came back ------------------------------------------------------------------

    def on_execution_report(self, er: ExecutionReport) -> OrderUpdate | None:
        """Apply one ExecutionReport; None if its ExecID was already applied."""
        exec_id = er.exec_id
        real_id = exec_id != PENDING_EXEC_ID
        if real_id and exec_id in self._exec_ids:
            return None
        order = self._locate(er)
        created = order is None
        if order is None:
            order = self._create_from_report(er)
        status = order.status
        update = _new_update(order, er, None if created else status, status, created)
        order.uncertain = False
        transact_time = er.transact_time
        order.updated_at = self.clock.now() if self.clock is not None else transact_time
        if transact_time is not None:
            order.transact_time = transact_time
        if real_id:  # ExecID bookkeeping; a stale one is recorded but moves nothing back
            self._exec_ids.add(exec_id)
            order.exec_ids.append(exec_id)
            key = exec_id_key(exec_id)
            if key is not None:
                top = self._max_exec
                if top is None or key > top[0]:
                    self._max_exec = (key, exec_id)
                last_id = order.last_exec_id
                last = exec_id_key(last_id) if last_id is not None else None
                if last is not None and key < last:
                    update.stale = True
                    update.warnings.append(f"ExecID(17)={exec_id} is older than {last_id} already applied")
                else:
                    order.last_exec_id = exec_id
        exec_type = er.exec_type
        if exec_type in _PENDING_ET:
            self._apply_pending_report(order, er)
        elif update.stale:
            self._record_money(order, er, update, stale=True)
        else:
            self._apply_final_report(order, er, update)
        base = order.base_status
        if order.pending or base in _CLOSED:
            self._refresh_status(order)
        else:
            order.status = base  # what _refresh_status does then: an open status
            if order.ref not in self._open:
                self._sync_open(order)
        status = update.status = order.status
        note = "stale" if update.stale else None
        order.history.append(_new_transition(exec_id, exec_type, status, transact_time or order.updated_at, note))
        return update

    def on_cancel_reject(self, ocr: OrderCancelReject) -> CancelRejectInfo:
        """Drop the refused cancel/replace; the order's status falls back to what it was."""
        error = CancelRejected.from_message(ocr)
        order = self.find(ocr.cl_ord_id)
        if order is None and ocr.orig_cl_ord_id:
            order = self.find(ocr.orig_cl_ord_id)
        if order is None and ocr.order_id:
            order = self.find_by_order_id(ocr.order_id)
        info = CancelRejectInfo(
            order=order, request=None, prev_status=None, status=None, error=error, exchange_status=ocr.ord_status
        )
        if order is None:
            return info
        info.prev_status = order.status
        req = order.pending_request(ocr.cl_ord_id)  # None: a request we never tracked
        if req is not None:
            order.pending.remove(req)
        info.request = req
        self._refresh_status(order)
        info.status = order.status
        order.updated_at = self._now()
        self._note(order, str(error))
        return info

    # ---- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready snapshot (Decimals and times as strings, enums as wire values)."""
        return {
            "version": _SNAPSHOT_VERSION,
            "next_ref": self._next_ref,
            "last_exec_id": self.last_exec_id(),
            "orders": [o.to_dict() for o in self._orders.values()],
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], flags: LogonFlags | None = None, clock: Clock | None = None
    ) -> OrderTracker:
        version = data.get("version")
        if version != _SNAPSHOT_VERSION:
            raise ValueError(f"order snapshot version {version!r} is not supported (expected {_SNAPSHOT_VERSION})")
        tracker = cls(flags=flags, clock=clock)
        for od in data.get("orders", []):
            order = OrderState.from_dict(od)
            tracker._orders[order.ref] = order
            tracker._index(order)
            for exec_id in order.exec_ids:
                tracker._exec_ids.add(exec_id)
                tracker._bump_max(exec_id)
        tracker._bump_max(data.get("last_exec_id"))
        tracker._open = {r: o for r, o in tracker._orders.items() if o.status in _OPEN}
        tracker._next_ref = max(int(data.get("next_ref", 1)), max(tracker._orders, default=0) + 1)
        return tracker

    def prune_closed(self, keep_last: int = 0) -> int:
        """Forget closed orders except the ``keep_last`` most recent; returns how many went.

        Their ExecIDs are forgotten too, so a replay of their reports would track them again."""
        closed = [o for o in self._orders.values() if not o.is_open]
        drop = closed[: max(len(closed) - keep_last, 0)]
        for order in drop:
            del self._orders[order.ref]
            self._open.pop(order.ref, None)
            for cl in order.all_cl_ord_ids():
                if self._by_cl.get(cl) == order.ref:
                    del self._by_cl[cl]
            if order.order_id and self._by_order_id.get(order.order_id) == order.ref:
                del self._by_order_id[order.order_id]
            self._exec_ids.difference_update(order.exec_ids)
        return len(drop)

    # ---- internals: bookkeeping ----------------------------------------------------------

    def _now(self, fallback: datetime | None = None) -> datetime | None:
        return self.clock.now() if self.clock is not None else fallback

    def _add(self, order: OrderState) -> None:
        order.ref = self._next_ref
        self._next_ref += 1
        self._orders[order.ref] = order
        self._index(order)

    def _index(self, order: OrderState) -> None:
        chain = order.cl_ord_id_chain
        for cl in chain:  # all_cl_ord_ids(), without building the list
            self._index_cl(cl, order)
        for req in order.pending:
            if req.cl_ord_id not in chain:
                self._index_cl(req.cl_ord_id, order)
        if order.order_id:
            self._by_order_id[order.order_id] = order.ref

    def _index_cl(self, cl: str, order: OrderState) -> None:
        """Point ``cl`` at ``order`` unless an open order (a different one) holds it."""
        ref = self._by_cl.get(cl)
        holder = self._orders.get(ref) if ref is not None else None
        if holder is not None and holder is not order and holder.is_open and order.source == "report":
            return
        self._by_cl[cl] = order.ref

    def _check_cl_free(self, cl_ord_id: str) -> None:
        holder = self.find(cl_ord_id)
        if holder is not None and holder.is_open and (
            cl_ord_id == holder.cl_ord_id or holder.pending_request(cl_ord_id) is not None
        ):
            raise DuplicateClOrdID(cl_ord_id, holder.status)

    def _note(self, order: OrderState, note: str) -> None:
        order.history.append(_new_transition(None, None, order.status, self._now(), note))

    def _bump_max(self, exec_id: str | None) -> None:
        key = exec_id_key(exec_id)
        if key is not None and (self._max_exec is None or key > self._max_exec[0]):
            self._max_exec = (key, exec_id)  # type: ignore[assignment]

    def _request_sent(
        self,
        kind: str,
        cl_ord_id: str,
        orig_cl_ord_id: str,
        order_id: str | None,
        qty: Decimal | None = None,
        price: Decimal | None = None,
    ) -> OrderState | None:
        order = self.find(orig_cl_ord_id)
        if order is None and order_id:
            order = self.find_by_order_id(order_id)
        if order is None:
            return None
        self._check_cl_free(cl_ord_id)
        order.pending.append(
            PendingRequest(
                kind=kind,
                cl_ord_id=cl_ord_id,
                orig_cl_ord_id=orig_cl_ord_id,
                order_qty=qty,
                price=price,
                sent_at=self._now(),
            )
        )
        self._by_cl[cl_ord_id] = order.ref
        self._refresh_status(order)
        order.updated_at = self._now(order.updated_at)
        self._note(order, f"Order{'CancelReplace' if kind == 'replace' else 'Cancel'}Request {cl_ord_id!r} sent")
        return order

    def _refresh_status(self, order: OrderState) -> None:
        base = order.base_status
        if base in _CLOSED:
            order.pending.clear()
            order.status = base
        elif order.pending:
            cancel = any(r.kind == "cancel" for r in order.pending)
            order.status = OrdStatus.PENDING_CANCEL if cancel else OrdStatus.PENDING_REPLACE
        else:
            order.status = base
        self._sync_open(order)

    def _sync_open(self, order: OrderState) -> None:
        """Put ``order`` in ``_open`` or take it out, as its status now says."""
        ref = order.ref
        if order.status not in _OPEN:
            self._open.pop(ref, None)
        elif ref not in self._open:
            if ref == next(reversed(self._orders), None):
                self._open[ref] = order  # the newest order: it goes last
            else:  # an order open again (rare): rebuild, in the order of _orders
                self._open = {r: o for r, o in self._orders.items() if o.status in _OPEN}

    # ---- internals: reports --------------------------------------------------------------

    def _locate(self, er: ExecutionReport) -> OrderState | None:
        cl: str | None = er.cl_ord_id  # the loop below reuses it for orig_cl_ord_id
        ref = self._by_cl.get(cl) if cl else None
        if ref is not None:
            order = self._orders.get(ref)
            if order is not None:
                oid = er.order_id
                if not (oid and order.order_id and oid != order.order_id):
                    return order  # what the loop below returns first
        for cl in (er.cl_ord_id, er.orig_cl_ord_id):
            order = self.find(cl) if cl else None
            if order is None:
                continue
            if er.order_id and order.order_id and er.order_id != order.order_id:
                other = self.find_by_order_id(er.order_id)
                if other is not None:
                    return other
                if not order.is_open or _is_duplicate_reject(er):
                    continue  # a different order that reused (or tried to reuse) this ClOrdID
            return order
        return self.find_by_order_id(er.order_id) if er.order_id else None

    def _create_from_report(self, er: ExecutionReport) -> OrderState:
        total = er.cum_qty + er.leaves_qty
        qty = total if er.leaves_qty > 0 else max(er.order_qty, er.cum_qty)
        chain = [er.cl_ord_id]
        if er.orig_cl_ord_id and er.orig_cl_ord_id != er.cl_ord_id:
            chain.insert(0, er.orig_cl_ord_id)
        order = OrderState(
            cl_ord_id=er.cl_ord_id,
            cl_ord_id_chain=chain,
            symbol=er.symbol,
            side=er.side,
            price=er.price,
            order_qty=qty,
            original_qty=max(er.order_qty, total),
            order_id=er.order_id or None,
            source="report",
        )
        self._add(order)
        return order

    def _apply_common(self, order: OrderState, er: ExecutionReport) -> None:
        if er.order_id and (order.order_id is None or order.order_id != er.order_id):
            order.order_id = er.order_id
            self._by_order_id[er.order_id] = order.ref
        if er.alloc_account is not None:
            order.alloc_account = er.alloc_account
        if er.party_ids:
            order.party_ids = list(er.party_ids)
        if er.price is not None and order.price is None:
            order.price = er.price
        order.text = er.text

    def _apply_pending_report(self, order: OrderState, er: ExecutionReport) -> None:
        self._apply_common(order, er)
        if er.exec_type is ExecType.PENDING_NEW:
            return
        kind = "cancel" if er.exec_type is ExecType.PENDING_CANCEL else "replace"
        req = order.pending_request(er.cl_ord_id)
        if req is None and er.cl_ord_id not in order.cl_ord_id_chain:
            # a request another session sent: track it so the final report resolves it
            req = PendingRequest(
                kind=kind,
                cl_ord_id=er.cl_ord_id,
                orig_cl_ord_id=er.orig_cl_ord_id or order.cl_ord_id,
                order_qty=er.order_qty if kind == "replace" else None,
                price=er.price if kind == "replace" else None,
            )
            order.pending.append(req)
            self._index_cl(er.cl_ord_id, order)
        if req is not None:
            req.acked = True

    def _record_money(self, order: OrderState, er: ExecutionReport, update: OrderUpdate, *, stale: bool) -> None:
        """Fill, fees and collateral: recorded for every new ExecID, stale or not."""
        misc = er.misc_fees
        fee = sum((f.misc_fee_amt for f in misc if f.misc_fee_amt is not None), _ZERO) if misc else _ZERO
        order.total_fees += fee
        for c in er.collateral_amount_changes:
            if c.collateral_amount_change is not None:
                order.collateral_changes.append(
                    CollateralChange(exec_id=er.exec_id, amount=c.collateral_amount_change, type=c.collateral_amount_type)
                )
        if er.exec_type is not _ET_TRADE:
            return
        last_qty = er.last_qty
        if last_qty is None:
            last_qty = max(er.cum_qty - order.cum_qty, _ZERO)
            update.warnings.append(f"Trade ExecID(17)={er.exec_id} has no LastQty(32); took the CumQty(14) change")
        fill = Fill(
            exec_id=er.exec_id,
            last_px=er.last_px,
            last_qty=last_qty,
            cum_qty=er.cum_qty,
            fee=fee,
            trd_match_id=er.trd_match_id,
            aggressor=er.aggressor_indicator,
            long_qty=er.long_qty,
            short_qty=er.short_qty,
            time=er.transact_time,
        )
        order.add_fill(fill)
        update.fill = fill
        if stale:
            return
        order.last_px = er.last_px
        order.last_qty = last_qty
        order.trd_match_id = er.trd_match_id
        order.aggressor = er.aggressor_indicator
        if er.long_qty is not None:
            order.long_qty = er.long_qty
        if er.short_qty is not None:
            order.short_qty = er.short_qty

    def _apply_final_report(self, order: OrderState, er: ExecutionReport, update: OrderUpdate) -> None:
        et = er.exec_type
        prev_cum = order.cum_qty
        if et is _ET_REJECTED and self._reject_of_request(order, er, update):
            return
        self._apply_common(order, er)
        if et is _ET_TRADE or er.misc_fees or er.collateral_amount_changes:
            self._record_money(order, er, update, stale=False)
        else:
            order.total_fees += _ZERO  # all _record_money does for such a report
        cl = er.cl_ord_id
        req = None
        if cl != order.cl_ord_id:  # else there is nothing to adopt
            req = order.pending_request(cl)
            self._adopt_cl_ord_id(order, er, req)

        # quantities: LeavesQty is the remaining quantity, whatever OrderQty (38) says
        cum = er.cum_qty
        if cum < prev_cum:
            update.warnings.append(f"CumQty(14) went down from {prev_cum} to {cum}; kept {prev_cum}")
        order.cum_qty = prev_cum if prev_cum > cum else cum  # max(cum, prev_cum)
        leaves = order.leaves_qty = er.leaves_qty
        order.avg_px = er.avg_px
        order.reported_order_qty = er.order_qty
        if er.ord_rej_reason is not None:
            order.ord_rej_reason = er.ord_rej_reason
        if et is _ET_TRADE and update.fill is not None and not update.created:
            if prev_cum + update.fill.last_qty != er.cum_qty:
                update.warnings.append(
                    f"CumQty(14)={er.cum_qty} but previous {prev_cum} + LastQty(32) {update.fill.last_qty} "
                    "differ: a fill report may be missing"
                )
            self._check_avg_px(order, er, update)

        if et is _ET_REPLACED:
            self._apply_replaced(order, er, req)
        else:
            if er.price is not None:
                order.price = er.price
            if leaves > _ZERO:
                order.order_qty = order.cum_qty + leaves

        # the status the report gives the order
        reported = er.ord_status
        if et is _ET_CANCELED or et is _ET_EXPIRED:
            if reported in _CLOSED:
                status = reported
            else:
                status = OrdStatus.EXPIRED if et is _ET_EXPIRED else OrdStatus.CANCELED
        elif et is _ET_REJECTED:
            status = OrdStatus.REJECTED
        elif reported in _PENDING_ST:  # a final report quoting a pending status
            if order.cum_qty > 0:
                status = OrdStatus.FILLED if order.leaves_qty == 0 else OrdStatus.PARTIALLY_FILLED
            else:
                status = OrdStatus.NEW
        else:
            status = reported
        order.base_status = status
        order.inferred_close = None
        if status not in _CLOSED and (leaves <= _ZERO or et is _ET_TRADE):  # else it infers nothing
            self._infer_close(order, er)
            status = order.base_status
        if status in _CLOSED:
            order.leaves_qty = _ZERO

    def _reject_of_request(self, order: OrderState, er: ExecutionReport, update: OrderUpdate) -> bool:
        """A Rejected report that answers a cancel/replace, or a duplicate ClOrdID attempt,
        leaves the order itself alone."""
        req = order.pending_request(er.cl_ord_id)
        if req is not None and er.cl_ord_id != order.cl_ord_id:
            order.pending.remove(req)
            update.request_rejected = req
            update.warnings.append(f"{req.kind} {req.cl_ord_id!r} rejected by ExecutionReport: {er.text}")
            return True
        if _is_duplicate_reject(er) and order.order_id and order.base_status in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED):
            update.warnings.append(
                f"duplicate-order reject for ClOrdID(11)={er.cl_ord_id!r}; the open order is unchanged"
            )
            return True
        return False

    def _adopt_cl_ord_id(self, order: OrderState, er: ExecutionReport, req: PendingRequest | None) -> None:
        cl = er.cl_ord_id
        if not cl or cl == order.cl_ord_id:
            return
        changes_order = er.exec_type in (ExecType.REPLACED, ExecType.CANCELED, ExecType.EXPIRED)
        if changes_order or (req is None and cl not in order.cl_ord_id_chain):
            order.cl_ord_id = cl
            if cl in order.cl_ord_id_chain:
                order.cl_ord_id_chain.remove(cl)
            order.cl_ord_id_chain.append(cl)
            self._by_cl[cl] = order.ref

    def _apply_replaced(self, order: OrderState, er: ExecutionReport, req: PendingRequest | None) -> None:
        if req is None:  # replace sent by someone else, or its ClOrdID differs: drop the oldest
            req = next((r for r in order.pending if r.kind == "replace"), None)
        if req is not None and req in order.pending:
            order.pending.remove(req)
        if order.leaves_qty > 0:
            order.order_qty = order.cum_qty + order.leaves_qty
        elif req is not None and req.order_qty is not None:
            order.order_qty = req.order_qty
        else:
            order.order_qty = order.cum_qty
        if er.price is not None:
            order.price = er.price
        elif req is not None and req.price is not None:
            order.price = req.price

    def _infer_close(self, order: OrderState, er: ExecutionReport) -> None:
        status = order.base_status
        if status in _CLOSED:
            return
        if order.leaves_qty <= 0:
            if er.exec_type is _ET_REPLACED or order.cum_qty < order.order_qty or order.cum_qty == 0:
                order.base_status = OrdStatus.CANCELED
            else:
                order.base_status = OrdStatus.FILLED
            order.inferred_close = (
                f"LeavesQty(151)=0 with OrdStatus(39)={status.name} on ExecID(17)={er.exec_id}"
            )
            return
        if er.exec_type is not _ET_TRADE or order.time_in_force not in _NEVER_RESTS:
            return
        ioc_report = self.flags is not None and self.flags.enable_ioc_cancel_report
        if not ioc_report:
            order.base_status = OrdStatus.CANCELED
            order.inferred_close = (
                f"{order.time_in_force.name} remainder {order.leaves_qty} cancelled without a report "  # type: ignore[union-attr]
                "(EnableIocCancelReport 21007 not set)"
            )

    def _check_avg_px(self, order: OrderState, er: ExecutionReport, update: OrderUpdate) -> None:
        if order.filled_qty != er.cum_qty:
            return
        computed = order.computed_avg_px
        if computed is not None and abs(computed - er.avg_px) > _AVG_PX_TOLERANCE:
            update.warnings.append(
                f"AvgPx(6)={er.avg_px} but the fills seen average {computed:.4f}; kept the report's AvgPx"
            )


def _is_duplicate_reject(er: ExecutionReport) -> bool:
    return er.exec_type is ExecType.REJECTED and (
        er.ord_rej_reason is OrdRejReason.DUPLICATE_ORDER or er.text == "ORDER_ALREADY_EXISTS"
    )


# ---- snapshot codec --------------------------------------------------------------------------

_DEC = "decimal"
_DT = "datetime"


def _dump(obj: Any, spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in spec.items():
        value = getattr(obj, name)
        if value is None:
            out[name] = None
        elif kind == _DEC:
            out[name] = str(value)
        elif kind == _DT:
            out[name] = value.isoformat()
        elif isinstance(kind, type) and issubclass(kind, Enum):
            out[name] = value.value
        else:
            out[name] = value
    return out


def _load(data: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in spec.items():
        if name not in data:
            continue
        value = data[name]
        if value is None:
            out[name] = None
        elif kind == _DEC:
            out[name] = Decimal(value)
        elif kind == _DT:
            out[name] = datetime.fromisoformat(value)
        elif isinstance(kind, type) and issubclass(kind, Enum):
            out[name] = kind(value)
        else:
            out[name] = value
    return out


_ORDER_FIELDS: dict[str, Any] = {
    "ref": int,
    "cl_ord_id": str,
    "symbol": str,
    "side": Side,
    "price": _DEC,
    "order_qty": _DEC,
    "original_qty": _DEC,
    "status": OrdStatus,
    "base_status": OrdStatus,
    "order_id": str,
    "cum_qty": _DEC,
    "leaves_qty": _DEC,
    "avg_px": _DEC,
    "last_px": _DEC,
    "last_qty": _DEC,
    "trd_match_id": str,
    "aggressor": bool,
    "total_fees": _DEC,
    "long_qty": _DEC,
    "short_qty": _DEC,
    "text": str,
    "ord_rej_reason": OrdRejReason,
    "reported_order_qty": _DEC,
    "last_exec_id": str,
    "updated_at": _DT,
    "transact_time": _DT,
    "uncertain": bool,
    "inferred_close": str,
    "alloc_account": int,
    "order_group_id": str,
    "time_in_force": TimeInForce,
    "expire_time": _DT,
    "post_only": bool,
    "source": str,
}
_FILL_FIELDS: dict[str, Any] = {
    "exec_id": str,
    "last_px": _DEC,
    "last_qty": _DEC,
    "cum_qty": _DEC,
    "fee": _DEC,
    "trd_match_id": str,
    "aggressor": bool,
    "long_qty": _DEC,
    "short_qty": _DEC,
    "time": _DT,
}
_COLLATERAL_FIELDS: dict[str, Any] = {"exec_id": str, "amount": _DEC, "type": CollateralAmountType}
_PENDING_FIELDS: dict[str, Any] = {
    "kind": str,
    "cl_ord_id": str,
    "orig_cl_ord_id": str,
    "order_qty": _DEC,
    "price": _DEC,
    "acked": bool,
    "sent_at": _DT,
}
_TRANSITION_FIELDS: dict[str, Any] = {
    "exec_id": str,
    "exec_type": ExecType,
    "ord_status": OrdStatus,
    "time": _DT,
    "note": str,
}
