"""Our client against the simulator over real TLS: Logon accepted, and every way it is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fixgw.codec import RejectReason
from fixgw.crypto.signature import sign_logon
from fixgw.session import Deliver, LoggedOn, LoggedOut, LogonFlags, State, SystemClock
from fixgw.testing import RawClient, client_session, raw_logon, raw_message, sim_client

ALL_TYPES = ["KalshiNR", "KalshiDC", "KalshiRT", "KalshiPT", "KalshiRFQ"]


class OffsetClock:
    """The system clock, off by ``seconds`` (a client whose NTP is broken)."""

    def __init__(self, seconds: float) -> None:
        self._base = SystemClock()
        self._offset = timedelta(seconds=seconds)

    def now(self) -> datetime:
        return self._base.now() + self._offset

    def monotonic(self) -> float:
        return self._base.monotonic()


def rejects(client) -> list:
    return [a.message for a in client.log.of(Deliver) if a.message.msg_type == "3"]


@pytest.mark.parametrize("session_type", ALL_TYPES)
async def test_logon_accepted_on_every_session_type(kalshi_sim, kalshi_keys, session_type):
    async with sim_client(kalshi_sim, kalshi_keys, session_type) as client:
        logged_on = await client.wait_for(LoggedOn)
        assert client.session.state is State.ACTIVE
        retrans = session_type in ("KalshiRT", "KalshiPT")
        # NR/DC/RFQ: our client sent 141=Y and the exchange echoed it; RT/PT: no reset asked.
        assert logged_on.reset is (not retrans)
        assert logged_on.logon.body.get(141) is (None if retrans else True)
        server = kalshi_sim.session(kalshi_keys.uuid, session_type)
        assert server is not None and server.active
        assert server.peer_flags.reset_seq_num is (None if retrans else True)
        assert server.session.heartbeat_interval == 30
        assert (
            kalshi_sim.session(
                kalshi_keys.uuid, "KalshiDC" if session_type != "KalshiDC" else "KalshiNR"
            )
            is None
        )
    await kalshi_sim.wait_disconnected(kalshi_keys.uuid)
    assert kalshi_sim.session(kalshi_keys.uuid) is None


async def test_bad_signature_is_rejected_373_8_then_logout(kalshi_sim, kalshi_keys):
    key = kalshi_keys.private_key
    session = client_session(
        kalshi_keys, "KalshiRT", signer=lambda pre: sign_logon(key, pre + b"tampered")
    )
    async with sim_client(
        kalshi_sim, kalshi_keys, "KalshiRT", session=session, reconnect=False
    ) as client:
        out = await client.wait_for(LoggedOut)
        [rej] = rejects(client)
        assert rej.body[373] == RejectReason.SIGNATURE_PROBLEM
        assert rej.body[371] == 96 and rej.body[372] == "A"
        assert "Signature problem" in out.text
        await client.wait_ended()
    assert kalshi_sim.session(kalshi_keys.uuid) is None


async def test_stale_sending_time_is_rejected_373_10(kalshi_sim, kalshi_keys):
    client = sim_client(
        kalshi_sim, kalshi_keys, "KalshiRT", clock=OffsetClock(-45), reconnect=False
    )
    async with client:
        out = await client.wait_for(LoggedOut)
        [rej] = rejects(client)
        assert rej.body[373] == RejectReason.SENDING_TIME_ACCURACY
        assert rej.body[371] == 52
        assert "30 s" in out.text


async def test_sending_time_within_30_seconds_is_accepted(kalshi_sim, kalshi_keys):
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT", clock=OffsetClock(-20)) as client:
        await client.wait_for(LoggedOn)


async def test_wrong_target_comp_id_is_rejected_373_9(kalshi_sim, kalshi_keys):
    # A KalshiRT client dialling the KalshiNR port.
    session = client_session(kalshi_keys, "KalshiRT")
    async with sim_client(
        kalshi_sim, kalshi_keys, "KalshiNR", session=session, reconnect=False
    ) as client:
        out = await client.wait_for(LoggedOut)
        [rej] = rejects(client)
        assert rej.body[373] == RejectReason.COMPID_PROBLEM
        assert rej.body[371] == 56
        assert "KalshiNR" in out.text and "KalshiRT" in out.text


async def test_unknown_api_key_is_rejected_373_9(kalshi_sim, kalshi_keys):
    stranger = kalshi_keys._replace(uuid=str(uuid.uuid4()))  # validly signed, never registered
    async with sim_client(kalshi_sim, stranger, "KalshiNR", reconnect=False) as client:
        out = await client.wait_for(LoggedOut)
        [rej] = rejects(client)
        assert rej.body[373] == RejectReason.COMPID_PROBLEM and rej.body[371] == 49
        assert stranger.uuid in out.text


async def test_nr_logon_without_reset_flag_is_refused(kalshi_sim, kalshi_keys):
    raw = await RawClient.connect(kalshi_sim, "KalshiNR")
    await raw.send(raw_logon(kalshi_keys, "KalshiNR", flags=LogonFlags()))
    logout, _ = await raw.recv_until("5")
    assert logout is not None
    assert "ResetSeqNumFlag (141) must be Y on KalshiNR" in logout.body[58]
    assert await raw.recv() is None  # and the connection is closed
    await raw.close()


async def test_rt_logon_without_reset_flag_is_accepted(kalshi_sim, kalshi_keys):
    raw = await RawClient.connect(kalshi_sim, "KalshiRT")
    await raw.send(raw_logon(kalshi_keys, "KalshiRT", flags=LogonFlags()))
    reply = await raw.recv()
    assert reply.msg_type == "A" and 141 not in reply.body
    await raw.close()


@pytest.mark.parametrize(
    ("session_type", "flags", "expected"),
    [
        ("KalshiDC", LogonFlags(reset_seq_num=True, listener_session=True, skip_pending_exec_reports=True),
         "ListenerSession (20126) is only valid on KalshiNR and KalshiRT, not KalshiDC"),
        ("KalshiNR", LogonFlags(reset_seq_num=True, listener_session=True),
         "requires SkipPendingExecReports (21011=Y)"),
        ("KalshiNR", LogonFlags(reset_seq_num=True, message_retention_period=24),
         "MessageRetentionPeriod (20200) is only valid on KalshiRT and KalshiPT"),
        ("KalshiRT", LogonFlags(message_retention_period=73), "it must be 1-72 hours"),
    ],
)  # fmt: skip
async def test_invalid_logon_flags_are_refused_with_the_rule(
    kalshi_sim, kalshi_keys, session_type, flags, expected
):
    raw = await RawClient.connect(kalshi_sim, session_type)
    await raw.send(raw_logon(kalshi_keys, session_type, flags=flags))
    logout, seen = await raw.recv_until("5")
    assert logout is not None and [m.msg_type for m in seen] == ["5"]  # a Logout, no Reject
    assert expected in logout.body[58]
    await raw.close()
    assert kalshi_sim.session(kalshi_keys.uuid) is None


async def test_heartbeat_interval_of_3_is_refused(kalshi_sim, kalshi_keys):
    raw = await RawClient.connect(kalshi_sim, "KalshiNR")
    await raw.send(raw_logon(kalshi_keys, "KalshiNR", heartbeat_interval=3))
    logout, _ = await raw.recv_until("5")
    assert "HeartBtInt (108) is 3" in logout.body[58]
    await raw.close()


async def test_second_connection_with_the_same_key_gets_already_exists(kalshi_sim, kalshi_keys):
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT") as first:
        await first.wait_logged_on()
        # Same key on another session type: one connection per API key across the gateway.
        async with sim_client(kalshi_sim, kalshi_keys, "KalshiNR", reconnect=False) as second:
            out = await second.wait_for(LoggedOut)
            assert out.text == "already exists"
            await second.wait_ended()
        assert second.initiator.stats.last_logout_text == "already exists"
        # The first connection is untouched.
        assert kalshi_sim.session(kalshi_keys.uuid, "KalshiRT").active
        assert first.session.state is State.ACTIVE
    # Once the first has logged out, the key is free again.
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiNR") as third:
        await third.wait_for(LoggedOn)


async def test_logon_split_across_two_tls_writes_at_every_offset(kalshi_sim, kalshi_keys):
    kalshi_sim.rate_limiter = None  # hundreds of Logons a second would be over any budget
    now = datetime.now(UTC)
    logon = raw_logon(kalshi_keys, "KalshiNR", sending_time=now)
    assert b"\x0196=" in logon
    for cut in range(1, len(logon)):
        raw = await RawClient.connect(kalshi_sim, "KalshiNR")
        await raw.send(logon[:cut], logon[cut:])
        reply = await raw.recv()
        assert reply is not None and reply.msg_type == "A", f"split at byte {cut}: got {reply}"
        await raw.send(raw_message("5", kalshi_keys.uuid, "KalshiNR", 2, sending_time=now))
        bye, _ = await raw.recv_until("5")
        assert bye is not None, f"split at byte {cut}: no Logout reply"
        await raw.close()
