"""End-to-end order tests: the Simulator with ``KalshiExchangeApp`` over TLS, driven by the real
``KalshiClient``.  The engine runs on a ManualClock (expiry, order-group windows); the sessions
use the wall clock (Logon SendingTime must be within 30 s).

Use the fixtures in a test module by binding them there (pytest finds fixtures by attribute)::

    import e2e_orders_harness as harness
    env = harness.env
    key_pool = harness.key_pool
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sim_orders_harness import make_app

from fixgw.app import ClientConfig, KalshiClient
from fixgw.messages import Message, enums
from fixgw.session import LogonFlags
from fixgw.sim.exchange import EngineConfig, ManualClock
from fixgw.sim.exchange_app import ExchangeAppConfig, KalshiExchangeApp
from fixgw.sim.server import Simulator
from fixgw.testing import KalshiKeys, make_keys

D = Decimal
BUY = enums.Side.BUY
SELL = enums.Side.SELL
MKT = "MKT-A"


class KeyPool:
    """RSA key pairs made once per test run, handed out by name (each test has its own sim)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._keys: dict[str, KalshiKeys] = {}

    def __getitem__(self, name: str) -> KalshiKeys:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = make_keys(self.directory)
        return key


@pytest.fixture(scope="session")
def key_pool(tmp_path_factory: pytest.TempPathFactory) -> KeyPool:
    return KeyPool(tmp_path_factory.mktemp("e2e-order-keys"))


class Recorder:
    """Every application message a client receives, in order; tests await the one they need."""

    def __init__(self, client: KalshiClient) -> None:
        self.msgs: list[Message] = []
        self._change = asyncio.Event()
        client.listeners.append(self._on)

    def _on(self, msg: Message) -> None:
        self.msgs.append(msg)
        self._change.set()
        self._change = asyncio.Event()

    def mark(self) -> int:
        return len(self.msgs)

    def reports(self, since: int = 0) -> list[Any]:
        return [m for m in self.msgs[since:] if m.MSG_TYPE == "8"]

    async def wait_for(
        self, pred: Callable[[Any], bool], *, since: int = 0, timeout: float = 5.0
    ) -> Any:
        async def wait() -> Any:
            i = since
            while True:
                change = self._change
                while i < len(self.msgs):
                    if pred(self.msgs[i]):
                        return self.msgs[i]
                    i += 1
                await change.wait()

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            seen = ", ".join(_kind(m) for m in self.msgs[since:]) or "nothing"
            raise AssertionError(f"no matching message within {timeout:g} s; saw: {seen}") from None

    async def wait_n(
        self,
        n: int,
        pred: Callable[[Any], bool] | None = None,
        *,
        since: int = 0,
        timeout: float = 5.0,
    ) -> list[Any]:
        """Wait until ``n`` messages (matching ``pred``) arrived since ``since``; returns them."""
        pred = pred or (lambda m: True)
        found: list[Any] = []

        def enough(_: Any) -> bool:
            found[:] = [m for m in self.msgs[since:] if pred(m)]
            return len(found) >= n

        await self.wait_for(enough, since=since, timeout=timeout)
        return found


def _kind(m: Any) -> str:
    if m.MSG_TYPE == "8":
        return f"8:{m.exec_type.value}/{m.ord_status.value}"
    return m.MSG_TYPE


def kinds(msgs: list[Any]) -> list[str]:
    return [_kind(m) for m in msgs]


@dataclass
class Env:
    sim: Simulator
    app: KalshiExchangeApp
    clock: ManualClock
    keys: KeyPool
    clients: list[KalshiClient] = field(default_factory=list)

    def uuid(self, name: str) -> str:
        return self.keys[name].uuid

    def link(self, name: str, account_name: str) -> None:
        """Key ``name`` trades/listens for the account of key ``account_name``."""
        self.app.link_key(self.uuid(name), self.uuid(account_name))

    async def client(
        self, name: str, session_type: str = "KalshiNR", **flags: Any
    ) -> tuple[KalshiClient, Recorder]:
        key = self.keys[name]
        if key.uuid not in self.sim.keys:
            self.sim.register_key(key.uuid, key.pub_path)
        client = KalshiClient(
            ClientConfig(
                session_type=session_type,
                api_key=key.uuid,
                endpoint=self.sim.endpoint(session_type),
                private_key=key.private_key,
                flags=LogonFlags(**flags),
                reconnect=False,
                request_timeout=5.0,
                logon_timeout=10.0,
            )
        )
        rec = Recorder(client)
        await client.start()
        self.clients.append(client)
        return client, rec


def env_factory(
    key_pool: KeyPool, *, app_config: ExchangeAppConfig | None = None, **engine_cfg: Any
) -> contextlib.AbstractAsyncContextManager[Env]:
    @contextlib.asynccontextmanager
    async def run() -> AsyncIterator[Env]:
        app, clock = make_app(app_config, **engine_cfg)
        async with Simulator(port_base=0, app=app, rate_limit=None) as sim:
            env = Env(sim, app, clock, key_pool)
            try:
                yield env
            finally:
                for c in env.clients:
                    with contextlib.suppress(Exception):
                        await c.close()

    return run()


@pytest_asyncio.fixture
async def env(key_pool: KeyPool) -> AsyncIterator[Env]:
    async with env_factory(key_pool) as e:
        yield e


__all__ = [
    "BUY",
    "D",
    "Env",
    "EngineConfig",
    "KeyPool",
    "MKT",
    "Recorder",
    "SELL",
    "env",
    "env_factory",
    "key_pool",
    "kinds",
]
