"""Every generated message survives to_fix -> decode, in cents and in dollars; price rules.

Why: the dataclasses are the API every other layer uses; a message that does not come back equal
(a lost group, a price off by 100x, a duplicated length tag) would corrupt orders silently.
Instances are built from the dataclass field specs, so a new message or field is covered
without touching this file.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixgw.codec import EncodeError, FieldEncoder, build_frame
from fixgw.dictionary import Dictionary
from fixgw.messages import (
    MESSAGE_TYPES,
    ExecutionReport,
    Logon,
    MarketSettlementReport,
    Message,
    MiscFee,
    NewOrderSingle,
    PriceFormat,
    Quote,
    decode,
    default_decoder,
    enums,
    wire_price_format,
)
from fixgw.messages.base import FieldSpec, Group, _plan
from fixgw.messages.prices import CENTS_TAGS, PRICE_TAGS

DICT = Dictionary.default()
T0 = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
INT_TYPES = {"INT", "SEQNUM", "LENGTH", "NUMINGROUP", "TAGNUM", "DAYOFMONTH"}
DEC_TYPES = {"PRICE", "QTY", "AMT", "FLOAT", "PRICEOFFSET", "PERCENTAGE", "DECIMAL"}
DATA_LENGTH = DICT.data_length_tags  # 95 -> 96

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x01"),
    min_size=1,
    max_size=24,
)
ASCII_CHAR = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


def _decimal(places: int, lo: int = -(10**6), hi: int = 10**6) -> st.SearchStrategy[Decimal]:
    return st.integers(lo * 10**places, hi * 10**places).map(lambda n: Decimal(n).scaleb(-places))


ANY_DECIMAL = st.integers(0, 4).flatmap(_decimal)


def price_strategy(tag: int, fmt: PriceFormat) -> st.SearchStrategy[Decimal]:
    """Dollar values the wire format can carry exactly."""
    if tag in CENTS_TAGS:  # SettlementPrice: cents with up to 2 decimals
        return st.integers(0, 4).flatmap(lambda p: _decimal(p, 0, 1))
    if fmt is PriceFormat.DOLLARS:
        return st.integers(0, 4).flatmap(lambda p: _decimal(p, 0, 1))
    if tag == 6:  # AvgPx may be a fraction of a cent
        return st.integers(0, 4).flatmap(lambda p: _decimal(p, 0, 1))
    return st.integers(0, 100).map(lambda c: Decimal(c).scaleb(-2))


def value_strategy(s: FieldSpec, fmt: PriceFormat) -> st.SearchStrategy[Any]:
    if s.enum is not None:
        return st.sampled_from(list(s.enum))
    if s.tag in PRICE_TAGS or s.tag in CENTS_TAGS:
        return price_strategy(s.tag, fmt)
    ftype = DICT.fields[s.tag].type
    if ftype in INT_TYPES:
        return st.integers(-(2**40), 2**40)
    if ftype in DEC_TYPES:
        return ANY_DECIMAL
    if ftype == "BOOLEAN":
        return st.booleans()
    if ftype == "UTCTIMESTAMP":
        return st.datetimes(
            min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        )
    if ftype in ("LOCALMKTDATE", "UTCDATEONLY", "UTCDATE"):
        return st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 1, 1))
    if ftype == "UTCTIMEONLY":  # sent with millisecond precision
        return st.times().map(
            lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000, tzinfo=UTC)
        )
    if ftype in ("DATA", "XMLDATA"):
        return st.binary(min_size=1, max_size=64)
    if ftype == "CHAR":
        return ASCII_CHAR
    return TEXT


def instance_strategy(cls: type, fmt: PriceFormat) -> st.SearchStrategy[Any]:
    specs = _plan(cls)[0]
    kwargs: dict[str, st.SearchStrategy[Any]] = {}
    length_of = {data: length for length, data in DATA_LENGTH.items()}
    delimiter = specs[0].tag if issubclass(cls, Group) else None
    for s in specs:
        if s.tag in DATA_LENGTH:
            continue  # derived from its DATA field below
        if s.group is not None:
            kwargs[s.name] = st.lists(
                instance_strategy(s.group, fmt), min_size=1 if s.required else 0, max_size=3
            )
            continue
        value = value_strategy(s, fmt)
        kwargs[s.name] = value if s.required or s.tag == delimiter else st.none() | value

    names = {s.tag: s.name for s in specs}

    def build(kw: dict[str, Any]) -> Any:
        for data_tag, length_tag in length_of.items():
            if data_tag in names and length_tag in names:
                data = kw.get(names[data_tag])
                kw[names[length_tag]] = None if data is None else len(data)
        return cls(**kw)

    return st.fixed_dictionaries(kwargs).map(build)


def _to_fix(msg: Message, fmt: PriceFormat, seq: int = 7) -> bytes:
    return msg.to_fix(
        sender_comp_id="client",
        target_comp_id="KalshiNR",
        msg_seq_num=seq,
        sending_time=T0,
        price_format=fmt,
    )


def test_every_message_type_is_generated() -> None:
    assert set(MESSAGE_TYPES) == set(DICT.messages)
    for mt, cls in MESSAGE_TYPES.items():
        assert mt == cls.MSG_TYPE
        assert DICT.messages[mt].admin == cls.ADMIN
        tags = {s.tag for s in _plan(cls)[0]}
        assert tags == set(DICT.messages[mt].tags), mt


def test_group_classes_start_with_the_delimiter() -> None:
    """A group entry must be written delimiter first, so its first spec must be the delimiter."""
    seen = 0
    for mt, cls in MESSAGE_TYPES.items():
        members = {m.field.number: m for m in DICT.messages[mt].members}
        stack = [(cls, members)]
        while stack:
            c, mem = stack.pop()
            for s in _plan(c)[0]:
                if s.group is None:
                    continue
                g = mem[s.tag].group
                assert g is not None
                assert _plan(s.group)[0][0].tag == g.delimiter, f"{mt}: {s.group.__name__}"
                assert s.tag == s.group.COUNT_TAG
                stack.append((s.group, {m.field.number: m for m in g.members}))
                seen += 1
    assert seen >= 10


@pytest.mark.parametrize("fmt", list(PriceFormat), ids=lambda f: f.value)
@pytest.mark.parametrize("msg_type", sorted(MESSAGE_TYPES))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_roundtrip(msg_type: str, fmt: PriceFormat, data: st.DataObject) -> None:
    cls = MESSAGE_TYPES[msg_type]
    msg = data.draw(instance_strategy(cls, fmt), label=cls.__name__)
    raw = _to_fix(msg, fmt, seq=data.draw(st.integers(1, 10**9), label="seq"))
    back = decode(raw, fmt)
    assert type(back) is cls
    assert back == msg
    assert back.header is not None and back.header.sender_comp_id == "client"
    assert back.header.sending_time == T0
    # and the wire form is stable
    assert _to_fix(back, fmt, seq=back.header.msg_seq_num) == raw


# --- prices ------------------------------------------------------------------------------------


def _order(price: Any) -> NewOrderSingle:
    return NewOrderSingle(
        cl_ord_id="c1",
        order_qty=Decimal("10"),
        ord_type=enums.OrdType.LIMIT,
        price=price,
        side=enums.Side.BUY,
        symbol="HIGHNY-23DEC31",
    )


def test_cents_mode_price_on_the_wire() -> None:
    raw = _to_fix(_order(Decimal("0.75")), PriceFormat.CENTS)
    assert b"\x0144=75\x01" in raw
    back = decode(raw, PriceFormat.CENTS)
    assert isinstance(back, NewOrderSingle)
    assert back.price == Decimal("0.75")


def test_dollars_mode_price_on_the_wire() -> None:
    raw = _to_fix(_order(Decimal("0.7500")), PriceFormat.DOLLARS)
    assert b"\x0144=0.7500\x01" in raw
    back = decode(raw, PriceFormat.DOLLARS)
    assert isinstance(back, NewOrderSingle)
    assert back.price == Decimal("0.75") and str(back.price) == "0.7500"
    # a subpenny price is fine in dollars
    assert b"\x0144=0.7550\x01" in _to_fix(_order(Decimal("0.7550")), PriceFormat.DOLLARS)


def test_subpenny_price_in_cents_mode_is_refused() -> None:
    with pytest.raises(EncodeError, match=r"tag 44: price 0\.755 is not a whole number of cents"):
        _to_fix(_order(Decimal("0.755")), PriceFormat.CENTS)


def test_more_than_four_decimals_in_dollars_is_refused() -> None:
    with pytest.raises(EncodeError, match=r"tag 44: .*more than 4 decimals"):
        _to_fix(_order(Decimal("0.75001")), PriceFormat.DOLLARS)


def test_avg_px_may_be_fractional_cents() -> None:
    er = ExecutionReport(
        avg_px=Decimal("0.6633"),
        cl_ord_id="c1",
        cum_qty=Decimal("3"),
        exec_id="1;2",
        order_id="o1",
        order_qty=Decimal("10"),
        ord_status=enums.OrdStatus.PARTIALLY_FILLED,
        side=enums.Side.BUY,
        symbol="M",
        exec_type=enums.ExecType.TRADE,
        leaves_qty=Decimal("7"),
        last_px=Decimal("0.66"),
    )
    raw = _to_fix(er, PriceFormat.CENTS)
    assert b"\x016=66.33\x01" in raw and b"\x0131=66\x01" in raw
    assert decode(raw, PriceFormat.CENTS) == er


def test_settlement_price_is_always_cents() -> None:
    raw = b"20105=s1\x0155=M\x01715=20231231\x0120107=yes\x01730=30.60\x01"
    frame = build_frame(
        b"FIXT.1.1",
        b"UMS",
        b"49=KalshiPT\x0156=client\x0134=3\x0152=20231231-00:00:00.000\x01",
        raw,
    )
    for fmt in PriceFormat:
        msg = decode(frame, fmt)
        assert isinstance(msg, MarketSettlementReport)
        assert msg.settlement_price == Decimal("0.3060")
        assert b"\x01730=30.60\x01" in _to_fix(msg, fmt)


@pytest.mark.parametrize("tag_attr", ["price", "order_qty"])
def test_float_is_refused_naming_the_tag(tag_attr: str) -> None:
    order = _order(Decimal("0.75"))
    setattr(order, tag_attr, 0.75)
    tag = {"price": 44, "order_qty": 38}[tag_attr]
    with pytest.raises(EncodeError, match=rf"tag {tag}\b.*float"):
        _to_fix(order, PriceFormat.CENTS)


def test_missing_required_field_names_attribute_and_tag() -> None:
    order = _order(Decimal("0.75"))
    order.symbol = None  # type: ignore[assignment]
    with pytest.raises(EncodeError, match=r"NewOrderSingle\.symbol \(tag 55\) is required"):
        _to_fix(order, PriceFormat.CENTS)


def test_wire_price_format() -> None:
    assert wire_price_format("S", from_exchange=True, use_dollars=False) is PriceFormat.DOLLARS
    assert wire_price_format("S", from_exchange=False, use_dollars=False) is PriceFormat.CENTS
    assert wire_price_format("S", from_exchange=False, use_dollars=True) is PriceFormat.DOLLARS
    assert wire_price_format("8", from_exchange=True, use_dollars=False) is PriceFormat.CENTS
    assert wire_price_format("AI", from_exchange=True, use_dollars=True) is PriceFormat.DOLLARS


def test_quote_to_creator_in_dollars() -> None:
    q = Quote(
        quote_id="quote-789",
        quote_req_id="server-rfq-456",
        symbol="HIGHNY-23DEC31",
        bid_px=Decimal("0.7500"),
        offer_px=Decimal("0.2500"),
        order_qty=Decimal("100"),
    )
    fmt = wire_price_format("S", from_exchange=True, use_dollars=False)
    raw = _to_fix(q, fmt)
    assert b"\x01132=0.7500\x01" in raw and b"\x01133=0.2500\x01" in raw
    assert decode(raw, fmt) == q


# --- RawData ------------------------------------------------------------------------------------


def test_rawdata_length_written_once() -> None:
    """A decoded Logon carries raw_data_length; re-encoding must not repeat 95."""
    sig = b"\x01sig=\x0110=000"
    logon = Logon(
        encrypt_method=enums.EncryptMethod.NONE,
        heart_bt_int=30,
        default_appl_ver_id=enums.DefaultApplVerID("9"),
        raw_data=sig,
        raw_data_length=999,  # ignored: the length always comes from the data
    )
    raw = _to_fix(logon, PriceFormat.CENTS)
    assert raw.count(b"\x0195=") == 1 and b"\x0195=%d\x0196=" % len(sig) in raw
    back = decode(raw)
    assert isinstance(back, Logon) and back.raw_data == sig and back.raw_data_length == len(sig)
    assert _to_fix(back, PriceFormat.CENTS) == raw
    assert sig not in repr(default_decoder().decode(raw)).encode()


def test_group_entry_without_delimiter_is_refused() -> None:
    er = ExecutionReport(
        avg_px=Decimal("0"),
        cl_ord_id="c1",
        cum_qty=Decimal("0"),
        exec_id="1;2",
        order_id="o1",
        order_qty=Decimal("10"),
        ord_status=enums.OrdStatus.NEW,
        side=enums.Side.BUY,
        symbol="M",
        exec_type=enums.ExecType.NEW,
        leaves_qty=Decimal("10"),
        misc_fees=[MiscFee(misc_fee_curr="USD")],
    )
    with pytest.raises(EncodeError, match=r"MiscFee\.misc_fee_amt \(tag 137\) is required"):
        _to_fix(er, PriceFormat.CENTS)


def test_field_encoder_skips_length_tags() -> None:
    enc = FieldEncoder(DICT)
    assert enc.fields([(95, 3), (96, b"abc")]) == b"95=3\x0196=abc\x01"
    assert enc.field(95, 3) == b"95=3\x01"


def test_dataclass_fields_carry_metadata() -> None:
    f = {x.name: x for x in dataclasses.fields(NewOrderSingle)}
    assert f["price"].metadata["tag"] == 44 and f["price"].metadata["required"] is True
    assert f["side"].metadata["enum"] is enums.Side
    assert f["party_ids"].metadata["group"].COUNT_TAG == 453
