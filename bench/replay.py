"""Drop-copy replay: execution reports/s the replay tool (``fixgw.gateway.replay``) fetches from
KalshiDC and writes (JSON Lines, fsync per chunk, cursor file), against the simulator in another
process.  Baseline: the same chunks fetched with ``DropCopy.replay`` and thrown away, so the
difference is what the tool itself costs.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from fixgw.app.dropcopy import parse_exec_id
from fixgw.gateway.replay import ReplayCursor, replay_to_file
from fixgw.session import LogonFlags

from .common import Row, Stat
from .net import SimProcess, close_quietly

NAME = "replay"
DESCRIPTION = "drop-copy replay tool: execution reports/s written"

CHUNK = 1000


async def tool(client: Any, begin: str, end: str, out: Path) -> float:
    """Seconds for replay_to_file over [begin, end] into a fresh file."""
    cursor = ReplayCursor(out.with_suffix(".cursor"))
    t0 = time.perf_counter()
    stats = await replay_to_file(client.dropcopy, out=out, cursor=cursor, begin=begin, end=end, chunk=CHUNK)
    secs = time.perf_counter() - t0
    a, b = parse_exec_id(begin)
    want = parse_exec_id(end)[1] - b + 1
    assert stats.written == want, f"replay wrote {stats.written} of {want}"
    return secs


async def fetch_only(client: Any, begin: str, end: str) -> float:
    a, b = parse_exec_id(begin)
    last = parse_exec_id(end)[1]
    t0 = time.perf_counter()
    got = 0
    while b <= last:
        stop = min(b + CHUNK - 1, last)
        got += len((await client.dropcopy.replay(f"{a};{b}", f"{a};{stop}")).reports)
        b = stop + 1
    return time.perf_counter() - t0


async def _run(quick: bool) -> list[Row]:
    n = 2_000 if quick else 20_000
    repeats = 2 if quick else 3
    with tempfile.TemporaryDirectory(prefix="fixgw-bench-rp-") as tmpdir, SimProcess(1) as sim:
        tmp = Path(tmpdir)
        key = sim.keys[0]
        small = await sim.acall("history", account=key.uuid, n=n // 10, tag="s")
        big = await sim.acall("history", account=key.uuid, n=n, tag="b")
        client = sim.client(key, "KalshiDC", flags=LogonFlags(use_dollars=True))
        await client.start()
        try:
            await tool(client, small["first"], small["last"], tmp / "warm.jsonl")
            ours, base = [], []
            for i in range(repeats):
                ours.append(n / await tool(client, big["first"], big["last"], tmp / f"out-{i}.jsonl"))
                base.append(n / await fetch_only(client, big["first"], big["last"]))
            # best of two: one fsync stall would otherwise decide a single-sample ratio
            t_small = min([await tool(client, small["first"], small["last"], tmp / f"small{i}.jsonl") for i in range(2)])
            t_big = min([await tool(client, big["first"], big["last"], tmp / f"big{i}.jsonl") for i in range(2)])
        finally:
            await close_quietly(client)
    return [
        Row(
            NAME, f"reports/s written, {n:,} reports in chunks of {CHUNK}", "reports/s", Stat(ours), Stat(base),
            "DropCopy.replay, not written", higher_is_better=True,
        ),
        Row(
            NAME, f"scaling: {n // 10:,} vs {n:,} reports, time", "s", Stat([t_big]), Stat([t_small]),
            f"{n // 10:,} reports", target="~10x (linear)", note="ratio = growth", extra={"ratio": t_big / t_small},
        ),
    ]  # fmt: skip


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(_run(quick))
