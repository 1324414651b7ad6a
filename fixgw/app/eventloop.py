"""Which event loop runs a long-lived process: asyncio's own, or uvloop if asked for.

uvloop is an optional extra (``pip install 'fixgw[uvloop]'``), never picked on its own: it
takes ~8% off the order round trip here (197 -> 181 µs p50, bench/README.md) but not
throughput, and a trader should choose to run a different loop, not find it swapped in.
Everything in fixgw runs on both (the test suite runs the simulator and a client on it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["EVENT_LOOPS", "EventLoopError", "loop_factory", "run_event_loop"]

EVENT_LOOPS = ("asyncio", "uvloop")

T = TypeVar("T")


class EventLoopError(RuntimeError):
    """The event loop asked for cannot be used (unknown, or not installed)."""


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """A factory for ``asyncio.Runner``; None means asyncio's default loop."""
    if name == "asyncio":
        return None
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise EventLoopError("event loop 'uvloop' is not installed: pip install 'fixgw[uvloop]'") from None
        return uvloop.new_event_loop
    raise EventLoopError(f"unknown event loop {name!r}: expected one of {', '.join(EVENT_LOOPS)}")


def run_event_loop(main: Coroutine[Any, Any, T], loop: str = "asyncio") -> T:
    """``asyncio.run(main)`` on the named event loop."""
    try:
        factory = loop_factory(loop)
    except EventLoopError:
        main.close()  # never awaited: no "coroutine was never awaited" warning
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)
