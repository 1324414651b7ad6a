"""The simulator's gateway rules past Logon: rate limit, message-type and listener rules, the
application hook, ports and lifecycle."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fixgw.messages import (
    BusinessMessageReject,
    NewOrderSingle,
    OrderMassCancelRequest,
    default_encoder,
    enums,
)
from fixgw.session import Deliver, FakeClock, LoggedOn, LoggedOut, LogonFlags
from fixgw.sim.server import Simulator, SimulatorError, resolve_ports
from fixgw.testing import RawClient, raw_logon, raw_message, sim_client

ENC = default_encoder()
MASS_CANCEL = OrderMassCancelRequest(
    cl_ord_id="mc-1", mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
)


def j_replies(client) -> list:
    return [a.message for a in client.log.of(Deliver) if a.message.msg_type == "j"]


@pytest.fixture
async def frozen_sim(kalshi_keys):
    """Time stands still on the exchange side: the rate-limit bucket never refills."""
    async with Simulator(port_base=0, clock=FakeClock(datetime.now(UTC))) as sim:
        sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
        yield sim


# ---- rate limit -------------------------------------------------------------------------------


async def test_over_budget_message_gets_business_reject_380_8(frozen_sim, kalshi_keys):
    async with sim_client(frozen_sim, kalshi_keys, "KalshiNR") as client:
        await client.wait_logged_on()
        # Basic: 100 tokens, no burst.  The Logon took 10; nine 10-token messages fit.
        seqs = [
            (await client.initiator.send("q", MASS_CANCEL.encode_body(ENC))).seq for _ in range(10)
        ]
        await client.wait_for(
            lambda a: isinstance(a, Deliver) and a.message.body.get(45) == seqs[-1]
        )
        replies = j_replies(client)
        assert [m.body[380] for m in replies] == [4] * 9 + [8]
        limited = replies[-1]
        assert limited.body[45] == seqs[-1] and limited.body[372] == "q"
        assert "Rate limit exceeded" in limited.body[58]


async def test_test_requests_are_never_charged(frozen_sim, kalshi_keys):
    raw = await _raw_logged_on(frozen_sim, kalshi_keys, "KalshiNR")  # Logon: 10 of 100 tokens
    seq = 2
    for i in range(20):
        await raw.send(raw_message("1", kalshi_keys.uuid, "KalshiNR", seq, [(112, f"t{i}")]))
        hb, seen = await raw.recv_until("0")
        assert hb.body[112] == f"t{i}" and [m.msg_type for m in seen] == ["0"]
        seq += 1
    codes = []
    for _ in range(10):
        await raw.send(raw_message("q", kalshi_keys.uuid, "KalshiNR", seq, MASS_CANCEL.to_fields()))
        rej, _ = await raw.recv_until("j")
        codes.append(rej.body[380])
        seq += 1
    assert codes == [4] * 9 + [8]
    await raw.close()


async def test_logon_counts_against_the_budget(frozen_sim, kalshi_keys):
    for i in range(10):  # 10 Logons x 10 tokens = the whole Basic bucket
        raw = await RawClient.connect(frozen_sim, "KalshiNR")
        await raw.send(raw_logon(kalshi_keys, "KalshiNR"))
        reply = await raw.recv()
        assert reply.msg_type == "A", f"logon {i + 1}"
        await raw.send(raw_message("5", kalshi_keys.uuid, "KalshiNR", 2))
        await raw.recv_until("5")
        await raw.close()
    raw = await RawClient.connect(frozen_sim, "KalshiNR")
    await raw.send(raw_logon(kalshi_keys, "KalshiNR"))
    logout, _ = await raw.recv_until("5")
    assert logout is not None and "Rate limit exceeded" in logout.body[58]
    await raw.close()


async def test_no_rate_limit_when_disabled(kalshi_keys):
    async with Simulator(port_base=0, clock=FakeClock(datetime.now(UTC)), rate_limit=None) as sim:
        sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
        async with sim_client(sim, kalshi_keys, "KalshiNR") as client:
            await client.wait_logged_on()
            for _ in range(15):
                last = await client.initiator.send("q", MASS_CANCEL.encode_body(ENC))
            await client.wait_for(
                lambda a: isinstance(a, Deliver) and a.message.body.get(45) == last.seq
            )
            assert {m.body[380] for m in j_replies(client)} == {4}


# ---- what each session accepts ---------------------------------------------------------------


async def test_null_app_answers_application_not_available(kalshi_sim, kalshi_keys):
    from fixgw.sim.app import NullApp

    kalshi_sim.app = NullApp()  # the session side alone, no exchange behind it
    order = NewOrderSingle(
        cl_ord_id="o-1", order_qty=Decimal(1), ord_type=enums.OrdType.LIMIT, price=Decimal("0.55"),
        side=enums.Side.BUY, symbol="TEST-MKT",
    )  # fmt: skip
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT") as client:
        await client.wait_logged_on()
        sent = await client.initiator.send("D", order.encode_body(ENC))
        d = await client.wait_for(Deliver)
        m = d.message
        assert m.msg_type == "j"
        assert (m.body[45], m.body[372], m.body[380]) == (sent.seq, "D", 4)
        assert m.body[58] == "Application not available"


async def _raw_logged_on(sim, keys, session_type, flags=None) -> RawClient:
    raw = await RawClient.connect(sim, session_type)
    await raw.send(raw_logon(keys, session_type, flags=flags))
    reply = await raw.recv()
    assert reply.msg_type == "A", reply
    return raw


async def test_message_type_not_accepted_on_the_session_gets_380_3(kalshi_sim, kalshi_keys):
    raw = await _raw_logged_on(kalshi_sim, kalshi_keys, "KalshiNR")
    await raw.send(
        raw_message("UE", kalshi_keys.uuid, "KalshiNR", 2)
    )  # RFQCancel is a KalshiRT message
    rej, _ = await raw.recv_until("j")
    assert (rej.body[45], rej.body[372], rej.body[380]) == (2, "UE", 3)
    assert "KalshiNR" in rej.body[58]
    await raw.close()


async def test_listener_session_cannot_send_orders_380_6(kalshi_sim, kalshi_keys):
    flags = LogonFlags(reset_seq_num=True, listener_session=True, skip_pending_exec_reports=True)
    raw = await _raw_logged_on(kalshi_sim, kalshi_keys, "KalshiNR", flags)
    assert kalshi_sim.session(kalshi_keys.uuid).is_listener
    await raw.send(raw_message("q", kalshi_keys.uuid, "KalshiNR", 2, MASS_CANCEL.to_fields()))
    rej, _ = await raw.recv_until("j")
    assert (rej.body[45], rej.body[372], rej.body[380]) == (2, "q", 6)
    assert "listener" in rej.body[58]
    await raw.close()


# ---- the application hook ---------------------------------------------------------------------


class RecordingApp:
    """An async app: echoes each message's ClOrdID back in a BusinessMessageReject text."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.logged_out = asyncio.Event()

    async def on_logon(self, ctx):
        self.events.append(
            ("logon", (ctx.api_key, ctx.session_type, ctx.use_dollars, ctx.peer_flags.use_dollars))
        )

    async def on_message(self, ctx, fm):
        await asyncio.sleep(0)  # a real engine may await; order must still hold
        if fm.body.get(11) == "boom":
            raise RuntimeError("engine bug")
        self.events.append(("message", fm.body.get(11)))
        ctx.send_message(
            BusinessMessageReject(
                ref_seq_num=fm.seq,
                business_reject_reason=enums.BusinessRejectReason.OTHER,
                text=f"echo {fm.body[11]}",
            )
        )

    def on_logout(self, ctx):
        self.events.append(("logout", ctx.api_key))
        self.logged_out.set()


