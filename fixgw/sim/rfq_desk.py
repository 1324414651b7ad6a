"""The simulator's RFQ desk: QuoteRequest -> Quote -> AcceptQuote -> QuoteConfirm -> trade.

Rules are from fix__rfq-messages.md and getting_started__rfqs.md; where the docs are silent the
choice is marked *sim choice* and listed in :data:`SIM_CHOICES`.

Two layers:

* :class:`RfqDesk` is pure (no sessions, no I/O, clock injected).  Each method takes a typed
  request from one account and returns the ordered list of things that must happen: messages
  (:class:`Reply` to the sender, :class:`ToMakers` for every KalshiRFQ session,
  :class:`ToAccount` for one account's sessions of one type) and engine events (the RFQ trade's
  :class:`~fixgw.sim.exchange.events.Fill` pairs, remainder orders), which the exchange app turns
  into ExecutionReports.  Time-driven work (confirmation and execution windows, RFQ expiry) runs
  in :meth:`RfqDesk.tick` and before every request, exactly like the engine's housekeeping.
* :class:`RfqService` plugs the desk into a ``KalshiExchangeApp``: it decodes inbound messages,
  routes the desk's outputs to live sessions and hands engine events to ``app.publish``.

Prices: the API is Decimal dollars everywhere.  On the wire the maker's Quote and the
QuoteStatusReport follow the maker's UseDollars (cents by default, as the page shows), while the
Quote the exchange sends a creator is always in dollars (``messages.prices.wire_price_format``);
:class:`RfqService` encodes with ``SimSession.send_message``, which applies that rule.

Trade direction (RFQ page, AcceptQuote tag 54): BidPx is the maker's *yes* bid, OfferPx the
maker's *no* bid.  Side BUY (1) accepts the maker's NO quote: the creator buys yes at
``1 - OfferPx`` and the maker buys no.  Side SELL (2) accepts the maker's YES quote: the maker
buys yes at BidPx and the creator buys no at ``1 - BidPx``.  The trade prints at that yes-price.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from ..messages import (
    AcceptQuote,
    AcceptQuoteStatus,
    Message,
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
from .exchange import reject_reasons as rr
from .exchange.accounts import AccountRef
from .exchange.clock import Clock, require_utc
from .exchange.engine import Exchange
from .exchange.events import CollateralChange, Event, Fill, OrderAccepted
from .exchange.fees import round_fill
from .exchange.ids import ExecId, IdFactory, uuid_ids
from .exchange.markets import MarketConfig, MarketStatus, is_well_formed_ticker
from .exchange.orders import NewOrder, OrderState, OrdStatus, Side, TimeInForce, leg_price

if TYPE_CHECKING:
    from ..codec import FixMessage
    from .app import SimSession
    from .exchange_app import KalshiExchangeApp

__all__ = [
    "SIM_CHOICES",
    "Output",
    "Reply",
    "RfqDesk",
    "RfqDeskConfig",
    "RfqQuote",
    "RfqService",
    "RfqState",
    "Rfq",
    "QuoteState",
    "ToAccount",
    "ToMakers",
    "execute_rfq_trade",
    "parlay_ticker",
]

log = logging.getLogger("fixgw.sim.rfq")

RT = "KalshiRT"
RFQ = "KalshiRFQ"
_ZERO = Decimal(0)
_ONE = Decimal(1)
_DOLLARS_4 = Decimal("0.0001")
_QRR = enums.QuoteRequestRejectReason
RFQ_MSG_TYPES = ("R", "S", "Z", "UA", "U7", "UE")
"""Inbound MsgTypes the desk handles (R/UA/UE from creators on KalshiRT, S/Z/U7 from makers)."""

SIM_CHOICES = """\
* A quote that is not confirmed in time is voided: the maker gets QuoteStatusReport
  CANCELLED (58 says why), the creator a second AcceptQuoteStatus for the same QuoteId and
  ClOrdID with 21025=REJECTED and the reason in 58, and the RFQ reopens for other quotes.
  Every accept therefore ends in either ExecutionReports or a rejected AcceptQuoteStatus.
* The trade happens when the execution window ends (getting_started__rfqs.md: "At the end of
  the timer, orders are entered into the book"); it is booked directly between the two
  accounts at the quote price, never against third-party book orders.  Creator = taker
  (taker fee), maker = maker.  Both amounts are reserved from confirmation to execution.
* The creator's fill carries the AcceptQuote ClOrdID (a UUID if none was given); the maker's
  fill carries the QuoteId as ClOrdID.  Each side gets a fresh OrderID.
* Quote replacement follows the FIX page: a maker's new quote cancels their live (not yet
  accepted) quotes on the same *market* (configurable to "same RFQ").  The maker gets
  QuoteStatusReport CANCELLED for each replaced quote.
* QuoteIds are exchange-wide: a QuoteId already used by any quote is rejected.  A rejected
  Quote's QuoteStatusReport echoes the maker's QuoteId (FIX has no empty values).
* An RFQ closed by the exchange or by its creator (RFQCancel, ReplaceExisting, execution,
  expiry, market closed) is announced to every maker session with QuoteRequestReject
  (131 = server RFQ id, 658=99, 58 = why); makers' live quotes on it get CANCELLED reports.
  Closures the creator did not ask for (expiry, market closed) also reach the creator as
  QuoteRequestReject with their own QuoteReqId.
* AcceptedSide (54) on the maker's ACCEPTED report echoes the creator's AcceptQuote side,
  as in the page's example.
* One open RFQ per creator account and market (getting_started__rfqs.md: "409 Conflict");
  ReplaceExisting=Y deletes all the creator's RFQs that are not yet confirmed.
* CashOrderQty RFQs: sizes are derived per side from the creator's cost per contract,
  BidSize (134) = floor(cash / (1 - BidPx)), OfferSize (135) = floor(cash / (1 - OfferPx));
  the broadcast QuoteRequest then carries 152 and no 38.
* MVE legs resolve to ``<COLLECTION>-<10 hex>`` (SHA-256 of the sorted legs), listed as an
  HVM market on first use (getting_started__rfqs.md: "All combo markets are HVMs").
* Makers who log on get every open RFQ, so a late maker can still quote.
* A trading pause or exchange pause when the execution timer ends voids the accepted quote
  and keeps the RFQ open; a closed or settled market closes its RFQs.  Accepts need an open
  market; new RFQs are refused during an exchange pause (EXCHANGE_PAUSED).
