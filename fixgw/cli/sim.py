"""``fixgw sim``: run the Kalshi simulator's FIX listeners in the foreground.

Prints ``<SessionType> listening on HOST:PORT`` once per listener after it accepts
connections (scripts wait for those lines), and stops cleanly on SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import signal
import sys

from . import CliError

LOG_LEVELS = ("debug", "info", "warning", "error")


def register(sub: argparse._SubParsersAction) -> None:
    from ..sim.ratelimit import TIERS

    p = sub.add_parser(
        "sim", help="run the Kalshi FIX simulator (all five session types) in the foreground"
    )
    p.add_argument(
        "--keys", required=True, metavar="DIR", help="register every DIR/<uuid>.pub as an API key"
    )
    p.add_argument(
        "--port-base",
        type=int,
        default=8228,
        metavar="N",
        help="KalshiNR's port; DC, RT, PT, RFQ take N+1..N+4 (default 8228; 0 = free ports)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--link",
        action="append",
        default=[],
        metavar="KEY=ACCOUNT_KEY",
        help="let API key KEY act for ACCOUNT_KEY's account (e.g. a drop copy or listener key); repeatable",
    )
    p.add_argument(
        "--markets",
        metavar="FILE",
        help="markets file (.toml/.json: ticker, status, hvm, tick_size, ...); without it any ticker is listed open",
    )
    p.add_argument(
        "--cert-out", metavar="FILE", help="write the served certificate here (clients pin it)"
    )
    p.add_argument(
        "--cert",
        metavar="FILE",
        help="serve this PEM certificate instead of a generated one (needs --cert-key)",
    )
    p.add_argument("--cert-key", metavar="FILE", help="private key of --cert")
    p.add_argument(
        "--state-dir",
        metavar="DIR",
        help="keep the certificate and RT/PT sequence numbers here across restarts (default: memory)",
    )
    p.add_argument(
        "--tier", default="basic", choices=sorted(TIERS), help="rate-limit tier (default basic)"
    )
    p.add_argument(
        "--no-rate-limit", action="store_true", help="do not rate-limit application messages"
    )
    p.add_argument(
        "--log-level", default="info", choices=LOG_LEVELS, help="log level on stderr (default info)"
    )
    p.add_argument(
        "--loop", default="asyncio", choices=("asyncio", "uvloop"),
        help="event loop (uvloop: pip install 'fixgw[uvloop]')",
    )
    p.set_defaults(func=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from ..app import EventLoopError, run_event_loop, tune_gc
    from ..sim.exchange.markets import MarketsFileError
    from ..sim.keys import SimKeyError
    from ..sim.server import Simulator
    from ..sim.stack import build_exchange

    if (args.cert is None) != (args.cert_key is None):
        raise CliError("sim: --cert and --cert-key go together")
    if not 0 <= args.port_base <= 65535 - 4:
        raise CliError(f"sim: --port-base {args.port_base} is outside 0-65531")
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        app = build_exchange(args.markets)
        for link in args.link:
            key, sep, account = link.partition("=")
            if not sep or not key or not account:
                raise CliError(f"sim: --link {link!r}: expected KEY=ACCOUNT_KEY")
            app.link_key(key, account)
        sim = Simulator(
            app=app,
            host=args.host,
            port_base=args.port_base,
            cert=(args.cert, args.cert_key) if args.cert else None,
            state_dir=args.state_dir,
            rate_limit=None if args.no_rate_limit else args.tier,
        )
        sim.load_keys(args.keys)
    except (SimKeyError, MarketsFileError, ValueError, OSError) as exc:
        raise CliError(f"sim: {exc}") from None
    tune_gc()  # a long-running process: see fixgw/app/gctune.py
    try:
        return run_event_loop(_serve(sim, args.cert_out), args.loop)
    except EventLoopError as exc:
        raise CliError(f"sim: {exc}") from None


async def _serve(sim: object, cert_out: str | None) -> int:
    from ..crypto.tls import TLSConfigError
    from ..sim.server import Simulator, SimulatorError

    assert isinstance(sim, Simulator)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await sim.start()
    except (SimulatorError, TLSConfigError) as exc:
        raise CliError(f"sim: {exc}") from None
    try:
        if cert_out:
            try:
                shutil.copyfile(sim.cert_path, cert_out)
            except OSError as exc:
                raise CliError(
                    f"sim: cannot write --cert-out {cert_out}: {exc.strerror or exc}"
                ) from None
        for name, port in sim.ports.items():
            print(f"{name} listening on {sim.connect_host}:{port}", flush=True)
        print(f"API keys: {', '.join(sim.keys.ids())}", file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await sim.stop()
    return 0
