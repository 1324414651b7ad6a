"""OrderTracker: every transition, the Logon-flag combinations, replace chains, dedupe,
cancel-reject revert, fees/position, unknown orders, snapshots."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from fixgw.app.errors import CancelRejected, DuplicateClOrdID
from fixgw.app.orders import (
    OrderState,
    OrderTracker,
    OrderUpdate,
    exec_id_key,
)
from fixgw.messages import (
    CollateralAmountChange,
    ExecutionReport,
    MiscFee,
    NewOrderSingle,
    OrderCancelReject,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    Party,
    decode,
    enums,
)
from fixgw.session.clock import FakeClock
from fixgw.session.profiles import LogonFlags

ET = enums.ExecType
OS = enums.OrdStatus
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


# ---- builders ---------------------------------------------------------------------------------


def nos(cl: str = "a", qty: str = "10", price: str = "0.50", tif: enums.TimeInForce | None = None, **kw: Any) -> NewOrderSingle:
    return NewOrderSingle(
        cl_ord_id=cl,
        order_qty=D(qty),
        ord_type=enums.OrdType.LIMIT,
        price=D(price),
        side=enums.Side.BUY,
        symbol="HIGHNY-23DEC31",
        time_in_force=tif,
        **kw,
    )


def cxl(cl: str, orig: str, order_id: str | None = "O1") -> OrderCancelRequest:
    return OrderCancelRequest(cl_ord_id=cl, orig_cl_ord_id=orig, side=enums.Side.BUY, symbol="HIGHNY-23DEC31", order_id=order_id)


def rpl(cl: str, orig: str, qty: str, price: str | None = None) -> OrderCancelReplaceRequest:
    return OrderCancelReplaceRequest(
        cl_ord_id=cl,
        orig_cl_ord_id=orig,
        order_qty=D(qty),
        ord_type=enums.OrdType.LIMIT,
        price=D(price) if price else None,
        side=enums.Side.BUY,
        symbol="HIGHNY-23DEC31",
        order_id="O1",
    )


def er(
    cl: str,
    exec_id: str,
    exec_type: ET,
    status: OS,
    *,
    cum: str = "0",
    leaves: str = "10",
    qty: str | None = None,
    avg: str = "0",
    order_id: str = "O1",
    price: str | None = "0.50",
    orig: str | None = None,
    last_px: str | None = None,
    last_qty: str | None = None,
    fee: str | None = None,
    text: str | None = None,
    rej: enums.OrdRejReason | None = None,
    **kw: Any,
) -> ExecutionReport:
    misc = []
    if fee is not None:
        misc = [MiscFee(misc_fee_amt=D(fee), misc_fee_curr="USD", misc_fee_type=enums.MiscFeeType.EXCHANGE_FEES)]
    return ExecutionReport(
        avg_px=D(avg),
        cl_ord_id=cl,
        cum_qty=D(cum),
        exec_id=exec_id,
        order_id=order_id,
        order_qty=D(qty) if qty is not None else D(cum) + D(leaves),
        ord_status=status,
        side=enums.Side.BUY,
        symbol="HIGHNY-23DEC31",
        exec_type=exec_type,
        leaves_qty=D(leaves),
        price=D(price) if price else None,
        orig_cl_ord_id=orig,
        last_px=D(last_px) if last_px else None,
        last_qty=D(last_qty) if last_qty else None,
        misc_fees=misc,
        text=text,
        ord_rej_reason=rej,
        **kw,
    )


def ocr(cl: str, orig: str, text: str, reason: enums.CxlRejReason, *, replace: bool = False, status: OS = OS.NEW) -> OrderCancelReject:
    return OrderCancelReject(
        order_id="O1",
        cl_ord_id=cl,
        orig_cl_ord_id=orig,
        ord_status=status,
        cxl_rej_response_to=enums.CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST
        if replace
        else enums.CxlRejResponseTo.ORDER_CANCEL_REQUEST,
        text=text,
        cxl_rej_reason=reason,
    )


def accepted(t: OrderTracker, cl: str = "a", exec_id: str = "1;1", **kw: Any) -> OrderState:
    t.on_new_order_sent(nos(cl, **kw))
    t.on_execution_report(er(cl, exec_id, ET.NEW, OS.NEW))
    order = t.find(cl)
    assert order is not None
    return order


# ---- basic transitions ------------------------------------------------------------------------


def test_new_order_is_pending_new_locally_until_acknowledged() -> None:
    t = OrderTracker()
    order = t.on_new_order_sent(nos("a", tif=enums.TimeInForce.GTC, secondary_cl_ord_id="grp-1", alloc_account=3))
    assert order.status is OS.PENDING_NEW and order.is_open
    assert order.order_id is None
    assert order.leaves_qty == D(10) and order.order_qty == D(10) and order.original_qty == D(10)
    assert order.order_group_id == "grp-1" and order.alloc_account == 3
    assert order.time_in_force is enums.TimeInForce.GTC
    assert t.open_orders() == [order]

    up = t.on_execution_report(er("a", "-1;-1", ET.PENDING_NEW, OS.PENDING_NEW))
    assert up is not None and up.prev_status is OS.PENDING_NEW and up.status is OS.PENDING_NEW
    assert order.order_id == "O1"

    up = t.on_execution_report(er("a", "1;1", ET.NEW, OS.NEW))
    assert up is not None and up.prev_status is OS.PENDING_NEW and up.status is OS.NEW
    assert up.changed_status and not up.closed and up.fill is None
    assert [h.ord_status for h in order.history if h.exec_id] == [OS.PENDING_NEW, OS.NEW]
    assert t.find_by_order_id("O1") is order


def test_fills_accumulate_fees_collateral_and_position() -> None:
    t = OrderTracker()
    order = accepted(t)
    r1 = er(
        "a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6", avg="0.50", last_px="0.50", last_qty="4",
        fee="0.07", trd_match_id="T1", aggressor_indicator=False, long_qty=D(4), short_qty=D(0),
        collateral_amount_changes=[
            CollateralAmountChange(collateral_amount_change=D("-2.07"), collateral_amount_type=enums.CollateralAmountType.BALANCE)
        ],
    )
    up = t.on_execution_report(r1)
    assert up is not None and up.status is OS.PARTIALLY_FILLED and up.fill is not None
    assert up.fill.last_qty == D(4) and up.fill.fee == D("0.07") and up.fill.trd_match_id == "T1"
    assert (order.cum_qty, order.leaves_qty, order.avg_px) == (D(4), D(6), D("0.50"))
    assert order.last_px == D("0.50") and order.last_qty == D(4) and order.aggressor is False
    assert order.long_qty == D(4) and order.short_qty == D(0)
    assert order.collateral_changes[0].amount == D("-2.07")
    assert order.collateral_changes[0].type is enums.CollateralAmountType.BALANCE
    assert up.warnings == []

    r2 = er(
        "a", "1;3", ET.TRADE, OS.FILLED, cum="10", leaves="0", avg="0.506", last_px="0.51", last_qty="6",
        fee="0.11", trd_match_id="T2", aggressor_indicator=True, long_qty=D(10), short_qty=D(0),
    )
    up = t.on_execution_report(r2)
    assert up is not None and up.status is OS.FILLED and up.closed
    assert not order.is_open and t.open_orders() == []
    assert order.total_fees == D("0.18")
    assert [f.exec_id for f in order.fills] == ["1;2", "1;3"]
    assert order.computed_avg_px == D("0.506")
    assert order.avg_px == D("0.506") and order.long_qty == D(10)
    assert order.trd_match_id == "T2" and order.aggressor is True


def test_avg_px_mismatch_warns_but_keeps_report_value() -> None:
    t = OrderTracker()
    order = accepted(t)
    up = t.on_execution_report(
        er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6", avg="0.60", last_px="0.50", last_qty="4")
    )
    assert up is not None and any("AvgPx(6)=0.60" in w for w in up.warnings)
    assert order.avg_px == D("0.60") and order.computed_avg_px == D("0.50")


def test_avg_px_rounded_to_whole_cents_is_not_a_mismatch() -> None:
    t = OrderTracker()
    accepted(t)
    t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="1", leaves="9", avg="0.50", last_px="0.50", last_qty="1"))
    up = t.on_execution_report(
        er("a", "1;3", ET.TRADE, OS.PARTIALLY_FILLED, cum="3", leaves="7", avg="0.51", last_px="0.51", last_qty="2")
    )
    assert up is not None and up.warnings == []  # 0.50666.. vs 0.51


def test_missing_fill_is_reported_as_warning() -> None:
    t = OrderTracker()
    order = accepted(t)
    up = t.on_execution_report(
        er("a", "1;5", ET.TRADE, OS.PARTIALLY_FILLED, cum="7", leaves="3", avg="0.5", last_px="0.50", last_qty="3")
    )
    assert up is not None and any("fill report may be missing" in w for w in up.warnings)
    assert order.cum_qty == D(7) and order.leaves_qty == D(3)


def test_trade_without_last_qty_uses_cumqty_change() -> None:
    t = OrderTracker()
    order = accepted(t)
    up = t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6", avg="0.5", last_px="0.50"))
    assert up is not None and up.fill is not None and up.fill.last_qty == D(4)
    assert order.last_qty == D(4)


def test_trade_folded_into_ack_moves_pending_new_straight_to_filled() -> None:
    """21026 not set: no New<0> before the first Trade."""
    t = OrderTracker()
    order = t.on_new_order_sent(nos("a"))
    up = t.on_execution_report(
        er("a", "1;1", ET.TRADE, OS.PARTIALLY_FILLED, cum="3", leaves="7", avg="0.5", last_px="0.50", last_qty="3", order_id="OX")
    )
    assert up is not None and up.prev_status is OS.PENDING_NEW and up.status is OS.PARTIALLY_FILLED
    assert order.order_id == "OX" and t.find_by_order_id("OX") is order
    up = t.on_execution_report(
        er("a", "1;2", ET.TRADE, OS.FILLED, cum="10", leaves="0", avg="0.5", last_px="0.50", last_qty="7", order_id="OX")
    )
    assert up is not None and up.status is OS.FILLED


def test_order_rejected_closes_with_reason_and_text() -> None:
    t = OrderTracker()
    order = t.on_new_order_sent(nos("a"))
    up = t.on_execution_report(
        er("a", "1;1", ET.REJECTED, OS.REJECTED, leaves="0", text="INSUFFICIENT_BALANCE", rej=enums.OrdRejReason.ORDER_EXCEEDS_LIMIT)
    )
    assert up is not None and up.status is OS.REJECTED and up.closed
    assert order.ord_rej_reason is enums.OrdRejReason.ORDER_EXCEEDS_LIMIT
    assert order.text == "INSUFFICIENT_BALANCE" and order.leaves_qty == 0 and not order.is_open


@pytest.mark.parametrize(
    ("exec_type", "status"),
    [(ET.CANCELED, OS.CANCELED), (ET.EXPIRED, OS.EXPIRED)],
    ids=["canceled-4 (21012=N)", "expired-C (21012=Y)"],
)
def test_expiry_style_cancel_closes_either_way(exec_type: ET, status: OS) -> None:
    t = OrderTracker()
    order = accepted(t, tif=enums.TimeInForce.DAY)
    t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="2", leaves="8", avg="0.5", last_px="0.50", last_qty="2"))
    up = t.on_execution_report(er("a", "1;3", exec_type, status, cum="2", leaves="0", avg="0.5", qty="2"))
    assert up is not None and up.status is status and up.closed
    assert order.leaves_qty == 0 and order.cum_qty == D(2)
    assert order.order_qty == D(10), "OrderQty(38)=CumQty on the cancel (21008=N) must not shrink the order"
    assert order.reported_order_qty == D(2)
    assert order.cl_ord_id == "a" and order.inferred_close is None


def test_open_status_with_zero_leaves_is_closed() -> None:
    t = OrderTracker()
    order = accepted(t)
    up = t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="0", avg="0.5", last_px="0.50", last_qty="4"))
    assert up is not None and up.status is OS.CANCELED and up.closed
    assert order.inferred_close is not None and "LeavesQty(151)=0" in order.inferred_close

    t2 = OrderTracker()
    order2 = accepted(t2)
    t2.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="10", leaves="0", avg="0.5", last_px="0.50", last_qty="10"))
    assert order2.status is OS.FILLED


def test_final_report_quoting_pending_status_derives_from_quantities() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_cancel_sent(cxl("c1", "a"))
    t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PENDING_CANCEL, cum="3", leaves="7", avg="0.5", last_px="0.50", last_qty="3"))
    assert order.base_status is OS.PARTIALLY_FILLED and order.status is OS.PENDING_CANCEL


# ---- cancel -----------------------------------------------------------------------------------


def test_cancel_pending_then_canceled() -> None:
    t = OrderTracker()
    order = accepted(t)
    assert t.on_cancel_sent(cxl("c1", "a")) is order
    assert order.status is OS.PENDING_CANCEL and t.find("c1") is order
    up = t.on_execution_report(er("c1", "-1;-1", ET.PENDING_CANCEL, OS.PENDING_CANCEL, orig="a"))
    assert up is not None and up.status is OS.PENDING_CANCEL and order.pending[0].acked
    up = t.on_execution_report(er("c1", "1;2", ET.CANCELED, OS.CANCELED, leaves="0", qty="0", orig="a"))
    assert up is not None and up.prev_status is OS.PENDING_CANCEL and up.status is OS.CANCELED and up.closed
    assert order.pending == [] and order.cl_ord_id == "c1" and order.cl_ord_id_chain == ["a", "c1"]
    assert t.find("a") is order and t.find("c1") is order


def test_cancel_reject_reverts_to_previous_status() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_cancel_sent(cxl("c1", "a"))
    t.on_execution_report(er("c1", "-1;-1", ET.PENDING_CANCEL, OS.PENDING_CANCEL, orig="a"))
    info = t.on_cancel_reject(ocr("c1", "a", "CANNOT_UPDATE_FILLED_ORDER", enums.CxlRejReason.BROKER))
    assert info.order is order and info.request is not None and info.request.cl_ord_id == "c1"
    assert (info.prev_status, info.status) == (OS.PENDING_CANCEL, OS.NEW)
    assert order.status is OS.NEW and order.pending == []
    assert isinstance(info.error, CancelRejected) and info.error.cl_ord_id == "c1"
    assert info.exchange_status is OS.NEW
    assert "CANNOT_UPDATE_FILLED_ORDER" in (order.history[-1].note or "")


def test_cancel_reject_revert_keeps_fills_that_arrived_meanwhile() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_cancel_sent(cxl("c1", "a"))
    up = t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6", avg="0.5", last_px="0.50", last_qty="4"))
    assert up is not None and up.status is OS.PENDING_CANCEL and order.base_status is OS.PARTIALLY_FILLED
    info = t.on_cancel_reject(ocr("c1", "a", "x", enums.CxlRejReason.OTHER, status=OS.PARTIALLY_FILLED))
    assert info.status is OS.PARTIALLY_FILLED and order.cum_qty == D(4)


def test_fill_completing_order_while_cancel_pending_then_reject() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_cancel_sent(cxl("c1", "a"))
    up = t.on_execution_report(er("a", "1;2", ET.TRADE, OS.FILLED, cum="10", leaves="0", avg="0.5", last_px="0.50", last_qty="10"))
    assert up is not None and up.status is OS.FILLED and order.pending == []
    info = t.on_cancel_reject(ocr("c1", "a", "CANNOT_UPDATE_FILLED_ORDER", enums.CxlRejReason.TOO_LATE_TO_CANCEL, status=OS.FILLED))
    assert info.order is order and info.request is None and order.status is OS.FILLED


def test_cancel_reject_for_unknown_order() -> None:
    info = OrderTracker().on_cancel_reject(ocr("zz", "yy", "", enums.CxlRejReason.UNKNOWN_ORDER))
    assert info.order is None and info.request is None and info.error.cxl_rej_reason is enums.CxlRejReason.UNKNOWN_ORDER


def test_cancel_for_unknown_order_returns_none() -> None:
    t = OrderTracker()
    assert t.on_cancel_sent(cxl("c1", "nope", order_id=None)) is None
    assert t.find("c1") is None


def test_cancel_found_by_order_id() -> None:
    t = OrderTracker()
    order = accepted(t)
    assert t.on_cancel_sent(cxl("c1", "unknown-cl", order_id="O1")) is order


def test_rejected_report_for_cancel_request_leaves_order_alone() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_cancel_sent(cxl("c1", "a"))
    up = t.on_execution_report(er("c1", "1;2", ET.REJECTED, OS.REJECTED, text="INVALID_ORDER"))
    assert up is not None and up.request_rejected is not None and up.request_rejected.kind == "cancel"
    assert order.status is OS.NEW and order.is_open


def test_cancel_both_pending_cancel_and_replace() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_replace_sent(rpl("b", "a", "12"))
    assert order.status is OS.PENDING_REPLACE
    t.on_cancel_sent(cxl("c", "a"))
    assert order.status is OS.PENDING_CANCEL
    t.on_cancel_reject(ocr("c", "a", "x", enums.CxlRejReason.OTHER))
    assert order.status is OS.PENDING_REPLACE
    t.on_execution_report(er("b", "1;2", ET.REPLACED, OS.NEW, leaves="12", orig="a"))
    assert order.status is OS.NEW and order.order_qty == D(12)


# ---- replace ----------------------------------------------------------------------------------


def test_replace_chain_all_ids_find_the_order() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="2", leaves="8", avg="0.5", last_px="0.50", last_qty="2"))
    assert t.on_replace_sent(rpl("b", "a", "15", "0.55")) is order
    assert order.status is OS.PENDING_REPLACE and t.find("b") is order
    t.on_execution_report(er("b", "-1;-1", ET.PENDING_REPLACE, OS.PENDING_REPLACE, cum="2", leaves="8", orig="a"))
    up = t.on_execution_report(er("b", "1;3", ET.REPLACED, OS.PARTIALLY_FILLED, cum="2", leaves="13", orig="a", price="0.55", avg="0.5"))
    assert up is not None and (up.prev_status, up.status) == (OS.PENDING_REPLACE, OS.PARTIALLY_FILLED)
    assert order.cl_ord_id == "b" and order.orig_cl_ord_id == "a" and order.cl_ord_id_chain == ["a", "b"]
    assert (order.order_qty, order.leaves_qty, order.price) == (D(15), D(13), D("0.55"))
    assert order.original_qty == D(10) and order.pending == []

    t.on_replace_sent(rpl("c", "b", "5", "0.45"))
    t.on_execution_report(er("c", "1;4", ET.REPLACED, OS.PARTIALLY_FILLED, cum="2", leaves="3", orig="b", price="0.45", avg="0.5"))
    assert order.cl_ord_id_chain == ["a", "b", "c"]
    assert t.find("a") is t.find("b") is t.find("c") is order
    assert (order.order_qty, order.leaves_qty, order.price) == (D(5), D(3), D("0.45"))
    t.on_cancel_sent(cxl("d", "c"))
    t.on_execution_report(er("d", "1;5", ET.CANCELED, OS.CANCELED, cum="2", leaves="0", orig="c", avg="0.5"))
    assert order.status is OS.CANCELED and order.cl_ord_id_chain == ["a", "b", "c", "d"]
    assert order.order_qty == D(5) and order.cum_qty == D(2)


def test_replace_with_preserved_original_qty_uses_leaves() -> None:
    """21008=Y: OrderQty(38) stays 10 after a replace to 20."""
    t = OrderTracker()
    order = accepted(t)
    t.on_replace_sent(rpl("b", "a", "20"))
    t.on_execution_report(er("b", "1;2", ET.REPLACED, OS.NEW, leaves="20", qty="10", orig="a"))
    assert order.order_qty == D(20) and order.leaves_qty == D(20) and order.reported_order_qty == D(10)


def test_replace_down_to_filled_qty_closes_as_canceled() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6", avg="0.5", last_px="0.50", last_qty="4"))
    t.on_replace_sent(rpl("b", "a", "4"))
    t.on_execution_report(er("b", "1;3", ET.REPLACED, OS.PARTIALLY_FILLED, cum="4", leaves="0", orig="a", avg="0.5"))
    assert order.status is OS.CANCELED and order.order_qty == D(4) and not order.is_open


def test_replace_reject_reverts() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_replace_sent(rpl("b", "a", "2"))
    info = t.on_cancel_reject(ocr("b", "a", "INVALID_AMEND_QTY_FOR_ORDER", enums.CxlRejReason.BROKER, replace=True))
    assert info.error.is_replace and info.status is OS.NEW
    assert order.status is OS.NEW and order.cl_ord_id == "a" and order.order_qty == D(10)
    assert t.find("b") is order  # the refused request's ClOrdID still names the order


def test_replace_by_another_session_seen_with_pending_report() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_execution_report(er("x", "-1;-1", ET.PENDING_REPLACE, OS.PENDING_REPLACE, orig="a"))
    assert order.status is OS.PENDING_REPLACE and t.find("x") is order
    t.on_execution_report(er("x", "1;2", ET.REPLACED, OS.NEW, leaves="7", orig="a", price="0.40"))
    assert order.status is OS.NEW and order.cl_ord_id == "x" and order.price == D("0.40")


def test_trade_under_unseen_new_cl_ord_id_is_adopted_via_order_id() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_execution_report(er("q", "1;5", ET.TRADE, OS.PARTIALLY_FILLED, cum="1", leaves="9", avg="0.5", last_px="0.50", last_qty="1"))
    assert order.cl_ord_id == "q" and t.find("q") is order and order.cl_ord_id_chain == ["a", "q"]


# ---- dedupe and ordering ----------------------------------------------------------------------


def test_duplicate_exec_id_is_ignored_but_pending_ids_are_not() -> None:
    t = OrderTracker()
    order = t.on_new_order_sent(nos("a"))
    assert t.on_execution_report(er("a", "-1;-1", ET.PENDING_NEW, OS.PENDING_NEW)) is not None
    assert t.on_execution_report(er("a", "-1;-1", ET.PENDING_NEW, OS.PENDING_NEW)) is not None
    fill = er("a", "2;1", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6", avg="0.5", last_px="0.50", last_qty="4", fee="0.05")
    assert t.on_execution_report(fill) is not None
    assert t.on_execution_report(fill) is None
    assert order.cum_qty == D(4) and len(order.fills) == 1 and order.total_fees == D("0.05")
    assert "-1;-1" not in order.exec_ids and t.last_exec_id() == "2;1"


def test_stale_report_does_not_regress_state_but_records_fill() -> None:
    t = OrderTracker()
    order = accepted(t)
    t.on_execution_report(er("a", "1;9", ET.TRADE, OS.FILLED, cum="10", leaves="0", avg="0.5", last_px="0.50", last_qty="6", fee="0.06"))
    up = t.on_execution_report(er("a", "1;5", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6", avg="0.5", last_px="0.50", last_qty="4", fee="0.04"))
    assert up is not None and up.stale and up.fill is not None
    assert order.status is OS.FILLED and order.cum_qty == D(10) and order.leaves_qty == 0
    assert order.total_fees == D("0.10") and len(order.fills) == 2
    assert order.last_exec_id == "1;9" and order.history[-1].note == "stale"


def test_last_exec_id_compares_numerically() -> None:
    t = OrderTracker()
    assert t.last_exec_id() is None
    accepted(t, exec_id="9;4")
    t.on_execution_report(er("a", "10;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="1", leaves="9", avg="0.5", last_px="0.50", last_qty="1"))
    t.on_execution_report(er("a", "9;30", ET.TRADE, OS.PARTIALLY_FILLED, cum="2", leaves="8", avg="0.5", last_px="0.50", last_qty="1"))
    t.on_execution_report(er("a", "-1;-1", ET.PENDING_CANCEL, OS.PENDING_CANCEL))
    assert t.last_exec_id() == "10;2"
    assert exec_id_key("10;2") == (10, 2) and exec_id_key("-1;-1") is None and exec_id_key("abc") is None
    assert exec_id_key("4") is None


# ---- unknown orders ---------------------------------------------------------------------------


def test_reports_for_unknown_orders_create_tracked_orders() -> None:
    t = OrderTracker()
    up = t.on_execution_report(
        er("other", "3;1", ET.NEW, OS.NEW, leaves="5", order_id="O9", price="0.30", alloc_account=2,
           party_ids=[Party(party_id="p-1", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)])
    )
    assert up is not None and up.created and up.prev_status is None and up.status is OS.NEW
    order = up.order
    assert order.source == "report" and order.order_id == "O9" and order.order_qty == D(5)
    assert order.price == D("0.30") and order.alloc_account == 2 and order.party_ids[0].party_id == "p-1"
    assert t.find("other") is order and t.find_by_order_id("O9") is order

    up = t.on_execution_report(
        er("other", "3;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="2", leaves="3", avg="0.3", order_id="O9", last_px="0.30", last_qty="2")
    )
    assert up is not None and not up.created and order.cum_qty == D(2)


def test_unknown_trade_report_creates_order_with_fill() -> None:
    t = OrderTracker()
    up = t.on_execution_report(
        er("z", "3;1", ET.TRADE, OS.PARTIALLY_FILLED, cum="6", leaves="4", avg="0.5", order_id="OZ", last_px="0.50", last_qty="2", fee="0.02")
    )
    assert up is not None and up.created and up.fill is not None
    assert up.order.order_qty == D(10) and up.order.cum_qty == D(6) and up.order.total_fees == D("0.02")
    assert up.warnings == []


def test_unknown_replaced_report_builds_chain() -> None:
    t = OrderTracker()
    up = t.on_execution_report(er("new", "3;1", ET.REPLACED, OS.NEW, leaves="8", order_id="OR", orig="old"))
    assert up is not None and up.created
    assert up.order.cl_ord_id_chain == ["old", "new"] and t.find("old") is up.order


def test_unknown_canceled_report_creates_closed_order() -> None:
    t = OrderTracker()
    up = t.on_execution_report(er("cx", "3;1", ET.CANCELED, OS.CANCELED, leaves="0", cum="0", qty="7", order_id="OC", orig="orig"))
    assert up is not None and up.created and up.closed and up.order.status is OS.CANCELED
    assert up.order.order_qty == D(7) and t.open_orders() == []


# ---- ClOrdID reuse ------------------------------------------------------------------------------


def test_new_order_reusing_open_cl_ord_id_is_refused() -> None:
    t = OrderTracker()
    accepted(t)
    with pytest.raises(DuplicateClOrdID, match="'a'"):
        t.on_new_order_sent(nos("a"))
    t.on_cancel_sent(cxl("c1", "a"))
    with pytest.raises(DuplicateClOrdID):
        t.on_new_order_sent(nos("c1"))
    with pytest.raises(DuplicateClOrdID):
        t.on_cancel_sent(cxl("a", "a"))


def test_cl_ord_id_reuse_after_close_tracks_a_new_order() -> None:
    t = OrderTracker()
    old = accepted(t)
    t.on_execution_report(er("a", "1;2", ET.CANCELED, OS.CANCELED, leaves="0"))
    new = t.on_new_order_sent(nos("a", qty="3"))
    assert new is not old and t.find("a") is new
    t.on_execution_report(er("a", "1;3", ET.NEW, OS.NEW, leaves="3", order_id="O2"))
    assert new.status is OS.NEW and new.order_id == "O2"
    # a late duplicate-id report for the old order (its OrderID) stays with the old one
    up = t.on_execution_report(er("a", "1;1x", ET.CANCELED, OS.CANCELED, leaves="0", order_id="O1"))
    assert up is not None and up.order is old and new.status is OS.NEW
    assert len(t) == 2


def test_new_order_may_reuse_an_open_orders_former_cl_ord_id() -> None:
    """Only an open order's current ClOrdID and outstanding request ids are taken; an id it
    replaced away from is free, and finds the new order from then on."""
    t = OrderTracker()
    old = accepted(t)
    t.on_replace_sent(rpl("a2", "a", "8"))
    t.on_execution_report(er("a2", "1;2", ET.REPLACED, OS.NEW, leaves="8", orig="a"))
    assert old.cl_ord_id == "a2" and old.is_open and t.find("a") is old
    new = t.on_new_order_sent(nos("a", qty="3"))
    assert new is not old and t.find("a") is new and t.find("a2") is old
    assert new.history[0].note == "NewOrderSingle (35=D) sent" and new.history[0].exec_id is None
    assert new.ref == old.ref + 1 and t.orders() == [old, new]


def test_open_orders_stay_oldest_first_as_orders_close_and_open_again() -> None:
    t = OrderTracker()
    for i, cl in enumerate("abc"):
        t.on_new_order_sent(nos(cl))
        t.on_execution_report(er(cl, f"1;{i + 1}", ET.NEW, OS.NEW, order_id=f"O{cl}"))
    t.on_new_order_sent(nos("d"))
    assert [o.cl_ord_id for o in t.open_orders()] == ["a", "b", "c", "d"]
    t.on_execution_report(er("a", "1;5", ET.CANCELED, OS.CANCELED, leaves="0", order_id="Oa"))
    t.mark_not_sent("d")  # never reached the exchange: closed
    assert [o.cl_ord_id for o in t.open_orders()] == ["b", "c"]
    # a later report says "a" is live after all: it is open again, in its place
    t.on_execution_report(er("a", "1;6", ET.NEW, OS.NEW, order_id="Oa"))
    assert [o.cl_ord_id for o in t.open_orders()] == ["a", "b", "c"]
    assert t.open_orders("OTHER") == [] and len(t.open_orders("HIGHNY-23DEC31")) == 3
    assert t.prune_closed() == 1 and [o.cl_ord_id for o in t.open_orders()] == ["a", "b", "c"]
    restored = OrderTracker.from_dict(json.loads(json.dumps(t.to_dict())))
    assert [o.cl_ord_id for o in restored.open_orders()] == ["a", "b", "c"]
    restored.on_new_order_sent(nos("e"))
    assert [o.cl_ord_id for o in restored.open_orders()] == ["a", "b", "c", "e"]


def test_duplicate_reject_from_another_session_leaves_open_order() -> None:
    t = OrderTracker()
    order = accepted(t)
    up = t.on_execution_report(
        er("a", "1;2", ET.REJECTED, OS.REJECTED, leaves="0", order_id="", text="ORDER_ALREADY_EXISTS",
           rej=enums.OrdRejReason.DUPLICATE_ORDER)
    )
    assert up is not None and up.order is order and order.status is OS.NEW and order.text is None
    assert any("duplicate-order reject" in w for w in up.warnings)
    # with a different OrderID the reject is tracked as a separate (rejected) order
    up = t.on_execution_report(
        er("a", "1;3", ET.REJECTED, OS.REJECTED, leaves="0", order_id="O7", text="ORDER_ALREADY_EXISTS",
           rej=enums.OrdRejReason.DUPLICATE_ORDER)
    )
    assert up is not None and up.created and up.order is not order
    assert order.status is OS.NEW and t.find("a") is order


# ---- IOC (21007) ------------------------------------------------------------------------------


def test_partial_ioc_without_cancel_report_is_closed_by_inference() -> None:
    t = OrderTracker(flags=LogonFlags(enable_ioc_cancel_report=False))
    order = t.on_new_order_sent(nos("a", tif=enums.TimeInForce.IOC))
    up = t.on_execution_report(er("a", "1;1", ET.TRADE, OS.PARTIALLY_FILLED, cum="3", leaves="7", avg="0.5", last_px="0.50", last_qty="3"))
    assert up is not None and up.status is OS.CANCELED and up.closed
    assert order.leaves_qty == 0 and order.cum_qty == D(3) and order.order_qty == D(10)
    assert order.inferred_close is not None and "21007" in order.inferred_close
    # more trades of the same sweep still count
    t.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="5", leaves="5", avg="0.5", last_px="0.50", last_qty="2"))
    assert order.cum_qty == D(5) and order.status is OS.CANCELED and len(order.fills) == 2


def test_partial_ioc_with_cancel_report_waits_for_it() -> None:
    t = OrderTracker(flags=LogonFlags(enable_ioc_cancel_report=True))
    order = t.on_new_order_sent(nos("a", tif=enums.TimeInForce.IOC))
    t.on_execution_report(er("a", "1;1", ET.TRADE, OS.PARTIALLY_FILLED, cum="3", leaves="7", avg="0.5", last_px="0.50", last_qty="3"))
    assert order.status is OS.PARTIALLY_FILLED and order.is_open
    up = t.on_execution_report(er("a", "1;2", ET.CANCELED, OS.CANCELED, cum="3", leaves="0", avg="0.5", text="IMMEDIATE_OR_CANCELLED"))
    assert up is not None and up.closed and order.status is OS.CANCELED and order.inferred_close is None


def test_ioc_new_report_does_not_close() -> None:
    """With 21026 a New precedes the IOC's trades."""
    t = OrderTracker()
    order = t.on_new_order_sent(nos("a", tif=enums.TimeInForce.IOC))
    t.on_execution_report(er("a", "1;1", ET.NEW, OS.NEW))
    assert order.is_open
    t.on_execution_report(er("a", "1;2", ET.TRADE, OS.FILLED, cum="10", leaves="0", avg="0.5", last_px="0.50", last_qty="10"))
    assert order.status is OS.FILLED and order.inferred_close is None


