"""Serving a ResendRequest from the store: resend with PossDup, gap-fill admin and stale orders."""

from __future__ import annotations

import itertools

from session_harness import CLIENT, ENCODER, SERVER, Pair, bmr_body, decode, order_body, types

from fixgw.codec import split_fields
from fixgw.session import NotResent, SendBytes, State

_HEADER = {8, 9, 35, 49, 56, 34, 52, 43, 97, 122, 10}


def _active(profile: str = "KalshiRT", **client_cfg: object) -> Pair:
    p = Pair(profile, client_cfg=client_cfg)
    p.connect()
    assert p.client.state is State.ACTIVE
    return p


def _ask(p: Pair, to: str, begin: int, end: int = 0) -> list:
    """The other side asks ``to`` for a resend; returns ``to``'s actions."""
    frm = SERVER if to == CLIENT else CLIENT
    return p.inject(to, p.raw_from(frm, "2", ENCODER.fields([(7, begin), (16, end)])))


def _body(raw: bytes) -> list[tuple[int, bytes]]:
    return [(t, v) for t, v in split_fields(raw, {95: 96}) if t not in _HEADER]


def test_app_messages_resent_with_possdup_and_orig_sending_time() -> None:
    p = _active(resend_stale_after=None)
    originals = []
    for i in range(3):
        p.send(CLIENT, "D", order_body(f"c{i}"))
        originals.append(p.wire[-1][1])
        p.advance(1)
    p.hold(CLIENT, None, times=None)
    out = _ask(p, CLIENT, 2)
    assert types(out) == ["send:D", "send:D", "send:D"]
    for orig_raw, act in zip(originals, out, strict=True):
        orig, again = decode(orig_raw), decode(act.data)
        assert again.header[34] == orig.header[34] == act.seq
        assert again.header[43] is True
        assert again.raw_value(122) == orig.raw_value(52)
        assert again.raw_value(52) == b"20260105-14:30:03.000"  # sent now
        assert _body(act.data) == _body(orig_raw)
    # resending does not consume numbers
    assert p.client_store.seqnums().next_sender == 5


def test_admin_messages_are_gap_filled() -> None:
    p = _active(resend_stale_after=None)
    p.send(CLIENT, "D", order_body("c1"))  # 2
    p.advance(30)
    p.tick(CLIENT)  # Heartbeat 3
    p.advance(30)
    p.tick(CLIENT)  # Heartbeat 4 (and a TestRequest? no: the server heartbeats too)
    p.send(CLIENT, "D", order_body("c2"))
    last = p.client_store.seqnums().next_sender - 1
    sent_types = {m.header[34]: m.msg_type for m in p.sent(CLIENT)}
    p.hold(CLIENT, None, times=None)
    out = _ask(p, CLIENT, 1)
    msgs = [decode(a.data) for a in out]
    # 1 (Logon) gap-filled to 2; D resent; admin run gap-filled to the last D; D resent
    assert msgs[0].msg_type == "4" and msgs[0].header[34] == 1 and msgs[0].body[36] == 2
    assert msgs[0].body[123] is True and msgs[0].header[43] is True and 122 in msgs[0].header
    assert msgs[1].msg_type == "D" and msgs[1].header[34] == 2
    assert msgs[2].msg_type == "4" and msgs[2].header[34] == 3 and msgs[2].body[36] == last
    assert all(sent_types[s] != "D" for s in range(3, last))
    assert msgs[3].msg_type == "D" and msgs[3].header[34] == last
    assert len(msgs) == 4
    # the server, having the held copies delivered, still ends in step (all duplicates)
    p.release()
    assert p.server.state is State.ACTIVE
    assert [d.message.body[11] for d in p.delivered(SERVER, "D")] == ["c1", "c2"]


def test_resend_range_end_and_beyond_last() -> None:
    p = _active(resend_stale_after=None)
    for i in range(4):
        p.send(CLIENT, "D", order_body(f"c{i}"))  # 2..5
    p.hold(CLIENT, None, times=None)
    out = _ask(p, CLIENT, 3, 4)
    assert [a.seq for a in out] == [3, 4]
    out = _ask(p, CLIENT, 4, 99)
    assert [a.seq for a in out] == [4, 5]


