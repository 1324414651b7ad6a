"""What every benchmark shares: statistics, result rows, the table, keys and child processes.

Each figure is measured beside its baseline in the same run (interleaved where it can be), so a
noisy neighbour on this shared 2-core machine slows both and the ratio stays meaningful.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ROOT",
    "Row",
    "Stat",
    "Child",
    "Keys",
    "format_table",
    "interleave",
    "make_key",
    "rss_kib",
    "peak_rss_kib",
    "percentile",
]

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of ``values``."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))
    return s[k]


@dataclass
class Stat:
    """Repeated measurements of one figure (per-repeat values, in the row's unit)."""

    samples: list[float]

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 0.99)

    def best(self, higher_is_better: bool) -> float:
        return self.max if higher_is_better else self.min


@dataclass
class Row:
    """One line of the table: our figure, its baseline, how they compare, the target."""

    bench: str
    metric: str
    unit: str
    ours: Stat
    baseline: Stat | None = None
    baseline_name: str = ""
    higher_is_better: bool = False
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times better ours is than the baseline (medians); >1 means ours wins.

        Scaling rows set ``extra["ratio"]`` instead: the growth factor (10x input -> ?x)."""
        if "ratio" in self.extra:
            return self.extra["ratio"]
        if self.baseline is None:
            return None
        b, o = self.baseline.median, self.ours.median
        if b == 0 or o == 0 or b != b or o != o:  # zero or nan
            return None
        return o / b if self.higher_is_better else b / o

    def to_json(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "metric": self.metric,
            "unit": self.unit,
            "ours": self.ours.samples,
            "baseline": self.baseline.samples if self.baseline else None,
            "baseline_name": self.baseline_name,
            "higher_is_better": self.higher_is_better,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "note": self.note,
            **({"extra": self.extra} if self.extra else {}),
        }


def _num(x: float) -> str:
    if x != x:  # nan
        return "-"
    ax = abs(x)
    if ax >= 10_000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def format_table(rows: Sequence[Row]) -> str:
    """A Markdown table: median with [min .. p99] of ours and of the baseline, ratio, target."""
    head = ["bench", "metric", "ours median [min .. p99]", "baseline median [min .. p99]", "ratio", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        o = r.ours
        ours = f"{_num(o.median)} {r.unit} [{_num(o.min)} .. {_num(o.p99)}]"
        if r.baseline is not None:
            b = r.baseline
            base = f"{r.baseline_name}: {_num(b.median)} {r.unit} [{_num(b.min)} .. {_num(b.p99)}]"
        else:
            base = r.baseline_name or "-"
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        metric = r.metric + (f" ({r.note})" if r.note else "")
        lines.append("| " + " | ".join([r.bench, metric, ours, base, ratio, r.target or "-", met]) + " |")
    return "\n".join(lines)


def interleave(
    fns: dict[str, Callable[[], float]], repeats: int
) -> dict[str, list[float]]:
    """Call each measurement once per round, alternating, ``repeats`` rounds."""
    out: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            out[k].append(fn())
    return out


def rss_kib() -> int:
    """Current resident set size of this process in KiB (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---- keys and child processes ---------------------------------------------------------------


@dataclass
class Keys:
    uuid: str
    key_path: Path

    def private_key(self) -> Any:
        from fixgw.crypto.keys import PrivateKey

        return PrivateKey.from_file(self.key_path)


def make_key(directory: Path) -> Keys:
    from fixgw.crypto.keys import generate_key_pair

    uuid = generate_key_pair(directory)
    return Keys(uuid, directory / f"{uuid}.key")


class Child:
    """A benchmark server in another process, talking JSON lines over its stdin/stdout.

    The first line it prints is its ready message; ``call`` sends one command and returns the
    answer.  Closing stdin stops it.
    """

    def __init__(self, args: list[str], *, timeout: float = 60.0) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.ready = self._read(timeout)

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait(timeout)
            raise RuntimeError(f"bench server exited ({code}) without answering")
        return json.loads(line)

    def call(self, cmd: str, timeout: float = 300.0, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        answer = self._read(timeout)
        if "error" in answer:
            raise RuntimeError(f"bench server: {cmd}: {answer['error']}")
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(15)
            except (subprocess.TimeoutExpired, OSError):
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0
