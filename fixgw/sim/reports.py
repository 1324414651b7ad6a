"""Engine events -> the FIX messages one session receives, under that session's Logon flags.

Pure functions: no sessions, no I/O.  ``exchange_app`` decides *who* gets an event; this module
decides *what it looks like* for them.  Prices stay Decimal dollars here (the session encodes
them in cents or dollars); quantities get at least two decimals (changelog 1.0.18: ``14=10.00``).

Flag semantics (fix__authentication.md, fix__order-entry.md, fix__changelog.md), per session:

* 21011 SkipPendingExecReports -- without it, a PENDING_NEW / PENDING_CANCEL / PENDING_REPLACE
  report with ExecID ``-1;-1`` precedes the outcome of each request (only on the session that sent
  the request; listeners must log on with 21011=Y anyway).
* 21012 UseExpiredOrdStatus -- expiry-style system cancels (CLOSE_CANCEL, ORDER_EXPIRY_CANCEL)
  are 150=4/39=4 by default and 150=C/39=C with the flag.
* 21007 EnableIocCancelReport (default N) -- without it, the cancel of a *partially filled*
  IOC's remainder is not reported; so that the order still ends, the last Trade report of that
  IOC carries the terminal OrdStatus Canceled(4) and LeavesQty 0.  An IOC that did not fill at
  all always gets its cancel report (it is not "partially filled").
* 21008 PreserveOriginalOrderQty -- with it OrderQty (38) is the order's total quantity (as
  placed, or as last replaced) in every state; without it OrderQty = CumQty + LeavesQty, the
  identity the Order Entry page states, so a canceled or expired order reports OrderQty = CumQty.
  Rejected reports echo the requested quantity either way (the order never had a state).
* 21026 AlwaysEmitNewBeforeTrade -- without it, an order that trades in the same matching cycle
  in which it was accepted gets no separate New: its first Trade report stands for the ack.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, overload

from ..hotpath import blank_factory
from ..messages import (
    BusinessMessageReject,
    CollateralAmountChange,
    ExecutionReport,
    MiscFee,
    OrderCancelReject,
    OrderGroupResponse,
    OrderMassCancelReport,
    Party,
    enums,
)
from ..session import LogonFlags
from .exchange.events import (
    CancelRejected,
    ExecutionEvent,
    Fill,
    MassCancelReport,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderGroupRejected,
    OrderReplaced,
)
from .exchange.events import OrderGroupResponse as GroupResponseEvent
from .exchange.events import OrderRejected as OrderRejectedEvent
from .exchange.ids import PENDING_EXEC_ID
from .exchange.orders import OrderState, TimeInForce
from .exchange.reject_reasons import CancelReason

__all__ = [
    "PENDING_EXEC_ID",
    "ReportFlags",
    "business_reject",
    "cancel_reject",
    "execution_report",
    "group_reject",
    "group_response",
    "mass_cancel_report",
    "pending_report",
    "qty",
    "render_execution_events",
]

_QTY = Decimal("0.01")
_CENT = Decimal("0.01")
_DOLLAR_PX = Decimal("0.0001")
_UNIT = Decimal(1)
_ZERO = Decimal(0)
PendingKind = Literal["new", "cancel", "replace"]

# Engine values -> wire enum members, looked up rather than converted for every report
# (``enums.X(value)`` is a Python-level call); a miss falls back to the conversion, so an
# unknown value fails exactly as before.
_SIDES = {int(m.value): m for m in enums.Side}
_ORD_STATUS = {m.value: m for m in enums.OrdStatus}
_ORD_REJ = {m.value: m for m in enums.OrdRejReason}
_COLLATERAL_TYPES = {m.value: m for m in enums.CollateralAmountType}
_NEW = enums.ExecType.NEW
_TRADE = enums.ExecType.TRADE
_REPLACED = enums.ExecType.REPLACED
_REJECTED = enums.ExecType.REJECTED
_ST_REJECTED = enums.OrdStatus.REJECTED
_ST_CANCELED = enums.OrdStatus.CANCELED
_CANCEL_CODES = {  # (expired and 21012) -> (ExecType, OrdStatus)
    False: (enums.ExecType.CANCELED, enums.OrdStatus.CANCELED),
    True: (enums.ExecType.EXPIRED, enums.OrdStatus.EXPIRED),
}
_PENDING_CODES = {
    kind: (enums.ExecType(code), enums.OrdStatus(code))
    for kind, code in (("new", "A"), ("cancel", "6"), ("replace", "E"))
}
_FEE_TYPE = enums.MiscFeeType.EXCHANGE_FEES
_FEE_BASIS = enums.MiscFeeBasis.ABSOLUTE
_CUSTOMER_ACCOUNT = enums.PartyRole.CUSTOMER_ACCOUNT


@dataclass(frozen=True)
class ReportFlags:
    """The Logon flags that change what a session's ExecutionReports look like."""

    skip_pending: bool = False  # 21011
    use_expired: bool = False  # 21012
    ioc_cancel_report: bool = False  # 21007
    preserve_order_qty: bool = False  # 21008
    new_before_trade: bool = False  # 21026
    use_dollars: bool = False  # 21005

    @classmethod
    def from_logon(cls, flags: LogonFlags) -> ReportFlags:
        return cls(
            skip_pending=bool(flags.skip_pending_exec_reports),
            use_expired=bool(flags.use_expired_ord_status),
            ioc_cancel_report=bool(flags.enable_ioc_cancel_report),
            preserve_order_qty=bool(flags.preserve_original_order_qty),
            new_before_trade=bool(flags.always_emit_new_before_trade),
            use_dollars=bool(flags.use_dollars),
        )


