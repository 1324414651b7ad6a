"""The simulator's exchange-side FIX application: the matching engine behind the FIX sessions.

``KalshiExchangeApp`` implements :class:`~fixgw.sim.app.ExchangeApp`.  Inbound application
messages are dispatched by MsgType to handlers (order entry, order groups, drop copy here; RFQ
and settlement plug in with :meth:`KalshiExchangeApp.register`); every engine call's events go
through :meth:`KalshiExchangeApp.publish`, which decides who hears about them and renders them
per session (``reports``).

Who gets what:

* An order's ExecutionReports go to the session that entered it (found by its session id,
  ``"<SessionType>:<API key>"``, so a KalshiRT client that reconnects keeps getting them) and to
  every listener session (20126=Y) of the order's account.  Both sides of a trade are routed
  this way, so a resting order's owner hears about its fill on its own session.  Orders that no
  session entered (control API, other helpers) go to all of the account's order-entry sessions.
* OrderCancelReject, OrderMassCancelReport, UOH and BusinessMessageReject go to the requester only.
* Accounts: an API key is its own account unless linked to another (``accounts`` /
  :meth:`link_key`): Kalshi allows one connection per key, so a listener or a second trading
  session uses a separate key of the same account (fix__listener-sessions.md).

What each session's reports look like under its Logon flags (21011/21012/21007/21008/21026,
21005) is :mod:`fixgw.sim.reports`; drop copy's rules are :mod:`fixgw.sim.dropcopy_service`.

Decisions where the docs are silent (the lead should know):

* PENDING_NEW / PENDING_CANCEL / PENDING_REPLACE (without 21011) go to the requesting session
  only, before the outcome, including when the outcome is a reject (Rejected report or
  OrderCancelReject); none is sent for a cancel/replace naming an order the exchange does not
  know (the pending report would have nothing to describe).

* A NewOrderSingle without TimeInForce (59) is GTC (``missing_time_in_force``): the Order Entry
  page lists 59 as optional without a default, and GTC is Kalshi's REST default (an order without
  expiration rests until canceled).  FIX 5.0SP2 itself would say Day; configurable.
* Order messages on a listener session, OrderMassCancelRequest off KalshiNR and anything but U1
  on KalshiDC are refused by the session side (``server``) before they get here; the app checks
  again with the same answers (380=6 Not authorized / 380=3 Unsupported Message Type).
* A malformed OrderGroupID (not a UUID) gets BusinessMessageReject 380=0 naming tag 20130, not
  the session-level Reject the Order Groups page describes: the application may not send 35=3.
* CancelOrdersOnDisconnect (8013=Y): on logout or disconnect the session's open orders are
  canceled (Text CANCEL_ON_DISCONNECT) and reported to the account's listener sessions (the
  session that left is gone; its KalshiRT successor hears about them too if already back).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ..codec import FixMessage
from ..messages import (
    EventResendRequest,
    Message,
    NewOrderSingle,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrderGroupRequest,
    OrderMassCancelRequest,
    PriceFormat,
    default_encoder,
    enums,
    from_fix_message,
    wire_price_format,
)
from ..session import SessionStateError
from ..session.profiles import LISTENER_FORBIDDEN
from .app import SimSession
from .dropcopy_service import BadRequest, DropCopyService
from .exchange.accounts import AccountRef
from .exchange.engine import Exchange
from .exchange.events import (
    CancelRejected,
    Event,
    ExecutionEvent,
    MassCancelReport,
    OrderAccepted,
    OrderGroupRejected,
    OrderRejected,
)
from .exchange.events import OrderGroupResponse as GroupResponseEvent
from .exchange.markets import Market, MarketConfig
from .exchange.order_groups import OrderGroupAction
from .exchange.orders import (
    NEW_ORDER_DRAFT,
    CancelOrder,
    NewOrder,
    OrderState,
    ReplaceOrder,
    TimeInForce,
)
from .exchange.reject_reasons import CxlRejReason
from .reports import (
    ReportFlags,
    cancel_reject,
    group_reject,
    group_response,
    mass_cancel_report,
    pending_report,
    render_execution_events,
)

__all__ = [
    "EventHook",
    "ExchangeAppConfig",
    "Handler",
    "KalshiExchangeApp",
    "SessionHook",
    "session_id_of",
]

log = logging.getLogger("fixgw.sim")

BR = enums.BusinessRejectReason
Handler = Callable[[SimSession, FixMessage], Awaitable[None] | None]
EventHook = Callable[[Sequence[Event]], None]
SessionHook = Callable[[SimSession], None]
_ORDER_ENTRY = frozenset({"KalshiNR", "KalshiRT"})
_RETRANSMISSION = frozenset({"KalshiRT"})  # order entry with message continuity
_DC_DRAIN_EVERY = 500
_new = object.__new__
_Audience = list[tuple[str, SimSession]]
"""(session id, session) pairs."""
_NOBODY: tuple[_Audience, _Audience] = ([], [])


@dataclass(frozen=True)
class ExchangeAppConfig:
    missing_time_in_force: TimeInForce = TimeInForce.GTC
    """TimeInForce for a NewOrderSingle without tag 59 (see the module docstring)."""
    accounts: Mapping[str, str] = field(default_factory=dict)
    """API key -> account it trades for (default: the key is its own account)."""
    dropcopy_max_requests: int = 10
    """EventResendRequests one API key may make per ``dropcopy_window`` (more: U3 21004=1)."""
    dropcopy_window: timedelta = timedelta(seconds=1)


@dataclass(slots=True)
class _Peer:
    """A logged-on session as the app keeps it: its id and what its Logon flags say (they do
    not change while it is logged on), so a message does not recompute them."""

    ctx: SimSession
    sid: str
    flags: ReportFlags
    listener: bool
    inbound: PriceFormat  # what decode() reads its prices with


class _Refuse(Exception):
    """A request the gateway refuses before the engine sees it (BusinessMessageReject)."""

    def __init__(
        self, reason: enums.BusinessRejectReason, text: str, tag: int | None = None
    ) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text
        self.tag = tag


def session_id_of(ctx: SimSession) -> str:
    """Kalshi's session id: TargetCompID + SenderCompID (fix__connectivity.md)."""
    return f"{ctx.session_type}:{ctx.api_key}"


