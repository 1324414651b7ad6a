"""Resend: how long a KalshiRT client takes to recover a gap of N messages.

* gap fill: the simulator skips N outbound sequence numbers (its ``skip_seqs`` fault) before
  acknowledging an order; the client's ResendRequest is answered with one SequenceReset-GapFill
  and the acknowledgement, resent.  Figure: the order's round trip; baseline: the same order
  round trip without the gap.
* real resend: the simulator stores N ExecutionReports for the client without writing them
  (held, then the connection dropped).  The client reconnects, sees the gap in the Logon reply
  and asks for it; all N come back with PossDupFlag=Y.  Figure: from the gap being detected to
  the last report handled by the client (decoded, tracked, logged in its store); baseline: the
  raw TLS echo server streaming the same bytes.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from fixgw.messages import enums
from fixgw.session import GapDetected
from fixgw.store import SqliteStore

from .common import Row, Stat
from .net import EchoProcess, SimProcess, bench_flags, close_quietly

NAME = "resend"
DESCRIPTION = "recover a 100k-message gap: gap fill and real resend"

_ER_BYTES = 330  # about what one flood report weighs on the wire


async def _order(client: Any, symbol: str) -> float:
    t0 = time.perf_counter()
    await client.place_order(symbol, enums.Side.BUY, Decimal(1), Decimal("0.01"))
    return time.perf_counter() - t0


async def gap_fill(sim: SimProcess, client: Any, gap: int, repeats: int) -> tuple[list[float], list[float]]:
    key = sim.keys[0].uuid
    ours, base = [], []
    for _ in range(repeats):
        base.append(await _order(client, "KXBENCH-GAP"))
        await sim.acall("skip", key=key, n=gap)
        before = client.session.next_target_seq
        ours.append(await _order(client, "KXBENCH-GAP"))
        assert client.session.next_target_seq >= before + gap, "the gap was not skipped"
    return ours, base


async def real_resend(sim: SimProcess, client: Any, n: int) -> float:
    """Seconds from GapDetected to the n-th resent report handled."""
    key = sim.keys[0].uuid
    got = 0
    done = asyncio.Event()
    gap_at: list[float] = []

    def on(msg: Any) -> None:
        nonlocal got
        if msg.MSG_TYPE == "8" and msg.cl_ord_id.startswith("flood-"):
            got += 1
            if got == n:
                done.set()

    prev = client.initiator.on_action

    def on_action(action: Any) -> None:
        if isinstance(action, GapDetected) and not gap_at:
            gap_at.append(time.perf_counter())
        prev(action)

    client.initiator.on_action = on_action
    client.listeners.append(on)
    try:
        await sim.acall("flood", key=key, n=n)
        await asyncio.wait_for(done.wait(), 600)
        end = time.perf_counter()
    finally:
        client.listeners.remove(on)
        client.initiator.on_action = prev
    await client.wait_logged_on(30)
    return end - gap_at[0]


async def _stream_echo(echo: EchoProcess, n: int) -> float:
    """The same byte volume pushed through a TLS connection (ask once, read n replies)."""
    reader, writer = await echo.connect()
    t0 = time.perf_counter()
    writer.write(b"x" * (echo.req * n))
    await writer.drain()
    await reader.readexactly(echo.resp * n)
    secs = time.perf_counter() - t0
    writer.close()
    return secs


async def _run(quick: bool) -> list[Row]:
    big = 10_000 if quick else 100_000
    small = big // 10
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="fixgw-bench-rs-") as tmpdir, SimProcess(1) as sim:
        key = sim.keys[0]
        store = SqliteStore(Path(tmpdir) / "client.sqlite", f"KalshiRT:{key.uuid}", durability="batched")
        client = sim.client(key, "KalshiRT", flags=bench_flags(reset_seq_num=False), store=store, reconnect=True)
        await client.start()
        try:
            ours, base = await gap_fill(sim, client, big, 2 if quick else 5)
            row = Row(
                NAME, f"gap fill of {big:,} seqs: order round trip", "s", Stat(ours), Stat(base),
                "same order, no gap", target="< 5 s",
            )  # fmt: skip
            row.met = row.ours.median < 5
            rows.append(row)
            t_small = await real_resend(sim, client, small)
            t_big = await real_resend(sim, client, big)
        finally:
            await close_quietly(client)
            store.close()
    with EchoProcess(1, _ER_BYTES) as echo:
        e_big = await _stream_echo(echo, big)
    row = Row(
        NAME, f"real resend of {big:,} ExecutionReports, gap detected -> last handled", "s", Stat([t_big]), Stat([e_big]),
        f"TLS echo streaming {big:,} x {_ER_BYTES} B", target="< 5 s",
    )  # fmt: skip
    row.met = t_big < 5
    rows.append(row)
    rows.append(
        Row(
            NAME, f"scaling: real resend {small:,} vs {big:,}, time", "s", Stat([t_big]), Stat([t_small]),
            f"{small:,} reports", target="~10x (linear)", note="ratio = growth", extra={"ratio": t_big / t_small},
        )  # fmt: skip
    )
    rows.append(
        Row(
            NAME, f"real resend rate ({big:,})", "msgs/s", Stat([big / t_big]), Stat([big / e_big]),
            "TLS echo msgs/s", higher_is_better=True,
        )  # fmt: skip
    )
    return rows


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(_run(quick))
