"""Small helpers for driving the exchange in tests and scripted scenarios."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from .clock import ManualClock
from .engine import EngineConfig, Exchange
from .ids import sequential_ids
from .markets import MarketRegistry
from .orders import NewOrder, Side

__all__ = ["T0", "make_exchange", "order", "of_type", "one"]

T0 = datetime(2026, 1, 6, 15, 0, tzinfo=UTC)
"""A Tuesday, 10:00 New York time."""

E = TypeVar("E")


def make_exchange(
    markets: MarketRegistry | None = None,
    config: EngineConfig | None = None,
    start: datetime = T0,
) -> tuple[Exchange, ManualClock]:
    """An exchange with a manual clock, deterministic ids and ExecID epoch 1."""
    clock = ManualClock(start)
    if config is None:
        config = EngineConfig(exec_id_epoch=1)
    return Exchange(markets, clock=clock, config=config, ids=sequential_ids()), clock


def order(
    account: str,
    cl_ord_id: str,
    side: Side | int,
    price: str | Decimal,
    qty: str | int | Decimal,
    symbol: str = "MKT-A",
    **extra: Any,
) -> NewOrder:
    """A NewOrder with string/int conveniences for price and quantity."""
    return NewOrder(
        account=account,
        cl_ord_id=cl_ord_id,
        symbol=symbol,
        side=int(side),
        price=Decimal(str(price)),
        qty=Decimal(str(qty)),
        **extra,
    )


def of_type(events: Iterable[object], cls: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, cls)]


def one(events: Iterable[object], cls: type[E]) -> E:
    found = of_type(events, cls)
    if len(found) != 1:
        raise AssertionError(f"expected exactly one {cls.__name__}, got {len(found)}: {found}")
    return found[0]
