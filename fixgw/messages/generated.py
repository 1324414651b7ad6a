"""Message dataclasses, generated from dictionary/kalshi-fixgw.xml by tools/gen_messages.py.  Do not edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time  # noqa: F401
from decimal import Decimal  # noqa: F401
from typing import ClassVar

from . import enums
from .base import Group, Header, Message, fix_field

__all__ = ['StandardHeader', 'Party', 'MiscFee', 'CollateralAmountChange', 'MarketSettlementParty', 'MultivariateSelectedLeg', 'Heartbeat', 'TestRequest', 'ResendRequest', 'Reject', 'SequenceReset', 'Logout', 'Logon', 'NewOrderSingle', 'OrderCancelRequest', 'OrderCancelReplaceRequest', 'OrderMassCancelRequest', 'ExecutionReport', 'OrderCancelReject', 'OrderMassCancelReport', 'BusinessMessageReject', 'OrderGroupRequest', 'OrderGroupResponse', 'EventResendRequest', 'EventResendComplete', 'EventResendReject', 'MarketSettlementReport', 'QuoteRequest', 'QuoteRequestAck', 'Quote', 'QuoteStatusReport', 'QuoteCancel', 'QuoteCancelStatus', 'QuoteRequestReject', 'AcceptQuote', 'AcceptQuoteStatus', 'QuoteConfirm', 'QuoteConfirmStatus', 'RFQCancel', 'RFQCancelStatus', 'MESSAGE_TYPES']


@dataclass(slots=True, kw_only=True)
class Party(Group):
    """One entry of NoPartyIDs (453)."""

    COUNT_TAG: ClassVar[int] = 453
    party_id: str | None = fix_field(448)
    party_role: enums.PartyRole | None = fix_field(452, enum=enums.PartyRole)


@dataclass(slots=True, kw_only=True)
class MiscFee(Group):
    """One entry of NoMiscFees (136)."""

    COUNT_TAG: ClassVar[int] = 136
    misc_fee_amt: Decimal | None = fix_field(137)
    misc_fee_curr: str | None = fix_field(138)
    misc_fee_type: enums.MiscFeeType | None = fix_field(139, enum=enums.MiscFeeType)
    misc_fee_basis: enums.MiscFeeBasis | None = fix_field(891, enum=enums.MiscFeeBasis)


@dataclass(slots=True, kw_only=True)
class CollateralAmountChange(Group):
    """One entry of NoCollateralAmountChanges (1703)."""

    COUNT_TAG: ClassVar[int] = 1703
    collateral_amount_change: Decimal | None = fix_field(1704)
    collateral_amount_type: enums.CollateralAmountType | None = fix_field(1705, enum=enums.CollateralAmountType)


@dataclass(slots=True, kw_only=True)
class MarketSettlementParty(Group):
    """One entry of NoMarketSettlementPartyIDs (20108)."""

    COUNT_TAG: ClassVar[int] = 20108
    market_settlement_party_id: str | None = fix_field(20109)
    market_settlement_party_role: enums.MarketSettlementPartyRole | None = fix_field(20110, enum=enums.MarketSettlementPartyRole)
    long_qty: Decimal | None = fix_field(704)
    short_qty: Decimal | None = fix_field(705)
    collateral_amount_changes: list[CollateralAmountChange] = fix_field(1703, group=CollateralAmountChange)
    misc_fees: list[MiscFee] = fix_field(136, group=MiscFee)


@dataclass(slots=True, kw_only=True)
class MultivariateSelectedLeg(Group):
    """One entry of NoMultivariateSelectedLegs (20181)."""

    COUNT_TAG: ClassVar[int] = 20181
    multivariate_selected_event_ticker: str = fix_field(20182, required=True)
    multivariate_selected_market_ticker: str = fix_field(20183, required=True)
    multivariate_selected_market_side: enums.MultivariateSelectedMarketSide = fix_field(20184, required=True, enum=enums.MultivariateSelectedMarketSide)


@dataclass(slots=True, kw_only=True)
class StandardHeader(Header):
    """Header fields of a decoded message (the session layer writes them on send)."""

    sender_comp_id: str | None = fix_field(49)
    target_comp_id: str | None = fix_field(56)
    msg_seq_num: int | None = fix_field(34)
    sending_time: datetime | None = fix_field(52)
    poss_dup_flag: bool | None = fix_field(43)
    poss_resend: bool | None = fix_field(97)
    orig_sending_time: datetime | None = fix_field(122)
    appl_ver_id: enums.ApplVerID | None = fix_field(1128, enum=enums.ApplVerID)


@dataclass(slots=True, kw_only=True)
class Heartbeat(Message):
    """MsgType 0 (admin)."""

    MSG_TYPE: ClassVar[str] = '0'
    ADMIN: ClassVar[bool] = True
    test_req_id: str | None = fix_field(112)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class TestRequest(Message):
    """MsgType 1 (admin)."""

    MSG_TYPE: ClassVar[str] = '1'
    ADMIN: ClassVar[bool] = True
    test_req_id: str = fix_field(112, required=True)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class ResendRequest(Message):
    """MsgType 2 (admin)."""

    MSG_TYPE: ClassVar[str] = '2'
    ADMIN: ClassVar[bool] = True
    begin_seq_no: int = fix_field(7, required=True)
    end_seq_no: int = fix_field(16, required=True)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class Reject(Message):
    """MsgType 3 (admin)."""

    MSG_TYPE: ClassVar[str] = '3'
    ADMIN: ClassVar[bool] = True
    ref_seq_num: int = fix_field(45, required=True)
    text: str | None = fix_field(58)
    ref_tag_id: int | None = fix_field(371)
    ref_msg_type: str | None = fix_field(372)
    session_reject_reason: enums.SessionRejectReason | None = fix_field(373, enum=enums.SessionRejectReason)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class SequenceReset(Message):
    """MsgType 4 (admin)."""

    MSG_TYPE: ClassVar[str] = '4'
    ADMIN: ClassVar[bool] = True
    gap_fill_flag: bool | None = fix_field(123)
    new_seq_no: int = fix_field(36, required=True)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class Logout(Message):
    """MsgType 5 (admin)."""

    MSG_TYPE: ClassVar[str] = '5'
    ADMIN: ClassVar[bool] = True
    text: str | None = fix_field(58)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class Logon(Message):
    """MsgType A (admin)."""

    MSG_TYPE: ClassVar[str] = 'A'
    ADMIN: ClassVar[bool] = True
    encrypt_method: enums.EncryptMethod = fix_field(98, required=True, enum=enums.EncryptMethod)
    raw_data_length: int | None = fix_field(95)
    raw_data: bytes | None = fix_field(96)
    heart_bt_int: int = fix_field(108, required=True)
    default_appl_ver_id: enums.DefaultApplVerID = fix_field(1137, required=True, enum=enums.DefaultApplVerID)
    reset_seq_num_flag: bool | None = fix_field(141)
    cancel_orders_on_disconnect: bool | None = fix_field(8013)
    listener_session: bool | None = fix_field(20126)
    receive_settlement_reports: bool | None = fix_field(20127)
    message_retention_period: int | None = fix_field(20200)
    use_dollars: bool | None = fix_field(21005)
    skip_pending_exec_reports: bool | None = fix_field(21011)
    use_expired_ord_status: bool | None = fix_field(21012)
    enable_ioc_cancel_report: bool | None = fix_field(21007)
    preserve_original_order_qty: bool | None = fix_field(21008)
    always_emit_new_before_trade: bool | None = fix_field(21026)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class NewOrderSingle(Message):
    """MsgType D (application)."""

    MSG_TYPE: ClassVar[str] = 'D'
    ADMIN: ClassVar[bool] = False
    cl_ord_id: str = fix_field(11, required=True)
    exec_inst: enums.ExecInst | None = fix_field(18, enum=enums.ExecInst)
    order_qty: Decimal = fix_field(38, required=True)
    ord_type: enums.OrdType = fix_field(40, required=True, enum=enums.OrdType)
    price: Decimal = fix_field(44, required=True)
    side: enums.Side = fix_field(54, required=True, enum=enums.Side)
    symbol: str = fix_field(55, required=True)
    time_in_force: enums.TimeInForce | None = fix_field(59, enum=enums.TimeInForce)
    expire_time: datetime | None = fix_field(126)
    transact_time: datetime | None = fix_field(60)
    party_ids: list[Party] = fix_field(453, group=Party)
    alloc_account: int | None = fix_field(79)
    secondary_cl_ord_id: str | None = fix_field(526)
    order_group_id: str | None = fix_field(20130)
    self_trade_prevention_type: enums.SelfTradePreventionType | None = fix_field(2964, enum=enums.SelfTradePreventionType)
    cancel_order_on_pause: bool | None = fix_field(21006)
    max_execution_cost: Decimal | None = fix_field(21009)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class OrderCancelRequest(Message):
    """MsgType F (application)."""

    MSG_TYPE: ClassVar[str] = 'F'
    ADMIN: ClassVar[bool] = False
    cl_ord_id: str = fix_field(11, required=True)
    order_id: str | None = fix_field(37)
    orig_cl_ord_id: str = fix_field(41, required=True)
    side: enums.Side = fix_field(54, required=True, enum=enums.Side)
    symbol: str = fix_field(55, required=True)
    party_ids: list[Party] = fix_field(453, group=Party)
    alloc_account: int | None = fix_field(79)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class OrderCancelReplaceRequest(Message):
    """MsgType G (application)."""

    MSG_TYPE: ClassVar[str] = 'G'
    ADMIN: ClassVar[bool] = False
    cl_ord_id: str = fix_field(11, required=True)
    order_id: str | None = fix_field(37)
    order_qty: Decimal = fix_field(38, required=True)
    ord_type: enums.OrdType = fix_field(40, required=True, enum=enums.OrdType)
    orig_cl_ord_id: str = fix_field(41, required=True)
    price: Decimal | None = fix_field(44)
    side: enums.Side = fix_field(54, required=True, enum=enums.Side)
    symbol: str = fix_field(55, required=True)
    party_ids: list[Party] = fix_field(453, group=Party)
    alloc_account: int | None = fix_field(79)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class OrderMassCancelRequest(Message):
    """MsgType q (application)."""

    MSG_TYPE: ClassVar[str] = 'q'
    ADMIN: ClassVar[bool] = False
    cl_ord_id: str = fix_field(11, required=True)
    mass_cancel_request_type: enums.MassCancelRequestType = fix_field(530, required=True, enum=enums.MassCancelRequestType)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class ExecutionReport(Message):
    """MsgType 8 (application)."""

    MSG_TYPE: ClassVar[str] = '8'
    ADMIN: ClassVar[bool] = False
    avg_px: Decimal = fix_field(6, required=True)
    cl_ord_id: str = fix_field(11, required=True)
    cum_qty: Decimal = fix_field(14, required=True)
    exec_id: str = fix_field(17, required=True)
    last_px: Decimal | None = fix_field(31)
    last_qty: Decimal | None = fix_field(32)
    order_id: str = fix_field(37, required=True)
    order_qty: Decimal = fix_field(38, required=True)
    ord_status: enums.OrdStatus = fix_field(39, required=True, enum=enums.OrdStatus)
    orig_cl_ord_id: str | None = fix_field(41)
    price: Decimal | None = fix_field(44)
    side: enums.Side = fix_field(54, required=True, enum=enums.Side)
    symbol: str = fix_field(55, required=True)
    text: str | None = fix_field(58)
    transact_time: datetime | None = fix_field(60)
    ord_rej_reason: enums.OrdRejReason | None = fix_field(103, enum=enums.OrdRejReason)
    expire_time: datetime | None = fix_field(126)
    exec_type: enums.ExecType = fix_field(150, required=True, enum=enums.ExecType)
    leaves_qty: Decimal = fix_field(151, required=True)
    party_ids: list[Party] = fix_field(453, group=Party)
    alloc_account: int | None = fix_field(79)
    long_qty: Decimal | None = fix_field(704)
    short_qty: Decimal | None = fix_field(705)
    misc_fees: list[MiscFee] = fix_field(136, group=MiscFee)
    trd_match_id: str | None = fix_field(880)
    aggressor_indicator: bool | None = fix_field(1057)
    collateral_amount_changes: list[CollateralAmountChange] = fix_field(1703, group=CollateralAmountChange)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class OrderCancelReject(Message):
    """MsgType 9 (application)."""

    MSG_TYPE: ClassVar[str] = '9'
    ADMIN: ClassVar[bool] = False
    order_id: str = fix_field(37, required=True)
    cl_ord_id: str = fix_field(11, required=True)
    orig_cl_ord_id: str | None = fix_field(41)
    ord_status: enums.OrdStatus = fix_field(39, required=True, enum=enums.OrdStatus)
    cxl_rej_response_to: enums.CxlRejResponseTo = fix_field(434, required=True, enum=enums.CxlRejResponseTo)
    text: str | None = fix_field(58)
    cxl_rej_reason: enums.CxlRejReason | None = fix_field(102, enum=enums.CxlRejReason)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class OrderMassCancelReport(Message):
    """MsgType r (application)."""

    MSG_TYPE: ClassVar[str] = 'r'
    ADMIN: ClassVar[bool] = False
    cl_ord_id: str | None = fix_field(11)
    order_id: str = fix_field(37, required=True)
    mass_cancel_response: enums.MassCancelResponse = fix_field(531, required=True, enum=enums.MassCancelResponse)
    mass_cancel_reject_reason: int | None = fix_field(532)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class BusinessMessageReject(Message):
    """MsgType j (application)."""

    MSG_TYPE: ClassVar[str] = 'j'
    ADMIN: ClassVar[bool] = False
    ref_seq_num: int = fix_field(45, required=True)
    text: str | None = fix_field(58)
    ref_tag_id: int | None = fix_field(371)
    ref_msg_type: str | None = fix_field(372)
    business_reject_ref_id: str | None = fix_field(379)
    business_reject_reason: enums.BusinessRejectReason = fix_field(380, required=True, enum=enums.BusinessRejectReason)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class OrderGroupRequest(Message):
    """MsgType UOG (application)."""

    MSG_TYPE: ClassVar[str] = 'UOG'
    ADMIN: ClassVar[bool] = False
    order_group_action: enums.OrderGroupAction = fix_field(20131, required=True, enum=enums.OrderGroupAction)
    alloc_account: int | None = fix_field(79)
    order_group_contracts_limit: int | None = fix_field(20132)
    order_group_id: str | None = fix_field(20130)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class OrderGroupResponse(Message):
    """MsgType UOH (application)."""

    MSG_TYPE: ClassVar[str] = 'UOH'
    ADMIN: ClassVar[bool] = False
    order_group_id: str = fix_field(20130, required=True)
    order_group_contracts_limit: int | None = fix_field(20132)
    alloc_account: int | None = fix_field(79)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class EventResendRequest(Message):
    """MsgType U1 (application)."""

    MSG_TYPE: ClassVar[str] = 'U1'
    ADMIN: ClassVar[bool] = False
    begin_exec_id: str = fix_field(21001, required=True)
    end_exec_id: str | None = fix_field(21002)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class EventResendComplete(Message):
    """MsgType U2 (application)."""

    MSG_TYPE: ClassVar[str] = 'U2'
    ADMIN: ClassVar[bool] = False
    ref_seq_num: int = fix_field(45, required=True)
    resend_event_count: int = fix_field(21003, required=True)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class EventResendReject(Message):
    """MsgType U3 (application)."""

    MSG_TYPE: ClassVar[str] = 'U3'
    ADMIN: ClassVar[bool] = False
    ref_seq_num: int = fix_field(45, required=True)
    event_resend_reject_reason: enums.EventResendRejectReason = fix_field(21004, required=True, enum=enums.EventResendRejectReason)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class MarketSettlementReport(Message):
    """MsgType UMS (application)."""

    MSG_TYPE: ClassVar[str] = 'UMS'
    ADMIN: ClassVar[bool] = False
    market_settlement_report_id: str = fix_field(20105, required=True)
    symbol: str = fix_field(55, required=True)
    clearing_business_date: date = fix_field(715, required=True)
    tot_num_market_settlement_reports: int | None = fix_field(20106)
    market_result: enums.MarketResult = fix_field(20107, required=True, enum=enums.MarketResult)
    last_fragment: bool | None = fix_field(893)
    settlement_price: Decimal = fix_field(730, required=True)
    market_settlement_party_ids: list[MarketSettlementParty] = fix_field(20108, group=MarketSettlementParty)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class QuoteRequest(Message):
    """MsgType R (application)."""

    MSG_TYPE: ClassVar[str] = 'R'
    ADMIN: ClassVar[bool] = False
    quote_req_id: str = fix_field(131, required=True)
    no_related_sym: int = fix_field(146, required=True)
    symbol: str | None = fix_field(55)
    order_qty: Decimal | None = fix_field(38)
    cash_order_qty: Decimal | None = fix_field(152)
    party_ids: list[Party] = fix_field(453, group=Party)
    rest_remainder: bool | None = fix_field(21015)
    replace_existing: bool | None = fix_field(21016)
    multivariate_collection_ticker: str | None = fix_field(20180)
    multivariate_selected_legs: list[MultivariateSelectedLeg] = fix_field(20181, group=MultivariateSelectedLeg)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class QuoteRequestAck(Message):
    """MsgType b (application)."""

    MSG_TYPE: ClassVar[str] = 'b'
    ADMIN: ClassVar[bool] = False
    quote_req_id: str = fix_field(131, required=True)
    quote_request_type: enums.QuoteRequestType = fix_field(303, required=True, enum=enums.QuoteRequestType)
    rfq_id: str | None = fix_field(21023)
    symbol: str | None = fix_field(55)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class Quote(Message):
    """MsgType S (application)."""

    MSG_TYPE: ClassVar[str] = 'S'
    ADMIN: ClassVar[bool] = False
    quote_id: str = fix_field(117, required=True)
    quote_req_id: str = fix_field(131, required=True)
    symbol: str = fix_field(55, required=True)
    bid_px: Decimal | None = fix_field(132)
    offer_px: Decimal | None = fix_field(133)
    alloc_account: int | None = fix_field(79)
    rest_remainder: bool | None = fix_field(21015)
    order_qty: Decimal | None = fix_field(38)
    bid_size: Decimal | None = fix_field(134)
    offer_size: Decimal | None = fix_field(135)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class QuoteStatusReport(Message):
    """MsgType AI (application)."""

    MSG_TYPE: ClassVar[str] = 'AI'
    ADMIN: ClassVar[bool] = False
    quote_id: str = fix_field(117, required=True)
    quote_req_id: str = fix_field(131, required=True)
    alloc_account: int | None = fix_field(79)
    quote_status: enums.QuoteStatus = fix_field(297, required=True, enum=enums.QuoteStatus)
    order_qty: Decimal | None = fix_field(38)
    bid_px: Decimal | None = fix_field(132)
    offer_px: Decimal | None = fix_field(133)
    bid_size: Decimal | None = fix_field(134)
    offer_size: Decimal | None = fix_field(135)
    side: enums.Side | None = fix_field(54, enum=enums.Side)
    text: str | None = fix_field(58)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class QuoteCancel(Message):
    """MsgType Z (application)."""

    MSG_TYPE: ClassVar[str] = 'Z'
    ADMIN: ClassVar[bool] = False
    quote_id: str = fix_field(117, required=True)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class QuoteCancelStatus(Message):
    """MsgType U9 (application)."""

    MSG_TYPE: ClassVar[str] = 'U9'
    ADMIN: ClassVar[bool] = False
    quote_id: str = fix_field(117, required=True)
    quote_cancel_status: enums.QuoteCancelStatus = fix_field(298, required=True, enum=enums.QuoteCancelStatus)
    text: str | None = fix_field(58)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class QuoteRequestReject(Message):
    """MsgType AG (application)."""

    MSG_TYPE: ClassVar[str] = 'AG'
    ADMIN: ClassVar[bool] = False
    text: str = fix_field(58, required=True)
    quote_req_id: str = fix_field(131, required=True)
    quote_request_reject_reason: enums.QuoteRequestRejectReason = fix_field(658, required=True, enum=enums.QuoteRequestRejectReason)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class AcceptQuote(Message):
    """MsgType UA (application)."""

    MSG_TYPE: ClassVar[str] = 'UA'
    ADMIN: ClassVar[bool] = False
    quote_id: str = fix_field(117, required=True)
    side: enums.Side = fix_field(54, required=True, enum=enums.Side)
    order_qty: Decimal | None = fix_field(38)
    cl_ord_id: str | None = fix_field(11)
    party_ids: list[Party] = fix_field(453, group=Party)
    prefer_better_quote: bool | None = fix_field(21022)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class AcceptQuoteStatus(Message):
    """MsgType UC (application)."""

    MSG_TYPE: ClassVar[str] = 'UC'
    ADMIN: ClassVar[bool] = False
    quote_id: str = fix_field(117, required=True)
    accept_quote_status: enums.AcceptQuoteStatus = fix_field(21025, required=True, enum=enums.AcceptQuoteStatus)
    accepted_quote_id: str | None = fix_field(21024)
    cl_ord_id: str | None = fix_field(11)
    text: str | None = fix_field(58)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class QuoteConfirm(Message):
    """MsgType U7 (application)."""

    MSG_TYPE: ClassVar[str] = 'U7'
    ADMIN: ClassVar[bool] = False
    quote_id: str = fix_field(117, required=True)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class QuoteConfirmStatus(Message):
    """MsgType U8 (application)."""

    MSG_TYPE: ClassVar[str] = 'U8'
    ADMIN: ClassVar[bool] = False
    quote_id: str = fix_field(117, required=True)
    quote_confirm_status: enums.QuoteConfirmStatus = fix_field(21010, required=True, enum=enums.QuoteConfirmStatus)
    text: str | None = fix_field(58)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class RFQCancel(Message):
    """MsgType UE (application)."""

    MSG_TYPE: ClassVar[str] = 'UE'
    ADMIN: ClassVar[bool] = False
    quote_req_id: str | None = fix_field(131)
    rfq_id: str | None = fix_field(21023)
    party_ids: list[Party] = fix_field(453, group=Party)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, kw_only=True)
class RFQCancelStatus(Message):
    """MsgType UB (application)."""

    MSG_TYPE: ClassVar[str] = 'UB'
    ADMIN: ClassVar[bool] = False
    quote_req_id: str = fix_field(131, required=True)
    rfq_cancel_status: enums.RFQCancelStatus = fix_field(21013, required=True, enum=enums.RFQCancelStatus)
    text: str | None = fix_field(58)
    header: StandardHeader | None = field(default=None, compare=False, repr=False)


#: MsgType -> message class
MESSAGE_TYPES: dict[str, type[Message]] = {
    '0': Heartbeat,
    '1': TestRequest,
    '2': ResendRequest,
    '3': Reject,
    '4': SequenceReset,
    '5': Logout,
    'A': Logon,
    'D': NewOrderSingle,
    'F': OrderCancelRequest,
    'G': OrderCancelReplaceRequest,
    'q': OrderMassCancelRequest,
    '8': ExecutionReport,
    '9': OrderCancelReject,
    'r': OrderMassCancelReport,
    'j': BusinessMessageReject,
    'UOG': OrderGroupRequest,
    'UOH': OrderGroupResponse,
    'U1': EventResendRequest,
    'U2': EventResendComplete,
    'U3': EventResendReject,
    'UMS': MarketSettlementReport,
    'R': QuoteRequest,
    'b': QuoteRequestAck,
    'S': Quote,
    'AI': QuoteStatusReport,
    'Z': QuoteCancel,
    'U9': QuoteCancelStatus,
    'AG': QuoteRequestReject,
    'UA': AcceptQuote,
    'UC': AcceptQuoteStatus,
    'U7': QuoteConfirm,
    'U8': QuoteConfirmStatus,
    'UE': RFQCancel,
    'UB': RFQCancelStatus,
}
