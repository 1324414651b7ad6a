"""The RFQ desk on its own: requests in, messages and engine events out, time from a manual clock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from fixgw.messages import (
    AcceptQuote,
    AcceptQuoteStatus,
    MultivariateSelectedLeg,
    Party,
    Quote,
    QuoteCancel,
    QuoteCancelStatus,
    QuoteConfirm,
    QuoteConfirmStatus,
    QuoteRequest,
    QuoteRequestAck,
    QuoteRequestReject,
    QuoteStatusReport,
    RFQCancel,
    RFQCancelStatus,
    enums,
)
from fixgw.sim.exchange import Fill, OrderAccepted
from fixgw.sim.exchange.accounts import AccountConfig, AccountRef
from fixgw.sim.exchange.engine import EngineConfig
from fixgw.sim.exchange.ids import sequential_ids
from fixgw.sim.exchange.markets import MarketConfig, MarketRegistry, PriceGrid
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import make_exchange
from fixgw.sim.rfq_desk import (
    QuoteState,
    Reply,
    RfqDesk,
    RfqDeskConfig,
    RfqState,
    ToAccount,
    ToMakers,
    parlay_ticker,
)

QS = enums.QuoteStatus
BAL = D("1000000.00")


# ---------------------------------------------------------------------------- helpers


def make_desk(markets: MarketRegistry | None = None, config: RfqDeskConfig | None = None, **engine):
    ex, clock = make_exchange(markets, EngineConfig(exec_id_epoch=1, **engine) if engine else None)
    desk = RfqDesk(ex, config=config, ids=sequential_ids("x"), pseudonym_key=b"test-key")
    return desk, ex, clock


def replies(out, cls=None):
    return [
        o.message
        for o in out
        if isinstance(o, Reply) and (cls is None or isinstance(o.message, cls))
    ]


def to_makers(out, cls=None):
    return [
        o.message
        for o in out
        if isinstance(o, ToMakers) and (cls is None or isinstance(o.message, cls))
    ]


def to_account(out, account, session_type, cls=None):
    return [
        o.message
        for o in out
        if isinstance(o, ToAccount)
        and o.account == account
        and o.session_type == session_type
        and (cls is None or isinstance(o.message, cls))
    ]


def events(out, cls):
    return [o for o in out if isinstance(o, cls)]


def one(items):
    assert len(items) == 1, items
    return items[0]


def request(desk, account="alice", symbol="MKT-A", qty="10", req_id="c1", **kw):
    req = QuoteRequest(
        quote_req_id=req_id,
        no_related_sym=kw.pop("no_related_sym", 1),
        symbol=symbol,
        order_qty=None if qty is None else D(qty),
        **kw,
    )
    return desk.quote_request(account, req)


def open_rfq(desk, **kw) -> str:
    out = request(desk, **kw)
    return one(replies(out, QuoteRequestAck)).rfq_id


def quote(
    desk, rfq_id, account="mm1", quote_id="q1", bid="0.55", offer="0.40", symbol="MKT-A", **kw
):
    q = Quote(
        quote_id=quote_id,
        quote_req_id=rfq_id,
        symbol=symbol,
        bid_px=None if bid is None else D(bid),
        offer_px=None if offer is None else D(offer),
        **kw,
    )
    return desk.quote_submit(account, q)


def accept(desk, quote_id="q1", side=enums.Side.BUY, account="alice", **kw):
    return desk.accept_quote(account, AcceptQuote(quote_id=quote_id, side=side, **kw))


def confirm(desk, quote_id="q1", account="mm1"):
    return desk.quote_confirm(account, QuoteConfirm(quote_id=quote_id))


# ---------------------------------------------------------------------------- QuoteRequest


def test_rfq_is_acked_with_a_server_id_and_broadcast_to_makers() -> None:
    desk, _, _ = make_desk()
    out = request(desk, req_id="client-req-123", qty="100")
    ack = one(replies(out, QuoteRequestAck))
    assert ack.quote_req_id == "client-req-123"
    assert ack.quote_request_type is enums.QuoteRequestType.MANUAL
    assert ack.rfq_id and ack.rfq_id != "client-req-123"
    assert ack.symbol is None  # only for MVE legs
    r = one(to_makers(out, QuoteRequest))
    assert (r.quote_req_id, r.no_related_sym, r.symbol, r.order_qty) == (
        ack.rfq_id,
        1,
        "MKT-A",
        D(100),
    )
    party = one(r.party_ids)
    assert party.party_id.startswith("anon-") and "alice" not in party.party_id
    assert party.party_id == desk.pseudonym("alice") != desk.pseudonym("bob")
    assert desk.rfq(ack.rfq_id).state is RfqState.OPEN


def test_whole_contract_quantities_in_any_scale_are_accepted() -> None:
    desk, _, _ = make_desk()
    out = request(desk, qty="5.00")
    assert one(to_makers(out, QuoteRequest)).order_qty == D(5)


def test_mve_legs_resolve_to_a_deterministic_hvm_parlay_market() -> None:
    desk, ex, _ = make_desk()
    legs = [("EVENT1", "MKT1", "yes"), ("EVENT2", "MKT2", "no")]

    def mve(account, legs, req_id):
        req = QuoteRequest(
            quote_req_id=req_id,
            no_related_sym=1,
            order_qty=D(100),
            multivariate_collection_ticker="PARLAY-COLLECTION",
            multivariate_selected_legs=[
                MultivariateSelectedLeg(
                    multivariate_selected_event_ticker=e,
                    multivariate_selected_market_ticker=m,
                    multivariate_selected_market_side=enums.MultivariateSelectedMarketSide(s),
                )
                for e, m, s in legs
            ],
        )
        return desk.quote_request(account, req)

    out = mve("alice", legs, "client-req-456")
    ack = one(replies(out, QuoteRequestAck))
    expected = parlay_ticker("PARLAY-COLLECTION", legs)
    assert ack.symbol == expected and expected.startswith("PARLAY-COLLECTION-")
    market = ex.markets.existing(expected)
    assert market is not None and market.hvm
    r = one(to_makers(out, QuoteRequest))
    assert r.symbol == expected and r.multivariate_collection_ticker == "PARLAY-COLLECTION"
    assert [
        (g.multivariate_selected_market_ticker, g.multivariate_selected_market_side.value)
        for g in r.multivariate_selected_legs
    ] == [("MKT1", "yes"), ("MKT2", "no")]
    # The same selection in another order resolves to the same market.
    again = one(replies(mve("bob", list(reversed(legs)), "b1"), QuoteRequestAck))
    assert again.symbol == expected
    other = one(
        replies(
            mve("carol", [("EVENT1", "MKT1", "no"), ("EVENT2", "MKT2", "no")], "c1"),
            QuoteRequestAck,
        )
    )
    assert other.symbol != expected


@pytest.mark.parametrize(
    "kw, reason, words",
    [
        ({"qty": "2.5"}, 99, "OrderQty (38) 2.5"),
        ({"qty": "0"}, 99, "OrderQty (38)"),
        ({"qty": None}, 99, "exactly one of OrderQty (38) and CashOrderQty (152)"),
        ({"cash_order_qty": D("50")}, 99, "exactly one of"),
        ({"no_related_sym": 2}, 99, "NoRelatedSym (146)"),
        ({"symbol": None}, 99, "Symbol (55) is required"),
        ({"multivariate_collection_ticker": "COLL"}, 99, "not both"),
        (
            {"party_ids": [Party(party_id="p1"), Party(party_id="p2")]},
            99,
            "NoPartyIDs (453)",
        ),
        ({"party_ids": [Party(party_id="p1")]}, 99, "PartyRole (452)"),
    ],
)
def test_invalid_quote_requests_are_rejected_with_the_tag(kw, reason, words) -> None:
    desk, _, _ = make_desk()
    out = request(desk, **kw)
    rej = one(replies(out, QuoteRequestReject))
    assert rej.quote_req_id == "c1"
    assert rej.quote_request_reject_reason.value == reason
    assert words in rej.text
    assert not to_makers(out) and not desk.rfqs()


def test_unknown_market_and_unknown_leg_are_unknown_symbol() -> None:
    desk, _, _ = make_desk(MarketRegistry([MarketConfig("MKT-A")], auto_list=False))
    rej = one(replies(request(desk, symbol="NOPE"), QuoteRequestReject))
    assert rej.quote_request_reject_reason is enums.QuoteRequestRejectReason.UNKNOWN_SYMBOL
    assert "NOPE" in rej.text
    req = QuoteRequest(
        quote_req_id="c2",
        no_related_sym=1,
        order_qty=D(1),
        multivariate_collection_ticker="COLL",
        multivariate_selected_legs=[
            MultivariateSelectedLeg(
                multivariate_selected_event_ticker="E",
                multivariate_selected_market_ticker="GHOST",
                multivariate_selected_market_side=enums.MultivariateSelectedMarketSide.YES,
            )
        ],
    )
    rej = one(replies(desk.quote_request("alice", req), QuoteRequestReject))
    assert rej.quote_request_reject_reason is enums.QuoteRequestRejectReason.UNKNOWN_SYMBOL
    assert "GHOST" in rej.text


def test_mve_legs_need_a_collection_ticker() -> None:
    desk, _, _ = make_desk()
    req = QuoteRequest(
        quote_req_id="c1",
        no_related_sym=1,
        order_qty=D(1),
        multivariate_selected_legs=[
            MultivariateSelectedLeg(
                multivariate_selected_event_ticker="E",
                multivariate_selected_market_ticker="MKT1",
                multivariate_selected_market_side=enums.MultivariateSelectedMarketSide.YES,
            )
        ],
    )
    rej = one(replies(desk.quote_request("alice", req), QuoteRequestReject))
    assert "MultivariateCollectionTicker (20180)" in rej.text


def test_cash_rfq_beyond_the_balance_is_insufficient_credit() -> None:
    desk, _, _ = make_desk(accounts={"alice": AccountConfig(balance=D("100"))})
    rej = one(replies(request(desk, qty=None, cash_order_qty=D("100.01")), QuoteRequestReject))
    assert rej.quote_request_reject_reason is enums.QuoteRequestRejectReason.INSUFFICIENT_CREDIT


def test_one_open_rfq_per_market_unless_replace_existing() -> None:
    desk, _, _ = make_desk()
    first = open_rfq(desk)
    quote(desk, first)
    rej = one(replies(request(desk, req_id="c2"), QuoteRequestReject))
    assert "Open RFQ already exists on this market ticker" in rej.text
    # Another market is fine; ReplaceExisting deletes every RFQ of the creator.
    other = open_rfq(desk, symbol="MKT-B", req_id="c3")
    out = request(desk, req_id="c4", replace_existing=True)
    new = one(replies(out, QuoteRequestAck)).rfq_id
    closed = {m.quote_req_id for m in to_makers(out, QuoteRequestReject)}
    assert closed == {first, other}
    assert desk.rfq(first).state is RfqState.CLOSED and desk.rfq(new).state is RfqState.OPEN
    # The maker's quote on the deleted RFQ is cancelled, and the maker told.
    cancelled = one(to_account(out, "mm1", "KalshiRFQ", QuoteStatusReport))
    assert (cancelled.quote_id, cancelled.quote_status) == ("q1", QS.CANCELLED)


def test_open_rfq_limit_is_quote_request_exceeds_limit() -> None:
    desk, _, _ = make_desk(config=RfqDeskConfig(max_open_rfqs=2))
    open_rfq(desk, symbol="M1", req_id="a")
    open_rfq(desk, symbol="M2", req_id="b")
    rej = one(replies(request(desk, symbol="M3", req_id="c"), QuoteRequestReject))
    assert (
        rej.quote_request_reject_reason
        is enums.QuoteRequestRejectReason.QUOTE_REQUEST_EXCEEDS_LIMIT
    )


# ---------------------------------------------------------------------------- Quote


def test_quote_is_pending_for_the_maker_and_forwarded_to_the_creator_in_dollars() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk, qty="100")
    out = quote(desk, rfq_id, bid="0.75", offer="0.25")
    ai = one(replies(out, QuoteStatusReport))
    assert (ai.quote_id, ai.quote_req_id, ai.quote_status) == ("q1", rfq_id, QS.PENDING)
    assert (ai.bid_px, ai.offer_px, ai.order_qty) == (D("0.75"), D("0.25"), D(100))
    assert (ai.bid_size, ai.offer_size) == (D(100), D(100))
    s = one(to_account(out, "alice", "KalshiRT", Quote))
    assert (s.quote_id, s.quote_req_id, s.symbol, s.order_qty) == ("q1", rfq_id, "MKT-A", D(100))
    assert str(s.bid_px) == "0.7500" and str(s.offer_px) == "0.2500"


def test_a_declined_side_is_absent_in_the_creators_quote() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    out = quote(desk, rfq_id, bid="0.45", offer="0")
    s = one(to_account(out, "alice", "KalshiRT", Quote))
    assert s.offer_px is None and s.offer_size is None and str(s.bid_px) == "0.4500"


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"bid": "0.60", "offer": "0.45"}, "exceeds $1"),
        ({"bid": "0.555"}, "BidPx (132) 55.5 cents"),
        ({"offer": "1.00"}, "OfferPx (133)"),
        ({"bid": None, "offer": None}, "cannot both be zero"),
        ({"bid": "0", "offer": "0"}, "cannot both be zero"),
        ({"symbol": "MKT-B"}, "Symbol (55) MKT-B"),
        ({"account": "alice"}, "own RFQ"),
        ({"alloc_account": 40}, "AllocAccount (79) 40"),
    ],
)
def test_invalid_quotes_are_rejected(kw, words) -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    out = quote(desk, rfq_id, **kw)
    ai = one(replies(out))
    assert isinstance(ai, QuoteStatusReport) and ai.quote_status is QS.REJECTED
    assert words in ai.text
    assert ai.bid_px is None and ai.offer_px is None
    assert not to_account(out, "alice", "KalshiRT")


def test_quote_on_unknown_rfq_or_reused_quote_id_is_rejected() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    ai = one(replies(quote(desk, "no-such-rfq"), QuoteStatusReport))
    assert ai.quote_status is QS.REJECTED and "no-such-rfq" in ai.text
    quote(desk, rfq_id)
    ai = one(replies(quote(desk, rfq_id, account="mm2"), QuoteStatusReport))
    assert ai.quote_status is QS.REJECTED and "QuoteID (117) q1" in ai.text


def test_subpenny_quotes_on_a_deci_cent_market() -> None:
    markets = MarketRegistry([MarketConfig("MKT-A", grid=PriceGrid.named("deci_cent"))])
    desk, _, _ = make_desk(markets)
    rfq_id = open_rfq(desk)
    s = one(to_account(quote(desk, rfq_id, bid="0.555", offer="0.405"), "alice", "KalshiRT", Quote))
    assert str(s.bid_px) == "0.5550"


def test_a_new_quote_cancels_the_makers_live_quote_on_the_same_market() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, quote_id="q1")
    quote(desk, rfq_id, account="mm2", quote_id="other")
    out = quote(desk, rfq_id, quote_id="q2", bid="0.56")
    to_mm1 = to_account(out, "mm1", "KalshiRFQ", QuoteStatusReport)
    assert [(m.quote_id, m.quote_status) for m in to_mm1] == [("q1", QS.CANCELLED)]
    assert "replaced by quote q2" in to_mm1[0].text
    assert one(replies(out, QuoteStatusReport)).quote_status is QS.PENDING
    assert desk.quote("other").state is QuoteState.PENDING  # other makers are untouched
    uc = one(replies(accept(desk, "q1"), AcceptQuoteStatus))
    assert uc.accept_quote_status is enums.AcceptQuoteStatus.REJECTED


def test_quote_replacement_scope_market_reaches_other_rfqs_on_the_market() -> None:
    desk, _, _ = make_desk()
    r1 = open_rfq(desk)
    r2 = open_rfq(desk, account="bob")
    quote(desk, r1, quote_id="q1")
    out = quote(desk, r2, quote_id="q2")
    assert desk.quote("q1").state is QuoteState.CANCELLED
    assert one(to_account(out, "mm1", "KalshiRFQ")).quote_id == "q1"
    # With per-RFQ scope, the quote on the other RFQ survives.
    desk, _, _ = make_desk(config=RfqDeskConfig(replace_scope="rfq"))
    r1 = open_rfq(desk)
    r2 = open_rfq(desk, account="bob")
    quote(desk, r1, quote_id="q1")
    quote(desk, r2, quote_id="q2")
    assert desk.quote("q1").state is QuoteState.PENDING


# ---------------------------------------------------------------------------- accept, confirm, execute


def test_full_flow_buy_accepts_the_makers_no_quote() -> None:
    desk, ex, clock = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, bid="0.55", offer="0.40")
    out = accept(desk, "q1", enums.Side.BUY, cl_ord_id="client-accept-123")
    uc = one(replies(out, AcceptQuoteStatus))
    assert (uc.quote_id, uc.accept_quote_status, uc.accepted_quote_id, uc.cl_ord_id) == (
        "q1",
        enums.AcceptQuoteStatus.ACCEPTED,
        "q1",
        "client-accept-123",
    )
    ai = one(to_account(out, "mm1", "KalshiRFQ", QuoteStatusReport))
    assert (ai.quote_status, ai.side, ai.order_qty, ai.quote_req_id) == (
        QS.ACCEPTED,
        enums.Side.BUY,
        D(10),
        rfq_id,
    )

    u8 = one(replies(confirm(desk), QuoteConfirmStatus))
    assert u8.quote_confirm_status is enums.QuoteConfirmStatus.ACCEPTED
    # Confirmed: both amounts are reserved until the execution timer ends.
    assert ex.balance("alice").available < BAL and ex.balance("mm1").available < BAL
    clock.advance(timedelta(seconds=14.999))
    assert desk.tick() == []
    clock.advance(timedelta(milliseconds=1))
    out = desk.tick()
    fills = events(out, Fill)
    assert len(events(out, OrderAccepted)) == 2 and len(fills) == 2
    creator, maker = fills
    # Creator buys yes at 1 - 0.40 = 0.60; maker buys no at 0.40.
    assert creator.order.owner == AccountRef("alice") and creator.order.side == Side.BUY_YES
    assert maker.order.owner == AccountRef("mm1") and maker.order.side == Side.SELL_NO
    assert creator.last_px == maker.last_px == D("0.60") and creator.last_qty == D(10)
    assert creator.aggressor and not maker.aggressor
    assert creator.trd_match_id == maker.trd_match_id
    assert creator.order.cl_ord_id == "client-accept-123" and maker.order.cl_ord_id == "q1"
    # Taker fee 0.07 x 10 x 0.6 x 0.4 = 0.1680; 6.00 + 0.168 = 6.168 floors to 6.17 (rounding 0.002).
    assert creator.fee.trade_fee == D("0.1680") and creator.fee_amount == D("0.1700")
    assert ex.balance("alice").cash == BAL - D("6.17") and ex.balance("alice").reserved == 0
    assert maker.fee_amount == 0 and ex.balance("mm1").cash == BAL - D("4.00")
    assert ex.balance("mm1").reserved == 0
    assert ex.position("alice", "MKT-A") == D(10) and ex.position("mm1", "MKT-A") == D(-10)
    assert (creator.long_qty, creator.short_qty, maker.long_qty, maker.short_qty) == (
        D(10),
        0,
        0,
        D(10),
    )
    # Fills are in the engine's history with increasing ExecIDs (drop copy sees them).
    ours = [e for e in out if isinstance(e, OrderAccepted | Fill)]
    first = ours[0].exec_id
    assert ex.history.query(clock.now(), first) == ours
    assert [e.exec_id for e in ours] == sorted(e.exec_id for e in ours)
    assert desk.rfq(rfq_id).state is RfqState.CLOSED
    assert one(to_makers(out, QuoteRequestReject)).quote_req_id == rfq_id


def test_sell_accepts_the_makers_yes_quote() -> None:
    desk, ex, clock = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, bid="0.55", offer="0.40")
    ai = one(to_account(accept(desk, "q1", enums.Side.SELL), "mm1", "KalshiRFQ"))
    assert ai.side is enums.Side.SELL
    confirm(desk)
    clock.advance(timedelta(seconds=15))
    creator, maker = events(desk.tick(), Fill)
    assert creator.order.side == Side.SELL_NO and maker.order.side == Side.BUY_YES
    assert creator.last_px == D("0.55")
    # Creator pays 1 - 0.55 = 0.45 x 10 = 4.50 + fee 0.1733 (0.17325 up) -> floor(-4.6733) = -4.68.
    assert ex.balance("alice").cash == BAL - D("4.68")
    assert ex.balance("mm1").cash == BAL - D("5.50")
    assert ex.position("alice", "MKT-A") == D(-10) and ex.position("mm1", "MKT-A") == D(10)


def test_accepting_a_declined_side_is_rejected() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, bid="0.55", offer=None)
    uc = one(replies(accept(desk, "q1", enums.Side.BUY), AcceptQuoteStatus))
    assert uc.accept_quote_status is enums.AcceptQuoteStatus.REJECTED and "OfferPx 133" in uc.text


def test_prefer_better_quote_picks_the_best_quote_at_least_as_good() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, account="mm1", quote_id="q1", bid="0.50", offer="0.40")
    quote(desk, rfq_id, account="mm2", quote_id="q2", bid="0.48", offer="0.42")
    quote(desk, rfq_id, account="mm3", quote_id="q3", bid="0.52", offer="0.30")
    # BUY accepts no-quotes: q2's 0.42 is the best (creator pays 0.58 instead of 0.60).
    out = accept(desk, "q1", enums.Side.BUY, prefer_better_quote=True, cl_ord_id="a1")
    uc = one(replies(out, AcceptQuoteStatus))
    assert (uc.quote_id, uc.accepted_quote_id, uc.cl_ord_id) == ("q1", "q2", "a1")
    assert one(to_account(out, "mm2", "KalshiRFQ")).quote_status is QS.ACCEPTED
    assert not to_account(out, "mm1", "KalshiRFQ")
    assert (
        desk.quote("q2").state is QuoteState.ACCEPTED
        and desk.quote("q1").state is QuoteState.PENDING
    )


def test_prefer_better_quote_for_sell_and_ties_keep_the_requested_quote() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, account="mm1", quote_id="q1", bid="0.50", offer="0.40")
    quote(desk, rfq_id, account="mm2", quote_id="q2", bid="0.52", offer="0.40")
    quote(desk, rfq_id, account="mm3", quote_id="q3", bid="0.52", offer="0.30")
    uc = one(
        replies(accept(desk, "q2", enums.Side.SELL, prefer_better_quote=True), AcceptQuoteStatus)
    )
    assert uc.accepted_quote_id == "q2"  # q3 is only as good
    desk2, _, _ = make_desk()
    rfq_id = open_rfq(desk2)
    quote(desk2, rfq_id, account="mm1", quote_id="q1", bid="0.50", offer="0.40")
    quote(desk2, rfq_id, account="mm2", quote_id="q2", bid="0.52", offer="0.40")
    uc = one(
        replies(accept(desk2, "q1", enums.Side.SELL, prefer_better_quote=False), AcceptQuoteStatus)
    )
    assert uc.accepted_quote_id == "q1"


def test_accept_rules() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, account="mm1", quote_id="q1")
    quote(desk, rfq_id, account="mm2", quote_id="q2")

    def rejected(text, **kw):
        uc = one(replies(accept(desk, **kw), AcceptQuoteStatus))
        assert uc.accept_quote_status is enums.AcceptQuoteStatus.REJECTED, uc
        assert text in uc.text, uc.text

    rejected("Quote not found", quote_id="nope")
    rejected("Quote not found", account="bob")  # not bob's RFQ
    rejected("OrderQty (38) 1.5", order_qty=D("1.5"))
    rejected("exceeds the quote size 10", order_qty=D(11))
    uc = one(replies(accept(desk, order_qty=D(4), cl_ord_id="x"), AcceptQuoteStatus))
    assert uc.accept_quote_status is enums.AcceptQuoteStatus.ACCEPTED
    rejected("already accepted", quote_id="q2")


def test_accept_needs_the_creators_balance() -> None:
    desk, _, _ = make_desk(accounts={"alice": AccountConfig(balance=D("5"))})
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, bid="0.55", offer="0.40")
    uc = one(replies(accept(desk, "q1", enums.Side.BUY), AcceptQuoteStatus))
    assert (
        uc.accept_quote_status is enums.AcceptQuoteStatus.REJECTED
        and uc.text == "INSUFFICIENT_BALANCE"
    )


def test_unconfirmed_quote_is_voided_after_the_confirmation_window() -> None:
    desk, ex, clock = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, account="mm1", quote_id="q1")
    quote(desk, rfq_id, account="mm2", quote_id="q2")
    accept(desk, "q1", cl_ord_id="acc-1")
    assert desk.next_deadline() == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    assert desk.tick() == []  # "within 30 seconds": the deadline itself is still in time
    clock.advance(timedelta(milliseconds=1))
    out = desk.tick()
    ai = one(to_account(out, "mm1", "KalshiRFQ", QuoteStatusReport))
    assert ai.quote_status is QS.CANCELLED and "not confirmed within 30 s" in ai.text
    uc = one(to_account(out, "alice", "KalshiRT", AcceptQuoteStatus))
    assert (uc.quote_id, uc.cl_ord_id, uc.accept_quote_status) == (
        "q1",
        "acc-1",
        enums.AcceptQuoteStatus.REJECTED,
    )
    assert "voided" in uc.text
    assert not events(out, Fill) and ex.balance("alice").cash == BAL
    # The RFQ reopens: a late confirm fails, another quote can be accepted.
    u8 = one(replies(confirm(desk, "q1"), QuoteConfirmStatus))
    assert (
        u8.quote_confirm_status is enums.QuoteConfirmStatus.REJECTED and "not confirmed" in u8.text
    )
    assert desk.rfq(rfq_id).state is RfqState.OPEN
    uc = one(replies(accept(desk, "q2"), AcceptQuoteStatus))
    assert uc.accept_quote_status is enums.AcceptQuoteStatus.ACCEPTED


def test_a_late_confirm_is_rejected_even_without_a_tick() -> None:
    desk, _, clock = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    accept(desk)
    clock.advance(timedelta(seconds=31))
    out = confirm(desk)
    assert (
        one(replies(out, QuoteConfirmStatus)).quote_confirm_status
        is enums.QuoteConfirmStatus.REJECTED
    )
    assert (
        one(to_account(out, "alice", "KalshiRT", AcceptQuoteStatus)).accept_quote_status.value == 1
    )


def test_hvm_markets_use_the_short_windows() -> None:
    markets = MarketRegistry([MarketConfig("HVM-1", hvm=True)])
    desk, _, clock = make_desk(markets)
    rfq_id = open_rfq(desk, symbol="HVM-1")
    quote(desk, rfq_id, symbol="HVM-1", quote_id="q1")
    accept(desk, "q1")
    clock.advance(timedelta(seconds=3, milliseconds=1))
    assert "within 3 s" in one(to_account(desk.tick(), "mm1", "KalshiRFQ")).text
    quote(desk, rfq_id, symbol="HVM-1", quote_id="q2", account="mm2")
    accept(desk, "q2")
    clock.advance(timedelta(seconds=2))
    confirm(desk, "q2", account="mm2")
    clock.advance(timedelta(milliseconds=999))
    assert desk.tick() == []
    clock.advance(timedelta(milliseconds=1))
    assert len(events(desk.tick(), Fill)) == 2


def test_confirm_errors() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    u8 = one(replies(confirm(desk), QuoteConfirmStatus))
    assert (
        u8.quote_confirm_status is enums.QuoteConfirmStatus.REJECTED and "not accepted" in u8.text
    )
    accept(desk)
    u8 = one(replies(confirm(desk, account="mm2"), QuoteConfirmStatus))
    assert "Quote not found" in u8.text


def test_maker_without_funds_cannot_confirm_and_the_quote_is_voided() -> None:
    desk, _, _ = make_desk(accounts={"mm1": AccountConfig(balance=D("3"))})
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, offer="0.40")
    accept(desk)
    out = confirm(desk)
    u8 = one(replies(out, QuoteConfirmStatus))
    assert (
        u8.quote_confirm_status is enums.QuoteConfirmStatus.REJECTED
        and u8.text == "INSUFFICIENT_BALANCE"
    )
    assert (
        one(to_account(out, "alice", "KalshiRT", AcceptQuoteStatus)).accept_quote_status.value == 1
    )
    assert desk.rfq(rfq_id).state is RfqState.OPEN


def test_market_closing_before_execution_voids_and_closes_the_rfq() -> None:
    desk, ex, clock = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    accept(desk)
    confirm(desk)
    ex.close_market("MKT-A")
    clock.advance(timedelta(seconds=15))
    out = desk.tick()
    assert not events(out, Fill)
    assert ex.balance("alice").reserved == 0 and ex.balance("mm1").reserved == 0
    assert (
        one(to_account(out, "alice", "KalshiRT", AcceptQuoteStatus)).accept_quote_status.value == 1
    )
    creator_ag = one(to_account(out, "alice", "KalshiRT", QuoteRequestReject))
    assert creator_ag.quote_req_id == "c1" and "closed" in creator_ag.text
    assert desk.rfq(rfq_id).state is RfqState.CLOSED


def test_rfq_expiry() -> None:
    desk, _, clock = make_desk(config=RfqDeskConfig(rfq_ttl=timedelta(minutes=5)))
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    clock.advance(timedelta(minutes=5))
    out = desk.tick()
    assert one(to_makers(out, QuoteRequestReject)).quote_req_id == rfq_id
    assert (
        one(to_account(out, "alice", "KalshiRT", QuoteRequestReject)).text
        == "RFQ_CLOSED: RFQ expired"
    )
    assert one(to_account(out, "mm1", "KalshiRFQ")).quote_status is QS.CANCELLED


# ---------------------------------------------------------------------------- cancels


def test_quote_cancel() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    out = desk.quote_cancel("mm1", QuoteCancel(quote_id="q1"))
    u9 = one(replies(out, QuoteCancelStatus))
    assert (u9.quote_id, u9.quote_cancel_status) == ("q1", enums.QuoteCancelStatus.CANCELED)
    ai = one(to_account(out, "mm1", "KalshiRFQ", QuoteStatusReport))
    assert (ai.quote_id, ai.quote_status, ai.quote_req_id) == ("q1", QS.CANCELLED, rfq_id)
    again = one(replies(desk.quote_cancel("mm1", QuoteCancel(quote_id="q1")), QuoteCancelStatus))
    assert (
        again.quote_cancel_status is enums.QuoteCancelStatus.REJECTED
        and "already cancelled" in again.text
    )
    other = one(replies(desk.quote_cancel("mm2", QuoteCancel(quote_id="q1")), QuoteCancelStatus))
    assert "Quote not found" in other.text
    assert one(replies(accept(desk), AcceptQuoteStatus)).accept_quote_status.value == 1


def test_maker_cancelling_an_accepted_quote_voids_the_accept() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    accept(desk, cl_ord_id="acc")
    out = desk.quote_cancel("mm1", QuoteCancel(quote_id="q1"))
    assert (
        one(replies(out, QuoteCancelStatus)).quote_cancel_status is enums.QuoteCancelStatus.CANCELED
    )
    uc = one(to_account(out, "alice", "KalshiRT", AcceptQuoteStatus))
    assert uc.cl_ord_id == "acc" and uc.accept_quote_status.value == 1
    assert desk.rfq(rfq_id).state is RfqState.OPEN


def test_confirmed_quote_cannot_be_cancelled() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    accept(desk)
    confirm(desk)
    u9 = one(replies(desk.quote_cancel("mm1", QuoteCancel(quote_id="q1")), QuoteCancelStatus))
    assert u9.quote_cancel_status is enums.QuoteCancelStatus.REJECTED and "confirmed" in u9.text


@pytest.mark.parametrize("by", ["quote_req_id", "rfq_id"])
def test_rfq_cancel_by_either_id(by) -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk, req_id="client-req-123")
    quote(desk, rfq_id)
    ident = "client-req-123" if by == "quote_req_id" else rfq_id
    out = desk.rfq_cancel("alice", RFQCancel(**{by: ident}))
    ub = one(replies(out, RFQCancelStatus))
    assert (ub.quote_req_id, ub.rfq_cancel_status) == (ident, enums.RFQCancelStatus.CANCELED)
    ag = one(to_makers(out, QuoteRequestReject))
    assert ag.quote_req_id == rfq_id and "cancelled" in ag.text
    assert ag.quote_request_reject_reason is enums.QuoteRequestRejectReason.OTHER
    assert one(to_account(out, "mm1", "KalshiRFQ")).quote_status is QS.CANCELLED
    assert desk.rfq(rfq_id).state is RfqState.CLOSED
    # Twice: rejected, RFQ is closed.
    ub = one(replies(desk.rfq_cancel("alice", RFQCancel(**{by: ident})), RFQCancelStatus))
    assert ub.rfq_cancel_status is enums.RFQCancelStatus.REJECTED and "RFQ_CLOSED" in ub.text


def test_rfq_cancel_rejections() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    ub = one(replies(desk.rfq_cancel("bob", RFQCancel(rfq_id=rfq_id)), RFQCancelStatus))
    assert ub.rfq_cancel_status is enums.RFQCancelStatus.REJECTED and "RFQ not found" in ub.text
    quote(desk, rfq_id)
    accept(desk)
    confirm(desk)
    ub = one(replies(desk.rfq_cancel("alice", RFQCancel(rfq_id=rfq_id)), RFQCancelStatus))
    assert ub.rfq_cancel_status is enums.RFQCancelStatus.REJECTED and "confirmed" in ub.text


def test_rfq_cancel_voids_an_accepted_but_unconfirmed_quote() -> None:
    desk, _, _ = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    accept(desk, cl_ord_id="acc")
    out = desk.rfq_cancel("alice", RFQCancel(rfq_id=rfq_id))
    assert one(replies(out, RFQCancelStatus)).rfq_cancel_status is enums.RFQCancelStatus.CANCELED
    assert one(to_account(out, "mm1", "KalshiRFQ")).quote_status is QS.CANCELLED
    assert one(to_account(out, "alice", "KalshiRT", AcceptQuoteStatus)).cl_ord_id == "acc"


# ---------------------------------------------------------------------------- sizing, remainders, makers


def test_cash_sized_rfq_derives_contracts_per_side() -> None:
    desk, ex, clock = make_desk()
    out = request(desk, qty=None, cash_order_qty=D("50"))
    r = one(to_makers(out, QuoteRequest))
    assert r.order_qty is None and r.cash_order_qty == D("50")
    rfq_id = one(replies(out, QuoteRequestAck)).rfq_id
    out = quote(desk, rfq_id, bid="0.55", offer="0.40")
    s = one(to_account(out, "alice", "KalshiRT", Quote))
    # SELL against BidPx costs 0.45/contract: floor(50 / 0.45) = 111; BUY costs 0.60: 83.
    assert (s.bid_size, s.offer_size, s.order_qty) == (D(111), D(83), None)
    accept(desk, "q1", enums.Side.BUY)
    confirm(desk)
    clock.advance(timedelta(seconds=15))
    creator, _ = events(desk.tick(), Fill)
    assert creator.last_qty == D(83)


def test_rest_remainder_rests_the_makers_remaining_size() -> None:
    desk, ex, clock = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, offer="0.40", rest_remainder=True)
    accept(desk, order_qty=D(4))
    confirm(desk)
    clock.advance(timedelta(seconds=15))
    out = desk.tick()
    assert [f.last_qty for f in events(out, Fill)] == [D(4), D(4)]
    rest = one(ex.open_orders("mm1"))
    assert (rest.side, rest.price, rest.leaves_qty) == (Side.SELL_NO, D("0.60"), D(6))
    assert ex.open_orders("alice") == []
    assert any(isinstance(e, OrderAccepted) and e.order.order_id == rest.order_id for e in out)


def test_open_rfqs_for_a_maker_logging_on() -> None:
    desk, _, _ = make_desk()
    a = open_rfq(desk)
    b = open_rfq(desk, symbol="MKT-B", req_id="c2")
    desk.rfq_cancel("alice", RFQCancel(rfq_id=b))
    shown = [o.message.quote_req_id for o in desk.open_rfqs_for_maker()]
    assert shown == [a]


def test_creator_party_must_match_on_accept_and_cancel() -> None:
    desk, _, _ = make_desk()
    cust = [Party(party_id="cust-1", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)]
    rfq_id = open_rfq(desk, party_ids=cust)
    assert desk.rfq(rfq_id).creator == AccountRef("alice", 0, "cust-1")
    quote(desk, rfq_id)
    other = [Party(party_id="cust-2", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)]
    uc = one(replies(accept(desk, party_ids=other), AcceptQuoteStatus))
    assert uc.accept_quote_status.value == 1 and "cust-2" in uc.text
    ub = one(
        replies(
            desk.rfq_cancel("alice", RFQCancel(rfq_id=rfq_id, party_ids=other)), RFQCancelStatus
        )
    )
    assert ub.rfq_cancel_status is enums.RFQCancelStatus.REJECTED
    assert (
        one(replies(accept(desk, party_ids=cust), AcceptQuoteStatus)).accept_quote_status.value == 0
    )


def test_trading_pause_before_execution_voids_but_keeps_the_rfq() -> None:
    desk, ex, clock = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id, quote_id="q1")
    quote(desk, rfq_id, account="mm2", quote_id="q2")
    accept(desk)
    confirm(desk)
    ex.pause_market("MKT-A")
    clock.advance(timedelta(seconds=15))
    out = desk.tick()
    assert not events(out, Fill) and not to_makers(out)
    assert "paused" in one(to_account(out, "alice", "KalshiRT", AcceptQuoteStatus)).text
    assert desk.rfq(rfq_id).state is RfqState.OPEN
    assert "not open" in one(replies(accept(desk, "q2"), AcceptQuoteStatus)).text
    ex.resume_market("MKT-A")
    assert one(replies(accept(desk, "q2"), AcceptQuoteStatus)).accept_quote_status.value == 0


def test_exchange_pause_refuses_new_rfqs_and_voids_executions() -> None:
    desk, ex, clock = make_desk()
    rfq_id = open_rfq(desk)
    quote(desk, rfq_id)
    accept(desk)
    confirm(desk)
    ex.pause_exchange()
    assert (
        one(replies(request(desk, symbol="MKT-B", req_id="c2"), QuoteRequestReject)).text
        == "EXCHANGE_PAUSED"
    )
    clock.advance(timedelta(seconds=15))
    out = desk.tick()
    assert not events(out, Fill)
    assert "EXCHANGE_PAUSED" in one(to_account(out, "alice", "KalshiRT", AcceptQuoteStatus)).text
    assert ex.balance("alice").reserved == 0 and ex.balance("mm1").reserved == 0