def qty(value: Decimal) -> Decimal:
    """A quantity with at least two decimals (``10`` -> ``10.00``; ``0.125`` stays)."""
    # same_quantum answers the two usual exponents (-2, 0) without as_tuple's digit tuple.
    if value.same_quantum(_QTY):
        return value
    if value.same_quantum(_UNIT):
        return value.quantize(_QTY)
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and exp > -2:
        return value.quantize(_QTY)
    return value


def _px(value: Decimal, use_dollars: bool) -> Decimal:
    """A limit/trade price this session can carry.

    A cents session cannot express a subpenny price (fix__subpenny-pricing.md), yet it can see
    one: a subpenny maker's price prints as LastPx.  It gets the nearest cent (half-even); log on
    with UseDollars (21005=Y) to see the exact price.  (A value already at the exponent is
    returned as is: quantizing it would give an equal value with the same exponent.)
    """
    quantum = _DOLLAR_PX if use_dollars else _CENT  # 0.7000, as the docs show
    if value.same_quantum(quantum):
        return value
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def _avg_px(value: Decimal, use_dollars: bool) -> Decimal:
    """AvgPx: dollars carry at most 4 decimals; cents may be fractional (see messages.prices)."""
    if use_dollars and not value.same_quantum(_DOLLAR_PX):
        return value.quantize(_DOLLAR_PX, rounding=ROUND_HALF_EVEN)
    return value


def _collateral_type(value: str) -> enums.CollateralAmountType:
    member = _COLLATERAL_TYPES.get(value)
    return member if member is not None else enums.CollateralAmountType(value)


def _ord_rej_reason(value: int) -> enums.OrdRejReason:
    member = _ORD_REJ.get(value)
    return member if member is not None else enums.OrdRejReason(value)


def _ord_status(state: OrderState) -> enums.OrdStatus:
    value = state.status._value_
    member = _ORD_STATUS.get(value)
    return member if member is not None else enums.OrdStatus(value)


_blank_report = blank_factory(ExecutionReport)
"""A report with the optional fields at their defaults, for :func:`_base` to fill (its
``__init__`` binds 29 keyword arguments: a third of the cost of a report)."""
_blank_fee = blank_factory(MiscFee)
_blank_collateral = blank_factory(CollateralAmountChange)


