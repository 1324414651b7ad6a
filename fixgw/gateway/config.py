"""Gateway configuration: one TOML file, validated completely before anything starts.

Every error names the file, the key and the problem, e.g.
``config/gateway.toml: session "rt": heartbeat: must be an integer > 3, got 2``.
See ``config/gateway.toml`` for a commented example of every key.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..session.profiles import HOSTS, PROFILES, ConfigError, LogonFlags

__all__ = [
    "GatewayConfig",
    "JournalConfig",
    "OpsConfig",
    "RiskConfig",
    "SessionSettings",
    "TlsConfig",
    "load_config",
    "ConfigError",
]

ENVIRONMENTS = ("prod", "demo", "sim")
TIERS = ("basic", "advanced", "premier", "paragon", "prime")


@dataclass(frozen=True)
class TlsConfig:
    pinned_cert: Path | None = None
    cafile: Path | None = None


@dataclass(frozen=True)
class SessionSettings:
    name: str
    type: str
    api_key: str
    private_key_file: Path | None = None
    private_key_env: str | None = None
    heartbeat: int = 30
    flags: LogonFlags = field(default_factory=LogonFlags)
    host: str | None = None
    port: int | None = None
    durability: str = "sync"
    resend_stale_after: float | None = 30.0
    enabled: bool = True
    reconcile_via: str | None = None  # name of a KalshiDC session of the same account


@dataclass(frozen=True)
class RiskConfig:
    max_order_qty: Decimal | None = None
    max_notional: Decimal | None = None
    max_open_orders: int | None = None
    position_limit: Decimal | None = None
    rate_tier: str = "basic"
    rate_policy: str = "wait"  # wait | refuse


@dataclass(frozen=True)
class OpsConfig:
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None


@dataclass(frozen=True)
class JournalConfig:
    path: Path | None = None  # default: <state_dir>/journal.sqlite


@dataclass(frozen=True)
class GatewayConfig:
    source: Path
    environment: str
    state_dir: Path
    sessions: tuple[SessionSettings, ...]
    tls: TlsConfig = field(default_factory=TlsConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    ops: OpsConfig = field(default_factory=OpsConfig)
    journal: JournalConfig = field(default_factory=JournalConfig)
    sim_host: str = "127.0.0.1"
    sim_port_base: int = 8228

    @property
    def journal_path(self) -> Path:
        return self.journal.path or self.state_dir / "journal.sqlite"

    @property
    def store_path(self) -> Path:
        return self.state_dir / "sessions.sqlite"

    def endpoint_for(self, s: SessionSettings) -> tuple[str, int]:
        prof = PROFILES[s.type]
        if self.environment == "sim":
            offset = ("KalshiNR", "KalshiDC", "KalshiRT", "KalshiPT", "KalshiRFQ").index(s.type)
            return s.host or self.sim_host, s.port or self.sim_port_base + offset
        return s.host or HOSTS[self.environment], s.port or prof.port


class _Section:
    """Reads one TOML table, remembering which keys were used so leftovers are reported."""

    def __init__(self, src: Path, where: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{src}: {where}: must be a table, got {type(data).__name__}")
        self.src, self.where, self.data = src, where, data
        self.used: set[str] = set()

    def err(self, key: str, problem: str) -> ConfigError:
        prefix = f"{self.where}: " if self.where else ""
        return ConfigError(f"{self.src}: {prefix}{key}: {problem}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, *, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.err(key, "is required")
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool):
            raise self.err(key, f"must be an integer, got {value!r}")
        if not isinstance(value, kind):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.err(key, f"must be {names}, got {type(value).__name__} {value!r}")
        return value

    def decimal(self, key: str) -> Decimal | None:
        v = self.get(key, (int, str, float))
        if v is None:
            return None
        if isinstance(v, float):
            raise self.err(key, f"write it as an integer or a quoted decimal string, not a float ({v!r})")
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            raise self.err(key, f"not a number: {v!r}") from None
        if not d.is_finite() or d <= 0:
            raise self.err(key, f"must be a positive number, got {v!r}")
        return d

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise self.err(extra[0], "unknown key" + (f" (also: {', '.join(extra[1:])})" if extra[1:] else ""))


def load_config(path: str | Path) -> GatewayConfig:
    src = Path(path)
    try:
        raw = tomllib.loads(src.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{src}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{src}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{src}: cannot read: {exc}") from None
    base = src.resolve().parent
    top = _Section(src, "", raw)

    def rel(p: str) -> Path:
        q = Path(os.path.expanduser(p))
        return q if q.is_absolute() else base / q

    env = top.get("environment", str, "sim")
    if env not in ENVIRONMENTS:
        raise top.err("environment", f"must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    state_dir = rel(top.get("state_dir", str, "state"))

    tls_s = _Section(src, "[tls]", top.get("tls", dict, {}))
    pinned = tls_s.get("pinned_cert", str)
    cafile = tls_s.get("cafile", str)
    tls_s.done()
    if pinned and cafile:
        raise ConfigError(f"{src}: [tls]: give pinned_cert or cafile, not both")
    tls = TlsConfig(rel(pinned) if pinned else None, rel(cafile) if cafile else None)

    sim_s = _Section(src, "[sim]", top.get("sim", dict, {}))
    sim_host = sim_s.get("host", str, "127.0.0.1")
    sim_port_base = sim_s.get("port_base", int, 8228)
    sim_s.done()

    sessions_raw = top.get("session", list, None, required=True)
    if not sessions_raw:
        raise top.err("session", "at least one [[session]] is required")
    sessions: list[SessionSettings] = []
    names: set[str] = set()
    keys_per_type: dict[tuple[str, str], str] = {}
    for i, sd in enumerate(sessions_raw):
        label = f"[[session]] #{i + 1}"
        s = _Section(src, label, sd)
        name = s.get("name", str, required=True)
        s.where = f'session "{name}"'
        if name in names:
            raise s.err("name", f"duplicate session name {name!r}")
        names.add(name)
        stype = s.get("type", str, required=True)
        if stype not in PROFILES:
            raise s.err("type", f"must be one of {', '.join(PROFILES)}, got {stype!r}")
        api_key = s.get("api_key", str, required=True)
        if env != "sim":
            try:
                uuid.UUID(api_key)
            except ValueError:
                raise s.err("api_key", f"must be the API key id (a UUID), got {api_key!r}") from None
        if (stype, api_key) in keys_per_type or api_key in keys_per_type.values():
            raise s.err("api_key", "Kalshi allows one connection per API key; use a separate key per session")
        keys_per_type[(stype, api_key)] = api_key
        kfile = s.get("private_key_file", str)
        kenv = s.get("private_key_env", str)
        if bool(kfile) == bool(kenv):
            raise s.err("private_key_file", "give exactly one of private_key_file or private_key_env")
        hb = s.get("heartbeat", int, 30)
        if hb <= 3:
            raise s.err("heartbeat", f"must be an integer > 3 (Kalshi's HeartBtInt rule), got {hb}")
        durability = s.get("durability", str, "sync")
        if durability not in ("sync", "batched"):
            raise s.err("durability", f"must be sync or batched, got {durability!r}")
        stale = s.get("resend_stale_after", (int, float), 30)
        fs = _Section(src, f'session "{name}" flags', s.get("flags", dict, {}))
        flag_values = {k: fs.get(k, (bool, int)) for k in list(fs.data)}
        known = set(LogonFlags.TAGS)
        for k in flag_values:
            if k not in known:
                raise fs.err(k, f"unknown Logon flag; known: {', '.join(sorted(known))}")
        retention = s.get("retention_hours", int)
        if retention is not None:
            flag_values["message_retention_period"] = retention
        flags = LogonFlags.from_mapping(flag_values)
        try:
            flags.validate(PROFILES[stype])
        except ConfigError as exc:
            raise ConfigError(f"{src}: session {name!r}: {exc}") from None
        host = s.get("host", str)
        port = s.get("port", int)
        enabled = s.get("enabled", bool, True)
        reconcile_via = s.get("reconcile_via", str)
        s.done()
        sessions.append(
            SessionSettings(
                name, stype, api_key, rel(kfile) if kfile else None, kenv, hb, flags, host, port, durability,
                float(stale), enabled, reconcile_via,
            )
        )

    by_name = {x.name: x for x in sessions}
    for x in sessions:
        if x.reconcile_via is None:
            continue
        via = by_name.get(x.reconcile_via)
        if via is None or via.type != "KalshiDC":
            raise ConfigError(
                f"{src}: session {x.name!r}: reconcile_via: must name a KalshiDC session, got {x.reconcile_via!r}"
            )
        if x.type not in ("KalshiNR", "KalshiRT"):
            raise ConfigError(f"{src}: session {x.name!r}: reconcile_via: only order-entry sessions (NR/RT) track orders")

    r = _Section(src, "[risk]", top.get("risk", dict, {}))
    tier = r.get("rate_tier", str, "basic")
    if tier not in TIERS:
        raise r.err("rate_tier", f"must be one of {', '.join(TIERS)}, got {tier!r}")
    policy = r.get("rate_policy", str, "wait")
    if policy not in ("wait", "refuse"):
        raise r.err("rate_policy", f"must be wait or refuse, got {policy!r}")
    max_open = r.get("max_open_orders", int)
    if max_open is not None and max_open <= 0:
        raise r.err("max_open_orders", f"must be > 0, got {max_open}")
    risk = RiskConfig(r.decimal("max_order_qty"), r.decimal("max_notional"), max_open, r.decimal("position_limit"), tier, policy)
    r.done()

    o = _Section(src, "[ops]", top.get("ops", dict, {}))
    ops_enabled = o.get("enabled", bool, "ops" in raw)
    ops_host = o.get("host", str, "127.0.0.1")
    ops_port = o.get("port", int, 0)
    token = o.get("token", str)
    token_env = o.get("token_env", str)
    o.done()
    if token_env:
        token = os.environ.get(token_env)
        if not token and ops_enabled:
            raise ConfigError(f"{src}: [ops]: token_env: environment variable {token_env} is not set")
    if ops_enabled and not token:
        raise ConfigError(f"{src}: [ops]: token or token_env is required (the ops endpoint always needs a bearer token)")
    if ops_host not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError(f"{src}: [ops]: host: the ops endpoint listens on loopback only, got {ops_host!r}")
    ops = OpsConfig(ops_enabled, ops_host, ops_port, token)

    j = _Section(src, "[journal]", top.get("journal", dict, {}))
    jpath = j.get("path", str)
    j.done()
    top.done()
    return GatewayConfig(
        src, env, state_dir, tuple(sessions), tls, risk, ops, JournalConfig(rel(jpath) if jpath else None),
        sim_host, sim_port_base,
    )
