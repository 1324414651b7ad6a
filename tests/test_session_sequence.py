"""Inbound sequence numbers: too low, duplicates, gaps (RT resend / NR reconnect), SequenceReset."""

from __future__ import annotations

from datetime import timedelta

from session_harness import CLIENT, ENCODER, SERVER, Pair, bmr_body, decode, order_body, types

from fixgw.session import Deliver, Disconnect, GapDetected, LoggedOut, ProtocolIssue, State


def _active(profile: str = "KalshiRT") -> Pair:
    p = Pair(profile)
    p.connect()
    assert p.server.state is State.ACTIVE
    return p


def _cl_ord_ids(p: Pair, side: str) -> list[str]:
    return [d.message.body[11] for d in p.delivered(side, "D")]


# ---- too low / duplicates ------------------------------------------------------------------------


def test_too_low_without_possdup_logs_out_and_disconnects() -> None:
    p = _active()
    p.send(CLIENT, "D", order_body("c1"))
    replay = p.wire[-1][1]
    assert decode(replay).header[34] == 2
    out = p.inject(SERVER, replay)
    assert types(out) == ["send:5", "Disconnect"]
    text = decode(out[0].data).body[58]
    assert text == "MsgSeqNum too low, expecting 3 but received 2"
    assert p.server.state is State.CLOSED
    assert _cl_ord_ids(p, SERVER) == ["c1"]


def test_possdup_duplicate_is_ignored() -> None:
    p = _active()
    p.send(CLIENT, "D", order_body("c1"))
    before = p.server_store.seqnums()
    dup = p.raw_from(
        CLIENT, "D", order_body("c1"), seq=2, poss_dup=True, orig_sending_time=p.clock.now()
    )
    assert p.inject(SERVER, dup) == []
    assert p.server_store.seqnums() == before
    assert p.server.state is State.ACTIVE
    assert _cl_ord_ids(p, SERVER) == ["c1"]


def test_possdup_at_expected_seq_without_orig_sending_time_is_rejected() -> None:
    p = _active()
    out = p.inject(SERVER, p.raw_from(CLIENT, "D", order_body("c9"), poss_dup=True))
    assert types(out) == ["send:3"]
    rej = decode(out[0].data)
    assert (rej.body[373], rej.body[371], rej.body[45]) == (1, 122, 2)
    assert p.server_store.seqnums().next_target == 3
    assert not p.delivered(SERVER, "D")


# ---- too high on RT: one ResendRequest, then in-order delivery -----------------------------------


def test_gap_on_rt_single_resend_request_then_in_order_delivery() -> None:
    p = _active()
    p.drop(CLIENT, "D")  # c1 (seq 2) is lost
    p.hold(SERVER, "2")  # keep the ResendRequest back while more orders arrive
    p.send(CLIENT, "D", order_body("c1"))
    p.send(CLIENT, "D", order_body("c2"))  # seq 3: gap detected
    p.send(CLIENT, "D", order_body("c3"))  # seq 4: still in the gap, no second request
    p.send(CLIENT, "D", order_body("c4"))
    assert p.of(SERVER, GapDetected) == [GapDetected(2, 3, True)]
    assert len(p.held) == 1
    rr = decode(p.held[0][1])
    assert rr.msg_type == "2" and rr.body[7] == 2 and rr.body[16] == 0
    assert _cl_ord_ids(p, SERVER) == []
    assert p.server_store.seqnums().next_target == 2
    # the client answers: everything from 2 again, PossDup
    p.release()
    assert _cl_ord_ids(p, SERVER) == ["c1", "c2", "c3", "c4"]
    assert [d.poss_dup for d in p.delivered(SERVER, "D")] == [True] * 4
    assert [d.message.header[34] for d in p.delivered(SERVER, "D")] == [2, 3, 4, 5]
    assert len(p.sent(SERVER, "2")) == 1
    assert p.server_store.seqnums().next_target == 6
    # and normal traffic resumes
    p.send(CLIENT, "D", order_body("c5"))
    assert _cl_ord_ids(p, SERVER)[-1] == "c5"
    assert p.delivered(SERVER, "D")[-1].poss_dup is False
    assert len(p.sent(SERVER, "2")) == 1
    assert not p.of(SERVER, ProtocolIssue)


def test_gap_on_client_side_rt_fills_from_exchange_store() -> None:
    p = _active()
    p.drop(SERVER, "j")
    p.send(SERVER, "j", bmr_body(text="first"))
    p.send(SERVER, "j", bmr_body(text="second"))
    assert p.of(CLIENT, GapDetected) == [GapDetected(2, 3, True)]
    assert [d.message.body[58] for d in p.delivered(CLIENT, "j")] == ["first", "second"]
    assert p.client_store.seqnums().next_target == 4