def _base(
    state: OrderState,
    exec_id: str,
    exec_type: enums.ExecType,
    ord_status: enums.OrdStatus,
    transact_time: datetime,
    flags: ReportFlags,
    cum_qty: Decimal | None = None,
    leaves_qty: Decimal | None = None,
    order_qty: Decimal | None = None,
) -> ExecutionReport:
    """The fields every ExecutionReport has (positional: called for every report)."""
    cum = state.cum_qty if cum_qty is None else cum_qty
    leaves = state.leaves_qty if leaves_qty is None else leaves_qty
    if order_qty is None:
        order_qty = state.order_qty if flags.preserve_order_qty else cum + leaves
    # _avg_px() and _px() inline; fields computed in the order __init__ took them
    quantum = _DOLLAR_PX if flags.use_dollars else _CENT
    avg_px = state.avg_px
    if quantum is _DOLLAR_PX and not avg_px.same_quantum(_DOLLAR_PX):
        avg_px = avg_px.quantize(_DOLLAR_PX, rounding=ROUND_HALF_EVEN)
    owner = state.owner
    er = _blank_report()
    er.avg_px = avg_px
    er.cl_ord_id = state.cl_ord_id
    er.cum_qty = qty(cum)
    er.exec_id = exec_id
    er.order_id = state.order_id
    er.order_qty = qty(order_qty)
    er.ord_status = ord_status
    side = state.side
    member = _SIDES.get(side) if type(side) is int else None
    er.side = member if member is not None else enums.Side(str(side))
    er.symbol = state.symbol
    er.exec_type = exec_type
    er.leaves_qty = qty(leaves)
    price = state.price
    er.price = (
        price if price.same_quantum(quantum) else price.quantize(quantum, rounding=ROUND_HALF_EVEN)
    )
    er.transact_time = transact_time
    er.expire_time = state.expire_time
    if owner.party_id is not None:  # else the blank's empty list
        er.party_ids = [Party(party_id=owner.party_id, party_role=_CUSTOMER_ACCOUNT)]
    # AllocAccount (79): "Present if order was placed for a subaccount"
    er.alloc_account = owner.subaccount or None
    return er


def execution_report(event: ExecutionEvent, flags: ReportFlags) -> ExecutionReport:
    """One execution event as one ExecutionReport (no batch context: see
    :func:`render_execution_events` for New folding and IOC cancel suppression).

    The report is built fresh here, so the fields an event type adds are set on it directly."""
    state = event.order
    exec_id = str(event.exec_id)
    when = event.transact_time
    if isinstance(event, OrderAccepted):
        return _base(state, exec_id, _NEW, _ord_status(state), when, flags)
    if isinstance(event, Fill):
        er = _base(state, exec_id, _TRADE, _ord_status(state), when, flags)
        er.last_px = _px(event.last_px, flags.use_dollars)
        er.last_qty = qty(event.last_qty)
        er.long_qty = qty(event.long_qty)
        er.short_qty = qty(event.short_qty)
        fee = _blank_fee()  # MiscFee(...) with its four fields
        fee.misc_fee_amt = event.fee.net_fee
        fee.misc_fee_curr = "USD"
        fee.misc_fee_type = _FEE_TYPE
        fee.misc_fee_basis = _FEE_BASIS
        er.misc_fees = [fee]
        er.trd_match_id = event.trd_match_id
        er.aggressor_indicator = event.aggressor
        changes = er.collateral_amount_changes  # the blank's empty list
        for c in event.collateral_changes:
            change = _blank_collateral()
            change.collateral_amount_change = c.amount
            change.collateral_amount_type = _collateral_type(c.type)
            changes.append(change)
        return er
    if isinstance(event, OrderCanceled | OrderExpired):
        exec_type, ord_status = _CANCEL_CODES[
            bool(isinstance(event, OrderExpired) and flags.use_expired)
        ]
        er = _base(state, exec_id, exec_type, ord_status, when, flags)
        er.text = event.text
        er.orig_cl_ord_id = state.orig_cl_ord_id
        return er
    if isinstance(event, OrderReplaced):
        er = _base(state, exec_id, _REPLACED, _ord_status(state), when, flags)
        er.orig_cl_ord_id = state.orig_cl_ord_id
        return er
    if isinstance(event, OrderRejectedEvent):
        er = _base(
            state, exec_id, _REJECTED, _ST_REJECTED, when, flags, _ZERO, _ZERO, state.order_qty
        )
        er.text = event.text
        er.ord_rej_reason = _ord_rej_reason(int(event.ord_rej_reason))
        return er
    raise TypeError(f"no ExecutionReport for {type(event).__name__}")


