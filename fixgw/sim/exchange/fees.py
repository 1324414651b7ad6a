"""Trade fees (pluggable model) and the cent-alignment rounding of getting_started__fee_rounding.md.

Fee model.  The default is Kalshi's published "quadratic" schedule: ``rate * C * P * (1 - P)``
with rate 0.07 for takers and 0 for makers (series with maker fees use 0.0175; pass
``QuadraticFeeModel(maker_rate=Decimal("0.0175"))``).  The docs bundled with this project name
the fee types (quadratic, quadratic_with_maker_fees, flat) but not the coefficients; the
coefficients come from Kalshi's public fee schedule.  The model returns the raw fee; rounding it
is the job of :func:`round_fill`, which makes the whole-cent, whole-contract case come out as
"round the fee up to the next cent".

Rounding (fee_rounding page, "Rounding Mechanics" and "Fee Accumulator"):

1. trade fee rounded **up** to $0.0001;
2. ``balance_change = revenue - trade_fee`` (revenue negative for buyers);
3. floored to the cent; ``rounding_fee = balance_change - floor(balance_change)``;
4. the per-order accumulator adds ``rounding_fee``; once it *exceeds* $0.01 a $0.01 rebate is
   paid and the accumulator drops by $0.01.

The page's tables show the floored balance change *before* the rebate; the cash that actually
moves is ``balance_change + rebate`` (:attr:`FeeBreakdown.net_balance_change`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Protocol

from .frozen import draft

__all__ = [
    "CENT",
    "CENTICENT",
    "FeeModel",
    "QuadraticFeeModel",
    "ZeroFeeModel",
    "FeeBreakdown",
    "round_fill",
    "settlement_rounding",
    "ceil_to",
    "floor_to",
]

CENT = Decimal("0.01")
CENTICENT = Decimal("0.0001")
_ZERO = Decimal(0)
_HALF = Decimal("0.5")


def ceil_to(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_CEILING)


def floor_to(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_FLOOR)


class FeeModel(Protocol):
    """Computes the raw (unrounded) trade fee for one fill."""

    def trade_fee(self, qty: Decimal, price: Decimal, *, is_taker: bool) -> Decimal:
        """Fee in dollars for ``qty`` contracts traded at yes-price ``price`` (dollars)."""
        ...

    def max_fee(self, qty: Decimal, limit_leg_price: Decimal) -> Decimal:
        """Upper bound on the fee for ``qty`` filled at a leg price no worse than the limit,
        used only by the balance check at order entry."""
        ...


@dataclass(frozen=True)
class QuadraticFeeModel:
    """``rate * C * P * (1 - P)``; symmetric in P, so yes and no legs pay the same."""

    taker_rate: Decimal = Decimal("0.07")
    maker_rate: Decimal = Decimal("0")

    def trade_fee(self, qty: Decimal, price: Decimal, *, is_taker: bool) -> Decimal:
        rate = self.taker_rate if is_taker else self.maker_rate
        return rate * qty * price * (1 - price)

    def max_fee(self, qty: Decimal, limit_leg_price: Decimal) -> Decimal:
        # P(1-P) peaks at 0.5; a fill can only improve on the limit, i.e. move the leg price down.
        p = min(limit_leg_price, _HALF)
        return _quadratic_bound(max(self.taker_rate, self.maker_rate), qty, p)


@functools.lru_cache(maxsize=4096)
def _quadratic_bound(rate: Decimal, qty: Decimal, p: Decimal) -> Decimal:
    """Cached: an order entry checks it, and the same (quantity, price) pairs recur.  Equal
    arguments give the same result whatever their exponents (it is quantized to the cent)."""
    return ceil_to(rate * qty * p * (1 - p), CENT)


@dataclass(frozen=True)
class ZeroFeeModel:
    """No trade fees (rounding to the cent still applies)."""

    def trade_fee(self, qty: Decimal, price: Decimal, *, is_taker: bool) -> Decimal:
        return _ZERO

    def max_fee(self, qty: Decimal, limit_leg_price: Decimal) -> Decimal:
        return _ZERO


@dataclass(frozen=True, slots=True)
class FeeBreakdown:
    """One fill's fee components, named as in the fee_rounding page's tables."""

    trade_fee: Decimal
    rounding_fee: Decimal
    accumulator: Decimal
    """Accumulator after adding this fill's rounding fee, before the rebate (table column)."""
    rebate: Decimal
    net_fee: Decimal
    """trade fee + rounding fee - rebate: what MiscFeeAmt (137) reports."""
    balance_change: Decimal
    """floor(revenue - trade_fee) to the cent (table column)."""
    accumulator_after: Decimal
    """Carried to the order's next fill."""

    @property
    def net_balance_change(self) -> Decimal:
        """Cash actually moved by the fill: balance change plus rebate (whole cents)."""
        return self.balance_change + self.rebate


_FEE_DRAFT = draft(FeeBreakdown)
_new = object.__new__


def round_fill(revenue: Decimal, raw_trade_fee: Decimal, accumulator: Decimal) -> FeeBreakdown:
    """Apply fee rounding to one fill of an order whose accumulator currently holds ``accumulator``.

    ``revenue`` is the fill's signed cash effect before fees (negative when paying for contracts).
    """
    trade_fee = raw_trade_fee.quantize(CENTICENT, rounding=ROUND_CEILING)  # ceil_to, floor_to
    change = revenue - trade_fee
    floored = change.quantize(CENT, rounding=ROUND_FLOOR)
    rounding_fee = change - floored
    acc = accumulator + rounding_fee
    shown = acc
    rebate = _ZERO
    while acc > CENT:  # "once the accumulated rounding exceeds $0.01"
        acc -= CENT
        rebate += CENT
    fee: Any = _new(_FEE_DRAFT)  # FeeBreakdown(...), two per fill (see .frozen)
    fee.trade_fee = trade_fee
    fee.rounding_fee = rounding_fee
    fee.accumulator = shown
    fee.rebate = rebate
    fee.net_fee = trade_fee + rounding_fee - rebate
    fee.balance_change = floored
    fee.accumulator_after = acc
    fee.__class__ = FeeBreakdown
    return fee  # type: ignore[no-any-return]


def settlement_rounding(raw_payout: Decimal) -> tuple[Decimal, Decimal]:
    """(posted payout floored to the cent, settlement fee = the remainder).

    fee_rounding page, "Settlement Rounding": 10.60 x $0.5970 = $6.3282 -> $6.32 + $0.0082 fee.
    """
    posted = floor_to(raw_payout, CENT)
    return posted, raw_payout - posted
