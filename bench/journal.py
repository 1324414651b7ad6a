"""Journal throughput: rows/s written and the cost of one ``record_*`` call on the event loop.

    .venv/bin/python -m bench.journal [rows]

Numbers are reported, never asserted (they depend on the machine and its disk).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fixgw.codec import build_frame
from fixgw.gateway.journal_sqlite import SqliteJournal

__all__ = ["run"]


def _report(i: int) -> bytes:
    body = (
        b"6=0.5000\x0111=cl-%d\x0114=0\x0117=%d;%d\x0137=ord-%d\x0138=10\x0139=0\x0144=0.5000\x01"
        b"54=1\x0155=KXBENCH-26JAN01\x01150=0\x01151=10\x01" % (i, i, i, i)
    )
    header = b"49=KalshiRT\x0156=bench-key\x0134=%d\x0152=20260105-14:30:00.000\x01" % (i + 1)
    return build_frame(b"FIXT.1.1", b"8", header, body)


def _pct(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000.0


def run(rows: int = 50_000, path: str | Path | None = None, *, order_every: int = 4) -> dict[str, Any]:
    """Record ``rows`` ExecutionReports (plus an order snapshot every ``order_every``), then
    flush.  Returns rows/s end to end and p50/p99/max of a record call in microseconds."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(path) if path is not None else Path(tmp) / "bench.sqlite"
        frames = [_report(i) for i in range(rows)]
        at = datetime.now(UTC)
        calls: list[int] = []
        journal = SqliteJournal(target)
        written = 0
        t0 = time.perf_counter()
        for i, frame in enumerate(frames):
            s = time.perf_counter_ns()
            journal.record_message("bench", "in", frame, at)
            calls.append(time.perf_counter_ns() - s)
            written += 1
            if order_every and i % order_every == 0:
                snap = {
                    "cl_ord_id": f"cl-{i}", "order_id": f"ord-{i}", "symbol": "KXBENCH-26JAN01",
                    "side": "1", "status": "0", "order_qty": Decimal(10), "cum_qty": Decimal(0),
                    "leaves_qty": Decimal(10), "price": Decimal("0.5"),
                }  # fmt: skip
                s = time.perf_counter_ns()
                journal.record_order("bench", snap, at)
                calls.append(time.perf_counter_ns() - s)
                written += 1
        journal.flush()
        elapsed = time.perf_counter() - t0
        backpressure = journal.backpressure_flushes
        journal.close()
    calls.sort()
    return {
        "rows": written,
        "seconds": round(elapsed, 3),
        "rows_per_s": round(written / elapsed),
        "record_p50_us": round(_pct(calls, 0.50), 1),
        "record_p99_us": round(_pct(calls, 0.99), 1),
        "record_max_us": round(calls[-1] / 1000.0, 1),
        "backpressure_flushes": backpressure,
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    for k, v in run(n).items():
        print(f"{k:>22}: {v}")
