"""A strategy for the gateway tests, loaded as ``gateway_strategy:RecordingStrategy`` and as
``tests/gateway_strategy.py:RecordingStrategy``.

It records every message it is handed and, when its order on the "rt" session trades, sells
the same quantity on "nr" through the gateway (so the risk layer and the journal see it).
The dataclass with postponed annotations is deliberate: loading the file must register the
module the way an import does, or ``@dataclass`` cannot resolve its annotations.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from fixgw.messages import ExecutionReport, Message, enums

HEDGE_PRICE = Decimal("0.70")


@dataclass(frozen=True)
class Seen:
    session: str
    message: Message


class RecordingStrategy:
    def __init__(self) -> None:
        self.gateway: Any = None
        self.seen: list[Seen] = []
        self.hedges: list[Any] = []
        self.errors: list[Exception] = []
        self.hedged = asyncio.Event()
        self.stopped = False

    async def on_start(self, gateway: Any) -> None:
        self.gateway = gateway

    async def on_message(self, session: str, message: Message) -> None:
        self.seen.append(Seen(session, message))
        if session == "rt" and isinstance(message, ExecutionReport) and message.exec_type is enums.ExecType.TRADE:
            try:
                hedge = await self.gateway.place_order(
                    "nr", message.symbol, enums.Side.SELL, message.last_qty, HEDGE_PRICE
                )
                self.hedges.append(hedge)
            except Exception as exc:  # the test looks at it
                self.errors.append(exc)
            self.hedged.set()

    async def on_stop(self) -> None:
        self.stopped = True


class FlakyStrategy(RecordingStrategy):
    """Raises on its first message: the gateway must keep handing it the next ones."""

    async def on_message(self, session: str, message: Message) -> None:
        first = not self.seen
        await super().on_message(session, message)
        if first:
            raise RuntimeError("strategy bug")


class NeedsArguments:
    def __init__(self, size: int) -> None:
        self.size = size


class SlowStop:
    """``on_stop`` never finishes (it says so in the file named by $FIXGW_TEST_STOP_MARKER):
    only a second signal gets the gateway out."""

    async def on_stop(self) -> None:
        Path(os.environ["FIXGW_TEST_STOP_MARKER"]).write_text("on_stop started\n")
        await asyncio.Event().wait()


class FailsOnStart(RecordingStrategy):
    async def on_start(self, gateway: Any) -> None:
        await super().on_start(gateway)
        raise RuntimeError("strategy cannot start")
