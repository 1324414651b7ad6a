"""Order round trip: ``KalshiClient.place_order`` (NewOrderSingle) until its ExecutionReport(New)
is back, against the simulator and its matching engine in another process over TLS, beside a
raw asyncio TLS echo server in another process answering the same byte counts.

Orders are sequential (one in flight), resting buy orders at $0.01 that never trade.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from decimal import Decimal

from fixgw.codec import FrameReader
from fixgw.messages import enums

from .common import Row, Stat, percentile
from .net import EchoProcess, SimProcess, close_quietly, echo_round_trips

NAME = "roundtrip"
DESCRIPTION = "NewOrderSingle -> ExecutionReport(New) latency vs a raw TLS echo"

_QUANTILES = (("p50", 0.50), ("p99", 0.99), ("p99.9", 0.999))


def _msg_type(frame: bytes) -> bytes:
    return frame.split(b"\x01", 3)[2][3:]


async def _run(quick: bool) -> list[Row]:
    n = 300 if quick else 2000
    rounds = 2 if quick else 5
    warm = 30 if quick else 200
    with SimProcess(1) as sim:
        sizes: dict[str, list[int]] = {"D": [], "8": []}
        frames = FrameReader()

        def on_bytes(direction: str, data: bytes) -> None:
            if direction == "out":
                if _msg_type(data) == b"D":
                    sizes["D"].append(len(data))
                return
            frames.feed(data)
            for f in frames.frames():
                if isinstance(f, bytes) and _msg_type(f) == b"8":
                    sizes["8"].append(len(f))

        client = sim.client(sim.keys[0], "KalshiNR", on_bytes=on_bytes)
        await client.start()
        try:
            sym, qty, px, buy = "KXBENCH-RT", Decimal(1), Decimal("0.01"), enums.Side.BUY

            async def ours(count: int) -> list[float]:
                out = []
                clock = time.perf_counter_ns
                for _ in range(count):
                    t0 = clock()
                    await client.place_order(sym, buy, qty, px)
                    out.append((clock() - t0) / 1000)
                return out

            await ours(warm)
            req, resp = int(statistics.median(sizes["D"])), int(statistics.median(sizes["8"]))
            with EchoProcess(req, resp) as echo:
                conn = await echo.connect()
                await echo_round_trips(conn, req, resp, warm)
                got: dict[str, dict[str, list[float]]] = {q: {"ours": [], "echo": []} for q, _ in _QUANTILES}
                for _ in range(rounds):
                    lat_ours = await ours(n)
                    lat_echo = await echo_round_trips(conn, req, resp, n)
                    for q, p in _QUANTILES:
                        got[q]["ours"].append(percentile(lat_ours, p))
                        got[q]["echo"].append(percentile(lat_echo, p))
                conn[1].close()
        finally:
            await close_quietly(client)
    rows = []
    for q, _ in _QUANTILES:
        row = Row(
            NAME, f"{q} latency, {n} orders x {rounds} runs ({req} B out, {resp} B back)", "us",
            Stat(got[q]["ours"]), Stat(got[q]["echo"]), "raw TLS echo",
        )  # fmt: skip
        if q == "p50":
            row.target = "p50 <= 2x echo"
            row.met = row.ours.median <= 2 * row.baseline.median  # type: ignore[union-attr]
        rows.append(row)
    return rows


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(_run(quick))
