"""Invalid inbound messages, Logout handshakes, and what a session refuses to do."""

from __future__ import annotations

import pytest
from session_harness import (
    CLIENT,
    CLIENT_ID,
    ENCODER,
    SERVER,
    Pair,
    bmr_body,
    decode,
    order_body,
    types,
)

from fixgw.codec import build_frame
from fixgw.session import (
    PROFILES,
    Disconnect,
    LoggedOut,
    LogonDecision,
    LogonFlags,
    NotAllowedError,
    ProtocolIssue,
    Role,
    Session,
    SessionConfig,
    SessionStateError,
    State,
)
from fixgw.session.profiles import LISTENER_FORBIDDEN
from fixgw.store import MemoryStore


def _active(profile: str = "KalshiRT", **kw: object) -> Pair:
    p = Pair(profile, **kw)  # type: ignore[arg-type]
    p.connect()
    assert p.client.state is State.ACTIVE and p.server.state is State.ACTIVE
    return p


# ---- invalid inbound messages ---------------------------------------------------------------------


def _order(**raw: bytes) -> bytes:
    """A NewOrderSingle body from raw values (t<tag>=value overrides, None drops)."""
    fields = {11: b"c1", 38: b"10", 40: b"2", 44: b"75", 54: b"1", 55: b"HIGHNY-23DEC31"}
    fields.update({int(k[1:]): v for k, v in raw.items()})
    return b"".join(b"%d=%s\x01" % (t, v) for t, v in fields.items())


@pytest.mark.parametrize(
    ("body", "reason", "tag"),
    [
        (_order(t333333=b"test"), 3, 333333),  # undefined tag (the Error Handling page's example)
        (_order(t54=b"Z"), 5, 54),  # not a Side
        (_order(t38=b"ten"), 6, 38),  # not a quantity
        (_order() + b"11=dup\x01", 13, 11),  # tag twice
        (_order(t58=b"x"), 2, 58),  # Text is a real tag, but not one of NewOrderSingle's
    ],
)
def test_invalid_message_rejected_and_sequence_advances(body: bytes, reason: int, tag: int) -> None:
    p = _active()
    raw = p.raw_from(CLIENT, "D", body)
    out = p.inject(SERVER, raw)
    assert types(out) == ["ProtocolIssue", "send:3"]
    rej = decode(out[1].data)
    assert rej.body[45] == 2
    assert rej.body[371] == tag
    assert rej.body[372] == "D"
    assert rej.body[373] == reason
    assert rej.body[58]
    assert p.server_store.seqnums().next_target == 3
    assert not p.delivered(SERVER)
    # the next message is in sequence and goes through
    p.send(CLIENT, "D", order_body("c2"))
    assert [d.message.body[11] for d in p.delivered(SERVER, "D")] == ["c2"]
    # the client gets the Reject as a delivery naming its message
    rej_at_client = p.delivered(CLIENT, "3")[0].message
    assert rej_at_client.body[45] == 2 and rej_at_client.body[371] == tag


def test_invalid_msg_type_rejected_with_373_11() -> None:
    p = _active()
    out = p.inject(SERVER, p.raw_from(CLIENT, "ZZ", b"58=x\x01"))
    rej = decode(out[-1].data)
    assert (rej.body[373], rej.body[371], rej.body[372], rej.body[45]) == (11, 35, "ZZ", 2)
    assert p.server_store.seqnums().next_target == 3


def test_invalid_message_with_too_high_seq_asks_for_resend() -> None:
    p = _active()
    p.hold(SERVER, "2")
    raw = p.raw_from(CLIENT, "D", order_body() + b"333333=x\x01", seq=5)
    out = p.inject(SERVER, raw)
    assert types(out) == ["ProtocolIssue", "GapDetected", "send:2"]
    assert p.server_store.seqnums().next_target == 2


def test_missing_msg_seq_num_logs_out() -> None:
    p = _active()
    hdr = ENCODER.fields([(49, CLIENT_ID), (56, "KalshiRT"), (52, p.clock.now())])
    out = p.inject(SERVER, build_frame(b"FIXT.1.1", b"D", hdr, order_body()))
    assert types(out)[-2:] == ["send:5", "Disconnect"]
    assert "34" in decode(out[-2].data).body[58]


