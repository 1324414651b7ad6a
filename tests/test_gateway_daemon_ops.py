"""The ops endpoint of a running gateway (sessions logged on to the simulator over TLS)."""

from __future__ import annotations

import json
import re

import gateway_harness as h

from fixgw.app import RiskLimitExceeded
from fixgw.messages import enums

gwenv = h.gwenv
key_pool = h.key_pool
BUY, SELL, D = h.BUY, h.SELL, h.D


def counters(text: str, name: str) -> dict[tuple[str, str], float]:
    """``{(session, msg_type): value}`` of one labelled counter in Prometheus text."""
    out = {}
    for m in re.finditer(rf'^{name}\{{session="([^"]*)",msg_type="([^"]*)"\}} (\S+)$', text, re.M):
        out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


async def test_ops_routes_on_a_running_gateway(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway(ops=True, risk={"max_open_orders": 10})
    port = gw.ops.port
    assert port > 0

    status, body = await h.http(port, "GET", "/health")
    assert status == 200 and json.loads(body) == {"status": "ok", "sessions_logged_on": 3}
    for method, path in (("GET", "/health"), ("GET", "/sessions"), ("POST", "/kill"), ("GET", "/metrics")):
        status, body = await h.http(port, method, path, token=None)
        assert status == 401, path
        assert b"session" not in body and b"fixgw_" not in body
    status, _ = await h.http(port, "POST", "/kill", token="wrong-token")
    assert status == 401 and not gw.kill_switch.engaged

    rt_order = await gw.place_order("rt", h.MKT, BUY, D(1), D("0.20"))
    nr_order = await gw.place_order("nr", h.MKT, BUY, D(1), D("0.21"))

    status, body = await h.http(port, "GET", "/sessions")
    assert status == 200
    sessions = {s["name"]: s for s in json.loads(body)["sessions"]}
    assert set(sessions) == {"rt", "nr", "dc"}
    for name, s in sessions.items():
        assert s["logged_on"] is True and s["state"] == "active"
        store = gw.sessions[name].store.seqnums()
        assert (s["next_sender_seq"], s["next_target_seq"]) == (store.next_sender, store.next_target)
        assert s["next_sender_seq"] >= 2 and s["next_target_seq"] >= 2
    assert (sessions["rt"]["open_orders"], sessions["nr"]["open_orders"], sessions["dc"]["open_orders"]) == (1, 1, 0)

    status, body = await h.http(port, "GET", "/orders")
    assert status == 200
    orders = {o["cl_ord_id"]: o for o in json.loads(body)["orders"]}
    assert set(orders) == {rt_order.cl_ord_id, nr_order.cl_ord_id}
    assert orders[rt_order.cl_ord_id]["session"] == "rt" and orders[rt_order.cl_ord_id]["price"] == "0.2000"

    status, body = await h.http(port, "GET", "/metrics")
    assert status == 200
    text = body.decode()
    received = counters(text, "fixgw_messages_in_total")
    sent = counters(text, "fixgw_messages_out_total")
    for name in ("rt", "nr", "dc"):
        assert received[(name, "A")] == 1 and sent[(name, "A")] == 1
    assert sent[("rt", "D")] == 1 and sent[("nr", "D")] == 1
    assert received[("rt", "8")] >= 1
    assert 'fixgw_session_logged_on{session="rt"} 1' in text

    rt_id = rt_order.cl_ord_id  # the order's cl_ord_id becomes its cancel's
    status, body = await h.http(port, "POST", "/kill", body=json.dumps({"reason": "ops says stop"}).encode())
    assert status == 200
    result = json.loads(body)
    assert result["kill_switch"]["engaged"] and result["kill_switch"]["reason"] == "ops says stop"
    assert result["sessions"]["nr"]["plan"]["mass_cancel"] is True
    assert [c["orig_cl_ord_id"] for c in result["sessions"]["rt"]["plan"]["cancels"]] == [rt_id]
    await h.wait_until(lambda: gw.open_orders() == [], what="every order canceled")
    assert gwenv.app.engine.open_orders(gwenv.uuid("rt")) == [] and gwenv.app.engine.open_orders(gwenv.uuid("nr")) == []
    assert rt_order.status is enums.OrdStatus.CANCELED and nr_order.status is enums.OrdStatus.CANCELED
    try:
        await gw.place_order("rt", h.MKT, BUY, D(1), D("0.20"))
        raise AssertionError("an order went out with the kill switch engaged")
    except RiskLimitExceeded as exc:
        assert exc.limit_name == "kill_switch"

    status, body = await h.http(port, "GET", "/metrics")
    assert "fixgw_kill_switch_engaged 1" in body.decode()
    status, body = await h.http(port, "GET", "/orders")
    assert json.loads(body) == {"orders": []}


async def test_health_is_503_when_no_session_is_logged_on(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway(h.THREE[:1], ops=True)
    rt = gw.sessions["rt"].client
    gwenv.sim.keys.remove(gwenv.uuid("rt"))  # the exchange forgets the key: no way back in
    gwenv.sim.faults.drop_after(1, api_key=gwenv.uuid("rt"))
    await gw.place_order("rt", h.MKT, BUY, D(1), D("0.10"), wait=False)  # its report is the last
    await h.wait_until(lambda: rt.initiator.stats.reconnects >= 2 and not rt.logged_on, what="RT down for good")
    status, body = await h.http(gw.ops.port, "GET", "/health")
    assert status == 503 and json.loads(body)["status"] == "unavailable"
