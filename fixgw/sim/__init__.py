"""Kalshi exchange simulator: a FIX gateway (``server``) in front of an exchange (``exchange``).

Names are imported lazily so that ``fixgw.sim.exchange`` (pure logic) can be used without
pulling in the TLS and session machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "ExchangeApp",
    "FaultPlan",
    "KeyRegistry",
    "NullApp",
    "RateLimiter",
    "SessionFaults",
    "SimSession",
    "Simulator",
    "SimulatorError",
]

_WHERE = {
    "ExchangeApp": "app",
    "NullApp": "app",
    "SimSession": "app",
    "FaultPlan": "faults",
    "SessionFaults": "faults",
    "KeyRegistry": "keys",
    "RateLimiter": "ratelimit",
    "Simulator": "server",
    "SimulatorError": "server",
}

if TYPE_CHECKING:
    from .app import ExchangeApp, NullApp, SimSession
    from .faults import FaultPlan, SessionFaults
    from .keys import KeyRegistry
    from .ratelimit import RateLimiter
    from .server import Simulator, SimulatorError


def __getattr__(name: str) -> Any:
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module 'fixgw.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{mod}", __name__), name)
