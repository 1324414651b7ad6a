"""Sustained throughput: orders/s the client sends and has acknowledged (ExecutionReport New),
up to ``WINDOW`` in flight, on KalshiRT against the simulator in another process.

Variants: the durable session store in SYNC mode (an fsync'd commit before any order reaches
the socket; orders sent in one event-loop turn after the first share one commit) with the
journal on, as the gateway runs; BATCHED store with the journal; the in-memory store without
journal.  Baseline: the raw TLS echo server answering the same byte counts with the same window
(the transport's ceiling in Python).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fixgw.gateway.journal import journal_tap
from fixgw.gateway.journal_sqlite import SqliteJournal
from fixgw.messages import enums
from fixgw.store import SqliteStore

from .common import Row, Stat
from .net import EchoProcess, SimProcess, bench_flags, close_quietly, echo_pipelined

NAME = "throughput"
DESCRIPTION = "acknowledged orders/s with SYNC / BATCHED stores and the journal"

WINDOW = 256
_NEW = enums.ExecType.NEW


async def push(client: Any, n: int, symbol: str, window: int = WINDOW) -> float:
    """Send ``n`` orders keeping at most ``window`` unacknowledged; orders/s until the last ack."""
    acked = 0
    wake = asyncio.Event()

    def on(msg: Any) -> None:
        nonlocal acked
        if msg.MSG_TYPE == "8" and msg.exec_type is _NEW:
            acked += 1
            wake.set()

    client.listeners.append(on)
    buy, qty, px = enums.Side.BUY, Decimal(1), Decimal("0.01")
    try:
        t0 = time.perf_counter()
        for sent in range(n):
            while sent - acked >= window:
                wake.clear()
                await wake.wait()
            await client.place_order(symbol, buy, qty, px, wait=False)
        while acked < n:
            wake.clear()
            await asyncio.wait_for(wake.wait(), 60)
        return n / (time.perf_counter() - t0)
    finally:
        client.listeners.remove(on)


class _Variant:
    def __init__(self, sim: SimProcess, kind: str, tmp: Path) -> None:
        self.sim, self.kind, self.tmp = sim, kind, tmp
        self.runs = 0

    async def measure(self, n: int) -> float:
        self.runs += 1
        key = self.sim.keys[0]
        sid = f"KalshiRT:{key.uuid}"
        store = journal = None
        on_bytes = None
        if self.kind != "memory":
            durability = "sync" if self.kind.startswith("sync") else "batched"
            store = SqliteStore(self.tmp / f"{self.kind}-{self.runs}.sqlite", sid, durability=durability)
            journal = SqliteJournal(self.tmp / f"journal-{self.kind}-{self.runs}.sqlite")
            on_bytes = journal_tap(journal, sid, lambda: datetime.now(UTC))
        client = self.sim.client(key, "KalshiRT", flags=bench_flags(reset_seq_num=True), store=store, on_bytes=on_bytes)
        await client.start()
        try:
            return await push(client, n, f"KXBENCH-TP{self.runs}")
        finally:
            await close_quietly(client)
            if journal is not None:
                journal.close()
            if store is not None:
                store.close()


async def _run(quick: bool) -> list[Row]:
    repeats = 2 if quick else 3
    sizes = {"sync+journal": 500 if quick else 4000, "batched+journal": 500 if quick else 4000, "memory": 500 if quick else 4000}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="fixgw-bench-tp-") as tmpdir, SimProcess(1) as sim:
        tmp = Path(tmpdir)
        variants = {k: _Variant(sim, k, tmp) for k in sizes}
        await variants["memory"].measure(200)  # warm-up: imports, TLS, first logon
        # the echo baseline answers the same byte counts as a NewOrderSingle and its report
        req, resp = 191, 311
        with EchoProcess(req, resp) as echo:
            conn = await echo.connect()
            got: dict[str, list[float]] = {k: [] for k in sizes}
            base: list[float] = []
            for _ in range(repeats):
                for k, v in variants.items():
                    got[k].append(await v.measure(sizes[k]))
                base.append(await echo_pipelined(conn, req, resp, sizes["memory"], WINDOW))
            conn[1].close()
        for k in sizes:
            row = Row(
                NAME, f"orders/s, {k} ({sizes[k]:,} orders, {WINDOW} in flight)", "orders/s",
                Stat(got[k]), Stat(base), "raw TLS echo msgs/s", higher_is_better=True,
            )  # fmt: skip
            if k == "sync+journal":
                row.target = ">= 10,000 orders/s"
                row.met = row.ours.median >= 10_000
            rows.append(row)
        # scaling: 10x more orders on the batched store
        n = sizes["batched+journal"] // 2
        t_small = n / await variants["batched+journal"].measure(n)
        t_big = 10 * n / await variants["batched+journal"].measure(10 * n)
        rows.append(
            Row(
                NAME, f"scaling: {n:,} vs {10 * n:,} orders, batched+journal, time", "s", Stat([t_big]), Stat([t_small]),
                f"{n:,} orders", target="~10x (linear)", note="ratio = growth", extra={"ratio": t_big / t_small},
            )  # fmt: skip
        )
    return rows


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(_run(quick))
