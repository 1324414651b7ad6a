"""Every FIX example on Kalshi's pages decodes to the right dataclass with the right values.

Why: the published examples are the only independent wire samples we have.  Complete examples
go through the strict decoder; incomplete ones (cut off with '...', empty placeholders, required
fields not shown) must be rejected by the strict decoder for the documented reason and still
decode through a relaxed path, so every example's salient values are checked.

Expected values are converted from wire text here, independently of the messages layer: prices
in cents divide by 100 unless the example uses dollars (UseDollars examples, and the exchange's
Quote to an RFQ creator, per ``wire_price_format``); SettlementPrice is always cents.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fixgw.codec import Decoder, FixMessage, RejectReason, ValidationError, build_frame
from fixgw.dictionary import Dictionary, Member
from fixgw.messages import (
    MESSAGE_TYPES,
    MarketSettlementReport,
    Message,
    PriceFormat,
    QuoteRequest,
    enums,
    from_fix_message,
    wire_price_format,
)
from fixgw.messages.base import FieldSpec, _plan
from fixgw.messages.prices import CENTS_TAGS, PRICE_TAGS

DATA_FILE = Path(__file__).resolve().parent / "data" / "spec_examples.json"
EXAMPLES: list[dict[str, Any]] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
DICT = Dictionary.default()
STRICT = Decoder(DICT)
T0 = datetime(2023, 8, 9, 12, 34, 56, 789000, tzinfo=UTC)
CLIENT = "your-api-key"

#: MsgTypes only the exchange sends (direction when the example does not say)
FROM_EXCHANGE = {
    "3",
    "8",
    "9",
    "r",
    "j",
    "UOH",
    "U2",
    "U3",
    "UMS",
    "b",
    "AI",
    "U9",
    "AG",
    "UC",
    "U8",
    "UB",
}
#: the Kalshi session each message belongs to (TargetCompID of the client)
SESSION = {
    **dict.fromkeys(["D", "F", "G", "q", "8", "9", "r", "j", "UOG", "UOH", "A", "3"], "KalshiNR"),
    **dict.fromkeys(["U1", "U2", "U3"], "KalshiDC"),
    "UMS": "KalshiPT",
    **dict.fromkeys(
        ["R", "b", "S", "AI", "Z", "U9", "AG", "UA", "UC", "U7", "U8", "UE", "UB"], "KalshiRT"
    ),
}
_ARROW = re.compile(r"\((\w[\w ]*?)\s*→\s*(\w[\w ]*?)\)")


def from_exchange(ex: dict[str, Any]) -> bool:
    m = _ARROW.search(ex["title"])
    if m:
        return m.group(1) == "Exchange"
    comment = ex["comment"] or ""
    if comment.startswith("Response"):
        return True
    if comment.startswith("Sent"):
        return False
    return ex["msg_type"] in FROM_EXCHANGE


def price_format(ex: dict[str, Any]) -> PriceFormat:
    return wire_price_format(
        ex["msg_type"], from_exchange=from_exchange(ex), use_dollars=ex["use_dollars"]
    )


def wire(ex: dict[str, Any], *, drop_empty: bool = False) -> bytes:
    """The example as a framed message: header filled in, BodyLength and CheckSum computed."""
    fields = [(t, v) for t, v in ex["fields"] if t != 35 and not (drop_empty and v == "")]
    given = {t for t, _ in fields}
    exch = from_exchange(ex)
    session = SESSION[ex["msg_type"]]
    sender, target = (session, CLIENT) if exch else (CLIENT, session)
    fill = {49: sender, 56: target, 34: "1", 52: T0.strftime("%Y%m%d-%H:%M:%S.%f")[:-3]}
    header = [(t, v) for t, v in fill.items() if t not in given]
    header += [(t, v) for t, v in fields if t in DICT.header_tags]
    body = [(t, v) for t, v in fields if t not in DICT.header_tags]

    def enc(items: list[tuple[int, str]]) -> bytes:
        return b"".join(b"%d=%s\x01" % (t, v.encode()) for t, v in items)

    return build_frame(b"FIXT.1.1", ex["msg_type"].encode(), enc(header), enc(body))


# --- the relaxed path for incomplete examples ----------------------------------------------------


def _optional(members: tuple[Member, ...]) -> tuple[Member, ...]:
    out = []
    for m in members:
        g = m.group
        if g is not None:
            g = dataclasses.replace(g, members=_optional(g.members))
        out.append(Member(m.field, False, g))
    return tuple(out)


RELAXED = Decoder(
    dataclasses.replace(
        DICT,
        messages={
            mt: dataclasses.replace(md, members=_optional(md.members))
            for mt, md in DICT.messages.items()
        },
    ),
    allow_unknown_tags=True,
)


def _placeholder(s: FieldSpec) -> Any:
    """A typed stand-in for a required field the docs did not show (never checked)."""
    if s.group is not None:
        return []
    if s.enum is not None:
        return next(iter(s.enum)).value
    ftype = DICT.fields[s.tag].type
    if ftype in ("INT", "SEQNUM", "LENGTH", "NUMINGROUP"):
        return 0
    if ftype in ("PRICE", "QTY", "AMT", "FLOAT", "DECIMAL"):
        return Decimal(0)
    if ftype == "BOOLEAN":
        return False
    if ftype == "UTCTIMESTAMP":
        return T0
    if ftype == "LOCALMKTDATE":
        return T0.date()
    return "placeholder"


def relaxed_message(fm: FixMessage, fmt: PriceFormat) -> Message:
    cls = MESSAGE_TYPES[fm.msg_type]
    body = dict(fm.body)
    for s in _plan(cls)[0]:
        if s.required and s.tag not in body:
            body[s.tag] = _placeholder(s)
    return from_fix_message(dataclasses.replace(fm, body=body), fmt)


# --- expected values, from wire text -------------------------------------------------------------


def expected(tag: int, text: str, fmt: PriceFormat, spec: FieldSpec) -> Any:
    if spec.enum is not None:
        ftype = DICT.fields[tag].type
        if ftype in ("INT", "NUMINGROUP"):
            return spec.enum(int(text))
        if ftype == "BOOLEAN":
            return spec.enum(text == "Y")
        return spec.enum(text)
    if tag in CENTS_TAGS or (tag in PRICE_TAGS and fmt is PriceFormat.CENTS):
        return Decimal(text) / 100
    ftype = DICT.fields[tag].type
    if ftype in ("PRICE", "QTY", "AMT", "FLOAT", "DECIMAL"):
        return Decimal(text)
    if ftype in ("INT", "SEQNUM", "LENGTH"):
        return int(text)
    if ftype == "BOOLEAN":
        assert text in ("Y", "N")
        return text == "Y"
    if ftype == "LOCALMKTDATE":
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    if ftype == "UTCTIMESTAMP":
        return datetime.strptime(text + "000", "%Y%m%d-%H:%M:%S.%f").replace(tzinfo=UTC)
    if ftype == "DATA":
        return text.encode()
    return text


def check_value(obj: Any, tag: int, text: str, fmt: PriceFormat, where: str) -> None:
    spec = _plan(type(obj))[1].get(tag)
    if spec is None:
        hdr = getattr(obj, "header", None)
        spec = _plan(type(hdr))[1].get(tag) if hdr is not None else None
        assert spec is not None, f"{where}: tag {tag} is not a field of {type(obj).__name__}"
        obj = hdr
    got = getattr(obj, spec.name)
    if spec.group is not None:
        assert len(got) == int(text), (
            f"{where}: {spec.name} has {len(got)} entries, wire says {text}"
        )
        return
    want = expected(tag, text, fmt, spec)
    assert got == want, (
        f"{where}: {type(obj).__name__}.{spec.name} (tag {tag}) = {got!r}, want {want!r}"
    )
    assert type(got) is type(want), f"{where}: tag {tag} type {type(got).__name__}"


def check_groups(
    obj: Any, groups: dict[str, list[dict[str, Any]]], fmt: PriceFormat, where: str
) -> None:
    by_tag = _plan(type(obj))[1]
    for count_tag, entries in groups.items():
        spec = by_tag[int(count_tag)]
        got = getattr(obj, spec.name)
        assert spec.group is not None and len(got) == len(entries), f"{where}: {spec.name}"
        for i, (entry, want) in enumerate(zip(got, entries, strict=True)):
            here = f"{where}/{spec.name}[{i}]"
            for tag, value in want.items():
                if isinstance(value, list):
                    check_groups(entry, {tag: value}, fmt, here)
                else:
                    check_value(entry, int(tag), value, fmt, here)
            # nothing decoded that the example does not show
            shown = {int(t) for t in want}
            extra = [
                s.name
                for s in _plan(type(entry))[0]
                if s.tag not in shown and getattr(entry, s.name) not in (None, [])
            ]
            assert not extra, f"{here}: unexpected {extra}"


# --- the tests ---------------------------------------------------------------------------------


def test_examples_file_is_not_empty() -> None:
    assert len(EXAMPLES) == 34
    assert {ex["msg_type"] for ex in EXAMPLES} <= set(MESSAGE_TYPES)


@pytest.mark.parametrize("ex", [e for e in EXAMPLES if not e["incomplete"]], ids=lambda e: e["id"])
def test_complete_example(ex: dict[str, Any]) -> None:
    fmt = price_format(ex)
    raw = wire(ex)
    fm = STRICT.decode(raw)
    msg = from_fix_message(fm, fmt)
    assert type(msg) is MESSAGE_TYPES[ex["msg_type"]]
    assert msg.header is not None and msg.header.msg_seq_num is not None
    for tag, text in ex["expect"].items():
        check_value(msg, int(tag), text, fmt, ex["id"])
    check_groups(msg, ex["groups"], fmt, ex["id"])
    # every top-level field shown in the docs was decoded, and nothing else
    shown = {t for t, _ in ex["fields"] if t not in DICT.header_tags}
    assert set(fm.body) == shown - _group_member_tags(ex)
    # and it re-encodes to the same body bytes
    again = msg.to_fix(
        sender_comp_id=fm.header[49],
        target_comp_id=fm.header[56],
        msg_seq_num=fm.header[34],
        sending_time=fm.header[52],
        price_format=fmt,
    )
    assert STRICT.decode(again).body == fm.body


def _group_member_tags(ex: dict[str, Any]) -> set[int]:
    out: set[int] = set()

    def walk(groups: dict[str, list[dict[str, Any]]]) -> None:
        for entries in groups.values():
            for entry in entries:
                for t, v in entry.items():
                    out.add(int(t))
                    if isinstance(v, list):
                        walk({t: v})

    walk(ex["groups"])
    return out


#: how the strict decoder answers each incomplete example
STRICT_REJECTS = {
    "fix__error-handling.md#0": (RejectReason.UNDEFINED_TAG, 333333),
    "fix__error-handling.md#2": (RejectReason.REQUIRED_TAG_MISSING, None),
    "fix__error-handling.md#3": (RejectReason.REQUIRED_TAG_MISSING, None),
    "fix__error-handling.md#4": (RejectReason.REQUIRED_TAG_MISSING, None),
    "fix__listener-sessions.md#0": (RejectReason.TAG_WITHOUT_VALUE, 96),
    "fix__subpenny-pricing.md#0": (RejectReason.REQUIRED_TAG_MISSING, None),
    # The docs' NewOrderSingle carries TransactTime (60): our dictionary accepts it on 35=D
    # (Kalshi's does not), so what remains wrong is the missing ClOrdID/Symbol.
    "fix__subpenny-pricing.md#1": (RejectReason.REQUIRED_TAG_MISSING, 11),
    "fix__subpenny-pricing.md#2": (RejectReason.REQUIRED_TAG_MISSING, None),
}


@pytest.mark.parametrize("ex", [e for e in EXAMPLES if e["incomplete"]], ids=lambda e: e["id"])
def test_incomplete_example(ex: dict[str, Any]) -> None:
    assert ex["id"] in STRICT_REJECTS
    reason, tag = STRICT_REJECTS[ex["id"]]
    with pytest.raises(ValidationError) as exc:
        STRICT.decode(wire(ex))
    assert exc.value.reason is reason, str(exc.value)
    if tag is not None:
        assert exc.value.tag == tag
    else:
        missing = {s.tag for s in _plan(MESSAGE_TYPES[ex["msg_type"]])[0] if s.required}
        missing -= {t for t, _ in ex["fields"]}
        assert exc.value.tag in missing, str(exc.value)

    fmt = price_format(ex)
    fm = RELAXED.decode(wire(ex, drop_empty=True))
    msg = relaxed_message(fm, fmt)
    assert type(msg) is MESSAGE_TYPES[ex["msg_type"]]
    for t, text in ex["expect"].items():
        if int(t) not in _plan(type(msg))[1] and int(t) not in DICT.header_tags:
            # not a field of this message in our dictionary: kept aside by the relaxed decoder
            assert (int(t), text.encode()) in fm.unknown, f"{ex['id']}: tag {t}"
            continue
        check_value(msg, int(t), text, fmt, ex["id"])
    if ex["id"] == "fix__error-handling.md#0":
        assert fm.unknown == [(333333, b"test")]


# --- explicit checks of the salient examples ----------------------------------------------------


def _example(ex_id: str) -> dict[str, Any]:
    (ex,) = [e for e in EXAMPLES if e["id"] == ex_id]
    return ex


@pytest.mark.parametrize(
    ("ex_id", "fee"),
    [("fix__market-settlement.md#0", "0.00"), ("fix__market-settlement.md#1", "0.006")],
)
def test_market_settlement_nesting(ex_id: str, fee: str) -> None:
    ex = _example(ex_id)
    msg = from_fix_message(STRICT.decode(wire(ex)), price_format(ex))
    assert isinstance(msg, MarketSettlementReport)
    assert msg.settlement_price == Decimal("1.0000")  # 100.00 cents
    assert msg.market_result is enums.MarketResult.YES
    assert msg.clearing_business_date == date(2023, 12, 31)
    assert msg.last_fragment is True
    (party,) = msg.market_settlement_party_ids
    assert party.market_settlement_party_role == enums.MarketSettlementPartyRole(24)
    assert (party.long_qty, party.short_qty) == (Decimal(100), Decimal(0))
    (change,) = party.collateral_amount_changes
    assert change.collateral_amount_change == Decimal("100.00")
    assert change.collateral_amount_type is enums.CollateralAmountType.PAYOUT
    (misc,) = party.misc_fees
    assert misc.misc_fee_amt == Decimal(fee) and str(misc.misc_fee_amt) == fee
    assert misc.misc_fee_curr == "USD"
    assert misc.misc_fee_type == enums.MiscFeeType("4")


def test_mve_legs() -> None:
    ex = _example("fix__rfq-messages.md#1")
    msg = from_fix_message(STRICT.decode(wire(ex)), price_format(ex))
    assert isinstance(msg, QuoteRequest)
    assert msg.no_related_sym == 1 and msg.symbol is None
    assert msg.multivariate_collection_ticker == "PARLAY-COLLECTION"
    legs = [
        (
            leg.multivariate_selected_event_ticker,
            leg.multivariate_selected_market_ticker,
            leg.multivariate_selected_market_side,
        )
        for leg in msg.multivariate_selected_legs
    ]
    side = enums.MultivariateSelectedMarketSide
    assert legs == [("EVENT1", "MKT1", side.YES), ("EVENT2", "MKT2", side.NO)]


def test_quote_to_creator_is_in_dollars() -> None:
    ex = _example("fix__rfq-messages.md#4")
    assert price_format(ex) is PriceFormat.DOLLARS
    msg = from_fix_message(STRICT.decode(wire(ex)), price_format(ex))
    assert (msg.bid_px, msg.offer_px) == (Decimal("0.75"), Decimal("0.25"))  # type: ignore[attr-defined]
    mm = _example("fix__rfq-messages.md#10")
    assert price_format(mm) is PriceFormat.CENTS
    mm_msg = from_fix_message(STRICT.decode(wire(mm)), price_format(mm))
    assert (mm_msg.bid_px, mm_msg.offer_px) == (Decimal("0.75"), Decimal("0.25"))  # type: ignore[attr-defined]


def test_subpenny_execution_report_in_dollars() -> None:
    ex = _example("fix__subpenny-pricing.md#2")
    assert price_format(ex) is PriceFormat.DOLLARS
    msg = relaxed_message(RELAXED.decode(wire(ex)), PriceFormat.DOLLARS)
    assert (msg.avg_px, msg.last_px, msg.price) == (  # type: ignore[attr-defined]
        Decimal("0.66"),
        Decimal("0.70"),
        Decimal("0.75"),
    )
    assert msg.order_qty == Decimal("100")  # type: ignore[attr-defined]


def test_order_entry_example_is_cents() -> None:
    ex = _example("fix__order-entry.md#0")
    assert not from_exchange(ex) and price_format(ex) is PriceFormat.CENTS
    raw = wire(ex)
    assert b"\x0149=your-api-key\x01" in raw and b"\x0156=KalshiNR\x01" in raw
    msg = from_fix_message(STRICT.decode(raw), PriceFormat.CENTS)
    assert msg.price == Decimal("0.75")  # type: ignore[attr-defined]
    assert msg.header is not None and msg.header.msg_seq_num == 5


def test_direction_and_header_fill() -> None:
    reject = _example("fix__error-handling.md#1")
    assert from_exchange(reject)
    raw = wire(reject)
    assert b"\x0149=KalshiNR\x0156=your-api-key\x01" in raw
    assert from_exchange(_example("fix__rfq-messages.md#9"))
    assert not from_exchange(_example("fix__rfq-messages.md#0"))
    assert not from_exchange(_example("fix__rfq-messages.md#10"))
