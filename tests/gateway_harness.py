"""Gateway tests against the simulator: a ``Simulator`` running ``KalshiExchangeApp`` on free
loopback ports (TLS, pinned certificate), a gateway TOML written for it, and helpers to wait
on conditions, read the journal without touching it, and talk to the ops endpoint.

The exchange engine runs on a ``ManualClock`` (so the drop-copy lookback window can be moved);
the FIX sessions use the wall clock (Logon SendingTime must be within 30 s).

Bind the fixtures in a test module (pytest finds fixtures by attribute)::

    import gateway_harness as h
    gwenv = h.gwenv
    key_pool = h.key_pool
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from fixgw.app import ClientConfig, KalshiClient
from fixgw.cli import main as cli_main
from fixgw.gateway.config import load_config
from fixgw.gateway.daemon import Gateway
from fixgw.messages import enums
from fixgw.session import LogonFlags
from fixgw.sim.exchange import Exchange, ManualClock, MarketRegistry
from fixgw.sim.exchange.orders import NewOrder
from fixgw.sim.exchange_app import ExchangeAppConfig, KalshiExchangeApp
from fixgw.sim.server import Simulator
from fixgw.testing import KalshiKeys, make_keys
from fixgw.transport import Backoff

D = Decimal
BUY = enums.Side.BUY
SELL = enums.Side.SELL
MKT = "KXGW-26DEC31-T50"
TOKEN = "gateway-test-ops-token"
_SEEDS = itertools.count(1)


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
    return KeyPool(tmp_path_factory.mktemp("gateway-keys"))


@dataclass
class Spec:
    """One ``[[session]]``: ``key`` names a pool key; ``register=False`` keeps it unknown to the sim."""

    name: str
    type: str
    key: str
    flags: dict[str, bool] = field(default_factory=dict)
    register: bool = True
    heartbeat: int = 30


#: RT (dollars), NR (dollars), DC: the usual three.
THREE = (
    Spec("rt", "KalshiRT", "rt", {"use_dollars": True}),
    Spec("nr", "KalshiNR", "nr", {"use_dollars": True}),
    Spec("dc", "KalshiDC", "dc"),
)


async def wait_until(pred: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll ``pred`` until it returns something truthy (for state that has no event to await)."""

    async def wait() -> Any:
        while True:
            v = pred()
            if v:
                return v
            await asyncio.sleep(0.01)

    try:
        return await asyncio.wait_for(wait(), timeout)
    except TimeoutError:
        raise AssertionError(f"{what} not reached within {timeout:g} s") from None


@dataclass
class GwEnv:
    sim: Simulator
    app: KalshiExchangeApp
    clock: ManualClock
    keys: KeyPool
    dir: Path
    gateways: list[Gateway] = field(default_factory=list)

    @property
    def state_dir(self) -> Path:
        return self.dir / "state"

    @property
    def journal_path(self) -> Path:
        return self.state_dir / "journal.sqlite"

    def uuid(self, key: str) -> str:
        return self.keys[key].uuid

    def link(self, key: str, account_key: str) -> None:
        """Key ``key`` trades/listens for the account of key ``account_key``."""
        self.app.link_key(self.uuid(key), self.uuid(account_key))

    def config_text(
        self,
        specs: Sequence[Spec] = THREE,
        *,
        risk: dict[str, Any] | None = None,
        ops: bool = False,
        state_dir: Path | None = None,
        journal: Path | None = None,
    ) -> str:
        lines = [
            'environment = "sim"',
            f'state_dir = "{state_dir or self.state_dir}"',
            "[tls]",
            f'pinned_cert = "{self.sim.cert_path}"',
        ]
        for s in specs:
            k = self.keys[s.key]
            if s.register and k.uuid not in self.sim.keys:
                self.sim.register_key(k.uuid, k.pub_path)
            ep = self.sim.endpoint(s.type)
            lines += [
                "[[session]]",
                f'name = "{s.name}"',
                f'type = "{s.type}"',
                f'api_key = "{k.uuid}"',
                f'private_key_file = "{k.key_path}"',
                f'host = "{ep.host}"',
                f"port = {ep.port}",
                f"heartbeat = {s.heartbeat}",
            ]
            if s.flags:
                lines.append("[session.flags]")
                lines += [f"{f} = {'true' if v else 'false'}" for f, v in s.flags.items()]
        r = {"rate_tier": "prime"} | (risk or {})
        lines.append("[risk]")
        for k_, v in r.items():
            lines.append(f"{k_} = {json.dumps(v) if isinstance(v, str) else v}")
        if ops:
            lines += ["[ops]", "enabled = true", "port = 0", f'token = "{TOKEN}"']
        if journal is not None:
            lines += ["[journal]", f'path = "{journal}"']
        return "\n".join(lines) + "\n"

    def write_config(self, specs: Sequence[Spec] = THREE, *, name: str = "gateway.toml", **kw: Any) -> Path:
        path = self.dir / name
        path.write_text(self.config_text(specs, **kw))
        return path

    async def gateway(
        self,
        specs: Sequence[Spec] = THREE,
        *,
        strategy: Any = None,
        wait: Sequence[str] | None = None,
        **kw: Any,
    ) -> Gateway:
        """A started gateway; waits until the sessions named in ``wait`` (default all) are logged on."""
        cfg = load_config(self.write_config(specs, **kw))
        gw = Gateway(cfg, strategy=strategy, logon_timeout=10.0)
        self.gateways.append(gw)
        await gw.start()
        for rt in gw.sessions.values():  # reconnect in milliseconds, not seconds
            rt.client.initiator.backoff = Backoff(base=0.01, cap=0.05)
        names = list(gw.sessions) if wait is None else list(wait)
        await asyncio.wait_for(
            asyncio.gather(*(gw.sessions[n].client.wait_logged_on() for n in names)), 10.0
        )
        return gw

    def seed(self, side: enums.Side, qty: int, price: str, *, symbol: str = MKT, account: str = "mm") -> None:
        """Resting liquidity from an account no FIX session trades for."""
        self.app.place_order(
            NewOrder(
                account=account,
                cl_ord_id=f"seed-{next(_SEEDS)}",
                symbol=symbol,
                side=int(side.value),
                price=D(price),
                qty=D(qty),
            )
        )


