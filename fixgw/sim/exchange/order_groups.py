"""Order groups: a contracts limit over a rolling 15-second window of fills (fix__order-groups.md).

When the filled contracts of a group's orders within the last 15 s reach the limit, every order
in the group is canceled (ORDER_GROUP_CANCEL) and the group is *triggered*: new orders naming it
are rejected (EXCEEDED_ORDER_GROUP_RISK_LIMIT) until it is reset.  Groups are scoped per
(account, subaccount): the same id under another subaccount is ORDER_GROUP_NOT_FOUND.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import IntEnum

__all__ = [
    "WINDOW",
    "MIN_LIMIT",
    "MAX_LIMIT",
    "OrderGroupAction",
    "OrderGroup",
    "OrderGroups",
    "limit_ok",
]

WINDOW = timedelta(seconds=15)
MIN_LIMIT = Decimal(1)
MAX_LIMIT = Decimal(1_000_000)


class OrderGroupAction(IntEnum):
    """OrderGroupAction (20131)."""

    CREATE = 1
    RESET = 2
    DELETE = 3
    TRIGGER = 4
    UPDATE = 5


def limit_ok(limit: Decimal) -> bool:
    return limit.is_finite() and MIN_LIMIT <= limit <= MAX_LIMIT


@dataclass
class OrderGroup:
    group_id: str
    account: str
    subaccount: int
    contracts_limit: Decimal
    triggered: bool = False
    _fills: deque[tuple[datetime, Decimal]] = field(default_factory=deque)

    def _prune(self, now: datetime) -> None:
        while self._fills and self._fills[0][0] <= now - WINDOW:
            self._fills.popleft()

    def filled_in_window(self, now: datetime) -> Decimal:
        """Contracts filled in (now - 15 s, now]."""
        self._prune(now)
        return sum((q for _, q in self._fills), Decimal(0))

    def record_fill(self, now: datetime, qty: Decimal) -> bool:
        """Count a fill; True if the group just hit its limit."""
        self._fills.append((now, qty))
        return not self.triggered and self.filled_in_window(now) >= self.contracts_limit

    def would_trigger(self, now: datetime, limit: Decimal) -> bool:
        return self.filled_in_window(now) >= limit

    def reset(self) -> None:
        self.triggered = False
        self._fills.clear()


class OrderGroups:
    """Registry keyed by (account, subaccount, group id)."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, int, str], OrderGroup] = {}

    def create(self, group_id: str, account: str, subaccount: int, limit: Decimal) -> OrderGroup:
        group = OrderGroup(group_id, account, subaccount, limit)
        self._groups[(account, subaccount, group_id)] = group
        return group

    def get(self, account: str, subaccount: int, group_id: str) -> OrderGroup | None:
        return self._groups.get((account, subaccount, group_id))

    def delete(self, group: OrderGroup) -> None:
        self._groups.pop((group.account, group.subaccount, group.group_id), None)