def test_garbled_bytes_are_reported_and_skipped() -> None:
    p = _active()
    out = p.inject(SERVER, b"garbage\x01garbage")
    assert out and all(isinstance(a, ProtocolIssue) for a in out)
    p.send(CLIENT, "D", order_body("c1"))
    assert len(p.delivered(SERVER, "D")) == 1


def test_client_may_keep_unknown_tags_aside() -> None:
    p = _active(client_cfg={"allow_unknown_tags": True})
    p.inject(CLIENT, p.raw_from(SERVER, "j", bmr_body() + b"777777=new\x01"))
    d = p.delivered(CLIENT, "j")[0]
    assert d.message.unknown == [(777777, b"new")]
    assert not p.sent(CLIENT, "3")


def test_logon_on_active_session_logs_out() -> None:
    p = _active()
    out = p.inject(
        SERVER, p.raw_from(CLIENT, "A", ENCODER.fields([(98, 0), (108, 30), (1137, "9")]))
    )
    assert types(out) == ["send:5", "Disconnect"]


# ---- Logout handshake -----------------------------------------------------------------------------


def test_client_initiated_logout() -> None:
    p = _active()
    out = p.logout(CLIENT, "done for today")
    assert p.sent(CLIENT, "5")[0].body[58] == "done for today"
    assert p.of(SERVER, LoggedOut) == [LoggedOut("done for today", by_us=False)]
    assert p.of(CLIENT, LoggedOut) == [LoggedOut(None, by_us=True)]
    assert types(p.actions[SERVER])[-3:] == ["send:5", "LoggedOut", "Disconnect"]
    assert types(p.actions[CLIENT])[-2:] == ["LoggedOut", "Disconnect"]
    assert p.client.state is State.CLOSED and p.server.state is State.CLOSED
    assert sum(isinstance(a, Disconnect) for a in out) == 2


def test_server_initiated_logout() -> None:
    p = _active()
    p.logout(SERVER, "maintenance")
    assert p.of(CLIENT, LoggedOut) == [LoggedOut("maintenance", by_us=False)]
    assert p.of(SERVER, LoggedOut) == [LoggedOut(None, by_us=True)]
    assert p.client.state is State.CLOSED and p.server.state is State.CLOSED


def test_logout_timeout_disconnects() -> None:
    p = _active()
    p.hold(CLIENT, "5")
    p.logout(CLIENT)
    assert p.client.state is State.LOGOUT_SENT
    assert p.client.next_deadline() == p.clock.monotonic() + 5
    p.advance(4.999)
    assert p.tick(CLIENT) == []
    p.advance(0.001)
    out = p.tick(CLIENT)
    assert isinstance(out[0], Disconnect) and "no Logout reply within 5 s" in out[0].reason
    assert not p.of(CLIENT, LoggedOut)


def test_second_logout_call_while_waiting_is_harmless() -> None:
    p = _active()
    p.hold(CLIENT, "5")
    p.logout(CLIENT)
    n = len(p.actions[CLIENT])
    p.logout(CLIENT)
    assert p.actions[CLIENT][n:] == []
    assert p.client.state is State.LOGOUT_SENT
    p.release()
    assert p.of(CLIENT, LoggedOut) == [LoggedOut(None, by_us=True)]


def test_logout_before_logon_completes_just_disconnects() -> None:
    p = Pair()
    p.hold(CLIENT, "A")
    p.connect()
    out = p.logout(CLIENT)
    assert types(out) == ["Disconnect"]
    assert p.logout(CLIENT) == []  # already closed


def test_messages_still_processed_while_logout_pending() -> None:
    p = _active()
    p.hold(CLIENT, "5")
    p.logout(CLIENT)
    p.send(SERVER, "j", bmr_body(text="late fill"))
    assert [d.message.body[58] for d in p.delivered(CLIENT, "j")] == ["late fill"]


# ---- what a session may send ----------------------------------------------------------------------


def test_send_before_logon_raises() -> None:
    p = Pair()
    p.hold(CLIENT, "A")
    p.connect()
    with pytest.raises(SessionStateError, match="not logged on"):
        p.client.send("D", order_body())


