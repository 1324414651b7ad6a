"""Market settlement for the simulator: the engine settles, accounts get MarketSettlementReports.

fix__market-settlement.md: reports go to KalshiPT sessions unless they logged on with
ReceiveSettlementReports (20127)=N, and to KalshiRT sessions that logged on with 20127=Y.
Each account receives the records of its own positions (one NoMarketSettlementPartyIDs entry
per subaccount / FCM party), split into pages of ``page_size`` parties: every page has its own
MarketSettlementReportID (20105), all pages share the Symbol (55), TotNumMarketSettlementReports
(20106) is the page count and LastFragment (893) is Y on the last page only.

Per party: LongQty / ShortQty are the net position settled, one CollateralAmountChange of type
PAYOUT with the posted (cent-floored) payout, and one MiscFee with the sub-cent settlement
rounding fee (changelog 1.0.19), so 1704 + 137 is the pre-rounding value
(getting_started__market_settlement.md).  SettlementPrice (730) is in cents with two decimals.

*Sim choices*: MarketSettlementPartyID (20109) is the FCM PartyID when the position belongs to
one, else the account (API key / linked account) for the primary subaccount and
``<account>:<n>`` for subaccount n.  Reports for an account with no eligible session at
settlement time are kept and delivered when one logs on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from ..messages import (
    CollateralAmountChange,
    MarketSettlementParty,
    MarketSettlementReport,
    MiscFee,
    enums,
)
from .exchange.accounts import AccountRef
from .exchange.events import Event, MarketSettled, SettlementRecord
from .exchange.ids import IdFactory, uuid_ids
from .exchange_app import session_id_of

if TYPE_CHECKING:
    from .app import SimSession
    from .exchange_app import KalshiExchangeApp

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "SettlementService",
    "party_id",
    "settlement_pages",
    "wants_settlement_reports",
]

log = logging.getLogger("fixgw.sim.settlement")

DEFAULT_PAGE_SIZE = 100
_CENT = Decimal("0.01")
_QTY = Decimal("0.01")
PT = "KalshiPT"
RT = "KalshiRT"


def party_id(ref: AccountRef) -> str:
    """MarketSettlementPartyID (20109) for a position owner (see the module notes)."""
    if ref.party_id is not None:
        return ref.party_id
    return ref.account if ref.subaccount == 0 else f"{ref.account}:{ref.subaccount}"


def wants_settlement_reports(ctx: SimSession) -> bool:
    """KalshiPT unless 20127=N; KalshiRT only with 20127=Y; nothing else."""
    flag = ctx.peer_flags.receive_settlement_reports
    if ctx.session_type == PT:
        return flag is not False
    if ctx.session_type == RT:
        return flag is True
    return False


def _money(value: Decimal) -> Decimal:
    """Dollars with at least two decimals, exact (``100`` -> ``100.00``, ``0.006`` stays)."""
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and exp > -2:
        return value.quantize(_CENT)
    quantized = value.quantize(_CENT)
    return quantized if quantized == value else value.normalize()


def _qty(value: Decimal) -> Decimal:
    exp = value.as_tuple().exponent
    return value.quantize(_QTY) if isinstance(exp, int) and exp > -2 else value


def _party(
    record: SettlementRecord, party_id_of: Callable[[AccountRef], str]
) -> MarketSettlementParty:
    return MarketSettlementParty(
        market_settlement_party_id=party_id_of(record.owner),
        market_settlement_party_role=enums.MarketSettlementPartyRole.CUSTOMER_ACCOUNT,
        long_qty=_qty(record.long_qty),
        short_qty=_qty(record.short_qty),
        collateral_amount_changes=[
            CollateralAmountChange(
                collateral_amount_change=_money(record.payout),
                collateral_amount_type=enums.CollateralAmountType.PAYOUT,
            )
        ],
        misc_fees=[
            MiscFee(
                misc_fee_amt=_money(record.fee),
                misc_fee_curr="USD",
                misc_fee_type=enums.MiscFeeType.EXCHANGE_FEES,
                misc_fee_basis=enums.MiscFeeBasis.ABSOLUTE,
            )
        ],
    )


def settlement_pages(
    settled: MarketSettled,
    records: Sequence[SettlementRecord],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    ids: IdFactory | None = None,
    party_id_of: Callable[[AccountRef], str] = party_id,
) -> list[MarketSettlementReport]:
    """``records`` (one recipient's) as UMS pages of at most ``page_size`` parties each."""
    if page_size < 1:
        raise ValueError(f"settlement page_size must be >= 1, got {page_size}")
    make_id = ids or uuid_ids()
    chunks = [list(records[i : i + page_size]) for i in range(0, len(records), page_size)] or [[]]
    price = settled.settlement_price_cents.quantize(_CENT).scaleb(-2)  # dollars; 730 prints cents
    out = []
    for n, chunk in enumerate(chunks, 1):
        out.append(
            MarketSettlementReport(
                market_settlement_report_id=make_id(),
                symbol=settled.symbol,
                clearing_business_date=settled.clearing_business_date,
                market_result=enums.MarketResult(settled.result),
                settlement_price=price,
                tot_num_market_settlement_reports=len(chunks),
                last_fragment=n == len(chunks),
                market_settlement_party_ids=[_party(r, party_id_of) for r in chunk],
            )
        )
    return out


class SettlementService:
    """``settle(ticker, result, cents)`` on a running simulator, reports included.

    :meth:`install` hooks the app's event stream, so a MarketSettled published by anyone
    (this service, a control API) produces the reports, and its logons (held reports).
    """

    def __init__(
        self,
        app: KalshiExchangeApp,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        ids: IdFactory | None = None,
        party_id_of: Callable[[AccountRef], str] = party_id,
        hold_undelivered: bool = True,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"settlement page_size must be >= 1, got {page_size}")
        self.app = app
        self.page_size = page_size
        self.hold_undelivered = hold_undelivered
        self._ids = ids or uuid_ids()
        self._party_id_of = party_id_of
        self._held: dict[str, list[MarketSettlementReport]] = {}
        self.sent: list[tuple[str, MarketSettlementReport]] = []
        """(session id, report) for every page sent, in order (inspection, tests)."""

    def install(self) -> SettlementService:
        self.app.add_event_hook(self._on_events)
        self.app.add_session_hook(on_logon=self.on_logon)
        return self

    def settle(
        self,
        ticker: str,
        result: Literal["yes", "no", "scalar"],
        settlement_price_cents: Decimal | None = None,
    ) -> MarketSettled:
        """Settle ``ticker`` in the engine and report it (close cancels, then UMS pages).

        ``settlement_price_cents`` is needed for ``scalar`` (0-100, two decimals allowed) and
        optional for yes (100) / no (0).  Raises ValueError/KeyError as ``Exchange.settle``.
        """
        events = self.app.engine.settle(ticker, result, settlement_price_cents)
        settled = next(e for e in events if isinstance(e, MarketSettled))
        self.app.publish(events)
        return settled

    def reports_for(self, settled: MarketSettled) -> dict[str, list[MarketSettlementReport]]:
        """The pages each account gets for one settlement (accounts in record order)."""
        by_account: dict[str, list[SettlementRecord]] = {}
        for rec in settled.records:
            by_account.setdefault(rec.owner.account, []).append(rec)
        return {
            account: settlement_pages(
                settled,
                recs,
                page_size=self.page_size,
                ids=self._ids,
                party_id_of=self._party_id_of,
            )
            for account, recs in by_account.items()
        }

    def held(self, account: str) -> list[MarketSettlementReport]:
        return list(self._held.get(account, ()))

    def on_logon(self, ctx: SimSession) -> None:
        """Deliver reports kept for this session's account, if it takes settlement reports."""
        if not wants_settlement_reports(ctx):
            return
        account = self.app.account_of(ctx.api_key)
        pages = self._held.pop(account, None)
        if pages:
            self._send_all(ctx, pages)

    # ---- internals --------------------------------------------------------------------------

    def _on_events(self, events: Sequence[Event]) -> None:
        for ev in events:
            if isinstance(ev, MarketSettled):
                self._deliver(ev)

    def _deliver(self, settled: MarketSettled) -> None:
        for account, pages in self.reports_for(settled).items():
            targets = [
                s
                for s in self.app.sessions(account=account, session_types=(PT, RT))
                if wants_settlement_reports(s)
            ]
            if not targets:
                if self.hold_undelivered:
                    self._held.setdefault(account, []).extend(pages)
                log.info("settlement %s: no session takes reports for %s", settled.symbol, account)
                continue
            for ctx in targets:
                self._send_all(ctx, pages)

    def _send_all(self, ctx: SimSession, pages: Sequence[MarketSettlementReport]) -> None:
        sid = session_id_of(ctx)
        for page in pages:
            if not self.app.send(ctx, page):
                return
            self.sent.append((sid, page))