# ---- uncertainty and unsent -------------------------------------------------------------------


def test_mark_uncertain_cleared_by_next_report() -> None:
    t = OrderTracker()
    a = accepted(t)
    b = accepted(t, cl="b", exec_id="1;2")
    done = accepted(t, cl="c", exec_id="1;3")
    t.on_execution_report(er("c", "1;4", ET.CANCELED, OS.CANCELED, leaves="0"))
    marked = t.mark_uncertain()
    assert marked == [a, b] and a.uncertain and b.uncertain and not done.uncertain
    t.on_execution_report(er("a", "1;5", ET.TRADE, OS.PARTIALLY_FILLED, cum="1", leaves="9", avg="0.5", last_px="0.50", last_qty="1"))
    assert not a.uncertain and b.uncertain
    assert t.mark_uncertain(["c", "nope"]) == [done] and done.uncertain


def test_mark_not_sent() -> None:
    t = OrderTracker()
    order = t.on_new_order_sent(nos("a"))
    assert t.mark_not_sent("a") is order
    assert order.status is OS.REJECTED and not order.is_open and order.inferred_close
    t2 = OrderTracker()
    o2 = accepted(t2)
    t2.on_cancel_sent(cxl("c1", "a"))
    t2.mark_not_sent("c1")
    assert o2.status is OS.NEW and o2.pending == []
    assert t2.mark_not_sent("a") is o2 and o2.status is OS.NEW  # acknowledged: not touched
    assert t2.mark_not_sent("zz") is None


