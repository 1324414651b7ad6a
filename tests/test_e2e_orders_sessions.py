"""Listener sessions, CancelOrdersOnDisconnect, drop copy and order groups, end to end."""

from __future__ import annotations

from datetime import timedelta

import e2e_orders_harness as harness
import pytest
from e2e_orders_harness import BUY, MKT, SELL, D, env_factory, kinds

from fixgw.app import BusinessRejected, DropCopyRejected, ListenerSessionError, OrderRejected
from fixgw.messages import NewOrderSingle, enums
from fixgw.session import LogonFlags
from fixgw.sim.exchange_app import ExchangeAppConfig
from fixgw.testing import RawClient, raw_logon, raw_message

TIF = enums.TimeInForce
S = enums.OrdStatus
SKIP = {"skip_pending_exec_reports": True}
LISTEN = {"listener_session": True, "skip_pending_exec_reports": True}

env = harness.env
key_pool = harness.key_pool


def is_report(exec_type: enums.ExecType, cl: str | None = None):
    return lambda m: (
        m.MSG_TYPE == "8" and m.exec_type is exec_type and (cl is None or m.cl_ord_id == cl)
    )


# ---- listener sessions ------------------------------------------------------------------------------


@pytest.mark.parametrize("listener_type", ["KalshiNR", "KalshiRT"])
async def test_listener_mirrors_the_accounts_reports(env, listener_type):
    env.link("L", "A")
    a, arec = await env.client("A", **SKIP)
    lis, lrec = await env.client("L", listener_type, **LISTEN)
    b, _ = await env.client("B", **SKIP)
    order = await a.place_order(MKT, BUY, D(10), D("0.40"), tif=TIF.GTC)
    theirs = await b.place_order(MKT, SELL, D(4), D("0.40"), tif=TIF.GTC)
    await a.replace(order.cl_ord_id, qty=D(8))
    await a.cancel(order.cl_ord_id)
    await lrec.wait_for(is_report(enums.ExecType.CANCELED))
    assert kinds(lrec.reports()) == kinds(arec.reports()) == ["8:0/0", "8:F/1", "8:5/1", "8:4/4"]
    assert [r.exec_id for r in lrec.reports()] == [r.exec_id for r in arec.reports()]
    mirrored = lis.orders.find_by_order_id(order.order_id)
    assert (
        mirrored.source == "report" and mirrored.status is S.CANCELED and mirrored.cum_qty == D(4)
    )
    assert theirs.status is S.FILLED and theirs.order_id not in {r.order_id for r in lrec.reports()}


async def test_listener_cannot_send_orders(env):
    env.link("L", "A")
    lis, lrec = await env.client("L", "KalshiRT", **LISTEN)
    with pytest.raises(ListenerSessionError):
        await lis.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    assert lis.orders.orders() == []  # nothing was sent, so nothing is tracked
    a, _ = await env.client("A", **SKIP)
    mine = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    await lrec.wait_for(lambda m: m.MSG_TYPE == "8" and m.order_id == mine.order_id)
    mirrored = lis.orders.find_by_order_id(mine.order_id)
    with pytest.raises(ListenerSessionError):
        await lis.cancel(mirrored.cl_ord_id)
    with pytest.raises(ListenerSessionError):
        await lis.replace(mirrored.cl_ord_id, qty=D(2))
    assert mirrored.status is S.NEW and not mirrored.pending
    # Sent anyway, bypassing every client-side check: the exchange refuses it.
    key = env.keys["L2"]
    env.sim.register_key(key.uuid, key.pub_path)
    env.link("L2", "A")
    raw = await RawClient.connect(env.sim, "KalshiRT")
    try:
        await raw.send(raw_logon(key, "KalshiRT", flags=LogonFlags(reset_seq_num=True, **LISTEN)))
        logon = await raw.recv()
        assert logon.msg_type == "A"
        nos = NewOrderSingle(
            cl_ord_id="l-1",
            order_qty=D(1),
            ord_type=enums.OrdType.LIMIT,
            price=D("0.40"),
            side=BUY,
            symbol=MKT,
        )
        fields = nos.to_fields()
        await raw.send(raw_message("D", key.uuid, "KalshiRT", 2, fields))
        j, _ = await raw.recv_until("j")
        assert j is not None and j.body[380] == 6 and j.body[45] == 2 and j.body[372] == "D"
    finally:
        await raw.close()
    assert [o.order_id for o in env.app.engine.open_orders()] == [mine.order_id]


