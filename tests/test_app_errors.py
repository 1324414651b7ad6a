"""Typed application errors: values kept, one readable line, the docs' meanings, pickling."""

from __future__ import annotations

import pickle
from decimal import Decimal as D

import pytest

from fixgw.app.errors import (
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
from fixgw.app.reject_text import (
    BUSINESS_REJECT_REASONS,
    CXL_REJ_REASONS,
    EXEC_REPORT_TEXTS,
    ORD_REJ_REASONS,
    SESSION_REJECT_REASONS,
    cancel_text_meaning,
    msg_type_name,
    reason_label,
    report_text_meaning,
)
from fixgw.messages import BusinessMessageReject, ExecutionReport, OrderCancelReject, Reject, enums

# The "Text Field Values (58)" list of fix__order-entry.md, as written there.
ORDER_ENTRY_TEXTS = {
    "EXCHANGE_UNAVAILABLE": "Other",
    "MARKET_ALREADY_CLOSED": "Exchange closed",
    "MARKET_INACTIVE": "Exchange closed",
    "MARKET_NOT_FOUND": "Unknown symbol",
    "SELF_CROSS_ATTEMPT": "Canceled",
    "SELF_CROSS_ATTEMPT_PARTIALLY_FILLED": "Canceled",
    "ORDER_ALREADY_EXISTS": "Duplicate order",
    "EXCEEDED_ORDER_GROUP_RISK_LIMIT": "Order exceeds limit",
    "INSUFFICIENT_BALANCE": "Order exceeds limit",
    "EXCHANGE_PAUSED": "Exchange closed",
    "TRADING_PAUSED": "Exchange closed",
    "INVALID_ORDER": "Unsupported order characteristic",
    "ORDER_GROUP_NOT_FOUND": "Unsupported order characteristic",
    "EXCEEDED_PER_MARKET_RISK_LIMIT": "Order exceeds limit",
    "EXCEEDED_SELL_POSITION_FLOOR": "Order exceeds limit",
    "CUSTOMER_ACCOUNT_NOT_FOUND": "Unknown account",
    "PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT": "Unknown account",
    "FOK_INSUFFICIENT_VOLUME": "Canceled",
    "POST_ONLY_CROSS": "Other",
    "ORDER_GROUP_CANCEL": "Canceled",
    "TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION": "Canceled",
    "MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION": "Canceled",
    "IMMEDIATE_OR_CANCELLED": "Canceled",
    "EXPIRED": "Stale order",
}


def rejected_report(text: str | None = "INSUFFICIENT_BALANCE", reason: int | None = 3) -> ExecutionReport:
    return ExecutionReport(
        avg_px=D(0), cl_ord_id="789", cum_qty=D(0), exec_id="1;1", order_id="O1", order_qty=D(10),
        ord_status=enums.OrdStatus.REJECTED, side=enums.Side.BUY, symbol="HIGHNY-23DEC31",
        exec_type=enums.ExecType.REJECTED, leaves_qty=D(0), text=text,
        ord_rej_reason=enums.OrdRejReason(reason) if reason is not None else None,
    )


@pytest.mark.parametrize(("text", "label"), sorted(ORDER_ENTRY_TEXTS.items()))
def test_every_order_entry_text_has_its_documented_meaning(text: str, label: str) -> None:
    meaning = report_text_meaning(text)
    assert meaning is not None and meaning.label == label and meaning.description
    if label == "Canceled":
        assert meaning.exec_type is enums.ExecType.CANCELED and meaning.ord_rej_reason is None
    else:
        assert meaning.ord_rej_reason is not None and ORD_REJ_REASONS[meaning.ord_rej_reason][0] == label


def test_text_table_has_nothing_extra() -> None:
    assert set(EXEC_REPORT_TEXTS) == set(ORDER_ENTRY_TEXTS)
    assert report_text_meaning(None) is None and report_text_meaning("NOT_A_KALSHI_TEXT") is None


@pytest.mark.parametrize(
    ("table", "enum"),
    [
        (ORD_REJ_REASONS, enums.OrdRejReason),
        (CXL_REJ_REASONS, enums.CxlRejReason),
        (BUSINESS_REJECT_REASONS, enums.BusinessRejectReason),
        (SESSION_REJECT_REASONS, enums.SessionRejectReason),
    ],
)
def test_reason_tables_cover_every_code(table: dict, enum: type) -> None:
    assert set(table) == set(enum)


def test_cancel_reject_texts() -> None:
    assert cancel_text_meaning("INVALID_AMEND_QTY_FOR_ORDER").cxl_rej_reason is enums.CxlRejReason.BROKER  # type: ignore[union-attr]
    assert cancel_text_meaning("CANNOT_UPDATE_FILLED_ORDER").label == "Broker"  # type: ignore[union-attr]
    m = cancel_text_meaning("SELF_CROSS_ATTEMPT")
    assert m is not None and m.cxl_rej_reason is enums.CxlRejReason.INVALID_PRICE_INCREMENT


def test_labels_and_msg_type_names() -> None:
    assert reason_label(enums.OrdRejReason.ORDER_EXCEEDS_LIMIT) == "3 Order exceeds limit"
    assert reason_label(enums.BusinessRejectReason.RATE_LIMIT_EXCEEDED) == "8 Rate limit exceeded"
    assert reason_label(None) == "none" and reason_label(42) == "42"
    assert msg_type_name("D") == "NewOrderSingle (35=D)"
    assert msg_type_name("ZZ") == "35=ZZ" and msg_type_name(None) == "unknown message type"


def test_order_rejected_from_report() -> None:
    report = rejected_report()
    err = OrderRejected.from_report(report)
    assert isinstance(err, FixgwError)
    assert (err.cl_ord_id, err.text, err.ord_rej_reason, err.report) == (
        "789", "INSUFFICIENT_BALANCE", enums.OrdRejReason.ORDER_EXCEEDS_LIMIT, report,
    )
    assert err.meaning is not None and err.meaning.label == "Order exceeds limit"
    s = str(err)
    assert s == (
        "order rejected: ClOrdID(11)='789' Text(58)=INSUFFICIENT_BALANCE "
        "(Order exceeds limit: insufficient balance for the order) OrdRejReason(103)=3 Order exceeds limit"
    )


def test_order_rejected_with_unlisted_text_and_code() -> None:
    err = OrderRejected("c", "SOMETHING_NEW\nsecond line", 42)
    assert err.ord_rej_reason == 42 and err.meaning is None
    s = str(err)
    assert "\n" not in s and "SOMETHING_NEW second line" in s and "OrdRejReason(103)=42" in s
    assert "Text(58) absent" in str(OrderRejected("c", None, None))


def test_cancel_rejected_from_message() -> None:
    msg = OrderCancelReject(
        order_id="O1", cl_ord_id="r2", orig_cl_ord_id="r1", ord_status=enums.OrdStatus.PARTIALLY_FILLED,
        cxl_rej_response_to=enums.CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST,
        text="INVALID_AMEND_QTY_FOR_ORDER", cxl_rej_reason=enums.CxlRejReason.BROKER,
    )
    err = CancelRejected.from_message(msg)
    assert err.is_replace and err.orig_cl_ord_id == "r1" and err.order_id == "O1"
    assert err.ord_status is enums.OrdStatus.PARTIALLY_FILLED
    s = str(err)
    assert s.startswith("replace rejected: ClOrdID(11)='r2' OrigClOrdID(41)='r1'")
    assert "CxlRejReason(102)=2 Broker" in s and "INVALID_AMEND_QTY_FOR_ORDER (Broker:" in s
    assert "OrdStatus(39)=PARTIALLY_FILLED" in s
    plain = CancelRejected("c", "o", "x", 0, "1")
    assert not plain.is_replace and str(plain).startswith("cancel rejected")
    assert plain.cxl_rej_reason is enums.CxlRejReason.TOO_LATE_TO_CANCEL


def test_business_reject_rate_limited() -> None:
    msg = BusinessMessageReject(
        ref_seq_num=12, business_reject_reason=enums.BusinessRejectReason.RATE_LIMIT_EXCEEDED,
        text="rate limit", ref_msg_type="D", business_reject_ref_id="c1",
    )
    err = BusinessRejected.from_message(msg)
    assert type(err) is RateLimited and isinstance(err, BusinessRejected)
    assert type(RateLimited.from_message(msg)) is RateLimited
    assert (err.ref_msg_type, err.ref_seq, err.reason, err.ref_id) == ("D", 12, enums.BusinessRejectReason.RATE_LIMIT_EXCEEDED, "c1")
    assert str(err) == (
        "business reject of NewOrderSingle (35=D) RefSeqNum(45)=12: "
        "BusinessRejectReason(380)=8 Rate limit exceeded Text(58)='rate limit' BusinessRejectRefID(379)='c1'"
    )
    other = BusinessRejected.from_message(
        BusinessMessageReject(ref_seq_num=3, business_reject_reason=enums.BusinessRejectReason.NOT_AUTHORIZED, ref_msg_type="D")
    )
    assert type(other) is BusinessRejected and "6 Not authorized" in str(other)


def test_session_rejected_from_doc_example() -> None:
    # fix__error-handling.md: 35=3|45=5|58=Undefined tag received|371=333333|372=D|373=3
    msg = Reject(
        ref_seq_num=5, text="Undefined tag received", ref_tag_id=333333, ref_msg_type="D",
        session_reject_reason=enums.SessionRejectReason.UNDEFINED_TAG,
    )
    err = SessionRejected.from_message(msg)
    assert (err.ref_seq, err.ref_tag, err.ref_msg_type, err.reason) == (5, 333333, "D", enums.SessionRejectReason.UNDEFINED_TAG)
    assert str(err) == (
        "session reject of NewOrderSingle (35=D) RefSeqNum(45)=5: SessionRejectReason(373)=3 Undefined tag "
        "RefTagID(371)=333333 Text(58)='Undefined tag received'"
    )


def test_simple_errors() -> None:
    assert str(NotLoggedOn()) == "not logged on"
    assert str(NotLoggedOn("KalshiNR is not logged on")) == "KalshiNR is not logged on"
    assert "20126" in str(ListenerSessionError())
    assert str(LogonRefused("already exists")) == "logon refused: already exists"
    assert str(LogonRefused()) == "logon refused: no reason given"
    assert str(FixgwError("a\nb")) == "a b"
    err = RiskLimitExceeded("max_order_qty", D(500), D(100))
    assert str(err) == "risk limit max_order_qty exceeded: 500 > 100"
    assert str(RiskLimitExceeded("max_notional", D("75.00"), D("50"), "HIGHNY-23DEC31 buy")) == (
        "risk limit max_notional exceeded: 75.00 > 50 (HIGHNY-23DEC31 buy)"
    )
    assert "already used by an open order (status NEW)" in str(DuplicateClOrdID("a", enums.OrdStatus.NEW))


@pytest.mark.parametrize(
    "err",
    [
        OrderRejected("c", "INSUFFICIENT_BALANCE", enums.OrdRejReason.ORDER_EXCEEDS_LIMIT, rejected_report()),
        CancelRejected("c", "o", "x", enums.CxlRejReason.BROKER, enums.CxlRejResponseTo.ORDER_CANCEL_REQUEST, enums.OrdStatus.NEW, "O1"),
        BusinessRejected("D", 3, enums.BusinessRejectReason.OTHER, "t", "id", 55),
        RateLimited("D", 3, 8, "t"),
        SessionRejected(5, 371, "D", 3, "t"),
        NotLoggedOn("x"),
        ListenerSessionError("x"),
        LogonRefused("x"),
        RiskLimitExceeded("n", D(2), D(1)),
        DuplicateClOrdID("a", enums.OrdStatus.NEW),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_pickle_and_are_one_line(err: FixgwError) -> None:
    assert isinstance(err, FixgwError)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err) and str(copy) == str(err)
    assert "\n" not in str(err) and str(err)
