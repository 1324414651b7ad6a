"""Heartbeats, TestRequests and the timers behind them (fake clock; tick at the deadlines)."""

from __future__ import annotations

from session_harness import CLIENT, SERVER, Pair, order_body, types

from fixgw.session import Disconnect, State

T0 = 1000.0  # FakeClock's monotonic start


def _active() -> Pair:
    p = Pair()
    p.connect()
    assert p.client.state is State.ACTIVE
    return p


def test_deadline_after_logon_is_the_heartbeat_interval() -> None:
    p = _active()
    assert p.client.next_deadline() == T0 + 30
    assert p.server.next_deadline() == T0 + 30


def test_heartbeat_after_interval_of_outbound_silence() -> None:
    p = _active()
    p.advance(29.999)
    assert p.tick(CLIENT) == []
    p.advance(0.001)
    out = p.tick(CLIENT)
    assert types(out) == ["send:0"]
    hb = p.sent(CLIENT, "0")[0]
    assert hb.header[34] == 2 and 112 not in hb.body
    # inbound silence is now 30 s; the TestRequest is due at 36, the next Heartbeat at 60
    assert p.client.next_deadline() == T0 + 36


def test_outbound_traffic_postpones_heartbeat() -> None:
    p = _active()
    p.advance(20)
    p.send(CLIENT, "D", order_body())
    assert p.client.next_deadline() == T0 + 36  # inbound side: 1000 + 36
    p.advance(10)
    assert p.tick(CLIENT) == []  # only 10 s since the order


def test_test_request_after_inbound_silence_and_answer() -> None:
    p = _active()
    p.advance(30)
    p.tick(CLIENT)  # heartbeat at 30
    p.advance(5.999)
    assert p.tick(CLIENT) == []
    p.advance(0.001)
    out = p.tick(CLIENT)
    # client sends TestRequest; the server answers with a Heartbeat naming it
    assert types(out) == ["send:1", "send:0"]
    tr = p.sent(CLIENT, "1")[0]
    assert tr.body[112] == "TEST-1"
    answer = p.sent(SERVER, "0")[-1]
    assert answer.body[112] == "TEST-1"
    # answered: the next deadline is a heartbeat again, not a disconnect
    assert p.client.next_deadline() == T0 + 36 + 30
    p.advance(36)
    assert not any(isinstance(a, Disconnect) for a in p.tick(CLIENT))
    assert p.client.state is State.ACTIVE


def test_unanswered_test_request_disconnects() -> None:
    p = _active()
    p.drop(SERVER, None, times=None)  # nothing from the server gets through any more
    p.advance(36)
    n = len(p.actions[CLIENT])
    p.tick(CLIENT)
    assert types(p.actions[CLIENT][n:]) == ["send:1"]
    sent_at = p.clock.monotonic()
    assert p.client.next_deadline() == sent_at + 30  # heartbeat first
    p.advance(30)
    n = len(p.actions[CLIENT])
    p.tick(CLIENT)
    assert types(p.actions[CLIENT][n:]) == ["send:0"]
    assert p.client.next_deadline() == sent_at + 36
    p.advance(5.999)
    n = len(p.actions[CLIENT])
    p.tick(CLIENT)
    assert p.actions[CLIENT][n:] == []
    p.advance(0.001)
    p.tick(CLIENT)
    last = p.actions[CLIENT][-1]
    assert isinstance(last, Disconnect)
    assert "TEST-1" in last.reason and "heartbeat timeout" in last.reason
    assert p.client.state is State.CLOSED
    assert p.client.next_deadline() is None


def test_heartbeat_with_other_test_req_id_does_not_clear_the_request() -> None:
    p = _active()
    p.advance(36)
    p.drop(SERVER, "0")  # the real answer is lost
    p.tick(CLIENT)
    p.inject(CLIENT, p.raw_from(SERVER, "0", b"112=TEST-99\x01"))
    p.advance(36)
    assert isinstance(p.tick(CLIENT)[-1], Disconnect)


def test_acceptor_uses_the_clients_heartbeat_interval() -> None:
    p = Pair(client_cfg={"heartbeat_interval": 10})
    p.connect()
    assert p.server.heartbeat_interval == 10
    assert p.sent(SERVER, "A")[0].body[108] == 10
    assert p.server.next_deadline() == T0 + 10
    p.advance(10)
    out = p.tick(SERVER)
    assert "send:0" in types(out)


def test_test_request_is_answered_by_either_side() -> None:
    p = _active()
    p.inject(SERVER, p.raw_from(CLIENT, "1", b"112=ping\x01"))
    hb = p.sent(SERVER, "0")[-1]
    assert hb.body[112] == "ping"
