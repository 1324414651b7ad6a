"""Ops endpoint over real sockets on 127.0.0.1: auth, routes, JSON bodies, Prometheus text."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from fixgw.gateway.metrics import GatewayMetrics
from fixgw.gateway.ops import OpsServer
from fixgw.gateway.risk import KillSwitch
from fixgw.session.clock import FakeClock
from fixgw.session.state import State

TOKEN = "s3cr3t-ops-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class Gateway:
    """What the real gateway would pass in: callbacks over its state."""

    def __init__(self) -> None:
        self.session_list: list[dict[str, Any]] = [
            {"name": "rt", "type": "KalshiRT", "state": State.ACTIVE, "next_sender_seq": 12, "next_target_seq": 40,
             "last_heartbeat_sent": T0, "reconnects": 2},
            {"name": "dc", "type": "KalshiDC", "state": "disconnected", "next_sender_seq": 1, "next_target_seq": 1,
             "last_heartbeat_sent": None, "reconnects": 0},
        ]  # fmt: skip
        self.kill_switch = KillSwitch(FakeClock())
        self.kills: list[str] = []
        self.metrics = GatewayMetrics()

    def sessions(self) -> list[dict[str, Any]]:
        return self.session_list

    async def orders(self) -> list[dict[str, Any]]:
        return [{"cl_ord_id": "c1", "symbol": "KXTEST-1", "leaves_qty": Decimal("2.50"), "price": Decimal("0.4500")}]

    async def kill(self, reason: str) -> dict[str, Any]:
        self.kills.append(reason)
        self.kill_switch.engage(reason)
        return {"kill_switch": self.kill_switch.to_dict(), "mass_cancel": ["nr"], "cancels_sent": 3}


@pytest.fixture
async def ops():
    gw = Gateway()
    server = OpsServer(token=TOKEN, sessions=gw.sessions, orders=gw.orders, kill=gw.kill, metrics=gw.metrics)
    await server.start()
    server.gw = gw  # type: ignore[attr-defined]
    yield server
    await server.close()


async def raw_request(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    response = await reader.read()  # the server closes after one response
    writer.close()
    await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    assert lines[0].startswith("HTTP/1.1 ")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert int(headers["content-length"]) == len(body)
    return status, headers, body


async def request(
    port: int, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    hdrs = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    if body:
        hdrs["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    return await raw_request(port, head.encode() + body)


# ---- auth -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
    ],
)
@pytest.mark.parametrize(("method", "path"), [("GET", "/health"), ("GET", "/metrics"), ("POST", "/kill"), ("GET", "/nope")])
async def test_every_route_needs_the_token(ops: OpsServer, headers: dict[str, str], method: str, path: str) -> None:
    status, hdrs, body = await request(ops.port, method, path, headers)
    assert status == 401
    assert hdrs["www-authenticate"] == 'Bearer realm="fixgw-ops"'
    assert json.loads(body) == {"error": "missing or wrong bearer token"}
    assert ops.gw.kills == []  # type: ignore[attr-defined]
    assert TOKEN.encode() not in body


async def test_bearer_scheme_is_case_insensitive(ops: OpsServer) -> None:
    status, _, _ = await request(ops.port, "GET", "/health", {"Authorization": f"bearer {TOKEN}"})
    assert status == 200


def test_token_is_required_and_never_in_repr() -> None:
    cb = list
    with pytest.raises(ValueError, match="non-empty bearer token"):
        OpsServer(token=" ", sessions=cb, orders=cb, kill=print, metrics=GatewayMetrics())
    server = OpsServer(token=TOKEN, sessions=cb, orders=cb, kill=print, metrics=GatewayMetrics())
    assert TOKEN not in repr(server)


# ---- routes -----------------------------------------------------------------------------------


async def test_health_follows_logged_on_sessions(ops: OpsServer) -> None:
    status, hdrs, body = await request(ops.port, "GET", "/health", AUTH)
    assert (status, json.loads(body)) == (200, {"status": "ok", "sessions_logged_on": 1})
    assert hdrs["content-type"] == "application/json" and hdrs["connection"] == "close"
    ops.gw.session_list[0]["state"] = State.LOGOUT_SENT  # type: ignore[attr-defined]
    status, _, body = await request(ops.port, "GET", "/health", AUTH)
    assert (status, json.loads(body)) == (503, {"status": "unavailable", "reason": "no session logged on"})


async def test_health_with_explicit_callback() -> None:
    async def healthy() -> bool:
        return False

    async with OpsServer(token=TOKEN, sessions=list, orders=list, kill=print, metrics=GatewayMetrics(), healthy=healthy) as s:
        status, _, _ = await request(s.port, "GET", "/health", AUTH)
    assert status == 503


async def test_sessions_and_orders_as_json(ops: OpsServer) -> None:
    status, _, body = await request(ops.port, "GET", "/sessions?verbose=1", AUTH)
    assert status == 200
    rt, dc = json.loads(body)["sessions"]
    assert rt == {"name": "rt", "type": "KalshiRT", "state": "active", "next_sender_seq": 12, "next_target_seq": 40,
                  "last_heartbeat_sent": "2026-01-05T14:30:00+00:00", "reconnects": 2}  # fmt: skip
    assert dc["last_heartbeat_sent"] is None
    status, _, body = await request(ops.port, "GET", "/orders", AUTH)
    assert json.loads(body) == {"orders": [{"cl_ord_id": "c1", "symbol": "KXTEST-1", "leaves_qty": "2.50", "price": "0.4500"}]}


async def test_kill_engages_and_reports(ops: OpsServer) -> None:
    body = json.dumps({"reason": "runaway strategy"}).encode()
    status, _, resp = await request(ops.port, "POST", "/kill", AUTH, body)
    assert status == 200
    out = json.loads(resp)
    assert out["kill_switch"]["engaged"] is True and out["kill_switch"]["reason"] == "runaway strategy"
    assert out["cancels_sent"] == 3
    status, _, _ = await request(ops.port, "POST", "/kill", AUTH)  # no body: default reason
    assert status == 200
    assert ops.gw.kills == ["runaway strategy", "POST /kill on the ops endpoint"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"reason": 5}', b'{"reason": "  "}'])
async def test_kill_refuses_bad_bodies(ops: OpsServer, body: bytes) -> None:
    status, _, resp = await request(ops.port, "POST", "/kill", AUTH, body)
    assert status == 400 and "error" in json.loads(resp)
    assert ops.gw.kills == []  # type: ignore[attr-defined]


async def test_unknown_route_and_wrong_method(ops: OpsServer) -> None:
    status, _, body = await request(ops.port, "GET", "/admin", AUTH)
    assert status == 404 and "/health" in json.loads(body)["error"]
    status, hdrs, _ = await request(ops.port, "GET", "/kill", AUTH)
    assert (status, hdrs["allow"]) == (405, "POST")
    status, hdrs, _ = await request(ops.port, "DELETE", "/orders", AUTH)
    assert (status, hdrs["allow"]) == (405, "GET")


async def test_callback_failure_is_500_and_server_survives(ops: OpsServer) -> None:
    def broken() -> list[Any]:
        raise RuntimeError("tracker exploded")

    ops.orders = broken
    status, _, body = await request(ops.port, "GET", "/orders", AUTH)
    assert status == 500 and "tracker exploded" in json.loads(body)["error"]
    status, _, _ = await request(ops.port, "GET", "/health", AUTH)
    assert status == 200


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /health HTTP/2.0\r\n\r\n", 505),
        (b"GET /health HTTP/1.1\r\nBad header\r\n\r\n", 400),
        (b"GET /health HTTP/1.1\r\nX: " + b"a" * 20_000 + b"\r\n\r\n", 431),
        (f"POST /kill HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 999999\r\n\r\n".encode(), 413),
        (f"POST /kill HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n".encode(), 501),
    ],
)
async def test_malformed_requests(ops: OpsServer, data: bytes, status: int) -> None:
    got, _, _ = await raw_request(ops.port, data)
    assert got == status
    assert ops.gw.kills == []  # type: ignore[attr-defined]


async def test_http10_request(ops: OpsServer) -> None:
    status, _, _ = await raw_request(ops.port, f"GET /health HTTP/1.0\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
    assert status == 200


async def test_listens_on_loopback_free_port(ops: OpsServer) -> None:
    assert ops.port > 0 and ops.url == f"http://127.0.0.1:{ops.port}"
    assert ops._server is not None
    assert {s.getsockname()[0] for s in ops._server.sockets} == {"127.0.0.1"}


# ---- metrics ----------------------------------------------------------------------------------

_SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$')


async def test_metrics_exposition(ops: OpsServer) -> None:
    m: GatewayMetrics = ops.gw.metrics  # type: ignore[attr-defined]
    count = m.frame_counter("rt")
    count("in", b"8=FIXT.1.1\x019=5\x0135=8\x0110=000\x01")
    count("in", b"8=FIXT.1.1\x019=5\x0135=8\x0110=000\x01")
    count("out", b"8=FIXT.1.1\x019=5\x0135=D\x0110=000\x01")
    m.rejects.labels(kind="risk").inc()
    m.reconnects.labels("rt").inc(2)
    for v in (0.0004, 0.003, 0.003, 7.0, 30.0):
        m.roundtrip.labels("rt").observe(v)
    m.kill_switch.set(1)
    status, hdrs, body = await request(ops.port, "GET", "/metrics", AUTH)
    assert status == 200
    assert hdrs["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = body.decode()
    lines = text.splitlines()
    assert text.endswith("\n")
    for line in lines:
        assert line.startswith(("# HELP ", "# TYPE ")) or _SAMPLE.match(line), line
    assert "# TYPE fixgw_messages_in_total counter" in lines
    assert 'fixgw_messages_in_total{session="rt",msg_type="8"} 2' in lines
    assert 'fixgw_messages_out_total{session="rt",msg_type="D"} 1' in lines
    assert 'fixgw_rejects_total{kind="risk"} 1' in lines
    assert 'fixgw_reconnects_total{session="rt"} 2' in lines
    assert "# TYPE fixgw_roundtrip_latency_seconds histogram" in lines
    assert 'fixgw_roundtrip_latency_seconds_bucket{session="rt",le="0.0005"} 1' in lines
    assert 'fixgw_roundtrip_latency_seconds_bucket{session="rt",le="0.005"} 3' in lines
    assert 'fixgw_roundtrip_latency_seconds_bucket{session="rt",le="10"} 4' in lines
    assert 'fixgw_roundtrip_latency_seconds_bucket{session="rt",le="+Inf"} 5' in lines
    assert 'fixgw_roundtrip_latency_seconds_count{session="rt"} 5' in lines
    assert any(line.startswith('fixgw_roundtrip_latency_seconds_sum{session="rt"} 37.0064') for line in lines)
    assert "fixgw_kill_switch_engaged 1" in lines


async def test_start_ops_server_wires_a_gateway_object() -> None:
    from fixgw.gateway.config import OpsConfig
    from fixgw.gateway.ops import start_ops_server

    gw = Gateway()
    gw.status = gw.sessions  # type: ignore[attr-defined]
    gw.open_orders = gw.orders  # type: ignore[attr-defined]
    server = await start_ops_server(gw, OpsConfig(enabled=True, port=0, token=TOKEN))
    try:
        gw.metrics.count_message("rt", "in", "0")
        status, _, body = await request(server.port, "GET", "/metrics", AUTH)
        assert status == 200 and 'fixgw_messages_in_total{session="rt",msg_type="0"} 1' in body.decode().splitlines()
        status, _, body = await request(server.port, "POST", "/kill", AUTH, b'{"reason": "test"}')
        assert status == 200 and gw.kills == ["test"]
    finally:
        await server.stop()
