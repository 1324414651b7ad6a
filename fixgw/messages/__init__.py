"""Messages layer: one dataclass per Kalshi FIX message, typed, with Decimal dollars for prices.

>>> from fixgw.messages import NewOrderSingle, decode
>>> order = NewOrderSingle(cl_ord_id="c1", order_qty=Decimal("10"), ord_type=enums.OrdType.LIMIT,
...                        price=Decimal("0.75"), side=enums.Side.BUY, symbol="HIGHNY-23DEC31")
"""

from __future__ import annotations

import functools
from typing import Any

from ..codec import Decoder, FieldEncoder
from ..dictionary import Dictionary
from . import enums, generated
from .base import FixEnum, Group, Header, Message
from .generated import *  # noqa: F403
from .generated import MESSAGE_TYPES, StandardHeader
from .prices import PriceFormat, wire_price_format

__all__ = [
    "FixEnum",
    "Group",
    "Header",
    "Message",
    "MESSAGE_TYPES",
    "PriceFormat",
    "StandardHeader",
    "decode",
    "default_decoder",
    "default_encoder",
    "enums",
    "from_fix_message",
    "wire_price_format",
    *generated.__all__,
]


@functools.lru_cache(maxsize=1)
def default_decoder() -> Decoder:
    return Decoder(Dictionary.default())


@functools.lru_cache(maxsize=1)
def default_encoder() -> FieldEncoder:
    return FieldEncoder(Dictionary.default())


def from_fix_message(fm: Any, fmt: PriceFormat = PriceFormat.CENTS) -> Message:
    """Typed message from the codec's ``FixMessage``."""
    cls = MESSAGE_TYPES[fm.msg_type]
    msg = cls.from_fields(fm.body, fmt)
    msg.header = StandardHeader.from_fields(fm.header, fmt)  # type: ignore[attr-defined]
    return msg


def decode(raw: bytes, fmt: PriceFormat = PriceFormat.CENTS, decoder: Decoder | None = None) -> Message:
    """Validate and decode one framed message into its dataclass."""
    return from_fix_message((decoder or default_decoder()).decode(raw), fmt)
