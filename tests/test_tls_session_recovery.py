"""Our client against the simulator over real TLS: heartbeats, gaps, resends, restarts, drops.

Where heartbeat timing matters both sides share one ScaledClock (40x): HeartBtInt 30 passes
in 0.75 s of real time while every rule still reads 30 s.  Nothing here sleeps to synchronise.
"""

from __future__ import annotations

import pytest

from fixgw.messages import BusinessMessageReject, OrderMassCancelRequest, default_encoder, enums
from fixgw.session import (
    Deliver,
    GapDetected,
    LoggedOn,
    LogonFlags,
    ScaledClock,
    State,
)
from fixgw.sim.app import NullApp
from fixgw.sim.server import Simulator
from fixgw.store import MemoryStore, SqliteStore
from fixgw.testing import RawClient, raw_logon, raw_message, sim_client

SPEED = 40.0
MASS_CANCEL = OrderMassCancelRequest(
    cl_ord_id="mc-1", mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
).encode_body(default_encoder())


def note(text: str) -> BusinessMessageReject:
    """Something the exchange may send on every session type, carrying a marker text."""
    return BusinessMessageReject(
        ref_seq_num=1, business_reject_reason=enums.BusinessRejectReason.OTHER, text=text
    )


def delivered(client, msg_type: str = "j") -> list:
    return [a for a in client.log.of(Deliver) if a.message.msg_type == msg_type]


@pytest.fixture
async def scaled_sim(kalshi_keys):
    clock = ScaledClock(SPEED)
    async with Simulator(port_base=0, clock=clock) as sim:
        sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
        yield sim


# ---- heartbeats -------------------------------------------------------------------------------


async def test_heartbeats_flow_both_ways_and_the_session_stays_up(scaled_sim, kalshi_keys):
    client = sim_client(scaled_sim, kalshi_keys, "KalshiRT", clock=scaled_sim.clock)
    async with client:
        await client.wait_logged_on()
        # Two exchange heartbeats = 60 s of session time.
        await client.wire.wait_for("in", "0", count=2, timeout=10)
        await client.wire.wait_for("out", "0", count=2, timeout=10)
        assert client.session.state is State.ACTIVE
        assert client.initiator.stats.logons == 1
        assert scaled_sim.session(kalshi_keys.uuid, "KalshiRT").active


async def test_test_request_is_answered_with_its_id(kalshi_sim, kalshi_keys):
    raw = await RawClient.connect(kalshi_sim, "KalshiNR")
    await raw.send(raw_logon(kalshi_keys, "KalshiNR"))
    assert (await raw.recv()).msg_type == "A"
    await raw.send(raw_message("1", kalshi_keys.uuid, "KalshiNR", 2, [(112, "ping-42")]))
    hb, _ = await raw.recv_until("0")
    assert hb is not None and hb.body[112] == "ping-42"
    await raw.close()


async def test_sim_tests_a_silent_client_then_drops_it(scaled_sim, kalshi_keys):
    raw = await RawClient.connect(scaled_sim, "KalshiNR")
    st = scaled_sim.clock.now()
    await raw.send(raw_logon(kalshi_keys, "KalshiNR", sending_time=st))
    assert (await raw.recv()).msg_type == "A"
    # The raw client never answers: the exchange heartbeats, sends a TestRequest, then closes.
    test_req, seen = await raw.recv_until("1", timeout=10)
    assert test_req is not None and test_req.body[112]
    assert "0" in [m.msg_type for m in seen]
    eof, _ = await raw.recv_until("never", timeout=10)
    assert eof is None
    await scaled_sim.wait_disconnected(kalshi_keys.uuid)
    await raw.close()


async def test_client_drops_a_sim_that_withholds_heartbeats(scaled_sim, kalshi_keys):
    scaled_sim.faults.withhold_heartbeats(api_key=kalshi_keys.uuid)
    client = sim_client(
        scaled_sim, kalshi_keys, "KalshiRT", clock=scaled_sim.clock, reconnect=False
    )
    async with client:
        await client.wait_logged_on()
        reason = await client.wait_ended(timeout=15)
        assert "heartbeat timeout" in reason
        sent_tr = client.wire.of("out", "1")
        assert sent_tr, "client should have sent a TestRequest first"
        assert client.wire.of("in", "0") == []
    await scaled_sim.wait_disconnected(kalshi_keys.uuid)


# ---- gaps and resends -------------------------------------------------------------------------


