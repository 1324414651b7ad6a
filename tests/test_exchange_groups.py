"""Order groups (fix__order-groups.md): create/reset/delete/trigger/update, rolling 15 s window."""

import uuid
from datetime import timedelta
from decimal import Decimal as D

import pytest

from fixgw.sim.exchange import (
    Exchange,
    GroupTriggered,
    ManualClock,
    OrderAccepted,
    OrderCanceled,
    OrderGroupAction,
    OrderGroupRejected,
    OrderGroupResponse,
    OrderRejected,
)
from fixgw.sim.exchange.ids import uuid_ids
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import T0, make_exchange, of_type, one, order


def create(ex, limit, account="me", subaccount=0) -> str:
    resp = one(ex.create_order_group(account, D(limit), subaccount=subaccount), OrderGroupResponse)
    assert resp.action is OrderGroupAction.CREATE and resp.contracts_limit == D(limit)
    return resp.group_id


def test_create_returns_server_generated_uuid():
    ex = Exchange(clock=ManualClock(T0), ids=uuid_ids())
    gid = create(ex, 5000)
    assert str(uuid.UUID(gid)) == gid


@pytest.mark.parametrize("limit", ["0", "1000001", "-3"])
def test_create_limit_out_of_range(limit):
    ex, _ = make_exchange()
    rej = one(ex.create_order_group("me", D(limit)), OrderGroupRejected)
    assert rej.text == "INVALID_CONTRACTS_LIMIT"


def test_unknown_group_on_order_and_on_actions():
    ex, _ = make_exchange()
    rej = one(
        ex.submit(order("me", "o", Side.BUY_YES, "0.30", 1, order_group_id="nope")), OrderRejected
    )
    assert (rej.text, rej.ord_rej_reason) == ("ORDER_GROUP_NOT_FOUND", 11)
    for call in (ex.reset_order_group, ex.delete_order_group, ex.trigger_order_group):
        r = one(call("me", "nope"), OrderGroupRejected)
        assert (r.text, r.business_reject_reason) == ("ORDER_GROUP_NOT_FOUND", 1)
    assert one(ex.update_order_group("me", "nope", D(5)), OrderGroupRejected).group_id == "nope"


def test_groups_are_scoped_per_subaccount_and_account():
    ex, _ = make_exchange()
    gid = create(ex, 10, subaccount=2)
    assert one(ex.reset_order_group("me", gid), OrderGroupRejected).text == "ORDER_GROUP_NOT_FOUND"
    assert one(ex.reset_order_group("you", gid, subaccount=2), OrderGroupRejected)
    resp = one(ex.reset_order_group("me", gid, subaccount=2), OrderGroupResponse)
    assert resp.subaccount == 2 and resp.contracts_limit is None
    rej = one(
        ex.submit(order("me", "o", Side.BUY_YES, "0.30", 1, order_group_id=gid)), OrderRejected
    )
    assert rej.text == "ORDER_GROUP_NOT_FOUND"
    assert one(
        ex.submit(order("me", "o", Side.BUY_YES, "0.30", 1, order_group_id=gid, subaccount=2)),
        OrderAccepted,
    )


def test_limit_hit_triggers_cancels_and_blocks_until_reset():
    ex, _ = make_exchange()
    gid = create(ex, 5)
    ex.submit(order("me", "bid", Side.BUY_YES, "0.30", 10, order_group_id=gid))
    ex.submit(order("me", "other-mkt", Side.BUY_YES, "0.30", 1, symbol="MKT-B", order_group_id=gid))
    ex.submit(order("me", "free", Side.BUY_YES, "0.20", 1))  # not in the group
    assert not of_type(ex.submit(order("mm", "s1", Side.SELL_NO, "0.30", 3)), GroupTriggered)
    events = ex.submit(order("mm", "s2", Side.SELL_NO, "0.30", 2))  # 3 + 2 = 5 = limit
    trig = one(events, GroupTriggered)
    assert (trig.group_id, trig.cause, trig.filled_in_window) == (gid, "limit", D(5))
    cancels = of_type(events, OrderCanceled)
    assert {(c.order.cl_ord_id, c.text) for c in cancels} == {
        ("bid", "ORDER_GROUP_CANCEL"),
        ("other-mkt", "ORDER_GROUP_CANCEL"),
    }
    assert [o.cl_ord_id for o in ex.open_orders("me")] == ["free"]
    rej = one(
        ex.submit(order("me", "n", Side.BUY_YES, "0.30", 1, order_group_id=gid)), OrderRejected
    )
    assert (rej.text, rej.ord_rej_reason) == ("EXCEEDED_ORDER_GROUP_RISK_LIMIT", 3)
    ex.reset_order_group("me", gid)
    assert one(
        ex.submit(order("me", "n", Side.BUY_YES, "0.30", 1, order_group_id=gid)), OrderAccepted
    )


