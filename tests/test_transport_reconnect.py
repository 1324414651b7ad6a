"""Reconnect policy: backoff with jitter, 'already exists', the weekly maintenance window."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from fixgw.session import FakeClock, LoggedOn, LoggedOut, Session, SessionConfig, profile
from fixgw.store import MemoryStore
from fixgw.transport import KALSHI_MAINTENANCE, Backoff, Endpoint, Initiator


def test_backoff_grows_to_its_cap_with_jitter_and_resets():
    b = Backoff(base=0.5, cap=8.0, rng=random.Random(7))
    delays = [b.next_delay() for _ in range(8)]
    ceilings = [min(8.0, 0.5 * 2**i) for i in range(8)]
    for d, c in zip(delays, ceilings, strict=True):
        assert c / 2 <= d <= c  # full jitter in the upper half: never a thundering herd at 0
    assert max(delays) <= 8.0
    b.reset()
    assert b.next_delay() <= 0.5


@pytest.mark.parametrize(
    ("when_utc", "inside"),
    [
        (datetime(2026, 11, 26, 8, 0, tzinfo=UTC), True),  # Thu 03:00 EST
        (datetime(2026, 11, 26, 9, 59, tzinfo=UTC), True),  # Thu 04:59 EST
        (datetime(2026, 11, 26, 10, 0, tzinfo=UTC), False),  # Thu 05:00 EST: over
        (datetime(2026, 11, 26, 7, 59, tzinfo=UTC), False),  # Thu 02:59 EST
        (datetime(2026, 7, 2, 7, 30, tzinfo=UTC), True),  # Thu 03:30 EDT (summer time)
        (datetime(2026, 11, 25, 8, 30, tzinfo=UTC), False),  # a Wednesday
    ],
)
def test_maintenance_window_is_thursday_3_to_5_new_york(when_utc, inside):
    assert KALSHI_MAINTENANCE.contains(when_utc) is inside


def test_maintenance_seconds_left_and_next_start():
    t = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 04:00 EST
    assert KALSHI_MAINTENANCE.seconds_left(t) == 3600
    nxt = KALSHI_MAINTENANCE.next_start(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    assert nxt.astimezone(UTC) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def _initiator(clock: FakeClock, hb: int = 30) -> Initiator:
    prof = profile("KalshiRT")
    sess = Session(SessionConfig(prof, "key", "KalshiRT", heartbeat_interval=hb), store=MemoryStore("t"), clock=clock)
    return Initiator(sess, Endpoint("127.0.0.1", 1), backoff=Backoff(base=0.5, cap=4.0, rng=random.Random(1)))


def test_already_exists_waits_out_the_exchange_heartbeat_timeout():
    ini = _initiator(FakeClock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC)), hb=30)
    ini._on_action(LoggedOut("already exists", by_us=False))
    assert ini.next_delay("logon refused") >= 60.0
    ini._on_action(LoggedOn(None, reset=False))  # a successful logon clears it
    assert ini.next_delay("dropped") <= 4.0


def test_inside_maintenance_waits_until_the_window_ends():
    clock = FakeClock(datetime(2026, 11, 26, 9, 30, tzinfo=UTC))  # 04:30 EST, 30 min left
    ini = _initiator(clock)
    d = ini.next_delay("connection closed by peer")
    assert 1800 < d <= 1800 + 5
    clock.advance(3600)  # after the window: back to plain backoff
    assert ini.next_delay("connection closed by peer") <= 4.0