async def test_app_hook_sees_logon_messages_in_order_and_logout(kalshi_keys):
    app = RecordingApp()
    async with Simulator(port_base=0, app=app, rate_limit=None) as sim:
        sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
        async with sim_client(
            sim, kalshi_keys, "KalshiNR", flags=LogonFlags(use_dollars=True)
        ) as client:
            await client.wait_logged_on()
            for i in range(5):
                await client.initiator.send("q", OrderMassCancelRequest(
                    cl_ord_id=f"c{i}", mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
                ).encode_body(ENC))  # fmt: skip
            await client.wait_for(
                lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "echo c4"
            )
            assert [m.body[58] for m in j_replies(client)] == [f"echo c{i}" for i in range(5)]
        await asyncio.wait_for(app.logged_out.wait(), 5)
    assert app.events[0] == ("logon", (kalshi_keys.uuid, "KalshiNR", True, True))
    assert app.events[1:6] == [("message", f"c{i}") for i in range(5)]
    assert app.events[6] == ("logout", kalshi_keys.uuid)


async def test_app_exception_becomes_a_reject_and_the_session_survives(kalshi_keys):
    app = RecordingApp()
    async with Simulator(port_base=0, app=app, rate_limit=None) as sim:
        sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
        async with sim_client(sim, kalshi_keys, "KalshiNR") as client:
            await client.wait_logged_on()
            for cid in ("boom", "after"):
                await client.initiator.send("q", OrderMassCancelRequest(
                    cl_ord_id=cid, mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
                ).encode_body(ENC))  # fmt: skip
            await client.wait_for(
                lambda a: isinstance(a, Deliver) and a.message.body.get(58) == "echo after"
            )
            first = j_replies(client)[0]
            assert first.body[380] == 0 and "RuntimeError" in first.body[58]


