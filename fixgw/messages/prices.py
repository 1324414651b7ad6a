"""Cents vs dollars on the wire, in one place.

The API always speaks ``Decimal`` dollars (0.75 means 75 cents).  On the wire, Kalshi sends
price tags in whole cents (legacy) or, when the session logged on with UseDollars (21005=Y), in
dollars with up to 4 decimals.  SettlementPrice (730) is always cents with up to 2 decimals.

Exception, taken from the RFQ page: Quote (35=S) sent by the exchange to an RFQ creator carries
BidPx/OfferPx in dollars ("Yes price in dollars (e.g. 0.4500)") whatever the Logon said, while
the market maker's Quote and the QuoteStatusReport use cents.  ``wire_price_format`` encodes
that rule so the client and the simulator agree.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from ..codec.errors import EncodeError

__all__ = [
    "PRICE_TAGS",
    "CENTS_TAGS",
    "PriceFormat",
    "price_from_wire",
    "price_to_wire",
    "wire_price_format",
]

#: Tags whose unit follows UseDollars (subpenny pricing page).
PRICE_TAGS = frozenset({6, 31, 44, 132, 133})
#: Tags that are always cents on the wire.
CENTS_TAGS = frozenset({730})
#: AvgPx may be a fraction of a cent even in cents mode.
_FRACTIONAL_OK = frozenset({6, 730})
_ONE = Decimal(1)
_FOUR = Decimal("0.0001")


class PriceFormat(Enum):
    CENTS = "cents"
    DOLLARS = "dollars"


def wire_price_format(msg_type: str, *, from_exchange: bool, use_dollars: bool) -> PriceFormat:
    if msg_type == "S" and from_exchange:
        return PriceFormat.DOLLARS
    return PriceFormat.DOLLARS if use_dollars else PriceFormat.CENTS


def price_from_wire(tag: int, value: Decimal, fmt: PriceFormat) -> Decimal:
    if tag in CENTS_TAGS or fmt is PriceFormat.CENTS:
        return value.scaleb(-2)
    return value


def price_to_wire(tag: int, value: Decimal, fmt: PriceFormat) -> Decimal:
    if not isinstance(value, Decimal):
        raise EncodeError(f"tag {tag}: price must be a Decimal in dollars, got {type(value).__name__} {value!r}")
    if not value.is_finite():
        raise EncodeError(f"tag {tag}: price {value} is not a finite number")
    if tag in CENTS_TAGS or fmt is PriceFormat.CENTS:
        cents = value.scaleb(2)
        if tag in _FRACTIONAL_OK:
            return cents
        if cents != cents.to_integral_value():
            raise EncodeError(
                f"tag {tag}: price {value} is not a whole number of cents; "
                "log on with UseDollars (21005=Y) to send subpenny prices"
            )
        return cents.quantize(_ONE)
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and exp < -4:
        raise EncodeError(f"tag {tag}: price {value} has more than 4 decimals (dollars format allows 4)")
    # Fixed 4-decimal precision, as the Subpenny page's examples show (44=0.7500).
    return value.quantize(_FOUR) if tag not in _FRACTIONAL_OK else value
