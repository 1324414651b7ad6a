"""RFQ flows.  Creators use KalshiRT (QuoteRequest -> quotes -> AcceptQuote); market makers
use KalshiRFQ (QuoteRequest broadcasts -> Quote -> QuoteConfirm within the window)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from ..messages import (
    AcceptQuote,
    AcceptQuoteStatus,
    MultivariateSelectedLeg,
    Party,
    Quote,
    QuoteCancel,
    QuoteCancelStatus,
    QuoteConfirm,
    QuoteConfirmStatus,
    QuoteRequest,
    QuoteRequestAck,
    QuoteRequestReject,
    QuoteStatusReport,
    RFQCancel,
    RFQCancelStatus,
    enums,
)
from .errors import FixgwError

if TYPE_CHECKING:
    from .client import KalshiClient

__all__ = ["RfqCreator", "RfqMaker", "RfqRejected"]


class RfqRejected(FixgwError):
    """An RFQ, quote, accept, cancel or confirm the exchange refused; ``text`` says why."""

    def __init__(self, what: str, ident: str, text: str | None, code: object = None) -> None:
        self.ident = ident
        self.text = text
        self.code = code
        super().__init__(f"{what} {ident} rejected: {text or 'no reason given'}" + (f" (code {code})" if code is not None else ""))


def _uuid() -> str:
    return str(uuid.uuid4())


class RfqCreator:
    """On KalshiRT."""

    def __init__(self, client: KalshiClient) -> None:
        self.client = client

    async def create(
        self,
        *,
        symbol: str | None = None,
        legs: list[tuple[str, str, str]] | None = None,  # (event ticker, market ticker, 'yes'|'no')
        collection_ticker: str | None = None,
        qty: Decimal | None = None,
        cash_qty: Decimal | None = None,
        rest_remainder: bool | None = None,
        replace_existing: bool | None = None,
        party_id: str | None = None,
        quote_req_id: str | None = None,
    ) -> QuoteRequestAck:
        if (symbol is None) == (legs is None):
            raise ValueError("give exactly one of symbol (55) or MVE legs (20181)")
        if (qty is None) == (cash_qty is None):
            raise ValueError("give exactly one of qty (OrderQty 38) or cash_qty (CashOrderQty 152)")
        if qty is not None and qty != qty.to_integral_value():
            raise ValueError(f"OrderQty (38) {qty}: RFQs accept whole contracts only")
        req = QuoteRequest(
            quote_req_id=quote_req_id or _uuid(),
            no_related_sym=1,
            symbol=symbol,
            order_qty=qty,
            cash_order_qty=cash_qty,
            party_ids=[Party(party_id=party_id, party_role=enums.PartyRole.CUSTOMER_ACCOUNT)] if party_id else [],
            rest_remainder=rest_remainder,
            replace_existing=replace_existing,
            multivariate_collection_ticker=collection_ticker,
            multivariate_selected_legs=[
                MultivariateSelectedLeg(
                    multivariate_selected_event_ticker=e,
                    multivariate_selected_market_ticker=m,
                    multivariate_selected_market_side=enums.MultivariateSelectedMarketSide(side),
                )
                for e, m, side in (legs or [])
            ],
        )
        answer = await self.client.request(req, key=req.quote_req_id)
        if isinstance(answer, QuoteRequestReject):
            raise RfqRejected("QuoteRequest", req.quote_req_id, answer.text, answer.quote_request_reject_reason.value)
        return answer

    async def accept(
        self, quote_id: str, side: enums.Side, *, qty: Decimal | None = None, prefer_better: bool | None = None,
        cl_ord_id: str | None = None, party_id: str | None = None,
    ) -> AcceptQuoteStatus:
        """Side BUY accepts the maker's NO quote, SELL the maker's YES quote (RFQ page)."""
        req = AcceptQuote(
            quote_id=quote_id, side=side, order_qty=qty, cl_ord_id=cl_ord_id or _uuid(),
            prefer_better_quote=prefer_better,
            party_ids=[Party(party_id=party_id, party_role=enums.PartyRole.CUSTOMER_ACCOUNT)] if party_id else [],
        )
        answer = await self.client.request(req, key=f"UC:{quote_id}")
        if answer.accept_quote_status != enums.AcceptQuoteStatus.ACCEPTED:
            raise RfqRejected("AcceptQuote", quote_id, answer.text)
        return answer

    async def cancel(self, *, quote_req_id: str | None = None, rfq_id: str | None = None) -> RFQCancelStatus:
        if quote_req_id is None and rfq_id is None:
            raise ValueError("give quote_req_id (131) or rfq_id (21023)")
        req = RFQCancel(quote_req_id=quote_req_id, rfq_id=rfq_id)
        answer = await self.client.request(req, key=f"UB:{quote_req_id or rfq_id}")
        if answer.rfq_cancel_status != enums.RFQCancelStatus.CANCELED:
            raise RfqRejected("RFQCancel", quote_req_id or rfq_id or "", answer.text)
        return answer


class RfqMaker:
    """On KalshiRFQ: QuoteRequests arrive in ``client.messages()``."""

    def __init__(self, client: KalshiClient) -> None:
        self.client = client

    async def quote(
        self, quote_req_id: str, symbol: str, *, bid: Decimal | None = None, offer: Decimal | None = None,
        alloc_account: int | None = None, rest_remainder: bool | None = None, quote_id: str | None = None,
    ) -> QuoteStatusReport:
        """Bid = Yes price, offer = No price, Decimal dollars; at least one must be given."""
        if bid is None and offer is None:
            raise ValueError("a quote needs BidPx (132) or OfferPx (133)")
        q = Quote(
            quote_id=quote_id or _uuid(), quote_req_id=quote_req_id, symbol=symbol, bid_px=bid, offer_px=offer,
            alloc_account=alloc_account, rest_remainder=rest_remainder,
        )
        answer = await self.client.request(q, key=f"AI:{q.quote_id}")
        if answer.quote_status == enums.QuoteStatus.REJECTED:
            raise RfqRejected("Quote", q.quote_id, answer.text)
        return answer

    async def cancel(self, quote_id: str) -> QuoteCancelStatus:
        answer = await self.client.request(QuoteCancel(quote_id=quote_id), key=f"U9:{quote_id}")
        if answer.quote_cancel_status != enums.QuoteCancelStatus.CANCELED:
            raise RfqRejected("QuoteCancel", quote_id, answer.text)
        return answer

    async def confirm(self, quote_id: str) -> QuoteConfirmStatus:
        """Confirm an accepted quote (within 30 s of acceptance, 3 s on HVM markets)."""
        answer = await self.client.request(QuoteConfirm(quote_id=quote_id), key=f"U8:{quote_id}")
        if answer.quote_confirm_status != enums.QuoteConfirmStatus.ACCEPTED:
            raise RfqRejected("QuoteConfirm", quote_id, answer.text)
        return answer
