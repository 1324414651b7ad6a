"""Settlement service without sockets: pages, recipients (20127), numbers, and the wire form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sim_orders_harness import logon, make_app

from fixgw.messages import MarketSettlementReport, enums
from fixgw.sim.exchange import ExecutionEvent, MarketSettled, SettlementRecord
from fixgw.sim.exchange.accounts import AccountRef
from fixgw.sim.exchange.ids import sequential_ids
from fixgw.sim.exchange.orders import NewOrder, Side
from fixgw.sim.settlement_service import SettlementService, party_id, settlement_pages

MKT = "MKT-A"


def buy(app, account, qty, *, seller="seller", sub=0, party=None, price="0.50", n=[0]):  # noqa: B006
    """``account`` buys ``qty`` yes from ``seller`` (who ends short)."""
    n[0] += 1
    app.place_order(
        NewOrder(
            account=seller,
            cl_ord_id=f"s{n[0]}",
            symbol=MKT,
            side=Side.SELL_NO,
            price=D(price),
            qty=D(qty),
        )
    )
    app.place_order(
        NewOrder(
            account=account,
            cl_ord_id=f"b{n[0]}",
            symbol=MKT,
            side=Side.BUY_YES,
            price=D(price),
            qty=D(qty),
            subaccount=sub,
            party_id=party,
        )
    )


def record(owner: AccountRef, long_qty="0", short_qty="0", payout="0", fee="0") -> SettlementRecord:
    return SettlementRecord(owner, D(long_qty), D(short_qty), D(payout) + D(fee), D(payout), D(fee))


def settled(records, result="scalar", cents="59.70") -> MarketSettled:
    from datetime import UTC, datetime

    return MarketSettled(
        transact_time=datetime(2026, 1, 6, 15, tzinfo=UTC),
        symbol=MKT,
        result=result,
        settlement_price_cents=D(cents),
        clearing_business_date=date(2026, 1, 6),
        settlement_id="s-1",
        records=tuple(records),
    )


# ---------------------------------------------------------------------------- pages


def test_pages_split_parties_and_carry_the_pagination_tags() -> None:
    recs = [
        record(AccountRef("a", sub), long_qty="1", payout="0.59", fee="0.007") for sub in range(5)
    ]
    pages = settlement_pages(settled(recs), recs, page_size=2, ids=sequential_ids("p"))
    assert [len(p.market_settlement_party_ids) for p in pages] == [2, 2, 1]
    assert len({p.market_settlement_report_id for p in pages}) == 3
    assert {p.symbol for p in pages} == {MKT}
    assert [p.tot_num_market_settlement_reports for p in pages] == [3, 3, 3]
    assert [p.last_fragment for p in pages] == [False, False, True]
    assert [e.market_settlement_party_id for p in pages for e in p.market_settlement_party_ids] == [
        "a",
        "a:1",
        "a:2",
        "a:3",
        "a:4",
    ]
    p = pages[0]
    assert p.market_result is enums.MarketResult.SCALAR and p.clearing_business_date == date(
        2026, 1, 6
    )
    assert p.settlement_price == D("0.5970")  # dollars in the API; 59.70 cents on the wire


def test_one_page_when_it_fits_and_page_size_must_be_positive() -> None:
    recs = [record(AccountRef("a"), long_qty="10", payout="10")]
    (page,) = settlement_pages(settled(recs, "yes", "100"), recs, page_size=100)
    assert (page.tot_num_market_settlement_reports, page.last_fragment) == (1, True)
    with pytest.raises(ValueError, match="page_size"):
        settlement_pages(settled(recs), recs, page_size=0)


def test_party_ids() -> None:
    assert party_id(AccountRef("acct")) == "acct"
    assert party_id(AccountRef("acct", 7)) == "acct:7"
    assert party_id(AccountRef("acct", 3, "cust-9")) == "cust-9"


# ---------------------------------------------------------------------------- through the app


def test_scalar_settlement_numbers_and_wire_form() -> None:
    app, _ = make_app()
    svc = SettlementService(app, page_size=2, ids=sequential_ids("ums")).install()
    buy(app, "alice", "10.60")
    pt = logon(app, "alice", "KalshiPT")
    before = app.engine.balance("alice").cash
    svc.settle(MKT, "scalar", D("59.70"))
    (page,) = [m for m in pt.take() if isinstance(m, MarketSettlementReport)]
    (entry,) = page.market_settlement_party_ids
    # fee_rounding page: 10.60 x $0.5970 = $6.3282 -> $6.32 posted + $0.0082 settlement fee.
    assert (entry.long_qty, entry.short_qty) == (D("10.60"), D("0.00"))
    assert entry.collateral_amount_changes[0].collateral_amount_change == D("6.32")
    assert (
        entry.collateral_amount_changes[0].collateral_amount_type
        is enums.CollateralAmountType.PAYOUT
    )
    assert entry.misc_fees[0].misc_fee_amt == D("0.0082")
    assert app.engine.balance("alice").cash - before == D("6.32")
    raw = pt.raw[-1]
    for field in (
        b"35=UMS",
        b"55=MKT-A",
        b"715=20260106",
        b"20107=scalar",
        b"730=59.70",
        b"20106=1",
        b"893=Y",
        b"20108=1",
        b"20109=alice",
        b"20110=24",
        b"704=10.60",
        b"705=0.00",
        b"1703=1",
        b"1704=6.32",
        b"1705=PAYOUT",
        b"136=1",
        b"137=0.0082",
        b"138=USD",
        b"139=4",
        b"891=0",
    ):
        assert b"\x01" + field + b"\x01" in raw, field


def test_yes_settlement_prints_whole_cents() -> None:
    app, _ = make_app()
    svc = SettlementService(app).install()
    buy(app, "alice", "100")
    pt = logon(app, "alice", "KalshiPT")
    seller = logon(app, "seller", "KalshiPT")
    svc.settle(MKT, "yes")
    assert b"\x01730=100.00\x01" in pt.raw[-1] and b"\x011704=100.00\x01" in pt.raw[-1]
    assert b"\x01137=0.00\x01" in pt.raw[-1]
    # The short side (100 no) gets nothing on yes: payout 0.00.
    (page,) = seller.take()
    (entry,) = page.market_settlement_party_ids
    assert (entry.short_qty, entry.collateral_amount_changes[0].collateral_amount_change) == (
        D(100),
        D(0),
    )


def test_recipients_follow_receive_settlement_reports() -> None:
    app, _ = make_app()
    svc = SettlementService(app).install()
    for acct in ("pt", "pt_n", "rt_y", "rt", "nr"):
        buy(app, acct, "1")
    sessions = {
        "pt": logon(app, "pt", "KalshiPT"),
        "pt_n": logon(app, "pt_n", "KalshiPT", receive_settlement_reports=False),
        "rt_y": logon(app, "rt_y", "KalshiRT", receive_settlement_reports=True),
        "rt": logon(app, "rt", "KalshiRT"),
        "nr": logon(app, "nr", "KalshiNR"),
    }
    svc.settle(MKT, "no")
    got = {
        k: [m for m in s.take() if isinstance(m, MarketSettlementReport)]
        for k, s in sessions.items()
    }
    assert {k for k, v in got.items() if v} == {"pt", "rt_y"}
    assert got["pt"][0].market_settlement_party_ids[0].market_settlement_party_id == "pt"


def test_each_account_gets_only_its_own_parties_paginated() -> None:
    app, _ = make_app()
    svc = SettlementService(app, page_size=2).install()
    for sub, qty in ((0, "3"), (1, "2"), (2, "1")):
        buy(app, "alice", qty, sub=sub)
    buy(app, "bob", "4")
    alice = logon(app, "alice", "KalshiPT")
    bob = logon(app, "bob", "KalshiPT")
    svc.settle(MKT, "yes")
    a_pages = alice.take()
    assert [len(p.market_settlement_party_ids) for p in a_pages] == [2, 1]
    assert [p.last_fragment for p in a_pages] == [False, True]
    assert {
        e.market_settlement_party_id for p in a_pages for e in p.market_settlement_party_ids
    } == {
        "alice",
        "alice:1",
        "alice:2",
    }
    (b_page,) = bob.take()
    assert [e.long_qty for e in b_page.market_settlement_party_ids] == [D(4)]


def test_linked_key_receives_its_accounts_reports() -> None:
    app, _ = make_app()
    svc = SettlementService(app).install()
    buy(app, "acct", "5")
    app.link_key("acct-pt-key", "acct")
    pt = logon(app, "acct-pt-key", "KalshiPT")
    svc.settle(MKT, "yes")
    (page,) = pt.take()
    assert page.market_settlement_party_ids[0].market_settlement_party_id == "acct"


def test_reports_are_held_until_an_eligible_session_logs_on() -> None:
    app, _ = make_app()
    svc = SettlementService(app, page_size=1).install()
    buy(app, "alice", "2", sub=0)
    buy(app, "alice", "1", sub=1)
    svc.settle(MKT, "yes")
    assert len(svc.held("alice")) == 2
    nope = logon(app, "alice", "KalshiPT", receive_settlement_reports=False)
    assert nope.take() == [] and len(svc.held("alice")) == 2
    app.on_logout(nope)
    pt = logon(app, "alice", "KalshiPT")  # the logon hook delivers
    assert [p.last_fragment for p in pt.take()] == [False, True]
    assert svc.held("alice") == []


def test_settlement_closes_open_orders_and_reports_the_cancels() -> None:
    app, _ = make_app()
    svc = SettlementService(app).install()
    nr = logon(app, "alice", "KalshiNR")
    app.place_order(
        NewOrder(
            account="alice",
            cl_ord_id="rest",
            symbol=MKT,
            side=Side.BUY_YES,
            price=D("0.30"),
            qty=D(1),
        )
    )
    nr.take()
    settled_event = svc.settle(MKT, "no")
    assert settled_event.records == ()
    (er,) = nr.take()
    assert (
        er.MSG_TYPE == "8" and er.cl_ord_id == "rest" and er.ord_status is enums.OrdStatus.CANCELED
    )


def test_settlement_published_by_anyone_is_reported() -> None:
    app, _ = make_app()
    SettlementService(app).install()
    buy(app, "alice", "1")
    pt = logon(app, "alice", "KalshiPT")
    events = app.engine.settle(MKT, "yes")
    assert not any(isinstance(e, ExecutionEvent) for e in events)
    app.publish(events)
    assert [m.MSG_TYPE for m in pt.take()] == ["UMS"]
