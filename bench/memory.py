"""Memory: resident set size (RSS) growth of a fresh process holding N open orders in the
client's ``OrderTracker``, in the simulator's matching engine, and of one replaying N drop-copy
reports with the replay tool.  Each figure is measured in its own child process (RSS after
``gc.collect()`` minus RSS before, imports already done).  Baseline: the same process holding N
plain ``{cl_ord_id: (order_id, qty, price, status)}`` entries, a floor for "an order".
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from .common import ROOT, Row, Stat, peak_rss_kib, rss_kib

NAME = "memory"
DESCRIPTION = "RSS with 100k open orders (client, engine) and replaying reports"


def _ids(n: int) -> list[tuple[str, str]]:
    return [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(n)]


def _floor(n: int) -> dict[str, Any]:
    ids = _ids(n)
    gc.collect()
    before = rss_kib()
    held = {cl: (oid, Decimal(1), Decimal("0.01"), "0") for cl, oid in ids}
    gc.collect()
    return {"kib": rss_kib() - before, "n": len(held)}


def _tracker(n: int) -> dict[str, Any]:
    from fixgw.app.orders import OrderTracker
    from fixgw.messages import ExecutionReport, NewOrderSingle, enums
    from fixgw.session import LogonFlags

    ids = _ids(n)
    tracker = OrderTracker(flags=LogonFlags(use_dollars=True, skip_pending_exec_reports=True))
    qty, px = Decimal(1), Decimal("0.01")
    gc.collect()
    before = rss_kib()
    for i, (cl, oid) in enumerate(ids):
        tracker.on_new_order_sent(
            NewOrderSingle(cl_ord_id=cl, order_qty=qty, ord_type=enums.OrdType.LIMIT, price=px,
                           side=enums.Side.BUY, symbol="KXBENCH-MEM")
        )  # fmt: skip
        tracker.on_execution_report(
            ExecutionReport(avg_px=Decimal(0), cl_ord_id=cl, cum_qty=Decimal(0), exec_id=f"1;{i + 1}",
                            order_id=oid, order_qty=qty, ord_status=enums.OrdStatus.NEW, price=px,
                            side=enums.Side.BUY, symbol="KXBENCH-MEM", exec_type=enums.ExecType.NEW,
                            leaves_qty=qty)
        )  # fmt: skip
    gc.collect()
    open_orders = len(tracker.open_orders())
    assert open_orders == n, f"{open_orders} open orders, expected {n}"
    return {"kib": rss_kib() - before, "n": open_orders}


def _engine(n: int) -> dict[str, Any]:
    from fixgw.sim.exchange.engine import Exchange
    from fixgw.sim.exchange.orders import NewOrder

    ex = Exchange()
    ids = _ids(n)
    gc.collect()
    before = rss_kib()
    for cl, _ in ids:
        ex.submit(NewOrder(account="acct", cl_ord_id=cl, symbol="KXBENCH-MEM", side=1, price=Decimal("0.01"), qty=Decimal(1)))
    gc.collect()
    return {"kib": rss_kib() - before, "n": len(ex.open_orders())}


def _replay(n: int, queue: bool = True) -> dict[str, Any]:
    from collections import deque

    from fixgw.session import LogonFlags

    from .net import SimProcess, close_quietly
    from .replay import tool

    async def go() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="fixgw-bench-mem-") as tmp, SimProcess(1) as sim:
            key = sim.keys[0]
            h = await sim.acall("history", account=key.uuid, n=n)
            client = sim.client(key, "KalshiDC", flags=LogonFlags(use_dollars=True))
            if not queue:  # what the client keeps for messages() (ClientConfig.queue_size)
                client._queue = deque(maxlen=1)
            await client.start()
            try:
                gc.collect()
                before = rss_kib()
                secs = await tool(client, h["first"], h["last"], Path(tmp) / "out.jsonl")
                gc.collect()
                after = rss_kib()
                tracked = len(client.orders)
            finally:
                await close_quietly(client)
            return {"kib": after - before, "n": n, "seconds": secs, "peak_kib": peak_rss_kib(), "tracked_orders": tracked}

    return asyncio.run(go())


def _replay_no_queue(n: int) -> dict[str, Any]:
    return _replay(n, queue=False)


_KINDS = {"floor": _floor, "tracker": _tracker, "engine": _engine, "replay": _replay, "replay-noqueue": _replay_no_queue}


def _child(kind: str, n: int) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", kind, str(n)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=900,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"memory child {kind} {n} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mib(kib: float) -> float:
    return kib / 1024


def run(quick: bool = False) -> list[Row]:
    n = 10_000 if quick else 100_000
    rn = 2_000 if quick else 1_000_000  # the 1M, measured (about a minute)
    rows: list[Row] = []
    floor = {size: _child("floor", size) for size in (n // 10, n)}
    for kind, label in (("tracker", "client OrderTracker"), ("engine", "sim matching engine")):
        small, big = _child(kind, n // 10), _child(kind, n)
        rows.append(
            Row(
                NAME, f"{label}: {n:,} open orders", "MiB", Stat([_mib(big["kib"])]), Stat([_mib(floor[n]["kib"])]),
                "plain dict of tuples", note=f"{big['kib'] * 1024 / n:,.0f} B/order",
                extra={"ratio": None},
            )  # fmt: skip
        )
        rows.append(
            Row(
                NAME, f"scaling: {label}, {n // 10:,} vs {n:,} orders", "MiB", Stat([_mib(big["kib"])]),
                Stat([_mib(small["kib"])]), f"{n // 10:,} orders", target="~10x (linear)", note="ratio = growth",
                extra={"ratio": big["kib"] / small["kib"] if small["kib"] else None},
            )  # fmt: skip
        )
    small_n = rn // 10
    r_small, r_big, r_noq = _child("replay", small_n), _child("replay", rn), _child("replay-noqueue", small_n)
    # What grows: the client's message queue up to its cap (ClientConfig.queue_size, 100k
    # messages), and the replay's bookkeeping (ExecIDs seen and written) with every report;
    # the run without the queue gives the second per report.
    rest_per = r_noq["kib"] * 1024 / small_n
    queue_mib = max(0.0, r_big["kib"] * 1024 - rest_per * rn) / 2**20
    rows.append(
        Row(
            NAME, f"replay tool process replaying {rn:,} reports", "MiB", Stat([_mib(r_big["kib"])]),
            Stat([_mib(r_small["kib"])]), f"{small_n:,} reports",
            note=(f"{rest_per:,.0f} B/report of bookkeeping, ~{queue_mib:,.0f} MiB in the client's queue (capped at "
                  f"100k messages); the DC client tracks {r_noq['tracked_orders']:,} orders; nothing is logged in "
                  f"memory; {r_big['seconds']:.0f} s"),
            extra={"ratio": r_big["kib"] / r_small["kib"] if r_small["kib"] else None, "queue_mib": queue_mib,
                   "other_bytes_per_report": rest_per, "peak_kib": r_big["peak_kib"]},
        )  # fmt: skip
    )
    return rows


if __name__ == "__main__":
    print(json.dumps(_KINDS[sys.argv[1]](int(sys.argv[2]))))
