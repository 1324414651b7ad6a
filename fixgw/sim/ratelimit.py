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

from ..app.ratebudget import (
    DEFAULT_COST,
    DEFAULT_COSTS,
    EXEMPT,
    TIERS,
    Tier,
    TokenBucket,
    message_cost,
    tier,
)
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
        return message_cost(msg_type, self.costs, self.default_cost)

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
