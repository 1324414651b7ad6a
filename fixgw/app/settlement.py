"""Market settlement reports (35=UMS): pages reassembled per market.

Each page has its own MarketSettlementReportID, so pages are grouped by Symbol until
LastFragment=Y (Market Settlement page).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..messages import MarketSettlementParty, MarketSettlementReport

__all__ = ["Settlement", "SettlementAssembler"]


@dataclass
class Settlement:
    symbol: str
    reports: list[MarketSettlementReport] = field(default_factory=list)

    @property
    def parties(self) -> list[MarketSettlementParty]:
        return [p for r in self.reports for p in r.market_settlement_party_ids]

    @property
    def result(self) -> str:
        return self.reports[-1].market_result.value

    @property
    def settlement_price(self):  # Decimal dollars
        return self.reports[-1].settlement_price


class SettlementAssembler:
    def __init__(self) -> None:
        self._partial: dict[str, Settlement] = {}

    def add(self, report: MarketSettlementReport) -> Settlement | None:
        """Returns the whole settlement when this page completes it."""
        s = self._partial.setdefault(report.symbol, Settlement(report.symbol))
        s.reports.append(report)
        if report.last_fragment is False:
            return None
        return self._partial.pop(report.symbol)

    def pending(self) -> list[str]:
        return list(self._partial)