async def test_pushing_to_a_client_and_session_lookup(kalshi_sim, kalshi_keys):
    assert kalshi_sim.session(kalshi_keys.uuid) is None
    async with sim_client(
        kalshi_sim, kalshi_keys, "KalshiRT", flags=LogonFlags(use_dollars=True)
    ) as client:
        await client.wait_logged_on()
        server = await kalshi_sim.wait_session(kalshi_keys.uuid, "KalshiRT")
        assert kalshi_sim.session(kalshi_keys.uuid, "KalshiNR") is None
        assert kalshi_sim.sessions() == [server]
        assert server.use_dollars and server.profile.name == "KalshiRT"
        seq = server.send("j", b"45=7\x01380=0\x0158=raw push\x01")
        d = await client.wait_for(Deliver)
        assert d.message.seq == seq and d.message.body[58] == "raw push"
    await kalshi_sim.wait_disconnected(kalshi_keys.uuid)
    assert server.closed.is_set() and not server.active
    with pytest.raises(Exception, match="not logged on"):
        server.send("j", b"45=7\x01380=0\x01")


async def test_test_can_drop_a_client_and_it_reconnects(kalshi_sim, kalshi_keys):
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiRT") as client:
        await client.wait_logged_on()
        first = kalshi_sim.session(kalshi_keys.uuid)
        since = client.log.mark()
        first.drop()
        await client.wait_for(LoggedOn, since=since, timeout=10)
        on_again = await kalshi_sim.wait_session(kalshi_keys.uuid, "KalshiRT")
        assert on_again is not first and on_again.active
        assert client.initiator.stats.logons == 2


async def test_sim_logout_reaches_the_client(kalshi_sim, kalshi_keys):
    async with sim_client(kalshi_sim, kalshi_keys, "KalshiNR", reconnect=False) as client:
        await client.wait_logged_on()
        await kalshi_sim.session(kalshi_keys.uuid).logout("end of day")
        out = await client.wait_for(LoggedOut)
        assert out.text == "end of day"


# ---- ports and lifecycle ----------------------------------------------------------------------


def test_port_base_shifts_all_five_in_kalshi_order():
    names = ["KalshiNR", "KalshiDC", "KalshiRT", "KalshiPT", "KalshiRFQ"]
    assert resolve_ports(names) == dict(zip(names, range(8228, 8233), strict=True))
    assert resolve_ports(names, port_base=19000) == dict(
        zip(names, range(19000, 19005), strict=True)
    )
    assert set(resolve_ports(names, port_base=0).values()) == {0}
    assert resolve_ports(names, {"KalshiRT": 0}, port_base=19000)["KalshiRT"] == 0
    with pytest.raises(ValueError, match="KalshiXX"):
        resolve_ports(names, {"KalshiXX": 1})


async def test_all_listeners_on_distinct_free_ports(kalshi_sim):
    ports = kalshi_sim.ports
    assert list(ports) == ["KalshiNR", "KalshiDC", "KalshiRT", "KalshiPT", "KalshiRFQ"]
    assert len(set(ports.values())) == 5 and all(p > 0 for p in ports.values())
    ep = kalshi_sim.endpoint("KalshiPT")
    assert (ep.host, ep.port, ep.pinned_cert) == (
        "127.0.0.1",
        ports["KalshiPT"],
        str(kalshi_sim.cert_path),
    )
    with pytest.raises(ValueError, match="KalshiXX"):
        kalshi_sim.endpoint("KalshiXX")


async def test_port_in_use_names_the_listener(kalshi_sim):
    busy = kalshi_sim.ports["KalshiRT"]
    other = Simulator(ports={"KalshiRT": busy}, session_types=["KalshiRT"])
    with pytest.raises(SimulatorError, match=f"KalshiRT on 127.0.0.1:{busy}"):
        await other.start()
