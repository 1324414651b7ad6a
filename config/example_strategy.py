"""Example strategy for ``fixgw run --app config/example_strategy.py:ExampleStrategy``.

It quotes both sides of one market on the "maker" session, crosses the offer from the
"taker" session, and prints every execution report it sees.  Prices are Decimal dollars.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fixgw.messages import ExecutionReport, enums

SYMBOL = "KXDEMO-26DEC31-B50"


class ExampleStrategy:
    def __init__(self) -> None:
        self.gateway: Any = None
        self.fills = 0
        self.log: list[str] = []

    def say(self, line: str) -> None:
        self.log.append(line)
        print(line, flush=True)

    async def on_start(self, gateway: Any) -> None:
        self.gateway = gateway
        await gateway.wait_logged_on(timeout=30)
        self.say("sessions logged on: " + ", ".join(f"{s['name']} ({s['type']})" for s in gateway.status()))
        maker = gateway.sessions.get("maker") and "maker"
        taker = gateway.sessions.get("taker") and "taker"
        if not (maker and taker):
            self.say("example strategy needs sessions named 'maker' and 'taker'")
            return
        bid = await gateway.place_order(maker, SYMBOL, enums.Side.BUY, Decimal(10), Decimal("0.45"))
        ask = await gateway.place_order(maker, SYMBOL, enums.Side.SELL, Decimal(10), Decimal("0.55"))
        self.say(f"maker quotes {SYMBOL}: bid 10 @ $0.45 ({bid.status.name}), offer 10 @ $0.55 ({ask.status.name})")
        take = await gateway.place_order(taker, SYMBOL, enums.Side.BUY, Decimal(4), Decimal("0.56"))
        self.say(f"taker buys 4 Yes up to $0.56: {take.status.name}, filled {take.cum_qty} @ avg ${take.avg_px}")

    async def on_message(self, session: str, message: Any) -> None:
        if isinstance(message, ExecutionReport) and message.exec_type == enums.ExecType.TRADE:
            self.fills += 1
            fee = sum((f.misc_fee_amt for f in message.misc_fees), Decimal(0))
            self.say(
                f"{session:>6} fill: {message.side.name} {message.last_qty} {message.symbol} @ ${message.last_px}"
                f"  fee ${fee}  position yes={message.long_qty} no={message.short_qty}"
            )

    async def on_stop(self) -> None:
        self.say(f"strategy stopped after {self.fills} fills")