def _is_ioc_remainder_cancel(event: ExecutionEvent) -> bool:
    """The cancel of a partially filled IOC's remainder (a past-dated GTD is treated as IOC)."""
    return (
        isinstance(event, OrderCanceled)
        and event.reason is CancelReason.IMMEDIATE_OR_CANCELLED
        and event.order.cum_qty > 0
        and event.order.time_in_force in (TimeInForce.IOC, TimeInForce.GTD)
    )


@overload
def render_execution_events(
    events: Sequence[ExecutionEvent], flags: ReportFlags, *, aligned: Literal[False] = False
) -> list[ExecutionReport]: ...


@overload
def render_execution_events(
    events: Sequence[ExecutionEvent], flags: ReportFlags, *, aligned: Literal[True]
) -> list[ExecutionReport | None]: ...


def render_execution_events(
    events: Sequence[ExecutionEvent], flags: ReportFlags, *, aligned: bool = False
) -> list[ExecutionReport] | list[ExecutionReport | None]:
    """The ExecutionReports one session gets for the execution events of one matching cycle
    (one engine call), in order, with 21026 / 21007 applied.  ``aligned``: one entry per event,
    None where the event is not reported."""
    if len(events) == 1:  # nothing to fold into or hide behind (the usual resting order)
        e = events[0]
        if (
            not flags.ioc_cancel_report
            and isinstance(e, OrderCanceled)
            and _is_ioc_remainder_cancel(e)
        ):
            if aligned:
                unreported: list[ExecutionReport | None] = [None]
                return unreported
            return []
        return [execution_report(e, flags)]
    traded: set[str] = set()
    hidden_ioc: set[str] = set()
    find_hidden = not flags.ioc_cancel_report
    for e in events:
        if isinstance(e, Fill):
            traded.add(e.order.order_id)
        elif find_hidden and _is_ioc_remainder_cancel(e):
            hidden_ioc.add(e.order.order_id)
    last_fill: dict[str, int] = {}
    if hidden_ioc:
        for i, e in enumerate(events):
            if isinstance(e, Fill) and e.order.order_id in hidden_ioc:
                last_fill[e.order.order_id] = i
    fold_new = bool(traded) and not flags.new_before_trade
    out: list[ExecutionReport | None] = []
    for i, e in enumerate(events):
        oid = e.order.order_id
        if fold_new and oid in traded and isinstance(e, OrderAccepted):
            out.append(None)  # folded into the first Trade report
            continue
        if oid in hidden_ioc and _is_ioc_remainder_cancel(e):
            out.append(None)
            continue
        er = execution_report(e, flags)
        if last_fill and last_fill.get(oid) == i:
            # The unreported cancel still ends the order: its last Trade says so.
            cum = e.order.cum_qty
            er.ord_status = _ST_CANCELED
            er.leaves_qty = qty(_ZERO)
            er.order_qty = qty(e.order.order_qty if flags.preserve_order_qty else cum)
        out.append(er)
    if aligned:
        return out
    return [er for er in out if er is not None]