def test_corrupt_checksum_is_discarded_then_gap_recovered() -> None:
    p = _active()
    p.corrupt(CLIENT, "D")
    p.send(CLIENT, "D", order_body("c1"))
    issues = p.of(SERVER, ProtocolIssue)
    assert len(issues) == 1 and "CheckSum" in issues[0].text
    assert p.server_store.seqnums().next_target == 2  # nothing consumed
    p.send(CLIENT, "D", order_body("c2"))
    assert _cl_ord_ids(p, SERVER) == ["c1", "c2"]


def test_messages_split_in_arbitrary_chunks_are_all_delivered() -> None:
    p = _active()
    p.split(CLIENT, lambda b: [b[i : i + 7] for i in range(0, len(b), 7)])
    for i in range(5):
        p.send(CLIENT, "D", order_body(f"c{i}"))
    assert _cl_ord_ids(p, SERVER) == [f"c{i}" for i in range(5)]


def test_logout_with_too_high_seq_is_still_honoured() -> None:
    p = _active()
    p.drop(CLIENT, "D")
    p.send(CLIENT, "D", order_body("c1"))
    out = p.logout(CLIENT, "bye")
    assert p.of(SERVER, LoggedOut) == [LoggedOut("bye", by_us=False)]
    assert p.of(CLIENT, LoggedOut) == [LoggedOut(None, by_us=True)]
    assert not p.of(SERVER, GapDetected)
    assert types(out).count("Disconnect") == 2


def test_too_high_resend_request_is_served_not_swallowed() -> None:
    """Both sides have a gap: each one's ResendRequest arrives with a too-high number.
    Serving it anyway is the only way both gaps ever fill."""
    p = _active()
    p.drop(CLIENT, "D")
    p.drop(SERVER, "j")
    p.hold(CLIENT, "2")
    p.hold(SERVER, "2")
    p.send(CLIENT, "D", order_body("c1"))  # client 2 lost
    p.send(SERVER, "j", bmr_body(text="first"))  # server 2 lost
    p.send(CLIENT, "D", order_body("c2"))  # client 3: server asks for 2..
    p.send(SERVER, "j", bmr_body(text="second"))  # server 3: client asks for 2..
    assert len(p.held) == 2
    p.release()
    assert _cl_ord_ids(p, SERVER) == ["c1", "c2"]
    assert [d.message.body[58] for d in p.delivered(CLIENT, "j")] == ["first", "second"]
    assert p.client.state is State.ACTIVE and p.server.state is State.ACTIVE
    # in sync afterwards
    p.send(CLIENT, "D", order_body("c3"))
    p.send(SERVER, "j", bmr_body(text="third"))
    assert _cl_ord_ids(p, SERVER) == ["c1", "c2", "c3"]
    assert [d.message.body[58] for d in p.delivered(CLIENT, "j")] == ["first", "second", "third"]


def test_too_high_test_request_is_answered() -> None:
    p = _active()
    p.drop(CLIENT, "D")
    p.send(CLIENT, "D", order_body("c1"))
    p.hold(SERVER, "2")
    p.hold(SERVER, "0")
    p.inject(SERVER, p.raw_from(CLIENT, "1", ENCODER.field(112, "T1")))
    answers = [decode(d) for s, d in p.held if decode(d).msg_type == "0"]
    assert [m.body[112] for m in answers] == ["T1"]


# ---- too high on NR: no retransmission, reconnect -------------------------------------------------


def test_gap_on_nr_logs_out_and_disconnects() -> None:
    p = _active("KalshiNR")
    p.drop(CLIENT, "D")
    p.send(CLIENT, "D", order_body("c1"))
    p.send(CLIENT, "D", order_body("c2"))
    assert p.of(SERVER, GapDetected) == [GapDetected(2, 3, False)]
    assert types(p.actions[SERVER])[-3:] == ["GapDetected", "send:5", "Disconnect"]
    text = p.sent(SERVER, "5")[-1].body[58]
    assert "MsgSeqNum too high, expecting 2 but received 3" in text and "ResetSeqNumFlag" in text
    assert not p.sent(SERVER, "2")
    assert p.server.state is State.CLOSED
    # the client sees the Logout
    assert p.of(CLIENT, LoggedOut)[0].text == text


# ---- SequenceReset ------------------------------------------------------------------------------


def test_gap_fill_moves_next_target() -> None:
    p = _active()
    seq = p.server_store.seqnums().next_sender
    fill = p.raw_from(SERVER, "4", ENCODER.fields([(123, True), (36, seq + 5)]), seq=seq, poss_dup=True,
                      orig_sending_time=p.clock.now())  # fmt: skip
    p.server_store.set_next_sender(seq + 5)
    assert p.inject(CLIENT, fill) == []
    assert p.client_store.seqnums().next_target == seq + 5
    p.send(SERVER, "j", bmr_body(text="after"))
    assert [d.message.body[58] for d in p.delivered(CLIENT, "j")] == ["after"]
    assert not p.of(CLIENT, GapDetected)


