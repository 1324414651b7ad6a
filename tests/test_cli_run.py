"""``fixgw run``: configuration errors stop it before anything starts; SIGTERM logs out and
exits 0; a second SIGINT exits at once.  The signal tests run the real command in a
subprocess against a simulator in this process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import gateway_harness as h
import pytest
from gateway_harness import KeyPool

import fixgw.gateway.daemon as daemon
from fixgw.cli import main

gwenv = h.gwenv
key_pool = h.key_pool
TESTS = Path(__file__).resolve().parent


def good_config(keys: KeyPool, directory: Path) -> str:
    rt = keys["rt"]
    return (
        'environment = "sim"\n'
        f'state_dir = "{directory / "state"}"\n'
        "[[session]]\n"
        'name = "rt"\n'
        'type = "KalshiRT"\n'
        f'api_key = "{rt.uuid}"\n'
        f'private_key_file = "{rt.key_path}"\n'
    )


class _MustNotStart:
    def __init__(self, *a: object, **kw: object) -> None:
        raise AssertionError("a Gateway was created for a config that does not load")


BAD = {
    "heartbeat": ('heartbeat = 2\n', 'session "rt": heartbeat: must be an integer > 3'),
    "unknown": ('colour = "red"\n', "colour: unknown key"),
    "float": ('[risk]\nmax_notional = 1.5\n', "[risk]: max_notional: write it as an integer or a quoted decimal string"),
    "ops": ('[ops]\nenabled = true\n', "[ops]: token or token_env is required"),
    "toml": ("session = [\n", "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_config_error_is_one_line_exit_2_and_nothing_starts(
    key_pool: KeyPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    extra, problem = BAD[case]
    text = good_config(key_pool, tmp_path)
    cfg = tmp_path / "bad.toml"
    if case in ("unknown", "toml"):
        cfg.write_text(extra + text)  # top-level keys go before the first table
    else:
        cfg.write_text(text + extra if case != "heartbeat" else text.replace("[[session]]\n", "[[session]]\n" + extra))
    monkeypatch.setattr(daemon, "Gateway", _MustNotStart)
    assert main(["run", "--config", str(cfg)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"fixgw: {cfg}: ") and problem in err
    assert not (tmp_path / "state").exists()


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--config", str(tmp_path / "nope.toml")]) == 2
    assert capsys.readouterr().err == f"fixgw: {tmp_path / 'nope.toml'}: no such config file\n"


def test_missing_key_file_is_reported_before_anything_is_created(
    key_pool: KeyPool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(good_config(key_pool, tmp_path).replace(str(key_pool["rt"].key_path), str(tmp_path / "gone.key")))
    assert main(["run", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"fixgw: {cfg}: session 'rt': ")
    assert "gone.key" in err and "not found" in err
    assert not (tmp_path / "state").exists()


def test_bad_app_is_one_line_exit_2(
    key_pool: KeyPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(good_config(key_pool, tmp_path))
    monkeypatch.setattr(daemon, "Gateway", _MustNotStart)
    assert main(["run", "--config", str(cfg), "--app", "gateway_strategy:Nope"]) == 2
    err = capsys.readouterr().err
    assert err == "fixgw: --app 'gateway_strategy:Nope': gateway_strategy has no Nope\n"
    assert not (tmp_path / "state").exists()


# ---- signals -----------------------------------------------------------------------------------


async def start_gateway_process(env: h.GwEnv, *args: str, **environ: str) -> asyncio.subprocess.Process:
    cfg = env.write_config()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fixgw", "run", "--config", str(cfg), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=env.dir, env=os.environ | environ,
    )  # fmt: skip

    def logged_on() -> bool:
        if proc.returncode is not None:
            raise AssertionError(f"fixgw run exited early with {proc.returncode}")
        rows = h.journal_rows(env.journal_path, "direction = 'in' AND msg_type = 'A'")
        return len({r["session_id"] for r in rows}) == 3

    try:
        await h.wait_until(logged_on, timeout=30, what="the gateway process logged on (journal)")
    except BaseException:
        if proc.returncode is None:
            proc.kill()
        _, err = await proc.communicate()
        print(err.decode())
        raise
    return proc


async def test_sigterm_logs_out_and_exits_0(gwenv: h.GwEnv) -> None:
    proc = await start_gateway_process(gwenv)
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    text = err.decode()
    assert proc.returncode == 0, text
    assert "signal SIGTERM: logging out" in text and "Traceback" not in text
    logouts = h.journal_rows(gwenv.journal_path, "msg_type = '5'")
    sent = {r["session_id"] for r in logouts if r["direction"] == "out" and r["text"] == "gateway stopping"}
    answered = {r["session_id"] for r in logouts if r["direction"] == "in"}
    assert len(sent) == 3 and answered == sent
    for key in ("rt", "nr", "dc"):
        await gwenv.sim.wait_disconnected(gwenv.uuid(key))


async def test_second_sigint_exits_at_once(gwenv: h.GwEnv) -> None:
    marker = gwenv.dir / "on_stop.txt"
    proc = await start_gateway_process(
        gwenv, "--app", f"{TESTS / 'gateway_strategy.py'}:SlowStop", FIXGW_TEST_STOP_MARKER=str(marker)
    )
    proc.send_signal(signal.SIGINT)
    await h.wait_until(marker.exists, timeout=10, what="the first SIGINT began the shutdown")
    proc.send_signal(signal.SIGINT)  # the strategy's on_stop would never return
    _, err = await asyncio.wait_for(proc.communicate(), 10)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "signal SIGINT: logging out" in text and "second signal: exiting without Logout" in text
