"""The gateway a desk runs 24/7: several Kalshi sessions, a journal, risk checks, a strategy.

Each session reconnects on its own; one that cannot log on does not stop the others.  Orders
from the strategy go through the kill switch, the risk limits and the rate limiter before the
client sends them, and every message and order state change is journalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import importlib.util
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from ..app import ClientConfig, FixgwError, KalshiClient, OrderState, exec_id_key
from ..crypto.keys import KeyLoadError, PrivateKey
from ..messages import ExecutionReport, Message, enums
from ..session import SystemClock
from ..store import SqliteStore, StoreError
from ..transport import Endpoint
from .config import ConfigError, GatewayConfig, SessionSettings
from .journal import Journal, journal_tap
from .journal_sqlite import SqliteJournal
from .metrics import GatewayMetrics
from .ratelimit import RateLimiter
from .risk import KillSwitch, RiskChecker, RiskLimits, kill_plan

__all__ = ["Gateway", "Strategy", "load_strategy", "GatewayError"]

log = logging.getLogger("fixgw.gateway")


class GatewayError(RuntimeError):
    pass


class Strategy(Protocol):
    """User code loaded with ``--app module:Class`` (all methods optional)."""

    async def on_start(self, gateway: Gateway) -> None: ...

    async def on_message(self, session: str, message: Message) -> None: ...

    async def on_stop(self) -> None: ...


def load_strategy(spec: str) -> Any:
    """``package.module:Class`` or ``path/to/file.py:Class`` -> an instance (no arguments)."""
    mod_name, sep, cls_name = spec.rpartition(":")
    if not sep or not mod_name or not cls_name:
        raise GatewayError(f"--app {spec!r}: expected module:Class or file.py:Class")
    try:
        if mod_name.endswith(".py"):
            path = os.path.abspath(mod_name)
            if not os.path.exists(path):
                raise GatewayError(f"--app {spec!r}: no such file {mod_name}")
            name = f"fixgw_strategy_{abs(hash(path))}"
            mspec = importlib.util.spec_from_file_location(name, path)
            assert mspec is not None and mspec.loader is not None
            mod = importlib.util.module_from_spec(mspec)
            # registered as an import would be: @dataclass and pickling look the module up
            sys.modules[name] = mod
            try:
                mspec.loader.exec_module(mod)
            except BaseException:
                sys.modules.pop(name, None)
                raise
        else:
            mod = importlib.import_module(mod_name)
    except GatewayError:
        raise
    except SyntaxError as exc:
        raise GatewayError(f"--app {spec!r}: {exc.filename}:{exc.lineno}: {exc.msg}") from None
    except ImportError as exc:
        raise GatewayError(f"--app {spec!r}: cannot import {mod_name}: {exc}") from None
    except Exception as exc:
        raise GatewayError(f"--app {spec!r}: importing {mod_name} failed: {type(exc).__name__}: {exc}") from None
    cls = getattr(mod, cls_name, None)
    if cls is None:
        raise GatewayError(f"--app {spec!r}: {mod_name} has no {cls_name}")
    try:
        return cls()
    except Exception as exc:
        raise GatewayError(f"--app {spec!r}: {cls_name}() failed: {type(exc).__name__}: {exc}") from None


def _reject_kind(exc: Exception) -> str:
    from ..app import (
        BusinessRejected,
        CancelRejected,
        OrderRejected,
        RiskLimitExceeded,
        SessionRejected,
    )

    if isinstance(exc, RiskLimitExceeded):
        return "rate_limit" if exc.limit_name == "rate_limit" else "risk"
    for cls, kind in ((OrderRejected, "order"), (CancelRejected, "cancel"), (BusinessRejected, "business"),
                      (SessionRejected, "session")):  # fmt: skip
        if isinstance(exc, cls):
            return kind
    return "other"


@dataclass
class SessionRuntime:
    settings: SessionSettings
    client: KalshiClient
    store: SqliteStore
    session_id: str


class Gateway:
    def __init__(
        self,
        config: GatewayConfig,
        *,
        strategy: Any = None,
        journal: Journal | None = None,
        clock: Any = None,
        logon_timeout: float = 30.0,
    ) -> None:
        self.config = config
        self.strategy = strategy
        self.clock = clock or SystemClock()
        self.logon_timeout = logon_timeout
        # keys first: a bad key file is a config error, found before anything touches the disk
        self._keys = self._load_keys()
        self.journal: Journal = journal or SqliteJournal(config.journal_path)
        self.kill_switch = KillSwitch(self.clock)
        self.rate = RateLimiter(config.risk.rate_tier, policy=config.risk.rate_policy, clock=self.clock)
        self.sessions: dict[str, SessionRuntime] = {}
        self._checkers: dict[str, RiskChecker] = {}
        self._inbox: asyncio.Queue[tuple[str, Message]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[Any]] = []
        self._stopping = asyncio.Event()
        self._stopped = False
        self.ops: Any = None
        self.metrics = GatewayMetrics()
        self.strategy_stop_timeout = 10.0
        self._reconnects_seen: dict[str, int] = {}

    # ---- lifecycle ----------------------------------------------------------------------------

    def _load_keys(self) -> dict[str, PrivateKey]:
        cfg = self.config
        keys: dict[str, PrivateKey] = {}
        for s in cfg.sessions:
            if not s.enabled:
                continue
            try:
                keys[s.name] = (
                    PrivateKey.from_file(s.private_key_file) if s.private_key_file else PrivateKey.from_env(s.private_key_env or "")
                )
            except KeyLoadError as exc:
                raise ConfigError(f"{cfg.source}: session {s.name!r}: {exc}") from None
        return keys

    def _build(self) -> None:
        cfg = self.config
        cfg.state_dir.mkdir(parents=True, exist_ok=True)
        for s in cfg.sessions:
            if not s.enabled:
                continue
            key = self._keys[s.name]
            session_id = f"{s.type}:{s.api_key}"
            try:
                store = SqliteStore(cfg.store_path, session_id, durability=s.durability)
            except StoreError as exc:
                raise ConfigError(f"{cfg.source}: session {s.name!r}: store {cfg.store_path}: {exc}") from None
            host, port = cfg.endpoint_for(s)
            endpoint = Endpoint(
                host, port,
                pinned_cert=str(cfg.tls.pinned_cert) if cfg.tls.pinned_cert else None,
                cafile=str(cfg.tls.cafile) if cfg.tls.cafile else None,
            )  # fmt: skip
            client = KalshiClient(
                ClientConfig(
                    session_type=s.type, api_key=s.api_key, endpoint=endpoint, private_key=key, flags=s.flags,
                    heartbeat_interval=s.heartbeat, store=store, clock=self.clock,
                    resend_stale_after=s.resend_stale_after, logon_timeout=self.logon_timeout,
                ),
                on_bytes=journal_tap(
                    self.journal, session_id, self.clock.now, also=[self.metrics.frame_counter(s.name)]
                ),
            )  # fmt: skip
            if cfg.environment == "sim":
                client.initiator.maintenance = None  # Kalshi's weekly window is not the simulator's
            client.listeners.append(self._listener(s.name, session_id, client))
            self.sessions[s.name] = SessionRuntime(s, client, store, session_id)
            self._checkers[s.name] = RiskChecker(
                RiskLimits.from_config(cfg.risk, use_dollars=bool(s.flags.use_dollars)), self.kill_switch
            )

        for name, rt in self.sessions.items():
            via = rt.settings.reconcile_via
            if via is not None and via in self.sessions:
                rt.client.config.reconcile_via = self.sessions[via].client
                rt.client.on_reconciled.append(self._reconciled(name, rt.session_id))
            snap = self._snapshot_path(name)
            if snap.exists():
                try:
                    rt.client.restore_orders(json.loads(snap.read_text()))
                except (OSError, ValueError, KeyError) as exc:
                    raise ConfigError(f"{snap}: cannot restore orders ({exc}); move it away to start clean") from None

    def _snapshot_path(self, name: str) -> Path:
        return self.config.state_dir / f"orders-{name}.json"

    def save_orders(self) -> None:
        """Order tracker snapshots, so a restart knows its open orders (and settles them)."""
        for name, rt in self.sessions.items():
            path = self._snapshot_path(name)
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(rt.client.orders.to_dict()))
            os.replace(tmp, path)

    def _reconciled(self, name: str, session_id: str) -> Callable[[Any], None]:
        def on_reconciled(result: Any) -> None:
            for order in result.changed:
                self.journal.record_order(session_id, order, self.clock.now())
            hook = getattr(self.strategy, "on_reconciled", None)
            if hook is not None:
                self._tasks.append(asyncio.ensure_future(hook(name, result)))

        return on_reconciled

    def _listener(self, name: str, session_id: str, client: KalshiClient) -> Callable[[Message], None]:
        def on_message(msg: Message) -> None:
            if isinstance(msg, ExecutionReport):
                order = client.orders.find(msg.cl_ord_id)
                if order is not None:
                    self.journal.record_order(session_id, order, self.clock.now())
            self._inbox.put_nowait((name, msg))

        return on_message

    async def start(self) -> None:
        """Build every session and start connecting; returns without waiting for logons."""
        self._build()
        for rt in self.sessions.values():
            await rt.client.start(wait=False)
        self._tasks.append(asyncio.create_task(self._dispatch(), name="fixgw-strategy"))
        self._tasks.append(asyncio.create_task(self._snapshots(), name="fixgw-order-snapshots"))
        if self.config.ops.enabled:
            await self._start_ops()
        if self.strategy is not None and hasattr(self.strategy, "on_start"):
            try:
                await self.strategy.on_start(self)
            except Exception:  # like on_message/on_stop: a strategy bug does not stop the sessions
                log.exception("strategy on_start failed")

    async def _start_ops(self) -> None:
        from .ops import start_ops_server

        self.ops = await start_ops_server(self, self.config.ops)

    async def wait_logged_on(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(
            asyncio.gather(*(rt.client.wait_logged_on() for rt in self.sessions.values())), timeout
        )

    async def stop(self, text: str | None = "gateway stopping") -> None:
        if self._stopped:
            return
        self._stopped = True
        self._stopping.set()
        if self.strategy is not None and hasattr(self.strategy, "on_stop"):
            try:
                await asyncio.wait_for(self.strategy.on_stop(), self.strategy_stop_timeout)
            except TimeoutError:
                log.error("strategy on_stop did not return within %g s; stopping anyway", self.strategy_stop_timeout)
            except Exception:
                log.exception("strategy on_stop failed")
        await asyncio.gather(*(rt.client.close(text) for rt in self.sessions.values()), return_exceptions=True)
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        if self.ops is not None:
            await self.ops.stop()
        try:
            self.save_orders()
        except OSError as exc:
            log.error("cannot save order snapshots: %s", exc)
        self.journal.flush()
        self.journal.close()
        for rt in self.sessions.values():
            rt.store.close()

    async def run(self) -> int:
        """Until SIGTERM/SIGINT: Logout, flush, exit 0.  A second signal forces exit."""
        loop = asyncio.get_running_loop()
        signals = 0

        def on_signal(signum: int) -> None:
            nonlocal signals
            signals += 1
            if signals > 1:
                log.error("second signal: exiting without Logout")
                os._exit(130)
            log.info("signal %s: logging out", signal.Signals(signum).name)
            self._stopping.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            await self.start()
            await self._stopping.wait()
        finally:
            await self.stop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        return 0

    def request_stop(self) -> None:
        self._stopping.set()

    async def _snapshots(self, every: float = 5.0) -> None:
        """Order snapshots every few seconds: a crash loses at most that much, and what it
        loses is settled from drop copy after the restart."""
        ticks = 0
        while True:
            await asyncio.sleep(every)
            ticks += 1
            try:
                self.save_orders()
            except OSError as exc:
                log.error("cannot save order snapshots: %s", exc)
            if ticks % 60 == 1:  # about every 5 minutes: retention
                for rt in self.sessions.values():
                    try:
                        rt.client.prune_store()
                    except Exception as exc:
                        log.error("%s: pruning the store failed: %s", rt.settings.name, exc)

    async def _dispatch(self) -> None:
        while True:
            name, msg = await self._inbox.get()
            if self.strategy is None or not hasattr(self.strategy, "on_message"):
                continue
            try:
                await self.strategy.on_message(name, msg)
            except Exception:
                log.exception("strategy on_message failed for %s on %s", type(msg).__name__, name)

    # ---- orders through the risk layer ------------------------------------------------------

    def client(self, name: str) -> KalshiClient:
        try:
            return self.sessions[name].client
        except KeyError:
            raise GatewayError(f"no session named {name!r}; configured: {', '.join(self.sessions)}") from None

    def positions(self, name: str) -> dict[str, Decimal]:
        """Net Yes position per Symbol (LongQty - ShortQty) from the latest fill by ExecID."""
        latest: dict[str, tuple[tuple[int, int], Decimal]] = {}
        for o in self.client(name).orders.orders():
            if o.long_qty is None and o.short_qty is None:
                continue
            key = exec_id_key(o.last_exec_id or "")
            if o.symbol not in latest or key > latest[o.symbol][0]:
                latest[o.symbol] = (key, (o.long_qty or Decimal(0)) - (o.short_qty or Decimal(0)))
        return {sym: pos for sym, (_, pos) in latest.items()}

    async def place_order(
        self, session: str, symbol: str, side: enums.Side, qty: Decimal, price: Decimal, **kw: Any
    ) -> OrderState:
        """Risk checks, rate budget, then send; raises the typed error of whichever refuses."""
        client = self.client(session)
        try:
            self._checkers[session].check_new(
                symbol, side, qty, price, open_orders=client.orders.open_orders(), positions=self.positions(session)
            )
            await self.rate.acquire("D")
            t0 = time.perf_counter()
            try:
                return await client.place_order(symbol, side, qty, price, **kw)
            finally:
                self.metrics.roundtrip.labels(session=session).observe(time.perf_counter() - t0)
        except FixgwError as exc:
            self.metrics.rejects.labels(kind=_reject_kind(exc)).inc()
            raise

    async def cancel(self, session: str, cl_ord_id: str) -> OrderState:
        await self.rate.acquire("F")
        return await self.client(session).cancel(cl_ord_id)

    async def replace(self, session: str, cl_ord_id: str, *, qty: Decimal | None = None, price: Decimal | None = None) -> OrderState:
        client = self.client(session)
        order = client.orders.find(cl_ord_id)
        if order is None:
            raise GatewayError(f"unknown order {cl_ord_id!r} on {session}")
        self._checkers[session].check_replace(
            order, qty, price, open_orders=client.orders.open_orders(), positions=self.positions(session)
        )
        await self.rate.acquire("G")
        return await client.replace(cl_ord_id, qty=qty, price=price)

    async def kill(self, reason: str = "kill switch") -> dict[str, Any]:
        """Stop new orders and cancel everything open, on every order-entry session."""
        self.kill_switch.engage(reason)
        done: dict[str, Any] = {"kill_switch": self.kill_switch.to_dict(), "sessions": {}}
        for name, rt in self.sessions.items():
            client = rt.client
            plan = kill_plan(rt.settings.type, client.orders.open_orders(), listener=client.is_listener)
            result: dict[str, Any] = {"plan": plan.to_dict(), "errors": []}
            if not client.logged_on or plan.empty:
                done["sessions"][name] = result
                continue
            # each step on its own: one refused cancel must not leave the rest open
            steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
            if plan.mass_cancel:
                steps.append(("OrderMassCancelRequest", client.mass_cancel))
            for gid, acct in plan.order_groups:
                steps.append((f"trigger order group {gid}", functools.partial(client.groups.trigger, gid, alloc_account=acct)))
            for c in plan.cancels:
                steps.append((f"cancel {c.cl_ord_id}", functools.partial(self._cancel_if_open, client, c.cl_ord_id)))
            # All at once (each paced by the write budget, so Kalshi does not rate-limit the
            # flattening itself); each step on its own: one refused cancel leaves no other open.
            async def run_step(what: str, step: Callable[[], Awaitable[Any]], mt: str, errors: list[str]) -> None:
                try:
                    await self.rate.acquire(mt)
                    await step()
                except Exception as exc:
                    errors.append(f"{what}: {exc}")

            mts = ["q"] * bool(plan.mass_cancel) + ["UOG"] * len(plan.order_groups) + ["F"] * len(plan.cancels)
            await asyncio.gather(
                *(run_step(what, step, mt, result["errors"]) for (what, step), mt in zip(steps, mts, strict=True))
            )
            done["sessions"][name] = result
        return done

    @staticmethod
    async def _cancel_if_open(client: KalshiClient, cl_ord_id: str) -> None:
        order = client.orders.find(cl_ord_id)
        if order is not None and order.is_open:  # a group trigger may have closed it already
            await client.cancel(cl_ord_id)

    # ---- status (ops endpoint) --------------------------------------------------------------

    def status(self) -> list[dict[str, Any]]:
        out = []
        self.metrics.kill_switch.set(1 if self.kill_switch.engaged else 0)
        for name, rt in self.sessions.items():
            c = rt.client
            self.metrics.logged_on.labels(session=name).set(1 if c.logged_on else 0)
            seen = self._reconnects_seen.get(name, 0)
            if c.initiator.stats.reconnects > seen:
                self.metrics.reconnects.labels(session=name).inc(c.initiator.stats.reconnects - seen)
                self._reconnects_seen[name] = c.initiator.stats.reconnects
            seqs = rt.store.seqnums()
            out.append(
                {
                    "name": name,
                    "type": rt.settings.type,
                    "state": c.session.state.value,
                    "logged_on": c.logged_on,
                    "next_sender_seq": seqs.next_sender,
                    "next_target_seq": seqs.next_target,
                    "last_received": c.last_received.isoformat() if c.last_received else None,
                    "reconnects": c.initiator.stats.reconnects,
                    "logons": c.logon_count,
                    "open_orders": len(c.orders.open_orders()),
                }
            )
        return out

    def open_orders(self) -> list[dict[str, Any]]:
        return [
            {"session": name, **o.to_dict()} for name, rt in self.sessions.items() for o in rt.client.orders.open_orders()
        ]