* Position limits and sell-position floors are not applied to RFQ trades; balances are.
* RestRemainder: when less than the full size is accepted, the quote's 21015=Y rests the
  maker's remainder and the RFQ's 21015=Y rests the creator's remainder as GTC orders at the
  trade price (ordinary engine orders, so their reports are ordinary ExecutionReports).
"""


# ---------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Reply:
    """To the session that sent the request."""

    message: Message


@dataclass(frozen=True)
class ToMakers:
    """To every KalshiRFQ session."""

    message: Message


@dataclass(frozen=True)
class ToAccount:
    """To every session of ``account`` of type ``session_type``."""

    account: str
    session_type: str
    message: Message


Output = Reply | ToMakers | ToAccount | Event


# ---------------------------------------------------------------------------- state


class RfqState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    """A quote is accepted and waits for the maker's confirmation."""
    CONFIRMED = "confirmed"
    """Confirmed; the trade happens when the execution window ends."""
    CLOSED = "closed"


class QuoteState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


@dataclass
class Rfq:
    rfq_id: str
    quote_req_id: str
    creator: AccountRef
    symbol: str
    qty: Decimal | None
    cash_qty: Decimal | None
    rest_remainder: bool
    hvm: bool
    created: datetime
    collection: str | None = None
    legs: tuple[tuple[str, str, str], ...] = ()
    state: RfqState = RfqState.OPEN
    accepted: RfqQuote | None = None
    close_reason: str | None = None
    quotes: list[RfqQuote] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.state is not RfqState.CLOSED


@dataclass
class RfqQuote:
    quote_id: str
    rfq: Rfq
    maker: AccountRef
    bid: Decimal | None
    """Maker's yes bid (BidPx), dollars; None = that side declined."""
    offer: Decimal | None
    """Maker's no bid (OfferPx), dollars."""
    rest_remainder: bool
    alloc_account: int | None
    created: datetime
    state: QuoteState = QuoteState.PENDING
    side: Side | None = None
    """The creator's accept side (54)."""
    qty: Decimal | None = None
    accept_cl_ord_id: str | None = None
    accept_requested_id: str | None = None
    """QuoteId the creator named in AcceptQuote (differs with PreferBetterQuote)."""
    confirm_deadline: datetime | None = None
    execute_at: datetime | None = None
    reserved: tuple[Decimal, Decimal] = (_ZERO, _ZERO)
    """(creator, maker) amounts reserved from confirmation to execution."""
    cancel_reason: str | None = None

    def size(self, side: Side) -> Decimal:
        """Contracts this quote offers to a creator accepting ``side`` (0: side declined)."""
        px = self.offer if side is Side.BUY_YES else self.bid
        if px is None:
            return _ZERO
        if self.rfq.qty is not None:
            return self.rfq.qty
        assert self.rfq.cash_qty is not None
        cost = 1 - px  # the creator's price per contract
        return (self.rfq.cash_qty / cost).to_integral_value(rounding=ROUND_FLOOR)

    def price(self, side: Side) -> Decimal | None:
        """The maker price that side BUY (OfferPx) or SELL (BidPx) accepts."""
        return self.offer if side is Side.BUY_YES else self.bid

    def yes_price(self, side: Side) -> Decimal:
        px = self.price(side)
        assert px is not None
        return 1 - px if side is Side.BUY_YES else px


@dataclass(frozen=True)
class RfqDeskConfig:
    confirm_window: timedelta = timedelta(seconds=30)
    execution_window: timedelta = timedelta(seconds=15)
    hvm_confirm_window: timedelta = timedelta(seconds=3)
    hvm_execution_window: timedelta = timedelta(seconds=1)
    rfq_ttl: timedelta | None = None
    """Open RFQs are closed (expired) this long after creation; None: never."""
    max_open_rfqs: int = 100
    """Per creator account; more gets QUOTE_REQUEST_EXCEEDS_LIMIT (658=3)."""
    replace_scope: Literal["market", "rfq"] = "market"
    """Which of a maker's live quotes a new quote cancels (FIX page: same market)."""


class _Refused(Exception):
    """A request the desk answers with a reject; ``text`` names the tag and the value."""

    def __init__(self, text: str, reason: _QRR = _QRR.OTHER) -> None:
        super().__init__(text)
        self.text = text
        self.reason = reason


# ---------------------------------------------------------------------------- helpers


def parlay_ticker(collection: str, legs: Iterable[tuple[str, str, str]]) -> str:
    """The market ticker an MVE leg selection resolves to: same legs (any order), same ticker."""
    canon = sorted((e.upper(), m.upper(), s.lower()) for e, m, s in legs)
    digest = (
        hashlib.sha256("|".join(f"{e}:{m}:{s}" for e, m, s in canon).encode())
        .hexdigest()[:10]
        .upper()
    )
    base = collection.upper()[: 64 - len(digest) - 1]
    return f"{base}-{digest}"


def _whole_contracts(value: Decimal, what: str) -> Decimal:
    if not value.is_finite() or value <= 0 or value != value.to_integral_value():
        raise _Refused(
            f"invalid_parameters: {what} {value}: only whole contracts (> 0) are accepted"
        )
    return value.quantize(_ONE)


def _dollars(value: Decimal | None) -> Decimal | None:
    """A price for the creator's Quote: 4 decimals (``0.4500``), absent when zero."""
    if value is None or value == 0:
        return None
    return value.quantize(_DOLLARS_4)


def _next_exec_id(exchange: Exchange) -> ExecId:
    # RFQ fills must take their ExecIDs from the engine's sequence (drop copy queries ExecID
    # ranges and the history insists on order).  The engine exposes no issuer, so this reaches
    # for its generator; see the report: a public Exchange.next_exec_id() would remove this.
    return exchange._exec_ids.next()