def test_gap_fill_with_lower_new_seq_no_is_rejected() -> None:
    p = _active()
    p.send(SERVER, "j", bmr_body())  # client now expects 3
    fill = p.raw_from(SERVER, "4", ENCODER.fields([(123, True), (36, 2)]))
    out = p.inject(CLIENT, fill)
    assert types(out) == ["send:3"]
    rej = decode(out[0].data)
    assert (rej.body[373], rej.body[371], rej.body[372], rej.body[45]) == (5, 36, "4", 3)
    assert "NewSeqNo 2" in rej.body[58]
    assert p.client_store.seqnums().next_target == 4


def test_sequence_reset_mode_ignores_msg_seq_num() -> None:
    p = _active()
    # reset mode: whatever 34 says (here 999), NewSeqNo wins
    out = p.inject(CLIENT, p.raw_from(SERVER, "4", ENCODER.field(36, 50), seq=999))
    assert out == []
    assert p.client_store.seqnums().next_target == 50
    p.server_store.set_next_sender(50)
    p.send(SERVER, "j", bmr_body(text="x"))
    assert p.delivered(CLIENT, "j")[-1].message.header[34] == 50


def test_sequence_reset_mode_lower_is_rejected() -> None:
    p = _active()
    p.send(SERVER, "j", bmr_body())
    out = p.inject(CLIENT, p.raw_from(SERVER, "4", ENCODER.field(36, 1), seq=1))
    assert types(out) == ["send:3"]
    rej = decode(out[0].data)
    assert (rej.body[373], rej.body[371]) == (5, 36)
    assert p.client_store.seqnums().next_target == 3


def test_sending_time_is_whole_milliseconds() -> None:
    p = _active()
    p.advance(0.0004567)
    p.send(CLIENT, "D", order_body())
    assert p.sent(CLIENT, "D")[0].raw_value(52) == b"20260105-14:30:00.000"
    p.advance(0.0125)
    p.send(CLIENT, "D", order_body())
    assert p.sent(CLIENT, "D")[1].raw_value(52) == b"20260105-14:30:00.012"


def test_skewed_message_after_logon_rejected_with_373_10() -> None:
    p = _active()
    late = p.raw_from(CLIENT, "D", order_body(), sending_time=p.clock.now() - timedelta(seconds=31))
    out = p.inject(SERVER, late)
    assert types(out) == ["send:3", "send:5", "Disconnect"]
    rej = decode(out[0].data)
    assert (rej.body[373], rej.body[371], rej.body[372], rej.body[45]) == (10, 52, "D", 2)
    assert "SendingTime" in decode(out[1].data).body[58]
    assert not p.delivered(SERVER, "D")
    assert isinstance(p.of(SERVER, Disconnect)[0], Disconnect)


def test_within_skew_is_accepted() -> None:
    p = _active()
    p.inject(
        SERVER,
        p.raw_from(CLIENT, "D", order_body(), sending_time=p.clock.now() + timedelta(seconds=29)),
    )
    assert len(p.delivered(SERVER, "D")) == 1


def test_compid_problem_rejected_with_373_9_and_logout() -> None:
    p = _active()
    out = p.inject(SERVER, p.raw_from(CLIENT, "D", order_body(), sender="someone-else"))
    assert types(out) == ["send:3", "send:5", "Disconnect"]
    rej = decode(out[0].data)
    assert (rej.body[373], rej.body[371], rej.body[372], rej.body[45]) == (9, 49, "D", 2)
    assert "someone-else" in decode(out[1].data).body[58]
    assert p.server.state is State.CLOSED
    # wrong TargetCompID at the client
    q = _active()
    out = q.inject(CLIENT, q.raw_from(SERVER, "j", bmr_body(), target="not-me"))
    rej = decode(out[0].data)
    assert (rej.body[373], rej.body[371]) == (9, 56)
    assert types(out)[-1] == "Disconnect"
    assert not q.delivered(CLIENT, "j")


def test_delivery_is_not_affected_by_possdup_gap_fill_of_admin() -> None:
    p = _active()
    p.advance(30)
    p.tick(CLIENT)  # Heartbeat seq 2
    p.send(CLIENT, "D", order_body("c1"))  # seq 3
    assert [d.message.header[34] for d in p.delivered(SERVER, "D")] == [3]
    assert isinstance(p.delivered(SERVER)[0], Deliver)