# ---- clock, history, snapshot -----------------------------------------------------------------


def test_clock_stamps_updates_and_history() -> None:
    clock = FakeClock(T0)
    t = OrderTracker(clock=clock)
    order = t.on_new_order_sent(nos("a"))
    assert order.updated_at == T0
    clock.advance(5)
    t.on_execution_report(er("a", "1;1", ET.NEW, OS.NEW, transact_time=T0 + timedelta(seconds=4)))
    assert order.updated_at == T0 + timedelta(seconds=5)
    assert order.transact_time == T0 + timedelta(seconds=4)
    assert order.history[0].note and order.history[0].time == T0
    assert order.history[-1].exec_id == "1;1" and order.history[-1].time == T0 + timedelta(seconds=4)


def _busy_tracker() -> OrderTracker:
    t = OrderTracker()
    accepted(t, tif=enums.TimeInForce.GTC, alloc_account=4,
             party_ids=[Party(party_id="p", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)])
    t.on_execution_report(er(
        "a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6", avg="0.5", last_px="0.50", last_qty="4", fee="0.07",
        trd_match_id="T1", aggressor_indicator=True, long_qty=D(4), short_qty=D(0), transact_time=T0,
        collateral_amount_changes=[CollateralAmountChange(collateral_amount_change=D("-2.07"), collateral_amount_type=enums.CollateralAmountType.BALANCE)],
    ))
    t.on_replace_sent(rpl("b", "a", "12", "0.52"))
    t.on_new_order_sent(nos("x"))
    t.on_execution_report(er("x", "1;3", ET.REJECTED, OS.REJECTED, leaves="0", order_id="OX", text="MARKET_NOT_FOUND", rej=enums.OrdRejReason.UNKNOWN_SYMBOL))
    t.mark_uncertain(["a"])
    return t