def execute_rfq_trade(
    exchange: Exchange,
    *,
    symbol: str,
    creator: AccountRef,
    creator_side: Side,
    creator_cl_ord_id: str,
    maker: AccountRef,
    maker_cl_ord_id: str,
    yes_price: Decimal,
    qty: Decimal,
    ids: IdFactory,
) -> list[Event]:
    """Book one trade between two accounts at ``yes_price`` through the engine's ledgers.

    Mirrors the engine's own fill bookkeeping (position netting, taker/maker fee, fee rounding
    with a fresh accumulator, cash moved by the net balance change) and records every event in
    the execution history, so balances, positions, fees and drop copy all see it.  Each side is
    an order that is accepted and filled at once: ``[creator New, maker New, creator Fill,
    maker Fill]`` (the FIX layer folds the New into the Trade unless 21026=Y).
    """
    now = require_utc(exchange.clock.now(), "clock.now()")
    match_id = ids()
    sides = (
        (creator, creator_side, creator_cl_ord_id, True),
        (maker, creator_side.opposite, maker_cl_ord_id, False),
    )
    base = {
        owner: OrderState(
            order_id=ids(),
            cl_ord_id=cl_ord_id,
            orig_cl_ord_id=None,
            owner=owner,
            symbol=symbol,
            side=int(side),
            price=yes_price,
            order_qty=qty,
            cum_qty=_ZERO,
            leaves_qty=qty,
            avg_px=_ZERO,
            status=OrdStatus.NEW,
            time_in_force=int(TimeInForce.IOC),
            expire_time=None,
            post_only=False,
            stp_type=None,
            cancel_on_pause=False,
            order_group_id=None,
            session_id=None,
            created_time=now,
        )
        for owner, side, cl_ord_id, _ in sides
    }
    out: list[Event] = []
    for owner, _, _, _ in sides:
        accepted = OrderAccepted(
            exec_id=_next_exec_id(exchange), transact_time=now, order=base[owner]
        )
        exchange.history.append(accepted)
        out.append(accepted)
    accounts = exchange.accounts
    for owner, side, _, is_taker in sides:
        pos = accounts.position(owner, symbol)
        if side is Side.BUY_YES:
            netted = min(qty, max(-pos, _ZERO))
            new_pos = pos + qty
        else:
            netted = min(qty, max(pos, _ZERO))
            new_pos = pos - qty
        leg = leg_price(side, yes_price)
        revenue = netted - leg * qty
        raw_fee = exchange.fee_model.trade_fee(qty, yes_price, is_taker=is_taker)
        fee = round_fill(revenue, raw_fee, _ZERO)
        accounts.ledger(owner).cash += fee.net_balance_change
        accounts.set_position(owner, symbol, new_pos)
        state = replace(
            base[owner], cum_qty=qty, leaves_qty=_ZERO, avg_px=yes_price, status=OrdStatus.FILLED
        )
        fill = Fill(
            exec_id=_next_exec_id(exchange),
            transact_time=now,
            order=state,
            last_px=yes_price,
            last_qty=qty,
            trd_match_id=match_id,
            aggressor=is_taker,
            fee=fee,
            collateral_changes=(CollateralChange(fee.net_balance_change),),
            long_qty=max(new_pos, _ZERO),
            short_qty=max(-new_pos, _ZERO),
        )
        exchange.history.append(fill)
        out.append(fill)
    return out


# ---------------------------------------------------------------------------- the desk


