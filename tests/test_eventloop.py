"""The optional uvloop event loop: chosen only when asked for, a clear error when it is not
installed, and the simulator and a client trading over TLS on it."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

import pytest

from fixgw.app import ClientConfig, EventLoopError, KalshiClient, run_event_loop
from fixgw.messages import enums
from fixgw.testing import make_keys, sim_endpoint


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_asyncio_is_the_default() -> None:
    assert run_event_loop(_loop_module()).startswith("asyncio")


def test_uvloop_when_asked_for() -> None:
    pytest.importorskip("uvloop")
    assert run_event_loop(_loop_module(), "uvloop").startswith("uvloop")


def test_uvloop_not_installed_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import fails as if not installed
    with pytest.raises(EventLoopError, match=r"'uvloop' is not installed: pip install 'fixgw\[uvloop\]'"):
        run_event_loop(_loop_module(), "uvloop")


def test_unknown_loop_is_named() -> None:
    with pytest.raises(EventLoopError, match="unknown event loop 'trio'"):
        run_event_loop(_loop_module(), "trio")


def test_cli_without_uvloop_is_one_line_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    from fixgw.cli import main

    make_keys(tmp_path)
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert main(["sim", "--keys", str(tmp_path), "--port-base", "0", "--loop", "uvloop"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fixgw: sim: event loop 'uvloop' is not installed" in err


def test_an_order_round_trip_over_tls_on_uvloop(tmp_path) -> None:
    pytest.importorskip("uvloop")
    from fixgw.sim.server import Simulator
    from fixgw.sim.stack import build_exchange

    keys = make_keys(tmp_path)

    async def main() -> tuple[str, enums.OrdStatus, enums.OrdStatus]:
        async with Simulator(port_base=0, app=build_exchange()) as sim:
            sim.register_key(keys.uuid, keys.pub_path)
            cfg = ClientConfig("KalshiRT", keys.uuid, sim_endpoint(sim, "KalshiRT"), private_key=keys.private_key)
            async with KalshiClient(cfg) as kc:
                rest = await kc.place_order("KXTEST-26DEC31", enums.Side.BUY, Decimal(2), Decimal("0.40"))
                rested = rest.status  # the order's live state: read it before the cancel
                gone = await kc.cancel(rest.cl_ord_id)
                return _loop_name(), rested, gone.status

    loop_module, rested, cancelled = run_event_loop(main(), "uvloop")
    assert loop_module.startswith("uvloop")
    assert rested is enums.OrdStatus.NEW
    assert cancelled is enums.OrdStatus.CANCELED


def _loop_name() -> str:
    return type(asyncio.get_running_loop()).__module__
