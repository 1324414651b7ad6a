"""The whole simulated exchange in one call: matching engine, order entry, drop copy, RFQ desk
and settlement service, wired the way ``fixgw sim`` and ``fixgw demo`` run them."""

from __future__ import annotations

from pathlib import Path

from .exchange import Exchange, load_markets
from .exchange_app import ExchangeAppConfig, KalshiExchangeApp
from .rfq_desk import RfqService
from .settlement_service import SettlementService

__all__ = ["build_exchange"]


def build_exchange(
    markets_file: str | Path | None = None,
    *,
    config: ExchangeAppConfig | None = None,
    clock: object | None = None,
) -> KalshiExchangeApp:
    """With ``markets_file`` (TOML/JSON) only its tickers are listed (others get
    MARKET_NOT_FOUND); without, any well-formed ticker is listed open on first use."""
    markets = load_markets(markets_file) if markets_file is not None else None
    engine = Exchange(markets, clock=clock)  # type: ignore[arg-type]
    app = KalshiExchangeApp(engine, config=config)
    app.rfq = RfqService(app)  # type: ignore[attr-defined]
    app.rfq.install()  # type: ignore[attr-defined]
    app.settlement = SettlementService(app)  # type: ignore[attr-defined]
    app.settlement.install()  # type: ignore[attr-defined]
    return app