def test_stale_orders_gap_filled_and_reported() -> None:
    p = _active()  # resend_stale_after=30 by default
    p.send(CLIENT, "D", order_body("old1"))  # 2 at t0
    p.send(CLIENT, "D", order_body("old2"))  # 3 at t0
    p.advance(31)
    p.send(CLIENT, "D", order_body("fresh"))  # 4 at t0+31
    p.hold(CLIENT, None, times=None)
    out = _ask(p, CLIENT, 2)
    assert types(out) == ["send:4", "send:D", "NotResent"]
    fill = decode(out[0].data)
    assert fill.header[34] == 2 and fill.body[36] == 4 and fill.body[123] is True
    assert decode(out[1].data).body[11] == "fresh"
    nr = out[2]
    assert isinstance(nr, NotResent)
    assert nr.seqs == (2, 3) and nr.msg_types == ("D", "D")
    assert [decode(r).body[11] for r in nr.raws] == ["old1", "old2"]
    assert "raws" not in repr(nr)


def test_nothing_stale_within_the_limit() -> None:
    p = _active()
    p.send(CLIENT, "D", order_body("c1"))
    p.advance(30)  # exactly the limit: not older than it
    p.hold(CLIENT, None, times=None)
    out = _ask(p, CLIENT, 2)
    assert types(out) == ["send:D"]


def test_exchange_resends_execution_history_older_than_30s() -> None:
    """The acceptor's resend window is the retention period (24 h default), not the
    client's order staleness limit: a fill is never gap-filled after 31 s."""
    p = _active()
    p.send(SERVER, "j", bmr_body(text="old"))
    p.advance(3600)
    p.hold(SERVER, None, times=None)
    out = _ask(p, SERVER, 2)
    assert types(out) == ["send:j"]
    p.advance(24 * 3600)
    out = _ask(p, SERVER, 2)
    assert types(out)[-1] == "NotResent"
    assert not any(isinstance(a, SendBytes) and a.msg_type == "j" for a in out)


def test_retention_period_flag_extends_the_exchange_window() -> None:
    from fixgw.session import LogonFlags

    p = Pair(flags=LogonFlags(message_retention_period=72))
    p.connect()
    p.send(SERVER, "j", bmr_body(text="old"))
    p.advance(48 * 3600)
    p.hold(SERVER, None, times=None)
    out = _ask(p, SERVER, 2)
    assert types(out) == ["send:j"]


def test_resend_request_on_nr_is_rejected() -> None:
    p = _active("KalshiNR")
    p.send(SERVER, "j", bmr_body())
    out = _ask(p, SERVER, 1)
    assert types(out) == ["send:3"]
    rej = decode(out[0].data)
    assert rej.body[372] == "2" and rej.body[45] == 2 and rej.body[373] == 11
    assert "KalshiNR" in rej.body[58]
    assert p.server.state is State.ACTIVE


def test_unfilled_gap_is_requested_again_then_given_up() -> None:
    """A counterparty that never answers a ResendRequest: we ask again every resend_timeout,
    and after three unanswered requests log out instead of waiting forever."""
    p = Pair("KalshiRT")
    p.connect()
    p.drop(CLIENT, "2", times=None)  # every ResendRequest is lost on the way
    expected = p.client.store.seqnums().next_target
    p.inject(CLIENT, p.raw_from(SERVER, "0", seq=expected + 3, consume=False))
    assert p.client.store.seqnums().next_target == expected  # the gap is open
    requests = 1
    for _ in range(2):
        p.advance(p.client.config.resend_timeout)
        p.tick(CLIENT)
        requests += 1
        assert len([a for a in p.actions[CLIENT] if getattr(a, "msg_type", None) == "2"]) == requests
        assert p.client.state.value == "active"
    p.advance(p.client.config.resend_timeout)
    p.tick(CLIENT)
    logout = p.sent(CLIENT, "5")[-1]
    assert "not filled after 3 ResendRequests" in logout.body[58]
    assert p.client.state.value == "closed"


