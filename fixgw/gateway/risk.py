"""Pre-trade risk checks and the kill switch: pure functions of the order and the book we hold.

Prices are Decimal dollars (the API's unit) and always the Yes price, as on the wire: Side
Buy(1) = buy Yes, Sell(2) = sell Yes, i.e. be long No (Order Entry page; order direction
page: "sell no" and "buy yes" are the same exposure).

Notional of an order is the collateral it puts at risk if every contract fills:
``qty * price`` for a Buy (the Yes price paid) and ``qty * (1 - price)`` for a Sell (the No
price paid).  Position is the net Yes position per market (LongQty 704 minus ShortQty 705):
Buys push it up, Sells down.  The position check uses the worst case in the order's own
direction: current position + every open order on the same side of that market (their
remaining quantity) + this order.  An order that reduces exposure is never refused by it.

Every refusal raises `fixgw.app.errors.RiskLimitExceeded(limit_name, value, limit, detail)`;
limit names: order_qty, max_order_qty, max_notional, price_band, price_tick,
max_open_orders, position_limit, kill_switch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..app.errors import RiskLimitExceeded
from ..messages.enums import OrdStatus, Side
from ..session.clock import Clock, SystemClock

__all__ = [
    "CENT",
    "SUBPENNY",
    "CancelTarget",
    "KillPlan",
    "KillSwitch",
    "OpenOrder",
    "RiskChecker",
    "RiskLimitExceeded",
    "RiskLimits",
    "as_open_order",
    "kill_plan",
    "notional",
    "position_worst_case",
]

CENT = Decimal("0.01")
SUBPENNY = Decimal("0.0001")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_OPEN = frozenset(
    {OrdStatus.PENDING_NEW, OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED, OrdStatus.PENDING_CANCEL, OrdStatus.PENDING_REPLACE}
)


def _side(value: Side | str) -> Side:
    if isinstance(value, Side):
        return value
    try:
        return Side(value)
    except ValueError:
        try:
            return Side[str(value).upper()]
        except KeyError:
            raise ValueError(f"Side (54) must be 1 (Buy/Yes) or 2 (Sell/No), got {value!r}") from None


def _dec(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{name} must be a Decimal (never float), got {type(value).__name__} {value!r}")
    d = Decimal(value)
    if not d.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return d


# ---- limits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskLimits:
    """Per-order and per-market limits; ``None`` switches a limit off.

    ``use_dollars`` picks the price grid: whole cents 0.01-0.99 (legacy cents format), or the
    subpenny grid 0.0001-0.9999 in steps of 0.0001 when the session logs on with UseDollars
    (21005=Y).  ``min_price``/``max_price`` narrow the band further (e.g. refuse 0.01 and 0.99).
    ``position_limits`` overrides ``position_limit`` per market (Symbol 55)."""

    max_order_qty: Decimal | None = None
    max_notional: Decimal | None = None  # dollars, per order
    max_open_orders: int | None = None
    position_limit: Decimal | None = None  # contracts, |net Yes position| worst case, per market
    position_limits: Mapping[str, Decimal] = field(default_factory=dict)
    use_dollars: bool = False
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("max_order_qty", "max_notional", "position_limit", "min_price", "max_price"):
            v = getattr(self, name)
            if v is not None and (_dec(name, v) <= 0):
                raise ValueError(f"RiskLimits.{name} must be > 0, got {v}")
        if self.max_open_orders is not None and (isinstance(self.max_open_orders, bool) or self.max_open_orders < 1):
            raise ValueError(f"RiskLimits.max_open_orders must be an int >= 1, got {self.max_open_orders!r}")
        for sym, v in self.position_limits.items():
            if _dec(f"position_limits[{sym!r}]", v) <= 0:
                raise ValueError(f"RiskLimits.position_limits[{sym!r}] must be > 0, got {v}")
        lo, hi = self.price_band
        if lo > hi:
            raise ValueError(f"RiskLimits price band is empty: min_price {lo} > max_price {hi}")

    @classmethod
    def from_config(cls, risk: Any, *, use_dollars: bool = False) -> RiskLimits:
        """From the gateway's ``[risk]`` section (``fixgw.gateway.config.RiskConfig``)."""
        return cls(
            max_order_qty=risk.max_order_qty,
            max_notional=risk.max_notional,
            max_open_orders=risk.max_open_orders,
            position_limit=risk.position_limit,
            use_dollars=use_dollars,
        )

    @property
    def tick(self) -> Decimal:
        return SUBPENNY if self.use_dollars else CENT

    @property
    def price_band(self) -> tuple[Decimal, Decimal]:
        lo, hi = self.tick, _ONE - self.tick
        if self.min_price is not None:
            lo = max(lo, self.min_price)
        if self.max_price is not None:
            hi = min(hi, self.max_price)
        return lo, hi

    def position_limit_for(self, symbol: str) -> Decimal | None:
        return self.position_limits.get(symbol, self.position_limit)