class KalshiExchangeApp:
    """Order entry, order groups, drop copy and listener sessions over one ``Exchange``."""

    def __init__(
        self, engine: Exchange | None = None, *, config: ExchangeAppConfig | None = None
    ) -> None:
        self.engine = engine if engine is not None else Exchange()
        self.config = config or ExchangeAppConfig()
        self.dropcopy = DropCopyService(
            self.engine,
            max_requests=self.config.dropcopy_max_requests,
            window=self.config.dropcopy_window,
        )
        self._key_accounts: dict[str, str] = dict(self.config.accounts)
        self._sessions: dict[str, SimSession] = {}
        #: account -> (its order-entry non-listener sessions, its listeners), in logon order;
        #: built from ``_sessions`` when needed, dropped whenever sessions or accounts change
        self._audience: dict[str, tuple[_Audience, _Audience]] | None = None
        self._flags: dict[str, ReportFlags] = {}
        self._peers: dict[int, _Peer] = {}  # id(ctx) -> _Peer, while ctx is logged on
        #: KalshiRT sessions that logged out: their Logon flags, to render what is kept for them
        self._offline_flags: dict[str, ReportFlags] = {}
        self._sim: Any = None
        self._hooks: list[EventHook] = []
        self._logon_hooks: list[SessionHook] = []
        self._logout_hooks: list[SessionHook] = []
        self._handlers: dict[str, Handler] = {
            "D": self._on_new_order,
            "F": self._on_cancel,
            "G": self._on_replace,
            "q": self._on_mass_cancel,
            "UOG": self._on_order_group,
            "U1": self._on_event_resend,
        }

    # ================================================================ extension points

    def register(self, msg_type: str, handler: Handler) -> None:
        """Handle ``msg_type`` with ``handler(ctx, fm)`` (plain or async); replaces any existing."""
        self._handlers[msg_type] = handler

    def add_event_hook(self, hook: EventHook) -> None:
        """Call ``hook(events)`` with every batch :meth:`publish` sees (settlement, market status)."""
        self._hooks.append(hook)

    def add_session_hook(
        self,
        *,
        on_logon: SessionHook | None = None,
        on_logout: SessionHook | None = None,
    ) -> None:
        """Call ``on_logon(ctx)`` after a session is registered (it can be sent to at once) and
        ``on_logout(ctx)`` after it is gone (CancelOrdersOnDisconnect already reported)."""
        if on_logon is not None:
            self._logon_hooks.append(on_logon)
        if on_logout is not None:
            self._logout_hooks.append(on_logout)

    def link_key(self, api_key: str, account: str) -> None:
        """Make ``api_key`` trade for (or, as a listener, listen to) ``account``."""
        self._key_accounts[api_key] = account
        self._audience = None

    def account_of(self, api_key: str) -> str:
        return self._key_accounts.get(api_key, api_key)

    def decode(self, ctx: SimSession, fm: FixMessage) -> Any:
        """The typed message, prices read in the unit this session logged on with."""
        fmt = wire_price_format(fm.msg_type, from_exchange=False, use_dollars=ctx.use_dollars)
        return from_fix_message(fm, fmt)

    def report_flags(self, ctx: SimSession) -> ReportFlags:
        return self._flags_of(session_id_of(ctx), ctx)

    def _flags_of(self, sid: str, ctx: SimSession) -> ReportFlags:
        """:meth:`report_flags` when the caller already has ``ctx``'s session id."""
        flags = self._flags.get(sid)
        return flags if flags is not None else ReportFlags.from_logon(ctx.peer_flags)

    def sessions(
        self,
        *,
        account: str | None = None,
        session_types: Iterable[str] | None = None,
        listeners: bool | None = None,
    ) -> list[SimSession]:
        """Logged-on sessions, filtered by account, session type and listener mode."""
        types = None if session_types is None else frozenset(session_types)
        out = []
        for ctx in self._sessions.values():
            if account is not None and self.account_of(ctx.api_key) != account:
                continue
            if types is not None and ctx.session_type not in types:
                continue
            if listeners is not None and ctx.is_listener != listeners:
                continue
            out.append(ctx)
        return out

    def session(self, session_id: str) -> SimSession | None:
        return self._sessions.get(session_id)

    def send(self, ctx: SimSession, message: Message) -> bool:
        """Send ``message`` to ``ctx``; False (logged) if that session is no longer there."""
        try:
            ctx.send_message(message)
            return True
        except SessionStateError as exc:  # includes NotAllowedError (MsgType not for this session)
            log.info("%s %s: not sent %s: %s", ctx.session_type, ctx.api_key, message.MSG_TYPE, exc)
            return False

    def broadcast(
        self,
        message: Message | Callable[[SimSession], Message | None],
        *,
        account: str | None = None,
        session_types: Iterable[str] | None = None,
        listeners: bool | None = None,
        predicate: Callable[[SimSession], bool] | None = None,
    ) -> int:
        """Send to every matching session; ``message`` may be a per-session factory (None skips).
        Returns how many sessions it was sent to."""
        sent = 0
        for ctx in self.sessions(account=account, session_types=session_types, listeners=listeners):
            if predicate is not None and not predicate(ctx):
                continue
            msg = message(ctx) if callable(message) else message
            if msg is not None and self.send(ctx, msg):
                sent += 1
        return sent

    # ================================================================ ExchangeApp

    def on_logon(self, ctx: SimSession) -> None:
        sid = session_id_of(ctx)
        replaced = self._sessions.get(sid)
        if replaced is not None:
            self._peers.pop(id(replaced), None)
        self._sessions[sid] = ctx
        self._audience = None
        self._offline_flags.pop(sid, None)
        flags = self._flags[sid] = ReportFlags.from_logon(ctx.peer_flags)
        inbound = wire_price_format("D", from_exchange=False, use_dollars=ctx.use_dollars)
        self._peers[id(ctx)] = _Peer(ctx, sid, flags, ctx.is_listener, inbound)
        for hook in self._logon_hooks:
            hook(ctx)

    def on_logout(self, ctx: SimSession) -> None:
        sid = session_id_of(ctx)
        if self._sessions.get(sid) is not ctx:
            return  # a newer connection of the same key already took over
        del self._sessions[sid]
        self._peers.pop(id(ctx), None)
        self._audience = None
        flags_now = self._flags.pop(sid, None)
        if flags_now is not None and ctx.session_type in _RETRANSMISSION:
            self._offline_flags[sid] = flags_now  # reports for it are kept until it is back
        flags = ctx.peer_flags
        if (
            flags.cancel_orders_on_disconnect
            and not ctx.is_listener
            and ctx.session_type in _ORDER_ENTRY
        ):
            self.publish(self.engine.cancel_session_orders(sid))
        for hook in self._logout_hooks:
            hook(ctx)

    def on_message(self, ctx: SimSession, fm: FixMessage) -> Awaitable[None] | None:
        """Handle one message; synchronous unless its handler is (so the simulator's worker can
        answer a burst of orders under one cork)."""
        mt = fm.msg_type
        handler = self._handlers.get(mt)
        if handler is None or mt not in ctx.profile.client_sends:
            ctx.business_reject(
                fm,
                BR.UNSUPPORTED_MESSAGE_TYPE,
                f"Unsupported Message Type: {mt} is not accepted on {ctx.session_type}",
            )
            return None
        peer = self._peers.get(id(ctx))
        listener = peer.listener if peer is not None and peer.ctx is ctx else ctx.is_listener
        if listener and mt in LISTENER_FORBIDDEN:
            ctx.business_reject(
                fm,
                BR.NOT_AUTHORIZED,
                f"Not authorized: {mt} cannot be sent on a listener session (20126=Y)",
            )
            return None
        try:
            result = handler(ctx, fm)
        except _Refuse as exc:
            ctx.business_reject(fm, exc.reason, exc.text, ref_tag=exc.tag)
            return None
        if result is not None and inspect.isawaitable(result):
            return self._finish(ctx, fm, result)
        return None

    @staticmethod
    async def _finish(ctx: SimSession, fm: FixMessage, pending: Awaitable[Any]) -> None:
        try:
            await pending
        except _Refuse as exc:
            ctx.business_reject(fm, exc.reason, exc.text, ref_tag=exc.tag)

    # ================================================================ routing

    def publish(
        self,
        events: Sequence[Event],
        *,
        origin: SimSession | None = None,
        ref: FixMessage | None = None,
        lead: Sequence[Message] = (),
    ) -> None:
        """Deliver one engine call's events.  ``origin`` (the requester) also gets the answers
        that are only for it, after ``lead`` (its PENDING reports); ``ref`` is its request."""
        buckets: dict[str, list[Any]] = {}
        targets: dict[str, SimSession] = {}  # a session id's last ctx gets its whole bucket
        offline: dict[str, list[Any]] | None = None
        sessions = self._sessions
        observe = self.dropcopy.observe
        origin_sid: str | None = None
        if origin is not None and lead:
            origin_sid = session_id_of(origin)
            targets[origin_sid] = origin
            buckets[origin_sid] = list(lead)
        for ev in events:
            if isinstance(ev, ExecutionEvent):
                observe(ev.exec_id)
                order = ev.order
                for sid, ctx in self._recipients(order):
                    targets[sid] = ctx
                    bucket = buckets.get(sid)
                    if bucket is None:
                        buckets[sid] = [ev]
                    else:
                        bucket.append(ev)
                entered_on = order.session_id
                if (
                    entered_on is not None
                    and entered_on not in sessions
                    and entered_on in self._offline_flags
                ):
                    if offline is None:
                        offline = {}
                    offline.setdefault(entered_on, []).append(ev)
                continue
            if origin is None:
                continue
            if isinstance(ev, CancelRejected):
                item: Message = cancel_reject(ev)
            elif isinstance(ev, MassCancelReport):
                item = mass_cancel_report(ev, _ref_cl_ord_id(ref) or ev.operation_id)
            elif isinstance(ev, GroupResponseEvent):
                item = group_response(ev)
            elif isinstance(ev, OrderGroupRejected):
                item = group_reject(ev, _ref_seq(ref))
            else:
                continue
            if origin_sid is None:
                origin_sid = session_id_of(origin)
            targets[origin_sid] = origin
            buckets.setdefault(origin_sid, []).append(item)
        for sid, items in buckets.items():
            ctx = targets[sid]
            for msg in self._render(items, self._flags_of(sid, ctx)):
                if not self.send(ctx, msg):
                    break
        if offline is not None:
            for sid, items in offline.items():
                self._keep_for_later(sid, items)
        for hook in self._hooks:
            hook(events)

    def attach_simulator(self, sim: Any) -> None:
        """Called by ``Simulator``: lets reports for a disconnected KalshiRT session be kept in
        its store, to be resent when it is back (RT message continuity)."""
        self._sim = sim

    def _keep_for_later(self, sid: str, items: list[Any]) -> None:
        if self._sim is None:
            return
        flags = self._offline_flags[sid]
        session_type, _, api_key = sid.partition(":")
        enc = default_encoder()
        for msg in self._render(items, flags):
            fmt = wire_price_format(msg.MSG_TYPE, from_exchange=True, use_dollars=flags.use_dollars)
            self._sim.store_offline(session_type, api_key, msg.MSG_TYPE, msg.encode_body(enc, fmt))

    def _recipients(self, state: OrderState) -> _Audience:
        """(session id, session) for each session that hears about ``state``'s order."""
        session_id = state.session_id
        audience = self._audience
        if audience is None:
            audience = self._audience = self._audiences()
        trading, listening = audience.get(state.owner.account, _NOBODY)
        if session_id:
            entered = self._sessions.get(session_id)
            out = [] if entered is None else [(session_id, entered)]
        elif session_id is None:
            out = list(trading)
        else:
            out = []
        for pair in listening:
            if pair not in out:
                out.append(pair)
        return out

    def _audiences(self) -> dict[str, tuple[_Audience, _Audience]]:
        """Per account, as (session id, session): what ``sessions(account=..,
        session_types=_ORDER_ENTRY, listeners=False)`` and ``sessions(account=..,
        listeners=True)`` return (an order's reports go to them)."""
        out: dict[str, tuple[_Audience, _Audience]] = {}
        for sid, ctx in self._sessions.items():
            trading, listening = out.setdefault(self.account_of(ctx.api_key), ([], []))
            if ctx.is_listener:
                listening.append((sid, ctx))
            elif ctx.session_type in _ORDER_ENTRY:
                trading.append((sid, ctx))
        return out

    @staticmethod
    def _render(items: list[Any], flags: ReportFlags) -> list[Message]:
        """Execution events rendered together (21026/21007 look across the batch), other
        messages kept where they were."""
        for item in items:
            if not isinstance(item, ExecutionEvent):
                break
        else:  # execution events only (the usual case)
            return render_execution_events(items, flags)  # type: ignore[return-value]
        execs = [i for i in items if isinstance(i, ExecutionEvent)]
        rendered = render_execution_events(execs, flags, aligned=True)
        it = iter(rendered)
        out: list[Message] = []
        for item in items:
            if isinstance(item, ExecutionEvent):
                er = next(it)
                if er is not None:
                    out.append(er)
            else:
                out.append(item)
        return out

    # ================================================================ order entry

    def _account(self, ctx: SimSession) -> str:
        return self.account_of(ctx.api_key)

    @staticmethod
    def _owner(msg: Any) -> tuple[int, str | None]:
        """(subaccount, party id) from AllocAccount (79) / Parties (453/448/452)."""
        parties = msg.party_ids or []
        if len(parties) > 1:
            raise _Refuse(
                BR.OTHER, f"NoPartyIDs (453) is {len(parties)}; only 1 party is supported", 453
            )
        party_id = None
        if parties:
            party = parties[0]
            if party.party_id is not None:
                if party.party_role is None:
                    raise _Refuse(
                        BR.CONDITIONALLY_REQUIRED_FIELD_MISSING,
                        "PartyRole (452) is required when PartyID (448) is given",
                        452,
                    )
                party_id = party.party_id
        sub = msg.alloc_account if msg.alloc_account is not None else 0
        return sub, party_id

    def _on_new_order(self, ctx: SimSession, fm: FixMessage) -> None:
        peer = self._peers.get(id(ctx))
        if peer is not None and peer.ctx is ctx:
            nos: NewOrderSingle = from_fix_message(fm, peer.inbound)  # type: ignore[assignment]
            sid, flags = peer.sid, peer.flags
        else:
            nos = self.decode(ctx, fm)
            sid = session_id_of(ctx)
            flags = self._flags_of(sid, ctx)
        sub, party_id = self._owner(nos)
        account = self.account_of(ctx.api_key)
        # enum members' _value_ rather than .value (a Python-level property on every access)
        tif = (
            int(self.config.missing_time_in_force)
            if nos.time_in_force is None
            else int(nos.time_in_force._value_)
        )
        stp = nos.self_trade_prevention_type
        req: Any = _new(NEW_ORDER_DRAFT)  # every NewOrder field, then sealed (see .frozen)
        req.account = account
        req.cl_ord_id = nos.cl_ord_id
        req.symbol = nos.symbol
        req.side = int(nos.side._value_)
        req.price = nos.price
        req.qty = nos.order_qty
        req.ord_type = int(nos.ord_type._value_)
        req.time_in_force = tif
        req.expire_time = nos.expire_time
        req.subaccount = sub
        req.party_id = party_id
        req.order_group_id = nos.secondary_cl_ord_id or nos.order_group_id
        req.post_only = nos.exec_inst is enums.ExecInst.POST_ONLY
        req.stp_type = None if stp is None else int(stp._value_)
        req.cancel_on_pause = bool(nos.cancel_order_on_pause)
        req.max_execution_cost = nos.max_execution_cost
        req.session_id = sid
        req.sell_position_floor = None
        req.valid_until = None
        req.__class__ = NewOrder
        events = self.engine.submit(req)
        lead: list[Message] = []
        if not flags.skip_pending:
            first = next(
                (
                    e
                    for e in events
                    if isinstance(e, OrderAccepted | OrderRejected)
                    and e.order.cl_ord_id == req.cl_ord_id
                    and e.order.account == account
                ),
                None,
            )
            if first is not None:
                lead.append(
                    pending_report(
                        "new",
                        first.order,
                        cl_ord_id=req.cl_ord_id,
                        transact_time=first.transact_time,
                        flags=flags,
                    )
                )
        self.publish(events, origin=ctx, ref=fm, lead=lead)

    def _find_open(
        self, account: str, orig_cl_ord_id: str, order_id: str | None
    ) -> OrderState | None:
        """The order a cancel/replace names, as the engine finds it (ClOrdID first)."""
        return self.engine.open_order(account, orig_cl_ord_id, order_id)

    def _pending_amend(
        self,
        ctx: SimSession,
        kind: str,
        before: OrderState | None,
        events: Sequence[Event],
        cl_ord_id: str,
        orig_cl_ord_id: str,
    ) -> list[Message]:
        flags = self.report_flags(ctx)
        if flags.skip_pending or before is None:
            return []
        if any(
            isinstance(e, CancelRejected) and e.cxl_rej_reason is CxlRejReason.UNKNOWN_ORDER
            for e in events
        ):
            return []
        return [
            pending_report(
                kind,  # type: ignore[arg-type]
                before,
                cl_ord_id=cl_ord_id,
                orig_cl_ord_id=orig_cl_ord_id,
                transact_time=self.engine.clock.now(),
                flags=flags,
            )
        ]

    def _on_cancel(self, ctx: SimSession, fm: FixMessage) -> None:
        msg: OrderCancelRequest = self.decode(ctx, fm)
        sub, party_id = self._owner(msg)
        account = self._account(ctx)
        before = self._find_open(account, msg.orig_cl_ord_id, msg.order_id)
        events = self.engine.cancel(
            CancelOrder(
                account=account,
                cl_ord_id=msg.cl_ord_id,
                orig_cl_ord_id=msg.orig_cl_ord_id,
                side=int(msg.side.value),
                symbol=msg.symbol,
                order_id=msg.order_id,
                subaccount=sub,
                party_id=party_id,
            )
        )
        lead = self._pending_amend(ctx, "cancel", before, events, msg.cl_ord_id, msg.orig_cl_ord_id)
        self.publish(events, origin=ctx, ref=fm, lead=lead)

    def _on_replace(self, ctx: SimSession, fm: FixMessage) -> None:
        msg: OrderCancelReplaceRequest = self.decode(ctx, fm)
        sub, party_id = self._owner(msg)
        account = self._account(ctx)
        before = self._find_open(account, msg.orig_cl_ord_id, msg.order_id)
        events = self.engine.replace(
            ReplaceOrder(
                account=account,
                cl_ord_id=msg.cl_ord_id,
                orig_cl_ord_id=msg.orig_cl_ord_id,
                qty=msg.order_qty,
                price=msg.price,
                side=int(msg.side.value),
                symbol=msg.symbol,
                ord_type=int(msg.ord_type.value),
                order_id=msg.order_id,
                subaccount=sub,
                party_id=party_id,
            )
        )
        lead = self._pending_amend(
            ctx, "replace", before, events, msg.cl_ord_id, msg.orig_cl_ord_id
        )
        self.publish(events, origin=ctx, ref=fm, lead=lead)

    def _on_mass_cancel(self, ctx: SimSession, fm: FixMessage) -> None:
        msg: OrderMassCancelRequest = self.decode(ctx, fm)
        if ctx.session_type != "KalshiNR":
            raise _Refuse(
                BR.UNSUPPORTED_MESSAGE_TYPE,
                f"OrderMassCancelRequest (35=q) is only available on KalshiNR, not {ctx.session_type}",
            )
        del msg  # MassCancelRequestType 6 (cancel for session) is the only value the codec accepts
        events = self.engine.mass_cancel(self._account(ctx), session_id=session_id_of(ctx))
        self.publish(events, origin=ctx, ref=fm)

    # ================================================================ order groups

    def _on_order_group(self, ctx: SimSession, fm: FixMessage) -> None:
        msg: OrderGroupRequest = self.decode(ctx, fm)
        account = self._account(ctx)
        sub = msg.alloc_account if msg.alloc_account is not None else 0
        action = OrderGroupAction(int(msg.order_group_action.value))
        limit = msg.order_group_contracts_limit
        gid = msg.order_group_id
        needs_limit = action in (OrderGroupAction.CREATE, OrderGroupAction.UPDATE)
        if needs_limit and limit is None:
            raise _Refuse(
                BR.CONDITIONALLY_REQUIRED_FIELD_MISSING,
                f"OrderGroupContractsLimit (20132) is required for OrderGroupAction {action.name.title()}",
                20132,
            )
        if action is OrderGroupAction.CREATE:
            if gid is not None:
                raise _Refuse(
                    BR.OTHER,
                    "OrderGroupID (20130) must not be sent on Create: the exchange assigns it",
                    20130,
                )
            assert limit is not None
            events = self.engine.create_order_group(account, Decimal(limit), subaccount=sub)
        else:
            if gid is None:
                raise _Refuse(
                    BR.CONDITIONALLY_REQUIRED_FIELD_MISSING,
                    f"OrderGroupID (20130) is required for OrderGroupAction {action.name.title()}",
                    20130,
                )
            if not _is_uuid(gid):
                raise _Refuse(BR.OTHER, f"OrderGroupID (20130) {gid!r} is not a UUID", 20130)
            if action is OrderGroupAction.RESET:
                events = self.engine.reset_order_group(account, gid, subaccount=sub)
            elif action is OrderGroupAction.DELETE:
                events = self.engine.delete_order_group(account, gid, subaccount=sub)
            elif action is OrderGroupAction.TRIGGER:
                events = self.engine.trigger_order_group(account, gid, subaccount=sub)
            else:
                assert limit is not None
                events = self.engine.update_order_group(
                    account, gid, Decimal(limit), subaccount=sub
                )
        self.publish(events, origin=ctx, ref=fm)

    # ================================================================ drop copy

    async def _on_event_resend(self, ctx: SimSession, fm: FixMessage) -> None:
        if ctx.session_type != "KalshiDC":
            raise _Refuse(
                BR.UNSUPPORTED_MESSAGE_TYPE,
                f"EventResendRequest (35=U1) is only available on KalshiDC, not {ctx.session_type}",
            )
        req: EventResendRequest = self.decode(ctx, fm)
        try:
            answer = self.dropcopy.answer(
                ctx.api_key, self._account(ctx), req, fm.seq or 0, self.report_flags(ctx)
            )
        except BadRequest as exc:
            raise _Refuse(BR.OTHER, str(exc), exc.tag) from None
        for n, msg in enumerate(answer, 1):
            if not self.send(ctx, msg):
                return
            if n % _DC_DRAIN_EVERY == 0:
                await ctx.drain()

    # ================================================================ control (tests, CLI)

    def _run(self, events: list[Event]) -> list[Event]:
        self.publish(events)
        return events

    def tick(self) -> list[Event]:
        """Expire due Day/GTD orders and close markets past close_time, and report it."""
        return self._run(self.engine.tick())

    async def run_clock(self, interval: float = 1.0) -> None:
        """Call :meth:`tick` every ``interval`` seconds until cancelled (a running simulator)."""
        while True:
            await asyncio.sleep(interval)
            try:
                self.tick()
            except Exception:
                log.exception("exchange clock tick failed")

    def list_market(self, market: MarketConfig | str) -> Market:
        return self.engine.list_market(MarketConfig(market) if isinstance(market, str) else market)

    def pause_market(self, ticker: str) -> list[Event]:
        return self._run(self.engine.pause_market(ticker))

    def resume_market(self, ticker: str) -> list[Event]:
        return self._run(self.engine.resume_market(ticker))

    def pause_exchange(self) -> list[Event]:
        return self._run(self.engine.pause_exchange())

    def resume_exchange(self) -> list[Event]:
        return self._run(self.engine.resume_exchange())

    def close_market(self, ticker: str) -> list[Event]:
        return self._run(self.engine.close_market(ticker))

    def deactivate_market(self, ticker: str) -> list[Event]:
        return self._run(self.engine.deactivate_market(ticker))

    def activate_market(self, ticker: str) -> list[Event]:
        return self._run(self.engine.activate_market(ticker))

    def place_order(self, req: NewOrder) -> list[Event]:
        """Enter an order as no FIX session (seeding liquidity); its reports go to the account's
        order-entry sessions and listeners."""
        return self._run(self.engine.submit(req))

    def set_balance(
        self, account: str, cash: Decimal, *, subaccount: int = 0, party_id: str | None = None
    ) -> None:
        """Set the cash of ``account`` (its subaccount / party); reservations are untouched."""
        if not isinstance(cash, Decimal):
            raise TypeError(f"cash must be a Decimal, got {type(cash).__name__} {cash!r}")
        self.engine.accounts.ledger(AccountRef(account, subaccount, party_id)).cash = cash

    def set_faults(
        self, *, exchange_unavailable: bool | None = None, dropcopy_server_error: bool | None = None
    ) -> None:
        """``exchange_unavailable``: every order/cancel/replace/group request fails with
        EXCHANGE_UNAVAILABLE; ``dropcopy_server_error``: every U1 gets U3 21004=2."""
        if exchange_unavailable is not None:
            self.engine.faults.exchange_unavailable = exchange_unavailable
        if dropcopy_server_error is not None:
            self.dropcopy.server_error = dropcopy_server_error


def _ref_seq(fm: FixMessage | None) -> int:
    return (fm.seq if fm is not None else None) or 0


def _ref_cl_ord_id(fm: FixMessage | None) -> str | None:
    return None if fm is None else fm.body.get(11)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