def test_resent_message_keeps_the_stored_body_byte_for_byte() -> None:
    """The resend slices the stored bytes (no re-encoding): same body, new header with
    PossDupFlag=Y and OrigSendingTime = the original SendingTime."""
    from fixgw.codec import build_frame
    from fixgw.session.core import _split_stored

    raw = build_frame(b"FIXT.1.1", b"D", b"49=k\x0156=KalshiRT\x0134=5\x0152=20260105-14:30:00.000\x01",
                      b"11=c1\x0138=10\x0144=0.5500\x01")  # fmt: skip
    assert _split_stored(raw) == (b"20260105-14:30:00.000", b"11=c1\x0138=10\x0144=0.5500\x01")
    other = raw.replace(b"\x0134=5\x01", b"\x0134=5\x0143=Y\x01")  # not our layout: slow path
    assert _split_stored(other)[0] is None


# ---- chunked serving -------------------------------------------------------------------------


def _stream(p: Pair, side: str, first: list) -> list:
    """``first`` (the ResendRequest's answer) and every chunk tick() adds, until the resend is
    done; each tick is asked for by next_deadline() being due at once."""
    sess = p.session(side)
    out, ticks = list(first), 0
    while sess.resending:
        assert sess.next_deadline() == p.clock.monotonic()
        ticks += 1
        assert ticks < 1000, "resend never finished"
        before = len(p.actions[side])
        p.tick(side)
        out.extend(p.actions[side][before:])
    return out


def test_large_resend_is_served_in_chunks_with_the_same_bytes() -> None:
    """Chunks of 4 give the same wire bytes as one chunk big enough for everything: gap-fill
    runs that cross a chunk boundary are still one SequenceReset."""
    sends = {}
    for chunk in (4, 10_000):
        p = _active(resend_chunk=chunk, resend_stale_after=100)
        for i in range(5):
            p.send(CLIENT, "D", order_body(f"old{i}"))  # 2..6, stale by the end
        p.advance(101)
        for i in range(12):
            p.send(CLIENT, "D", order_body(f"c{i}"))
            if i % 4 == 3:
                p.advance(30)
                p.tick(CLIENT)  # a Heartbeat between orders: a gap-fill run
        p.hold(CLIENT, None, times=None)
        first = _ask(p, CLIENT, 1)
        assert len([a for a in first if isinstance(a, SendBytes)]) <= chunk
        assert p.client.resending is (chunk == 4)
        sends[chunk] = _stream(p, CLIENT, first)
        assert not p.client.resending
    small, big = sends[4], sends[10_000]
    data = [a.data for a in small if isinstance(a, SendBytes)]
    assert data == [a.data for a in big if isinstance(a, SendBytes)]
    msgs = [decode(d) for d in data]
    # contiguous: each message starts where the previous one (or its gap fill) ended
    nxt = 1
    for m in msgs:
        assert m.header[34] == nxt
        nxt = m.body[36] if m.msg_type == "4" else nxt + 1
    assert nxt == p.client_store.seqnums().next_sender
    # gap fills merged: never two in a row; Logon and the stale orders 2..6 are one fill
    assert all(not (a.msg_type == "4" and b.msg_type == "4") for a, b in itertools.pairwise(msgs))
    assert msgs[0].msg_type == "4" and msgs[0].body[36] == 7
    assert [m.body[11] for m in msgs if m.msg_type == "D"] == [f"c{i}" for i in range(12)]
    for out in (small, big):
        nr = [a for a in out if isinstance(a, NotResent)]
        assert [s for a in nr for s in a.seqs] == [2, 3, 4, 5, 6]
        assert [decode(r).body[11] for a in nr for r in a.raws] == [f"old{i}" for i in range(5)]


