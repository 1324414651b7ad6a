"""``python -m bench [--quick] [NAME ...]``: run the benchmarks and print one table.

Every figure is printed beside its baseline, measured in the same run; targets from the issue
are checked and marked, never asserted.  ``--write-readme`` puts the table into
bench/README.md; ``--json FILE`` keeps every sample (for before/after comparisons).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from .common import Row, format_table

#: name -> module, in the order they run (the journal benchmark is bench/journal.py's ``run``)
BENCHMARKS = {
    "codec": ("bench.codec", "decode/encode NewOrderSingle and ExecutionReport vs simplefix"),
    "roundtrip": ("bench.roundtrip", "NewOrderSingle -> ExecutionReport(New) latency vs a raw TLS echo"),
    "throughput": ("bench.throughput", "acknowledged orders/s with SYNC / BATCHED stores and the journal"),
    "resend": ("bench.resend", "recover a 100k-message gap: gap fill and real resend"),
    "replay": ("bench.replay", "drop-copy replay tool: execution reports/s written"),
    "memory": ("bench.memory", "RSS with 100k open orders (client, engine) and replaying reports"),
    "journal": ("bench.journal_rows", "journal rows/s and record-call latency vs plain sqlite3"),
    "stages": ("bench.stages", "the order round trip split into stages across both processes"),
}

README = Path(__file__).resolve().parent / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def _describe() -> str:
    lines = []
    for name, (_, doc) in BENCHMARKS.items():
        lines.append(f"  {name:<11} {doc}")
    return "\n".join(lines)


def write_readme(table: str, header: str) -> None:
    text = README.read_text() if README.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip() + f"\n\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    README.write_text(f"{before}{START}\n{header}\n\n{table}\n{END}{after}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="benchmarks:\n" + _describe(),
    )
    ap.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    ap.add_argument("--quick", action="store_true", help="each benchmark briefly (a smoke test; figures are rough)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write every sample here")
    ap.add_argument("--write-readme", action="store_true", help="put the table into bench/README.md")
    ap.add_argument("--uvloop", action="store_true", help="run the event loops (ours and the servers') on uvloop")
    ap.add_argument(
        "--default-gc", action="store_true",
        help="keep CPython's garbage-collector settings (by default every process runs fixgw.app.tune_gc(), "
        "as fixgw run and fixgw sim do)",
    )  # fmt: skip
    ap.add_argument(
        "--profile", type=Path, metavar="DIR",
        help="cProfile each benchmark (DIR/<name>.prof) and the server processes (DIR/server-*.prof); "
        "read with python -m pstats. Figures are slower under the profiler.",
    )  # fmt: skip
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    if args.uvloop:
        try:
            import uvloop
        except ImportError:
            ap.error("--uvloop needs uvloop, which is not a fixgw dependency: pip install uvloop")

        uvloop.install()
        from . import net

        net.USE_UVLOOP = True

    if not args.default_gc:
        from fixgw.app import tune_gc

        from . import net

        net.TUNE_GC = True
        tune_gc()

    rows: list[Row] = []
    failed: list[str] = []
    t_all = time.perf_counter()
    for name in names:
        modname, doc = BENCHMARKS[name]
        print(f"== {name}: {doc}", file=sys.stderr, flush=True)
        mod = importlib.import_module(modname)
        t0 = time.perf_counter()
        try:
            if args.profile is not None:
                got = _profiled(mod, args.profile, name, args.quick)
            else:
                got = mod.run(quick=args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        rows.extend(got)
        print(f"   {name} done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        print(format_table(got) + "\n", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t_all
    header = (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {'quick' if args.quick else 'full'} mode"
        f"{', uvloop' if args.uvloop else ''}{', default GC' if args.default_gc else ''}, {elapsed:.0f} s; Python {platform.python_version()}, "
        f"{platform.machine()}, {_cpus()} CPUs."
    )
    table = format_table(rows)
    print(header)
    print()
    print(table)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    if args.json:
        args.json.write_text(json.dumps({"header": header, "rows": [r.to_json() for r in rows]}, indent=1))
    if args.write_readme:
        write_readme(table, header)
    return 1 if failed else 0


def _profiled(mod: object, directory: Path, name: str, quick: bool) -> list[Row]:
    import cProfile
    import os

    directory.mkdir(parents=True, exist_ok=True)
    os.environ["FIXGW_BENCH_PROFILE"] = str(directory.resolve())  # the server processes read it
    prof = cProfile.Profile()
    try:
        return prof.runcall(mod.run, quick=quick)  # type: ignore[attr-defined]
    finally:
        prof.dump_stats(directory / f"{name}.prof")
        print(f"   profile: {directory / name}.prof", file=sys.stderr)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
