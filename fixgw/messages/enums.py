"""FIX enumerations, generated from dictionary/kalshi-fixgw.xml by tools/gen_messages.py.  Do not edit."""

from __future__ import annotations

from .base import FixEnum

__all__ = ['ExecInst', 'MsgType', 'OrdStatus', 'OrdType', 'Side', 'TimeInForce', 'EncryptMethod', 'CxlRejReason', 'OrdRejReason', 'MiscFeeType', 'ExecType', 'QuoteStatus', 'QuoteCancelStatus', 'QuoteRequestType', 'SessionRejectReason', 'BusinessRejectReason', 'CxlRejResponseTo', 'PartyRole', 'MassCancelRequestType', 'MassCancelResponse', 'QuoteRequestRejectReason', 'MiscFeeBasis', 'ApplVerID', 'DefaultApplVerID', 'CollateralAmountType', 'SelfTradePreventionType', 'MarketResult', 'MarketSettlementPartyRole', 'OrderGroupAction', 'MultivariateSelectedMarketSide', 'EventResendRejectReason', 'QuoteConfirmStatus', 'RFQCancelStatus', 'AcceptQuoteStatus']


class ExecInst(FixEnum):
    """Tag 18 (CHAR)."""

    POST_ONLY = '6'


class MsgType(FixEnum):
    """Tag 35 (STRING)."""

    HEARTBEAT = '0'
    TEST_REQUEST = '1'
    RESEND_REQUEST = '2'
    REJECT = '3'
    SEQUENCE_RESET = '4'
    LOGOUT = '5'
    LOGON = 'A'
    NEW_ORDER_SINGLE = 'D'
    ORDER_CANCEL_REQUEST = 'F'
    ORDER_CANCEL_REPLACE_REQUEST = 'G'
    ORDER_MASS_CANCEL_REQUEST = 'q'
    EXECUTION_REPORT = '8'
    ORDER_CANCEL_REJECT = '9'
    ORDER_MASS_CANCEL_REPORT = 'r'
    BUSINESS_MESSAGE_REJECT = 'j'
    ORDER_GROUP_REQUEST = 'UOG'
    ORDER_GROUP_RESPONSE = 'UOH'
    EVENT_RESEND_REQUEST = 'U1'
    EVENT_RESEND_COMPLETE = 'U2'
    EVENT_RESEND_REJECT = 'U3'
    MARKET_SETTLEMENT_REPORT = 'UMS'
    QUOTE_REQUEST = 'R'
    QUOTE_REQUEST_ACK = 'b'
    QUOTE = 'S'
    QUOTE_STATUS_REPORT = 'AI'
    QUOTE_CANCEL = 'Z'
    QUOTE_CANCEL_STATUS = 'U9'
    QUOTE_REQUEST_REJECT = 'AG'
    ACCEPT_QUOTE = 'UA'
    ACCEPT_QUOTE_STATUS = 'UC'
    QUOTE_CONFIRM = 'U7'
    QUOTE_CONFIRM_STATUS = 'U8'
    RFQ_CANCEL = 'UE'
    RFQ_CANCEL_STATUS = 'UB'


class OrdStatus(FixEnum):
    """Tag 39 (CHAR)."""

    NEW = '0'
    PARTIALLY_FILLED = '1'
    FILLED = '2'
    CANCELED = '4'
    PENDING_CANCEL = '6'
    REJECTED = '8'
    PENDING_NEW = 'A'
    EXPIRED = 'C'
    PENDING_REPLACE = 'E'


class OrdType(FixEnum):
    """Tag 40 (CHAR)."""

    LIMIT = '2'


class Side(FixEnum):
    """Tag 54 (CHAR)."""

    BUY = '1'
    SELL = '2'


class TimeInForce(FixEnum):
    """Tag 59 (CHAR)."""

    DAY = '0'
    GTC = '1'
    IOC = '3'
    FOK = '4'
    GTD = '6'


class EncryptMethod(FixEnum):
    """Tag 98 (INT)."""

    NONE = 0


class CxlRejReason(FixEnum):
    """Tag 102 (INT)."""

    TOO_LATE_TO_CANCEL = 0
    UNKNOWN_ORDER = 1
    BROKER = 2
    INVALID_PRICE_INCREMENT = 18
    OTHER = 99


class OrdRejReason(FixEnum):
    """Tag 103 (INT)."""

    UNKNOWN_SYMBOL = 1
    EXCHANGE_CLOSED = 2
    ORDER_EXCEEDS_LIMIT = 3
    TOO_LATE_TO_ENTER = 4
    DUPLICATE_ORDER = 6
    STALE_ORDER = 8
    UNSUPPORTED_ORDER_CHARACTERISTIC = 11
    INCORRECT_QUANTITY = 13
    UNKNOWN_ACCOUNT = 15
    OTHER = 99


class MiscFeeType(FixEnum):
    """Tag 139 (STRING)."""

    EXCHANGE_FEES = '4'


