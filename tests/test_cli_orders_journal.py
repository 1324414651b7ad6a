"""``fixgw orders`` and ``fixgw journal tail|show`` on the journal a gateway run left behind."""

from __future__ import annotations

import json
from pathlib import Path

import gateway_harness as h
import pytest

gwenv = h.gwenv
key_pool = h.key_pool
BUY, SELL, D = h.BUY, h.SELL, h.D


@pytest.fixture
async def ran(gwenv: h.GwEnv) -> dict[str, str]:
    """A gateway run: one filled, one resting and one canceled order; returns their ClOrdIDs."""
    gw = await gwenv.gateway(h.THREE[:2])
    gwenv.seed(SELL, 5, "0.55")
    filled = await gw.place_order("rt", h.MKT, BUY, D(3), D("0.56"))
    resting = await gw.place_order("nr", h.MKT, BUY, D(2), D("0.40"))
    canceled = await gw.place_order("rt", h.MKT, BUY, D(4), D("0.30"))
    ids = {"filled": filled.cl_ord_id, "resting": resting.cl_ord_id, "canceled": canceled.cl_ord_id}
    await gw.cancel("rt", canceled.cl_ord_id)
    ids["cancel_request"] = canceled.cl_ord_id  # the order now goes by its cancel's ClOrdID
    await gw.stop()
    return ids


def table(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines()]


async def test_orders_all_and_open(gwenv: h.GwEnv, ran: dict[str, str]) -> None:
    cfg = str(gwenv.dir / "gateway.toml")
    r = h.run_cli(["orders", "--config", cfg])
    assert r.code == 0, r.err
    rows = table(r.out)
    assert rows[0][:4] == ["cl_ord_id", "symbol", "side", "status"]
    status = {row[0]: row[3] for row in rows[1:]}
    assert status[ran["filled"]] == "FILLED"
    assert status[ran["resting"]] == "NEW"
    assert status[ran["cancel_request"]] == "CANCELED"
    assert len(status) == 3

    r = h.run_cli(["orders", "--open", "--journal", str(gwenv.journal_path)])
    assert r.code == 0, r.err
    rows = table(r.out)
    assert [row[:4] for row in rows[1:]] == [[ran["resting"], h.MKT, "BUY", "NEW"]]

    r = h.run_cli(["orders", "--json", "--config", cfg])
    orders = [json.loads(line) for line in r.out.splitlines()]
    by_id = {o["cl_ord_id"]: o for o in orders}
    assert by_id[ran["filled"]]["cum_qty"] == "3.00" and by_id[ran["filled"]]["avg_px"] == "0.5500"
    assert ran["canceled"] in by_id[ran["cancel_request"]]["chain"]


async def test_journal_tail_and_show(gwenv: h.GwEnv, ran: dict[str, str]) -> None:
    cfg = str(gwenv.dir / "gateway.toml")
    r = h.run_cli(["journal", "tail", "-n", "4", "--config", cfg])
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert len(lines) == 4
    assert all(" 5 " in line for line in lines)  # the run ended with two Logouts each way
    assert sum("->" in line for line in lines) == 2 and sum("<-" in line for line in lines) == 2
    assert "text=gateway stopping" in r.out

    r = h.run_cli(["journal", "tail", "-n", "1000", "--json", "--journal", str(gwenv.journal_path)])
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert rows[0]["msg_type"] == "A" and rows[0]["raw_data"] == "redacted" and "|96=" not in rows[0]["raw"]
    assert any(row["cl_ord_id"] == ran["filled"] for row in rows)

    r = h.run_cli(["journal", "show", ran["canceled"], "--config", cfg])
    assert r.code == 0, r.err
    assert ran["canceled"] in r.out and ran["cancel_request"] in r.out
    assert r.out.startswith("messages (")
    msgs = [line for line in r.out.splitlines() if line.startswith("  ") and (" -> " in line or " <- " in line)]
    assert any(" -> D " in m for m in msgs) and any(" -> F " in m for m in msgs)
    states = r.out.split("state changes (")[1].splitlines()[1:]
    assert any(" NEW " in s for s in states) and " CANCELED " in states[-1]
    # the same order found through its later ClOrdID
    assert h.run_cli(["journal", "show", ran["cancel_request"], "--config", cfg]).out == r.out

    r = h.run_cli(["journal", "show", ran["filled"], "--json", "--config", cfg])
    data = json.loads(r.out)
    assert [s["status"] for s in data["states"]][-1] == "FILLED"
    assert {m["msg_type"] for m in data["messages"]} == {"D", "8"}


async def test_unknown_order_and_missing_journal(gwenv: h.GwEnv, ran: dict[str, str], tmp_path: Path) -> None:
    r = h.run_cli(["journal", "show", "no-such-order", "--config", str(gwenv.dir / "gateway.toml")])
    assert (r.code, r.out, r.err) == (1, "", "fixgw: no order with ClOrdID 'no-such-order' in the journal\n")
    r = h.run_cli(["orders", "--journal", str(tmp_path / "none.sqlite")])
    assert r.code == 2 and r.err == f"fixgw: no journal at {tmp_path / 'none.sqlite'} (has the gateway run yet?)\n"
    assert not (tmp_path / "none.sqlite").exists()