async def test_skipped_sequence_numbers_are_gap_filled_on_resend_request(kalshi_sim, kalshi_keys):
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT") as client:
        await client.wait_logged_on()
        server = kalshi_sim.session(kalshi_keys.uuid, "KalshiRT")
        assert client.session.next_target_seq == 2
        kalshi_sim.faults.skip_seqs(3, api_key=kalshi_keys.uuid)
        seq = server.send_message(note("after the gap"))
        assert seq == 5
        gap = await client.wait_for(GapDetected)
        assert (gap.expected, gap.received, gap.resend_requested) == (2, 5, True)
        d = await client.wait_for(lambda a: isinstance(a, Deliver) and a.message.msg_type == "j")
        assert d.poss_dup and d.message.body[58] == "after the gap" and d.message.seq == 5
        [resend_req] = client.wire.of("out", "2")
        assert (resend_req.body[7], resend_req.body[16]) == (2, 0)
        [fill] = [m for m in client.wire.of("in", "4") if m.body.get(123)]
        assert (fill.seq, fill.body[36]) == (2, 5)
        assert client.session.next_target_seq == 6 == server.next_sender_seq
        # The stream carries on normally after the gap.
        server.send_message(note("next"))
        nxt = await client.wait_for(
            lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "next"
        )
        assert nxt.message.seq == 6 and not nxt.poss_dup


async def test_sim_resends_with_possdup_after_a_corrupted_message(kalshi_sim, kalshi_keys):
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT") as client:
        await client.wait_logged_on()
        server = kalshi_sim.session(kalshi_keys.uuid, "KalshiRT")
        server.send_message(note("one"))  # seq 2
        await client.wait_for(lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "one")
        kalshi_sim.faults.bad_checksum(1, api_key=kalshi_keys.uuid)
        server.send_message(note("two"))  # seq 3, discarded by the client's framing
        server.send_message(note("three"))  # seq 4, a gap: ResendRequest 3-0
        await client.wait_for(
            lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "three"
        )
        got = [(a.message.seq, a.message.body[58], a.poss_dup) for a in delivered(client)]
        assert got == [(2, "one", False), (3, "two", True), (4, "three", True)]
        resent = [m for m in client.wire.of("in", "j") if m.header.get(43)]
        assert all(122 in m.header for m in resent)  # OrigSendingTime on every PossDup resend
        assert client.session.next_target_seq == 5
        log = kalshi_sim.store("KalshiRT", kalshi_keys.uuid).read_log()
        assert any(b"\x0135=2\x01" in e.raw for e in log if e.direction == "in")


# ---- restarts -------------------------------------------------------------------------------


async def test_rt_restart_continues_persisted_sequence_numbers(kalshi_sim, kalshi_keys, tmp_path):
    kalshi_sim.app = NullApp()  # session behaviour only: every app message is refused
    path = tmp_path / "client.sqlite"
    sid = f"KalshiRT:{kalshi_keys.uuid}"
    store = SqliteStore(path, sid)
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT", store=store) as client:
        await client.wait_logged_on()
        server = kalshi_sim.session(kalshi_keys.uuid, "KalshiRT")
        for text in ("a", "b"):
            server.send_message(note(text))
        await client.wait_for(lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "b")
        await client.initiator.send("UE", b"")  # an RFQCancel, refused by the NullApp
        await client.wait_for(lambda a: isinstance(a, Deliver) and a.message.body.get(372) == "UE")
    before = store.seqnums()
    store.close()
    await kalshi_sim.wait_disconnected(kalshi_keys.uuid)
    assert before.next_sender >= 4 and before.next_target >= 5

    store = SqliteStore(path, sid)  # a new process would open the file just like this
    assert store.seqnums() == before
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT", store=store) as client:
        on = await client.wait_for(LoggedOn)
        assert on.reset is False and 141 not in on.logon.body
        assert on.logon.seq == before.next_target  # the exchange carried on from its side too
        [logon_out] = client.wire.of("out", "A")
        assert logon_out.seq == before.next_sender
        server = kalshi_sim.session(kalshi_keys.uuid, "KalshiRT")
        assert server.next_target_seq == before.next_sender + 1
        server.send_message(note("c"))
        d = await client.wait_for(
            lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "c"
        )
        assert d.message.seq == before.next_target + 1 and not d.poss_dup
        assert client.log.of(GapDetected) == []
    store.close()


async def test_sim_restart_with_state_dir_keeps_rt_numbers_and_certificate(kalshi_keys, tmp_path):
    state = tmp_path / "sim-state"
    store = MemoryStore("client")
    async with Simulator(port_base=0, state_dir=state) as sim:
        sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
        cert = sim.cert_path.read_bytes()
        async with sim_client(sim, kalshi_keys, "KalshiRT", store=store) as client:
            await client.wait_logged_on()
            sim.session(kalshi_keys.uuid).send_message(note("x"))
            await client.wait_for(Deliver)
    before = store.seqnums()
    async with Simulator(port_base=0, state_dir=state) as sim:
        sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
        assert sim.cert_path.read_bytes() == cert  # pinned clients keep working
        async with sim_client(sim, kalshi_keys, "KalshiRT", store=store) as client:
            on = await client.wait_for(LoggedOn)
            assert on.logon.seq == before.next_target and not on.reset
            assert client.log.of(GapDetected) == []