@contextlib.asynccontextmanager
async def gw_env(key_pool: KeyPool, directory: Path) -> AsyncIterator[GwEnv]:
    clock = ManualClock(datetime.now(UTC))
    # The drop-copy request budget is counted on the engine clock, which only moves when a test
    # says so: a budget per "second" would never refill.  Tests of U3 21004=1 lower it.
    app = KalshiExchangeApp(
        Exchange(MarketRegistry(auto_list=True), clock=clock),
        config=ExchangeAppConfig(dropcopy_max_requests=100_000),
    )
    async with Simulator(port_base=0, app=app, rate_limit=None) as sim:
        env = GwEnv(sim, app, clock, key_pool, directory)
        try:
            yield env
        finally:
            for gw in env.gateways:
                with contextlib.suppress(Exception):
                    await gw.stop()


@contextlib.asynccontextmanager
async def dc_client(env: GwEnv, key: str = "dc", **flags: Any) -> AsyncIterator[KalshiClient]:
    """A logged-on KalshiDC client for pool key ``key`` (registered with the sim if needed)."""
    k = env.keys[key]
    if k.uuid not in env.sim.keys:
        env.sim.register_key(k.uuid, k.pub_path)
    client = KalshiClient(
        ClientConfig(
            session_type="KalshiDC", api_key=k.uuid, endpoint=env.sim.endpoint("KalshiDC"),
            private_key=k.private_key, flags=LogonFlags(**flags), reconnect=False, logon_timeout=10.0,
        )
    )  # fmt: skip
    await client.start()
    try:
        yield client
    finally:
        await client.close()


@pytest_asyncio.fixture
async def gwenv(key_pool: KeyPool, tmp_path: Path) -> AsyncIterator[GwEnv]:
    async with gw_env(key_pool, tmp_path) as env:
        yield env


# ---- the journal, read-only (never through SqliteJournal, which may write) ---------------------


def journal_rows(path: Path, where: str = "1", params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(f"SELECT * FROM messages WHERE {where} ORDER BY id", params).fetchall()
    except sqlite3.OperationalError:
        return []  # not created yet
    finally:
        conn.close()


# ---- CLI in-process -------------------------------------------------------------------------


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(argv: Sequence[str]) -> CliResult:
    """``fixgw ARGV`` in this process (outside an event loop), stdout/stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(argv))
    return CliResult(code, out.getvalue(), err.getvalue())


async def run_cli_async(argv: Sequence[str]) -> CliResult:
    """``fixgw ARGV`` on a worker thread (it runs its own event loop) while the sim keeps serving."""
    return await asyncio.to_thread(run_cli, argv)


# ---- ops endpoint ---------------------------------------------------------------------------


async def http(
    port: int, method: str, path: str, *, token: str | None = TOKEN, body: bytes = b""
) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    if token is not None:
        head.append(f"Authorization: Bearer {token}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10.0)
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    status_line, _, rest = data.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), payload


def python() -> str:
    return sys.executable


__all__ = [
    "BUY",
    "CliResult",
    "D",
    "GwEnv",
    "KeyPool",
    "MKT",
    "SELL",
    "Spec",
    "THREE",
    "TOKEN",
    "dc_client",
    "gw_env",
    "gwenv",
    "http",
    "journal_rows",
    "key_pool",
    "run_cli",
    "run_cli_async",
    "wait_until",
]