class RfqDesk:
    """All RFQs and quotes of one simulated exchange."""

    def __init__(
        self,
        exchange: Exchange,
        *,
        config: RfqDeskConfig | None = None,
        clock: Clock | None = None,
        ids: IdFactory | None = None,
        pseudonym_key: bytes | None = None,
    ) -> None:
        self.exchange = exchange
        self.config = config or RfqDeskConfig()
        self.clock: Clock = clock or exchange.clock
        self._ids = ids or uuid_ids()
        self._pseudonym_key = pseudonym_key or secrets.token_bytes(16)
        self._rfqs: dict[str, Rfq] = {}
        self._quotes: dict[str, RfqQuote] = {}
        self._parlays: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {}

    # ---- queries ----------------------------------------------------------------------------

    def rfq(self, rfq_id: str) -> Rfq | None:
        return self._rfqs.get(rfq_id)

    def quote(self, quote_id: str) -> RfqQuote | None:
        return self._quotes.get(quote_id)

    def rfqs(self, *, live_only: bool = True) -> list[Rfq]:
        return [r for r in self._rfqs.values() if r.live or not live_only]

    def pseudonym(self, account: str) -> str:
        """The requester id makers see (448): stable per account, not reversible."""
        mac = hmac.new(self._pseudonym_key, account.encode(), hashlib.sha256).hexdigest()
        return f"anon-{mac[:16]}"

    def next_deadline(self) -> datetime | None:
        """When :meth:`tick` next has work (None: nothing scheduled)."""
        times: list[datetime] = []
        for r in self._rfqs.values():
            if not r.live:
                continue
            q = r.accepted
            if q is not None and q.state is QuoteState.ACCEPTED and q.confirm_deadline:
                times.append(q.confirm_deadline)
            if q is not None and q.state is QuoteState.CONFIRMED and q.execute_at:
                times.append(q.execute_at)
            if self.config.rfq_ttl is not None and r.state is RfqState.OPEN:
                times.append(r.created + self.config.rfq_ttl)
        return min(times) if times else None

    # ---- time -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return require_utc(self.clock.now(), "clock.now()")

    def tick(self) -> list[Output]:
        """Void unconfirmed quotes, execute confirmed ones, expire RFQs -- whatever is due."""
        return self._due(self._now())

    def _due(self, now: datetime) -> list[Output]:
        out: list[Output] = []
        for rfq in list(self._rfqs.values()):
            if not rfq.live:
                continue
            q = rfq.accepted
            if q is not None and q.state is QuoteState.ACCEPTED:
                assert q.confirm_deadline is not None
                if now > q.confirm_deadline:
                    secs = self._windows(rfq)[0].total_seconds()
                    self._void(q, f"quote not confirmed within {secs:g} s of acceptance", out)
            elif q is not None and q.state is QuoteState.CONFIRMED:
                assert q.execute_at is not None
                if now >= q.execute_at:
                    self._execute(q, out)
                    continue
            if rfq.state is RfqState.CLOSED:
                continue
            market = self.exchange.markets.existing(rfq.symbol)
            if market is not None and market.status in (MarketStatus.CLOSED, MarketStatus.SETTLED):
                if rfq.state is not RfqState.CONFIRMED:
                    self._close(
                        rfq,
                        f"RFQ_CLOSED: market {rfq.symbol} is {market.status.value}",
                        out,
                        tell_creator=True,
                    )
                continue
            ttl = self.config.rfq_ttl
            if ttl is not None and rfq.state is RfqState.OPEN and now >= rfq.created + ttl:
                self._close(rfq, "RFQ_CLOSED: RFQ expired", out, tell_creator=True)
        return out

    def _windows(self, rfq: Rfq) -> tuple[timedelta, timedelta]:
        c = self.config
        if rfq.hvm:
            return c.hvm_confirm_window, c.hvm_execution_window
        return c.confirm_window, c.execution_window

    # ---- creator: QuoteRequest --------------------------------------------------------------

    def quote_request(self, account: str, req: QuoteRequest) -> list[Output]:
        """A creator's QuoteRequest (35=R): ack + broadcast, or QuoteRequestReject."""
        now = self._now()
        out = self._due(now)
        try:
            rfq, resolved = self._new_rfq(account, req, now, out)
        except _Refused as exc:
            out.append(
                Reply(
                    QuoteRequestReject(
                        text=exc.text,
                        quote_req_id=req.quote_req_id,
                        quote_request_reject_reason=exc.reason,
                    )
                )
            )
            return out
        out.append(
            Reply(
                QuoteRequestAck(
                    quote_req_id=req.quote_req_id,
                    quote_request_type=enums.QuoteRequestType.MANUAL,
                    rfq_id=rfq.rfq_id,
                    symbol=rfq.symbol if resolved else None,
                )
            )
        )
        out.append(ToMakers(self._broadcast(rfq)))
        return out

    def _new_rfq(
        self, account: str, req: QuoteRequest, now: datetime, out: list[Output]
    ) -> tuple[Rfq, bool]:
        if req.no_related_sym != 1:
            raise _Refused(
                f"invalid_parameters: NoRelatedSym (146) must be 1, got {req.no_related_sym}"
            )
        creator = self._party_ref(account, req.party_ids, 0)
        legs = tuple(
            (
                leg.multivariate_selected_event_ticker,
                leg.multivariate_selected_market_ticker,
                leg.multivariate_selected_market_side.value,
            )
            for leg in req.multivariate_selected_legs
        )
        if req.symbol is not None and (legs or req.multivariate_collection_ticker):
            raise _Refused(
                "invalid_parameters: give Symbol (55) or MVE legs (20180/20181), not both"
            )
        if req.symbol is None:
            if not legs:
                raise _Refused(
                    "invalid_parameters: Symbol (55) is required unless MVE legs (20181) are given"
                )
            symbol = self._resolve_parlay(req.multivariate_collection_ticker, legs)
            resolved = True
        else:
            symbol = req.symbol
            resolved = False
        market = self.exchange.markets.get(symbol)
        if market is None:
            raise _Refused(f"MARKET_NOT_FOUND: Symbol (55) {symbol}", _QRR.UNKNOWN_SYMBOL)
        if self.exchange.exchange_paused:
            raise _Refused("EXCHANGE_PAUSED")
        if market.status is not MarketStatus.OPEN:
            raise _Refused(
                f"invalid_parameters: market {symbol} is {market.status.value}, not open"
            )
        if (req.order_qty is None) == (req.cash_order_qty is None):
            raise _Refused(
                "invalid_parameters: give exactly one of OrderQty (38) and CashOrderQty (152)"
            )
        qty = cash = None
        if req.order_qty is not None:
            qty = _whole_contracts(req.order_qty, "OrderQty (38)")
        else:
            cash = req.cash_order_qty
            assert cash is not None
            if not cash.is_finite() or cash <= 0:
                raise _Refused(f"invalid_parameters: CashOrderQty (152) {cash} must be > 0")
            if self.exchange.accounts.balance(creator).available < cash:
                raise _Refused(
                    f"INSUFFICIENT_BALANCE: CashOrderQty (152) {cash} exceeds the available balance",
                    _QRR.INSUFFICIENT_CREDIT,
                )
        mine = [r for r in self._rfqs.values() if r.creator.account == account and r.live]
        if any(r.quote_req_id == req.quote_req_id for r in mine):
            raise _Refused(
                f"invalid_parameters: QuoteReqID (131) {req.quote_req_id} is already in use by an open RFQ"
            )
        if req.replace_existing:
            for r in mine:
                if r.state is not RfqState.CONFIRMED:
                    self._close(
                        r, "RFQ_CLOSED: replaced by a new RFQ (ReplaceExisting 21016=Y)", out
                    )
            mine = [r for r in mine if r.live]
        elif any(r.symbol == symbol and r.state is not RfqState.CONFIRMED for r in mine):
            raise _Refused(
                f"Open RFQ already exists on this market ticker: {symbol} (set ReplaceExisting 21016=Y)"
            )
        if len(mine) >= self.config.max_open_rfqs:
            raise _Refused(
                f"too many open RFQs: limit {self.config.max_open_rfqs} per account",
                _QRR.QUOTE_REQUEST_EXCEEDS_LIMIT,
            )
        collection, legs_kept = self._parlays.get(symbol, (None, ()))
        rfq = Rfq(
            rfq_id=self._ids(),
            quote_req_id=req.quote_req_id,
            creator=creator,
            symbol=symbol,
            qty=qty,
            cash_qty=cash,
            rest_remainder=bool(req.rest_remainder),
            hvm=market.hvm,
            created=now,
            collection=collection,
            legs=legs_kept,
        )
        self._rfqs[rfq.rfq_id] = rfq
        return rfq, resolved

    def _resolve_parlay(
        self, collection: str | None, legs: tuple[tuple[str, str, str], ...]
    ) -> str:
        if not collection:
            raise _Refused(
                "invalid_parameters: MultivariateCollectionTicker (20180) is required with MVE legs"
            )
        seen: set[str] = set()
        for event, ticker, _side in legs:
            if ticker in seen:
                raise _Refused(f"invalid_parameters: leg market {ticker} (20183) appears twice")
            seen.add(ticker)
            if self.exchange.markets.get(ticker) is None:
                raise _Refused(
                    f"MARKET_NOT_FOUND: leg market (20183) {ticker} of event {event}",
                    _QRR.UNKNOWN_SYMBOL,
                )
        ticker = parlay_ticker(collection, legs)
        if not is_well_formed_ticker(ticker):
            raise _Refused(
                f"invalid_parameters: MultivariateCollectionTicker (20180) {collection!r} is malformed"
            )
        if self.exchange.markets.existing(ticker) is None:
            self.exchange.list_market(MarketConfig(ticker, hvm=True))
            log.info("listed parlay market %s for %s", ticker, collection)
        canon = tuple(sorted(legs, key=lambda leg: (leg[0], leg[1])))
        self._parlays.setdefault(ticker, (collection, canon))
        return ticker

    def _broadcast(self, rfq: Rfq) -> QuoteRequest:
        return QuoteRequest(
            quote_req_id=rfq.rfq_id,
            no_related_sym=1,
            symbol=rfq.symbol,
            order_qty=None if rfq.qty is None else rfq.qty.quantize(_ONE),
            cash_order_qty=rfq.cash_qty,
            party_ids=[Party(party_id=self.pseudonym(rfq.creator.account))],
            multivariate_collection_ticker=rfq.collection,
            multivariate_selected_legs=[
                MultivariateSelectedLeg(
                    multivariate_selected_event_ticker=e,
                    multivariate_selected_market_ticker=m,
                    multivariate_selected_market_side=enums.MultivariateSelectedMarketSide(s),
                )
                for e, m, s in rfq.legs
            ],
        )

    def open_rfqs_for_maker(self) -> list[Output]:
        """What a maker session that just logged on gets: every RFQ still open."""
        return [Reply(self._broadcast(r)) for r in self._rfqs.values() if r.state is RfqState.OPEN]

    # ---- creator: RFQCancel -----------------------------------------------------------------

    def rfq_cancel(self, account: str, req: RFQCancel) -> list[Output]:
        now = self._now()
        out = self._due(now)
        echo = req.quote_req_id or req.rfq_id
        if echo is None:
            # Our decoder lets this through; there is nothing to echo in 131.
            echo = "NONE"
        rfq = None
        if req.rfq_id is not None:
            rfq = self._rfqs.get(req.rfq_id)
        elif req.quote_req_id is not None:
            matches = [
                r
                for r in self._rfqs.values()
                if r.quote_req_id == req.quote_req_id and r.creator.account == account
            ]
            live = [r for r in matches if r.live]
            rfq = (live or matches)[-1] if matches else None  # live is a part of matches
        text = None
        if req.quote_req_id is None and req.rfq_id is None:
            text = "invalid_parameters: QuoteReqID (131) or RfqID (21023) is required"
        elif rfq is None or rfq.creator.account != account:
            text = f"RFQ not found: {'RfqID (21023)' if req.rfq_id else 'QuoteReqID (131)'} {req.rfq_id or req.quote_req_id}"
        elif req.party_ids and self._party_of(req.party_ids) != rfq.creator.party_id:
            text = f"RFQ not found for PartyID (448) {self._party_of(req.party_ids)}"
        elif rfq.state is RfqState.CLOSED:
            text = f"RFQ_CLOSED: {rfq.close_reason or 'RFQ is closed'}"
        elif rfq.state is RfqState.CONFIRMED:
            text = "RFQ_CLOSED: the accepted quote is confirmed and executing"
        if text is not None:
            out.append(
                Reply(
                    RFQCancelStatus(
                        quote_req_id=echo,
                        rfq_cancel_status=enums.RFQCancelStatus.REJECTED,
                        text=text,
                    )
                )
            )
            return out
        assert rfq is not None
        out.append(
            Reply(
                RFQCancelStatus(quote_req_id=echo, rfq_cancel_status=enums.RFQCancelStatus.CANCELED)
            )
        )
        self._close(rfq, "RFQ_CLOSED: RFQ cancelled by its creator", out)
        return out

    # ---- maker: Quote -----------------------------------------------------------------------

    def quote_submit(self, account: str, q: Quote) -> list[Output]:
        """A maker's Quote (35=S): QuoteStatusReport PENDING + Quote to the creator, or REJECTED."""
        now = self._now()
        out = self._due(now)
        try:
            quote, replaced = self._new_quote(account, q, now)
        except _Refused as exc:
            out.append(
                Reply(
                    QuoteStatusReport(
                        quote_id=q.quote_id,
                        quote_req_id=q.quote_req_id,
                        quote_status=enums.QuoteStatus.REJECTED,
                        alloc_account=q.alloc_account,
                        text=exc.text,
                    )
                )
            )
            return out
        for old in replaced:
            self._cancel_quote(old, f"replaced by quote {quote.quote_id}", out)
        rfq = quote.rfq
        bid_size, offer_size = quote.size(Side.SELL_NO), quote.size(Side.BUY_YES)
        out.append(
            Reply(
                QuoteStatusReport(
                    quote_id=quote.quote_id,
                    quote_req_id=rfq.rfq_id,
                    quote_status=enums.QuoteStatus.PENDING,
                    alloc_account=quote.alloc_account,
                    order_qty=rfq.qty,
                    bid_px=quote.bid,
                    offer_px=quote.offer,
                    bid_size=bid_size if quote.bid is not None else None,
                    offer_size=offer_size if quote.offer is not None else None,
                )
            )
        )
        out.append(
            ToAccount(
                rfq.creator.account,
                RT,
                Quote(
                    quote_id=quote.quote_id,
                    quote_req_id=rfq.rfq_id,
                    symbol=rfq.symbol,
                    bid_px=_dollars(quote.bid),
                    offer_px=_dollars(quote.offer),
                    order_qty=rfq.qty,
                    bid_size=bid_size if quote.bid is not None else None,
                    offer_size=offer_size if quote.offer is not None else None,
                ),
            )
        )
        return out

    def _new_quote(self, account: str, q: Quote, now: datetime) -> tuple[RfqQuote, list[RfqQuote]]:
        rfq = self._rfqs.get(q.quote_req_id)
        if rfq is None:
            raise _Refused(f"RFQ not found: QuoteReqID (131) {q.quote_req_id}")
        if rfq.state is RfqState.CLOSED:
            raise _Refused(f"RFQ_CLOSED: {rfq.close_reason or 'RFQ is closed'}")
        if rfq.state is RfqState.CONFIRMED:
            raise _Refused("RFQ_CLOSED: a quote on this RFQ is confirmed and executing")
        if q.symbol != rfq.symbol:
            raise _Refused(
                f"invalid_parameters: Symbol (55) {q.symbol} does not match the RFQ's market {rfq.symbol}"
            )
        if q.quote_id in self._quotes:
            raise _Refused(f"invalid_parameters: QuoteID (117) {q.quote_id} is already in use")
        sub = q.alloc_account or 0
        maker = self.exchange.accounts.resolve(account, sub, None)
        if isinstance(maker, rr.OrderReject):
            raise _Refused(f"{maker.text}: AllocAccount (79) {q.alloc_account}")
        if maker.account == rfq.creator.account:
            raise _Refused("invalid_parameters: cannot quote your own RFQ")
        market = self.exchange.markets.get(rfq.symbol)
        assert market is not None
        bid = self._quote_price(q.bid_px, "BidPx (132)", market.grid.is_valid)
        offer = self._quote_price(q.offer_px, "OfferPx (133)", market.grid.is_valid)
        if bid is None and offer is None:
            raise _Refused(
                "invalid_parameters: BidPx (132) and OfferPx (133) cannot both be zero or absent"
            )
        if bid is not None and offer is not None and bid + offer > 1:
            raise _Refused(
                f"invalid_parameters: BidPx (132) + OfferPx (133) = {bid + offer} exceeds $1"
            )
        quote = RfqQuote(
            quote_id=q.quote_id,
            rfq=rfq,
            maker=maker,
            bid=bid,
            offer=offer,
            rest_remainder=bool(q.rest_remainder),
            alloc_account=q.alloc_account,
            created=now,
        )
        sides = [s for s in (Side.BUY_YES, Side.SELL_NO) if quote.price(s) is not None]
        if all(quote.size(s) == 0 for s in sides):
            raise _Refused(
                "invalid_parameters: CashOrderQty (152) buys no whole contract at these prices"
            )
        replaced = [
            old
            for old in self._quotes.values()
            if old.state is QuoteState.PENDING
            and old.maker.account == maker.account
            and (
                old.rfq is rfq
                if self.config.replace_scope == "rfq"
                else old.rfq.symbol == rfq.symbol
            )
        ]
        self._quotes[quote.quote_id] = quote
        rfq.quotes.append(quote)
        return quote, replaced

    @staticmethod
    def _quote_price(
        value: Decimal | None, what: str, on_grid: Callable[[Decimal], bool]
    ) -> Decimal | None:
        if value is None or value == 0:
            return None
        try:
            ok = value.is_finite() and on_grid(value)
        except InvalidOperation:
            ok = False
        if not ok:
            raise _Refused(
                f"invalid_parameters: {what} {value.scaleb(2).normalize()} cents is not a valid price for this market"
            )
        return value

    # ---- maker: QuoteCancel -----------------------------------------------------------------

    def quote_cancel(self, account: str, req: QuoteCancel) -> list[Output]:
        now = self._now()
        out = self._due(now)
        quote = self._quotes.get(req.quote_id)
        text = None
        if quote is None or quote.maker.account != account:
            text = f"Quote not found: QuoteID (117) {req.quote_id}"
        elif quote.state is QuoteState.CANCELLED:
            text = f"Quote already cancelled: {quote.cancel_reason}"
        elif quote.state in (QuoteState.CONFIRMED, QuoteState.EXECUTED):
            text = f"Quote is {quote.state.value} and can no longer be cancelled"
        if text is not None:
            out.append(
                Reply(
                    QuoteCancelStatus(
                        quote_id=req.quote_id,
                        quote_cancel_status=enums.QuoteCancelStatus.REJECTED,
                        text=text,
                    )
                )
            )
            return out
        assert quote is not None
        out.append(
            Reply(
                QuoteCancelStatus(
                    quote_id=quote.quote_id, quote_cancel_status=enums.QuoteCancelStatus.CANCELED
                )
            )
        )
        if quote.state is QuoteState.ACCEPTED:
            self._void(quote, "maker cancelled the quote before confirming", out)
        else:
            self._cancel_quote(quote, None, out)
        return out

    # ---- creator: AcceptQuote ---------------------------------------------------------------

    def accept_quote(self, account: str, req: AcceptQuote) -> list[Output]:
        now = self._now()
        out = self._due(now)
        cl_ord_id = req.cl_ord_id
        try:
            quote, side, qty = self._check_accept(account, req)
        except _Refused as exc:
            out.append(
                Reply(
                    AcceptQuoteStatus(
                        quote_id=req.quote_id,
                        accept_quote_status=enums.AcceptQuoteStatus.REJECTED,
                        cl_ord_id=cl_ord_id,
                        text=exc.text,
                    )
                )
            )
            return out
        rfq = quote.rfq
        quote.state = QuoteState.ACCEPTED
        quote.side = side
        quote.qty = qty
        quote.accept_cl_ord_id = cl_ord_id
        quote.accept_requested_id = req.quote_id
        quote.confirm_deadline = now + self._windows(rfq)[0]
        rfq.state = RfqState.ACCEPTED
        rfq.accepted = quote
        out.append(
            Reply(
                AcceptQuoteStatus(
                    quote_id=req.quote_id,
                    accept_quote_status=enums.AcceptQuoteStatus.ACCEPTED,
                    accepted_quote_id=quote.quote_id,
                    cl_ord_id=cl_ord_id,
                )
            )
        )
        out.append(
            ToAccount(
                quote.maker.account,
                RFQ,
                QuoteStatusReport(
                    quote_id=quote.quote_id,
                    quote_req_id=rfq.rfq_id,
                    quote_status=enums.QuoteStatus.ACCEPTED,
                    alloc_account=quote.alloc_account,
                    order_qty=qty,
                    side=enums.Side(str(int(side))),
                ),
            )
        )
        return out

    def _check_accept(self, account: str, req: AcceptQuote) -> tuple[RfqQuote, Side, Decimal]:
        quote = self._quotes.get(req.quote_id)
        if quote is None or quote.rfq.creator.account != account:
            raise _Refused(f"Quote not found: QuoteID (117) {req.quote_id}")
        rfq = quote.rfq
        if req.party_ids and self._party_of(req.party_ids) != rfq.creator.party_id:
            raise _Refused(f"Quote not found for PartyID (448) {self._party_of(req.party_ids)}")
        if rfq.state is RfqState.CLOSED:
            raise _Refused(f"RFQ_CLOSED: {rfq.close_reason or 'RFQ is closed'}")
        if rfq.state is not RfqState.OPEN:
            raise _Refused("RFQ_CLOSED: a quote on this RFQ is already accepted")
        if quote.state is not QuoteState.PENDING:
            raise _Refused(
                f"Quote is {quote.state.value}: {quote.cancel_reason or 'cannot be accepted'}"
            )
        try:
            side = Side(int(req.side.value))
        except ValueError:
            raise _Refused(f"invalid_parameters: Side (54) {req.side.value}") from None
        px = quote.price(side)
        if px is None:
            which = "NO (OfferPx 133)" if side is Side.BUY_YES else "YES (BidPx 132)"
            raise _Refused(
                f"invalid_parameters: quote {quote.quote_id} has no {which} price for Side (54) {int(side)}"
            )
        if req.prefer_better_quote:
            best = quote
            for other in rfq.quotes:
                other_px = other.price(side)
                if other.state is QuoteState.PENDING and other_px is not None:
                    best_px = best.price(side)
                    assert best_px is not None
                    if other_px > best_px:
                        best = other
            quote = best
        size = quote.size(side)
        if req.order_qty is None:
            qty = size
        else:
            qty = _whole_contracts(req.order_qty, "OrderQty (38)")
            if qty > size:
                raise _Refused(
                    f"invalid_parameters: OrderQty (38) {qty} exceeds the quote size {size}"
                )
        market = self.exchange.markets.get(rfq.symbol)
        if self.exchange.exchange_paused:
            raise _Refused("EXCHANGE_PAUSED")
        if market is None or market.status is not MarketStatus.OPEN:
            raise _Refused(f"market {rfq.symbol} is not open")
        if not self._affordable(rfq.creator, side, quote.yes_price(side), qty):
            raise _Refused("INSUFFICIENT_BALANCE")
        return quote, side, qty

    def _affordable(self, who: AccountRef, side: Side, yes_price: Decimal, qty: Decimal) -> bool:
        return self.exchange.accounts.balance(who).available >= self._cost(side, yes_price, qty)

    def _cost(self, side: Side, yes_price: Decimal, qty: Decimal) -> Decimal:
        leg = leg_price(side, yes_price)
        return leg * qty + self.exchange.fee_model.max_fee(qty, leg)

    # ---- maker: QuoteConfirm ----------------------------------------------------------------

    def quote_confirm(self, account: str, req: QuoteConfirm) -> list[Output]:
        now = self._now()
        out = self._due(now)
        quote = self._quotes.get(req.quote_id)
        text = None
        if quote is None or quote.maker.account != account:
            text = f"Quote not found: QuoteID (117) {req.quote_id}"
        elif quote.state is QuoteState.CANCELLED:
            text = f"Quote is cancelled: {quote.cancel_reason}"
        elif quote.state is not QuoteState.ACCEPTED:
            text = f"Quote is {quote.state.value}, not accepted"
        if text is None:
            assert quote is not None and quote.side is not None and quote.qty is not None
            px = quote.yes_price(quote.side)
            creator_cost = self._cost(quote.side, px, quote.qty)
            maker_cost = self._cost(quote.side.opposite, px, quote.qty)
            accounts = self.exchange.accounts
            if accounts.balance(quote.maker).available < maker_cost:
                text = "INSUFFICIENT_BALANCE"
                reply = self._confirm_status(req.quote_id, text)
                out.append(reply)
                self._void(quote, "maker has insufficient balance to confirm", out)
                return out
            if accounts.balance(quote.rfq.creator).available < creator_cost:
                text = "INSUFFICIENT_BALANCE: the requester can no longer pay for the trade"
                out.append(self._confirm_status(req.quote_id, text))
                self._void(quote, "requester has insufficient balance", out)
                return out
            accounts.ledger(quote.rfq.creator).reserved += creator_cost
            accounts.ledger(quote.maker).reserved += maker_cost
            quote.reserved = (creator_cost, maker_cost)
            quote.state = QuoteState.CONFIRMED
            quote.execute_at = now + self._windows(quote.rfq)[1]
            quote.rfq.state = RfqState.CONFIRMED
            out.append(self._confirm_status(req.quote_id, None))
            if quote.execute_at <= now:
                self._execute(quote, out)
            return out
        out.append(self._confirm_status(req.quote_id, text))
        return out

    @staticmethod
    def _confirm_status(quote_id: str, text: str | None) -> Reply:
        status = (
            enums.QuoteConfirmStatus.ACCEPTED if text is None else enums.QuoteConfirmStatus.REJECTED
        )
        return Reply(QuoteConfirmStatus(quote_id=quote_id, quote_confirm_status=status, text=text))

    # ---- outcomes ---------------------------------------------------------------------------

    def _release(self, quote: RfqQuote) -> None:
        creator_amt, maker_amt = quote.reserved
        if creator_amt or maker_amt:
            accounts = self.exchange.accounts
            accounts.ledger(quote.rfq.creator).reserved -= creator_amt
            accounts.ledger(quote.maker).reserved -= maker_amt
            quote.reserved = (_ZERO, _ZERO)

    def _execute(self, quote: RfqQuote, out: list[Output]) -> None:
        rfq = quote.rfq
        assert quote.side is not None and quote.qty is not None
        self._release(quote)
        market = self.exchange.markets.existing(rfq.symbol)
        if self.exchange.exchange_paused:
            self._void(quote, "EXCHANGE_PAUSED", out)  # the RFQ stays open
            return
        if market is None or market.status is not MarketStatus.OPEN:
            status = market.status.value if market else "gone"
            self._void(quote, f"market {rfq.symbol} is {status}", out)
            if market is None or market.status in (MarketStatus.CLOSED, MarketStatus.SETTLED):
                why = f"RFQ_CLOSED: market {rfq.symbol} is {status}"
                self._close(rfq, why, out, tell_creator=True)
            return
        yes_price = quote.yes_price(quote.side)
        creator_cl = quote.accept_cl_ord_id or self._ids()
        quote.accept_cl_ord_id = creator_cl
        out.extend(
            execute_rfq_trade(
                self.exchange,
                symbol=rfq.symbol,
                creator=rfq.creator,
                creator_side=quote.side,
                creator_cl_ord_id=creator_cl,
                maker=quote.maker,
                maker_cl_ord_id=quote.quote_id,
                yes_price=yes_price,
                qty=quote.qty,
                ids=self._ids,
            )
        )
        quote.state = QuoteState.EXECUTED
        remainder = quote.size(quote.side) - quote.qty
        if remainder > 0:
            for rest, owner, side in (
                (quote.rest_remainder, quote.maker, quote.side.opposite),
                (rfq.rest_remainder, rfq.creator, quote.side),
            ):
                if rest:
                    out.extend(
                        self.exchange.submit(
                            NewOrder(
                                account=owner.account,
                                subaccount=owner.subaccount,
                                party_id=owner.party_id,
                                cl_ord_id=self._ids(),
                                symbol=rfq.symbol,
                                side=int(side),
                                price=yes_price,
                                qty=remainder,
                            )
                        )
                    )
        self._close(rfq, "RFQ_CLOSED: RFQ executed", out)

    def _void(self, quote: RfqQuote, why: str, out: list[Output]) -> None:
        """An accepted (or confirmed) quote will not trade: tell both sides, reopen the RFQ."""
        rfq = quote.rfq
        self._release(quote)
        self._cancel_quote(quote, why, out)
        out.append(
            ToAccount(
                rfq.creator.account,
                RT,
                AcceptQuoteStatus(
                    quote_id=quote.accept_requested_id or quote.quote_id,
                    accept_quote_status=enums.AcceptQuoteStatus.REJECTED,
                    cl_ord_id=quote.accept_cl_ord_id,
                    text=f"quote {quote.quote_id} voided: {why}",
                ),
            )
        )
        if rfq.accepted is quote:
            rfq.accepted = None
            if rfq.state in (RfqState.ACCEPTED, RfqState.CONFIRMED):
                rfq.state = RfqState.OPEN

    def _cancel_quote(self, quote: RfqQuote, why: str | None, out: list[Output]) -> None:
        quote.state = QuoteState.CANCELLED
        quote.cancel_reason = why or "cancelled by the maker"
        out.append(
            ToAccount(
                quote.maker.account,
                RFQ,
                QuoteStatusReport(
                    quote_id=quote.quote_id,
                    quote_req_id=quote.rfq.rfq_id,
                    quote_status=enums.QuoteStatus.CANCELLED,
                    alloc_account=quote.alloc_account,
                    text=why,
                ),
            )
        )

    def _close(self, rfq: Rfq, why: str, out: list[Output], *, tell_creator: bool = False) -> None:
        accepted = rfq.accepted
        if accepted is not None and accepted.state in (QuoteState.ACCEPTED, QuoteState.CONFIRMED):
            self._void(accepted, why, out)
        for q in rfq.quotes:
            if q.state is QuoteState.PENDING:
                self._cancel_quote(q, why, out)
        rfq.state = RfqState.CLOSED
        rfq.close_reason = why
        rfq.accepted = None
        out.append(
            ToMakers(
                QuoteRequestReject(
                    text=why, quote_req_id=rfq.rfq_id, quote_request_reject_reason=_QRR.OTHER
                )
            )
        )
        if tell_creator:
            out.append(
                ToAccount(
                    rfq.creator.account,
                    RT,
                    QuoteRequestReject(
                        text=why,
                        quote_req_id=rfq.quote_req_id,
                        quote_request_reject_reason=_QRR.OTHER,
                    ),
                )
            )

    # ---- parties ----------------------------------------------------------------------------

    @staticmethod
    def _party_of(parties: list[Party]) -> str | None:
        return parties[0].party_id if parties else None

    def _party_ref(self, account: str, parties: list[Party], subaccount: int) -> AccountRef:
        if len(parties) > 1:
            raise _Refused(
                f"invalid_parameters: NoPartyIDs (453) {len(parties)}: only 1 party is supported"
            )
        party_id = None
        if parties:
            p = parties[0]
            if p.party_role is not enums.PartyRole.CUSTOMER_ACCOUNT:
                raise _Refused(
                    "invalid_parameters: PartyRole (452) must be 24 (CustomerAccount) with PartyID (448)"
                )
            party_id = p.party_id
        ref = self.exchange.accounts.resolve(account, subaccount, party_id)
        if isinstance(ref, rr.OrderReject):
            raise _Refused(f"{ref.text}: PartyID (448) {party_id}" if party_id else ref.text)
        return ref


