"""Markets: ticker, status, price grid, HVM flag; loaded from a TOML/JSON file or auto-listed.

Price grids follow getting_started__fixed_point_migration.md ("Price Level Structures"):
``linear_cent`` ($0.01 everywhere), ``tapered_deci_cent`` ($0.001 below $0.10 and above $0.90,
$0.01 between) and ``deci_cent`` ($0.001 everywhere).  A plain ``tick_size`` gives a one-range grid.
Valid limit prices are strictly between $0 and $1 and on the grid.

Markets file (TOML shown; JSON is the same shape, ``{"markets": [...]}``)::

    [[markets]]
    ticker = "HIGHNY-23DEC31"
    status = "open"                 # open | paused | inactive | closed
    hvm = true                      # high-volume market (RFQ timers)
    price_level_structure = "tapered_deci_cent"   # or: tick_size = "0.001"
    close_time = "2026-12-31T23:00:00Z"           # optional; market closes when it passes
    position_limit = "25000"        # optional; contracts per direction (EXCEEDED_PER_MARKET_RISK_LIMIT)
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from .clock import require_utc

__all__ = [
    "MarketStatus",
    "PriceRange",
    "PriceGrid",
    "MarketConfig",
    "Market",
    "MarketRegistry",
    "MarketsFileError",
    "load_markets",
    "parse_markets",
    "is_well_formed_ticker",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_TICKER_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,63}$")


def is_well_formed_ticker(ticker: str) -> bool:
    """Upper-case letters, digits, ``-``, ``.``, ``_``; at most 64 characters."""
    return bool(_TICKER_RE.match(ticker))


class MarketStatus(StrEnum):
    """Trading status.  ``inactive`` is the exchange deactivating a market
    (getting_started__market_lifecycle.md); ``paused`` is a trading pause
    (getting_started__maintenance_and_pauses.md); ``settled`` is REST's ``finalized``."""

    OPEN = "open"
    PAUSED = "paused"
    INACTIVE = "inactive"
    CLOSED = "closed"
    SETTLED = "settled"


@dataclass(frozen=True)
class PriceRange:
    low: Decimal
    high: Decimal
    tick: Decimal

    def contains(self, price: Decimal) -> bool:
        return self.low <= price <= self.high and (price - self.low) % self.tick == 0


@dataclass(frozen=True)
class PriceGrid:
    """Valid limit prices in dollars.

    Prices found on the grid are remembered (a set of at most the grid's points; validity
    depends on the value only), so an order at a known level skips the range arithmetic."""

    ranges: tuple[PriceRange, ...]
    name: str = "custom"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_seen_valid", set())

    @classmethod
    def linear(cls, tick: Decimal) -> PriceGrid:
        if tick <= 0 or tick >= 1:
            raise ValueError(f"tick_size {tick} must be between 0 and 1")
        name = {Decimal("0.01"): "linear_cent", Decimal("0.001"): "deci_cent"}.get(tick, "custom")
        return cls((PriceRange(_ZERO, _ONE, tick),), name)

    @classmethod
    def named(cls, structure: str) -> PriceGrid:
        """A price_level_structure from the fixed-point migration page."""
        cent, deci = Decimal("0.01"), Decimal("0.001")
        if structure == "linear_cent":
            return cls.linear(cent)
        if structure == "deci_cent":
            return cls.linear(deci)
        if structure == "tapered_deci_cent":
            return cls(
                (
                    PriceRange(_ZERO, Decimal("0.10"), deci),
                    PriceRange(Decimal("0.10"), Decimal("0.90"), cent),
                    PriceRange(Decimal("0.90"), _ONE, deci),
                ),
                structure,
            )
        raise ValueError(
            f"price_level_structure {structure!r} is not one of linear_cent, "
            "tapered_deci_cent, deci_cent"
        )

    def is_valid(self, price: Decimal) -> bool:
        if not price.is_finite() or price <= _ZERO or price >= _ONE:
            return False
        seen: set[Decimal] = self._seen_valid  # type: ignore[attr-defined]
        if price in seen:
            return True
        if any(r.contains(price) for r in self.ranges):
            seen.add(price)
            return True
        return False

    @property
    def min_tick(self) -> Decimal:
        return min(r.tick for r in self.ranges)


CENT_GRID = PriceGrid.linear(Decimal("0.01"))


@dataclass(frozen=True)
class MarketConfig:
    """Static market definition (what a markets file holds)."""

    ticker: str
    status: MarketStatus = MarketStatus.OPEN
    hvm: bool = False
    grid: PriceGrid = CENT_GRID
    close_time: datetime | None = None
    position_limit: Decimal | None = None


class Market:
    """A market's mutable trading state."""

    def __init__(self, config: MarketConfig) -> None:
        self.config = config
        self.ticker = config.ticker
        self.status = config.status
        self.hvm = config.hvm
        self.grid = config.grid
        self.close_time = config.close_time
        self.position_limit = config.position_limit
        self.result: str | None = None
        self.settlement_price_cents: Decimal | None = None

    def __repr__(self) -> str:
        return f"Market({self.ticker!r}, status={self.status.value})"


