"""The other process of the network benchmarks: the simulator with its matching engine, or a
plain asyncio TLS echo server (the baseline), driven over stdin/stdout in JSON lines.

    python -m bench.server sim --keys DIR
    python -m bench.server echo --req 230 --resp 380

The first stdout line says where it listens; then each stdin line is a command
(``{"cmd": "rss"}``) answered by one stdout line.  EOF on stdin stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import peak_rss_kib, rss_kib

log = logging.getLogger("bench.server")


def _say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _commands(handle: Any) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        try:
            req = json.loads(line)
            cmd = req.pop("cmd")
            if cmd == "rss":
                answer = {"rss_kib": rss_kib(), "peak_kib": peak_rss_kib()}
            elif cmd == "stages":  # what bench/stages.py's hooks stamped since the last call
                from bench.stages import take

                answer = {"events": take()}
            else:
                answer = await handle(cmd, **req)
        except Exception as exc:  # reported to the driver, which raises
            log.exception("command failed")
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        _say(answer)


# ---- the simulator ----------------------------------------------------------------------------


async def run_sim(keys_dir: str, use_uvloop: bool) -> None:
    from fixgw.messages import ExecutionReport, enums
    from fixgw.sim.exchange.orders import NewOrder
    from fixgw.sim.exchange_app import ExchangeAppConfig, KalshiExchangeApp
    from fixgw.sim.server import Simulator

    # Drop copy's request limit is the simulator's own invention; the replay benchmark
    # measures the tool, not that limit.
    app = KalshiExchangeApp(config=ExchangeAppConfig(dropcopy_max_requests=1_000_000))
    async with Simulator(app=app, port_base=0, rate_limit=None) as sim:
        sim.load_keys(keys_dir)
        _say({"ports": sim.ports, "cert": str(sim.cert_path), "host": sim.connect_host})

        async def handle(cmd: str, **a: Any) -> dict[str, Any]:
            if cmd == "skip":
                sim.faults.skip_seqs(int(a["n"]), a["key"])
                return {"ok": True}
            if cmd == "flood":
                # n ExecutionReports stored for the client but never written: held, then the
                # connection dropped.  Its next Logon finds a gap of n real messages.
                key, n = a["key"], int(a["n"])
                ctx = sim.session(key)
                if ctx is None:
                    raise RuntimeError(f"{key} is not logged on")
                sim.faults.hold(key)
                t0 = time.perf_counter()
                for i in range(n):
                    ctx.send_message(
                        ExecutionReport(
                            avg_px=Decimal(0), cl_ord_id=f"flood-{i}", cum_qty=Decimal(0),
                            exec_id=f"9;{i + 1}", order_id=f"fo-{i}", order_qty=Decimal(1),
                            ord_status=enums.OrdStatus.NEW, price=Decimal("0.01"),
                            side=enums.Side.BUY, symbol="KXBENCH-FLOOD",
                            exec_type=enums.ExecType.NEW, leaves_qty=Decimal(1),
                        )
                    )  # fmt: skip
                built = time.perf_counter() - t0
                ctx.drop("bench: flood stored, connection dropped")
                await sim.wait_disconnected(key)
                sim.faults.clear(key)
                return {"ok": True, "seconds": built, "next_sender": ctx.next_sender_seq}
            if cmd == "history":
                # n resting orders for one account straight into the engine: drop copy's
                # history, and the engine's memory with that many open orders.
                account, n, sym = a["account"], int(a["n"]), a.get("symbol", "KXBENCH-HIST")
                hist = app.engine.history
                before = hist.last()
                t0 = time.perf_counter()
                for i in range(n):
                    app.engine.submit(
                        NewOrder(
                            account=account, cl_ord_id=f"h-{a.get('tag', '')}{i}", symbol=sym,
                            side=1, price=Decimal("0.01"), qty=Decimal(1),
                        )
                    )  # fmt: skip
                last = hist.last()
                assert last is not None
                first = f"{last.epoch};{before.seq + 1}" if before is not None else f"{last.epoch};1"
                return {
                    "first": first,
                    "ok": True,
                    "seconds": time.perf_counter() - t0,
                    "last": None if last is None else str(last),
                    "open_orders": len(app.engine.open_orders()),
                }
            raise ValueError(f"unknown command {cmd!r}")

        await _commands(handle)


# ---- the echo baseline ------------------------------------------------------------------------


async def run_echo(req: int, resp: int) -> None:
    from fixgw.crypto.tls import generate_self_signed, server_context

    tmp = Path(tempfile.mkdtemp(prefix="fixgw-bench-echo-"))
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    generate_self_signed(cert, key, hostnames=["localhost"], ips=["127.0.0.1"])
    ctx = server_context(cert, key)
    reply = b"x" * resp

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readexactly(req)
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    _say({"port": port, "cert": str(cert), "host": "127.0.0.1"})

    async def handle(cmd: str, **a: Any) -> dict[str, Any]:
        raise ValueError(f"unknown command {cmd!r}")

    async with server:
        await _commands(handle)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("sim")
    s.add_argument("--keys", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--req", type=int, required=True)
    e.add_argument("--resp", type=int, required=True)
    ap.add_argument("--uvloop", action="store_true")
    ap.add_argument("--tune-gc", action="store_true", help="fixgw.app.tune_gc(), as fixgw sim does")
    args = ap.parse_args()
    if args.tune_gc:
        from fixgw.app import tune_gc

        tune_gc()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if os.environ.get("FIXGW_BENCH_STAGES"):
        from bench.stages import install

        install()
    if args.uvloop:
        import uvloop

        uvloop.install()
    main = run_sim(args.keys, args.uvloop) if args.mode == "sim" else run_echo(args.req, args.resp)
    profile_dir = os.environ.get("FIXGW_BENCH_PROFILE")
    if not profile_dir:
        asyncio.run(main)
        return 0
    import cProfile

    prof = cProfile.Profile()
    prof.enable()
    try:
        asyncio.run(main)
    finally:
        prof.disable()
        out = Path(profile_dir) / f"server-{args.mode}-{os.getpid()}.prof"
        prof.dump_stats(out)
        print(f"profile: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
