"""Client-side mirror of Kalshi's Write token bucket, so the gateway waits (or refuses)
instead of collecting BusinessMessageReject 380=8 from the exchange.

Rate Limits page: every request costs tokens, 10 by default and 2 for order cancellations;
the Write bucket refills continuously at the tier's per-second budget and holds two seconds
of it, except Basic which holds one (no burst headroom).  Connectivity page: on FIX the
account limit covers application messages from the client and the Logon, never Heartbeat
(0), TestRequest (1) or Logout (5).  The limit is per account and shared with REST: give the
gateway a smaller ``rate``/``capacity`` if something else spends from the same account.

Kalshi publishes no per-MsgType table for FIX; ``DEFAULT_COSTS`` charges each message what
its REST counterpart costs (OrderCancelRequest = cancel = 2), overridable.  Session-level
ResendRequest/SequenceReset/Reject are charged the default: over-charging only makes us
slower, under-charging gets us rejected.

Tokens are kept as exact Decimals (clock readings rounded to the nanosecond), so refill
arithmetic does not drift: 0.05 s at 100 tokens/s is exactly 5 tokens.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal

from ..app.errors import RiskLimitExceeded
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
    "Policy",
    "RateLimiter",
    "Tier",
    "TokenBucket",
    "tier",
]

class Policy(enum.Enum):
    WAIT = "wait"  # sleep until the bucket covers the message
    REFUSE = "refuse"  # raise RiskLimitExceeded('rate_limit', ...) at once


class RateLimiter:
    """The gateway's Write budget for one account (one bucket for all its sessions)."""

    def __init__(
        self,
        tier_: Tier | str = "basic",
        *,
        policy: Policy | str = Policy.WAIT,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        costs: Mapping[str, int] | None = None,
        default_cost: int = DEFAULT_COST,
        rate: Decimal | int | None = None,
        capacity: Decimal | int | None = None,
    ) -> None:
        self.tier = tier(tier_) if isinstance(tier_, str) else tier_
        self.policy = Policy(policy)
        self.clock = clock or SystemClock()
        self._sleep = sleep or asyncio.sleep
        self.costs = dict(DEFAULT_COSTS if costs is None else costs)
        self.default_cost = default_cost
        self.bucket = TokenBucket(
            rate if rate is not None else self.tier.write_budget,
            capacity if capacity is not None else self.tier.capacity,
            self.clock,
        )
        self.waited = 0  # acquisitions that had to wait
        self.refused = 0

    def cost(self, msg_type: str) -> int:
        return message_cost(msg_type, self.costs, self.default_cost)

    def reserve(self, msg_type: str) -> float:
        """Charge ``msg_type`` now; returns the seconds to wait before sending it (0.0 = go).
        The pure core of the WAIT policy."""
        return float(self.bucket.reserve(self.cost(msg_type)))

    def check(self, msg_type: str) -> None:
        """Charge ``msg_type`` if the bucket covers it now, else raise ``RiskLimitExceeded``
        (limit ``rate_limit``, value = cost, limit = tokens available) and charge nothing.
        The pure core of the REFUSE policy."""
        cost = self.cost(msg_type)
        if self.bucket.try_take(cost):
            return
        self.refused += 1
        available = self.bucket.tokens
        wait = self.bucket.wait_for(cost)
        raise RiskLimitExceeded(
            "rate_limit",
            cost,
            available,
            f"MsgType {msg_type} costs {cost} tokens, {available} left of {self.bucket.capacity}"
            f" ({self.tier.name} tier); enough in {float(wait):.3f}s",
        )

    async def acquire(self, msg_type: str) -> float:
        """Charge ``msg_type``; returns the seconds waited.  WAIT: sleeps (through the
        injected ``sleep``) until the bucket covers it; a cancelled wait gives its tokens
        back.  REFUSE: raises ``RiskLimitExceeded`` instead of waiting."""
        if self.policy is Policy.REFUSE:
            self.check(msg_type)
            return 0.0
        cost = self.cost(msg_type)
        wait = self.bucket.reserve(cost)
        if wait <= 0:
            return 0.0
        self.waited += 1
        try:
            await self._sleep(float(wait))
        except BaseException:
            self.bucket.refund(cost)
            raise
        return float(wait)