def test_snapshot_round_trip_through_json() -> None:
    t = _busy_tracker()
    data = json.loads(json.dumps(t.to_dict()))
    t2 = OrderTracker.from_dict(data)
    assert t2.to_dict() == t.to_dict()
    a = t2.find("b")
    assert a is not None and a is t2.find("a") and a.status is OS.PENDING_REPLACE and a.uncertain
    assert a.fills[0].fee == D("0.07") and a.collateral_changes[0].type is enums.CollateralAmountType.BALANCE
    assert a.party_ids[0].party_role is enums.PartyRole.CUSTOMER_ACCOUNT and a.time_in_force is enums.TimeInForce.GTC
    assert t2.find("x") is not None and t2.find("x").ord_rej_reason is enums.OrdRejReason.UNKNOWN_SYMBOL  # type: ignore[union-attr]
    assert t2.last_exec_id() == "1;3"
    # the restored tracker keeps going: dedupe survives, the pending replace resolves
    assert t2.on_execution_report(er("a", "1;2", ET.TRADE, OS.PARTIALLY_FILLED, cum="4", leaves="6")) is None
    t2.on_execution_report(er("b", "1;4", ET.REPLACED, OS.PARTIALLY_FILLED, cum="4", leaves="8", orig="a", price="0.52", avg="0.5"))
    assert a.status is OS.PARTIALLY_FILLED and a.order_qty == D(12) and not a.uncertain
    new = t2.on_new_order_sent(nos("y"))
    assert new.ref > max(o.ref for o in t.orders())


