"""``fixgw demo``: simulator + gateway + example strategy in one command."""

from __future__ import annotations

import re
from pathlib import Path

import gateway_harness as h


def test_demo_runs_and_prints_the_fills(tmp_path: Path) -> None:
    d = tmp_path / "demo"
    r = h.run_cli(["demo", "--dir", str(d), "--timeout", "20"])
    assert r.code == 0, r.err
    out = r.out
    assert re.search(r"^simulator up: KalshiNR on \d+, KalshiRT on \d+, KalshiDC on \d+$", out, re.M)
    assert "sessions logged on: maker (KalshiRT), taker (KalshiNR), dc (KalshiDC)" in out
    assert re.search(r"^ +taker fill: BUY 4(\.00)? KXDEMO-26DEC31-B50 @ \$0\.55(00)?  fee \$", out, re.M), out
    assert re.search(r"^ +maker fill: SELL 4(\.00)? KXDEMO-26DEC31-B50 @ \$0\.55(00)?  fee \$", out, re.M), out
    assert "taker buys 4 Yes up to $0.56: FILLED" in out
    assert "strategy stopped after 2 fills" in out
    assert f"fixgw journal tail --journal {d}/journal.sqlite" in out
    assert (d / "journal.sqlite").exists() and (d / "gateway.toml").exists()

    # the journal it left is readable with the other commands
    orders = h.run_cli(["orders", "--journal", str(d / "journal.sqlite")])
    assert orders.code == 0 and "FILLED" in orders.out and "PARTIALLY_FILLED" in orders.out

    # a second run reuses (wipes) its own directory
    (d / "stale.txt").write_text("from before")
    r = h.run_cli(["demo", "--dir", str(d), "--timeout", "20"])
    assert r.code == 0, r.err
    assert not (d / "stale.txt").exists()


def test_demo_never_wipes_a_directory_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "work"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    r = h.run_cli(["demo", "--dir", str(precious)])
    assert r.code == 2
    assert r.err == f"fixgw: --dir {precious}: not empty and not made by fixgw demo; refusing to wipe it (give a new directory)\n"
    assert (precious / "notes.txt").read_text() == "keep me"


def test_demo_reuses_a_directory_left_by_an_older_demo(tmp_path: Path) -> None:
    old = tmp_path / "old-demo"  # the demo's layout, from before it left a marker file
    (old / "keys").mkdir(parents=True)
    for name in ("gateway.toml", "sim-cert.pem", "journal.sqlite"):
        (old / name).write_text("old")
    r = h.run_cli(["demo", "--dir", str(old), "--timeout", "20"])
    assert r.code == 0, r.err
    assert (old / ".fixgw-demo").exists() and (old / "gateway.toml").read_text() != "old"
