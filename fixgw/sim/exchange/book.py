"""One market's order book: bids (Side 1, buy yes) and asks (Side 2, sell yes = buy no).

Both sides are kept on the yes-price scale (getting_started__order_direction.md: direction does
not change the price), so a bid at p and an ask at p cross, and the trade happens at the resting
order's price.  Priority is price, then arrival (``Order.priority``).  A price level is a deque:
fills take orders from its front, which a list would pay for with a move of the whole level.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator
from decimal import Decimal

from .orders import Order, Side

__all__ = ["OrderBook", "crosses"]


def crosses(taker_side: Side, taker_price: Decimal, resting_price: Decimal) -> bool:
    """Would an incoming order at ``taker_price`` trade with a resting opposite order?"""
    if taker_side is Side.BUY_YES:
        return resting_price <= taker_price
    return resting_price >= taker_price


class OrderBook:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self._levels: dict[Side, dict[Decimal, deque[Order]]] = {
            Side.BUY_YES: {},
            Side.SELL_NO: {},
        }
        self._prices: dict[Side, list[Decimal]] = {Side.BUY_YES: [], Side.SELL_NO: []}

    def add(self, order: Order) -> None:
        """Append at the back of its price level."""
        levels = self._levels[order.side]
        level = levels.get(order.price)
        if level is None:
            level = levels[order.price] = deque()
            bisect.insort(self._prices[order.side], order.price)
        level.append(order)
        order.on_book = True

    def remove(self, order: Order) -> None:
        levels = self._levels[order.side]
        level = levels[order.price]
        level.remove(order)
        if not level:
            del levels[order.price]
            prices = self._prices[order.side]
            del prices[bisect.bisect_left(prices, order.price)]
        order.on_book = False

    def _best_prices(self, side: Side) -> list[Decimal]:
        prices = self._prices[side]
        return list(reversed(prices)) if side is Side.BUY_YES else list(prices)

    def best(self, side: Side) -> Order | None:
        """First-in-queue order at the best price of ``side``."""
        prices = self._prices[side]
        if not prices:
            return None
        price = prices[-1] if side is Side.BUY_YES else prices[0]
        return self._levels[side][price][0]

    def best_price(self, side: Side) -> Decimal | None:
        prices = self._prices[side]
        if not prices:
            return None
        return prices[-1] if side is Side.BUY_YES else prices[0]

    def crossing(self, taker_side: Side, taker_price: Decimal) -> Iterator[Order]:
        """Resting opposite orders an incoming order would meet, in priority order (a snapshot)."""
        side = taker_side.opposite
        out: list[Order] = []
        for price in self._best_prices(side):
            if not crosses(taker_side, taker_price, price):
                break
            out.extend(self._levels[side][price])
        return iter(out)

    def best_crossing(self, taker_side: Side, taker_price: Decimal) -> Order | None:
        # best(taker_side.opposite) and crosses(), inline: asked before every order rests
        if taker_side is Side.BUY_YES:
            prices = self._prices[Side.SELL_NO]
            if not prices or prices[0] > taker_price:
                return None
            return self._levels[Side.SELL_NO][prices[0]][0]
        prices = self._prices[Side.BUY_YES]
        if not prices or prices[-1] < taker_price:
            return None
        return self._levels[Side.BUY_YES][prices[-1]][0]

    def orders(self, side: Side | None = None) -> Iterator[Order]:
        """All resting orders (a snapshot), best first per side."""
        sides = [side] if side is not None else [Side.BUY_YES, Side.SELL_NO]
        out: list[Order] = []
        for s in sides:
            for price in self._best_prices(s):
                out.extend(self._levels[s][price])
        return iter(out)

    def depth(self, side: Side) -> list[tuple[Decimal, Decimal]]:
        """(price, total leaves) per level, best first."""
        return [
            (price, sum((o.leaves for o in self._levels[side][price]), Decimal(0)))
            for price in self._best_prices(side)
        ]

    def position_in_queue(self, order: Order) -> int:
        """0-based index of ``order`` within its price level."""
        return self._levels[order.side][order.price].index(order)