def test_snapshot_version_checked() -> None:
    with pytest.raises(ValueError, match="version 99"):
        OrderTracker.from_dict({"version": 99, "orders": []})


def test_prune_closed() -> None:
    t = _busy_tracker()
    assert t.prune_closed() == 1
    assert t.find("x") is None and t.find("a") is not None and len(t) == 1
    assert t.find_by_order_id("OX") is None


# ---- wire round trip --------------------------------------------------------------------------


def test_decoded_wire_report_drives_tracker() -> None:
    t = OrderTracker()
    t.on_new_order_sent(nos("a"))
    msg = er(
        "a", "4;7", ET.TRADE, OS.PARTIALLY_FILLED, cum="4.00", leaves="6.00", avg="0.50", last_px="0.50", last_qty="4.00",
        fee="0.07", trd_match_id="T1", aggressor_indicator=True, long_qty=D("4.00"), short_qty=D(0),
    )
    raw = msg.to_fix(sender_comp_id="KalshiNR", target_comp_id="me", msg_seq_num=2, sending_time=T0)
    up = t.on_execution_report(decode(raw))  # type: ignore[arg-type]
    assert up is not None and up.status is OS.PARTIALLY_FILLED
    assert up.order.cum_qty == D(4) and up.order.total_fees == D("0.07") and up.order.aggressor is True
    assert up.order.avg_px == D("0.50") and up.order.last_px == D("0.50")


