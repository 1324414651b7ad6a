"""The session and its store: numbers stored before bytes exist, failures, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest
from session_harness import (
    CLIENT,
    CLIENT_ID,
    SERVER,
    FailingStore,
    Pair,
    bmr_body,
    decode,
    order_body,
    types,
)

from fixgw.session import (
    PROFILES,
    GapDetected,
    LoggedOn,
    LogonFlags,
    SendBytes,
    Session,
    SessionConfig,
    State,
)
from fixgw.store import MemoryStore, SqliteStore, StoreError

# ---- atomicity ------------------------------------------------------------------------------------


def test_every_sendbytes_is_numbered_and_stored_before_it_is_returned() -> None:
    p = Pair()
    p.connect()
    for i in range(3):
        acts = p.client.send("D", order_body(f"c{i}"))
        (a,) = acts
        # at the moment the action exists, the store already has these exact bytes
        stored = p.client_store.outbound_range(a.seq, a.seq)
        assert [(m.seq, m.msg_type, m.raw) for m in stored] == [(a.seq, "D", a.data)]
        assert p.client_store.seqnums().next_sender == a.seq + 1
    acts = p.client.logout()
    assert p.client_store.seqnums().next_sender == acts[0].seq + 1


def test_nr_numbers_messages_but_keeps_no_copies() -> None:
    p = Pair("KalshiNR")
    p.connect()
    (a,) = p.client.send("D", order_body())
    assert p.client_store.seqnums().next_sender == a.seq + 1 == 3
    assert p.client_store.outbound_range(1, 0) == []


def test_store_failure_means_nothing_is_sent() -> None:
    store = FailingStore(MemoryStore("c"))
    p = Pair(client_store=store)
    p.connect()
    before = store.seqnums()
    wire = len(p.wire)
    store.fail = True
    with pytest.raises(StoreError, match="disk full storing seq 2"):
        p.client.send("D", order_body())
    assert store.seqnums() == before
    # timers too: the heartbeat is not sent, and the clock of last sending does not move
    p.advance(30)
    with pytest.raises(StoreError):
        p.client.tick()
    with pytest.raises(StoreError):
        p.client.logout()
    assert p.client.state is State.ACTIVE
    assert store.seqnums() == before
    assert len(p.wire) == wire
    # once the store works again the same number is used: nothing was skipped
    store.fail = False
    (a,) = p.client.send("D", order_body())
    assert a.seq == before.next_sender
    assert store.calls.count(before.next_sender) == 4  # send, heartbeat, logout, send


def test_store_failure_on_logon_leaves_session_reconnectable() -> None:
    store = FailingStore(MemoryStore("c"))
    s = Session(
        SessionConfig(PROFILES["KalshiRT"], CLIENT_ID, "KalshiRT", signer=lambda pre: "c2ln"),
        store=store,
    )
    store.fail = True
    with pytest.raises(StoreError):
        s.connection_made()
    assert store.seqnums().next_sender == 1
    assert s.state is State.DISCONNECTED
    store.fail = False
    (a,) = s.connection_made()
    assert (a.seq, a.msg_type, s.state) == (1, "A", State.LOGON_SENT)


def test_acceptor_store_failure_on_logon_reply() -> None:
    store = FailingStore(MemoryStore("s"))
    p = Pair(server_store=store)
    store.fail = True
    with pytest.raises(StoreError):
        p.connect()
    assert store.seqnums().next_sender == 1


# ---- persisted sequence numbers -------------------------------------------------------------------


def _new_client(p: Pair, store: object, flags: LogonFlags | None = None) -> None:
    prof = p.client.profile
    p.client = Session(
        SessionConfig(prof, CLIENT_ID, prof.name, flags=flags or LogonFlags(), signer=lambda pre: "c2ln"),
        store=store, clock=p.clock,
    )  # fmt: skip
    p.client_store = store


def test_rt_client_continues_numbers_from_sqlite_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "client.sqlite"
    store = SqliteStore(path, "rt-client")
    p = Pair(client_store=store)
    p.connect()
    p.send(CLIENT, "D", order_body("c1"))  # 2
    p.send(CLIENT, "D", order_body("c2"))  # 3
    p.send(SERVER, "j", bmr_body(text="seen"))  # server 2
    p.hold(SERVER, "j")
    p.send(SERVER, "j", bmr_body(text="missed"))  # server 3: lost with the connection
    p.drop_connection()
    store.close()

    store2 = SqliteStore(path, "rt-client")
    assert (store2.seqnums().next_sender, store2.seqnums().next_target) == (4, 3)
    _new_client(p, store2)
    p.reconnect()
    logon = p.sent(CLIENT, "A")[-1]
    assert logon.header[34] == 4
    assert 141 not in logon.body
    assert p.of(SERVER, LoggedOn)[-1].reset is False
    assert p.of(CLIENT, LoggedOn)[-1].reset is False
    # the server's Logon (4) shows the client missed 3: it asks and gets it back
    assert p.of(CLIENT, GapDetected) == [GapDetected(3, 4, True)]
    assert [d.message.body[58] for d in p.delivered(CLIENT, "j")] == ["seen", "missed"]
    assert p.delivered(CLIENT, "j")[-1].poss_dup is True
    p.send(CLIENT, "D", order_body("c3"))
    assert p.sent(CLIENT, "2")[-1].header[34] == 5
    assert p.sent(CLIENT, "D")[-1].header[34] == 6
    assert [d.message.body[11] for d in p.delivered(SERVER, "D")] == ["c1", "c2", "c3"]
    assert not p.of(SERVER, GapDetected)
    assert store2.seqnums().next_target == p.server_store.seqnums().next_sender
    store2.close()


@pytest.mark.parametrize("profile", ["KalshiNR", "KalshiDC"])
def test_non_retransmission_always_resets_to_one(tmp_path: Path, profile: str) -> None:
    path = tmp_path / "client.sqlite"
    store = SqliteStore(path, "client")
    p = Pair(profile, client_store=store)
    p.connect()
    if profile == "KalshiNR":
        p.send(CLIENT, "D", order_body("c1"))
    p.advance(30)
    p.tick()
    assert store.seqnums().next_sender > 2
    p.drop_connection()
    store.close()

    store2 = SqliteStore(path, "client")
    _new_client(p, store2)
    p.reconnect()
    logon = p.sent(CLIENT, "A")[-1]
    assert logon.header[34] == 1 and logon.body[141] is True
    assert p.of(SERVER, LoggedOn)[-1].reset is True
    assert p.sent(SERVER, "A")[-1].header[34] == 1
    assert store2.seqnums() == p.server_store.seqnums().__class__(2, 2)
    store2.close()


def test_rt_reset_flag_resets_both_sides() -> None:
    p = Pair(flags=LogonFlags(reset_seq_num=True))
    p.connect()
    p.send(CLIENT, "D", order_body())
    p.drop_connection()
    p.reconnect()
    assert p.sent(CLIENT, "A")[-1].header[34] == 1
    assert p.sent(SERVER, "A")[-1].header[34] == 1
    assert p.client_store.outbound_range(1, 0) == []
    assert p.client.state is State.ACTIVE and p.server.state is State.ACTIVE


def test_acceptor_logs_each_logon_once_across_reconnects() -> None:
    p = Pair()
    p.connect()
    p.drop_connection()
    p.reconnect()
    logons = [
        e
        for e in p.server_store.read_log()
        if e.direction == "in" and decode(e.raw).msg_type == "A"
    ]
    assert [decode(e.raw).header[34] for e in logons] == [1, 2]


def test_too_low_logon_refused_by_acceptor() -> None:
    p = Pair()
    p.connect()
    p.drop_connection()
    p.client_store.set_next_sender(1)  # the client lost its store
    p.reconnect()
    assert types(p.actions[SERVER])[-2:] == ["send:5", "Disconnect"]
    text = p.sent(SERVER, "5")[-1].body[58]
    assert text == "MsgSeqNum too low, expecting 2 but received 1"
    assert p.server_store.seqnums().next_target == 2  # untouched


def test_inbound_messages_are_logged() -> None:
    p = Pair()
    p.connect()
    p.send(CLIENT, "D", order_body("c1"))
    raws = [e.raw for e in p.server_store.read_log() if e.direction == "in"]
    assert [decode(r).msg_type for r in raws] == ["A", "D"]
    assert raws[1] == next(d for s, d in p.wire if s == CLIENT and decode(d).msg_type == "D")
    assert isinstance(p.actions[CLIENT][0], SendBytes)


def test_logon_signature_never_reaches_the_store_log() -> None:
    p = Pair(signer=lambda pre: "U0lHTkFUVVJFLVNFQ1JFVA==")
    p.connect()
    logon_wire = next(a.data for a in p.actions[CLIENT] if getattr(a, "msg_type", None) == "A")
    assert b"96=U0lHTkFUVVJFLVNFQ1JFVA==" in logon_wire  # it was sent...
    logged = [e.raw for e in p.server_store.read_log() if decode(e.raw).msg_type == "A"]
    assert logged and all(b"U0lHTkFUVVJF" not in r and b"\x0196=" not in r for r in logged)  # ...not kept
