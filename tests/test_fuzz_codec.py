"""Fuzzing the codec: garbage in never escapes as anything but a CodecError.

Why: the acceptor reads bytes from anyone who connects; an IndexError or UnicodeDecodeError
from a crafted message would kill the session instead of producing a Reject.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixgw.codec import CodecError, Decoder, FrameReader, build_frame
from fixgw.dictionary import Dictionary
from fixgw.messages import (
    CollateralAmountChange,
    ExecutionReport,
    Logon,
    MarketSettlementParty,
    MarketSettlementReport,
    MiscFee,
    MultivariateSelectedLeg,
    NewOrderSingle,
    PriceFormat,
    QuoteRequest,
    decode,
    enums,
)

T0 = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
D = Dictionary.default()
DECODERS = [
    Decoder(D),
    Decoder(D, verify=False),
    Decoder(D, allow_unknown_tags=True, verify=False),
]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fix(msg: object, seq: int) -> bytes:
    return msg.to_fix(  # type: ignore[attr-defined]
        sender_comp_id="client", target_comp_id="KalshiNR", msg_seq_num=seq, sending_time=T0
    )


def _corpus() -> list[bytes]:
    logon = Logon(
        encrypt_method=enums.EncryptMethod.NONE,
        heart_bt_int=30,
        default_appl_ver_id=enums.DefaultApplVerID("9"),
        raw_data=b"si\x01g=\x0110=000\x01",
        use_dollars=True,
    )
    order = NewOrderSingle(
        cl_ord_id="c1",
        order_qty=Decimal("10"),
        ord_type=enums.OrdType.LIMIT,
        price=Decimal("0.75"),
        side=enums.Side.BUY,
        symbol="HIGHNY-23DEC31",
        expire_time=T0,
    )
    er = ExecutionReport(
        avg_px=Decimal("0.75"),
        cl_ord_id="c1",
        cum_qty=Decimal("10"),
        exec_id="4;7",
        order_id="o1",
        order_qty=Decimal("10"),
        ord_status=enums.OrdStatus.FILLED,
        side=enums.Side.BUY,
        symbol="HIGHNY-23DEC31",
        exec_type=enums.ExecType.TRADE,
        leaves_qty=Decimal("0"),
        last_px=Decimal("0.75"),
        last_qty=Decimal("10"),
        misc_fees=[MiscFee(misc_fee_amt=Decimal("0.07"), misc_fee_curr="USD")],
        collateral_amount_changes=[
            CollateralAmountChange(collateral_amount_change=Decimal("-7.57"))
        ],
    )
    ums = MarketSettlementReport(
        market_settlement_report_id="s1",
        symbol="HIGHNY-23DEC31",
        clearing_business_date=T0.date(),
        market_result=enums.MarketResult("yes"),
        settlement_price=Decimal("1"),
        last_fragment=True,
        market_settlement_party_ids=[
            MarketSettlementParty(
                market_settlement_party_id="u1",
                long_qty=Decimal("10"),
                collateral_amount_changes=[
                    CollateralAmountChange(collateral_amount_change=Decimal("10.00"))
                ],
                misc_fees=[MiscFee(misc_fee_amt=Decimal("0.006"))],
            )
        ],
    )
    rfq = QuoteRequest(
        quote_req_id="r1",
        no_related_sym=1,
        order_qty=Decimal("100"),
        multivariate_selected_legs=[
            MultivariateSelectedLeg(
                multivariate_selected_event_ticker=f"EV{i}",
                multivariate_selected_market_ticker=f"M{i}",
                multivariate_selected_market_side=enums.MultivariateSelectedMarketSide("yes"),
            )
            for i in range(2)
        ],
    )
    return [_fix(m, i + 1) for i, m in enumerate([logon, order, er, ums, rfq])]


CORPUS = _corpus()


def _decode_all(raw: bytes) -> None:
    for dec in DECODERS:
        try:
            fm = dec.decode(raw)
        except CodecError:
            continue
        assert fm.msg_type in D.messages
    with contextlib.suppress(CodecError):
        decode(raw)


def _read_all(chunks: list[bytes], max_size: int = 1 << 20) -> list[bytes]:
    reader = FrameReader(max_size=max_size)
    out: list[bytes] = []
    for c in chunks:
        reader.feed(c)
        for item in reader.frames():
            if isinstance(item, bytes):
                out.append(item)
            else:
                assert isinstance(item, CodecError)
    return out


def test_corpus_is_valid() -> None:
    for raw in CORPUS:
        for dec in DECODERS:
            dec.decode(raw)
    assert type(decode(CORPUS[3])) is MarketSettlementReport


@FUZZ
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_random_bytes(chunks: list[bytes]) -> None:
    for frame in _read_all(chunks):
        _decode_all(frame)
    _decode_all(b"".join(chunks))


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_after_a_plausible_prefix(tail: bytes) -> None:
    raw = b"8=FIXT.1.1\x019=" + tail
    _decode_all(raw)
    for frame in _read_all([raw, CORPUS[0]]):
        _decode_all(frame)


def _mutate(data: st.DataObject, raw: bytes) -> bytes:
    b = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4), label="n mutations")):
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "soh", "digit"]), label="op")
        pos = data.draw(st.integers(0, max(len(b) - 1, 0)), label="pos")
        if op == "flip" and b:
            b[pos] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "insert":
            b.insert(pos, data.draw(st.integers(0, 255)))
        elif op == "delete" and b:
            del b[pos]
        elif op == "soh" and b:
            b[pos] = 1
        elif op == "digit" and b:
            b[pos] = data.draw(st.sampled_from(b"0123456789=|"))
    return bytes(b)


@FUZZ
@given(st.data())
def test_mutated_messages(data: st.DataObject) -> None:
    raw = data.draw(st.sampled_from(CORPUS), label="message")
    bad = _mutate(data, raw)
    _decode_all(bad)
    # A mutated BodyLength may swallow what follows (up to the reader's limit), but once that
    # many bytes have arrived the stream is back in step.
    limit = 2048
    followers = [CORPUS[1]] * (limit // len(CORPUS[1]) + 2)
    frames = _read_all([bad, *followers, CORPUS[2]], max_size=limit)
    for f in frames:
        _decode_all(f)
    assert frames[-1] == CORPUS[2]


@FUZZ
@given(st.data())
def test_mutated_then_reframed(data: st.DataObject) -> None:
    """Mutate the body but recompute BodyLength and CheckSum: only the decoder judges it."""
    raw = data.draw(st.sampled_from(CORPUS), label="message")
    start = raw.index(b"\x0135=") + 1
    mt_end = raw.index(b"\x01", start)
    body = _mutate(data, raw[mt_end + 1 : raw.rindex(b"10=")])
    framed = build_frame(b"FIXT.1.1", raw[start + 3 : mt_end], b"", body)
    _decode_all(framed)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_split_at_random_boundaries(data: st.DataObject) -> None:
    msgs = data.draw(st.lists(st.sampled_from(CORPUS), min_size=1, max_size=6), label="messages")
    stream = b"".join(msgs)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(stream)), max_size=20), label="cuts"))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    got = _read_all(chunks)
    assert got == msgs
    assert [decode(m, PriceFormat.CENTS) for m in got] == [decode(m) for m in msgs]


@pytest.mark.parametrize("cut", range(0, len(CORPUS[3]), 7))
def test_nested_groups_survive_any_split(cut: int) -> None:
    raw = CORPUS[3]
    assert _read_all([raw[:cut], raw[cut:]]) == [raw]