# ---- the Logon flag combinations --------------------------------------------------------------


FLAG_NAMES = (
    "skip_pending_exec_reports",
    "use_expired_ord_status",
    "enable_ioc_cancel_report",
    "preserve_original_order_qty",
    "always_emit_new_before_trade",
)
COMBOS = [dict(zip(FLAG_NAMES, bits, strict=True)) for bits in itertools.product([False, True], repeat=5)]


def _combo_id(c: dict[str, bool]) -> str:
    tags = {"skip_pending_exec_reports": "21011", "use_expired_ord_status": "21012", "enable_ioc_cancel_report": "21007",
            "preserve_original_order_qty": "21008", "always_emit_new_before_trade": "21026"}
    return ",".join(f"{tags[k]}={'Y' if v else 'N'}" for k, v in c.items())


@dataclass
class _VOrder:
    cl: str
    order_id: str
    original: D
    qty: D
    price: D
    cum: D = D(0)
    leaves: D = D(0)
    notional: D = D(0)


class Venue:
    """Emits reports for one order the way Kalshi does under the given Logon flags."""

    def __init__(self, flags: dict[str, bool]) -> None:
        self.f = flags
        self.seq = 0
        self.o: _VOrder | None = None

    def _report(self, exec_type: ET, status: OS, *, pending: bool = False, cl: str | None = None,
                orig: str | None = None, last: tuple[D, D] | None = None, text: str | None = None) -> ExecutionReport:
        o = self.o
        assert o is not None
        if pending:
            exec_id = "-1;-1"
        else:
            self.seq += 1
            exec_id = f"5;{self.seq}"
        qty = o.original if self.f["preserve_original_order_qty"] else o.cum + o.leaves
        avg = o.notional / o.cum if o.cum else D(0)
        return ExecutionReport(
            avg_px=avg, cl_ord_id=cl or o.cl, cum_qty=o.cum, exec_id=exec_id, order_id=o.order_id, order_qty=qty,
            ord_status=status, side=enums.Side.BUY, symbol="HIGHNY-23DEC31", exec_type=exec_type, leaves_qty=o.leaves,
            price=o.price, orig_cl_ord_id=orig, text=text,
            last_qty=last[0] if last else None, last_px=last[1] if last else None,
            misc_fees=[MiscFee(misc_fee_amt=D("0.01") * last[0])] if last else [],
            long_qty=o.cum if last else None, short_qty=D(0) if last else None,
        )

    def _fill(self, qty: D, px: D) -> ExecutionReport:
        o = self.o
        assert o is not None
        o.cum += qty
        o.leaves -= qty
        o.notional += qty * px
        return self._report(ET.TRADE, OS.FILLED if o.leaves == 0 else OS.PARTIALLY_FILLED, last=(qty, px))

    def place(self, req: NewOrderSingle, fills: list[tuple[str, str]] = ()) -> list[Any]:  # type: ignore[assignment]
        self.o = _VOrder(req.cl_ord_id, "O-" + req.cl_ord_id, req.order_qty, req.order_qty, req.price, leaves=req.order_qty)
        out: list[Any] = []
        if not self.f["skip_pending_exec_reports"]:
            out.append(self._report(ET.PENDING_NEW, OS.PENDING_NEW, pending=True))
        if not fills or self.f["always_emit_new_before_trade"]:
            out.append(self._report(ET.NEW, OS.NEW))
        out += [self._fill(D(q), D(p)) for q, p in fills]
        if req.time_in_force is enums.TimeInForce.IOC and self.o.leaves > 0:
            if not fills or self.f["enable_ioc_cancel_report"]:
                self.o.leaves = D(0)
                out.append(self._report(ET.CANCELED, OS.CANCELED, text="IMMEDIATE_OR_CANCELLED"))
            else:
                self.o.leaves = D(0)  # gone, silently
        return out

    def trade(self, qty: str, px: str) -> list[Any]:
        return [self._fill(D(qty), D(px))]

    def replace(self, req: OrderCancelReplaceRequest) -> list[Any]:
        o = self.o
        assert o is not None
        out: list[Any] = []
        if not self.f["skip_pending_exec_reports"]:
            out.append(self._report(ET.PENDING_REPLACE, OS.PENDING_REPLACE, pending=True, cl=req.cl_ord_id, orig=o.cl))
        old = o.cl
        o.cl, o.qty, o.leaves = req.cl_ord_id, req.order_qty, req.order_qty - o.cum
        if req.price is not None:
            o.price = req.price
        out.append(self._report(ET.REPLACED, OS.PARTIALLY_FILLED if o.cum else OS.NEW, orig=old))
        return out

    def cancel(self, req: OrderCancelRequest, reject: str | None = None) -> list[Any]:
        o = self.o
        assert o is not None
        out: list[Any] = []
        if not self.f["skip_pending_exec_reports"]:
            out.append(self._report(ET.PENDING_CANCEL, OS.PENDING_CANCEL, pending=True, cl=req.cl_ord_id, orig=o.cl))
        if reject:
            status = OS.FILLED if o.leaves == 0 else OS.PARTIALLY_FILLED if o.cum else OS.NEW
            out.append(OrderCancelReject(
                order_id=o.order_id, cl_ord_id=req.cl_ord_id, orig_cl_ord_id=o.cl, ord_status=status,
                cxl_rej_response_to=enums.CxlRejResponseTo.ORDER_CANCEL_REQUEST, text=reject,
                cxl_rej_reason=enums.CxlRejReason.BROKER,
            ))
            return out
        old = o.cl
        o.cl, o.leaves = req.cl_ord_id, D(0)
        out.append(self._report(ET.CANCELED, OS.CANCELED, orig=old))
        return out

    def expire(self) -> list[Any]:
        assert self.o is not None
        self.o.leaves = D(0)
        if self.f["use_expired_ord_status"]:
            return [self._report(ET.EXPIRED, OS.EXPIRED)]
        return [self._report(ET.CANCELED, OS.CANCELED)]