# ---------------------------------------------------------------------------- FIX side


class RfqService:
    """The desk on the wire, plugged into a :class:`~fixgw.sim.exchange_app.KalshiExchangeApp`.

    :meth:`install` registers the handlers for :data:`RFQ_MSG_TYPES`, a logon hook (new makers
    see the open RFQs) and an event hook that runs the desk's timers whenever the app publishes
    (so ``app.tick()`` / ``app.run_clock()`` drive them).  Engine events the desk produces (RFQ fills, remainder orders) go through
    ``app.publish``, which renders ExecutionReports for the owners' order-entry and listener
    sessions and feeds drop copy.  Accounts are the app's: ``app.account_of(api_key)``.
    """

    def __init__(self, app: KalshiExchangeApp, desk: RfqDesk | None = None) -> None:
        self.app = app
        self.desk = desk if desk is not None else RfqDesk(app.engine)
        self._ticking = False

    def install(self) -> RfqService:
        for mt in RFQ_MSG_TYPES:
            self.app.register(mt, self.handle)
        self.app.add_event_hook(self._on_events)
        self.app.add_session_hook(on_logon=self.on_logon)
        return self

    def handle(self, ctx: SimSession, fm: FixMessage) -> None:
        """One inbound RFQ message (any of :data:`RFQ_MSG_TYPES`)."""
        try:
            msg = self.app.decode(ctx, fm)
        except (ValueError, TypeError) as exc:
            ctx.business_reject(
                fm, enums.BusinessRejectReason.OTHER, f"cannot read {fm.msg_type}: {exc}"
            )
            return
        account = self.app.account_of(ctx.api_key)
        desk = self.desk
        if isinstance(msg, QuoteRequest):
            out = desk.quote_request(account, msg)
        elif isinstance(msg, Quote):
            out = desk.quote_submit(account, msg)
        elif isinstance(msg, QuoteCancel):
            out = desk.quote_cancel(account, msg)
        elif isinstance(msg, AcceptQuote):
            out = desk.accept_quote(account, msg)
        elif isinstance(msg, QuoteConfirm):
            out = desk.quote_confirm(account, msg)
        elif isinstance(msg, RFQCancel):
            out = desk.rfq_cancel(account, msg)
        else:
            ctx.business_reject(
                fm,
                enums.BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE,
                f"RFQ desk does not handle {fm.msg_type}",
            )
            return
        self.deliver(out, ctx)

    def on_logon(self, ctx: SimSession) -> None:
        """Show a maker who just logged on the RFQs that are open."""
        if ctx.session_type == RFQ:
            self.deliver(self.desk.open_rfqs_for_maker(), ctx)

    def tick(self) -> None:
        """Run the desk's timers (confirmation / execution windows, RFQ expiry) and deliver."""
        if self._ticking:
            return
        self._ticking = True
        try:
            self.deliver(self.desk.tick())
        finally:
            self._ticking = False

    def _on_events(self, events: Sequence[Event]) -> None:
        self.tick()

    def deliver(self, outputs: Iterable[Output], reply_to: SimSession | None = None) -> None:
        app = self.app
        events: list[Event] = []
        for item in outputs:
            if isinstance(item, Reply):
                if reply_to is not None:
                    app.send(reply_to, item.message)
            elif isinstance(item, ToMakers):
                app.broadcast(item.message, session_types=(RFQ,))
            elif isinstance(item, ToAccount):
                app.broadcast(
                    item.message, account=item.account, session_types=(item.session_type,)
                )
            else:
                events.append(item)
        if events:
            app.publish(events)
