"""The Kalshi exchange core: validation, matching, balances, order groups, pauses, settlement.

Pure logic, no I/O, single-threaded: every public method takes a request, reads the injected
clock once, and returns the list of events it caused (see :mod:`.events`), already recorded in
the execution history.  Usage::

    ex = Exchange(clock=ManualClock(datetime(2026, 1, 5, 15, tzinfo=UTC)))
    ex.submit(NewOrder(account="mm", cl_ord_id="a1", symbol="HIGHNY-23DEC31",
                       side=Side.SELL_NO, price=Decimal("0.60"), qty=Decimal(10)))
    events = ex.submit(NewOrder(account="me", cl_ord_id="b1", symbol="HIGHNY-23DEC31",
                                side=Side.BUY_YES, price=Decimal("0.65"), qty=Decimal(4)))
    # -> [OrderAccepted(b1), Fill(b1, 4 @ 0.60, taker), Fill(a1, 4 @ 0.60, maker)]

Rules and where they come from:

* Direction and crossing -- getting_started__order_direction.md: Side 1 = buy yes (bid),
  Side 2 = sell yes = buy no (ask); both priced in yes-price; a bid at p crosses an ask at p;
  trades print at the resting order's price; price-time priority.
* Rejects, cancel rejects, cancel texts -- fix__order-entry.md, fix__error-handling.md
  (see :mod:`.reject_reasons`).
* TIF: Day expires 23:59:59.999 America/New_York; GTD at ExpireTime, and a GTD whose ExpireTime
  has passed is treated as IOC (fix__order-entry.md tag 59).
* FOK and self-trade prevention -- changelog: a FOK is checked against crossing volume first;
  if it then self-crosses, taker-at-cross cancels the taker and keeps partial fills, maker
  cancels the resting order and continues, and any remainder is canceled.
* Pauses -- getting_started__maintenance_and_pauses.md: during a trading pause orders cannot
  be placed or amended but can be canceled; during an exchange pause nothing can; orders with
  CancelOrderOnPause are canceled when either pause begins.
* Lifecycle -- getting_started__market_lifecycle.md: after close every order operation is
  rejected with MARKET_INACTIVE; reactivating an inactive market cancels its resting orders.
* Fees and rounding -- :mod:`.fees`; order groups -- :mod:`.order_groups`.

Simplifications (documented, deliberate): collateral for an order is always its full leg cost
(limit leg price x quantity) even when it would close an existing position; fees are checked at
entry (worst case at the limit) but not reserved.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from ...hotpath import blank_factory
from . import reject_reasons as rr
from .accounts import AccountConfig, AccountRef, Accounts, BalanceView, Ledger
from .book import OrderBook
from .clock import Clock, SystemClock, require_utc
from .events import (
    CancelRejected,
    CollateralChange,
    Event,
    ExecutionEvent,
    Fill,
    GroupTriggered,
    MarketSettled,
    MarketStatusChanged,
    MassCancelReport,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderGroupRejected,
    OrderGroupResponse,
    OrderRejected,
    OrderReplaced,
    SettlementRecord,
)
from .fees import FeeModel, QuadraticFeeModel, floor_to, round_fill, settlement_rounding
from .frozen import draft, field_names
from .history import LOOKBACK, ExecutionHistory
from .ids import ExecIdGenerator, IdFactory, uuid_ids
from .markets import Market, MarketConfig, MarketRegistry, MarketStatus
from .order_groups import OrderGroup, OrderGroupAction, OrderGroups, limit_ok
from .orders import (
    CancelOrder,
    NewOrder,
    Order,
    OrderState,
    OrdStatus,
    OrdType,
    ReplaceOrder,
    Side,
    StpType,
    TimeInForce,
    leg_price,
    quantity_ok,
)
from .reject_reasons import CancelReason

__all__ = ["Exchange", "EngineConfig", "Faults", "day_expiry", "ET"]

ET = ZoneInfo("America/New_York")
_E = TypeVar("_E")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_QTY = Decimal("0.01")
_CLOSED = (MarketStatus.CLOSED, MarketStatus.SETTLED)
MAX_CL_ORD_ID = 64
"""fix__order-entry.md tag 11: "UUID preferred, max 64 chars"."""


def day_expiry(now: datetime) -> datetime:
    """23:59:59.999 America/New_York on ``now``'s New York date, in UTC."""
    local_day = now.astimezone(ET).date()
    return datetime.combine(local_day, time(23, 59, 59, 999000), tzinfo=ET).astimezone(UTC)


@dataclass(frozen=True)
class EngineConfig:
    accounts: Mapping[str, AccountConfig] = field(default_factory=dict)
    default_account: AccountConfig = field(default_factory=AccountConfig)
    auto_create_accounts: bool = True
    """Unknown API keys get an account with ``default_account`` (else CUSTOMER_ACCOUNT_NOT_FOUND)."""
    auto_register_parties: bool = True
    """Unknown PartyIDs are registered to the first account using them."""
    fee_model: FeeModel = field(default_factory=QuadraticFeeModel)
    self_cross_texts: bool = False
    """Report taker-at-cross STP cancels as SELF_CROSS_ATTEMPT / ..._PARTIALLY_FILLED instead of
    TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION (the docs list both; which one Kalshi sends when is
    not documented)."""
    history_lookback: timedelta = LOOKBACK
    exec_id_epoch: int | None = None
    """First half of every ExecID; default: the clock's Unix time at construction."""


@dataclass
class Faults:
    """Switches for conditions a simulator cannot otherwise produce."""

    exchange_unavailable: bool = False
    """Every order/cancel/replace/group request fails with EXCHANGE_UNAVAILABLE."""