# ---- open orders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenOrder:
    """What the checks and the kill plan need of an open order."""

    cl_ord_id: str
    symbol: str
    side: Side
    leaves_qty: Decimal
    price: Decimal | None = None
    order_id: str | None = None
    status: OrdStatus | None = None
    order_group_id: str | None = None
    alloc_account: int | None = None


def _get(obj: Any, *names: str) -> Any:
    for n in names:
        v = obj.get(n) if isinstance(obj, Mapping) else getattr(obj, n, None)
        if v is not None:
            return v
    return None


def as_open_order(obj: OpenOrder | Mapping[str, Any] | Any) -> OpenOrder:
    """An `OpenOrder` from a tracker ``OrderState``, a mapping with the same names, or itself.
    ``leaves_qty`` falls back to ``order_qty - cum_qty``; ``order_group_id`` to
    ``secondary_cl_ord_id`` (tag 526)."""
    if isinstance(obj, OpenOrder):
        return obj
    leaves = _get(obj, "leaves_qty")
    if leaves is None:
        qty, cum = _get(obj, "order_qty"), _get(obj, "cum_qty") or _ZERO
        leaves = (qty - cum) if qty is not None else _ZERO
    status = _get(obj, "status", "ord_status")
    if status is not None and not isinstance(status, OrdStatus):
        try:
            status = OrdStatus(status)
        except ValueError:
            try:
                status = OrdStatus[str(status).upper()]
            except KeyError:
                raise ValueError(f"order {_get(obj, 'cl_ord_id')!r}: unknown OrdStatus (39) {status!r}") from None
    return OpenOrder(
        cl_ord_id=str(_get(obj, "cl_ord_id")),
        symbol=str(_get(obj, "symbol")),
        side=_side(_get(obj, "side")),
        leaves_qty=Decimal(leaves),
        price=_get(obj, "price"),
        order_id=_get(obj, "order_id"),
        status=status,
        order_group_id=_get(obj, "order_group_id", "secondary_cl_ord_id"),
        alloc_account=_get(obj, "alloc_account"),
    )


def _open(orders: Iterable[Any]) -> list[OpenOrder]:
    out = [as_open_order(o) for o in orders]
    return [o for o in out if o.status is None or o.status in _OPEN]


def notional(side: Side | str, qty: Decimal, price: Decimal) -> Decimal:
    """Collateral at risk: Buy ``qty * price``; Sell ``qty * (1 - price)``."""
    return qty * price if _side(side) is Side.BUY else qty * (_ONE - price)


def position_worst_case(
    symbol: str, side: Side | str, qty: Decimal, open_orders: Iterable[Any], position: Decimal
) -> Decimal:
    """Net Yes position if this order and every open order on the same side of ``symbol``
    filled completely (negative: net No)."""
    s = _side(side)
    same = sum((o.leaves_qty for o in _open(open_orders) if o.symbol == symbol and o.side is s), _ZERO)
    return position + (same + qty if s is Side.BUY else -(same + qty))


# ---- checker ----------------------------------------------------------------------------------


