"""Drop-copy replay (``replay_to_file``) against the simulator's KalshiDC over TLS: chunks,
exactly-once output, the cursor, EventResendReject handling; ``reconcile`` and ``Progress``."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import gateway_harness as h
import pytest

from fixgw.app import DropCopyRejected
from fixgw.gateway.replay import (
    Progress,
    ReplayCursor,
    folded_news,
    load_replay_file,
    reconcile,
    replay_to_file,
)
from fixgw.transport import Backoff

gwenv = h.gwenv
key_pool = h.key_pool
BUY, SELL, D = h.BUY, h.SELL, h.D


def trade(env: h.GwEnv, account: str) -> list[str]:
    """Orders and fills for ``account`` entered on the exchange directly (no FIX session); returns
    the account's ExecIDs, oldest first (what drop copy must replay)."""
    env.seed(SELL, 10, "0.55")  # another account's offer
    env.seed(BUY, 3, "0.56", account=account)  # fills
    env.seed(SELL, 2, "0.90")  # another account's: not ours
    env.seed(BUY, 4, "0.30", account=account)  # rests
    env.seed(BUY, 5, "0.56", account=account)  # fills 5 of the remaining 7
    return exchange_ids(env, account)


def exchange_ids(env: h.GwEnv, account: str) -> list[str]:
    hist = env.app.engine.history
    first = hist._events[0].exec_id  # the whole (young) history
    return [str(e.exec_id) for e in hist.query(env.clock.now(), first, account=account)]


def written(path: Path) -> list[str]:
    return [r["exec_id"] for r in load_replay_file(path)]


async def no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize("chunk", [1, 2, 1000])
async def test_chunks_write_every_report_once_and_rerun_adds_nothing(gwenv: h.GwEnv, tmp_path: Path, chunk: int) -> None:
    ids = trade(gwenv, gwenv.uuid("dc"))
    assert len(ids) >= 5
    out = tmp_path / "dc.jsonl"
    cursor = ReplayCursor(tmp_path / "dc.cursor.json")
    async with h.dc_client(gwenv) as dc:
        stats = await replay_to_file(dc.dropcopy, out=out, cursor=cursor, begin=ids[0], chunk=chunk)
        assert written(out) == ids
        assert (stats.written, stats.duplicates, stats.last_exec_id) == (len(ids), 0, ids[-1])
        assert ReplayCursor.load(cursor.path).last_exec_id == ids[-1]
        # same range again: everything arrives, nothing is written twice
        again = await replay_to_file(dc.dropcopy, out=out, cursor=cursor, begin=ids[0], chunk=chunk)
        assert (again.written, again.duplicates) == (0, len(ids))
        # no begin: resume after the cursor; nothing new yet
        resumed = await replay_to_file(dc.dropcopy, out=out, cursor=ReplayCursor.load(cursor.path), chunk=chunk)
        assert (resumed.received, resumed.written) == (0, 0)
        # new activity: only it is fetched
        gwenv.seed(SELL, 1, "0.30")  # hits the resting bid
        new = exchange_ids(gwenv, gwenv.uuid("dc"))[len(ids):]
        assert new
        more = await replay_to_file(dc.dropcopy, out=out, cursor=ReplayCursor.load(cursor.path), chunk=chunk)
        assert (more.received, more.written) == (len(new), len(new))
    assert written(out) == ids + new
    lines = out.read_text().splitlines()
    assert len(lines) == len(set(lines))


async def test_end_bounds_the_range(gwenv: h.GwEnv, tmp_path: Path) -> None:
    ids = trade(gwenv, gwenv.uuid("dc"))
    out = tmp_path / "dc.jsonl"
    async with h.dc_client(gwenv) as dc:
        await replay_to_file(dc.dropcopy, out=out, cursor=ReplayCursor(tmp_path / "c.json"), begin=ids[1], end=ids[3], chunk=2)
    assert written(out) == ids[1:4]


