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
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, overload

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
_ZERO = Decimal(0)
PendingKind = Literal["new", "cancel", "replace"]


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
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and exp > -2:
        return value.quantize(_QTY)
    return value


def _px(value: Decimal, use_dollars: bool) -> Decimal:
    """A limit/trade price this session can carry.

    A cents session cannot express a subpenny price (fix__subpenny-pricing.md), yet it can see
    one: a subpenny maker's price prints as LastPx.  It gets the nearest cent (half-even); log on
    with UseDollars (21005=Y) to see the exact price.
    """
    if use_dollars:
        return value.quantize(_DOLLAR_PX, rounding=ROUND_HALF_EVEN)  # 0.7000, as the docs show
    return value.quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _avg_px(value: Decimal, use_dollars: bool) -> Decimal:
    """AvgPx: dollars carry at most 4 decimals; cents may be fractional (see messages.prices)."""
    if use_dollars:
        return value.quantize(_DOLLAR_PX, rounding=ROUND_HALF_EVEN)
    return value


def _parties(state: OrderState) -> list[Party]:
    if state.party_id is None:
        return []
    return [Party(party_id=state.party_id, party_role=enums.PartyRole.CUSTOMER_ACCOUNT)]


def _alloc(state: OrderState) -> int | None:
    """AllocAccount (79): "Present if order was placed for a subaccount"."""
    return state.subaccount or None


def _base(
    state: OrderState,
    *,
    exec_id: str,
    exec_type: enums.ExecType,
    ord_status: enums.OrdStatus,
    transact_time: datetime,
    flags: ReportFlags,
    cum_qty: Decimal | None = None,
    leaves_qty: Decimal | None = None,
    order_qty: Decimal | None = None,
) -> ExecutionReport:
    cum = state.cum_qty if cum_qty is None else cum_qty
    leaves = state.leaves_qty if leaves_qty is None else leaves_qty
    if order_qty is None:
        order_qty = state.order_qty if flags.preserve_order_qty else cum + leaves
    return ExecutionReport(
        avg_px=_avg_px(state.avg_px, flags.use_dollars),
        cl_ord_id=state.cl_ord_id,
        cum_qty=qty(cum),
        exec_id=exec_id,
        order_id=state.order_id,
        order_qty=qty(order_qty),
        ord_status=ord_status,
        side=enums.Side(str(state.side)),
        symbol=state.symbol,
        exec_type=exec_type,
        leaves_qty=qty(leaves),
        price=_px(state.price, flags.use_dollars),
        transact_time=transact_time,
        expire_time=state.expire_time,
        party_ids=_parties(state),
        alloc_account=_alloc(state),
    )