class KillSwitch:
    """Engaged: the gateway accepts no new order or replace and cancels what is open.
    Stays engaged until ``release()``; ``engage`` again keeps the first reason and time."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self.engaged = False
        self.reason: str | None = None
        self.at: datetime | None = None

    def engage(self, reason: str) -> bool:
        """Returns True if this call engaged it (False if it already was)."""
        if self.engaged:
            return False
        self.engaged, self.reason, self.at = True, reason, self._clock.now()
        return True

    def release(self) -> None:
        self.engaged, self.reason, self.at = False, None, None

    def check(self) -> None:
        if self.engaged:
            when = self.at.isoformat() if self.at else "?"
            raise RiskLimitExceeded("kill_switch", 1, 0, f"kill switch engaged at {when}: {self.reason}")

    def to_dict(self) -> dict[str, Any]:
        return {"engaged": self.engaged, "reason": self.reason, "at": self.at.isoformat() if self.at else None}

    def __repr__(self) -> str:
        return f"KillSwitch(engaged={self.engaged}, reason={self.reason!r})"


class RiskChecker:
    """Runs the limits against one request.  Returns None when it may go, else raises
    `RiskLimitExceeded` naming the first limit it breaks.  Cancels are never checked."""

    def __init__(self, limits: RiskLimits, kill_switch: KillSwitch | None = None) -> None:
        self.limits = limits
        self.kill_switch = kill_switch

    def _price(self, price: Decimal) -> None:
        price = _dec("price", price)
        lo, hi = self.limits.price_band
        if price < lo:
            raise RiskLimitExceeded("price_band", price, lo, f"Price (44) {price} is below the minimum {lo}")
        if price > hi:
            raise RiskLimitExceeded("price_band", price, hi, f"Price (44) {price} is above the maximum {hi}")
        tick = self.limits.tick
        if price % tick != 0:
            grid = "subpenny grid (UseDollars)" if self.limits.use_dollars else "whole cents (log on with UseDollars 21005=Y for subpenny)"
            raise RiskLimitExceeded("price_tick", price, tick, f"Price (44) {price} is not on the {grid}")

    def _sized(self, symbol: str, side: Side, qty: Decimal, leaves: Decimal, price: Decimal,
               others: list[OpenOrder], position: Decimal) -> None:  # fmt: skip
        lim = self.limits
        if lim.max_order_qty is not None and qty > lim.max_order_qty:
            raise RiskLimitExceeded("max_order_qty", qty, lim.max_order_qty, f"OrderQty (38) {qty} on {symbol}")
        if lim.max_notional is not None:
            n = notional(side, leaves, price)
            if n > lim.max_notional:
                raise RiskLimitExceeded(
                    "max_notional", n, lim.max_notional,
                    f"{side.name} {leaves} {symbol} @ {price} puts ${n} at risk",
                )  # fmt: skip
        plimit = lim.position_limit_for(symbol)
        if plimit is not None:
            worst = position_worst_case(symbol, side, leaves, others, position)
            if abs(worst) > plimit and abs(worst) > abs(position):
                raise RiskLimitExceeded(
                    "position_limit", abs(worst), plimit,
                    f"{symbol}: position {position} + open {side.name} orders + this order = {worst} if all fill",
                )  # fmt: skip

    def check_new(
        self,
        symbol: str,
        side: Side | str,
        qty: Decimal,
        price: Decimal,
        *,
        open_orders: Iterable[Any] = (),
        positions: Mapping[str, Decimal] | None = None,
    ) -> None:
        """A NewOrderSingle: kill switch, quantity, price band and grid, notional, open-order
        count, position worst case.  ``open_orders``: the session's (or account's) open orders
        (``OrderState``, mappings or `OpenOrder`); ``positions``: net Yes per Symbol."""
        if self.kill_switch is not None:
            self.kill_switch.check()
        s = _side(side)
        qty = _dec("qty", qty)
        if qty <= 0:
            raise RiskLimitExceeded("order_qty", qty, 0, f"OrderQty (38) must be > 0, got {qty}")
        self._price(price)
        others = _open(open_orders)
        lim = self.limits
        if lim.max_open_orders is not None and len(others) + 1 > lim.max_open_orders:
            raise RiskLimitExceeded(
                "max_open_orders", len(others) + 1, lim.max_open_orders, f"{len(others)} orders already open"
            )
        self._sized(symbol, s, qty, qty, price, others, (positions or {}).get(symbol, _ZERO))

    def check_replace(
        self,
        order: Any,
        new_qty: Decimal | None,
        new_price: Decimal | None,
        *,
        open_orders: Iterable[Any] = (),
        positions: Mapping[str, Decimal] | None = None,
        cum_qty: Decimal | None = None,
    ) -> None:
        """An OrderCancelReplaceRequest for ``order`` (same Symbol and Side; OrderQty is the
        new total).  Limits apply to the order as it would be: ``max_order_qty`` to the new
        total, notional and position to the new remaining quantity (total - filled), with
        ``order`` itself left out of the open orders.  The open-order count does not change.
        A new total equal to the filled quantity is a cancel (Order Entry page) and passes."""
        if self.kill_switch is not None:
            self.kill_switch.check()
        cur = as_open_order(order)
        cum = cum_qty if cum_qty is not None else (_get(order, "cum_qty") or _ZERO)
        qty = _dec("new_qty", new_qty) if new_qty is not None else cur.leaves_qty + cum
        price = new_price if new_price is not None else cur.price
        if price is None:
            raise ValueError(f"replace of {cur.cl_ord_id!r}: no new price and the order's price is unknown")
        if qty < cum:
            raise RiskLimitExceeded(
                "order_qty", qty, cum, f"new OrderQty (38) {qty} is below the filled quantity {cum} (Kalshi rejects it)"
            )
        if qty == cum:
            return  # Kalshi treats it as a cancel: it only reduces risk
        self._price(price)
        others = [o for o in _open(open_orders) if o.cl_ord_id != cur.cl_ord_id and
                  (cur.order_id is None or o.order_id != cur.order_id)]  # fmt: skip
        self._sized(cur.symbol, cur.side, qty, qty - cum, price, others, (positions or {}).get(cur.symbol, _ZERO))


# ---- kill plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CancelTarget:
    """One OrderCancelRequest to send (OrigClOrdID 41 = ``cl_ord_id``)."""

    cl_ord_id: str
    symbol: str
    side: Side
    order_id: str | None = None
    alloc_account: int | None = None


@dataclass(frozen=True)
class KillPlan:
    """What the gateway sends to take a session flat.

    KalshiNR: one OrderMassCancelRequest (35=q, 530=6) cancels every order of the session.
    Other order-entry sessions (KalshiRT) have no mass cancel: one OrderCancelRequest per open
    order, plus an OrderGroupRequest Trigger (35=UOG, 20131=4) per order group in use, which
    cancels the group's orders at the exchange even if a cancel is lost or the tracker missed
    an order.  Sessions that cannot send orders get an empty plan."""

    session_type: str
    mass_cancel: bool
    cancels: tuple[CancelTarget, ...] = ()
    group_triggers: tuple[tuple[str, int | None], ...] = ()  # (OrderGroupID, AllocAccount)

    @property
    def order_groups(self) -> tuple[tuple[str, int | None], ...]:
        """Same as ``group_triggers``."""
        return self.group_triggers

    @property
    def empty(self) -> bool:
        return not (self.mass_cancel or self.cancels or self.group_triggers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_type": self.session_type,
            "mass_cancel": self.mass_cancel,
            "cancels": [
                {"orig_cl_ord_id": c.cl_ord_id, "order_id": c.order_id, "symbol": c.symbol, "side": c.side.value,
                 "alloc_account": c.alloc_account}
                for c in self.cancels
            ],  # fmt: skip
            "group_triggers": [{"order_group_id": g, "alloc_account": a} for g, a in self.group_triggers],
        }


_ORDER_ENTRY = frozenset({"KalshiNR", "KalshiRT"})


def kill_plan(session_type: str, open_orders: Iterable[Any], *, listener: bool = False) -> KillPlan:
    """The cancels that flatten one session.  ``listener``: a listener session (20126=Y) may
    not send order-entry messages, so its plan is empty."""
    if session_type not in _ORDER_ENTRY or listener:
        return KillPlan(session_type, False)
    if session_type == "KalshiNR":
        return KillPlan(session_type, True)
    orders = _open(open_orders)
    cancels = tuple(CancelTarget(o.cl_ord_id, o.symbol, o.side, o.order_id, o.alloc_account) for o in orders)
    groups: dict[tuple[str, int | None], None] = {}
    for o in orders:
        if o.order_group_id:
            groups[(o.order_group_id, o.alloc_account)] = None
    return KillPlan(session_type, False, cancels, tuple(groups))
