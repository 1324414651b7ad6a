"""Drop copy (KalshiDC) over the app, without sockets: ranges, exclusions and every U3 reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sim_orders_harness import BUY, SELL, SKIP, D, deliver, kinds, logon, make_app

from fixgw.messages import EventResendRequest, NewOrderSingle, OrderGroupRequest, enums
from fixgw.sim.exchange_app import ExchangeAppConfig

R = enums.EventResendRejectReason


def nos(
    cl: str, side: enums.Side, price: str, qty: str, tif=enums.TimeInForce.GTC
) -> NewOrderSingle:
    return NewOrderSingle(
        cl_ord_id=cl,
        order_qty=D(qty),
        ord_type=enums.OrdType.LIMIT,
        price=D(price),
        side=side,
        symbol="MKT-A",
        time_in_force=tif,
    )


async def trading_day(app):
    """A (account) and B trade; A has a reject and a pending-report session."""
    a = logon(app, "A")  # pending reports on: they must not show up in drop copy
    b = logon(app, "B", **SKIP)
    await deliver(app, a, nos("a1", BUY, "0.40", "10"))  # 1;1 New
    await deliver(app, a, nos("a2", BUY, "1.40", "10"))  # 1;2 Rejected
    await deliver(app, b, nos("b1", SELL, "0.40", "4"))  # 1;3 New(b1) 1;4 Fill(b1) 1;5 Fill(a1)
    await deliver(app, b, nos("b2", SELL, "0.50", "1"))  # 1;6 New(b2)
    return a, b


async def test_range_returns_the_accounts_reports_then_complete():
    app, _ = make_app(ExchangeAppConfig(accounts={"DCA": "A"}))
    await trading_day(app)
    dc = logon(app, "DCA", "KalshiDC")
    fm = await deliver(app, dc, EventResendRequest(begin_exec_id="1;1"))
    msgs = dc.take()
    assert kinds(msgs) == ["8:0/0", "8:F/1", "U2"]
    assert [m.exec_id for m in msgs[:-1]] == ["1;1", "1;5"]
    assert msgs[-1].ref_seq_num == fm.seq and msgs[-1].resend_event_count == 2
    # B's view, bounded range
    dcb = logon(app, "B", "KalshiDC")
    await deliver(app, dcb, EventResendRequest(begin_exec_id="1;3", end_exec_id="1;4"))
    msgs = dcb.take()
    assert [m.exec_id for m in msgs[:-1]] == ["1;3", "1;4"] and msgs[-1].resend_event_count == 2


async def test_reports_use_the_dc_sessions_price_format():
    app, _ = make_app()
    await trading_day(app)
    dc = logon(app, "A", "KalshiDC", use_dollars=True)
    await deliver(app, dc, EventResendRequest(begin_exec_id="1;1", end_exec_id="1;1"))
    assert b"\x0144=0.4000\x01" in dc.raw[0]


async def test_begin_too_small_only_once_history_was_forgotten():
    app, clock = make_app()
    await trading_day(app)
    dc = logon(app, "A", "KalshiDC")
    await deliver(app, dc, EventResendRequest(begin_exec_id="0;0"))
    assert dc.take()[-1].MSG_TYPE == "U2"  # nothing forgotten yet: from the start
    clock.advance(timedelta(hours=3, seconds=1))
    b = logon(app, "B2", **SKIP)
    await deliver(app, b, nos("late", BUY, "0.30", "1"))  # 1;7, prunes the rest
    await deliver(app, dc, EventResendRequest(begin_exec_id="1;1"))
    [u3] = dc.take()
    assert u3.MSG_TYPE == "U3" and u3.event_resend_reject_reason is R.BEGIN_EXECID_TOO_SMALL
    await deliver(app, dc, EventResendRequest(begin_exec_id="1;7"))
    assert kinds(dc.take()) == ["U2"]  # 1;7 is B2's


async def test_everything_forgotten_still_knows_the_latest():
    app, clock = make_app()
    await trading_day(app)
    clock.advance(timedelta(hours=4))
    app.tick()
    dc = logon(app, "A", "KalshiDC")
    await deliver(app, dc, EventResendRequest(begin_exec_id="1;2"))
    [u3] = dc.take()
    assert u3.event_resend_reject_reason is R.BEGIN_EXECID_TOO_SMALL


async def test_end_too_large():
    app, _ = make_app()
    await trading_day(app)
    dc = logon(app, "A", "KalshiDC")
    fm = await deliver(app, dc, EventResendRequest(begin_exec_id="1;1", end_exec_id="1;7"))
    [u3] = dc.take()
    assert u3.event_resend_reject_reason is R.END_EXECID_TOO_LARGE and u3.ref_seq_num == fm.seq


async def test_rate_limit_and_server_error():
    app, clock = make_app(
        ExchangeAppConfig(dropcopy_max_requests=2, dropcopy_window=timedelta(seconds=1))
    )
    await trading_day(app)
    dc = logon(app, "A", "KalshiDC")
    for _ in range(3):
        await deliver(app, dc, EventResendRequest(begin_exec_id="1;1"))
    last = dc.take()[-1]
    assert last.MSG_TYPE == "U3" and last.event_resend_reject_reason is R.TOO_MANY_RESEND_REQUESTS
    clock.advance(timedelta(seconds=1))
    app.set_faults(dropcopy_server_error=True)
    await deliver(app, dc, EventResendRequest(begin_exec_id="1;1"))
    [u3] = dc.take()
    assert u3.event_resend_reject_reason is R.SERVER_ERROR
    app.set_faults(dropcopy_server_error=False)
    await deliver(app, dc, EventResendRequest(begin_exec_id="1;1"))
    assert dc.take()[-1].MSG_TYPE == "U2"


@pytest.mark.parametrize(
    ("begin", "end", "tag"), [("x", None, 21001), ("1;1", "2", 21002), ("1;5", "1;1", 21002)]
)
async def test_unusable_exec_ids_get_a_business_reject(begin, end, tag):
    app, _ = make_app()
    dc = logon(app, "A", "KalshiDC")
    await deliver(app, dc, EventResendRequest(begin_exec_id=begin, end_exec_id=end))
    [j] = dc.take()
    assert j.MSG_TYPE == "j" and j.ref_tag_id == tag and j.ref_msg_type == "U1"


async def test_other_messages_on_dc_are_unsupported():
    app, _ = make_app()
    dc = logon(app, "A", "KalshiDC")
    await deliver(
        app,
        dc,
        OrderGroupRequest(
            order_group_action=enums.OrderGroupAction.CREATE, order_group_contracts_limit=1
        ),
    )
    [j] = dc.take()
    assert j.business_reject_reason is enums.BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE
