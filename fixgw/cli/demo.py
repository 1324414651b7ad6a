"""``fixgw demo``: the simulator and a gateway running the example strategy, in one command.

Everything is local: fresh API keys, a simulator on free loopback ports with its own TLS
certificate (pinned by the gateway), and a journal under ``--dir`` to look at afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from pathlib import Path

from . import CliError

ROOT = Path(__file__).resolve().parents[2]
STRATEGY = ROOT / "config" / "example_strategy.py"
MARKER = ".fixgw-demo"  # only a directory holding this is wiped


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="start the simulator and a gateway with the example strategy; show orders flowing")
    p.add_argument("--dir", default="state/demo", help="where keys, config, stores and journal go (a previous demo's is wiped first)")
    p.add_argument("--timeout", type=float, default=30.0, help="give up after this many seconds")
    p.set_defaults(func=run)


def _made_by_demo(d: Path) -> bool:
    """Ours to wipe: the marker, or (from before the marker) the demo's own layout."""
    legacy = all((d / n).exists() for n in ("gateway.toml", "sim-cert.pem", "keys", "journal.sqlite"))
    return (d / MARKER).exists() or legacy


def _config_text(sim, keys: dict[str, str], d: Path) -> str:
    lines = [
        'environment = "sim"',
        'state_dir = "."',
        "[tls]",
        'pinned_cert = "sim-cert.pem"',
    ]
    for name, stype in (("maker", "KalshiRT"), ("taker", "KalshiNR"), ("dc", "KalshiDC")):
        ep = sim.endpoint(stype)
        lines += [
            "[[session]]",
            f'name = "{name}"',
            f'type = "{stype}"',
            f'api_key = "{keys[name]}"',
            f'private_key_file = "keys/{keys[name]}.key"',
            f'host = "{ep.host}"',
            f"port = {ep.port}",
            "heartbeat = 10",
        ]
        if stype != "KalshiDC":
            lines += ["[session.flags]", "use_dollars = true"]
    lines += ["[risk]", "max_order_qty = 100", 'max_notional = "100"', "max_open_orders = 50"]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from ..crypto.keys import generate_key_pair
    from ..gateway.config import load_config
    from ..gateway.daemon import Gateway, load_strategy
    from ..sim.server import Simulator
    from ..sim.stack import build_exchange

    if not STRATEGY.exists():
        raise CliError(f"example strategy not found at {STRATEGY} (run from a source checkout)")
    d = Path(args.dir)
    if d.exists():
        if any(d.iterdir()) and not _made_by_demo(d):
            raise CliError(f"--dir {d}: not empty and not made by fixgw demo; refusing to wipe it (give a new directory)")
        shutil.rmtree(d)
    (d / "keys").mkdir(parents=True)
    (d / MARKER).write_text("made by fixgw demo; wiped by the next fixgw demo --dir here\n")
    keys = {name: generate_key_pair(d / "keys") for name in ("maker", "taker", "dc")}

    async def main() -> int:
        t0 = time.monotonic()
        app = build_exchange()
        app.link_key(keys["dc"], keys["maker"])  # the drop copy session sees the maker's account
        async with Simulator(app=app, port_base=0) as sim:
            sim.load_keys(d / "keys")
            shutil.copy(sim.cert_path, d / "sim-cert.pem")
            print("simulator up: " + ", ".join(f"{t} on {sim.endpoint(t).port}" for t in ("KalshiNR", "KalshiRT", "KalshiDC")))
            (d / "gateway.toml").write_text(_config_text(sim, keys, d))
            cfg = load_config(d / "gateway.toml")
            strategy = load_strategy(f"{STRATEGY}:ExampleStrategy")
            gw = Gateway(cfg, strategy=strategy)
            try:
                await gw.start()
                while strategy.fills < 2 and time.monotonic() - t0 < args.timeout:
                    await asyncio.sleep(0.05)
            finally:
                await gw.stop()
            if strategy.fills < 2:
                raise CliError(f"demo: expected fills within {args.timeout:g} s, saw {strategy.fills}", code=1)
        prog = sys.argv[0] if sys.argv[0].endswith("fixgw") else "fixgw"
        print(f"done in {time.monotonic() - t0:.1f} s. Look around:")
        print(f"  {prog} orders --journal {d}/journal.sqlite")
        print(f"  {prog} journal tail --journal {d}/journal.sqlite -n 12")
        print(f"  {prog} seq show {d}/sessions.sqlite")
        return 0

    return asyncio.run(main())
