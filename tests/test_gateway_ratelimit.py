"""Write-budget token bucket: exact refill arithmetic on a fake clock, tiers, both policies."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from fixgw.app.errors import RiskLimitExceeded
from fixgw.gateway.ratelimit import TIERS, Policy, RateLimiter, TokenBucket, tier
from fixgw.session.clock import FakeClock


class FakeSleep:
    """Records requested sleeps and moves the fake clock by them (no real waiting)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds)


@pytest.mark.parametrize(
    ("name", "rate", "capacity"),
    [("basic", 100, 100), ("advanced", 300, 600), ("premier", 1000, 2000), ("paragon", 2000, 4000), ("prime", 4000, 8000)],
)
def test_tier_budgets(name: str, rate: int, capacity: int) -> None:
    clock = FakeClock()
    rl = RateLimiter(name, clock=clock, policy="refuse")
    assert (rl.bucket.rate, rl.bucket.capacity) == (rate, capacity)
    for _ in range(capacity // 10):  # a full bucket of NewOrderSingles, back to back
        rl.check("D")
    with pytest.raises(RiskLimitExceeded):
        rl.check("D")
    clock.advance(0.1)  # a tenth of a second refills rate / 10 tokens, exactly
    for _ in range(rate // 100):
        rl.check("D")
    with pytest.raises(RiskLimitExceeded):
        rl.check("D")


def test_costs_and_exemptions() -> None:
    rl = RateLimiter("basic", clock=FakeClock())
    assert [rl.cost(t) for t in ("D", "G", "F", "q", "UOG", "A", "0", "1", "5")] == [10, 10, 2, 10, 10, 10, 0, 0, 0]
    custom = RateLimiter("basic", clock=FakeClock(), costs={"Z": 1}, default_cost=5)
    assert (custom.cost("Z"), custom.cost("F"), custom.cost("0")) == (1, 5, 0)
    with pytest.raises(ValueError, match="unknown rate-limit tier 'gold'"):
        tier("gold")
    assert tier("Advanced") is TIERS["advanced"]


def test_refill_is_exact_and_capped() -> None:
    clock = FakeClock()
    b = TokenBucket(100, 100, clock)
    assert b.try_take(100) and b.tokens == 0
    for _ in range(3):
        clock.advance(0.05)  # float noise accumulates in the clock (1000.15000000000003...)
    assert b.tokens == D("15")
    assert not b.try_take(16) and b.tokens == 15  # a failed take takes nothing
    assert b.wait_for(16) == D("0.01")
    clock.advance(3600)
    assert b.tokens == 100  # never above capacity: Basic has no burst headroom
    with pytest.raises(ValueError, match="can never fit"):
        b.wait_for(101)


def test_burst_then_steady_rate_on_advanced() -> None:
    clock = FakeClock()
    rl = RateLimiter("advanced", clock=clock, policy=Policy.REFUSE)
    for _ in range(60):  # two seconds of budget in one burst
        rl.check("D")
    with pytest.raises(RiskLimitExceeded) as e:
        rl.check("F")  # even a cheap cancel: 0 tokens left
    assert (e.value.limit_name, e.value.value, e.value.limit) == ("rate_limit", 2, 0)
    assert "advanced tier" in str(e.value) and "0.007s" in str(e.value)
    assert rl.refused == 1
    clock.advance(0.01)  # 3 tokens
    rl.check("F")
    with pytest.raises(RiskLimitExceeded):
        rl.check("F")


def test_reserve_queues_callers_in_order() -> None:
    clock = FakeClock()
    rl = RateLimiter("basic", clock=clock)
    waits = [rl.reserve("D") for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == [0.1, 0.2]  # each later caller waits behind the debt before it
    assert rl.bucket.tokens == -20
    clock.advance(0.2)
    assert rl.bucket.tokens == 0


async def test_wait_policy_sleeps_through_the_injected_sleep() -> None:
    clock = FakeClock()
    sleep = FakeSleep(clock)
    rl = RateLimiter("basic", clock=clock, sleep=sleep)
    for _ in range(10):
        assert await rl.acquire("D") == 0.0
    assert await rl.acquire("F") == 0.02
    assert await rl.acquire("0") == 0.0  # Heartbeat: free
    assert await rl.acquire("D") == 0.1
    assert sleep.calls == [0.02, 0.1] and rl.waited == 2
    assert rl.bucket.tokens == 0


async def test_cancelled_wait_gives_tokens_back() -> None:
    clock = FakeClock()
    started = asyncio.Event()

    async def never(seconds: float) -> None:
        started.set()
        await asyncio.Event().wait()

    rl = RateLimiter("basic", clock=clock, sleep=never)
    for _ in range(10):
        await rl.acquire("D")
    task = asyncio.create_task(rl.acquire("D"))
    await started.wait()
    assert rl.bucket.tokens == -10
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert rl.bucket.tokens == 0


async def test_refuse_policy_raises_and_charges_nothing() -> None:
    clock = FakeClock()
    rl = RateLimiter("basic", clock=clock, policy="refuse", sleep=FakeSleep(clock))
    for _ in range(50):
        await rl.acquire("F")
    with pytest.raises(RiskLimitExceeded, match="rate_limit"):
        await rl.acquire("F")
    assert rl.bucket.tokens == 0


def test_shared_account_budget_override() -> None:
    clock = FakeClock()
    rl = RateLimiter("premier", clock=clock, rate=500, capacity=500, policy="refuse")
    for _ in range(50):
        rl.check("D")
    with pytest.raises(RiskLimitExceeded):
        rl.check("D")
    clock.advance(0.02)
    rl.check("D")