async def test_end_beyond_the_latest_is_the_callers_mistake(gwenv: h.GwEnv, tmp_path: Path) -> None:
    ids = trade(gwenv, gwenv.uuid("dc"))
    a, b = ids[-1].split(";")
    beyond = f"{a};{int(b) + 50}"
    out = tmp_path / "dc.jsonl"
    async with h.dc_client(gwenv) as dc:
        with pytest.raises(DropCopyRejected) as ei:
            await replay_to_file(dc.dropcopy, out=out, cursor=ReplayCursor(tmp_path / "c.json"), begin=ids[0], end=beyond)
    assert ei.value.reason == 4 and "EndExecID" in str(ei.value)


async def test_last_chunk_reaching_past_the_latest_exec_id_is_not_an_error(gwenv: h.GwEnv, tmp_path: Path) -> None:
    """Regression: a chunk [a;b, a;b+chunk-1] past the latest ExecID got U3 21004=4 and the
    replay stopped with an error although nothing was wrong."""
    ids = trade(gwenv, gwenv.uuid("dc"))
    out = tmp_path / "dc.jsonl"
    async with h.dc_client(gwenv) as dc:
        stats = await replay_to_file(dc.dropcopy, out=out, cursor=ReplayCursor(tmp_path / "c.json"), begin=ids[-1], chunk=100)
    assert stats.written == 1 and written(out) == [ids[-1]]


@pytest.mark.parametrize("reason", [1, 2])
async def test_too_many_requests_and_server_error_are_retried(gwenv: h.GwEnv, tmp_path: Path, reason: int) -> None:
    ids = trade(gwenv, gwenv.uuid("dc"))
    out = tmp_path / "dc.jsonl"
    sleeps: list[float] = []

    async def sleep(delay: float) -> None:  # the fault clears while we "wait"
        sleeps.append(delay)
        gwenv.app.set_faults(dropcopy_server_error=False)
        gwenv.app.dropcopy.max_requests = 100
        gwenv.clock.advance(timedelta(seconds=2))  # the request budget window passes

    if reason == 2:
        gwenv.app.set_faults(dropcopy_server_error=True)
    async with h.dc_client(gwenv) as dc:
        if reason == 1:
            gwenv.app.dropcopy.max_requests = 1
            await dc.dropcopy.replay(ids[0], ids[0])  # spends this window's budget
        stats = await replay_to_file(
            dc.dropcopy, out=out, cursor=ReplayCursor(tmp_path / "c.json"), begin=ids[0], chunk=1000,
            backoff=Backoff(base=0.5, cap=1.0), sleep=sleep,
        )  # fmt: skip
    assert stats.retries == 1 and len(sleeps) == 1 and sleeps[0] > 0
    assert written(out) == ids


async def test_retries_give_up_after_max_retries(gwenv: h.GwEnv, tmp_path: Path) -> None:
    ids = trade(gwenv, gwenv.uuid("dc"))
    gwenv.app.set_faults(dropcopy_server_error=True)
    out = tmp_path / "dc.jsonl"
    async with h.dc_client(gwenv) as dc:
        with pytest.raises(DropCopyRejected) as ei:
            await replay_to_file(dc.dropcopy, out=out, cursor=ReplayCursor(tmp_path / "c.json"), begin=ids[0],
                                 max_retries=3, sleep=no_sleep)  # fmt: skip
    assert ei.value.reason == 2 and ei.value.retryable
    assert written(out) == []


async def test_begin_before_the_lookback_window_stops_with_reason_3(gwenv: h.GwEnv, tmp_path: Path) -> None:
    ids = trade(gwenv, gwenv.uuid("dc"))
    gwenv.clock.advance(timedelta(hours=3, minutes=1))  # the engine's clock: history forgets
    gwenv.seed(SELL, 1, "0.30", account=gwenv.uuid("dc"))
    out = tmp_path / "dc.jsonl"
    cursor = ReplayCursor(tmp_path / "c.json")
    async with h.dc_client(gwenv) as dc:
        with pytest.raises(DropCopyRejected) as ei:
            await replay_to_file(dc.dropcopy, out=out, cursor=cursor, begin=ids[0], sleep=no_sleep)
    assert ei.value.reason == 3 and not ei.value.retryable
    assert "3-hour lookback" in str(ei.value) and ids[0] in str(ei.value)
    assert written(out) == [] and cursor.last_exec_id is None and not cursor.path.exists()