class Exchange:
    """The matching engine and its books, accounts, groups and history."""

    def __init__(
        self,
        markets: MarketRegistry | None = None,
        *,
        clock: Clock | None = None,
        config: EngineConfig | None = None,
        ids: IdFactory | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self.clock: Clock = clock or SystemClock()
        self.markets = markets if markets is not None else MarketRegistry(auto_list=True)
        self.accounts = Accounts(
            self.config.accounts,
            default=self.config.default_account,
            auto_create=self.config.auto_create_accounts,
            auto_register_parties=self.config.auto_register_parties,
        )
        self.fee_model = self.config.fee_model
        self.groups = OrderGroups()
        self.history = ExecutionHistory(self.config.history_lookback)
        self.faults = Faults()
        self._ids = ids or uuid_ids()
        epoch = self.config.exec_id_epoch
        if epoch is None:
            epoch = int(self._now().timestamp())
        self._exec_ids = ExecIdGenerator(epoch)
        self._books: dict[str, OrderBook] = {}
        self._orders: dict[str, Order] = {}
        self._open: dict[str, Order] = {}
        #: account -> ClOrdID -> the order that last took it (nested: no key tuple per order)
        self._by_cl_ord_id: dict[str, dict[str, Order]] = {}
        #: every open order is its (account, ClOrdID)'s entry above: submit refuses a ClOrdID
        #: an open order has, and _rename notes when a cancel gives one to a second order
        self._cl_index_exact = True
        self._expiries: list[tuple[datetime, int, str]] = []
        self._priority = 0
        self._exchange_paused = False

    # ------------------------------------------------------------------ queries

    def balance(
        self, account: str, subaccount: int = 0, party_id: str | None = None
    ) -> BalanceView:
        return self.accounts.balance(AccountRef(account, subaccount, party_id))

    def position(
        self, account: str, symbol: str, subaccount: int = 0, party_id: str | None = None
    ) -> Decimal:
        """Signed net position: > 0 net yes (LongQty), < 0 net no (ShortQty)."""
        return self.accounts.position(AccountRef(account, subaccount, party_id), symbol)

    def order(self, order_id: str) -> OrderState | None:
        found = self._orders.get(order_id)
        return found.snapshot() if found else None

    def open_orders(self, account: str | None = None) -> list[OrderState]:
        return [
            o.snapshot()
            for o in self._open.values()
            if account is None or o.owner.account == account
        ]

    def open_order(
        self, account: str, cl_ord_id: str, order_id: str | None = None
    ) -> OrderState | None:
        """The first of ``open_orders(account)`` whose ClOrdID is ``cl_ord_id``, else the one
        whose OrderID is ``order_id``: found through the indexes, one snapshot taken."""
        if self._cl_index_exact:
            found = self._by_cl_ord_id.get(account, _NO_ORDERS).get(cl_ord_id)
            if found is not None and found.is_open and found.cl_ord_id == cl_ord_id:
                return found.snapshot()
        else:  # two open orders shared a ClOrdID once: the index cannot say which is first
            for o in self._open.values():
                if o.owner.account == account and o.cl_ord_id == cl_ord_id:
                    return o.snapshot()
        if order_id is not None:
            found = self._open.get(order_id)
            if found is not None and found.owner.account == account:
                return found.snapshot()
        return None

    def book(self, symbol: str) -> OrderBook:
        """The market's book, for inspection only (mutating it bypasses balances)."""
        return self._book(symbol)

    @property
    def exchange_paused(self) -> bool:
        return self._exchange_paused

    # ------------------------------------------------------------------ orders

    def submit(self, req: NewOrder) -> list[Event]:
        """NewOrderSingle: reject, or accept then match, then rest / cancel the remainder."""
        now = self._now()
        out = self._housekeeping(now)
        checked = self._validate_new(req, now)
        if isinstance(checked, rr.OrderReject):
            self._emit_reject(req, checked, now, out)
            return out
        owner, market, side, tif, stp, expire_time, leg, ledger = checked
        order = _blank_order()  # Order(...) with every field given (see .frozen)
        order.order_id = order_id = self._ids()
        order.owner = owner
        order.cl_ord_id = cl_ord_id = req.cl_ord_id
        order.symbol = market.ticker
        order.side = side
        order.price = price = req.price
        order.qty = qty = req.qty
        order.time_in_force = tif
        order.created_time = now
        order.expire_time = expire_time
        order.post_only = req.post_only
        order.stp_type = stp
        order.cancel_on_pause = req.cancel_on_pause
        order.order_group_id = req.order_group_id
        order.session_id = req.session_id
        order.max_execution_cost = req.max_execution_cost
        self._priority += 1  # _next_priority()
        order.priority = self._priority
        self._orders[order_id] = order
        self._open[order_id] = order
        by_cl_ord_id = self._by_cl_ord_id.get(owner.account)
        if by_cl_ord_id is None:
            by_cl_ord_id = self._by_cl_ord_id[owner.account] = {}
        by_cl_ord_id[cl_ord_id] = order
        order.reserved = reserved = leg * qty  # order.limit_leg_price * qty
        ledger.reserved += reserved
        accepted: Any = _new(_ACCEPTED_DRAFT)  # _emit(OrderAccepted, ...), inline
        accepted.exec_id = self._exec_ids.next()
        accepted.transact_time = now
        accepted.order = order.snapshot()
        accepted.__class__ = OrderAccepted
        self.history.append(accepted)
        out.append(accepted)

        immediate = tif is TimeInForce.IOC or (
            tif is TimeInForce.GTD and expire_time is not None and expire_time <= now
        )
        book = self._book(order.symbol)
        if tif is TimeInForce.FOK:
            volume = sum((o.leaves for o in book.crossing(side, order.price)), _ZERO)
            if volume < order.qty:
                self._cancel(order, CancelReason.FOK_INSUFFICIENT_VOLUME, now, out)
                return out
        # Nothing to meet (an order that rests): what _match would find at once.
        stop = None if book.best_crossing(side, price) is None else self._match(order, now, out)
        if order.is_open:
            if stop is not None:
                self._cancel(order, stop, now, out)
            elif immediate:
                self._cancel(order, CancelReason.IMMEDIATE_OR_CANCELLED, now, out)
            elif tif is TimeInForce.FOK:
                self._cancel(order, CancelReason.FOK_INSUFFICIENT_VOLUME, now, out)
            else:
                book.add(order)
                if order.expire_time is not None:
                    heapq.heappush(
                        self._expiries, (order.expire_time, order.priority, order.order_id)
                    )
        return out

    def cancel(self, req: CancelOrder) -> list[Event]:
        """OrderCancelRequest: cancel the remaining quantity or answer with a CancelRejected."""
        now = self._now()
        out = self._housekeeping(now)
        order = self._target(req, "cancel", now, out)
        if order is None:
            return out
        if self._exchange_paused:
            rej = rr.cancel_reject_from(rr.EXCHANGE_PAUSED)
        elif self._market(order).status in _CLOSED:
            rej = rr.cancel_reject_from(rr.MARKET_INACTIVE)
        elif not order.is_open:
            rej = rr.TOO_LATE_TO_CANCEL
        else:
            rej = None
        if rej is not None:
            out.append(self._cancel_reject(req, order, "cancel", rej, now))
            return out
        self._cancel(order, CancelReason.USER_REQUESTED, now, out, new_cl_ord_id=req.cl_ord_id)
        return out

    def _target(
        self, req: CancelOrder | ReplaceOrder, kind: Literal["cancel", "replace"], now: datetime, out: list[Event]
    ) -> Order | None:
        """The order a cancel/replace names, or None after appending the CancelRejected."""
        found = self._locate(
            req.account, req.orig_cl_ord_id, req.order_id, req.side, req.symbol, req.subaccount, req.party_id
        )
        if isinstance(found, rr.CancelReject):
            out.append(self._cancel_reject(req, None, kind, found, now))
            return None
        return found

    def replace(self, req: ReplaceOrder) -> list[Event]:
        """OrderCancelReplaceRequest: change price and/or total quantity of a live order."""
        now = self._now()
        out = self._housekeeping(now)
        order = self._target(req, "replace", now, out)
        if order is None:
            return out
        rej = self._validate_replace(req, order)
        if rej is not None:
            out.append(self._cancel_reject(req, order, "replace", rej, now))
            return out
        if req.qty == order.cum_qty:
            # fix__order-entry.md tag 38: "If equal to filled qty, order is canceled."
            self._cancel(order, CancelReason.USER_REQUESTED, now, out, new_cl_ord_id=req.cl_ord_id)
            return out

        new_price = order.price if req.price is None else req.price
        old_leaves = order.leaves
        new_leaves = req.qty - order.cum_qty
        lost_priority = new_price != order.price or new_leaves > old_leaves
        book = self._book(order.symbol)
        if lost_priority and order.on_book:
            book.remove(order)
        ledger = self.accounts.ledger(order.owner)
        ledger.reserved -= order.reserved
        order.price = new_price
        order.qty = req.qty
        order.reserved = order.limit_leg_price * new_leaves
        ledger.reserved += order.reserved
        self._rename(order, req.cl_ord_id)
        if lost_priority:
            order.priority = self._next_priority()
        self._emit(OrderReplaced, order, now, out, lost_priority=lost_priority)
        if lost_priority:
            stop = self._match(order, now, out)
            if order.is_open:
                if stop is not None:
                    self._cancel(order, stop, now, out)
                else:
                    book.add(order)
        return out

    def mass_cancel(self, account: str, *, session_id: str | None = None) -> list[Event]:
        """OrderMassCancelRequest: cancel every open order of ``account`` (optionally only those
        entered on ``session_id``).  Returns the report followed by one OrderCanceled per order."""
        now = self._now()
        out = self._housekeeping(now)
        targets = [
            o
            for o in self._open.values()
            if o.owner.account == account and (session_id is None or o.session_id == session_id)
        ]
        reject_text = None
        if self.faults.exchange_unavailable:
            reject_text = rr.EXCHANGE_UNAVAILABLE.text
        elif self._exchange_paused:
            reject_text = rr.EXCHANGE_PAUSED.text
        if reject_text is not None:
            targets = []
        cancels: list[Event] = []
        for o in targets:
            self._cancel(o, CancelReason.MASS_CANCEL, now, cancels)
        out.append(
            MassCancelReport(
                transact_time=now,
                account=account,
                session_id=session_id,
                operation_id=self._ids(),
                canceled_count=len(cancels),
                reject_text=reject_text,
            )
        )
        out.extend(cancels)
        return out

    def cancel_session_orders(self, session_id: str) -> list[Event]:
        """Cancel-on-disconnect hook: cancel every open order entered on ``session_id``."""
        now = self._now()
        out = self._housekeeping(now)
        for o in [o for o in self._open.values() if o.session_id == session_id]:
            self._cancel(o, CancelReason.CANCEL_ON_DISCONNECT, now, out)
        return out

    def tick(self) -> list[Event]:
        """Expire due Day/GTD orders and close markets past close_time (also run before every
        request, so calling this is only needed to push expiries out without traffic)."""
        return self._housekeeping(self._now())

    # ------------------------------------------------------------------ order groups

    def create_order_group(
        self, account: str, contracts_limit: Decimal, *, subaccount: int = 0
    ) -> list[Event]:
        now = self._now()
        out = self._housekeeping(now)
        action = OrderGroupAction.CREATE
        rej = self._group_precheck(account, subaccount)
        if rej is None and not limit_ok(contracts_limit):
            rej = rr.INVALID_CONTRACTS_LIMIT
        if rej is not None:
            out.append(self._group_reject(account, subaccount, action, None, rej, now))
            return out
        group = self.groups.create(self._ids(), account, subaccount, contracts_limit)
        out.append(self._group_response(group, action, now, contracts_limit))
        return out

    def reset_order_group(self, account: str, group_id: str, *, subaccount: int = 0) -> list[Event]:
        """Clear the window and un-trigger: new orders may name the group again."""
        now = self._now()
        out = self._housekeeping(now)
        found = self._find_group(account, subaccount, group_id, OrderGroupAction.RESET, now)
        if isinstance(found, OrderGroupRejected):
            out.append(found)
            return out
        found.reset()
        out.append(self._group_response(found, OrderGroupAction.RESET, now, None))
        return out

    def delete_order_group(
        self, account: str, group_id: str, *, subaccount: int = 0
    ) -> list[Event]:
        """Remove the group; its resting orders are canceled (ORDER_GROUP_CANCEL)."""
        now = self._now()
        out = self._housekeeping(now)
        found = self._find_group(account, subaccount, group_id, OrderGroupAction.DELETE, now)
        if isinstance(found, OrderGroupRejected):
            out.append(found)
            return out
        out.append(self._group_response(found, OrderGroupAction.DELETE, now, None))
        for o in self._group_orders(found):
            self._cancel(o, CancelReason.ORDER_GROUP_CANCEL, now, out)
        self.groups.delete(found)
        return out

    def trigger_order_group(
        self, account: str, group_id: str, *, subaccount: int = 0
    ) -> list[Event]:
        """Cancel every order in the group now and block new ones until reset."""
        now = self._now()
        out = self._housekeeping(now)
        found = self._find_group(account, subaccount, group_id, OrderGroupAction.TRIGGER, now)
        if isinstance(found, OrderGroupRejected):
            out.append(found)
            return out
        out.append(self._group_response(found, OrderGroupAction.TRIGGER, now, None))
        self._trigger_group(found, "manual", now, out)
        return out

    def update_order_group(
        self, account: str, group_id: str, contracts_limit: Decimal, *, subaccount: int = 0
    ) -> list[Event]:
        """Change the limit; if the rolling 15 s fills already reach it, trigger the group."""
        now = self._now()
        out = self._housekeeping(now)
        action = OrderGroupAction.UPDATE
        found = self._find_group(account, subaccount, group_id, action, now)
        if isinstance(found, OrderGroupRejected):
            out.append(found)
            return out
        if not limit_ok(contracts_limit):
            out.append(
                self._group_reject(
                    account, subaccount, action, group_id, rr.INVALID_CONTRACTS_LIMIT, now
                )
            )
            return out
        found.contracts_limit = contracts_limit
        out.append(self._group_response(found, action, now, contracts_limit))
        if not found.triggered and found.would_trigger(now, contracts_limit):
            self._trigger_group(found, "update", now, out)
        return out

    # ------------------------------------------------------------------ market administration

    def list_market(self, config: MarketConfig) -> Market:
        return self.markets.add(config)

    def pause_market(self, ticker: str) -> list[Event]:
        """Trading pause for one market: CancelOrderOnPause orders are canceled (TRADING_PAUSED)."""
        now = self._now()
        out = self._housekeeping(now)
        market = self._admin_market(ticker)
        if market.status is MarketStatus.OPEN:
            self._set_status(market, MarketStatus.PAUSED, now, out)
            for o in self._market_orders(ticker):
                if o.cancel_on_pause:
                    self._cancel(o, CancelReason.TRADING_PAUSED, now, out)
        return out

    def resume_market(self, ticker: str) -> list[Event]:
        now = self._now()
        out = self._housekeeping(now)
        market = self._admin_market(ticker)
        if market.status is MarketStatus.PAUSED:
            self._set_status(market, MarketStatus.OPEN, now, out)
        return out

    def pause_exchange(self) -> list[Event]:
        """Exchange pause: no orders, amends or cancels; CancelOrderOnPause orders are canceled."""
        now = self._now()
        out = self._housekeeping(now)
        if not self._exchange_paused:
            self._exchange_paused = True
            for o in list(self._open.values()):
                if o.cancel_on_pause:
                    self._cancel(o, CancelReason.EXCHANGE_PAUSED, now, out)
        return out

    def resume_exchange(self) -> list[Event]:
        now = self._now()
        out = self._housekeeping(now)
        self._exchange_paused = False
        return out

    def deactivate_market(self, ticker: str) -> list[Event]:
        """Market becomes ``inactive``: new orders and amends get MARKET_INACTIVE."""
        now = self._now()
        out = self._housekeeping(now)
        market = self._admin_market(ticker)
        if market.status in (MarketStatus.OPEN, MarketStatus.PAUSED):
            self._set_status(market, MarketStatus.INACTIVE, now, out)
        return out

    def activate_market(self, ticker: str) -> list[Event]:
        """``inactive`` -> open; "All resting orders are cancelled on this reactivation"."""
        now = self._now()
        out = self._housekeeping(now)
        market = self._admin_market(ticker)
        if market.status is MarketStatus.INACTIVE:
            self._set_status(market, MarketStatus.OPEN, now, out)
            for o in self._market_orders(ticker):
                self._cancel(o, CancelReason.MARKET_REACTIVATED, now, out)
        return out

    def close_market(self, ticker: str) -> list[Event]:
        """Close trading: open orders end with CLOSE_CANCEL (expiry-style, see OrderExpired)."""
        now = self._now()
        out = self._housekeeping(now)
        self._close(self._admin_market(ticker), now, out)
        return out

    def settle(
        self,
        ticker: str,
        result: Literal["yes", "no", "scalar"],
        settlement_price_cents: Decimal | None = None,
    ) -> list[Event]:
        """Close (if needed) and settle: pay each net position, floor payouts to the cent and
        record the remainder as the settlement fee.  Yes pays 100c, no pays 0c per yes contract;
        a scalar result pays ``settlement_price_cents`` per yes and 100 minus it per no."""
        now = self._now()
        out = self._housekeeping(now)
        market = self._admin_market(ticker)
        if market.status is MarketStatus.SETTLED:
            raise ValueError(f"market {ticker!r} is already settled")
        price_cents = _settlement_price(result, settlement_price_cents)
        self._close(market, now, out)
        yes_value = price_cents / 100
        records = []
        for ref, pos in self.accounts.positions_in(ticker):
            long_qty, short_qty = max(pos, _ZERO), max(-pos, _ZERO)
            raw = long_qty * yes_value + short_qty * (1 - yes_value)
            payout, fee = settlement_rounding(raw)
            self.accounts.ledger(ref).cash += payout
            self.accounts.set_position(ref, ticker, _ZERO)
            records.append(SettlementRecord(ref, long_qty, short_qty, raw, payout, fee))
        market.result = result
        market.settlement_price_cents = price_cents
        self._set_status(market, MarketStatus.SETTLED, now, out)
        out.append(
            MarketSettled(
                transact_time=now,
                symbol=ticker,
                result=result,
                settlement_price_cents=price_cents,
                clearing_business_date=_business_date(now),
                settlement_id=self._ids(),
                records=tuple(records),
            )
        )
        return out

    # ------------------------------------------------------------------ validation

    def _validate_new(
        self, req: NewOrder, now: datetime
    ) -> (
        rr.OrderReject
        | tuple[
            AccountRef, Market, Side, TimeInForce, StpType | None, datetime | None, Decimal, Ledger
        ]
    ):
        """The reject, or what submit needs: owner, market, enums, expiry, leg price, ledger."""
        if self.faults.exchange_unavailable:
            return rr.EXCHANGE_UNAVAILABLE
        if self._exchange_paused:
            return rr.EXCHANGE_PAUSED
        accounts = self.accounts
        owner = accounts.resolve(req.account, req.subaccount, req.party_id)
        if isinstance(owner, rr.OrderReject):
            return owner
        market = self.markets.get(req.symbol)
        if market is None:
            return rr.MARKET_NOT_FOUND
        if market.status is not MarketStatus.OPEN:
            status_reject = _status_reject(market.status)
            if status_reject is not None:
                return status_reject
        cl_ord_id = req.cl_ord_id
        if not 0 < len(cl_ord_id) <= MAX_CL_ORD_ID:
            return rr.INVALID_ORDER
        existing = self._by_cl_ord_id.get(req.account, _NO_ORDERS).get(cl_ord_id)
        if existing is not None and existing.is_open:
            return rr.ORDER_ALREADY_EXISTS
        try:
            side = _member(_SIDES, Side, req.side)
            tif = _member(_TIFS, TimeInForce, req.time_in_force)
            stp = None if req.stp_type is None else _member(_STP_TYPES, StpType, req.stp_type)
        except ValueError:
            return rr.INVALID_ORDER
        if req.ord_type != OrdType.LIMIT:
            return rr.INVALID_ORDER
        qty = req.qty
        if not isinstance(qty, Decimal) or not quantity_ok(qty):
            return rr.INVALID_QUANTITY
        price = req.price
        if not isinstance(price, Decimal) or not market.grid.is_valid(price):
            return rr.INVALID_ORDER
        expire_time: datetime | None = None
        if tif is TimeInForce.GTD:
            if req.expire_time is None or req.expire_time.tzinfo is None:
                return rr.INVALID_ORDER
            expire_time = require_utc(req.expire_time, "ExpireTime")
        elif tif is TimeInForce.DAY:
            expire_time = day_expiry(now)
        if req.max_execution_cost is not None and not req.max_execution_cost > 0:
            return rr.INVALID_ORDER
        if req.valid_until is not None and require_utc(req.valid_until, "valid_until") < now:
            return rr.EXPIRED
        if req.order_group_id is not None:
            group = self.groups.get(owner.account, owner.subaccount, req.order_group_id)
            if group is None:
                return rr.ORDER_GROUP_NOT_FOUND
            if group.triggered:
                return rr.EXCEEDED_ORDER_GROUP_RISK_LIMIT
        floor = req.sell_position_floor
        if floor is None:
            cfg = accounts.config(owner.account)
            floor = cfg.sell_position_floor if cfg else None
        if floor is not None or market.position_limit is not None:
            pos = accounts.position(owner, market.ticker)
            resting = sum(
                (
                    o.leaves
                    for o in self._open.values()
                    if o.owner == owner and o.symbol == market.ticker and o.side is side
                ),
                _ZERO,
            )
            # A Side 2 order sells held yes; a Side 1 order sells held no.
            held_opposite = pos if side is Side.SELL_NO else -pos
            if floor is not None and held_opposite > 0 and held_opposite - resting - qty < floor:
                return rr.EXCEEDED_SELL_POSITION_FLOOR
            if market.position_limit is not None:
                held_same = max(-held_opposite, _ZERO)
                if held_same + resting + qty > market.position_limit:
                    return rr.EXCEEDED_PER_MARKET_RISK_LIMIT
        leg = price if side is Side.BUY_YES else _ONE - price  # leg_price()
        needed = leg * qty + self.fee_model.max_fee(qty, leg)
        ledger = accounts.ledger(owner)
        if ledger.available < needed:
            return rr.INSUFFICIENT_BALANCE
        if req.post_only and self._book(market.ticker).best_crossing(side, price) is not None:
            return rr.POST_ONLY_CROSS
        return owner, market, side, tif, stp, expire_time, leg, ledger

    def _locate(
        self,
        account: str,
        orig_cl_ord_id: str,
        order_id: str | None,
        side: int | None,
        symbol: str | None,
        subaccount: int,
        party_id: str | None,
    ) -> Order | rr.CancelReject:
        if self.faults.exchange_unavailable:
            return rr.cancel_reject_from(rr.EXCHANGE_UNAVAILABLE)
        order = self._by_cl_ord_id.get(account, _NO_ORDERS).get(orig_cl_ord_id)
        if order is None and order_id is not None:
            candidate = self._orders.get(order_id)
            if candidate is not None and candidate.owner.account == account:
                order = candidate
        if order is None:
            return rr.UNKNOWN_ORDER
        # fix__error-handling.md 102=1: "Order ID not found, order ID/side/ticker mismatch".
        if (
            (order_id is not None and order_id != order.order_id)
            or (side is not None and side != order.side)
            or (symbol is not None and symbol != order.symbol)
            or subaccount != order.owner.subaccount
            or party_id != order.owner.party_id
        ):
            return rr.UNKNOWN_ORDER
        return order

    def _validate_replace(self, req: ReplaceOrder, order: Order) -> rr.CancelReject | None:
        market = self._market(order)
        if self._exchange_paused:
            return rr.cancel_reject_from(rr.EXCHANGE_PAUSED)
        if market.status in _CLOSED or market.status is MarketStatus.INACTIVE:
            return rr.cancel_reject_from(rr.MARKET_INACTIVE)
        if market.status is MarketStatus.PAUSED:
            return rr.cancel_reject_from(rr.TRADING_PAUSED)
        if order.status is OrdStatus.FILLED:
            return rr.CANNOT_UPDATE_FILLED_ORDER
        if not order.is_open:
            return rr.TOO_LATE_TO_CANCEL
        if req.ord_type != OrdType.LIMIT:
            return rr.cancel_reject_from(rr.INVALID_ORDER)
        if not isinstance(req.qty, Decimal) or not req.qty.is_finite():
            return rr.cancel_reject_from(rr.INVALID_ORDER)
        if req.qty < order.cum_qty:
            return rr.INVALID_AMEND_QTY_FOR_ORDER
        if req.qty != req.qty.quantize(_QTY):
            return rr.cancel_reject_from(rr.INVALID_ORDER)
        if req.qty == order.cum_qty:
            return None
        new_price = order.price if req.price is None else req.price
        if not isinstance(new_price, Decimal) or not market.grid.is_valid(new_price):
            return rr.cancel_reject_from(rr.INVALID_ORDER)
        other = self._by_cl_ord_id.get(req.account, _NO_ORDERS).get(req.cl_ord_id)
        if other is not None and other is not order and other.is_open:
            return rr.cancel_reject_from(rr.ORDER_ALREADY_EXISTS)
        book = self._book(order.symbol)
        if new_price != order.price:
            for resting in book.crossing(order.side, new_price):
                if resting.owner == order.owner:
                    return rr.SELF_CROSS_ATTEMPT_ON_REPLACE
            if order.post_only and book.best_crossing(order.side, new_price) is not None:
                return rr.cancel_reject_from(rr.POST_ONLY_CROSS)
        new_leaves = req.qty - order.cum_qty
        new_leg = leg_price(order.side, new_price)
        extra = new_leg * new_leaves - order.reserved
        added = max(new_leaves - order.leaves, _ZERO)
        if extra > 0 and self.accounts.ledger(order.owner).available < (
            extra + self.fee_model.max_fee(added, new_leg)
        ):
            return rr.cancel_reject_from(rr.INSUFFICIENT_BALANCE)
        return None

    # ------------------------------------------------------------------ matching

    def _match(self, taker: Order, now: datetime, out: list[Event]) -> CancelReason | None:
        """Trade ``taker`` against the book until it is done, stops crossing, or must stop.
        Returns the reason to cancel its remainder, or None if it may rest/expire normally."""
        book = self._book(taker.symbol)
        while taker.is_open and taker.leaves > _ZERO:
            maker = book.best_crossing(taker.side, taker.price)
            if maker is None:
                return None
            if maker.owner == taker.owner:
                if taker.stp_type is StpType.MAKER:
                    self._cancel(
                        maker, CancelReason.MAKER_CANCEL_FOR_SELF_TRADE_PREVENTION, now, out
                    )
                    continue
                if not self.config.self_cross_texts:
                    return CancelReason.TAKER_CANCEL_FOR_SELF_TRADE_PREVENTION
                if taker.cum_qty > 0:
                    return CancelReason.SELF_CROSS_ATTEMPT_PARTIALLY_FILLED
                return CancelReason.SELF_CROSS_ATTEMPT
            # _affordable() is None without a MaxExecutionCost: asked only when there is one
            taker_budget = (
                None if taker.max_execution_cost is None else _affordable(taker, maker.price)
            )
            if taker_budget is not None and taker_budget <= 0:
                return CancelReason.MAX_EXECUTION_COST_EXCEEDED
            maker_budget = (
                None if maker.max_execution_cost is None else _affordable(maker, maker.price)
            )
            if maker_budget is not None and maker_budget <= 0:
                self._cancel(maker, CancelReason.MAX_EXECUTION_COST_EXCEEDED, now, out)
                continue
            # min() of the limits that apply; the first of equal ones, as min() would
            qty = taker.leaves
            maker_leaves = maker.leaves
            if maker_leaves < qty:
                qty = maker_leaves
            if taker_budget is not None and taker_budget < qty:
                qty = taker_budget
            if maker_budget is not None and maker_budget < qty:
                qty = maker_budget
            self._trade(taker, maker, qty, now, out)
            if maker.is_open and maker.max_execution_cost is not None:
                left = _affordable(maker, maker.price)
                if left is not None and left <= 0:
                    self._cancel(maker, CancelReason.MAX_EXECUTION_COST_EXCEEDED, now, out)
        return None

    def _trade(
        self, taker: Order, maker: Order, qty: Decimal, now: datetime, out: list[Event]
    ) -> None:
        price = maker.price
        match_id = self._ids()
        book = self._book(taker.symbol)
        accounts = self.accounts
        trade_fee = self.fee_model.trade_fee
        hit: list[OrderGroup] = []
        for o, is_taker in ((taker, True), (maker, False)):
            owner = o.owner
            ledger = accounts.ledger(owner)
            buys_yes = o.side is Side.BUY_YES
            leg = price if buys_yes else _ONE - price  # leg_price()
            pos = accounts.position(owner, o.symbol)
            if buys_yes:
                netted = min(qty, max(-pos, _ZERO))
                new_pos = pos + qty
            else:
                netted = min(qty, max(pos, _ZERO))
                new_pos = pos - qty
            revenue = netted - leg * qty
            raw_fee = trade_fee(qty, price, is_taker=is_taker)
            fee = round_fill(revenue, raw_fee, o.fee_accumulator)
            o.fee_accumulator = fee.accumulator_after
            release = o.limit_leg_price * qty
            o.reserved -= release
            ledger.reserved -= release
            balance_change = fee.net_balance_change
            ledger.cash += balance_change
            accounts.set_position(owner, o.symbol, new_pos)
            o.cum_qty += qty
            o.notional += price * qty
            o.spent += leg * qty
            if o.cum_qty >= o.qty:
                o.status = OrdStatus.FILLED
                self._close_order(o, book)
            else:
                o.status = OrdStatus.PARTIALLY_FILLED
            collateral: Any = _new(_COLLATERAL_DRAFT)  # CollateralChange(balance_change)
            collateral.amount = balance_change
            collateral.type = "BALANCE"
            collateral.__class__ = CollateralChange
            fill: Any = _new(_FILL_DRAFT)  # Fill(...): every field (see .frozen)
            fill.exec_id = self._exec_ids.next()
            fill.transact_time = now
            fill.order = o.snapshot()
            fill.last_px = price
            fill.last_qty = qty
            fill.trd_match_id = match_id
            fill.aggressor = is_taker
            fill.fee = fee
            fill.collateral_changes = (collateral,)
            fill.long_qty = max(new_pos, _ZERO)
            fill.short_qty = max(-new_pos, _ZERO)
            fill.__class__ = Fill
            self.history.append(fill)
            out.append(fill)
            if o.order_group_id is not None:
                group = self.groups.get(owner.account, owner.subaccount, o.order_group_id)
                if group is not None and group.record_fill(now, qty):
                    hit.append(group)
        for group in hit:
            self._trigger_group(group, "limit", now, out)

    # ------------------------------------------------------------------ helpers

    def _now(self) -> datetime:
        now = self.clock.now()
        return now if now.tzinfo is UTC else require_utc(now, "clock.now()")

    def _next_priority(self) -> int:
        self._priority += 1
        return self._priority

    def _book(self, symbol: str) -> OrderBook:
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = OrderBook(symbol)
        return book

    def _market(self, order: Order) -> Market:
        market = self.markets.existing(order.symbol)
        assert market is not None, order.symbol
        return market

    def _admin_market(self, ticker: str) -> Market:
        market = self.markets.get(ticker)
        if market is None:
            raise KeyError(f"market {ticker!r} is not listed")
        return market

    def _market_orders(self, ticker: str) -> list[Order]:
        return [o for o in self._open.values() if o.symbol == ticker]

    def _group_orders(self, group: OrderGroup) -> list[Order]:
        return [
            o
            for o in self._open.values()
            if o.order_group_id == group.group_id
            and o.owner.account == group.account
            and o.owner.subaccount == group.subaccount
        ]

    def _cl_ord_ids(self, account: str) -> dict[str, Order]:
        ids = self._by_cl_ord_id.get(account)
        if ids is None:
            ids = self._by_cl_ord_id[account] = {}
        return ids

    def _rename(self, order: Order, new_cl_ord_id: str) -> None:
        order.orig_cl_ord_id = order.cl_ord_id
        order.cl_ord_id = new_cl_ord_id
        ids = self._cl_ord_ids(order.owner.account)
        taken = ids.get(new_cl_ord_id)
        # A cancel may name an open order's ClOrdID: two open orders share it from then on.
        if (
            taken is not None
            and taken is not order
            and taken.is_open
            and taken.cl_ord_id == new_cl_ord_id
        ):
            self._cl_index_exact = False
        ids[new_cl_ord_id] = order

    def _close_order(self, order: Order, book: OrderBook) -> None:
        """Bookkeeping once an order reaches a terminal status."""
        if order.on_book:
            book.remove(order)
        if order.reserved:
            self.accounts.ledger(order.owner).reserved -= order.reserved
            order.reserved = _ZERO
        self._open.pop(order.order_id, None)

    def _cancel(
        self,
        order: Order,
        reason: CancelReason,
        now: datetime,
        out: list[Event],
        *,
        new_cl_ord_id: str | None = None,
    ) -> None:
        if new_cl_ord_id is not None:
            self._rename(order, new_cl_ord_id)
        expiry = rr.is_expiry_style(reason)
        order.status = OrdStatus.EXPIRED if expiry else OrdStatus.CANCELED
        self._close_order(order, self._book(order.symbol))
        self._emit(OrderExpired if expiry else OrderCanceled, order, now, out, reason=reason)

    def _emit(
        self,
        cls: type[ExecutionEvent],
        order: Order,
        now: datetime,
        out: list[Event],
        **extra: object,
    ) -> None:
        built = _EVENT_DRAFTS.get(cls)
        event: Any  # a cls, or a draft filled field by field and then made one
        if built is None:  # OrderExpired: its __post_init__ checks the reason
            event = cls(
                exec_id=self._exec_ids.next(), transact_time=now, order=order.snapshot(), **extra
            )
        else:
            draft_cls, extra_names = built
            if extra.keys() != extra_names:
                raise TypeError(f"{cls.__name__} needs {sorted(extra_names)}, got {sorted(extra)}")
            event = _new(draft_cls)
            event.exec_id = self._exec_ids.next()
            event.transact_time = now
            event.order = order.snapshot()
            for name, value in extra.items():
                setattr(event, name, value)
            event.__class__ = cls
        self.history.append(event)
        out.append(event)

    def _emit_reject(
        self, req: NewOrder, reject: rr.OrderReject, now: datetime, out: list[Event]
    ) -> None:
        state = OrderState(
            order_id=self._ids(),
            cl_ord_id=req.cl_ord_id,
            orig_cl_ord_id=None,
            owner=AccountRef(req.account, req.subaccount, req.party_id),
            symbol=req.symbol,
            side=req.side,
            price=req.price,
            order_qty=req.qty,
            cum_qty=_ZERO,
            leaves_qty=_ZERO,
            avg_px=_ZERO,
            status=OrdStatus.REJECTED,
            time_in_force=req.time_in_force,
            expire_time=req.expire_time,
            post_only=req.post_only,
            stp_type=req.stp_type,
            cancel_on_pause=req.cancel_on_pause,
            order_group_id=req.order_group_id,
            session_id=req.session_id,
            created_time=now,
        )
        event = OrderRejected(
            exec_id=self._exec_ids.next(),
            transact_time=now,
            order=state,
            text=reject.text,
            ord_rej_reason=reject.ord_rej_reason,
        )
        self.history.append(event)
        out.append(event)

    def _cancel_reject(
        self,
        req: CancelOrder | ReplaceOrder,
        order: Order | None,
        response_to: Literal["cancel", "replace"],
        reject: rr.CancelReject,
        now: datetime,
    ) -> CancelRejected:
        return CancelRejected(
            transact_time=now,
            account=req.account,
            cl_ord_id=req.cl_ord_id,
            orig_cl_ord_id=req.orig_cl_ord_id,
            order_id=order.order_id if order else req.order_id,
            ord_status=order.status if order else None,
            response_to=response_to,
            text=reject.text,
            cxl_rej_reason=reject.cxl_rej_reason,
        )

    def _group_precheck(self, account: str, subaccount: int) -> rr.GroupReject | None:
        if self.faults.exchange_unavailable:
            return rr.GROUP_EXCHANGE_UNAVAILABLE
        resolved = self.accounts.resolve(account, subaccount)
        if isinstance(resolved, rr.OrderReject):
            return rr.GroupReject(resolved.text, rr.BusinessRejectReason.OTHER)
        return None

    def _find_group(
        self, account: str, subaccount: int, group_id: str, action: OrderGroupAction, now: datetime
    ) -> OrderGroup | OrderGroupRejected:
        rej = self._group_precheck(account, subaccount)
        group = None if rej else self.groups.get(account, subaccount, group_id)
        if group is None:
            return self._group_reject(
                account, subaccount, action, group_id, rej or rr.GROUP_NOT_FOUND, now
            )
        return group

    def _group_reject(
        self,
        account: str,
        subaccount: int,
        action: OrderGroupAction,
        group_id: str | None,
        reject: rr.GroupReject,
        now: datetime,
    ) -> OrderGroupRejected:
        return OrderGroupRejected(
            transact_time=now,
            account=account,
            subaccount=subaccount,
            action=action,
            group_id=group_id,
            text=reject.text,
            business_reject_reason=reject.business_reject_reason,
        )

    def _group_response(
        self, group: OrderGroup, action: OrderGroupAction, now: datetime, limit: Decimal | None
    ) -> OrderGroupResponse:
        return OrderGroupResponse(
            transact_time=now,
            account=group.account,
            subaccount=group.subaccount,
            action=action,
            group_id=group.group_id,
            contracts_limit=limit,
        )

    def _trigger_group(
        self,
        group: OrderGroup,
        cause: Literal["limit", "manual", "update"],
        now: datetime,
        out: list[Event],
    ) -> None:
        group.triggered = True
        out.append(
            GroupTriggered(
                transact_time=now,
                account=group.account,
                subaccount=group.subaccount,
                group_id=group.group_id,
                cause=cause,
                filled_in_window=group.filled_in_window(now),
            )
        )
        for o in self._group_orders(group):
            self._cancel(o, CancelReason.ORDER_GROUP_CANCEL, now, out)

    def _set_status(
        self, market: Market, status: MarketStatus, now: datetime, out: list[Event]
    ) -> None:
        if market.status is not status:
            out.append(
                MarketStatusChanged(
                    transact_time=now, symbol=market.ticker, old=market.status, new=status
                )
            )
            market.status = status

    def _close(self, market: Market, now: datetime, out: list[Event]) -> None:
        if market.status in _CLOSED:
            return
        self._set_status(market, MarketStatus.CLOSED, now, out)
        for o in self._market_orders(market.ticker):
            self._cancel(o, CancelReason.CLOSE_CANCEL, now, out)

    def _housekeeping(self, now: datetime) -> list[Event]:
        """Time-driven work due by ``now``: market closes, then order expiries."""
        out: list[Event] = []
        for market in self.markets.timed():
            if market.close_time is not None and market.close_time <= now:
                self._close(market, now, out)
        while self._expiries and self._expiries[0][0] <= now:
            _, _, order_id = heapq.heappop(self._expiries)
            order = self._open.get(order_id)
            if order is not None and order.expire_time is not None and order.expire_time <= now:
                self._cancel(order, CancelReason.ORDER_EXPIRY_CANCEL, now, out)
        self.history.prune(now)
        return out


_new = object.__new__
_NO_ORDERS: dict[str, Order] = {}
_blank_order = blank_factory(Order)
_ACCEPTED_DRAFT = draft(OrderAccepted)
_FILL_DRAFT = draft(Fill)
_COLLATERAL_DRAFT = draft(CollateralChange)
_EVENT_DRAFTS: dict[type[ExecutionEvent], tuple[type, frozenset[str]]] = {
    # event class -> (its draft, the fields _emit's **extra must give)
    cls: (draft(cls), field_names(cls) - field_names(ExecutionEvent))
    for cls in (OrderAccepted, Fill, OrderCanceled, OrderReplaced)
}
_SIDES = {m.value: m for m in Side}
_TIFS = {m.value: m for m in TimeInForce}
_STP_TYPES = {m.value: m for m in StpType}


def _member(table: Mapping[int, _E], cls: Callable[[int], _E], value: int) -> _E:
    """``cls(value)`` for an IntEnum, by dict lookup first (the same hash/equality test the
    enum's own value map applies); anything not found takes the enum's path and its error."""
    try:
        return table[value]
    except (KeyError, TypeError):
        return cls(value)


def _status_reject(status: MarketStatus) -> rr.OrderReject | None:
    if status in _CLOSED:
        return rr.MARKET_ALREADY_CLOSED
    if status is MarketStatus.INACTIVE:
        return rr.MARKET_INACTIVE
    if status is MarketStatus.PAUSED:
        return rr.TRADING_PAUSED
    return None


def _affordable(order: Order, trade_price: Decimal) -> Decimal | None:
    """Contracts (to 0.01) the order's MaxExecutionCost still allows at ``trade_price``."""
    if order.max_execution_cost is None:
        return None
    budget = order.max_execution_cost - order.spent
    leg = leg_price(order.side, trade_price)
    return max(floor_to(budget / leg, _QTY), _ZERO)


def _settlement_price(result: str, cents: Decimal | None) -> Decimal:
    if result == "yes":
        expected = Decimal(100)
    elif result == "no":
        expected = _ZERO
    elif result == "scalar":
        if cents is None or not _ZERO <= cents <= 100:
            raise ValueError(f"scalar settlement needs a price in 0-100 cents, got {cents}")
        return cents
    else:
        raise ValueError(f"settlement result {result!r} is not yes, no or scalar")
    if cents is not None and cents != expected:
        raise ValueError(f"result {result!r} settles at {expected} cents, got {cents}")
    return expected


def _business_date(now: datetime) -> date:
    return now.astimezone(ET).date()
