"""Where one order round trip's time goes, stage by stage, across both processes.

``time.perf_counter_ns`` is CLOCK_MONOTONIC on Linux, one clock for every process, so the
client and the server (``python -m bench.server`` with ``FIXGW_BENCH_STAGES=1``) each stamp
the same points of every round trip and the stamps line up: when the NewOrderSingle was
built, numbered and stored, handed to TLS, when the simulator's transport delivered it, how
long its session and matching engine took, when the report reached the client and how long
the client took to apply it.  The raw TLS echo is stamped the same way, so each stage that
both have (TLS writes, the trip between processes) sits beside its echo figure.

The hooks wrap a few methods (a few hundred ns each, in both columns), so the total is a
little above ``roundtrip``'s.  Linux only (CLOCK_MONOTONIC shared across processes).
"""

from __future__ import annotations

import asyncio
import bisect
import os
import statistics
import time
from decimal import Decimal
from typing import Any

from .common import Row, Stat

NAME = "stages"
DESCRIPTION = "the order round trip split into stages across both processes, beside the echo"

ENV = "FIXGW_BENCH_STAGES"

#: every stamp: (label, perf_counter_ns)
EVENTS: list[tuple[str, int]] = []


_WRAPPED: list[tuple[type, str, Any]] = []


def install() -> None:
    """Wrap the points to stamp (in this process).  Called by ``bench.server`` and the driver."""
    rec = EVENTS.append
    clock = time.perf_counter_ns
    from fixgw.session.core import Session
    from fixgw.sim.exchange_app import KalshiExchangeApp
    from fixgw.transport.streams import SinkReader

    def around(cls: type, name: str, tag: str) -> None:
        inner = getattr(cls, name)

        def wrapper(*a: Any, **k: Any) -> Any:
            rec((tag + "<", clock()))
            try:
                return inner(*a, **k)
            finally:
                rec((tag + ">", clock()))

        _WRAPPED.append((cls, name, inner))
        setattr(cls, name, wrapper)

    def before(cls: type, name: str, tag: str) -> None:
        inner = getattr(cls, name)

        def wrapper(*a: Any, **k: Any) -> Any:
            rec((tag, clock()))
            return inner(*a, **k)

        _WRAPPED.append((cls, name, inner))
        setattr(cls, name, wrapper)

    around(asyncio.StreamWriter, "write", "tls")  # the TLS write: encrypt + send
    before(SinkReader, "feed_data", "feed")  # the transport hands over what it decrypted
    before(asyncio.StreamReader, "feed_data", "feed")  # (the echo's plain reader)
    around(Session, "data_received", "recv")
    around(Session, "send", "send")
    around(KalshiExchangeApp, "on_message", "app")


def uninstall() -> None:
    while _WRAPPED:
        cls, name, inner = _WRAPPED.pop()
        setattr(cls, name, inner)


def take() -> list[tuple[str, int]]:
    out = EVENTS[:]
    EVENTS.clear()
    return out


# ---- lining the stamps up -----------------------------------------------------------------------


def _index(events: list[tuple[str, int]]) -> dict[str, list[int]]:
    by: dict[str, list[int]] = {}
    for label, t in events:
        by.setdefault(label, []).append(t)
    return by


def _after(times: list[int], t: int) -> int | None:
    i = bisect.bisect_left(times, t)
    return times[i] if i < len(times) else None


#: (stage, from, to): consecutive stamps on the round trip's critical path ("c:" client,
#: "s:" server), so the stages add up to the whole trip.  A "TLS write -> delivered" stage
#: runs from the start of the sender's write (encrypt, send) through loopback to the
#: receiving transport handing over what it decrypted; the rest of the write call overlaps.
OURS = [
    ("client: build and track the order", "c:start", "c:send<"),
    ("client: session send (number, store, frame)", "c:send<", "c:send>"),
    ("client: on to the TLS write", "c:send>", "c:tls<"),
    ("NewOrderSingle: TLS write -> delivered to the simulator", "c:tls<", "s:feed"),
    ("simulator: on to its session", "s:feed", "s:recv<"),
    ("simulator: session receive (frame, decode, checks, store)", "s:recv<", "s:recv>"),
    ("simulator: on to the exchange", "s:recv>", "s:app<"),
    ("simulator: validate, book, build the report", "s:app<", "s:send<"),
    ("simulator: session send (number, store, frame)", "s:send<", "s:send>"),
    ("simulator: on to the TLS write", "s:send>", "s:tls<"),
    ("ExecutionReport: TLS write -> delivered to the client", "s:tls<", "c:feed"),
    ("client: on to its session", "c:feed", "c:recv<"),
    ("client: session receive (frame, decode, checks, store)", "c:recv<", "c:recv>"),
    ("client: apply to the order, wake the caller", "c:recv>", "c:end"),
]
#: the echo's stages, named as ours where they do the same job
ECHO = [
    ("client: on to the TLS write", "c:start", "c:tls<"),
    ("NewOrderSingle: TLS write -> delivered to the simulator", "c:tls<", "s:feed"),
    ("echo server: wake its task, read, on to the TLS write", "s:feed", "s:tls<"),
    ("ExecutionReport: TLS write -> delivered to the client", "s:tls<", "c:feed"),
    ("client: apply to the order, wake the caller", "c:feed", "c:end"),
]


