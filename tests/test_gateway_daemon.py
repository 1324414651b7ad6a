"""The gateway daemon against the simulator over TLS: several sessions that recover on their
own, the strategy hook, and what the journal keeps (everything, minus the Logon signature)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import gateway_harness as h
import pytest
from gateway_harness import Spec

from fixgw.gateway.config import load_config
from fixgw.gateway.daemon import Gateway, GatewayError, load_strategy
from fixgw.gateway.journal_sqlite import SqliteJournal
from fixgw.messages import ExecutionReport, Message, enums

gwenv = h.gwenv
key_pool = h.key_pool
BUY, SELL, D = h.BUY, h.SELL, h.D
TESTS = Path(__file__).resolve().parent


# ---- sessions --------------------------------------------------------------------------------


async def test_sessions_recover_independently(gwenv: h.GwEnv) -> None:
    specs = (*h.THREE, Spec("ghost", "KalshiNR", "ghost", register=False))
    gw = await gwenv.gateway(specs, wait=["rt", "nr", "dc"])
    rt, nr, dc, ghost = (gw.sessions[n].client for n in ("rt", "nr", "dc", "ghost"))

    # a key the exchange does not know: refused again and again, the others unaffected
    await h.wait_until(lambda: ghost.initiator.stats.reconnects >= 3, what="ghost retried 3 times")
    assert not ghost.logged_on and ghost.logon_count == 0
    assert "not a registered API key" in (ghost.initiator.stats.last_logout_text or "")
    assert rt.logged_on and nr.logged_on and dc.logged_on

    # the exchange drops RT's connection (no Logout) right after a fill report: RT comes back
    # by itself, the others never notice
    bid = await gw.place_order("rt", h.MKT, BUY, D(2), D("0.45"))
    gwenv.sim.faults.drop_after(1, api_key=gwenv.uuid("rt"))
    gwenv.seed(SELL, 2, "0.45")  # trades with RT's bid: the report is the last message sent
    await h.wait_until(lambda: rt.logon_count == 2 and rt.logged_on, what="RT logged on again")
    assert (nr.logon_count, dc.logon_count) == (1, 1)
    assert nr.initiator.stats.reconnects == 0 and dc.initiator.stats.reconnects == 0
    assert nr.logged_on and dc.logged_on
    await h.wait_until(lambda: rt.orders.find(bid.cl_ord_id).status is enums.OrdStatus.FILLED, what="bid filled")

    status = {s["name"]: s for s in gw.status()}
    assert status["rt"]["logged_on"] and status["rt"]["reconnects"] == 1 and status["rt"]["logons"] == 2
    assert not status["ghost"]["logged_on"] and status["ghost"]["reconnects"] >= 3
    assert status["nr"]["reconnects"] == 0 and status["nr"]["logons"] == 1

    # RT kept its sequence numbers across the reconnect and still trades
    assert status["rt"]["next_sender_seq"] > 3
    gwenv.seed(SELL, 5, "0.55")
    order = await gw.place_order("rt", h.MKT, BUY, D(2), D("0.56"))
    assert order.status is enums.OrdStatus.FILLED
    assert gw.positions("rt") == {h.MKT: D(4)}


async def test_stop_logs_out_every_session_once(gwenv: h.GwEnv) -> None:
    gw = await gwenv.gateway()
    await gw.stop()
    await gw.stop()  # idempotent
    for key in ("rt", "nr", "dc"):
        await gwenv.sim.wait_disconnected(gwenv.uuid(key))
    out = h.journal_rows(gwenv.journal_path, "direction = 'out' AND msg_type = '5'")
    assert sorted(r["text"] for r in out) == ["gateway stopping"] * 3
    assert len({r["session_id"] for r in out}) == 3


# ---- strategy hook ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [f"{TESTS / 'gateway_strategy.py'}:RecordingStrategy", "gateway_strategy:RecordingStrategy"])
async def test_strategy_gets_typed_messages_and_trades_through_the_gateway(gwenv: h.GwEnv, spec: str) -> None:
    strategy = load_strategy(spec)
    gw = await gwenv.gateway(h.THREE[:2], strategy=strategy)
    assert strategy.gateway is gw  # on_start
    gwenv.seed(SELL, 5, "0.55")
    order = await gw.place_order("rt", h.MKT, BUY, D(2), D("0.56"))
    assert order.status is enums.OrdStatus.FILLED

    await h.wait_until(strategy.hedged.is_set, what="the strategy's hedge")
    assert strategy.errors == []
    (hedge,) = strategy.hedges
    assert (hedge.side, hedge.order_qty, hedge.price, hedge.status) == (SELL, D(2), D("0.70"), enums.OrdStatus.NEW)
    # the hedge really went out on NR and rests at the exchange
    open_at_exchange = gwenv.app.engine.open_orders(gwenv.uuid("nr"))
    assert [(o.cl_ord_id, o.price) for o in open_at_exchange] == [(hedge.cl_ord_id, D("0.70"))]

    trades = [s for s in strategy.seen if isinstance(s.message, ExecutionReport)]
    assert all(isinstance(s.message, Message) for s in strategy.seen)
    fill = next(s.message for s in trades if s.session == "rt" and s.message.exec_type is enums.ExecType.TRADE)
    assert (fill.cl_ord_id, fill.last_qty, fill.last_px) == (order.cl_ord_id, D(2), D("0.55"))
    assert isinstance(fill.last_px, D) and fill.side is BUY
    # the hedge's own reports come back to the strategy from NR
    await h.wait_until(
        lambda: any(s.session == "nr" and getattr(s.message, "cl_ord_id", None) == hedge.cl_ord_id for s in strategy.seen),
        what="the hedge's report from NR",
    )

    await gw.stop()
    assert strategy.stopped
    sent = h.journal_rows(gwenv.journal_path, "direction = 'out' AND msg_type = 'D' AND cl_ord_id = ?", (hedge.cl_ord_id,))
    assert len(sent) == 1 and sent[0]["session_id"] == f"KalshiNR:{gwenv.uuid('nr')}"


async def test_a_failing_strategy_keeps_getting_messages(gwenv: h.GwEnv) -> None:
    strategy = load_strategy("gateway_strategy:FlakyStrategy")
    gw = await gwenv.gateway(h.THREE[:2], strategy=strategy)
    gwenv.seed(SELL, 5, "0.55")
    await gw.place_order("rt", h.MKT, BUY, D(2), D("0.56"))
    await h.wait_until(strategy.hedged.is_set, what="the hedge after the strategy's first failure")
    assert len(strategy.seen) >= 2 and strategy.hedges


async def test_a_strategy_failing_on_start_does_not_stop_the_gateway(
    gwenv: h.GwEnv, caplog: pytest.LogCaptureFixture
) -> None:
    strategy = load_strategy("gateway_strategy:FailsOnStart")
    gw = await gwenv.gateway(h.THREE[:2], strategy=strategy)
    assert "strategy on_start failed" in caplog.text and "strategy cannot start" in caplog.text
    gwenv.seed(SELL, 5, "0.55")
    await gw.place_order("rt", h.MKT, BUY, D(2), D("0.56"))
    await h.wait_until(strategy.hedged.is_set, what="messages still reach the strategy")


def test_load_strategy_errors(tmp_path: Path) -> None:
    def err(spec: str) -> str:
        with pytest.raises(GatewayError) as ei:
            load_strategy(spec)
        text = str(ei.value)
        assert "\n" not in text and spec in text
        return text

    assert "expected module:Class or file.py:Class" in err("gateway_strategy")
    assert "expected module:Class or file.py:Class" in err("gateway_strategy:")
    assert "gateway_strategy has no Missing" in err("gateway_strategy:Missing")
    assert "no such file" in err(f"{tmp_path / 'nope.py'}:X")
    assert "cannot import no_such_module_for_fixgw" in err("no_such_module_for_fixgw:X")
    bad = tmp_path / "broken.py"
    bad.write_text("class Broken:\n    def on_start(self\n")
    text = err(f"{bad}:Broken")
    assert re.search(rf"{re.escape(str(bad))}:2: ", text), text
    boom = tmp_path / "boom.py"
    boom.write_text("raise RuntimeError('no config for the strategy')\n")
    assert "RuntimeError: no config for the strategy" in err(f"{boom}:X")
    assert "NeedsArguments" in err("gateway_strategy:NeedsArguments")


# ---- journal -----------------------------------------------------------------------------------


class TeeJournal:
    """The real journal, plus every whole frame as the gateway handed it over (unredacted)."""

    def __init__(self, inner: SqliteJournal) -> None:
        self.inner = inner
        self.frames: list[tuple[str, str, bytes]] = []

    def record_message(self, session_id: str, direction: str, raw: bytes, at: datetime) -> None:
        self.frames.append((session_id, direction, bytes(raw)))
        self.inner.record_message(session_id, direction, raw, at)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _seq(raw: bytes) -> int:
    m = re.search(rb"\x0134=(\d+)\x01", raw)
    assert m is not None
    return int(m.group(1))


def _files_containing(directory: Path, needle: bytes) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.is_file() and needle in p.read_bytes())


async def test_journal_has_every_message_and_order_state_but_no_signature(gwenv: h.GwEnv) -> None:
    cfg = load_config(gwenv.write_config())
    tee = TeeJournal(SqliteJournal(cfg.journal_path))
    gw = Gateway(cfg, journal=tee)  # type: ignore[arg-type]
    gwenv.gateways.append(gw)
    await gw.start()
    await gw.wait_logged_on(10)
    gwenv.seed(SELL, 5, "0.55")
    filled = await gw.place_order("rt", h.MKT, BUY, D(3), D("0.56"))
    resting = await gw.place_order("nr", h.MKT, BUY, D(2), D("0.40"))
    canceled = await gw.cancel("nr", resting.cl_ord_id)
    assert canceled.status is enums.OrdStatus.CANCELED

    signatures = [
        m.group(1)
        for _, d, raw in tee.frames
        if d == "out" and b"\x0135=A\x01" in raw
        for m in [re.search(rb"\x0196=([^\x01]+)\x01", raw)]
        if m is not None
    ]
    assert len(signatures) == 3 and all(len(s) > 300 for s in signatures)  # base64 RSA-PSS
    tee.flush()  # committed to the WAL while the gateway runs
    state = gwenv.state_dir
    for sig in signatures:
        assert _files_containing(state, sig) == []
    await gw.stop()
    for sig in signatures:
        assert _files_containing(state, sig) == []

    # every frame that crossed the wire is in the journal, in order, with gap-free seqs
    rows = h.journal_rows(gwenv.journal_path)
    got = [(r["session_id"], r["direction"], r["seq"]) for r in rows]
    want = [(s, d, _seq(raw)) for s, d, raw in tee.frames]
    assert got == want
    for sid in {s for s, _, _ in want}:
        for d in ("in", "out"):
            seqs = [q for s, dd, q in got if s == sid and dd == d]
            assert seqs == list(range(1, len(seqs) + 1)), (sid, d, seqs)
    logons = [r for r in rows if r["msg_type"] == "A" and r["direction"] == "out"]
    assert len(logons) == 3 and all(r["redacted"] == 1 and b"\x0196=" not in r["raw"] for r in logons)
    types = {(r["direction"], r["msg_type"]) for r in rows}
    assert {("out", "A"), ("in", "A"), ("out", "D"), ("in", "8"), ("out", "F"), ("out", "5"), ("in", "5")} <= types

    j = SqliteJournal(gwenv.journal_path, writer_thread=False)
    try:
        orders = {o["cl_ord_id"]: o for o in j.orders()}
        msgs, states = j.order_history(filled.cl_ord_id)
        assert [s["status"] for s in states][-1] == "FILLED"
        assert {m.msg_type for m in msgs} == {"D", "8"}
        msgs, states = j.order_history(resting.cl_ord_id)
        statuses = [s["status"] for s in states]
        assert "NEW" in statuses and statuses[-1] == "CANCELED"
        assert statuses.index("NEW") < statuses.index("CANCELED")
        assert {"D", "F", "8"} <= {m.msg_type for m in msgs}
    finally:
        j.close()
    assert orders[filled.cl_ord_id]["status"] == "FILLED" and orders[filled.cl_ord_id]["cum_qty"] == "3.00"
    by_chain = {c: o for o in orders.values() for c in o["chain"]}
    assert by_chain[resting.cl_ord_id]["status"] == "CANCELED" and not by_chain[resting.cl_ord_id]["open"]