def feed(t: OrderTracker, msgs: list[Any]) -> list[OrderUpdate | Any]:
    out = []
    for m in msgs:
        out.append(t.on_execution_report(m) if isinstance(m, ExecutionReport) else t.on_cancel_reject(m))
    return out


@pytest.fixture(params=COMBOS, ids=_combo_id)
def combo(request: pytest.FixtureRequest) -> dict[str, bool]:
    return request.param


@pytest.fixture(params=[True, False], ids=["told", "not-told"])
def tracker(request: pytest.FixtureRequest, combo: dict[str, bool]) -> OrderTracker:
    """The tracker either knows the Logon flags or not; outcomes must match."""
    return OrderTracker(flags=LogonFlags(**combo) if request.param else None)


def test_combo_resting_order_fill_replace_fill_cancel(combo: dict[str, bool], tracker: OrderTracker) -> None:
    v, t = Venue(combo), tracker
    req = nos("a", tif=enums.TimeInForce.GTC)
    order = t.on_new_order_sent(req)
    assert order.status is OS.PENDING_NEW
    feed(t, v.place(req))
    assert order.status is OS.NEW and order.order_id == "O-a"
    feed(t, v.trade("4", "0.50"))
    assert (order.status, order.cum_qty, order.leaves_qty) == (OS.PARTIALLY_FILLED, D(4), D(6))

    r = rpl("b", "a", "8", "0.55")
    t.on_replace_sent(r)
    assert order.status is OS.PENDING_REPLACE
    msgs = v.replace(r)
    feed(t, msgs[:-1])
    assert order.status is OS.PENDING_REPLACE, "a pending report (or none, 21011=Y) keeps the local pending state"
    feed(t, msgs[-1:])
    assert order.status is OS.PARTIALLY_FILLED and order.cl_ord_id == "b"
    assert (order.order_qty, order.leaves_qty, order.price) == (D(8), D(4), D("0.55"))

    feed(t, v.trade("2", "0.55"))
    assert order.cum_qty == D(6) and order.leaves_qty == D(2) and order.order_qty == D(8)

    c = cxl("c", "b")
    t.on_cancel_sent(c)
    msgs = v.cancel(c)
    feed(t, msgs[:-1])
    assert order.status is OS.PENDING_CANCEL
    feed(t, msgs[-1:])
    assert order.status is OS.CANCELED and not order.is_open and order.pending == []
    assert (order.cum_qty, order.leaves_qty, order.order_qty, order.original_qty) == (D(6), D(0), D(8), D(10))
    assert order.total_fees == D("0.06") and order.long_qty == D(6)
    assert order.avg_px == order.computed_avg_px
    assert t.find("a") is t.find("b") is t.find("c") is order
    assert t.open_orders() == [] and order.inferred_close is None
    assert t.last_exec_id() == f"5;{v.seq}"


