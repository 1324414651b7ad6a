"""Logon: the initiator's fields and signature, flag rules, the acceptor's verdicts, timeouts."""

from __future__ import annotations

import pytest
from session_harness import CLIENT, CLIENT_ID, ENCODER, SERVER, Pair, decode, types

from fixgw.codec import FixMessage, RejectReason
from fixgw.crypto.keys import PrivateKey, generate_key_pair
from fixgw.crypto.signature import logon_prehash, sign_logon, verify_logon
from fixgw.session import (
    PROFILES,
    ConfigError,
    Deliver,
    Disconnect,
    LoggedOn,
    LoggedOut,
    LogonDecision,
    LogonFlags,
    ProtocolIssue,
    Role,
    SendBytes,
    Session,
    SessionConfig,
    State,
)
from fixgw.store import MemoryStore


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> PrivateKey:
    d = tmp_path_factory.mktemp("keys")
    name = generate_key_pair(d)
    return PrivateKey.from_file(d / f"{name}.key")


def _verifying_handler(pair_store: MemoryStore, key: PrivateKey, seen: list[bool]):
    """An authenticator: recompute the prehash from the Logon's own wire bytes and verify."""

    def handler(fm: FixMessage) -> LogonDecision:
        pre = logon_prehash(
            fm.raw_value(52).decode(), "A", fm.raw_value(34).decode(), fm.header[49], fm.header[56]
        )
        ok = verify_logon(key.public_key(), pre, fm.raw_value(96).decode())
        seen.append(ok)
        if not ok:
            return LogonDecision(
                False,
                text="signature problem",
                reject_reason=RejectReason.SIGNATURE_PROBLEM,
                ref_tag=96,
            )
        return LogonDecision(True, store=pair_store)

    return handler


# ---- the initiator's Logon --------------------------------------------------------------------


def test_logon_signature_is_over_the_exact_sending_time_of_the_message(key: PrivateKey) -> None:
    p = Pair(signer=lambda pre: sign_logon(key, pre))
    p.clock.advance(0.0123)  # a SendingTime with milliseconds: 14:30:00.012
    p.connect()
    logon = p.sent(CLIENT, "A")[0]
    assert logon.header[34] == 1
    raw52 = logon.raw_value(52).decode()
    assert raw52 == "20260105-14:30:00.012"
    sig = logon.raw_value(96).decode()
    assert logon.body[95] == len(sig)
    pre = logon_prehash(raw52, "A", 1, CLIENT_ID, "KalshiRT")
    assert verify_logon(key.public_key(), pre, sig)
    # the check above could fail: a prehash one millisecond off does not verify
    assert not verify_logon(
        key.public_key(), logon_prehash("20260105-14:30:00.013", "A", 1, CLIENT_ID, "KalshiRT"), sig
    )
    assert not verify_logon(
        key.public_key(), logon_prehash(raw52, "A", 2, CLIENT_ID, "KalshiRT"), sig
    )


def test_signer_gets_the_prehash_for_a_later_sequence_number() -> None:
    seen: list[bytes] = []
    p = Pair(signer=lambda pre: seen.append(pre) or "c2ln")
    p.client_store.set_next_sender(7)
    p.server_store.set_next_target(7)
    p.connect()
    logon = p.sent(CLIENT, "A")[0]
    assert logon.header[34] == 7
    assert seen == [logon.raw_value(52) + b"\x01A\x017\x01" + CLIENT_ID.encode() + b"\x01KalshiRT"]


def test_acceptor_verifying_real_signature_logs_on(key: PrivateKey) -> None:
    seen: list[bool] = []
    store = MemoryStore("s")
    p = Pair(
        signer=lambda pre: sign_logon(key, pre), logon_handler=_verifying_handler(store, key, seen)
    )
    p.connect()
    assert seen == [True]
    assert p.client.state is State.ACTIVE and p.server.state is State.ACTIVE
    assert p.server.store is store


def test_logon_required_fields_and_order() -> None:
    p = Pair()
    p.connect()
    logon = p.sent(CLIENT, "A")[0]
    assert logon.body[98] == 0
    assert logon.body[108] == 30
    assert logon.body[1137] == "9"
    assert logon.raw_value(96) == b"c2lnbmF0dXJl"
    assert logon.header[49] == CLIENT_ID and logon.header[56] == "KalshiRT"
    body_tags = [t for t, _ in logon.pairs if t not in (8, 9, 35, 49, 56, 34, 52, 10)]
    assert body_tags == [98, 108, 95, 96, 1137]  # RT without asking: no 141


