"""Kalshi's token-bucket write budget, applied per API key to inbound FIX messages.

Rate Limits page: each request costs tokens (default 10, cancels 2); the Write bucket refills
continuously at the tier's per-second budget and holds two seconds of it (one second on
Basic, so Basic has no burst headroom).  Connectivity page: on FIX the limit covers
application messages from the client and the Logon, never Heartbeat, TestRequest or Logout.

Kalshi publishes no per-MsgType cost table for FIX; ``DEFAULT_COSTS`` charges each message
what its REST counterpart costs, and is overridable.  Kalshi's limit is per account; the
simulator has no accounts at this layer, so it keeps one bucket per API key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..session.clock import Clock, SystemClock

__all__ = [
    "DEFAULT_COST",
    "DEFAULT_COSTS",
    "EXEMPT",
    "TIERS",
    "RateLimiter",
    "Tier",
    "TokenBucket",
    "tier",
]

DEFAULT_COST = 10
#: float clocks accumulate rounding; a bucket refilled to 9.999999999 tokens holds 10
_EPS = 1e-9
#: MsgType -> tokens, where it differs from DEFAULT_COST (OrderCancelRequest ~ REST cancel).
DEFAULT_COSTS: dict[str, int] = {"F": 2}
#: Never charged (Connectivity page).
EXEMPT = frozenset({"0", "1", "5"})


@dataclass(frozen=True)
class Tier:
    name: str
    write_budget: int  # tokens per second
    burst_seconds: int  # bucket capacity, in seconds of budget

    @property
    def capacity(self) -> int:
        return self.write_budget * self.burst_seconds


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier("basic", 100, 1),
        Tier("advanced", 300, 2),
        Tier("premier", 1000, 2),
        Tier("paragon", 2000, 2),
        Tier("prime", 4000, 2),
    )
}


def tier(name: str) -> Tier:
    try:
        return TIERS[name.lower()]
    except KeyError:
        raise ValueError(
            f"unknown rate-limit tier {name!r}; expected one of {', '.join(TIERS)}"
        ) from None


class TokenBucket:
    """Holds up to ``capacity`` tokens, refilled at ``rate`` per second of ``clock`` time."""

    def __init__(self, rate: float, capacity: float, clock: Clock) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError(
                f"token bucket needs rate > 0 and capacity > 0, got rate={rate} capacity={capacity}"
            )
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._clock = clock
        self._tokens = self.capacity
        self._at = clock.monotonic()

    def _refill(self) -> None:
        now = self._clock.monotonic()
        if now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = max(self._at, now)

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def try_take(self, cost: float) -> bool:
        """Spend ``cost`` tokens if the bucket holds them; otherwise spend nothing."""
        self._refill()
        if cost <= self._tokens + _EPS:
            self._tokens = max(0.0, self._tokens - cost)
            return True
        return False

    def seconds_until(self, cost: float) -> float:
        """How long until ``cost`` tokens are available (inf if more than the capacity)."""
        if cost > self.capacity:
            return float("inf")
        self._refill()
        return max(0.0, (cost - self._tokens) / self.rate)


class RateLimiter:
    """One write bucket per API key."""

    def __init__(
        self,
        tier_: Tier | str = "basic",
        *,
        clock: Clock | None = None,
        costs: Mapping[str, int] | None = None,
        default_cost: int = DEFAULT_COST,
    ) -> None:
        self.tier = tier(tier_) if isinstance(tier_, str) else tier_
        self.clock = clock or SystemClock()
        self.costs = dict(DEFAULT_COSTS if costs is None else costs)
        self.default_cost = default_cost
        self._buckets: dict[str, TokenBucket] = {}

    def cost(self, msg_type: str) -> int:
        if msg_type in EXEMPT:
            return 0
        return self.costs.get(msg_type, self.default_cost)

    def bucket(self, api_key: str) -> TokenBucket:
        b = self._buckets.get(api_key)
        if b is None:
            b = self._buckets[api_key] = TokenBucket(
                self.tier.write_budget, self.tier.capacity, self.clock
            )
        return b

    def allow(self, api_key: str, msg_type: str) -> bool:
        """Charge ``api_key`` for one message; False (and nothing charged) when over budget."""
        cost = self.cost(msg_type)
        return cost == 0 or self.bucket(api_key).try_take(cost)
