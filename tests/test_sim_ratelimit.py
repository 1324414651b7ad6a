"""Token-bucket arithmetic for the simulator's write budget, on a fake clock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixgw.session import FakeClock
from fixgw.sim.ratelimit import TIERS, RateLimiter, TokenBucket, tier


def test_tiers_mirror_the_rate_limits_page():
    assert {n: (t.write_budget, t.capacity) for n, t in TIERS.items()} == {
        "basic": (100, 100),  # one second of budget: no burst headroom
        "advanced": (300, 600),
        "premier": (1000, 2000),
        "paragon": (2000, 4000),
        "prime": (4000, 8000),
    }
    assert tier("Premier") is TIERS["premier"]
    with pytest.raises(ValueError, match="'gold'.*basic"):
        tier("gold")


def test_bucket_spends_and_refills_continuously():
    clock = FakeClock()
    b = TokenBucket(100, 100, clock)
    assert all(b.try_take(10) for _ in range(10))
    assert not b.try_take(10)
    assert b.tokens == 0
    clock.advance(0.05)  # 5 tokens back, exactly (Decimal arithmetic, no float drift)
    assert not b.try_take(10)
    assert b.tokens == 5  # a refused take spends nothing
    assert b.seconds_until(10) == Decimal("0.05")
    clock.advance(0.05)
    assert b.try_take(10)


def test_bucket_never_exceeds_its_capacity():
    clock = FakeClock()
    b = TokenBucket(100, 100, clock)
    clock.advance(3600)
    assert b.tokens == 100
    assert b.seconds_until(101) == float("inf")
    with pytest.raises(ValueError, match="rate > 0"):
        TokenBucket(0, 10, clock)


def test_basic_allows_ten_messages_a_second_and_no_burst():
    clock = FakeClock()
    rl = RateLimiter("basic", clock=clock)
    assert sum(rl.allow("k", "D") for _ in range(25)) == 10
    clock.advance(10)  # idle time does not build headroom beyond one second
    assert sum(rl.allow("k", "D") for _ in range(25)) == 10


def test_advanced_bursts_two_seconds_of_budget():
    clock = FakeClock()
    rl = RateLimiter("advanced", clock=clock)
    assert sum(rl.allow("k", "D") for _ in range(100)) == 60
    clock.advance(1.0)
    assert sum(rl.allow("k", "D") for _ in range(100)) == 30


def test_costs_exemptions_and_per_key_buckets():
    clock = FakeClock()
    rl = RateLimiter("basic", clock=clock)
    assert rl.cost("A") == 10 and rl.cost("D") == 10 and rl.cost("F") == 2
    assert rl.cost("0") == rl.cost("1") == rl.cost("5") == 0
    assert sum(rl.allow("k", "F") for _ in range(100)) == 50  # cancels are cheaper
    assert all(rl.allow("k", t) for t in ("0", "1", "5") for _ in range(50))  # never charged
    assert rl.allow("other", "D")  # each API key has its own bucket
    custom = RateLimiter("basic", clock=clock, costs={"D": 50}, default_cost=1)
    assert [custom.allow("k", "D") for _ in range(3)] == [True, True, False]
    assert custom.cost("G") == 1
