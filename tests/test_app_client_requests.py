"""KalshiClient requests without a network: answers, timeouts (one watchdog for all requests),
bookkeeping left behind, and the ClOrdIDs it makes."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from fixgw.app import ClientConfig, KalshiClient, new_cl_ord_id
from fixgw.app.errors import ListenerSessionError, NotLoggedOn, OrderRejected
from fixgw.messages import ExecutionReport, OrderCancelRequest, default_decoder, enums
from fixgw.session import LogonFlags, SendBytes
from fixgw.session.events import Deliver
from fixgw.transport import Endpoint

D = Decimal
ET = enums.ExecType
OS = enums.OrdStatus
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class FakeInitiator:
    """The transport, minus the network: a send stores the message (numbering it) and is
    recorded; nothing answers unless the test delivers a report."""

    def __init__(self, client: KalshiClient) -> None:
        self.client = client
        self.logged_on = asyncio.Event()
        self.logged_on.set()
        self.sent: list[tuple[int, str, bytes]] = []
        self.changed = asyncio.Event()

    async def send(self, msg_type: str, body: bytes) -> SendBytes:
        store = self.client.store
        seq = store.seqnums().next_sender
        store.store_outbound(seq, msg_type, body, NOW)
        self.sent.append((seq, msg_type, body))
        self.changed.set()
        return SendBytes(body, seq, msg_type)

    async def wait_sent(self, n: int) -> None:
        while len(self.sent) < n:
            self.changed.clear()
            await self.changed.wait()

    async def stop(self, text: str | None = None) -> None:
        self.logged_on.clear()


def _client(**flags: Any) -> tuple[KalshiClient, FakeInitiator]:
    kc = KalshiClient(
        ClientConfig("KalshiNR", "k", Endpoint("127.0.0.1", 1), flags=LogonFlags(use_dollars=True, **flags))
    )
    fake = FakeInitiator(kc)
    kc.initiator = fake  # type: ignore[assignment]
    return kc, fake


def _sent_cl_ord_id(body: bytes) -> str:
    fields = dict(f.split(b"=", 1) for f in body.rstrip(b"\x01").split(b"\x01"))
    return fields[b"11"].decode()


def _deliver(kc: KalshiClient, seq: int, cl: str, exec_type: ET, status: OS, **kw: Any) -> None:
    er = ExecutionReport(
        avg_px=D(0), cl_ord_id=cl, cum_qty=D(0), exec_id=f"7;{seq}", order_id=f"O-{cl}", order_qty=D(2),
        ord_status=status, side=enums.Side.BUY, symbol="MKT", exec_type=exec_type, leaves_qty=D(2) if status is OS.NEW else D(0),
        price=D("0.40"), **kw,
    )  # fmt: skip
    raw = er.to_fix(sender_comp_id="KalshiNR", target_comp_id="k", msg_seq_num=seq, sending_time=NOW)
    kc._on_action(Deliver(default_decoder().decode(raw)))


def _no_waiters(kc: KalshiClient) -> bool:
    return not kc._waiters_by_clordid and not kc._waiters_by_seq and not kc._deadlines


async def test_place_order_returns_the_acknowledged_order_and_forgets_the_request() -> None:
    kc, fake = _client()
    task = asyncio.create_task(kc.place_order("MKT", enums.Side.BUY, D(2), D("0.40"), cl_ord_id="o1"))
    await fake.wait_sent(1)
    assert fake.sent[0][1] == "D" and _sent_cl_ord_id(fake.sent[0][2]) == "o1"
    assert kc.orders.find("o1").status is OS.PENDING_NEW  # tracked before it was sent
    _deliver(kc, 2, "o1", ET.NEW, OS.NEW)
    order = await task
    assert order.status is OS.NEW and order.order_id == "O-o1"
    assert _no_waiters(kc)
    await kc.close()
    assert kc._watchdog is None


async def test_rejected_order_raises_on_the_call_that_sent_it() -> None:
    kc, fake = _client()
    task = asyncio.create_task(kc.place_order("MKT", enums.Side.BUY, D(2), D("0.40")))
    await fake.wait_sent(1)
    cl = _sent_cl_ord_id(fake.sent[0][2])
    _deliver(kc, 2, cl, ET.REJECTED, OS.REJECTED, text="no")
    with pytest.raises(OrderRejected):
        await task
    assert kc.orders.find(cl).status is OS.REJECTED and _no_waiters(kc)
    await kc.close()


async def test_unanswered_request_times_out_and_leaves_nothing_behind() -> None:
    kc, fake = _client()
    with pytest.raises(TimeoutError, match="no answer within the request timeout"):
        await kc.place_order("MKT", enums.Side.BUY, D(2), D("0.40"), cl_ord_id="late", timeout=0.001)
    assert _no_waiters(kc)
    assert kc.orders.find("late").status is OS.PENDING_NEW  # the outcome is unknown, not failed
    # a second request arms the watchdog again and is answered normally
    task = asyncio.create_task(kc.place_order("MKT", enums.Side.BUY, D(2), D("0.40"), cl_ord_id="next"))
    await fake.wait_sent(2)
    _deliver(kc, 2, "next", ET.NEW, OS.NEW)
    assert (await task).status is OS.NEW and _no_waiters(kc)
    await kc.close()


async def test_watchdog_expires_only_due_requests_and_rearms_for_the_earliest_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kc, _ = _client()
    loop = asyncio.get_running_loop()
    t0 = loop.time()  # the watchdog runs on this (frozen) clock; the test fires it by hand
    now = [t0]
    monkeypatch.setattr(loop, "time", lambda: now[0])
    futs = {t: loop.create_future() for t in (5.0, 1.0, 3.0)}
    kc._add_deadline(loop, futs[5.0], 5.0)
    assert kc._watchdog_at == t0 + 5.0
    kc._add_deadline(loop, futs[1.0], 1.0)
    assert kc._watchdog_at == t0 + 1.0  # an earlier deadline re-arms
    kc._add_deadline(loop, futs[3.0], 3.0)
    assert kc._watchdog_at == t0 + 1.0  # a later one does not

    now[0] = t0 + 1.5
    kc._expire_due()
    assert isinstance(futs[1.0].exception(), TimeoutError)
    assert not futs[3.0].done() and not futs[5.0].done()
    assert kc._watchdog_at == t0 + 3.0 and set(kc._deadlines) == {futs[3.0], futs[5.0]}

    futs[3.0].set_result("answered")  # answered in time: the request forgets its deadline
    del kc._deadlines[futs[3.0]]
    now[0] = t0 + 4.0
    kc._expire_due()  # nothing due: re-armed for the last one
    assert not futs[5.0].done() and kc._watchdog_at == t0 + 5.0

    now[0] = t0 + 5.0
    kc._expire_due()
    assert isinstance(futs[5.0].exception(), TimeoutError)
    assert kc._deadlines == {} and kc._watchdog is None  # nothing left: not re-armed
    await kc.close()


async def test_cancel_is_checked_before_it_is_tracked() -> None:
    kc, fake = _client()
    task = asyncio.create_task(kc.place_order("MKT", enums.Side.BUY, D(2), D("0.40"), cl_ord_id="o1"))
    await fake.wait_sent(1)
    _deliver(kc, 2, "o1", ET.NEW, OS.NEW)
    await task
    fake.logged_on.clear()
    with pytest.raises(NotLoggedOn):
        await kc.cancel("o1", new_cl_ord_id_="c1")
    assert kc.orders.find("c1") is None and kc.orders.find("o1").status is OS.NEW  # never tracked
    with pytest.raises(NotLoggedOn):
        await kc.place_order("MKT", enums.Side.BUY, D(2), D("0.40"), cl_ord_id="o2")
    assert kc.orders.find("o2") is None and len(fake.sent) == 1
    await kc.close()


async def test_listener_session_refuses_orders_before_tracking_them() -> None:
    kc, fake = _client(listener_session=True, skip_pending_exec_reports=True)
    with pytest.raises(ListenerSessionError):
        await kc.place_order("MKT", enums.Side.BUY, D(2), D("0.40"), cl_ord_id="o1")
    assert kc.orders.find("o1") is None and fake.sent == []
    req = OrderCancelRequest(cl_ord_id="c1", orig_cl_ord_id="o1", side=enums.Side.BUY, symbol="MKT")
    with pytest.raises(ListenerSessionError):
        await kc.request(req, key="c1")  # the public path checks too
    assert _no_waiters(kc)
    await kc.close()


# ---- ClOrdIDs ------------------------------------------------------------------------------------


def test_new_cl_ord_id_is_a_random_uuid4_in_text_form() -> None:
    ids = [new_cl_ord_id() for _ in range(500)]  # several batches of the pool
    assert len(set(ids)) == len(ids)
    for s in ids:
        u = uuid.UUID(s)
        assert str(u) == s and u.version == 4 and u.variant == uuid.RFC_4122
    # the random digits are random: every hex digit shows up in the first position
    assert len({s[0] for s in ids}) == 16


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_does_not_reuse_the_parents_pending_ids() -> None:
    new_cl_ord_id()  # the pool now holds ids made ahead
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.write(w, new_cl_ord_id().encode())
        finally:
            os._exit(0)
    os.close(w)
    parent_next = new_cl_ord_id()
    child_first = os.read(r, 100).decode()
    os.close(r)
    os.waitpid(pid, 0)
    assert uuid.UUID(child_first).version == 4
    assert child_first != parent_next
