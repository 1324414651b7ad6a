"""``fixgw run --config config/gateway.toml [--app module:Class]``: the gateway daemon."""

from __future__ import annotations

import argparse
import logging

from . import CliError
from ._common import load_gateway_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the gateway (sessions, journal, risk, ops endpoint)")
    p.add_argument("--config", "-c", default="config/gateway.toml", help="gateway TOML config")
    p.add_argument("--app", help="strategy to load, as module:Class")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    p.add_argument(
        "--loop", default="asyncio", choices=("asyncio", "uvloop"),
        help="event loop (uvloop: pip install 'fixgw[uvloop]'; ~8%% lower order latency)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..app import EventLoopError, run_event_loop, tune_gc
    from ..gateway.config import ConfigError
    from ..gateway.daemon import Gateway, GatewayError, load_strategy
    from ..gateway.journal import JournalError

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = load_gateway_config(args.config)
    try:
        strategy = load_strategy(args.app) if args.app else None
    except GatewayError as exc:
        raise CliError(str(exc)) from None

    async def main() -> int:
        gw = Gateway(cfg, strategy=strategy)
        tune_gc()  # a long-running process: see fixgw/app/gctune.py
        return await gw.run()

    try:
        return run_event_loop(main(), args.loop)
    except (ConfigError, GatewayError, JournalError, EventLoopError) as exc:
        raise CliError(str(exc)) from None
