"""The codec's and the messages' fast paths agree with their plain paths.

Why: decode, from_fields and encode each have a fast path (dict lookups, C-level loops, code
compiled per message class) that hands anything unusual to the plain path.  The contract is
that the fast path only ever accepts what the plain path accepts and produces the very same
result for it; these tests compare both on valid messages and on mutated ones.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz_codec import CORPUS

from fixgw.codec import CodecError, Decoder, EncodeError, FieldEncoder, checksum, split_fields
from fixgw.codec.tokenizer import _split_slow, split_tags_values
from fixgw.codec.values import (
    format_timestamp,
    format_timestamp_fast,
    parse_timestamp,
    parse_timestamp_fast,
)
from fixgw.dictionary import Dictionary
from fixgw.messages import (
    MESSAGE_TYPES,
    CollateralAmountChange,
    ExecutionReport,
    MiscFee,
    NewOrderSingle,
    Party,
    PriceFormat,
    StandardHeader,
    decode,
    default_encoder,
    enums,
)
from fixgw.messages.base import _BUILDER_SOURCE, _ENCODER_SOURCE, _FRAMER_SOURCE

D = Dictionary.default()
DECODERS = [Decoder(D), Decoder(D, verify=False), Decoder(D, allow_unknown_tags=True, verify=False)]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2026, 1, 5, 14, 30, 0, 123000, tzinfo=UTC)
FORMATS = (PriceFormat.CENTS, PriceFormat.DOLLARS)


def _fill(i: int) -> ExecutionReport:
    return ExecutionReport(
        avg_px=Decimal("0.75"), cl_ord_id=f"c{i}", cum_qty=Decimal(10), exec_id=f"4;{i}", last_px=Decimal("0.75"),
        last_qty=Decimal(10), order_id="o1", order_qty=Decimal(10), ord_status=enums.OrdStatus.FILLED,
        price=Decimal("0.7500"), side=enums.Side.SELL, symbol="KX-1", transact_time=T0, exec_type=enums.ExecType.TRADE,
        leaves_qty=Decimal(0), trd_match_id="m1", aggressor_indicator=False,
        misc_fees=[MiscFee(misc_fee_amt=Decimal("0.0700"), misc_fee_curr="USD", misc_fee_type=enums.MiscFeeType.EXCHANGE_FEES,
                           misc_fee_basis=enums.MiscFeeBasis.ABSOLUTE)],
        collateral_amount_changes=[
            CollateralAmountChange(collateral_amount_change=Decimal("-7.57"), collateral_amount_type=enums.CollateralAmountType.BALANCE),
            CollateralAmountChange(collateral_amount_change=Decimal(10), collateral_amount_type=enums.CollateralAmountType.PAYOUT),
        ],
        party_ids=[Party(party_id="p", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)],
    )  # fmt: skip


def _order(i: int) -> NewOrderSingle:
    return NewOrderSingle(
        cl_ord_id=f"c{i}", order_qty=Decimal(3), ord_type=enums.OrdType.LIMIT, price=Decimal("0.41"),
        side=enums.Side.BUY, symbol="KX-1", time_in_force=enums.TimeInForce.GTC, transact_time=T0 + timedelta(microseconds=i),
        party_ids=[Party(party_id="sub-1", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)], cancel_order_on_pause=True,
    )  # fmt: skip


def _wire(msg: object, seq: int, fmt: PriceFormat = PriceFormat.CENTS) -> bytes:
    return msg.to_fix(  # type: ignore[attr-defined]
        sender_comp_id="KalshiNR", target_comp_id="client", msg_seq_num=seq, sending_time=T0, price_format=fmt
    )


VALID = [*CORPUS, _wire(_fill(1), 7), _wire(_order(2), 8), _wire(_fill(3), 9, PriceFormat.DOLLARS)]


def _same_outcome(dec: Decoder, raw: bytes) -> None:
    """The fast path returns nothing for what the plain path refuses, the plain path's result
    for what it accepts; the public ``decode`` ends as the plain path does."""
    fast = dec._fast.decode(raw)
    try:
        want = dec._decode_checked(raw)
    except CodecError as exc:
        assert fast is None, f"fast path accepted what the plain one refuses: {exc}"
        with pytest.raises(type(exc)) as got:
            dec.decode(raw)
        if not dec.verify:
            assert str(got.value) == str(exc)
        return
    # repr, not ==: Decimal("10") == Decimal("10.0") and True == 1, but they are not the same
    plain = repr((want.msg_type, want.header, want.body, want.pairs, want.unknown))
    if fast is not None:
        assert repr((fast[0], fast[1], fast[2], fast[3], [])) == plain
    fm = dec.decode(raw)
    assert repr((fm.msg_type, fm.header, fm.body, fm.pairs, fm.unknown)) == plain


def test_the_fast_path_takes_the_common_messages() -> None:
    dec = DECODERS[1]
    for raw in VALID[1:]:  # the Logon holds a DATA field: plain path by design
        if b"\x0120108=" in raw:
            continue  # nested groups: plain path by design
        assert dec._fast.decode(raw) is not None, raw
    assert dec._fast.decode(VALID[0]) is None


def test_valid_messages_decode_the_same_both_ways() -> None:
    for raw in VALID:
        for dec in DECODERS:
            _same_outcome(dec, raw)


def _mutate(data: st.DataObject, raw: bytes) -> bytes:
    """Field-level damage: the kinds of mistakes a peer makes (and the byte-level kind)."""
    pairs = split_fields(raw, {95: 96})
    for _ in range(data.draw(st.integers(1, 3), label="n mutations")):
        op = data.draw(st.sampled_from(["drop", "dup", "swap", "value", "tag", "unknown", "bytes"]), label="op")
        i = data.draw(st.integers(3, max(3, len(pairs) - 2)), label="field")
        if i >= len(pairs) - 1:
            continue
        if op == "drop":
            del pairs[i]
        elif op == "dup":
            pairs.insert(i, pairs[i])
        elif op == "swap" and i + 1 < len(pairs) - 1:
            pairs[i], pairs[i + 1] = pairs[i + 1], pairs[i]
        elif op == "value":
            v = data.draw(st.sampled_from([b"", b"x", b"0", b"-1", b"1.5", b"Y", b"N", b"24", b"9", b"20260105-14:30:00", b"20261305-14:30:00.1", b"a=b", b"\xff", b"1e3", b" 1"]), label="value")
            pairs[i] = (pairs[i][0], v)
        elif op == "tag":
            pairs[i] = (data.draw(st.sampled_from([6, 11, 34, 35, 43, 52, 54, 136, 137, 453, 448, 1703, 1705, 9999, 297, 21003]), label="tag"), pairs[i][1])
        elif op == "unknown":
            pairs.insert(i, (data.draw(st.sampled_from([5001, 9999, 21003, 297]), label="unknown"), b"1"))
        elif op == "bytes":
            t, v = pairs[i]
            pos = data.draw(st.integers(0, max(0, len(v) - 1)), label="pos")
            pairs[i] = (t, v[:pos] + data.draw(st.sampled_from([b"=", b"\x01", b"0", b"."]), label="byte") + v[pos + 1 :])
    body = b"".join(b"%d=%s\x01" % (t, v) for t, v in pairs[2:-1])
    head = b"8=FIXT.1.1\x019=%d\x01" % len(body)
    msg = head + body
    return msg + b"10=%03d\x01" % (sum(msg) & 0xFF)


@FUZZ
@given(st.data())
def test_mutated_messages_decode_the_same_both_ways(data: st.DataObject) -> None:
    raw = _mutate(data, data.draw(st.sampled_from(VALID), label="message"))
    for dec in DECODERS:
        _same_outcome(dec, raw)


@FUZZ
@given(st.lists(st.sampled_from([b"8", b"35", b"0", b"011", b"", b"=", b"\x01", b"a", b"55=x", b"10=1\x01", b"96=", b"95=2\x01"]), max_size=12))
def test_the_fast_split_agrees_with_the_plain_one(parts: list[bytes]) -> None:
    raw = b"".join(parts) + b"\x01"
    fast = split_tags_values(raw)
    if fast is None:
        return
    assert list(zip(*fast, strict=True)) == _split_slow(raw, {})
    assert split_fields(raw, {}) == _split_slow(raw, {})


def test_checksum_is_the_byte_sum() -> None:
    for n in (0, 1, 255, 256, 257, 1000, 70_000):
        data = os.urandom(n)
        assert checksum(data) == sum(data) & 0xFF
        assert checksum(memoryview(data)[: n // 2]) == sum(data[: n // 2]) & 0xFF
    assert checksum(b"\xff" * 70_000) == (255 * 70_000) & 0xFF


@pytest.mark.parametrize(
    "text",
    [b"20260105-14:30:00", b"20260105-14:30:00.123", b"20260105-14:30:00.1", b"20260105-14:30:00.123456789",
     b"20261231-23:59:60.500", b"20260105-14:30:00.12a", b"20260105-14:30:00.", b"20260230-14:30:00.123"],
)  # fmt: skip
def test_fast_timestamps_parse_like_the_plain_parser(text: bytes) -> None:
    for _ in range(2):  # the second time the date-and-second part is a cache hit
        try:
            want = parse_timestamp(text)
        except ValueError:
            with pytest.raises(ValueError):
                parse_timestamp_fast(text)
            continue
        assert parse_timestamp_fast(text) == want


@pytest.mark.parametrize("us", [0, 1000, 123000, 123456, 999999])
def test_fast_timestamps_format_like_the_plain_formatter(us: int) -> None:
    v = T0.replace(microsecond=us)
    assert format_timestamp_fast(v) == format_timestamp(v)
    assert format_timestamp_fast(v) == format_timestamp(v)
    east = v.astimezone(datetime(2026, 1, 1, tzinfo=UTC).astimezone().tzinfo)
    assert format_timestamp_fast(east) == format_timestamp(east)
    with pytest.raises(ValueError):
        format_timestamp_fast(v.replace(tzinfo=None))


# ---- messages: from_fields and encode -------------------------------------------------------


def test_compiled_builders_match_the_plain_path() -> None:
    dec = DECODERS[2]
    for raw in VALID:
        fm = dec.decode(raw)
        cls = MESSAGE_TYPES[fm.msg_type]
        for fmt in FORMATS:
            assert repr(cls.from_fields(fm.body, fmt)) == repr(cls._from_fields_plain(fm.body, fmt))
            h = StandardHeader.from_fields(fm.header, fmt)
            assert repr(h) == repr(StandardHeader._from_fields_plain(fm.header, fmt))
    assert "def build(values):" in _BUILDER_SOURCE[(ExecutionReport, PriceFormat.CENTS)]


def test_builders_fall_back_on_what_they_do_not_know() -> None:
    body = DECODERS[1].decode(_wire(_fill(1), 2)).body
    # an unknown tag is ignored, as the plain path ignores it
    assert ExecutionReport.from_fields({**body, 9999: "x"}) == ExecutionReport._from_fields_plain(body, PriceFormat.CENTS)
    # a required field missing: the dataclass refuses it, both ways
    partial = {t: v for t, v in body.items() if t != 11}
    with pytest.raises(TypeError):
        ExecutionReport.from_fields(partial)
    # a value the enum does not know: ValueError from the enum, both ways
    with pytest.raises(ValueError):
        ExecutionReport.from_fields({**body, 39: "Z"})
    # int enums built from text, through FixEnum._missing_
    assert Party.from_fields({448: "p", 452: "24"}).party_role is enums.PartyRole.CUSTOMER_ACCOUNT
    # groups stay independent lists
    a, b = ExecutionReport.from_fields(partial | {11: "a"}), ExecutionReport.from_fields(partial | {11: "b"})
    assert a.party_ids == b.party_ids and a.party_ids is not b.party_ids


@pytest.mark.parametrize("fmt", FORMATS)
def test_compiled_encoders_match_the_plain_path(fmt: PriceFormat) -> None:
    enc = default_encoder()
    msgs = [_fill(1), _order(2), *(decode(raw) for raw in CORPUS[1:])]
    for m in msgs:
        assert m.encode_body(enc, fmt) == enc.fields(m.to_fields(fmt)), type(m).__name__
        framed = m.to_fix(sender_comp_id="a", target_comp_id="b", msg_seq_num=3, sending_time=T0, price_format=fmt)
        header = [(49, "a"), (56, "b"), (34, 3), (52, T0)]
        assert framed == enc.message(m.MSG_TYPE, header, m.to_fields(fmt))
    assert "def encode(o):" in _ENCODER_SOURCE[NewOrderSingle]
    assert "def frame(o, h49, h56, h34, h52):" in _FRAMER_SOURCE[NewOrderSingle]


def _error(fn: object) -> str:
    try:
        fn()  # type: ignore[operator]
    except (EncodeError, ValueError, TypeError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return "no error"


@pytest.mark.parametrize(
    "change",
    [
        {"price": Decimal("0.755")},  # not whole cents
        {"price": Decimal("0.75001")},  # more than 4 decimals
        {"price": 0.75},  # a float
        {"price": None},  # required
        {"order_qty": Decimal("NaN")},
        {"order_qty": 3},  # an int is a fine quantity
        {"symbol": "A\x01B"},
        {"symbol": ""},
        {"side": "1"},  # raw wire text for an enum field
        {"side": enums.OrdType.LIMIT},  # another enum's member
        {"transact_time": datetime(2026, 1, 5, 14, 30)},  # naive
        {"party_ids": [Party(party_role=enums.PartyRole.CUSTOMER_ACCOUNT)]},  # no delimiter
        {"party_ids": [MiscFee(misc_fee_curr="USD")]},  # wrong entry type
        {"alloc_account": True},
        {"alloc_account": 7},
        {"cancel_order_on_pause": "Y"},
        {"party_ids": [Party(party_id="a"), Party(party_id="b", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)]},
        {"party_ids": (Party(party_id="a"),)},  # a tuple of entries
        {"party_ids": []},
        {"transact_time": T0.astimezone(datetime(2026, 1, 1, tzinfo=UTC).astimezone().tzinfo)},
        {"transact_time": T0.replace(microsecond=123456)},
    ],
)
def test_encode_errors_and_oddities_are_the_plain_paths(change: dict[str, object]) -> None:
    enc = default_encoder()
    m = _order(1)
    for name, value in change.items():
        setattr(m, name, value)
    header = [(49, "a"), (56, "b"), (34, 3), (52, T0)]
    for fmt in FORMATS:
        fast = _error(lambda fmt=fmt: m.encode_body(enc, fmt))
        plain = _error(lambda fmt=fmt: enc.fields(m.to_fields(fmt)))
        assert fast == plain
        if plain == "no error":
            assert m.encode_body(enc, fmt) == enc.fields(m.to_fields(fmt))
        framed = _error(lambda fmt=fmt: m.to_fix(sender_comp_id="a", target_comp_id="b", msg_seq_num=3, sending_time=T0, price_format=fmt))
        assert framed == _error(lambda fmt=fmt: enc.message(m.MSG_TYPE, header, m.to_fields(fmt)))
        if framed == "no error":
            got = m.to_fix(sender_comp_id="a", target_comp_id="b", msg_seq_num=3, sending_time=T0, price_format=fmt)
            assert got == enc.message(m.MSG_TYPE, header, m.to_fields(fmt))


@pytest.mark.parametrize(
    "header",
    [
        {"sender_comp_id": ""},
        {"sender_comp_id": "a\x01b"},
        {"sender_comp_id": 5},
        {"target_comp_id": "é"},
        {"msg_seq_num": "3"},
        {"msg_seq_num": True},
        {"msg_seq_num": -1},
        {"msg_seq_num": 10**12},
        {"sending_time": datetime(2026, 1, 5, 14, 30)},  # naive
        {"sending_time": T0.replace(microsecond=1)},
        {"sending_time": T0.astimezone(datetime(2026, 1, 1, tzinfo=UTC).astimezone().tzinfo)},
        {"sending_time": None},
    ],
)
def test_framing_errors_and_oddities_are_the_plain_paths(header: dict[str, object]) -> None:
    """``to_fix`` frames the whole message in one compiled function; anything it does not
    take goes the plain way, so the bytes or the error are the plain path's."""
    enc = default_encoder()
    kw: dict[str, object] = {"sender_comp_id": "a", "target_comp_id": "b", "msg_seq_num": 3, "sending_time": T0} | header
    items = [(49, kw["sender_comp_id"]), (56, kw["target_comp_id"]), (34, kw["msg_seq_num"]), (52, kw["sending_time"])]
    for m in (_order(1), _fill(2)):
        for fmt in FORMATS:
            got = _error(lambda m=m, fmt=fmt: m.to_fix(price_format=fmt, **kw))  # type: ignore[arg-type]
            assert got == _error(lambda m=m, fmt=fmt: enc.message(m.MSG_TYPE, items, m.to_fields(fmt)))
            if got == "no error":
                assert m.to_fix(price_format=fmt, **kw) == enc.message(m.MSG_TYPE, items, m.to_fields(fmt))  # type: ignore[arg-type]


def test_field_encoder_fast_fields_agree() -> None:
    enc = FieldEncoder(D)
    cases = [(11, "abc"), (38, Decimal("1.50")), (38, 7), (34, 12), (52, T0), (43, True), (54, enums.Side.BUY),
             (452, enums.PartyRole.CUSTOMER_ACCOUNT), (54, "2"), (1057, False)]  # fmt: skip
    for tag, value in cases:
        fast = enc.fast_field(tag)
        assert fast is not None
        assert enc.field(tag, value) == b"%d=" % tag + enc._fmt[tag][1](value) + b"\x01"
        with contextlib.suppress(ValueError):
            assert fast(value) == enc.field(tag, value)
    assert enc.fast_field(96) is None
    for tag, bad in [(11, ""), (38, 0.5), (34, "x"), (52, datetime(2026, 1, 1))]:
        with pytest.raises(EncodeError, match=f"tag {tag}"):
            enc.field(tag, bad)
