"""``fixgw dropcopy replay`` end to end: a gateway trades on the simulator, then the CLI replays
the account's execution reports from KalshiDC, resumes, bounds, and reconciles with the journal."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import gateway_harness as h

from fixgw.gateway.replay import load_replay_file

gwenv = h.gwenv
key_pool = h.key_pool
BUY, SELL, D = h.BUY, h.SELL, h.D


async def trade_through_gateway(env: h.GwEnv) -> list[str]:
    """RT and NR trade for one account (DC follows it); returns the journal's ExecIDs, in order."""
    env.link("nr", "rt")
    env.link("dc", "rt")
    gw = await env.gateway()
    env.seed(SELL, 10, "0.55")
    await gw.place_order("rt", h.MKT, BUY, D(3), D("0.56"))  # fills on entry
    await gw.place_order("nr", h.MKT, BUY, D(2), D("0.56"))  # fills on entry
    rest = await gw.place_order("rt", h.MKT, BUY, D(4), D("0.40"))
    await gw.place_order("nr", h.MKT, BUY, D(1), D("0.35"))
    await gw.cancel("rt", rest.cl_ord_id)
    recorder = gw.sessions["nr"].client.orders
    env.seed(SELL, 1, "0.35")  # fills NR's resting bid: an unsolicited report
    await h.wait_until(lambda: not recorder.open_orders(), what="NR's bid filled")
    await gw.stop()
    rows = h.journal_rows(env.journal_path, "direction = 'in' AND msg_type = '8' AND exec_id <> '-1;-1'")
    return [r["exec_id"] for r in rows]


def account_ids(env: h.GwEnv, begin: str) -> list[str]:
    from fixgw.sim.exchange.ids import ExecId

    hist = env.app.engine.history
    return [str(e.exec_id) for e in hist.query(env.clock.now(), ExecId.parse(begin), account=env.uuid("rt"))]


def ids_in(path: Path) -> list[str]:
    return [r["exec_id"] for r in load_replay_file(path)]


async def test_replay_resume_bound_and_reconcile(gwenv: h.GwEnv, tmp_path: Path) -> None:
    journal_ids = await trade_through_gateway(gwenv)
    first = journal_ids[0]
    expected = account_ids(gwenv, first)
    assert set(journal_ids) <= set(expected) and len(journal_ids) >= 5
    cfg = str(gwenv.dir / "gateway.toml")
    out = tmp_path / "dc.jsonl"

    r = await h.run_cli_async(["dropcopy", "replay", "--config", cfg, "--from", first, "--chunk", "2", "--out", str(out)])
    assert r.code == 0, r.err
    assert ids_in(out) == expected  # each report once, in ExecID order
    assert f"{len(expected)} new execution reports written to {out}" in r.out
    assert f"last ExecID {expected[-1]}" in r.out
    progress = r.err.splitlines()
    assert progress and all(line.startswith("chunks ") for line in progress)  # not a tty: plain lines
    assert "\r" not in r.err

    # again, without --from: resumes from the cursor, writes nothing
    before = out.read_bytes()
    r = await h.run_cli_async(["dropcopy", "replay", "--config", cfg, "--chunk", "2", "--out", str(out)])
    assert r.code == 0, r.err
    assert "0 new execution reports" in r.out and f"last ExecID {expected[-1]}" in r.out
    assert out.read_bytes() == before

    # --to bounds the range
    bounded = tmp_path / "bounded.jsonl"
    r = await h.run_cli_async(
        ["dropcopy", "replay", "--config", cfg, "--from", first, "--to", expected[2], "--chunk", "2", "--out", str(bounded)]
    )
    assert r.code == 0, r.err
    assert ids_in(bounded) == expected[:3]

    # reconcile with the gateway's journal: clean
    r = await h.run_cli_async(["dropcopy", "replay", "--config", cfg, "--out", str(out), "--reconcile"])
    assert r.code == 0, r.out + r.err
    assert "reconciled: journal and exchange agree" in r.out
    assert "missing" not in r.out

    # a journal that lost one report: the reconcile names it and fails
    lost = journal_ids[1]
    copy = tmp_path / "journal-copy.sqlite"
    shutil.copy(gwenv.journal_path, copy)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("DELETE FROM messages WHERE exec_id = ?", (lost,)).rowcount == 1
    cfg2 = tmp_path / "copy.toml"
    cfg2.write_text(gwenv.config_text(journal=copy))
    r = await h.run_cli_async(["dropcopy", "replay", "--config", str(cfg2), "--out", str(out), "--reconcile"])
    assert r.code == 1
    assert f"missing in journal: {lost}" in r.out.splitlines()
    assert "reconcile: 1 missing in journal, 0 unknown to the exchange" in r.out


async def test_begin_outside_the_lookback_window_exits_1_with_one_line(gwenv: h.GwEnv, tmp_path: Path) -> None:
    journal_ids = await trade_through_gateway(gwenv)
    gwenv.clock.advance(timedelta(hours=3, minutes=1))  # the exchange forgets the morning
    gwenv.seed(SELL, 1, "0.90", account=gwenv.uuid("rt"))
    out = tmp_path / "late.jsonl"
    r = await h.run_cli_async(
        ["dropcopy", "replay", "--config", str(gwenv.dir / "gateway.toml"), "--from", journal_ids[0], "--out", str(out)]
    )
    assert r.code == 1
    err = [line for line in r.err.splitlines() if not line.startswith("chunks ")]
    assert len(err) == 1
    assert err[0].startswith("fixgw: EventResendReject (35=U3) 21004=3: BeginExecID is outside the 3-hour lookback window")
    assert journal_ids[0] in err[0]
    assert not out.exists() or ids_in(out) == []


async def test_dc_key_already_connected_and_bad_arguments(gwenv: h.GwEnv, tmp_path: Path) -> None:
    await gwenv.gateway()  # holds the DC key: Kalshi allows one connection per API key
    cfg = str(gwenv.dir / "gateway.toml")
    r = await h.run_cli_async(["dropcopy", "replay", "--config", cfg, "--from", "1;1", "--out", str(tmp_path / "o.jsonl"), "--timeout", "5"])
    assert r.code == 2
    assert len(r.err.splitlines()) == 1
    assert r.err.startswith("fixgw: ") and "KalshiDC logon failed: already exists" in r.err

    no_dc = tmp_path / "no-dc.toml"
    no_dc.write_text(gwenv.config_text(h.THREE[:2]))
    r = await h.run_cli_async(["dropcopy", "replay", "--config", str(no_dc), "--from", "1;1"])
    assert (r.code, r.err) == (2, f"fixgw: {no_dc}: no KalshiDC session\n")

    out = tmp_path / "c.jsonl"
    out.with_suffix(".cursor.json").write_text("garbage")
    r = await h.run_cli_async(["dropcopy", "replay", "--config", cfg, "--out", str(out)])
    assert r.code == 2 and "unreadable replay cursor" in r.err and len(r.err.splitlines()) == 1
