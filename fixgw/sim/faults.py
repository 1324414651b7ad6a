"""Network and counterparty faults the simulator can inject into its outbound stream.

A client is only as good as its recovery paths, and those paths are hard to reach against a
well-behaved exchange.  Each fault is set for one API key or for every session (the global
plan), changed at runtime, and applied where the simulator writes bytes, so the session core
stays the same code the client runs.

Counting faults (``drop_after``, ``bad_checksums``, ``skip_seqs``) are consumed as they fire;
the global plan's counters are shared by every session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

__all__ = ["FaultPlan", "SessionFaults"]


@dataclass
class FaultPlan:
    #: drop the connection (no Logout) after this many more outbound messages
    drop_after: int | None = None
    #: skip this many outbound sequence numbers before the next application message
    skip_seqs: int = 0
    #: send no Heartbeats (so TestRequests go unanswered)
    withhold_heartbeats: bool = False
    #: the next this-many outbound messages carry a wrong CheckSum (10)
    bad_checksums: int = 0
    #: queue outbound messages until released
    hold: bool = False


_NAMES = frozenset(f.name for f in fields(FaultPlan))


class SessionFaults:
    def __init__(self) -> None:
        self._global = FaultPlan()
        self._by_key: dict[str, FaultPlan] = {}
        self._watchers: set[Callable[[], None]] = set()
        #: False while no plan has any fault set: the write path then skips every check
        self.armed = False

    # ---- configuring ------------------------------------------------------------------------

    def plan(self, api_key: str | None = None) -> FaultPlan:
        """A copy of the plan for ``api_key`` (None: the global plan)."""
        return replace(self._plan(api_key))

    def set(self, api_key: str | None = None, **changes: object) -> None:
        """``faults.set(key, drop_after=3, withhold_heartbeats=True)``; None sets the global plan."""
        bad = set(changes) - _NAMES
        if bad:
            raise ValueError(
                f"unknown fault {', '.join(sorted(bad))}; known: {', '.join(sorted(_NAMES))}"
            )
        plan = self._plan(api_key)
        for name, value in changes.items():
            setattr(plan, name, value)
        self._changed()

    def clear(self, api_key: str | None = None) -> None:
        """Remove every fault for ``api_key`` (None: the global plan); releases held messages."""
        if api_key is None:
            self._global = FaultPlan()
        else:
            self._by_key.pop(api_key, None)
        self._changed()

    def drop_after(self, n: int, api_key: str | None = None) -> None:
        if n < 1:
            raise ValueError(f"drop_after must be >= 1 message, got {n}")
        self.set(api_key, drop_after=n)

    def skip_seqs(self, k: int, api_key: str | None = None) -> None:
        if k < 1:
            raise ValueError(f"skip_seqs must be >= 1, got {k}")
        self.set(api_key, skip_seqs=k)

    def withhold_heartbeats(self, on: bool = True, api_key: str | None = None) -> None:
        self.set(api_key, withhold_heartbeats=on)

    def bad_checksum(self, n: int = 1, api_key: str | None = None) -> None:
        self.set(api_key, bad_checksums=n)

    def hold(self, api_key: str | None = None) -> None:
        self.set(api_key, hold=True)

    def release(self, api_key: str | None = None) -> None:
        """Stop holding; queued messages are written in order at once."""
        self.set(api_key, hold=False)

    def watch(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after every change; returns the function that unsubscribes."""
        self._watchers.add(callback)
        return lambda: self._watchers.discard(callback)

    # ---- used where bytes are written -------------------------------------------------------

    def heartbeats_withheld(self, api_key: str | None) -> bool:
        return self._global.withhold_heartbeats or self._key(api_key).withhold_heartbeats

    def held(self, api_key: str | None) -> bool:
        return self._global.hold or self._key(api_key).hold

    def take_skip(self, api_key: str | None) -> int:
        n = 0
        for plan in self._plans(api_key):
            n += plan.skip_seqs
            plan.skip_seqs = 0
        return n

    def take_bad_checksum(self, api_key: str | None) -> bool:
        for plan in self._plans(api_key):
            if plan.bad_checksums > 0:
                plan.bad_checksums -= 1
                return True
        return False

    def count_sent(self, api_key: str | None) -> bool:
        """Count one written message; True when a drop_after fault fires now."""
        fire = False
        for plan in self._plans(api_key):
            if plan.drop_after is not None:
                plan.drop_after -= 1
                if plan.drop_after <= 0:
                    plan.drop_after = None
                    fire = True
        return fire

    # ---- internals --------------------------------------------------------------------------

    def _plan(self, api_key: str | None) -> FaultPlan:
        if api_key is None:
            return self._global
        plan = self._by_key.get(api_key)
        if plan is None:
            plan = self._by_key[api_key] = FaultPlan()
        return plan

    _EMPTY = FaultPlan()

    def _key(self, api_key: str | None) -> FaultPlan:
        return self._by_key.get(api_key, self._EMPTY) if api_key is not None else self._EMPTY

    def _plans(self, api_key: str | None) -> list[FaultPlan]:
        out = [self._global]
        if api_key is not None and api_key in self._by_key:
            out.append(self._by_key[api_key])
        return out

    def _changed(self) -> None:
        empty = FaultPlan()
        self.armed = self._global != empty or any(p != empty for p in self._by_key.values())
        for cb in list(self._watchers):
            cb()