async def test_bad_arguments(gwenv: h.GwEnv, tmp_path: Path) -> None:
    async with h.dc_client(gwenv) as dc:
        cursor = ReplayCursor(tmp_path / "c.json")
        with pytest.raises(ValueError, match="no --from given and no saved cursor"):
            await replay_to_file(dc.dropcopy, out=tmp_path / "o.jsonl", cursor=cursor)
        with pytest.raises(ValueError, match="'nope' is not in the 'int;int' form"):
            await replay_to_file(dc.dropcopy, out=tmp_path / "o.jsonl", cursor=cursor, begin="nope")
        with pytest.raises(ValueError, match="chunk must be at least 1"):
            await replay_to_file(dc.dropcopy, out=tmp_path / "o.jsonl", cursor=cursor, begin="1;1", chunk=0)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"exec_id": "1;1"}\nnot json\n')
    async with h.dc_client(gwenv) as dc:
        with pytest.raises(ValueError, match=r"bad.jsonl:2: not a replay line"):
            await replay_to_file(dc.dropcopy, out=bad, cursor=cursor, begin="1;1")


def test_cursor_file_round_trip_and_corruption(tmp_path: Path) -> None:
    c = ReplayCursor.load(tmp_path / "c.json")
    assert c.last_exec_id is None
    c.last_exec_id = "5;9"
    c.save()
    assert ReplayCursor.load(tmp_path / "c.json").last_exec_id == "5;9"
    assert json.loads((tmp_path / "c.json").read_text()) == {"last_exec_id": "5;9"}
    (tmp_path / "c.json").write_text("{not json")
    with pytest.raises(ValueError, match="unreadable replay cursor .*delete it to start over"):
        ReplayCursor.load(tmp_path / "c.json")


def test_reconcile() -> None:
    ex = ["1;3", "1;5", "1;6", "1;9"]
    assert reconcile(ex, {"1;3", "1;5", "1;6", "1;9", "-1;-1"}).clean
    r = reconcile(ex, {"1;3", "1;6", "1;9", "1;12"})
    assert (r.missing_in_journal, r.unknown_to_exchange, r.clean) == (["1;5"], ["1;12"], False)
    # journal ExecIDs outside begin..end are not compared
    r = reconcile(["1;5", "1;6"], {"1;1", "1;5", "1;6", "1;9"}, begin="1;5", end="1;6")
    assert r.clean
    # ExecIDs sort as integer pairs, not text
    r = reconcile(["1;10", "1;9", "2;1"], set())
    assert r.missing_in_journal == ["1;9", "1;10", "2;1"]
    # a New folded into the Trade report is not missing; another New is
    rows = [
        {"exec_id": "1;2", "exec_type": "0", "order_id": "A"},
        {"exec_id": "1;3", "exec_type": "F", "order_id": "A"},
        {"exec_id": "1;4", "exec_type": "0", "order_id": "B"},
    ]
    folded = folded_news(rows, ["A"])
    assert folded == {"1;2"}
    r = reconcile(["1;2", "1;3", "1;4"], {"1;3"}, folded=folded)
    assert (r.missing_in_journal, r.folded) == (["1;4"], ["1;2"])


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_plain_lines_unless_a_terminal() -> None:
    from fixgw.gateway.replay import ReplayStats

    s = ReplayStats(requested_chunks=2, received=5, written=4)
    plain = io.StringIO()
    p = Progress(plain)
    p.update(s, "1;7")
    p.update(s, "1;8")
    p.done()
    assert plain.getvalue().splitlines() == [
        "chunks 2  reports 5  written 4  at 1;7",
        "chunks 2  reports 5  written 4  at 1;8",
    ]
    assert "\r" not in plain.getvalue() and "\x1b" not in plain.getvalue()
    tty = _Tty()
    p = Progress(tty)
    p.update(s, "1;7")
    p.done()
    assert tty.getvalue() == "\r\x1b[2Kchunks 2  reports 5  written 4  at 1;7\n"