def test_combo_partial_ioc(combo: dict[str, bool], tracker: OrderTracker) -> None:
    v, t = Venue(combo), tracker
    req = nos("i", tif=enums.TimeInForce.IOC)
    order = t.on_new_order_sent(req)
    updates = feed(t, v.place(req, fills=[("3", "0.48"), ("2", "0.50")]))
    assert order.status is OS.CANCELED and not order.is_open
    assert (order.cum_qty, order.leaves_qty, order.order_qty) == (D(5), D(0), D(10))
    assert order.order_id == "O-i" and len(order.fills) == 2
    assert sum(1 for u in updates if u is not None and u.closed) >= 1


def test_combo_unfilled_ioc(combo: dict[str, bool], tracker: OrderTracker) -> None:
    v, t = Venue(combo), tracker
    req = nos("i", tif=enums.TimeInForce.IOC)
    order = t.on_new_order_sent(req)
    feed(t, v.place(req))
    assert order.status is OS.CANCELED and order.cum_qty == 0 and order.leaves_qty == 0


def test_combo_immediate_full_fill(combo: dict[str, bool], tracker: OrderTracker) -> None:
    v, t = Venue(combo), tracker
    req = nos("f", tif=enums.TimeInForce.GTC)
    order = t.on_new_order_sent(req)
    msgs = v.place(req, fills=[("6", "0.45"), ("4", "0.50")])
    first_trade = next(i for i, m in enumerate(msgs) if m.exec_type is ET.TRADE)
    feed(t, msgs[:first_trade])
    expected_before = OS.NEW if combo["always_emit_new_before_trade"] else OS.PENDING_NEW
    assert order.status is expected_before
    feed(t, msgs[first_trade:first_trade + 1])
    assert order.status is OS.PARTIALLY_FILLED and order.order_id == "O-f"
    feed(t, msgs[first_trade + 1:])
    assert order.status is OS.FILLED and order.cum_qty == D(10) and order.leaves_qty == 0
    assert order.avg_px == D("0.47") and order.total_fees == D("0.10")


def test_combo_day_order_expires(combo: dict[str, bool], tracker: OrderTracker) -> None:
    v, t = Venue(combo), tracker
    req = nos("d", tif=enums.TimeInForce.DAY)
    order = t.on_new_order_sent(req)
    feed(t, v.place(req))
    feed(t, v.trade("1", "0.50"))
    (up,) = feed(t, v.expire())
    expected = OS.EXPIRED if combo["use_expired_ord_status"] else OS.CANCELED
    assert up.closed and order.status is expected and not order.is_open
    assert order.cum_qty == D(1) and order.leaves_qty == 0 and order.order_qty == D(10)


def test_combo_cancel_rejected_then_filled(combo: dict[str, bool], tracker: OrderTracker) -> None:
    v, t = Venue(combo), tracker
    req = nos("r", tif=enums.TimeInForce.GTC)
    order = t.on_new_order_sent(req)
    feed(t, v.place(req))
    feed(t, v.trade("10", "0.50"))
    c = cxl("rc", "r")
    t.on_cancel_sent(c)
    assert order.status is OS.FILLED, "a cancel for a filled order does not reopen it"
    results = feed(t, v.cancel(c, reject="CANNOT_UPDATE_FILLED_ORDER"))
    info = results[-1]
    assert isinstance(info.error, CancelRejected) and info.order is order
    assert order.status is OS.FILLED and order.pending == []


def test_combo_cancel_rejected_reverts(combo: dict[str, bool], tracker: OrderTracker) -> None:
    v, t = Venue(combo), tracker
    req = nos("r", tif=enums.TimeInForce.GTC)
    order = t.on_new_order_sent(req)
    feed(t, v.place(req))
    feed(t, v.trade("3", "0.50"))
    c = cxl("rc", "r")
    t.on_cancel_sent(c)
    results = feed(t, v.cancel(c, reject="SOMETHING"))
    assert results[-1].prev_status is OS.PENDING_CANCEL and results[-1].status is OS.PARTIALLY_FILLED
    assert order.status is OS.PARTIALLY_FILLED and order.leaves_qty == D(7)


def test_many_small_fills_keep_running_totals():
    """Fill quantity and the fills' average price are kept as running totals (a report costs
    the same whatever the number of fills before it), and survive a snapshot round trip."""
    from fixgw.app.orders import Fill as TrackerFill
    from fixgw.app.orders import OrderState as TrackerOrder
    from fixgw.messages.enums import Side

    order = TrackerOrder(cl_ord_id="big", symbol="M", side=Side.BUY, price=D("0.60"), order_qty=D(3000),
                         original_qty=D(3000))  # fmt: skip
    for i in range(3000):
        px = D("0.55") if i % 2 else D("0.60")
        order.add_fill(TrackerFill(exec_id=f"1;{i}", last_px=px, last_qty=D(1), cum_qty=D(i + 1)))
    assert order.filled_qty == D(3000)
    assert order.computed_avg_px == D("0.575")
    again = TrackerOrder.from_dict(order.to_dict())
    assert again.filled_qty == D(3000) and again.computed_avg_px == D("0.575")
