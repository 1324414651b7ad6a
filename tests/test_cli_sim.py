"""`fixgw sim` as a real process: listener lines, a client logging on, clean stop on signals."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from fixgw.session import LoggedOn
from fixgw.testing import ActionLog, client_session, make_keys
from fixgw.transport import Endpoint, Initiator

TYPES = ["KalshiNR", "KalshiDC", "KalshiRT", "KalshiPT", "KalshiRFQ"]


async def start_sim(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fixgw", "sim", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def listener_lines(proc: asyncio.subprocess.Process) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for _ in TYPES:
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert line, f"sim exited early: {(await proc.stderr.read()).decode()}"
        name, _, rest = line.strip().partition(" listening on ")
        host, _, port = rest.rpartition(":")
        out[name] = (host, int(port))
    return out


@pytest.mark.parametrize(
    "sig, loop", [(signal.SIGTERM, "asyncio"), (signal.SIGINT, "asyncio"), (signal.SIGTERM, "uvloop")]
)
async def test_sim_prints_listeners_serves_a_client_and_stops_on_signal(tmp_path, sig, loop):
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    keys = make_keys(tmp_path / "keys")
    cert = tmp_path / "sim.pem"
    proc = await start_sim("--keys", str(keys.dir), "--port-base", "0", "--cert-out", str(cert), "--loop", loop)
    try:
        listeners = await listener_lines(proc)
        assert list(listeners) == TYPES
        assert {h for h, _ in listeners.values()} == {"127.0.0.1"}
        assert len({p for _, p in listeners.values()}) == 5
        assert cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")

        host, port = listeners["KalshiNR"]
        log = ActionLog()
        ini = Initiator(
            client_session(keys, "KalshiNR"), Endpoint(host, port, pinned_cert=str(cert)),
            on_action=log, maintenance=None,
        )  # fmt: skip
        task = asyncio.ensure_future(ini.connect_once())
        await log.wait_for(LoggedOn, timeout=10)
        await ini.stop()
        await asyncio.wait_for(task, 10)
    finally:
        if proc.returncode is None:
            proc.send_signal(sig)
    assert await asyncio.wait_for(proc.wait(), 20) == 0
    err = (await proc.stderr.read()).decode()
    assert "Traceback" not in err and keys.uuid in err


async def test_port_base_shifts_the_five_ports(tmp_path):
    keys = make_keys(tmp_path / "keys")
    # Ask the OS for a free port, then hope its four neighbours are free too; retry otherwise.
    import socket

    for _ in range(5):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base > 65000:
            continue
        proc = await start_sim("--keys", str(keys.dir), "--port-base", str(base))
        try:
            first = await asyncio.wait_for(proc.stdout.readline(), 20)
            if not first:  # a neighbour was taken: that is a clean error exit, try another base
                assert await proc.wait() == 2
                continue
            lines = [first] + [await asyncio.wait_for(proc.stdout.readline(), 20) for _ in range(4)]
            ports = [int(line.decode().strip().rpartition(":")[2]) for line in lines]
            assert ports == [base, base + 1, base + 2, base + 3, base + 4]
            assert lines[2].decode().startswith("KalshiRT listening on 127.0.0.1:")
            return
        finally:
            if proc.returncode is None:
                proc.terminate()
                assert await asyncio.wait_for(proc.wait(), 20) == 0
    pytest.skip("no free run of five ports found")


async def test_bad_keys_dir_is_a_one_line_error_exit_2(tmp_path):
    proc = await start_sim("--keys", str(tmp_path / "nope"), "--port-base", "0")
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "not found" in lines[0]
    assert lines[0].startswith("fixgw: sim:")


async def test_keys_dir_without_pub_files_is_refused(tmp_path):
    proc = await start_sim("--keys", str(tmp_path), "--port-base", "0")
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2 and "no <uuid>.pub files" in err.decode()


def test_sim_link_needs_key_equals_account(tmp_path, capsys):
    from fixgw.cli import main
    from fixgw.crypto.keys import generate_key_pair

    generate_key_pair(tmp_path)
    assert main(["sim", "--keys", str(tmp_path), "--link", "no-equals-sign"]) == 2
    err = capsys.readouterr().err
    assert "--link 'no-equals-sign': expected KEY=ACCOUNT_KEY" in err and err.count("\n") == 1