@pytest.mark.parametrize("msg_type", sorted(LISTENER_FORBIDDEN & PROFILES["KalshiRT"].client_sends))
def test_listener_cannot_send_orders_and_nothing_is_stored(msg_type: str) -> None:
    p = _active(flags=LogonFlags(listener_session=True, skip_pending_exec_reports=True))
    before = p.client_store.seqnums()
    n = len(p.actions[CLIENT])
    with pytest.raises(NotAllowedError, match=f"MsgType {msg_type} .*listener"):
        p.client.send(msg_type, order_body())
    assert p.client_store.seqnums() == before
    assert p.client_store.outbound_range(1, 0) == []
    assert len(p.actions[CLIENT]) == n


def test_listener_on_nr() -> None:
    p = _active("KalshiNR", flags=LogonFlags(listener_session=True, skip_pending_exec_reports=True))
    with pytest.raises(NotAllowedError, match="listener"):
        p.client.send("q", b"")
    assert p.client_store.seqnums().next_sender == 2


@pytest.mark.parametrize(
    ("profile", "side", "msg_type"),
    [
        ("KalshiNR", CLIENT, "R"),  # RFQ creation is KalshiRT only
        ("KalshiNR", CLIENT, "U1"),
        ("KalshiDC", CLIENT, "D"),
        ("KalshiPT", CLIENT, "D"),
        ("KalshiRFQ", CLIENT, "D"),
        ("KalshiRT", CLIENT, "q"),  # mass cancel: KalshiNR only
        ("KalshiRT", CLIENT, "S"),  # quotes go the other way on RT
        ("KalshiRT", CLIENT, "0"),  # admin messages are the session's business
        ("KalshiRT", CLIENT, "8"),
        ("KalshiNR", SERVER, "UMS"),
        ("KalshiDC", SERVER, "r"),
        ("KalshiRT", SERVER, "D"),
    ],
)
def test_msg_type_not_allowed_on_profile(profile: str, side: str, msg_type: str) -> None:
    p = _active(profile)
    sess = p.session(side)
    before = sess.store.seqnums()
    with pytest.raises(NotAllowedError, match=f"MsgType {msg_type} cannot be sent on {profile}"):
        sess.send(msg_type, b"")
    assert sess.store.seqnums() == before


def test_acceptors_sharing_one_config_keep_their_own_counterparty() -> None:
    """The transport may build every acceptor of a port from one SessionConfig."""
    cfg = SessionConfig(PROFILES["KalshiRT"], "KalshiRT", "?", max_clock_skew=30)
    a = Pair()
    b = Pair(clock=a.clock)
    for pair in (a, b):
        store = pair.server_store
        pair.server = Session(cfg, role=Role.ACCEPTOR, clock=a.clock,
                              logon_handler=lambda fm, s=store: LogonDecision(True, store=s))  # fmt: skip
    b.client.config.sender_comp_id = "other-key"
    a.connect()
    b.connect()
    a.send(CLIENT, "D", order_body("from-a"))
    assert [d.message.body[11] for d in a.delivered(SERVER, "D")] == ["from-a"]
    assert not a.sent(SERVER, "3")
    assert cfg.target_comp_id == "?"


def test_acceptor_store_is_the_decisions() -> None:
    store = MemoryStore("bound")
    p = Pair(logon_handler=lambda fm: LogonDecision(True, store=store))
    p.connect()
    assert p.server.store is store and store.seqnums().next_target == 2


def test_client_accepts_exchange_comp_id_kalshi():
    """Common Components: the exchange's messages may carry 49=Kalshi instead of KalshiRT."""
    p = Pair("KalshiRT")
    p.connect()
    raw = p.raw_from("server", "0", b"", sender="Kalshi")
    p.inject("client", raw)
    assert p.client.state.value == "active"
    assert not p.sent("client", "3")
    # ...but an unknown sender is still a CompID problem
    p.inject("client", p.raw_from("server", "0", b"", sender="Mallory"))
    rej = p.sent("client", "3")
    assert rej and rej[-1].body[373] == 9
