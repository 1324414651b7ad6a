"""Fault plans: per key or global, consumed as they fire, watchers told of every change."""

from __future__ import annotations

import pytest

from fixgw.sim.faults import SessionFaults


def test_key_and_global_plans():
    f = SessionFaults()
    f.withhold_heartbeats(api_key="a")
    assert f.heartbeats_withheld("a") and not f.heartbeats_withheld("b")
    f.hold()
    assert f.held("a") and f.held("b") and f.held(None)
    f.release()
    assert not f.held("b")
    f.clear("a")
    assert not f.heartbeats_withheld("a")


def test_counters_fire_once():
    f = SessionFaults()
    f.drop_after(3, api_key="a")
    assert [f.count_sent("a") for _ in range(5)] == [False, False, True, False, False]
    assert f.plan("a").drop_after is None
    f.bad_checksum(2, api_key="a")
    assert [f.take_bad_checksum("a") for _ in range(3)] == [True, True, False]
    f.skip_seqs(4, api_key="a")
    f.skip_seqs(1)
    assert f.take_skip("b") == 1  # the global one, shared by every session
    assert f.take_skip("a") == 4 and f.take_skip("a") == 0


def test_plan_is_a_copy_and_unknown_faults_are_refused():
    f = SessionFaults()
    f.plan("a").hold = True
    assert not f.held("a")
    with pytest.raises(ValueError, match="unknown fault delay_ms"):
        f.set("a", delay_ms=5)
    with pytest.raises(ValueError, match="drop_after must be >= 1"):
        f.drop_after(0)


def test_watchers_see_every_change_until_unsubscribed():
    f = SessionFaults()
    seen = []
    unwatch = f.watch(lambda: seen.append(f.held("a")))
    f.hold("a")
    f.release("a")
    unwatch()
    f.hold("a")
    assert seen == [True, False]