def test_each_chunk_respects_the_limit_and_reports_its_own_stale_orders() -> None:
    p = _active(resend_chunk=3)
    for i in range(4):
        p.send(CLIENT, "D", order_body(f"old{i}"))  # 2..5
    p.advance(31)
    for i in range(4):
        p.send(CLIENT, "D", order_body(f"c{i}"))  # 6..9
    p.advance(31)
    for i in range(2):
        p.send(CLIENT, "D", order_body(f"late{i}"))  # 10..11
    p.hold(CLIENT, None, times=None)
    calls = [_ask(p, CLIENT, 2)]
    while p.client.resending:
        before = len(p.actions[CLIENT])
        p.tick(CLIENT)
        calls.append(p.actions[CLIENT][before:])
    assert len(calls) > 1
    for acts in calls:
        assert len([a for a in acts if isinstance(a, SendBytes)]) <= 3
    flat = [a for acts in calls for a in acts]
    sends = [decode(a.data) for a in flat if isinstance(a, SendBytes)]
    # 2..5 stale (gap fill to 6), 6..9 now stale too (stale_after=30 s, 62 s ago)...
    assert [(m.msg_type, m.header[34]) for m in sends] == [("4", 2), ("D", 10), ("D", 11)]
    assert sends[0].body[36] == 10
    nr = [a for a in flat if isinstance(a, NotResent)]
    assert len(nr) >= 2  # the stale run spans chunks: each chunk reports its own
    assert [s for a in nr for s in a.seqs] == list(range(2, 10))


def test_messages_sent_mid_resend_wait_for_it_with_their_own_seq() -> None:
    p = _active(resend_stale_after=None, resend_chunk=2)
    for i in range(6):
        p.send(CLIENT, "D", order_body(f"c{i}"))  # 2..7
    p.hold(CLIENT, None, times=None)
    first = _ask(p, CLIENT, 2)
    assert [a.seq for a in first] == [2, 3]
    assert p.client.resending
    seq = p.client_store.seqnums().next_sender
    assert p.send(CLIENT, "D", order_body("new")) == []  # stored, held back
    assert p.client_store.seqnums().next_sender == seq + 1
    assert [m.seq for m in p.client_store.outbound_range(seq, seq)] == [seq]  # store before send
    assert [a.seq for a in p.client.queued] == [seq]
    # a TestRequest from the server: the Heartbeat answering it waits too
    p.inject(CLIENT, p.raw_from(SERVER, "1", ENCODER.field(112, "T1")))
    assert [a.msg_type for a in p.client.queued] == ["D", "0"]
    out = _stream(p, CLIENT, first)
    sends = [a for a in out if isinstance(a, SendBytes)]
    assert [a.seq for a in sends] == [2, 3, 4, 5, 6, 7, seq, seq + 1]
    new = decode(sends[-2].data)
    assert new.body[11] == "new" and 43 not in new.header  # a first send, not a PossDup
    assert decode(sends[-1].data).msg_type == "0"
    assert p.client.queued == () and not p.client.resending
    assert p.client.next_deadline() > p.clock.monotonic()
    # the held copies arrive in order: the server ends in step, having every order once
    p.release()
    assert p.server.state is State.ACTIVE
    assert [d.message.body[11] for d in p.delivered(SERVER, "D")][-1] == "new"


def test_logout_mid_resend_drops_the_rest() -> None:
    p = _active(resend_stale_after=None, resend_chunk=2)
    for i in range(6):
        p.send(CLIENT, "D", order_body(f"c{i}"))
    p.hold(CLIENT, None, times=None)
    _ask(p, CLIENT, 2)
    p.send(CLIENT, "D", order_body("new"))  # 8, held
    before = len(p.actions[CLIENT])
    p.logout(CLIENT, "bye")
    out = [a for a in p.actions[CLIENT][before:] if isinstance(a, SendBytes)]
    assert [(a.msg_type, a.seq) for a in out] == [("5", 9)]  # no more resends, nothing held
    assert not p.client.resending and p.client.queued == ()
    assert p.client.tick() == []  # LOGOUT_SENT: no chunk comes later either
    assert "new" not in [m.body.get(11) for m in p.sent(CLIENT, "D")]
    assert [m.seq for m in p.client_store.outbound_range(8, 8)] == [8]  # kept for a later resend