class ExecType(FixEnum):
    """Tag 150 (CHAR)."""

    NEW = '0'
    TRADE = 'F'
    CANCELED = '4'
    REPLACED = '5'
    REJECTED = '8'
    EXPIRED = 'C'
    PENDING_NEW = 'A'
    PENDING_CANCEL = '6'
    PENDING_REPLACE = 'E'


class QuoteStatus(FixEnum):
    """Tag 297 (INT)."""

    ACCEPTED = 0
    REJECTED = 5
    PENDING = 10
    CANCELLED = 17


class QuoteCancelStatus(FixEnum):
    """Tag 298 (INT)."""

    CANCELED = 0
    REJECTED = 1


class QuoteRequestType(FixEnum):
    """Tag 303 (INT)."""

    MANUAL = 1


class SessionRejectReason(FixEnum):
    """Tag 373 (INT)."""

    INVALID_TAG_NUMBER = 0
    REQUIRED_TAG_MISSING = 1
    TAG_NOT_DEFINED_FOR_MESSAGE = 2
    UNDEFINED_TAG = 3
    TAG_WITHOUT_VALUE = 4
    INCORRECT_VALUE = 5
    INCORRECT_DATA_FORMAT = 6
    DECRYPTION_PROBLEM = 7
    SIGNATURE_PROBLEM = 8
    COMPID_PROBLEM = 9
    SENDINGTIME_ACCURACY = 10
    INVALID_MSGTYPE = 11
    TAG_APPEARS_MORE_THAN_ONCE = 13
    TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER = 14
    REPEATING_GROUP_FIELDS_OUT_OF_ORDER = 15
    INCORRECT_NUMINGROUP_COUNT_FOR_REPEATING_GROUP = 16
    OTHER = 99


class BusinessRejectReason(FixEnum):
    """Tag 380 (INT)."""

    OTHER = 0
    UNKNOWN_ID = 1
    UNKNOWN_SECURITY = 2
    UNSUPPORTED_MESSAGE_TYPE = 3
    APPLICATION_NOT_AVAILABLE = 4
    CONDITIONALLY_REQUIRED_FIELD_MISSING = 5
    NOT_AUTHORIZED = 6
    RATE_LIMIT_EXCEEDED = 8


class CxlRejResponseTo(FixEnum):
    """Tag 434 (CHAR)."""

    ORDER_CANCEL_REQUEST = '1'
    ORDER_CANCEL_REPLACE_REQUEST = '2'


class PartyRole(FixEnum):
    """Tag 452 (INT)."""

    CUSTOMER_ACCOUNT = 24


class MassCancelRequestType(FixEnum):
    """Tag 530 (CHAR)."""

    CANCEL_FOR_SESSION = '6'


class MassCancelResponse(FixEnum):
    """Tag 531 (CHAR)."""

    SUCCESS = '6'
    REJECTED = '0'


class QuoteRequestRejectReason(FixEnum):
    """Tag 658 (INT)."""

    UNKNOWN_SYMBOL = 1
    QUOTE_REQUEST_EXCEEDS_LIMIT = 3
    INSUFFICIENT_CREDIT = 11
    OTHER = 99


class MiscFeeBasis(FixEnum):
    """Tag 891 (INT)."""

    ABSOLUTE = 0


class ApplVerID(FixEnum):
    """Tag 1128 (STRING)."""

    FIX50SP2 = '9'


class DefaultApplVerID(FixEnum):
    """Tag 1137 (STRING)."""

    FIX50SP2 = '9'


class CollateralAmountType(FixEnum):
    """Tag 1705 (STRING)."""

    BALANCE = 'BALANCE'
    PAYOUT = 'PAYOUT'


class SelfTradePreventionType(FixEnum):
    """Tag 2964 (INT)."""

    TAKER_AT_CROSS = 1
    MAKER = 2


class MarketResult(FixEnum):
    """Tag 20107 (STRING)."""

    YES = 'yes'
    NO = 'no'
    SCALAR = 'scalar'


class MarketSettlementPartyRole(FixEnum):
    """Tag 20110 (INT)."""

    CUSTOMER_ACCOUNT = 24


class OrderGroupAction(FixEnum):
    """Tag 20131 (INT)."""

    CREATE = 1
    RESET = 2
    DELETE = 3
    TRIGGER = 4
    UPDATE = 5


class MultivariateSelectedMarketSide(FixEnum):
    """Tag 20184 (STRING)."""

    YES = 'yes'
    NO = 'no'


class EventResendRejectReason(FixEnum):
    """Tag 21004 (INT)."""

    TOO_MANY_RESEND_REQUESTS = 1
    SERVER_ERROR = 2
    BEGIN_EXECID_TOO_SMALL = 3
    END_EXECID_TOO_LARGE = 4


class QuoteConfirmStatus(FixEnum):
    """Tag 21010 (INT)."""

    ACCEPTED = 0
    REJECTED = 1


class RFQCancelStatus(FixEnum):
    """Tag 21013 (INT)."""

    CANCELED = 0
    REJECTED = 1


class AcceptQuoteStatus(FixEnum):
    """Tag 21025 (INT)."""

    ACCEPTED = 0
    REJECTED = 1