# ---- CancelOrdersOnDisconnect ---------------------------------------------------------------------


@pytest.mark.parametrize("how", ["logout", "drop"])
async def test_cancel_orders_on_disconnect(env, how):
    env.link("L", "A")
    a, _ = await env.client("A", cancel_orders_on_disconnect=True, **SKIP)
    lis, lrec = await env.client("L", "KalshiRT", **LISTEN)
    keeper, _ = await env.client("K", **SKIP)
    orders = [await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC) for _ in range(2)]
    kept = await keeper.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    if how == "logout":
        await a.close()
    else:
        env.sim.session(env.uuid("A")).drop()
    cancels = await lrec.wait_n(2, is_report(enums.ExecType.CANCELED))
    assert {c.cl_ord_id for c in cancels} == {o.cl_ord_id for o in orders}
    assert {c.text for c in cancels} == {"CANCEL_ON_DISCONNECT"}
    assert [o.order_id for o in env.app.engine.open_orders()] == [kept.order_id]


async def test_without_the_flag_orders_survive_a_logout(env):
    a, _ = await env.client("A", **SKIP)
    order = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
    await a.close()
    await env.sim.wait_disconnected(env.uuid("A"))
    assert [o.order_id for o in env.app.engine.open_orders()] == [order.order_id]


# ---- drop copy ------------------------------------------------------------------------------------


async def test_drop_copy_range(env):
    env.link("DC", "A")
    a, arec = await env.client("A")  # pending reports on the trading session: never in drop copy
    b, _ = await env.client("B", **SKIP)
    o = await a.place_order(MKT, BUY, D(5), D("0.40"), tif=TIF.GTC)
    with pytest.raises(OrderRejected):
        await a.place_order(MKT, BUY, D(5), D("1.40"), tif=TIF.GTC)
    await b.place_order(MKT, SELL, D(2), D("0.40"), tif=TIF.GTC)
    await a.cancel(o.cl_ord_id)
    real = [
        r
        for r in arec.reports()
        if r.exec_id != "-1;-1" and r.exec_type is not enums.ExecType.REJECTED
    ]
    assert kinds(real) == ["8:0/0", "8:F/1", "8:4/4"]
    dc, _ = await env.client("DC", "KalshiDC")
    result = await dc.dropcopy.replay(real[0].exec_id)
    assert result.complete and result.expected_count == 3
    assert [r.exec_id for r in result.reports] == [r.exec_id for r in real]
    assert kinds(result.reports) == kinds(real)
    part = await dc.dropcopy.replay(real[1].exec_id, real[1].exec_id)
    assert [r.exec_id for r in part.reports] == [real[1].exec_id]
    assert part.reports[0].last_qty == D(2)


async def test_drop_copy_reject_reasons(key_pool):
    cfg = ExchangeAppConfig(dropcopy_max_requests=3, dropcopy_window=timedelta(seconds=10))
    async with env_factory(key_pool, app_config=cfg) as env:
        a, arec = await env.client("A", **SKIP)
        await a.place_order(MKT, BUY, D(5), D("0.40"), tif=TIF.GTC)
        first = arec.reports()[0].exec_id
        dc, _ = await env.client("DC", "KalshiDC")  # its own account: no reports, but ranges apply
        epoch, seq = first.split(";")
        with pytest.raises(DropCopyRejected) as exc:
            await dc.dropcopy.replay(first, f"{epoch};{int(seq) + 1}")
        assert exc.value.reason == 4 and not exc.value.retryable
        env.app.set_faults(dropcopy_server_error=True)
        with pytest.raises(DropCopyRejected) as exc:
            await dc.dropcopy.replay(first)
        assert exc.value.reason == 2 and exc.value.retryable
        env.app.set_faults(dropcopy_server_error=False)
        assert (await dc.dropcopy.replay(first)).expected_count == 0
        with pytest.raises(DropCopyRejected) as exc:
            await dc.dropcopy.replay(first)  # the 4th request within 10 s
        assert exc.value.reason == 1 and exc.value.retryable
        env.clock.advance(timedelta(hours=3, seconds=11))
        # one new ExecID; everything before it is forgotten
        await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC)
        with pytest.raises(DropCopyRejected) as exc:
            await dc.dropcopy.replay(first)
        assert exc.value.reason == 3


