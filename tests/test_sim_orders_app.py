"""KalshiExchangeApp without sockets: order entry, routing, Logon-flag rendering, groups."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sim_orders_harness import BUY, SELL, SKIP, D, deliver, kinds, logon, make_app

from fixgw.messages import (
    NewOrderSingle,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrderGroupRequest,
    OrderMassCancelRequest,
    Party,
    enums,
)
from fixgw.sim.exchange import MarketConfig, PriceGrid
from fixgw.sim.exchange_app import ExchangeAppConfig

MKT = "MKT-A"


def nos(cl: str, side: enums.Side, price: str, qty: str, **kw) -> NewOrderSingle:
    kw.setdefault("time_in_force", enums.TimeInForce.GTC)
    return NewOrderSingle(
        cl_ord_id=cl,
        order_qty=D(qty),
        ord_type=enums.OrdType.LIMIT,
        price=D(price),
        side=side,
        symbol=kw.pop("symbol", MKT),
        **kw,
    )


def cancel(cl: str, orig: str, side: enums.Side = BUY, **kw) -> OrderCancelRequest:
    return OrderCancelRequest(
        cl_ord_id=cl, orig_cl_ord_id=orig, side=side, symbol=kw.pop("symbol", MKT), **kw
    )


def amend(
    cl: str, orig: str, qty: str, price: str | None = None, side: enums.Side = BUY
) -> OrderCancelReplaceRequest:
    return OrderCancelReplaceRequest(
        cl_ord_id=cl,
        orig_cl_ord_id=orig,
        order_qty=D(qty),
        ord_type=enums.OrdType.LIMIT,
        price=None if price is None else D(price),
        side=side,
        symbol=MKT,
    )


def group(action: enums.OrderGroupAction, **kw) -> OrderGroupRequest:
    return OrderGroupRequest(order_group_action=action, **kw)


# ---- acks, pending reports, quantities ---------------------------------------------------------


async def test_ack_has_qty_scale_two_and_no_pending_with_21011():
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "10"))
    [ack] = a.take()
    assert kinds([ack]) == ["8:0/0"]
    assert (ack.cl_ord_id, ack.cum_qty, ack.leaves_qty, ack.order_qty) == (
        "c1",
        D("0"),
        D("10"),
        D("10"),
    )
    assert b"\x0114=0.00\x01" in a.raw[-1] and b"\x01151=10.00\x01" in a.raw[-1]
    assert b"\x0144=40\x01" in a.raw[-1]  # cents session: price in cents
    assert ack.exec_id == "1;1" and ack.price == D("0.40")


async def test_pending_new_precedes_the_ack_without_21011():
    app, _ = make_app()
    a = logon(app, "A")
    await deliver(app, a, nos("c1", BUY, "0.40", "10"))
    pend, ack = a.take()
    assert kinds([pend, ack]) == ["8:A/A", "8:0/0"]
    assert pend.exec_id == "-1;-1" and pend.cl_ord_id == "c1" and pend.leaves_qty == D(10)
    assert pend.order_id == ack.order_id


async def test_pending_new_precedes_a_reject_too():
    app, _ = make_app()
    a = logon(app, "A")
    await deliver(app, a, nos("c1", BUY, "1.50", "10"))
    msgs = a.take()
    assert kinds(msgs) == ["8:A/A", "8:8/8"]
    assert (
        msgs[1].text == "INVALID_ORDER"
        and msgs[1].ord_rej_reason is enums.OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC
    )
    assert msgs[1].order_qty == D(10) and msgs[1].leaves_qty == 0


async def test_pending_cancel_and_pending_replace_name_the_request():
    app, _ = make_app()
    a = logon(app, "A")
    await deliver(app, a, nos("c1", BUY, "0.40", "10"))
    a.take()
    await deliver(app, a, amend("c2", "c1", "12", "0.41"))
    pend, rep = a.take()
    assert kinds([pend, rep]) == ["8:E/E", "8:5/0"]
    assert (pend.cl_ord_id, pend.orig_cl_ord_id, pend.order_qty, pend.price) == (
        "c2",
        "c1",
        D(10),
        D("0.40"),
    )
    assert (rep.cl_ord_id, rep.orig_cl_ord_id, rep.order_qty, rep.price) == (
        "c2",
        "c1",
        D(12),
        D("0.41"),
    )
    await deliver(app, a, cancel("c3", "c2"))
    pend, done = a.take()
    assert kinds([pend, done]) == ["8:6/6", "8:4/4"]
    assert (done.cl_ord_id, done.orig_cl_ord_id, done.text) == ("c3", "c2", None)


async def test_no_pending_cancel_for_an_unknown_order():
    app, _ = make_app()
    a = logon(app, "A")
    await deliver(app, a, cancel("x2", "nope"))
    [rej] = a.take()
    assert rej.MSG_TYPE == "9"
    assert (rej.order_id, rej.ord_status, rej.cxl_rej_reason, rej.cxl_rej_response_to) == (
        "NONE",
        enums.OrdStatus.REJECTED,
        enums.CxlRejReason.UNKNOWN_ORDER,
        enums.CxlRejResponseTo.ORDER_CANCEL_REQUEST,
    )


async def test_missing_time_in_force_is_gtc_by_default_and_configurable():
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "1", time_in_force=None))
    [ack] = a.take()
    assert ack.expire_time is None and app.engine.order(ack.order_id).time_in_force == 1

    app, _ = make_app(ExchangeAppConfig(missing_time_in_force=enums_tif_day()))
    a = logon(app, "A", **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "1", time_in_force=None))
    [ack] = a.take()
    assert ack.expire_time is not None  # Day: 23:59:59.999 New York


def enums_tif_day():
    from fixgw.sim.exchange import TimeInForce

    return TimeInForce.DAY


# ---- fills between API keys ---------------------------------------------------------------------


async def test_fill_reaches_both_sides_with_trade_fields():
    app, _ = make_app()
    maker = logon(app, "M", **SKIP)
    taker = logon(app, "T", **SKIP)
    await deliver(app, maker, nos("m1", SELL, "0.60", "10"))
    maker.take()
    await deliver(app, taker, nos("t1", BUY, "0.65", "4"))
    [t_fill] = taker.take()  # New folded into the Trade (no 21026)
    [m_fill] = maker.take()
    assert kinds([t_fill, m_fill]) == ["8:F/2", "8:F/1"]
    assert t_fill.last_px == m_fill.last_px == D("0.60")
    assert t_fill.last_qty == D(4) and t_fill.trd_match_id == m_fill.trd_match_id
    assert (t_fill.aggressor_indicator, m_fill.aggressor_indicator) == (True, False)
    assert (t_fill.long_qty, t_fill.short_qty, m_fill.long_qty, m_fill.short_qty) == (
        D(4),
        0,
        0,
        D(4),
    )
    [fee] = t_fill.misc_fees
    assert fee.misc_fee_amt == D("0.07") and fee.misc_fee_curr == "USD"  # ceil(0.07*4*.6*.4)
    assert (
        fee.misc_fee_type is enums.MiscFeeType.EXCHANGE_FEES
        and fee.misc_fee_basis is enums.MiscFeeBasis.ABSOLUTE
    )
    [coll] = t_fill.collateral_amount_changes
    assert (
        coll.collateral_amount_change == D("-2.47")
        and coll.collateral_amount_type is enums.CollateralAmountType.BALANCE
    )
    assert (m_fill.cum_qty, m_fill.leaves_qty, m_fill.order_qty) == (D(4), D(6), D(10))


async def test_always_emit_new_before_trade_21026():
    app, _ = make_app()
    maker = logon(app, "M", **SKIP)
    taker = logon(app, "T", always_emit_new_before_trade=True, **SKIP)
    await deliver(app, maker, nos("m1", SELL, "0.60", "10"))
    await deliver(app, taker, nos("t1", BUY, "0.60", "4"))
    assert kinds(taker.take()) == ["8:0/0", "8:F/2"]


@pytest.mark.parametrize("ioc_report", [False, True])
@pytest.mark.parametrize("preserve", [False, True])
async def test_partially_filled_ioc_21007_and_21008(ioc_report, preserve):
    app, _ = make_app()
    maker = logon(app, "M", **SKIP)
    taker = logon(
        app, "T", enable_ioc_cancel_report=ioc_report, preserve_original_order_qty=preserve, **SKIP
    )
    await deliver(app, maker, nos("m1", SELL, "0.60", "3"))
    await deliver(app, taker, nos("t1", BUY, "0.60", "10", time_in_force=enums.TimeInForce.IOC))
    msgs = taker.take()
    if ioc_report:
        assert kinds(msgs) == ["8:F/1", "8:4/4"]
        assert msgs[1].text == "IMMEDIATE_OR_CANCELLED"
    else:
        assert kinds(msgs) == ["8:F/4"]
    last = msgs[-1]
    assert (last.cum_qty, last.leaves_qty) == (D(3), D(0))
    assert last.order_qty == (D(10) if preserve else D(3))


async def test_unfilled_ioc_cancel_is_always_reported():
    app, _ = make_app()
    taker = logon(app, "T", **SKIP)
    await deliver(app, taker, nos("t1", BUY, "0.60", "10", time_in_force=enums.TimeInForce.IOC))
    msgs = taker.take()
    assert kinds(msgs) == ["8:0/0", "8:4/4"] and msgs[1].text == "IMMEDIATE_OR_CANCELLED"


@pytest.mark.parametrize("use_expired", [False, True])
async def test_close_cancel_21012(use_expired):
    app, _ = make_app()
    a = logon(app, "A", use_expired_ord_status=use_expired, **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "10"))
    a.take()
    app.close_market(MKT)
    [er] = a.take()
    assert kinds([er]) == (["8:C/C"] if use_expired else ["8:4/4"])
    assert er.text == "CLOSE_CANCEL" and er.order_qty == D(0)


async def test_day_order_expiry_via_tick(recwarn):
    app, clock = make_app()
    a = logon(app, "A", use_expired_ord_status=True, **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "10", time_in_force=enums.TimeInForce.DAY))
    [ack] = a.take()
    clock.set(ack.expire_time + timedelta(milliseconds=1))
    app.tick()
    [er] = a.take()
    assert kinds([er]) == ["8:C/C"] and er.text == "ORDER_EXPIRY_CANCEL"


# ---- replace / cancel rejects -----------------------------------------------------------------------


async def test_replace_below_filled_is_refused_and_equal_to_filled_cancels():
    app, _ = make_app()
    maker = logon(app, "M", **SKIP)
    taker = logon(app, "T", **SKIP)
    await deliver(app, maker, nos("m1", SELL, "0.60", "10"))
    await deliver(app, taker, nos("t1", BUY, "0.60", "4"))
    maker.take()
    await deliver(app, maker, amend("m2", "m1", "3", side=SELL))
    [rej] = maker.take()
    assert rej.MSG_TYPE == "9" and rej.text == "INVALID_AMEND_QTY_FOR_ORDER"
    assert rej.cxl_rej_reason is enums.CxlRejReason.BROKER
    assert rej.cxl_rej_response_to is enums.CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST
    assert rej.ord_status is enums.OrdStatus.PARTIALLY_FILLED
    await deliver(app, maker, amend("m3", "m1", "4", side=SELL))
    [done] = maker.take()
    assert kinds([done]) == ["8:4/4"] and done.cl_ord_id == "m3" and done.cum_qty == D(4)


# ---- listeners and several keys of one account ------------------------------------------------------


async def test_listener_mirrors_the_account_and_refuses_orders():
    app, _ = make_app(ExchangeAppConfig(accounts={"L": "A", "A2": "A"}))
    a = logon(app, "A", **SKIP)
    a2 = logon(app, "A2", "KalshiRT", **SKIP)
    lis = logon(app, "L", "KalshiRT", listener_session=True, **SKIP)
    other = logon(app, "B", **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "10"))
    assert kinds(a.take()) == kinds(lis.take()) == ["8:0/0"]
    assert a2.take() == [] and other.take() == []
    # A2 trades for the same account: its fill against B is mirrored too.
    await deliver(app, other, nos("b1", SELL, "0.40", "2"))
    assert kinds(a.take()) == ["8:F/1"] and kinds(lis.take()) == ["8:F/1"]
    fm = await deliver(app, lis, nos("l1", BUY, "0.40", "1"))
    [j] = lis.take()
    assert (
        j.MSG_TYPE == "j" and j.business_reject_reason is enums.BusinessRejectReason.NOT_AUTHORIZED
    )
    assert j.ref_seq_num == fm.seq and j.ref_msg_type == "D"
    assert app.engine.open_orders("L") == []


async def test_who_hears_follows_logons_logouts_and_links_made_later():
    """The app keeps who listens to an account between messages: each change must show."""
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    lis = logon(app, "L", "KalshiRT", listener_session=True, **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "1"))
    assert kinds(a.take()) == ["8:0/0"] and lis.take() == []
    app.link_key("L", "A")  # after both logged on
    await deliver(app, a, nos("c2", BUY, "0.40", "1"))
    assert kinds(lis.take()) == ["8:0/0"]
    lis.active = False
    app.on_logout(lis)
    late = logon(app, "L2", listener_session=True, **SKIP)
    app.link_key("L2", "A")
    await deliver(app, a, nos("c3", BUY, "0.40", "1"))
    assert kinds(late.take()) == ["8:0/0"] and lis.take() == []


async def test_a_replaced_connection_is_answered_as_its_successor_would_be():
    """A message still arriving on an old connection of a key uses the key's current Logon
    (flags, reports to the session now logged on), as when every message looked them up."""
    app, _ = make_app()
    old = logon(app, "A")  # pending reports on
    new = logon(app, "A", **SKIP)  # same key: replaces it
    await deliver(app, old, nos("c1", BUY, "0.40", "1"))
    assert old.take() == [] and kinds(new.take()) == ["8:0/0"]  # no PENDING_NEW: 21011 of new
    await deliver(app, new, nos("c2", BUY, "0.40", "1"))
    assert kinds(new.take()) == ["8:0/0"]


async def test_reports_render_per_session_flags():
    """The same event, a cents trading session and a dollars listener with 21012."""
    app, _ = make_app(ExchangeAppConfig(accounts={"L": "A"}))
    app.list_market(MarketConfig("SUB-1", grid=PriceGrid.named("deci_cent")))
    a = logon(app, "A", use_dollars=True, **SKIP)
    lis = logon(app, "L", "KalshiRT", listener_session=True, use_expired_ord_status=True, **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.555", "10", symbol="SUB-1"))
    [ack] = a.take()
    assert ack.price == D("0.555") and b"\x0144=0.5550\x01" in a.raw[-1]
    [mirror] = lis.take()
    assert mirror.price == D("0.56") and b"\x0144=56\x01" in lis.raw[-1]  # cents: nearest cent
    app.close_market("SUB-1")
    assert kinds(a.take()) == ["8:4/4"] and kinds(lis.take()) == ["8:C/C"]


async def test_cancel_orders_on_disconnect():
    app, _ = make_app(ExchangeAppConfig(accounts={"L": "A"}))
    a = logon(app, "A", cancel_orders_on_disconnect=True, **SKIP)
    keep = logon(app, "K", **SKIP)
    lis = logon(app, "L", listener_session=True, **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "10"))
    await deliver(app, keep, nos("k1", BUY, "0.40", "10"))
    lis.take()
    a.active = False
    app.on_logout(a)
    app.on_logout(keep)  # no 8013: its order stays
    [er] = lis.take()
    assert kinds([er]) == ["8:4/4"] and er.text == "CANCEL_ON_DISCONNECT" and er.cl_ord_id == "c1"
    assert [o.cl_ord_id for o in app.engine.open_orders()] == ["k1"]


async def test_orders_without_a_session_reach_the_accounts_trading_sessions():
    from fixgw.sim.exchange.testkit import order

    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    app.place_order(order("A", "seed", 1, "0.30", 5, symbol=MKT))
    assert kinds(a.take()) == ["8:0/0"]


# ---- mass cancel ------------------------------------------------------------------------------------


async def test_mass_cancel_on_nr_cancels_this_sessions_orders():
    app, _ = make_app(ExchangeAppConfig(accounts={"A2": "A"}))
    a = logon(app, "A", **SKIP)
    a2 = logon(app, "A2", "KalshiRT", **SKIP)
    for i in range(2):
        await deliver(app, a, nos(f"c{i}", BUY, "0.40", "1"))
    await deliver(app, a2, nos("x", BUY, "0.40", "1"))
    a.take()
    await deliver(
        app,
        a,
        OrderMassCancelRequest(
            cl_ord_id="mc", mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
        ),
    )
    msgs = a.take()
    assert kinds(msgs) == ["r", "8:4/4", "8:4/4"]
    assert (
        msgs[0].cl_ord_id == "mc"
        and msgs[0].mass_cancel_response is enums.MassCancelResponse.SUCCESS
    )
    assert {m.text for m in msgs[1:]} == {"MASS_CANCEL"}
    assert [o.cl_ord_id for o in app.engine.open_orders()] == ["x"]


async def test_mass_cancel_refused_while_exchange_paused():
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "1"))
    app.pause_exchange()
    a.take()
    await deliver(
        app,
        a,
        OrderMassCancelRequest(
            cl_ord_id="mc", mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
        ),
    )
    [r] = a.take()
    assert (
        r.mass_cancel_response is enums.MassCancelResponse.REJECTED
        and r.mass_cancel_reject_reason == 99
    )


async def test_mass_cancel_on_rt_is_unsupported():
    app, _ = make_app()
    rt = logon(app, "A", "KalshiRT", **SKIP)
    await deliver(
        app,
        rt,
        OrderMassCancelRequest(
            cl_ord_id="mc", mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
        ),
    )
    [j] = rt.take()
    assert (
        j.MSG_TYPE == "j"
        and j.business_reject_reason is enums.BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE
    )


# ---- subaccounts and parties ------------------------------------------------------------------------


async def test_alloc_account_and_party_are_echoed():
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    await deliver(app, a, nos("c1", BUY, "0.40", "1", alloc_account=3))
    [er] = a.take()
    assert er.alloc_account == 3 and app.engine.order(er.order_id).owner.subaccount == 3
    party = Party(
        party_id="11111111-1111-1111-1111-111111111111", party_role=enums.PartyRole.CUSTOMER_ACCOUNT
    )
    await deliver(app, a, nos("c2", BUY, "0.40", "1", party_ids=[party]))
    [er] = a.take()
    assert er.party_ids == [party] and er.alloc_account is None


async def test_two_parties_are_refused():
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    p = Party(party_id="p", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)
    await deliver(app, a, nos("c1", BUY, "0.40", "1", party_ids=[p, p]))
    [j] = a.take()
    assert j.MSG_TYPE == "j" and j.ref_tag_id == 453


# ---- order groups -----------------------------------------------------------------------------------


async def test_order_group_lifecycle_and_rejects():
    A = enums.OrderGroupAction
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    await deliver(app, a, group(A.CREATE, order_group_contracts_limit=5, alloc_account=2))
    [uoh] = a.take()
    assert uoh.MSG_TYPE == "UOH" and uoh.order_group_contracts_limit == 5 and uoh.alloc_account == 2
    gid = uoh.order_group_id
    await deliver(app, a, nos("g1", BUY, "0.40", "1", secondary_cl_ord_id=gid, alloc_account=2))
    a.take()
    await deliver(
        app, a, group(A.UPDATE, order_group_id=gid, order_group_contracts_limit=7, alloc_account=2)
    )
    [uoh] = a.take()
    assert uoh.order_group_contracts_limit == 7
    await deliver(app, a, group(A.RESET, order_group_id=gid, alloc_account=2))
    [uoh] = a.take()
    assert uoh.order_group_contracts_limit is None and uoh.alloc_account == 2
    # wrong subaccount: not found
    fm = await deliver(app, a, group(A.TRIGGER, order_group_id=gid))
    [j] = a.take()
    assert (j.MSG_TYPE, j.business_reject_reason, j.text, j.ref_seq_num, j.ref_msg_type) == (
        "j",
        enums.BusinessRejectReason.UNKNOWN_ID,
        "ORDER_GROUP_NOT_FOUND",
        fm.seq,
        "UOG",
    )
    await deliver(app, a, group(A.TRIGGER, order_group_id=gid, alloc_account=2))
    msgs = a.take()
    assert kinds(msgs) == ["UOH", "8:4/4"] and msgs[1].text == "ORDER_GROUP_CANCEL"
    await deliver(app, a, group(A.DELETE, order_group_id=gid, alloc_account=2))
    assert kinds(a.take()) == ["UOH"]


@pytest.mark.parametrize(
    ("req", "reason", "tag"),
    [
        (dict(order_group_action=enums.OrderGroupAction.CREATE), 5, 20132),
        (dict(order_group_action=enums.OrderGroupAction.RESET), 5, 20130),
        (
            dict(
                order_group_action=enums.OrderGroupAction.UPDATE,
                order_group_id="00000000-0000-0000-0000-000000000001",
            ),
            5,
            20132,
        ),
        (
            dict(order_group_action=enums.OrderGroupAction.DELETE, order_group_id="not-a-uuid"),
            0,
            20130,
        ),
        (
            dict(
                order_group_action=enums.OrderGroupAction.CREATE,
                order_group_contracts_limit=5,
                order_group_id="00000000-0000-0000-0000-000000000001",
            ),
            0,
            20130,
        ),
    ],
)
async def test_malformed_order_group_requests(req, reason, tag):
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    await deliver(app, a, OrderGroupRequest(**req))
    [j] = a.take()
    assert j.MSG_TYPE == "j" and j.business_reject_reason.value == reason and j.ref_tag_id == tag


async def test_invalid_contracts_limit_is_a_business_reject():
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    await deliver(app, a, group(enums.OrderGroupAction.CREATE, order_group_contracts_limit=0))
    [j] = a.take()
    assert j.MSG_TYPE == "j" and j.text == "INVALID_CONTRACTS_LIMIT"


# ---- dispatcher ----------------------------------------------------------------------------------


async def test_register_plugs_in_a_handler_and_unknown_types_are_unsupported():
    app, _ = make_app()
    rt = logon(app, "A", "KalshiRT", **SKIP)
    from fixgw.messages import RFQCancel

    fm = await deliver(app, rt, RFQCancel(quote_req_id="q1"))
    [j] = rt.take()
    assert (
        j.business_reject_reason is enums.BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE
        and j.ref_msg_type == "UE"
    )
    seen = []
    app.register("UE", lambda ctx, fm: seen.append((ctx, fm.msg_type)))
    fm = await deliver(app, rt, RFQCancel(quote_req_id="q1"))
    assert seen == [(rt, "UE")] and rt.take() == [] and fm.msg_type == "UE"


async def test_broadcast_and_session_lookup():
    from fixgw.messages import BusinessMessageReject

    app, _ = make_app(ExchangeAppConfig(accounts={"L": "A"}))
    a = logon(app, "A", **SKIP)
    lis = logon(app, "L", "KalshiRT", listener_session=True, **SKIP)
    b = logon(app, "B", "KalshiRT", **SKIP)
    assert app.sessions(account="A") == [a, lis]
    assert app.sessions(session_types=["KalshiRT"], listeners=False) == [b]
    msg = BusinessMessageReject(
        ref_seq_num=0, business_reject_reason=enums.BusinessRejectReason.OTHER, text="hi"
    )
    assert app.broadcast(msg, session_types=["KalshiRT"]) == 2
    assert len(lis.take()) == 1 and len(b.take()) == 1 and a.take() == []


async def test_faults_and_balance_controls():
    app, _ = make_app()
    a = logon(app, "A", **SKIP)
    app.set_faults(exchange_unavailable=True)
    await deliver(app, a, nos("c1", BUY, "0.40", "1"))
    [er] = a.take()
    assert er.text == "EXCHANGE_UNAVAILABLE" and er.ord_rej_reason is enums.OrdRejReason.OTHER
    app.set_faults(exchange_unavailable=False)
    app.set_balance("A", Decimal("1.00"))
    await deliver(app, a, nos("c2", BUY, "0.40", "10"))
    [er] = a.take()
    assert er.text == "INSUFFICIENT_BALANCE"
    with pytest.raises(TypeError):
        app.set_balance("A", 5)  # type: ignore[arg-type]


async def test_session_hooks_and_unsendable_sessions():
    from fixgw.sim.exchange.testkit import order

    app, _ = make_app()
    seen = []
    app.add_session_hook(
        on_logon=lambda c: seen.append(("in", c.api_key)),
        on_logout=lambda c: seen.append(("out", c.api_key)),
    )
    rfq = logon(app, "A", "KalshiRFQ")
    nr = logon(app, "A2", **SKIP)
    # an order entered on a session that cannot carry ExecutionReports is not a crash
    ev = app.engine.submit(order("A", "r1", 1, "0.30", 1, symbol=MKT, session_id="KalshiRFQ:A"))
    app.publish(ev)
    assert rfq.take() == [] and nr.take() == []
    app.on_logout(rfq)
    assert seen == [("in", "A"), ("in", "A2"), ("out", "A")]