def pending_report(
    kind: PendingKind,
    state: OrderState,
    *,
    cl_ord_id: str,
    transact_time: datetime,
    flags: ReportFlags,
    orig_cl_ord_id: str | None = None,
) -> ExecutionReport:
    """PENDING_NEW / PENDING_CANCEL / PENDING_REPLACE (ExecID ``-1;-1``), sent before the
    outcome unless the session logged on with SkipPendingExecReports (21011=Y).

    ``state`` is the order as it was before the request (for PENDING_NEW: as requested)."""
    exec_type, ord_status = _PENDING_CODES[kind]
    if kind == "new":
        er = _base(
            state,
            PENDING_EXEC_ID,
            exec_type,
            ord_status,
            transact_time,
            flags,
            _ZERO,
            state.order_qty,
            state.order_qty,
        )
        er.cl_ord_id = cl_ord_id
        er.avg_px = _avg_px(_ZERO, flags.use_dollars)
        return er
    er = _base(state, PENDING_EXEC_ID, exec_type, ord_status, transact_time, flags)
    er.cl_ord_id = cl_ord_id
    er.orig_cl_ord_id = orig_cl_ord_id or state.cl_ord_id
    return er


def cancel_reject(event: CancelRejected) -> OrderCancelReject:
    """OrderCancelReject (35=9).  An unknown order gets OrderID "NONE" and OrdStatus Rejected(8),
    as FIX prescribes for CxlRejReason Unknown order."""
    status = (
        enums.OrdStatus(event.ord_status.value) if event.ord_status else enums.OrdStatus.REJECTED
    )
    return OrderCancelReject(
        order_id=event.order_id or "NONE",
        cl_ord_id=event.cl_ord_id,
        ord_status=status,
        cxl_rej_response_to=(
            enums.CxlRejResponseTo.ORDER_CANCEL_REQUEST
            if event.response_to == "cancel"
            else enums.CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST
        ),
        orig_cl_ord_id=event.orig_cl_ord_id,
        text=event.text,
        cxl_rej_reason=enums.CxlRejReason(int(event.cxl_rej_reason)),
    )


MASS_CANCEL_REJECT_OTHER = 99
"""MassCancelRejectReason (532) 99=Other: the docs name no values; the cause (EXCHANGE_PAUSED,
EXCHANGE_UNAVAILABLE) cannot travel because 35=r has no Text."""


def mass_cancel_report(event: MassCancelReport, cl_ord_id: str) -> OrderMassCancelReport:
    rejected = event.reject_text is not None
    return OrderMassCancelReport(
        order_id=event.operation_id,
        cl_ord_id=cl_ord_id,
        mass_cancel_response=(
            enums.MassCancelResponse.REJECTED if rejected else enums.MassCancelResponse.SUCCESS
        ),
        mass_cancel_reject_reason=MASS_CANCEL_REJECT_OTHER if rejected else None,
    )


def group_response(event: GroupResponseEvent) -> OrderGroupResponse:
    """UOH: AllocAccount always echoed (changelog 1.0.24: 79=0 for the primary account);
    the limit only on Create and Update (changelog 1.0.21)."""
    limit = event.contracts_limit
    return OrderGroupResponse(
        order_group_id=event.group_id,
        order_group_contracts_limit=None if limit is None else int(limit),
        alloc_account=event.subaccount,
    )


def business_reject(
    ref_seq_num: int,
    ref_msg_type: str,
    reason: enums.BusinessRejectReason,
    text: str,
    *,
    ref_tag: int | None = None,
    ref_id: str | None = None,
) -> BusinessMessageReject:
    return BusinessMessageReject(
        ref_seq_num=ref_seq_num,
        business_reject_reason=reason,
        text=text,
        ref_tag_id=ref_tag,
        ref_msg_type=ref_msg_type,
        business_reject_ref_id=ref_id,
    )


def group_reject(event: OrderGroupRejected, ref_seq_num: int) -> BusinessMessageReject:
    """An order-group failure as BusinessMessageReject (fix__order-groups.md)."""
    return business_reject(
        ref_seq_num,
        "UOG",
        enums.BusinessRejectReason(int(event.business_reject_reason)),
        event.text,
        ref_tag=20130 if event.group_id is not None else None,
        ref_id=event.group_id,
    )


def execution_events(events: Iterable[object]) -> list[ExecutionEvent]:
    return [e for e in events if isinstance(e, ExecutionEvent)]
