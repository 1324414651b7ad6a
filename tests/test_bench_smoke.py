"""The benchmark suite runs: ``python -m bench --quick`` prints its table (no timing checked).

Why: benchmarks that nobody runs rot; this keeps ``python -m bench`` importable and working
against the current APIs (codec, client, simulator in another process) at smoke-test size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FIXGW_BENCH_PROFILE", None)
    return subprocess.run(
        [sys.executable, "-m", "bench", "--quick", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _table_rows(stdout: str) -> list[list[str]]:
    lines = [ln for ln in stdout.splitlines() if ln.startswith("| ")]
    assert lines, f"no table in:\n{stdout}"
    assert lines[0].startswith("| bench | metric |")
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[1:]]


def test_quick_codec_prints_a_table_with_its_baseline(tmp_path: Path) -> None:
    out = _bench("codec", "--json", str(tmp_path / "codec.json"))
    assert out.returncode == 0, out.stderr
    rows = _table_rows(out.stdout)
    metrics = [r[1] for r in rows]
    assert all(r[0] == "codec" for r in rows)
    assert any(m.startswith("ER decode") for m in metrics)
    assert any(m.startswith("NOS encode") for m in metrics)
    decode = next(r for r in rows if r[1].startswith("ER decode -> dataclass"))
    assert decode[3].startswith("simplefix parse:") and decode[4].endswith("x")
    saved = json.loads((tmp_path / "codec.json").read_text())
    assert len(saved["rows"]) == len(rows)
    assert all(m.startswith(r["metric"]) for r, m in zip(saved["rows"], metrics, strict=True))
    assert all(r["ours"] and all(v > 0 for v in r["ours"]) for r in saved["rows"])


def test_quick_roundtrip_runs_against_a_simulator_process() -> None:
    out = _bench("roundtrip")
    assert out.returncode == 0, out.stderr
    rows = _table_rows(out.stdout)
    assert [r[1].split()[0] for r in rows] == ["p50", "p99", "p99.9"]
    assert all(r[3].startswith("raw TLS echo:") for r in rows)


def test_unknown_benchmark_names_are_refused() -> None:
    out = _bench("no-such-bench")
    assert out.returncode == 2
    assert "unknown benchmark no-such-bench" in out.stderr


def test_quick_stages_stamps_both_processes() -> None:
    out = _bench("stages")
    assert out.returncode == 0, out.stderr
    rows = {r[1]: r for r in _table_rows(out.stdout)}
    # stamps from the simulator process made it back and lined up with the client's
    assert not rows["simulator: session receive (frame, decode, checks, store)"][2].startswith("-")
    assert not rows["ExecutionReport: TLS write -> delivered to the client"][2].startswith("-")
    assert rows["NewOrderSingle: TLS write -> delivered to the simulator"][3].startswith("echo:")