def test_taker_in_group_stops_when_its_fills_hit_the_limit():
    ex, _ = make_exchange()
    gid = create(ex, 4)
    ex.submit(order("mm", "a", Side.SELL_NO, "0.30", 3))
    ex.submit(order("mm", "b", Side.SELL_NO, "0.31", 3))
    events = ex.submit(order("me", "t", Side.BUY_YES, "0.31", 10, order_group_id=gid))
    cancel = one(events, OrderCanceled)
    assert (cancel.order.cl_ord_id, cancel.text, cancel.order.cum_qty) == (
        "t",
        "ORDER_GROUP_CANCEL",
        D(6),
    )


def test_window_is_rolling_15_seconds():
    ex, clock = make_exchange()
    gid = create(ex, 5)
    ex.submit(order("me", "bid", Side.BUY_YES, "0.30", 100, order_group_id=gid))
    ex.submit(order("mm", "s1", Side.SELL_NO, "0.30", 4))
    clock.advance(timedelta(seconds=15))  # the 4 fall out of the window
    assert not of_type(ex.submit(order("mm", "s2", Side.SELL_NO, "0.30", 4)), GroupTriggered)
    clock.advance(timedelta(seconds=14))
    assert one(ex.submit(order("mm", "s3", Side.SELL_NO, "0.30", 1)), GroupTriggered)


def test_trigger_cancels_all_regardless_of_limit():
    ex, _ = make_exchange()
    gid = create(ex, 1000)
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1, order_group_id=gid))
    events = ex.trigger_order_group("me", gid)
    assert isinstance(events[0], OrderGroupResponse)
    assert one(events, GroupTriggered).cause == "manual"
    assert one(events, OrderCanceled).text == "ORDER_GROUP_CANCEL"
    assert (
        one(
            ex.submit(order("me", "b", Side.BUY_YES, "0.30", 1, order_group_id=gid)), OrderRejected
        ).text
        == "EXCEEDED_ORDER_GROUP_RISK_LIMIT"
    )


def test_delete_cancels_and_forgets():
    ex, _ = make_exchange()
    gid = create(ex, 1000)
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1, order_group_id=gid))
    events = ex.delete_order_group("me", gid)
    assert one(events, OrderGroupResponse).action is OrderGroupAction.DELETE
    assert one(events, OrderCanceled).order.cl_ord_id == "a"
    assert (
        one(
            ex.submit(order("me", "b", Side.BUY_YES, "0.30", 1, order_group_id=gid)), OrderRejected
        ).text
        == "ORDER_GROUP_NOT_FOUND"
    )


def test_update_below_window_fills_triggers():
    ex, _ = make_exchange()
    gid = create(ex, 100)
    ex.submit(order("me", "bid", Side.BUY_YES, "0.30", 50, order_group_id=gid))
    ex.submit(order("mm", "s", Side.SELL_NO, "0.30", 6))
    stays = ex.update_order_group("me", gid, D(7))
    assert one(stays, OrderGroupResponse).contracts_limit == D(7)
    assert not of_type(stays, GroupTriggered)
    events = ex.update_order_group("me", gid, D(6))
    assert one(events, GroupTriggered).cause == "update"
    assert one(events, OrderCanceled).order.cl_ord_id == "bid"
    assert (
        one(
            ex.submit(order("me", "b", Side.BUY_YES, "0.30", 1, order_group_id=gid)), OrderRejected
        ).text
        == "EXCEEDED_ORDER_GROUP_RISK_LIMIT"
    )