async def test_nr_reconnect_always_resets_to_one(kalshi_sim, kalshi_keys):
    kalshi_sim.app = NullApp()  # session behaviour only: every app message is refused
    store = MemoryStore("nr-client")
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiNR", store=store) as client:
        await client.wait_logged_on()
        await client.initiator.send("q", MASS_CANCEL)  # refused by the NullApp: a j comes back
        d = await client.wait_for(Deliver)
        assert d.message.msg_type == "j" and d.message.body[380] == 4
    assert store.seqnums().next_sender > 2
    assert kalshi_sim.store("KalshiNR", kalshi_keys.uuid).seqnums().next_sender > 2
    await kalshi_sim.wait_disconnected(kalshi_keys.uuid)
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiNR", store=store) as client:
        on = await client.wait_for(LoggedOn)
        assert on.reset is True and on.logon.body[141] is True and on.logon.seq == 1
        [logon_out] = client.wire.of("out", "A")
        assert logon_out.seq == 1 and logon_out.body[141] is True
        assert kalshi_sim.session(kalshi_keys.uuid).next_target_seq == 2


async def test_rt_logon_with_sequence_too_low_is_refused(kalshi_sim, kalshi_keys):
    store = MemoryStore("rt-client")
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT", store=store) as client:
        await client.wait_logged_on()
        await client.initiator.send("UE", b"")
        await client.wait_for(Deliver)
    await kalshi_sim.wait_disconnected(kalshi_keys.uuid)
    expected = store.seqnums().next_sender  # Logon, UA, Logout: 4
    assert kalshi_sim.store("KalshiRT", kalshi_keys.uuid).seqnums().next_target == expected == 4
    # A client that lost its store (but does not ask for a reset) starts again at 1.
    async with sim_client(
        kalshi_sim, kalshi_keys, "KalshiRT", store=MemoryStore("fresh"), reconnect=False
    ) as client:
        reason = await client.wait_ended()
        assert f"MsgSeqNum too low, expecting {expected} but received 1" in reason


# ---- dropped connections -----------------------------------------------------------------------


async def test_dropped_connection_then_initiator_reconnects_by_itself(kalshi_sim, kalshi_keys):
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT", flags=LogonFlags()) as client:
        await client.wait_logged_on()
        first = kalshi_sim.session(kalshi_keys.uuid, "KalshiRT")
        kalshi_sim.faults.drop_after(1, api_key=kalshi_keys.uuid)
        first.send_message(note("last words"))
        await client.wait_for(
            lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "last words"
        )
        second_on = await client.wait_for(LoggedOn, since=1, timeout=10)
        assert second_on.reset is False
        assert client.initiator.stats.logons == 2 and client.initiator.stats.reconnects >= 1
        assert client.log.of(GapDetected) == []
        second = await kalshi_sim.wait_session(kalshi_keys.uuid, "KalshiRT")
        assert second is not first and second.active and first.closed.is_set()
        assert kalshi_sim.faults.plan(kalshi_keys.uuid).drop_after is None  # fired once


async def test_held_messages_are_delivered_in_order_on_release(kalshi_sim, kalshi_keys):
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT") as client:
        await client.wait_logged_on()
        server = kalshi_sim.session(kalshi_keys.uuid, "KalshiRT")
        kalshi_sim.faults.hold(api_key=kalshi_keys.uuid)
        for text in ("h1", "h2", "h3"):
            server.send_message(note(text))
        assert delivered(client) == []  # nothing was written to the socket
        kalshi_sim.faults.release(api_key=kalshi_keys.uuid)
        await client.wait_for(lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "h3")
        assert [a.message.body[58] for a in delivered(client)] == ["h1", "h2", "h3"]
        assert client.log.of(GapDetected) == []


async def test_sim_stop_logs_clients_out(kalshi_keys):
    sim = Simulator(port_base=0)
    await sim.start()
    sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
    cert = sim.cert_path
    client = sim_client(sim, kalshi_keys, "KalshiNR", reconnect=False)
    async with client:
        await client.wait_logged_on()
        await sim.stop()
        reason = await client.wait_ended()
        assert "simulator stopping" in reason
    assert not cert.exists()  # the generated certificate lived in a temporary directory