# ---- order groups ---------------------------------------------------------------------------------


async def test_order_group_triggers_on_the_rolling_15s_window(env):
    a, arec = await env.client("A", **SKIP)
    b, _ = await env.client("B", **SKIP)
    gid = await a.groups.create(5)
    g1 = await a.place_order(MKT, BUY, D(10), D("0.40"), tif=TIF.GTC, order_group_id=gid)
    g2 = await a.place_order(MKT, BUY, D(10), D("0.30"), tif=TIF.GTC, order_group_id=gid)
    await b.place_order(MKT, SELL, D(3), D("0.40"), tif=TIF.GTC)
    env.clock.advance(timedelta(seconds=16))  # the first 3 leave the window
    await b.place_order(MKT, SELL, D(2), D("0.40"), tif=TIF.GTC)
    await arec.wait_n(2, is_report(enums.ExecType.TRADE))
    assert g1.status is S.PARTIALLY_FILLED and g2.status is S.NEW  # 2 in window < 5
    env.clock.advance(timedelta(seconds=10))
    await b.place_order(MKT, SELL, D(3), D("0.40"), tif=TIF.GTC)  # 2 + 3 = 5 within 15 s
    await arec.wait_n(2, is_report(enums.ExecType.CANCELED))
    assert (g1.status, g1.text, g1.cum_qty) == (S.CANCELED, "ORDER_GROUP_CANCEL", D(8))
    assert (g2.status, g2.text) == (S.CANCELED, "ORDER_GROUP_CANCEL")
    with pytest.raises(OrderRejected) as exc:
        await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC, order_group_id=gid)
    assert exc.value.text == "EXCEEDED_ORDER_GROUP_RISK_LIMIT"
    await a.groups.reset(gid)
    again = await a.place_order(MKT, BUY, D(1), D("0.40"), tif=TIF.GTC, order_group_id=gid)
    assert again.status is S.NEW


async def test_order_group_subaccounts_update_trigger_delete(env):
    a, arec = await env.client("A", **SKIP)
    gid = await a.groups.create(100, alloc_account=2)
    with pytest.raises(BusinessRejected) as exc:
        await a.groups.reset(gid)  # primary account does not own it
    assert (
        exc.value.text == "ORDER_GROUP_NOT_FOUND"
        and exc.value.reason is enums.BusinessRejectReason.UNKNOWN_ID
    )
    resp = await a.groups.update(gid, 50, alloc_account=2)
    assert (resp.order_group_contracts_limit, resp.alloc_account) == (50, 2)
    o = await a.place_order(
        MKT, BUY, D(1), D("0.40"), tif=TIF.GTC, order_group_id=gid, alloc_account=2
    )
    resp = await a.groups.trigger(gid, alloc_account=2)
    assert resp.order_group_contracts_limit is None
    await arec.wait_for(is_report(enums.ExecType.CANCELED, o.cl_ord_id))
    assert o.status is S.CANCELED and o.text == "ORDER_GROUP_CANCEL"
    await a.groups.delete(gid, alloc_account=2)
    with pytest.raises(BusinessRejected):
        await a.groups.delete(gid, alloc_account=2)
    with pytest.raises(BusinessRejected) as exc:
        await a.groups.reset("not-a-uuid")
    assert exc.value.ref_tag == 20130