def _trips(
    client: list[tuple[str, int]], server: list[tuple[str, int]], labels: list[str]
) -> list[dict[str, int]]:
    """One dict of stamps per round trip: each stamp is the first of its kind after the one
    before it on the path (and before the trip ended)."""
    c, s = _index(client), _index(server)
    trips = []
    starts, ends = c.get("start", []), c.get("end", [])
    for t0, t9 in zip(starts, ends, strict=False):
        got: dict[str, int] = {"c:start": t0, "c:end": t9}
        floor = t0
        for label in labels:
            side, name = label.split(":")
            if label in got:
                continue
            times = (c if side == "c" else s).get(name, [])
            t = _after(times, floor)
            if t is None or t > t9:
                break
            got[label] = t
            floor = t
        trips.append(got)
    return trips


def _chain(stages: list[tuple[str, str, str]]) -> list[str]:
    out: list[str] = []
    for _, a, b in stages:
        for x in (a, b):
            if x not in out:
                out.append(x)
    return out


def _stage_medians(trips: list[dict[str, int]], stages: list[tuple[str, str, str]]) -> dict[str, float]:
    out = {}
    for name, a, b in stages:
        d = [(t[b] - t[a]) / 1000 for t in trips if a in t and b in t]
        if d:
            out[name] = statistics.median(d)
    return out


# ---- the run ------------------------------------------------------------------------------------


async def _ours(n: int, rounds: int) -> tuple[list[dict[str, float]], list[float]]:
    from fixgw.messages import enums

    from .net import SimProcess, close_quietly

    stages, totals = [], []
    order = _chain(OURS)
    with SimProcess(1) as sim:
        client = sim.client(sim.keys[0], "KalshiNR")
        await client.start()
        try:
            sym, qty, px, buy = "KXBENCH-ST", Decimal(1), Decimal("0.01"), enums.Side.BUY
            rec, clock = EVENTS.append, time.perf_counter_ns
            for r in range(rounds + 1):
                take()
                await sim.acall("stages")
                for _ in range(n):
                    rec(("start", clock()))
                    await client.place_order(sym, buy, qty, px)
                    rec(("end", clock()))
                mine, theirs = take(), (await sim.acall("stages"))["events"]
                if r == 0:
                    continue  # warm-up
                trips = _trips(mine, [tuple(e) for e in theirs], order)
                stages.append(_stage_medians(trips, OURS))
                totals.append(statistics.median((t["c:end"] - t["c:start"]) / 1000 for t in trips))
        finally:
            await close_quietly(client)
    return stages, totals


async def _acall(child: Any, cmd: str) -> dict[str, Any]:
    return await asyncio.get_running_loop().run_in_executor(None, lambda: child.call(cmd))


async def _echo(n: int, rounds: int, req: int, resp: int) -> tuple[list[dict[str, float]], list[float]]:
    from .net import EchoProcess

    stages, totals = [], []
    order = _chain(ECHO)
    with EchoProcess(req, resp) as echo:
        reader, writer = await echo.connect()
        payload = b"x" * req
        rec, clock = EVENTS.append, time.perf_counter_ns
        try:
            for r in range(rounds + 1):
                take()
                await _acall(echo.child, "stages")
                for _ in range(n):
                    rec(("start", clock()))
                    writer.write(payload)
                    await writer.drain()
                    await reader.readexactly(resp)
                    rec(("end", clock()))
                mine, theirs = take(), (await _acall(echo.child, "stages"))["events"]
                if r == 0:
                    continue
                trips = _trips(mine, [tuple(e) for e in theirs], order)
                stages.append(_stage_medians(trips, ECHO))
                totals.append(statistics.median((t["c:end"] - t["c:start"]) / 1000 for t in trips))
        finally:
            writer.close()
    return stages, totals


def _rows(ours: list[dict[str, float]], echo: list[dict[str, float]], tot: list[float], etot: list[float]) -> list[Row]:
    rows = []
    names = [name for name, _, _ in OURS]
    names.insert(names.index("ExecutionReport: TLS write -> delivered to the client"), ECHO[2][0])
    for name in names:
        o = [s[name] for s in ours if name in s]
        e = [s[name] for s in echo if name in s]
        if o:
            rows.append(Row(NAME, name, "us", Stat(o), Stat(e) if e else None, "echo" if e else ""))
        elif e:
            rows.append(Row(NAME, name, "us", Stat([float("nan")]), Stat(e), "echo"))
    rows.append(Row(NAME, "round trip (median of the stamped trips)", "us", Stat(tot), Stat(etot), "echo"))
    rows.append(
        Row(NAME, "sum of the stage medians", "us", Stat([sum(s.values()) for s in ours]),
            Stat([sum(s.values()) for s in echo]), "echo")
    )  # fmt: skip
    return rows


async def _run(quick: bool) -> list[Row]:
    n, rounds = (300, 2) if quick else (2000, 3)
    os.environ[ENV] = "1"  # the server processes stamp too
    try:
        install()
        ours, tot = await _ours(n, rounds)
        echo, etot = await _echo(n, rounds, 192, 313)
    finally:
        uninstall()
        os.environ.pop(ENV, None)
    return _rows(ours, echo, tot, etot)


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(_run(quick))