def execution_report(event: ExecutionEvent, flags: ReportFlags) -> ExecutionReport:
    """One execution event as one ExecutionReport (no batch context: see
    :func:`render_execution_events` for New folding and IOC cancel suppression)."""
    state = event.order
    exec_id = str(event.exec_id)
    when = event.transact_time
    if isinstance(event, OrderAccepted):
        return _base(
            state,
            exec_id=exec_id,
            exec_type=enums.ExecType.NEW,
            ord_status=enums.OrdStatus(state.status.value),
            transact_time=when,
            flags=flags,
        )
    if isinstance(event, Fill):
        er = _base(
            state,
            exec_id=exec_id,
            exec_type=enums.ExecType.TRADE,
            ord_status=enums.OrdStatus(state.status.value),
            transact_time=when,
            flags=flags,
        )
        return replace(
            er,
            last_px=_px(event.last_px, flags.use_dollars),
            last_qty=qty(event.last_qty),
            long_qty=qty(event.long_qty),
            short_qty=qty(event.short_qty),
            misc_fees=[
                MiscFee(
                    misc_fee_amt=event.fee_amount,
                    misc_fee_curr="USD",
                    misc_fee_type=enums.MiscFeeType.EXCHANGE_FEES,
                    misc_fee_basis=enums.MiscFeeBasis.ABSOLUTE,
                )
            ],
            trd_match_id=event.trd_match_id,
            aggressor_indicator=event.aggressor,
            collateral_amount_changes=[
                CollateralAmountChange(
                    collateral_amount_change=c.amount,
                    collateral_amount_type=enums.CollateralAmountType(c.type),
                )
                for c in event.collateral_changes
            ],
        )
    if isinstance(event, OrderCanceled | OrderExpired):
        expired = isinstance(event, OrderExpired) and flags.use_expired
        code = "C" if expired else "4"
        er = _base(
            state,
            exec_id=exec_id,
            exec_type=enums.ExecType(code),
            ord_status=enums.OrdStatus(code),
            transact_time=when,
            flags=flags,
        )
        return replace(er, text=event.text, orig_cl_ord_id=state.orig_cl_ord_id)
    if isinstance(event, OrderReplaced):
        er = _base(
            state,
            exec_id=exec_id,
            exec_type=enums.ExecType.REPLACED,
            ord_status=enums.OrdStatus(state.status.value),
            transact_time=when,
            flags=flags,
        )
        return replace(er, orig_cl_ord_id=state.orig_cl_ord_id)
    if isinstance(event, OrderRejectedEvent):
        er = _base(
            state,
            exec_id=exec_id,
            exec_type=enums.ExecType.REJECTED,
            ord_status=enums.OrdStatus.REJECTED,
            transact_time=when,
            flags=flags,
            cum_qty=_ZERO,
            leaves_qty=_ZERO,
            order_qty=state.order_qty,
        )
        return replace(
            er, text=event.text, ord_rej_reason=enums.OrdRejReason(int(event.ord_rej_reason))
        )
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
    traded = {e.order.order_id for e in events if isinstance(e, Fill)}
    hidden_ioc = (
        set()
        if flags.ioc_cancel_report
        else {e.order.order_id for e in events if _is_ioc_remainder_cancel(e)}
    )
    last_fill: dict[str, int] = {}
    for i, e in enumerate(events):
        if isinstance(e, Fill) and e.order.order_id in hidden_ioc:
            last_fill[e.order.order_id] = i
    out: list[ExecutionReport | None] = []
    for i, e in enumerate(events):
        oid = e.order.order_id
        if isinstance(e, OrderAccepted) and oid in traded and not flags.new_before_trade:
            out.append(None)  # folded into the first Trade report
            continue
        if oid in hidden_ioc and _is_ioc_remainder_cancel(e):
            out.append(None)
            continue
        er = execution_report(e, flags)
        if last_fill.get(oid) == i:
            # The unreported cancel still ends the order: its last Trade says so.
            cum = e.order.cum_qty
            er = replace(
                er,
                ord_status=enums.OrdStatus.CANCELED,
                leaves_qty=qty(_ZERO),
                order_qty=qty(e.order.order_qty if flags.preserve_order_qty else cum),
            )
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
    code = {"new": "A", "cancel": "6", "replace": "E"}[kind]
    if kind == "new":
        er = _base(
            state,
            exec_id=PENDING_EXEC_ID,
            exec_type=enums.ExecType(code),
            ord_status=enums.OrdStatus(code),
            transact_time=transact_time,
            flags=flags,
            cum_qty=_ZERO,
            leaves_qty=state.order_qty,
            order_qty=state.order_qty,
        )
        return replace(er, cl_ord_id=cl_ord_id, avg_px=_avg_px(_ZERO, flags.use_dollars))
    er = _base(
        state,
        exec_id=PENDING_EXEC_ID,
        exec_type=enums.ExecType(code),
        ord_status=enums.OrdStatus(code),
        transact_time=transact_time,
        flags=flags,
    )
    return replace(er, cl_ord_id=cl_ord_id, orig_cl_ord_id=orig_cl_ord_id or state.cl_ord_id)


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
