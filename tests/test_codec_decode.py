"""Decoder: every SessionRejectReason it can raise, typed values, aliases and unknown tags.

Why: the session layer answers a bad message with Reject(373, 371, 45) taken straight from the
ValidationError, so each rule must give the right reason, RefTagID and sequence number.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from fixgw.codec import (
    TAG_ALIASES,
    Decoder,
    FieldEncoder,
    FixMessage,
    FramingError,
    RejectReason,
    ValidationError,
    build_frame,
)
from fixgw.dictionary import Dictionary

SEQ = 42
HEADER = [(49, "client"), (56, "KalshiNR"), (34, str(SEQ)), (52, "20240102-03:04:05.678")]
ORDER = [(11, "c1"), (38, "10"), (40, "2"), (44, "75"), (54, "1"), (55, "HIGHNY-23DEC31")]
LOGON = [(98, "0"), (108, "30"), (1137, "9")]


@pytest.fixture(scope="module")
def dec() -> Decoder:
    return Decoder(Dictionary.default())


@pytest.fixture(scope="module")
def enc() -> FieldEncoder:
    return FieldEncoder(Dictionary.default())


def _pairs(items: list[tuple[int | str, str | bytes]]) -> bytes:
    out = b""
    for t, v in items:
        vb = v if isinstance(v, bytes) else v.encode()
        out += str(t).encode() + b"=" + vb + b"\x01"
    return out


def frame(
    msg_type: str,
    body: list[tuple[int | str, str | bytes]],
    header: list[tuple[int | str, str | bytes]] | None = None,
) -> bytes:
    """A correctly framed message from raw wire strings (no validation on the way)."""
    return build_frame(
        b"FIXT.1.1", msg_type.encode(), _pairs(HEADER if header is None else header), _pairs(body)
    )


def reject(dec: Decoder, raw: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        dec.decode(raw)
    return exc.value


def test_valid_order_decodes(dec: Decoder) -> None:
    m = dec.decode(frame("D", ORDER))
    assert isinstance(m, FixMessage)
    assert m.msg_type == "D" and m.seq == SEQ
    assert m.header == {
        49: "client",
        56: "KalshiNR",
        34: SEQ,
        52: datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    }
    assert m.body == {
        11: "c1",
        38: Decimal("10"),
        40: "2",
        44: Decimal("75"),
        54: "1",
        55: "HIGHNY-23DEC31",
    }
    assert m.get(44) == Decimal("75") and m.get(49) == "client" and m.get(999, "d") == "d"
    assert m.raw_value(44) == b"75" and m.raw_value(58) is None
    assert m.unknown == []


# --- every reject reason ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "msg_type", "body", "header", "reason", "tag"),
    [
        (
            "required body tag",
            "D",
            [p for p in ORDER if p[0] != 44],
            None,
            RejectReason.REQUIRED_TAG_MISSING,
            44,
        ),
        (
            "required header tag",
            "D",
            ORDER,
            [p for p in HEADER if p[0] != 49],
            RejectReason.REQUIRED_TAG_MISSING,
            49,
        ),
        (
            "required group tag",
            "R",
            [(131, "r1"), (146, "1"), (20181, "1"), (20182, "EV"), (20184, "yes")],
            None,
            RejectReason.REQUIRED_TAG_MISSING,
            20183,
        ),
        (
            "undefined tag",
            "D",
            [*ORDER, (333333, "test")],
            None,
            RejectReason.UNDEFINED_TAG,
            333333,
        ),
        (
            "tag not in message",
            "D",
            [*ORDER, (373, "1")],
            None,
            RejectReason.TAG_NOT_DEFINED_FOR_MESSAGE,
            373,
        ),
        (
            "group member outside its group",
            "D",
            [*ORDER, (448, "p")],
            None,
            RejectReason.TAG_NOT_DEFINED_FOR_MESSAGE,
            448,
        ),
        ("tag without value", "D", [*ORDER, (58, "")], None, RejectReason.TAG_WITHOUT_VALUE, 58),
        (
            "enum value",
            "D",
            [*ORDER[:4], (54, "3"), ORDER[5]],
            None,
            RejectReason.INCORRECT_VALUE,
            54,
        ),
        (
            "enum value of an INT enum",
            "D",
            [*ORDER, (2964, "0")],
            None,
            RejectReason.INCORRECT_VALUE,
            2964,
        ),
        (
            "int format",
            "A",
            [(98, "0"), (108, "3O"), (1137, "9")],
            None,
            RejectReason.INCORRECT_DATA_FORMAT,
            108,
        ),
        (
            "decimal NaN",
            "D",
            [(11, "c1"), (38, "NaN"), *ORDER[2:]],
            None,
            RejectReason.INCORRECT_DATA_FORMAT,
            38,
        ),
        (
            "decimal exponent",
            "D",
            [(11, "c1"), (38, "1e5"), *ORDER[2:]],
            None,
            RejectReason.INCORRECT_DATA_FORMAT,
            38,
        ),
        (
            "decimal letters",
            "D",
            [*ORDER[:3], (44, "abc"), *ORDER[4:]],
            None,
            RejectReason.INCORRECT_DATA_FORMAT,
            44,
        ),
        ("boolean", "A", [*LOGON, (141, "X")], None, RejectReason.INCORRECT_DATA_FORMAT, 141),
        (
            "timestamp",
            "D",
            [*ORDER, (126, "2024-01-02 03:04:05")],
            None,
            RejectReason.INCORRECT_DATA_FORMAT,
            126,
        ),
        (
            "timestamp month 13",
            "D",
            [*ORDER, (126, "20241302-03:04:05")],
            None,
            RejectReason.INCORRECT_DATA_FORMAT,
            126,
        ),
        (
            "header timestamp",
            "D",
            ORDER,
            [*HEADER[:3], (52, "yesterday")],
            RejectReason.INCORRECT_DATA_FORMAT,
            52,
        ),
        (
            "char too long",
            "D",
            [*ORDER[:2], (40, "22"), *ORDER[3:]],
            None,
            RejectReason.INCORRECT_DATA_FORMAT,
            40,
        ),
        ("tag twice", "D", [*ORDER, (11, "c2")], None, RejectReason.TAG_APPEARS_MORE_THAN_ONCE, 11),
        (
            "header tag twice",
            "D",
            [*ORDER, (49, "again")],
            None,
            RejectReason.TAG_APPEARS_MORE_THAN_ONCE,
            49,
        ),
        (
            "group count too high",
            "D",
            [*ORDER, (453, "2"), (448, "p1"), (452, "24")],
            None,
            RejectReason.INCORRECT_NUMINGROUP_COUNT,
            453,
        ),
        (
            "group count too low",
            "D",
            [*ORDER, (453, "1"), (448, "p1"), (448, "p2")],
            None,
            RejectReason.INCORRECT_NUMINGROUP_COUNT,
            453,
        ),
        (
            "group not starting at delimiter",
            "D",
            [*ORDER, (453, "1"), (452, "24"), (448, "p")],
            None,
            RejectReason.INCORRECT_NUMINGROUP_COUNT,
            453,
        ),
        (
            "group count not a number",
            "D",
            [*ORDER, (453, "x")],
            None,
            RejectReason.INCORRECT_DATA_FORMAT,
            453,
        ),
        ("invalid MsgType", "ZZ", ORDER, None, RejectReason.INVALID_MSGTYPE, 35),
        (
            "invalid tag number",
            "D",
            [*ORDER, ("abc", "1")],
            None,
            RejectReason.INVALID_TAG_NUMBER,
            None,
        ),
        (
            "tag number with leading zero",
            "D",
            [*ORDER, ("044", "75")],
            None,
            RejectReason.INVALID_TAG_NUMBER,
            None,
        ),
        (
            "negative tag number",
            "D",
            [*ORDER, ("-5", "1")],
            None,
            RejectReason.INVALID_TAG_NUMBER,
            None,
        ),
        (
            "tag out of order",
            "D",
            [*ORDER, (8, "FIXT.1.1")],
            None,
            RejectReason.TAG_OUT_OF_ORDER,
            8,
        ),
    ],
)
def test_reject_reason(
    dec: Decoder,
    name: str,
    msg_type: str,
    body: list[tuple[int | str, str]],
    header: list[tuple[int | str, str]] | None,
    reason: RejectReason,
    tag: int | None,
) -> None:
    err = reject(dec, frame(msg_type, body, header))
    assert err.reason is reason, f"{name}: {err}"
    assert err.tag == tag, f"{name}: {err}"
    assert err.seq == SEQ, name
    assert err.msg_type == msg_type, name
    assert f"SessionRejectReason={int(reason)}" in str(err)
    if tag is not None:
        assert f"tag={tag}" in str(err)


def test_error_handling_page_example(dec: Decoder) -> None:
    """fix/error-handling: 333333=test is answered with 373=3, 371=333333, 45=<seq>."""
    raw = frame(
        "D",
        [(11, "123"), (38, "10"), (40, "2"), (44, "50"), (54, "1"), (55, "X"), (333333, "test")],
    )
    err = reject(dec, raw)
    assert (err.reason, err.tag, err.seq, err.msg_type) == (
        RejectReason.UNDEFINED_TAG,
        333333,
        SEQ,
        "D",
    )
    assert err.text == "Undefined tag received"


def test_seq_unknown_when_header_seq_is_bad(dec: Decoder) -> None:
    raw = frame("D", ORDER, [(49, "a"), (56, "b"), (34, "x1"), (52, "20240102-03:04:05")])
    err = reject(dec, raw)
    assert err.reason is RejectReason.INCORRECT_DATA_FORMAT and err.tag == 34 and err.seq is None


def test_bad_value_is_named(dec: Decoder) -> None:
    err = reject(dec, frame("D", [*ORDER[:4], (54, "7"), ORDER[5]]))
    assert err.value == b"7" and "value=b'7'" in str(err) and "MsgType=D" in str(err)


def test_framing_checked_before_fields(dec: Decoder) -> None:
    raw = frame("D", ORDER)
    corrupt = raw[:-4] + b"%03d\x01" % ((int(raw[-4:-1]) + 1) % 256)
    with pytest.raises(FramingError, match="CheckSum"):
        dec.decode(corrupt)
    lax = Decoder(Dictionary.default(), verify=False)
    assert lax.decode(corrupt).body[11] == "c1"
    with pytest.raises(FramingError):
        lax.decode(b"8=FIXT.1.1\x0135=0\x0110=000\x01")


# --- values ---------------------------------------------------------------------------------------


def test_typed_values(dec: Decoder, enc: FieldEncoder) -> None:
    body = [
        (6, "12.5"),
        (11, "c1"),
        (14, "0.00"),
        (17, "4;7"),
        (37, "o1"),
        (38, "10.00"),
        (39, "0"),
        (44, "10.00"),
        (54, "2"),
        (55, "S"),
        (150, "0"),
        (151, "-1.5"),
        (60, "20240102-03:04:05"),
        (126, "20240102-03:04:05.123456"),
        (79, "3"),
        (1057, "Y"),
        (136, "1"),
        (137, "0.0070"),
        (138, "USD"),
        (139, "4"),
        (891, "0"),
    ]
    m = dec.decode(frame("8", body))
    b = m.body
    assert b[44] == Decimal("10.00") and str(b[44]) == "10.00"
    assert enc.field(44, b[44]) == b"44=10.00\x01"
    assert enc.field(14, b[14]) == b"14=0.00\x01"
    assert b[151] == Decimal("-1.5")
    assert b[79] == 3 and type(b[79]) is int
    assert b[1057] is True
    assert b[39] == "0" and b[17] == "4;7"
    assert b[60] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert b[126] == datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert b[126].tzinfo is not None
    assert b[136] == [{137: Decimal("0.0070"), 138: "USD", 139: "4", 891: 0}]
    assert str(b[136][0][137]) == "0.0070"


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("20240102-03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("20240102-03:04:05.678", datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)),
        ("20240102-03:04:05.678901", datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)),
        ("20240102-03:04:05.678901234", datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)),
        ("20161231-23:59:60.000", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_timestamp_precisions(dec: Decoder, wire: str, expected: datetime) -> None:
    m = dec.decode(frame("0", [], [*HEADER[:3], (52, wire)]))
    assert m.header[52] == expected
    assert m.header[52].utcoffset() is not None


def test_localmktdate_and_settlement(dec: Decoder) -> None:
    body = [(20105, "s1"), (55, "M"), (715, "20231231"), (20107, "yes"), (730, "30.60"), (893, "Y")]
    m = dec.decode(frame("UMS", body))
    assert m.body[715] == date(2023, 12, 31)
    assert m.body[730] == Decimal("30.60")
    assert m.body[893] is True
    err = reject(dec, frame("UMS", [*body[:2], (715, "20231332"), *body[3:]]))
    assert err.reason is RejectReason.INCORRECT_DATA_FORMAT and err.tag == 715


def test_rawdata_is_bytes_and_hidden_from_repr(dec: Decoder) -> None:
    sig = b"s\x01g=n"
    m = dec.decode(
        frame("A", [(98, "0"), (95, str(len(sig))), (96, sig), (108, "30"), (1137, "9")])
    )
    assert m.body[96] == sig and m.body[95] == len(sig)
    assert "s\\x01g" not in repr(m) and "<redacted>" in repr(m)


def test_rawdata_length_mismatch(dec: Decoder) -> None:
    sig = b"abcdef"
    err = reject(dec, frame("A", [(98, "0"), (95, "4"), (96, sig), (108, "30"), (1137, "9")]))
    assert err.reason is RejectReason.INCORRECT_DATA_FORMAT and err.tag == 96 and err.seq == SEQ


# --- legacy aliases, unknown tags ------------------------------------------------------------------


def test_aliases_table() -> None:
    assert TAG_ALIASES == {("U8", 297): 21010, ("A", 21003): 21011}


def test_logon_21003_is_skip_pending_exec_reports(dec: Decoder) -> None:
    m = dec.decode(frame("A", [*LOGON, (21003, "Y")]))
    assert m.body[21011] is True and 21003 not in m.body


@pytest.mark.parametrize(
    "body",
    [
        [*LOGON, (21011, "N"), (21003, "Y")],
        [*LOGON, (21003, "Y"), (21011, "N")],
    ],
)
def test_current_tag_wins_over_alias(dec: Decoder, body: list[tuple[int, str]]) -> None:
    assert dec.decode(frame("A", body)).body[21011] is False


def test_u8_297_is_quote_confirm_status(dec: Decoder) -> None:
    m = dec.decode(frame("U8", [(117, "q1"), (297, "0")]))
    assert m.body == {117: "q1", 21010: 0}
    # 297 is still QuoteStatus in other messages
    ai = dec.decode(frame("AI", [(117, "q1"), (131, "r1"), (297, "10")]))
    assert ai.body[297] == 10


def test_alias_value_is_validated_as_the_current_tag(dec: Decoder) -> None:
    err = reject(dec, frame("A", [*LOGON, (21003, "7")]))
    assert err.reason is RejectReason.INCORRECT_DATA_FORMAT and err.tag == 21011


def test_allow_unknown_tags_keeps_them(dec: Decoder) -> None:
    lenient = Decoder(Dictionary.default(), allow_unknown_tags=True)
    raw = frame("D", [*ORDER, (333333, "test"), (373, "1")])
    m = lenient.decode(raw)
    assert m.unknown == [(333333, b"test"), (373, b"1")]
    assert m.body[11] == "c1" and 333333 not in m.body
    # other rules still hold
    assert reject(lenient, frame("D", ORDER[1:])).reason is RejectReason.REQUIRED_TAG_MISSING
    assert reject(dec, raw).reason is RejectReason.UNDEFINED_TAG


def test_nested_groups_close_on_top_level_tag(dec: Decoder) -> None:
    """MarketSettlementReport: LastFragment after both nested groups (the docs' example order)."""
    body = [
        (20105, "settle-1"), (55, "M"), (715, "20231231"), (20107, "yes"), (730, "100.00"),
        (20108, "2"),
        (20109, "u1"), (20110, "24"), (704, "100"), (705, "0"),
        (1703, "1"), (1704, "100.00"), (1705, "PAYOUT"),
        (136, "1"), (137, "0.006"), (138, "USD"), (139, "4"), (891, "0"),
        (20109, "u2"), (20110, "24"), (704, "0"), (705, "5"),
        (893, "Y"),
    ]  # fmt: skip
    m = dec.decode(frame("UMS", body))
    parties = m.body[20108]
    assert len(parties) == 2
    assert parties[0][1703] == [{1704: Decimal("100.00"), 1705: "PAYOUT"}]
    assert parties[0][136][0][137] == Decimal("0.006")
    assert parties[1] == {20109: "u2", 20110: 24, 704: Decimal("0"), 705: Decimal("5")}
    assert m.body[893] is True