@pytest.mark.parametrize("name", ["KalshiNR", "KalshiDC", "KalshiRFQ"])
def test_reset_flag_forced_on_sessions_without_retransmission(name: str) -> None:
    p = Pair(name)
    p.connect()
    logon = p.sent(CLIENT, "A")[0]
    assert logon.body[141] is True
    assert logon.raw_value(141) == b"Y"
    assert p.of(CLIENT, LoggedOn)[0].reset is True
    assert p.of(SERVER, LoggedOn)[0].reset is True
    assert p.sent(SERVER, "A")[0].body[141] is True


@pytest.mark.parametrize(("asked", "wire"), [(None, None), (True, b"Y"), (False, b"N")])
def test_reset_flag_on_rt_only_when_asked(asked: bool | None, wire: bytes | None) -> None:
    p = Pair(flags=LogonFlags(reset_seq_num=asked))
    p.connect()
    logon = p.sent(CLIENT, "A")[0]
    assert logon.raw_value(141) == wire
    assert p.of(CLIENT, LoggedOn)[0].reset is bool(asked)


def test_every_logon_flag_goes_out_with_its_tag() -> None:
    flags = LogonFlags(
        reset_seq_num=True,
        cancel_orders_on_disconnect=True,
        listener_session=False,
        receive_settlement_reports=True,
        message_retention_period=48,
        use_dollars=True,
        skip_pending_exec_reports=True,
        use_expired_ord_status=False,
        enable_ioc_cancel_report=True,
        preserve_original_order_qty=True,
        always_emit_new_before_trade=True,
    )
    p = Pair(flags=flags)
    p.connect()
    logon = p.sent(CLIENT, "A")[0]
    expected = {
        141: b"Y", 8013: b"Y", 20126: b"N", 20127: b"Y", 20200: b"48", 21005: b"Y",
        21011: b"Y", 21012: b"N", 21007: b"Y", 21008: b"Y", 21026: b"Y",
    }  # fmt: skip
    assert set(LogonFlags.TAGS.values()) == set(expected)
    for tag, value in expected.items():
        assert logon.raw_value(tag) == value, tag
    # the acceptor reads them back
    assert p.server.peer_flags == flags


def test_unset_flags_are_not_sent() -> None:
    p = Pair(flags=LogonFlags(use_dollars=True))
    p.connect()
    logon = p.sent(CLIENT, "A")[0]
    assert logon.raw_value(21005) == b"Y"
    for tag in set(LogonFlags.TAGS.values()) - {21005}:
        assert logon.raw_value(tag) is None, tag


# ---- configuration rules ------------------------------------------------------------------------


@pytest.mark.parametrize("hb", [3, 2, 0, -1])
def test_heartbeat_interval_3_or_less_refused(hb: int) -> None:
    with pytest.raises(ValueError, match=r"HeartBtInt \(108\)"):
        SessionConfig(PROFILES["KalshiRT"], CLIENT_ID, "KalshiRT", heartbeat_interval=hb)


def test_heartbeat_interval_4_accepted() -> None:
    assert (
        SessionConfig(
            PROFILES["KalshiRT"], CLIENT_ID, "KalshiRT", heartbeat_interval=4
        ).heartbeat_interval
        == 4
    )


