"""Messages layer: one dataclass per Kalshi FIX message, typed, with Decimal dollars for prices.

>>> from fixgw.messages import NewOrderSingle, decode
>>> order = NewOrderSingle(cl_ord_id="c1", order_qty=Decimal("10"), ord_type=enums.OrdType.LIMIT,
...                        price=Decimal("0.75"), side=enums.Side.BUY, symbol="HIGHNY-23DEC31")
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..codec import Decoder
from ..dictionary import Dictionary
from . import enums, generated
from .base import FixEnum, Group, Header, Message, default_encoder
from .generated import *  # noqa: F403
from .generated import MESSAGE_TYPES, StandardHeader
from .prices import PriceFormat, wire_price_format
from .shaped import compile_builder as shape_builder

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


_UNSEEN: Any = object()
_DOLLARS = PriceFormat.DOLLARS
#: ``Shape.cache`` keys of the builders compiled per shape: [from parts?][dollars?]; a value is
#: the builder, or None for "always the plain route"
_KEYS = (("messages.fm.cents", "messages.fm.dollars"), ("messages.parts.cents", "messages.parts.dollars"))


def from_fix_message(fm: Any, fmt: PriceFormat = PriceFormat.CENTS) -> Message:
    """Typed message from the codec's ``FixMessage``."""
    shape = fm.shape
    if shape is not None:
        key = _KEYS[0][fmt is _DOLLARS]
        build = shape.cache.get(key, _UNSEEN)
        if build is _UNSEEN:
            build = _learn(shape, key, fmt, fm, lambda: fm)
        if build is not None:
            try:
                return build(fm)  # type: ignore[no-any-return]
            except Exception:
                pass  # the plain route builds it or raises what names the problem
    return _from_fix_message_plain(fm, fmt)


def _from_fix_message_plain(fm: Any, fmt: PriceFormat) -> Message:
    cls = MESSAGE_TYPES[fm.msg_type]
    msg = cls.from_fields(fm.body, fmt)
    msg.header = StandardHeader.from_fields(fm.header, fmt)  # type: ignore[attr-defined]
    return msg


def _learn(shape: Any, key: str, fmt: PriceFormat, arg: Any, checked: Callable[[], Any]) -> Any:
    """The shape's builder (compiled once), kept under ``key`` once it has given what the plain
    route gives on a valid message (``checked()``: that message decoded the checked way), or
    None under ``key`` if it does not.  An invalid message decides nothing: it returns None and
    leaves the builder to be checked on the next message of the shape."""
    build = shape.cache.get(key + ":compiled", _UNSEEN)
    if build is _UNSEEN:
        compiled = shape_builder(shape, fmt, key in _KEYS[1])
        build = shape.cache[key + ":compiled"] = None if compiled is None else compiled[0]
    if build is None:
        shape.cache[key] = None
        return None
    try:
        want = _from_fix_message_plain(checked(), fmt)
    except Exception:
        return None
    try:
        got = build(arg)
    except Exception:
        got = None
    if type(got) is not type(want) or repr((got, got.header)) != repr((want, want.header)):  # type: ignore[union-attr, attr-defined]
        build = None
    shape.cache[key] = build
    return build


def decode(raw: bytes, fmt: PriceFormat = PriceFormat.CENTS, decoder: Decoder | None = None) -> Message:
    """Validate and decode one framed message into its dataclass."""
    dec = decoder or default_decoder()
    got = dec.decode_shaped(raw)
    if type(got) is tuple:
        shape, parts = got
        key = _KEYS[1][fmt is _DOLLARS]
        build = shape.cache.get(key, _UNSEEN)
        if build is _UNSEEN:
            build = _learn(shape, key, fmt, parts, lambda: dec._decode_checked(raw))
        if build is not None:
            try:
                return build(parts)  # type: ignore[no-any-return]
            except Exception:
                pass  # decode() below decodes it or raises the error that names the problem
        got = dec.decode(raw)
    return from_fix_message(got, fmt)