class MarketRegistry:
    """All markets.  With ``auto_list`` any well-formed ticker is created open on first use."""

    def __init__(self, configs: Iterable[MarketConfig] = (), *, auto_list: bool = True) -> None:
        self.auto_list = auto_list
        self._markets: dict[str, Market] = {}
        self._timed: list[Market] = []
        for cfg in configs:
            self.add(cfg)

    def add(self, config: MarketConfig) -> Market:
        if config.ticker in self._markets:
            raise ValueError(f"market {config.ticker!r} listed twice")
        market = Market(config)
        self._markets[config.ticker] = market
        if config.close_time is not None:
            self._timed.append(market)
        return market

    def get(self, ticker: str) -> Market | None:
        """The market, auto-listing it if allowed; None means MARKET_NOT_FOUND."""
        market = self._markets.get(ticker)
        if market is None and self.auto_list and is_well_formed_ticker(ticker):
            market = self.add(MarketConfig(ticker))
        return market

    def existing(self, ticker: str) -> Market | None:
        """The market if already listed (never auto-lists)."""
        return self._markets.get(ticker)

    def set_close_time(self, ticker: str, when: datetime | None) -> None:
        """Move a market's close_time (getting_started__market_lifecycle.md: close_date_updated)."""
        market = self._markets[ticker]
        market.close_time = None if when is None else require_utc(when, "close_time")
        if market.close_time is not None and market not in self._timed:
            self._timed.append(market)

    def timed(self) -> list[Market]:
        """Markets that have a close_time (checked on every request, so kept separate)."""
        return [m for m in self._timed if m.close_time is not None] if self._timed else []

    def __iter__(self) -> Iterator[Market]:
        return iter(list(self._markets.values()))

    def __len__(self) -> int:
        return len(self._markets)


class MarketsFileError(ValueError):
    """A markets file entry is malformed; the message names file, entry and field."""


def load_markets(path: str | Path) -> MarketRegistry:
    """Load a ``.toml`` or ``.json`` markets file; unknown tickers are then MARKET_NOT_FOUND."""
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise MarketsFileError(f"{path}: {exc}") from None
    elif path.suffix.lower() == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise MarketsFileError(f"{path}: line {exc.lineno}: {exc.msg}") from None
    else:
        raise MarketsFileError(f"{path}: markets file must end in .toml or .json")
    return MarketRegistry(parse_markets(data, source=str(path)), auto_list=False)


def parse_markets(data: Mapping[str, Any], source: str = "<markets>") -> list[MarketConfig]:
    """Turn the decoded file (``{"markets": [...]}``) into MarketConfigs."""
    entries = data.get("markets")
    if not isinstance(entries, list):
        raise MarketsFileError(f"{source}: expected a top-level 'markets' list")
    allowed = {
        "ticker",
        "status",
        "hvm",
        "tick_size",
        "price_level_structure",
        "close_time",
        "position_limit",
    }
    configs = []
    for i, entry in enumerate(entries):
        where = f"{source}: markets[{i}]"
        if not isinstance(entry, Mapping):
            raise MarketsFileError(f"{where}: expected a table/object")
        unknown = set(entry) - allowed
        if unknown:
            raise MarketsFileError(f"{where}: unknown field(s) {sorted(unknown)}")
        ticker = entry.get("ticker")
        if not isinstance(ticker, str) or not is_well_formed_ticker(ticker):
            raise MarketsFileError(f"{where}: ticker {ticker!r} is missing or malformed")
        where = f"{source}: market {ticker}"
        try:
            status = MarketStatus(entry.get("status", "open"))
        except ValueError:
            raise MarketsFileError(
                f"{where}: status {entry.get('status')!r} not one of open/paused/inactive/closed"
            ) from None
        if status is MarketStatus.SETTLED:
            raise MarketsFileError(f"{where}: status 'settled' cannot be loaded")
        hvm = entry.get("hvm", False)
        if not isinstance(hvm, bool):
            raise MarketsFileError(f"{where}: hvm must be true/false, got {hvm!r}")
        if "tick_size" in entry and "price_level_structure" in entry:
            raise MarketsFileError(f"{where}: give tick_size or price_level_structure, not both")
        try:
            if "price_level_structure" in entry:
                grid = PriceGrid.named(str(entry["price_level_structure"]))
            elif "tick_size" in entry:
                grid = PriceGrid.linear(_decimal(entry["tick_size"], f"{where}: tick_size"))
            else:
                grid = CENT_GRID
        except ValueError as exc:
            raise MarketsFileError(f"{where}: {exc}") from None
        close_time = entry.get("close_time")
        if close_time is not None:
            close_time = _datetime(close_time, f"{where}: close_time")
        limit = entry.get("position_limit")
        if limit is not None:
            limit = _decimal(limit, f"{where}: position_limit")
            if limit <= 0:
                raise MarketsFileError(f"{where}: position_limit must be > 0, got {limit}")
        configs.append(MarketConfig(ticker, status, hvm, grid, close_time, limit))
    return configs


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, float):
        raise MarketsFileError(f"{where}: write {value!r} as a string to keep it exact")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise MarketsFileError(f"{where}: {value!r} is not a decimal number") from None


def _datetime(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise MarketsFileError(f"{where}: {value!r} is not an ISO-8601 timestamp") from None
    else:
        raise MarketsFileError(f"{where}: {value!r} is not a timestamp")
    try:
        return require_utc(parsed, where)
    except ValueError as exc:
        raise MarketsFileError(str(exc)) from None