@pytest.mark.parametrize(
    ("profile", "flags", "match"),
    [
        ("KalshiDC", LogonFlags(listener_session=True, skip_pending_exec_reports=True), r"ListenerSession \(20126\).*KalshiDC"),
        ("KalshiPT", LogonFlags(listener_session=True, skip_pending_exec_reports=True), r"ListenerSession \(20126\).*KalshiPT"),
        ("KalshiRFQ", LogonFlags(listener_session=True, skip_pending_exec_reports=True), r"ListenerSession \(20126\)"),
        ("KalshiRT", LogonFlags(listener_session=True), r"SkipPendingExecReports \(21011=Y\)"),
        ("KalshiNR", LogonFlags(listener_session=True, skip_pending_exec_reports=False), r"21011"),
        ("KalshiRT", LogonFlags(listener_session=True, skip_pending_exec_reports=True, cancel_orders_on_disconnect=True),
         r"CancelOrdersOnDisconnect \(8013\)"),
        ("KalshiNR", LogonFlags(receive_settlement_reports=True), r"ReceiveSettlementReports \(20127\).*KalshiNR"),
        ("KalshiDC", LogonFlags(receive_settlement_reports=False), r"20127"),
        ("KalshiNR", LogonFlags(message_retention_period=24), r"MessageRetentionPeriod \(20200\).*KalshiNR"),
        ("KalshiRT", LogonFlags(message_retention_period=73), r"MessageRetentionPeriod \(20200\) is 73"),
        ("KalshiPT", LogonFlags(message_retention_period=0), r"MessageRetentionPeriod \(20200\) is 0"),
        ("KalshiNR", LogonFlags(reset_seq_num=False), r"ResetSeqNumFlag \(141\) must be Y on KalshiNR"),
        ("KalshiDC", LogonFlags(reset_seq_num=False), r"ResetSeqNumFlag \(141\) must be Y on KalshiDC"),
        ("KalshiRFQ", LogonFlags(reset_seq_num=False), r"141"),
    ],
)  # fmt: skip
def test_flag_rules_refused_naming_the_flag(profile: str, flags: LogonFlags, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        flags.validate(PROFILES[profile])
    # and a session with them sends nothing at all
    store = MemoryStore("c")
    s = Session(SessionConfig(PROFILES[profile], CLIENT_ID, profile, flags=flags), store=store)
    with pytest.raises(ConfigError):
        s.connection_made()
    assert store.seqnums().next_sender == 1


@pytest.mark.parametrize(
    ("profile", "flags"),
    [
        ("KalshiNR", LogonFlags(listener_session=True, skip_pending_exec_reports=True)),
        ("KalshiRT", LogonFlags(listener_session=True, skip_pending_exec_reports=True, cancel_orders_on_disconnect=False)),
        ("KalshiRT", LogonFlags(receive_settlement_reports=True, message_retention_period=72)),
        ("KalshiPT", LogonFlags(receive_settlement_reports=False, message_retention_period=1)),
        ("KalshiNR", LogonFlags(reset_seq_num=True, cancel_orders_on_disconnect=True)),
        ("KalshiRT", LogonFlags(reset_seq_num=False)),
    ],
)  # fmt: skip
def test_valid_flag_combinations_pass(profile: str, flags: LogonFlags) -> None:
    flags.validate(PROFILES[profile])
    p = Pair(profile, flags=flags)
    p.connect()
    assert p.client.state is State.ACTIVE


# ---- the acceptor's verdict ---------------------------------------------------------------------


def test_signature_problem_reject_then_logout(key: PrivateKey) -> None:
    seen: list[bool] = []
    # signs with the wrong TargetCompID: a signature that does not verify
    bad = lambda pre: sign_logon(key, pre.replace(b"KalshiRT", b"KalshiNR"))  # noqa: E731
    p = Pair(signer=bad, logon_handler=_verifying_handler(MemoryStore("s"), key, seen))
    p.connect()
    assert seen == [False]
    assert types(p.actions[SERVER]) == ["send:3", "send:5", "Disconnect"]
    rej, lo = p.sent(SERVER)
    assert rej.body[373] == 8 and rej.body[371] == 96 and rej.body[372] == "A" and rej.body[45] == 1
    assert (rej.header[34], lo.header[34]) == (1, 2)
    assert rej.header[56] == CLIENT_ID
    assert lo.body[58] == "signature problem"
    assert p.server.state is State.CLOSED and p.server.store is None
    # the client sees the Reject, then the Logout
    c = p.actions[CLIENT]
    assert types(c) == ["send:A", "Deliver:3", "ProtocolIssue", "LoggedOut", "Disconnect"]
    assert p.of(CLIENT, LoggedOut) == [LoggedOut("signature problem", by_us=False)]
    assert p.client.state is State.CLOSED


def test_already_exists_logout_surfaces_on_client() -> None:
    p = Pair(logon_handler=lambda fm: LogonDecision(False, text="already exists"))
    p.connect()
    assert types(p.actions[SERVER]) == ["send:5", "Disconnect"]
    assert p.sent(SERVER, "5")[0].body[58] == "already exists"
    assert p.of(CLIENT, LoggedOut) == [LoggedOut("already exists", by_us=False)]
    assert isinstance(p.actions[CLIENT][-1], Disconnect)
    assert "already exists" in p.actions[CLIENT][-1].reason
    assert not p.of(CLIENT, LoggedOn)
    # the refused client's Logon did not touch the (unbound) server store
    assert p.server_store.seqnums().next_target == 1


def test_acceptor_refuses_logon_with_heartbeat_interval_3() -> None:
    p = Pair()
    p.server.connection_made()
    body = ENCODER.fields([(98, 0), (108, 3), (1137, "9")])
    out = p.inject(SERVER, p.raw_from(CLIENT, "A", body))
    assert types(out) == ["send:3", "send:5", "Disconnect"]
    rej = decode(out[0].data)
    assert rej.body[373] == int(RejectReason.INCORRECT_VALUE) and rej.body[371] == 108
    assert "108" in decode(out[1].data).body[58]
    assert p.logons == []  # refused before the authenticator ran


def test_acceptor_refuses_logon_for_another_target_comp_id() -> None:
    p = Pair()
    p.server.connection_made()
    body = ENCODER.fields([(98, 0), (108, 30), (1137, "9")])
    out = p.inject(SERVER, p.raw_from(CLIENT, "A", body, target="KalshiNR"))
    assert types(out) == ["send:3", "send:5", "Disconnect"]
    rej = decode(out[0].data)
    assert rej.body[373] == 9 and rej.body[371] == 56
    assert p.logons == []


def test_acceptor_refuses_logon_with_skewed_sending_time() -> None:
    from datetime import timedelta

    p = Pair()
    p.server.connection_made()
    body = ENCODER.fields([(98, 0), (108, 30), (1137, "9")])
    out = p.inject(
        SERVER, p.raw_from(CLIENT, "A", body, sending_time=p.clock.now() - timedelta(seconds=31))
    )
    assert types(out) == ["send:3", "send:5", "Disconnect"]
    assert decode(out[0].data).body[373] == 10
    assert p.logons == []
    # 29 s is fine
    q = Pair()
    q.server.connection_made()
    out = q.inject(
        SERVER, q.raw_from(CLIENT, "A", body, sending_time=q.clock.now() - timedelta(seconds=29))
    )
    assert types(out) == ["send:A", "LoggedOn"]


@pytest.mark.parametrize("name", ["KalshiNR", "KalshiDC", "KalshiRFQ"])
def test_acceptor_refuses_logon_without_reset_on_non_retransmission_session(name: str) -> None:
    p = Pair(name)
    p.server.connection_made()
    body = ENCODER.fields([(98, 0), (108, 30), (1137, "9")])
    out = p.inject(SERVER, p.raw_from(CLIENT, "A", body))
    assert types(out) == ["send:3", "send:5", "Disconnect"]
    rej = decode(out[0].data)
    assert rej.body[371] == 141
    assert "141" in decode(out[1].data).body[58]


def test_invalid_logon_disconnects_without_answer() -> None:
    p = Pair()
    p.server.connection_made()
    body = ENCODER.fields([(98, 0), (1137, "9")])  # 108 missing
    out = p.inject(SERVER, p.raw_from(CLIENT, "A", body))
    assert types(out) == ["ProtocolIssue", "Disconnect"]
    assert "108" in out[0].text
    assert p.server.state is State.CLOSED and p.logons == []


def test_first_message_not_logon_disconnects() -> None:
    p = Pair()
    p.server.connection_made()
    out = p.inject(SERVER, p.raw_from(CLIENT, "0"))
    assert types(out) == ["Disconnect"]
    assert "not Logon" in out[0].reason


def test_client_rejects_non_logon_reply() -> None:
    p = Pair()
    p.drop(CLIENT, "A")
    p.connect()
    out = p.inject(CLIENT, p.raw_from(SERVER, "0", seq=1))
    assert types(out) == ["Disconnect"]
    assert p.client.state is State.CLOSED


# ---- timeouts -------------------------------------------------------------------------------------


def test_logon_timeout_on_both_sides() -> None:
    p = Pair()
    p.drop(CLIENT, "A")
    p.connect()
    assert p.client.next_deadline() == p.clock.monotonic() + 10
    assert p.server.next_deadline() == p.clock.monotonic() + 10
    p.advance(9.999)
    assert p.tick() == []
    p.advance(0.001)
    out = p.tick()
    assert types(out) == ["Disconnect", "Disconnect"]
    assert "no Logon within 10 s" in out[0].reason
    assert p.client.state is State.CLOSED and p.server.state is State.CLOSED
    assert p.client.next_deadline() is None


# ---- RawData split at every offset ---------------------------------------------------------------


@pytest.mark.parametrize("signature", ["real", "with-soh"])
def test_logon_split_at_every_offset_logs_on_once(key: PrivateKey, signature: str) -> None:
    signer = (
        (lambda pre: sign_logon(key, pre))
        if signature == "real"
        else (lambda pre: "ab\x0110=000\x01cd")
    )
    p = Pair(signer=signer)
    p.drop(CLIENT, "A")
    p.connect()
    data = next(a.data for a in p.actions[CLIENT] if isinstance(a, SendBytes))
    if signature == "with-soh":
        assert b"96=ab\x0110=000\x01cd\x01" in data
    for i in range(1, len(data)):
        store = MemoryStore("s")
        seen: list[FixMessage] = []
        srv = Session(
            SessionConfig(PROFILES["KalshiRT"], "KalshiRT", "?", max_clock_skew=30),
            role=Role.ACCEPTOR, clock=p.clock,
            logon_handler=lambda fm, seen=seen, store=store: seen.append(fm) or LogonDecision(True, store=store),
        )  # fmt: skip
        srv.connection_made()
        acts = srv.data_received(data[:i]) + srv.data_received(data[i:])
        assert [type(a) for a in acts] == [SendBytes, LoggedOn], i
        assert len(seen) == 1 and seen[0].raw_value(96) == decode(data).raw_value(96), i
        assert not any(isinstance(a, (ProtocolIssue, Deliver)) for a in acts)
