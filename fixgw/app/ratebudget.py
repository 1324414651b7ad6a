"""Kalshi's Write budget as a token bucket: one model for the simulator (which enforces it
per API key) and the gateway (which stays under it per account).

Rate Limits page: every request costs tokens, 10 by default and 2 for order cancellations;
the Write bucket refills continuously at the tier's per-second budget and holds two seconds
of it, except Basic which holds one (no burst headroom).  Connectivity page: on FIX the
limit covers application messages from the client and the Logon, never Heartbeat (0),
TestRequest (1) or Logout (5).  Kalshi publishes no per-MsgType table for FIX;
``DEFAULT_COSTS`` charges each message what its REST counterpart costs (OrderCancelRequest =
cancel = 2), overridable.

Tokens are exact Decimals (clock readings rounded to the nanosecond), so refill arithmetic
does not drift: 0.05 s at 100 tokens/s is exactly 5 tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..session.clock import Clock

__all__ = ["DEFAULT_COST", "DEFAULT_COSTS", "EXEMPT", "TIERS", "Tier", "TokenBucket", "tier", "message_cost"]

DEFAULT_COST = 10
#: MsgType -> tokens where it differs from DEFAULT_COST.
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
        raise ValueError(f"unknown rate-limit tier {name!r}; expected one of {', '.join(TIERS)}") from None


_NS = Decimal("1e-9")


def _exact(x: float | int | Decimal) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def _reading(t: float) -> Decimal:
    """A clock reading to the nanosecond: drops float noise such as 1000.0999999999999."""
    return _exact(t).quantize(_NS)


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second of ``clock.monotonic()`` time.

    ``reserve`` takes tokens at once, going into debt if needed, and says how long the
    caller must wait before sending; later callers queue behind that debt, so waiting
    callers go in the order they asked."""

    def __init__(self, rate: Decimal | int, capacity: Decimal | int, clock: Clock) -> None:
        self.rate = _exact(rate)
        self.capacity = _exact(capacity)
        if self.rate <= 0 or self.capacity <= 0:
            raise ValueError(f"token bucket needs rate > 0 and capacity > 0, got rate={rate} capacity={capacity}")
        self._clock = clock
        self._tokens = self.capacity
        self._at = _reading(clock.monotonic())

    def _refill(self) -> None:
        now = _reading(self._clock.monotonic())
        if now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now

    @property
    def tokens(self) -> Decimal:
        """Tokens available now (negative while reservations are outstanding)."""
        self._refill()
        return self._tokens

    def wait_for(self, cost: Decimal | int) -> Decimal:
        """Seconds until ``cost`` tokens are there (0 if now); takes nothing."""
        cost = _exact(cost)
        self._check_cost(cost)
        self._refill()
        return max(Decimal(0), (cost - self._tokens) / self.rate)

    def try_take(self, cost: Decimal | int) -> bool:
        """Take ``cost`` tokens if they are there now; else take nothing."""
        cost = _exact(cost)
        self._check_cost(cost)
        self._refill()
        if cost <= self._tokens:
            self._tokens -= cost
            return True
        return False

    def reserve(self, cost: Decimal | int) -> Decimal:
        """Take ``cost`` tokens now (possibly into debt); returns the seconds to wait."""
        wait = self.wait_for(cost)
        self._tokens -= _exact(cost)
        return wait

    def refund(self, cost: Decimal | int) -> None:
        """Give back a reservation that was not used (a waiter that was cancelled)."""
        self._refill()
        self._tokens = min(self.capacity, self._tokens + _exact(cost))

    def seconds_until(self, cost: Decimal | int) -> Decimal | float:
        """How long until ``cost`` tokens are there; infinity if more than the bucket holds."""
        if _exact(cost) > self.capacity:
            return float("inf")
        return self.wait_for(cost)

    def _check_cost(self, cost: Decimal) -> None:
        if cost < 0:
            raise ValueError(f"token cost must be >= 0, got {cost}")
        if cost > self.capacity:
            raise ValueError(f"a cost of {cost} tokens can never fit a bucket of {self.capacity}")



def message_cost(msg_type: str, costs: Mapping[str, int] | None = None, default: int = DEFAULT_COST) -> int:
    """Tokens one message costs: exempt admin messages 0, else its cost or the default."""
    if msg_type in EXEMPT:
        return 0
    return (DEFAULT_COSTS if costs is None else costs).get(msg_type, default)
