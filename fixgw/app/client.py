"""The async client strategy code uses: one ``KalshiClient`` per Kalshi session.

>>> async with KalshiClient(config) as kc:
...     order = await kc.place_order("HIGHNY-23DEC31", Side.BUY, Decimal("10"), Decimal("0.75"))
...     await kc.cancel(order.cl_ord_id)

Calls that ask the exchange for something wait for its answer and raise the typed error
(``OrderRejected``, ``CancelRejected``, ``BusinessRejected``, ``SessionRejected``) on the call
that caused it.  Every inbound application message is also available, typed, from
``messages()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from ..crypto.keys import PrivateKey
from ..crypto.signature import sign_logon
from ..hotpath import dataclass_constructor, uuid4_text
from ..messages import (
    Message,
    NewOrderSingle,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrderMassCancelRequest,
    Party,
    default_encoder,
    enums,
    from_fix_message,
)
from ..messages.prices import PriceFormat, wire_price_format
from ..session import (
    Action,
    Deliver,
    Disconnect,
    GapDetected,
    LoggedOn,
    LoggedOut,
    LogonFlags,
    NotResent,
    ProtocolIssue,
    SendBytes,
    Session,
    SessionConfig,
    SessionStateError,
    profile,
)
from ..session.profiles import LISTENER_FORBIDDEN
from ..store import MemoryStore
from ..transport import Backoff, Endpoint, Initiator
from .dropcopy import DropCopy
from .errors import (
    BusinessRejected,
    CancelRejected,
    FixgwError,
    ListenerSessionError,
    LogonRefused,
    NotLoggedOn,
    OrderRejected,
    RateLimited,
    SessionRejected,
)
from .groups import OrderGroups
from .orders import OrderState, OrderTracker
from .reconcile import ReconcileResult, reconcile_orders
from .rfq import RfqCreator, RfqMaker
from .settlement import Settlement, SettlementAssembler

if TYPE_CHECKING:
    from ..messages.generated import OrderCancelReject

__all__ = ["ClientConfig", "KalshiClient", "new_cl_ord_id"]

log = logging.getLogger("fixgw.app")

# ExecTypes that answer a request, most frequent first (checked by identity)
_FINAL_ACK = (
    enums.ExecType.NEW,
    enums.ExecType.TRADE,
    enums.ExecType.CANCELED,
    enums.ExecType.REPLACED,
    enums.ExecType.EXPIRED,
    enums.ExecType.REJECTED,
)
_REJECTED = enums.ExecType.REJECTED
_LIMIT = enums.OrdType.LIMIT
_POST_ONLY = enums.ExecInst.POST_ONLY
#: ``NewOrderSingle(cl_ord_id=..., ...)`` for place_order, positionally (see fixgw.hotpath)
_new_limit_order = dataclass_constructor(
    NewOrderSingle,
    "cl_ord_id", "order_qty", "ord_type", "price", "side", "symbol", "time_in_force", "expire_time", "exec_inst",
    "self_trade_prevention_type", "cancel_order_on_pause", "max_execution_cost", "secondary_cl_ord_id",
    "alloc_account", "party_ids",
)  # fmt: skip
#: a timeout watchdog that fires this close to a deadline expires it (asyncio's own slack)
_CLOCK_SLACK = time.get_clock_info("monotonic").resolution


def new_cl_ord_id() -> str:
    """A random (version 4) UUID as text, like ``str(uuid.uuid4())`` (see fixgw.hotpath)."""
    return uuid4_text()


@dataclass
class ClientConfig:
    session_type: str  # KalshiNR, KalshiRT, KalshiDC, KalshiPT, KalshiRFQ
    api_key: str
    endpoint: Endpoint
    private_key: PrivateKey | None = None
    flags: LogonFlags = field(default_factory=LogonFlags)
    heartbeat_interval: int = 30
    store: Any = None  # a SessionStore; MemoryStore if None (fine for NR/DC/RFQ, not for RT/PT)
    clock: Any = None
    logon_timeout: float = 15.0
    request_timeout: float = 10.0
    resend_stale_after: float | None = 30.0
    backoff: Backoff | None = None
    reconnect: bool = True
    queue_size: int = 100_000
    #: a logged-on KalshiDC client of the same account: after a reconnect (or a restart with
    #: restored orders) uncertain orders are settled from its ExecutionReports
    reconcile_via: KalshiClient | None = None


class KalshiClient:
    """One Kalshi FIX session, logged on for the lifetime of ``async with``."""

    def __init__(self, config: ClientConfig, *, on_bytes: Callable[[str, bytes], None] | None = None) -> None:
        self.config = config
        self.profile = profile(config.session_type)
        config.flags.validate(self.profile)
        signer = None
        if config.private_key is not None:
            key = config.private_key
            signer = lambda pre: sign_logon(key, pre)  # noqa: E731
        scfg = SessionConfig(
            self.profile,
            config.api_key,
            self.profile.name,
            heartbeat_interval=config.heartbeat_interval,
            flags=config.flags,
            signer=signer,
            resend_stale_after=config.resend_stale_after,
            allow_unknown_tags=True,
            # an in-memory store's message log only grows (a replay can be millions of reports)
            log_inbound=config.store is not None,
        )
        self.store = config.store if config.store is not None else MemoryStore(f"{self.profile.name}:{config.api_key}")
        self.session = Session(scfg, store=self.store, clock=config.clock)
        self.last_received: datetime | None = None
        self._user_on_bytes = on_bytes
        self.initiator = Initiator(
            self.session, config.endpoint, on_action=self._on_action, on_bytes=self._on_bytes, backoff=config.backoff
        )
        self.encoder = default_encoder()
        self.use_dollars = bool(config.flags.use_dollars)
        self.out_format = PriceFormat.DOLLARS if self.use_dollars else PriceFormat.CENTS
        self.orders = OrderTracker(flags=config.flags, clock=config.clock)
        self.logon_count = 0
        self.listeners: list[Callable[[Message], None]] = []
        #: called with each ReconcileResult (orders whose state changed while we were away)
        self.on_reconciled: list[Callable[[ReconcileResult], None]] = []
        self.reconciliations: list[ReconcileResult] = []
        self._reconcile_task: asyncio.Future[ReconcileResult] | None = None
        self._restored = False
        self.events: list[Action] = []  # session-level events worth showing (gaps, not-resent, issues)
        self._queue: deque[Message] = deque(maxlen=config.queue_size)
        self._queue_event = asyncio.Event()
        self._dropped = 0
        self._waiters_by_clordid: dict[str, asyncio.Future[Any]] = {}
        self._waiters_by_seq: dict[int, tuple[str, asyncio.Future[Any]]] = {}
        self._fifo: dict[str, deque[asyncio.Future[Any]]] = {}
        self._deadlines: dict[asyncio.Future[Any], float] = {}  # request timeouts (loop time)
        self._watchdog: asyncio.TimerHandle | None = None
        self._watchdog_at = 0.0
        self._watchdog_loop: asyncio.AbstractEventLoop | None = None
        self._in_formats: dict[str, PriceFormat] = {}  # price format of inbound messages, by MsgType
        self._runner: asyncio.Task[None] | None = None
        self._logout_text: str | None = None
        self._first_logon = asyncio.Event()
        self._closing = False
        self._settlements = SettlementAssembler()
        self.settlements: list[Settlement] = []  # complete settlements, in arrival order

    # ---- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> KalshiClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _on_bytes(self, direction: str, data: bytes) -> None:
        if direction == "in":
            self.last_received = self.session.clock.now()
        if self._user_on_bytes is not None:
            self._user_on_bytes(direction, data)

    async def start(self, *, wait: bool = True) -> None:
        """Connect and log on.  ``wait=False`` returns at once (the daemon's sessions come up
        independently); otherwise raises ``LogonRefused`` if the first logon fails."""
        if self.config.reconnect:
            self._runner = asyncio.create_task(self.initiator.run(), name=f"fixgw-{self.profile.name}")
        else:
            self._runner = asyncio.create_task(self._run_once(), name=f"fixgw-{self.profile.name}")
        if not wait:
            return
        logon = asyncio.ensure_future(self._first_logon.wait())
        try:
            done, _ = await asyncio.wait({logon, self._runner}, timeout=self.config.logon_timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            logon.cancel()
        if not self._first_logon.is_set():
            await self.close()
            reason = self._logout_text or self.initiator.stats.last_error or "no Logon reply"
            raise LogonRefused(f"{self.profile.name} logon failed: {reason}")

    async def _run_once(self) -> None:
        await self.initiator.connect_once()

    async def close(self, text: str | None = None) -> None:
        if self._closing:
            return
        self._closing = True
        await self.initiator.stop(text)
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner
        self._fail_waiters(NotLoggedOn(f"{self.profile.name} session closed"))
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        self.store.flush()

    @property
    def logged_on(self) -> bool:
        return self.initiator.logged_on.is_set()

    async def wait_logged_on(self, timeout: float | None = None) -> None:
        await self.initiator.wait_logged_on(timeout)

    # ---- sending ----------------------------------------------------------------------------

    def _check_sendable(self, message: Message) -> None:
        """Raise now what ``send`` would raise before anything reaches the wire (so callers can
        check before they start tracking a request that will never be sent)."""
        # is_listener and logged_on, read directly: every order passes here
        if self.config.flags.listener_session and message.MSG_TYPE in LISTENER_FORBIDDEN:
            raise ListenerSessionError(
                f"{type(message).__name__} (35={message.MSG_TYPE}) cannot be sent on a listener session (20126=Y)"
            )
        if not self.initiator.logged_on.is_set():
            raise NotLoggedOn(f"cannot send {type(message).__name__}: {self.profile.name} is not logged on")

    async def send(self, message: Message) -> SendBytes:
        """Send any application message dataclass (no waiting for an answer)."""
        self._check_sendable(message)
        body = message.encode_body(self.encoder, self.out_format)
        try:
            return await self.initiator.send(message.MSG_TYPE, body)
        except SessionStateError as exc:
            raise NotLoggedOn(str(exc)) from None

    async def request(
        self, message: Message, *, key: str | None = None, fifo: str | None = None, timeout: float | None = None
    ) -> Any:
        """Send and wait for the answer matched by ClOrdID-like ``key`` (or FIFO by type)."""
        return await self._request(message, key, fifo, timeout, False)

    async def _request(
        self, message: Message, key: str | None, fifo: str | None, timeout: float | None, checked: bool
    ) -> Any:
        """``request``; ``checked``: the caller ran ``_check_sendable`` with nothing awaited since,
        so ``send``'s own check (the same) is skipped, and ``send`` is inlined (an order pays
        for every coroutine layer)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        if key is not None:
            if key in self._waiters_by_clordid:
                raise FixgwError(f"a request with id {key!r} is already waiting for an answer")
            self._waiters_by_clordid[key] = fut
        if fifo is not None:
            self._fifo.setdefault(fifo, deque()).append(fut)
        # Registered under the sequence number the message is about to get, before it can be
        # written: an answer naming it by RefSeqNum (35=j, 35=3) may arrive while we drain.
        # Nothing yields between here and the session numbering the message.
        seq = self.session.next_sender_seq
        self._waiters_by_seq[seq] = (message.MSG_TYPE, fut)
        try:
            if not checked:
                self._check_sendable(message)
            body = message.encode_body(self.encoder, self.out_format)
            try:
                sent = await self.initiator.send(message.MSG_TYPE, body)
            except SessionStateError as exc:
                raise NotLoggedOn(str(exc)) from None
            if sent.seq != seq:  # not expected; keep the mapping right anyway
                self._waiters_by_seq.pop(seq, None)
                seq = sent.seq
                self._waiters_by_seq[seq] = (message.MSG_TYPE, fut)
            # A deadline on the future itself, not wait_for(shield(...)): the answer then wakes
            # this task in one event-loop turn instead of three.
            self._add_deadline(loop, fut, timeout or self.config.request_timeout)
            return await fut
        finally:
            self._deadlines.pop(fut, None)
            if key is not None and self._waiters_by_clordid.get(key) is fut:
                del self._waiters_by_clordid[key]
            if fifo is not None and fut in self._fifo.get(fifo, ()):
                self._fifo[fifo].remove(fut)
            entry = self._waiters_by_seq.get(seq)
            if entry is not None and entry[1] is fut:
                del self._waiters_by_seq[seq]

    def _add_deadline(self, loop: asyncio.AbstractEventLoop, fut: asyncio.Future[Any], timeout: float) -> None:
        """Fail ``fut`` with TimeoutError after ``timeout`` seconds.  One watchdog timer for all
        requests, armed at the earliest deadline: a timer per request cost a heap entry that
        the answer then had to cancel."""
        when = loop.time() + timeout
        self._deadlines[fut] = when
        wd = self._watchdog
        if wd is None or when < self._watchdog_at or self._watchdog_loop is not loop:
            self._arm_watchdog(loop, when)

    def _arm_watchdog(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._watchdog = loop.call_at(when, self._expire_due)
        self._watchdog_at = when
        self._watchdog_loop = loop

    def _expire_due(self) -> None:
        """Expire the requests whose deadline has come; re-arm for the earliest left."""
        loop = self._watchdog_loop
        self._watchdog = None
        assert loop is not None
        due = loop.time() + _CLOCK_SLACK
        nxt: float | None = None
        for fut, when in list(self._deadlines.items()):
            if fut.get_loop() is not loop:
                continue  # another event loop's (one client is not meant to span loops)
            if when <= due:
                del self._deadlines[fut]
                if not fut.done():
                    fut.set_exception(TimeoutError("no answer within the request timeout"))
            elif nxt is None or when < nxt:
                nxt = when
        if nxt is not None:
            self._arm_watchdog(loop, nxt)

    @functools.cached_property
    def groups(self) -> OrderGroups:
        return OrderGroups(self)

    @functools.cached_property
    def dropcopy(self) -> DropCopy:
        return DropCopy(self)

    @functools.cached_property
    def rfq(self) -> RfqCreator:
        return RfqCreator(self)

    @functools.cached_property
    def maker(self) -> RfqMaker:
        return RfqMaker(self)

    @property
    def is_listener(self) -> bool:
        return bool(self.config.flags.listener_session)

    # ---- orders -----------------------------------------------------------------------------

    async def place_order(
        self,
        symbol: str,
        side: enums.Side,
        qty: Decimal,
        price: Decimal,
        *,
        tif: enums.TimeInForce | None = None,
        expire_time: datetime | None = None,
        cl_ord_id: str | None = None,
        post_only: bool = False,
        self_trade_prevention: enums.SelfTradePreventionType | None = None,
        cancel_on_pause: bool | None = None,
        max_execution_cost: Decimal | None = None,
        order_group_id: str | None = None,
        alloc_account: int | None = None,
        party_id: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> OrderState:
        """Send a limit order (price in Decimal dollars) and wait for the exchange's answer.

        Returns the tracked order once acknowledged (New, or filled/cancelled at once); raises
        ``OrderRejected`` if the exchange rejects it.
        """
        nos = _new_limit_order(
            cl_ord_id or new_cl_ord_id(),  # cl_ord_id
            qty,  # order_qty
            _LIMIT,  # ord_type
            price,
            side,
            symbol,
            tif,  # time_in_force
            expire_time,
            _POST_ONLY if post_only else None,  # exec_inst
            self_trade_prevention,  # self_trade_prevention_type
            cancel_on_pause,  # cancel_order_on_pause
            max_execution_cost,
            order_group_id,  # secondary_cl_ord_id
            alloc_account,
            [Party(party_id=party_id, party_role=enums.PartyRole.CUSTOMER_ACCOUNT)] if party_id else [],  # party_ids
        )
        return await self.submit(nos, wait=wait, timeout=timeout)

    async def submit(self, nos: NewOrderSingle, *, wait: bool = True, timeout: float | None = None) -> OrderState:
        """Send a ready-made NewOrderSingle (tracked like ``place_order``)."""
        if len(nos.cl_ord_id) > 64:
            raise ValueError(f"ClOrdID (11) {nos.cl_ord_id!r} is longer than 64 characters")
        self._check_sendable(nos)
        self.orders.on_new_order_sent(nos)
        try:
            if not wait:
                await self.send(nos)
            else:
                await self._request(nos, nos.cl_ord_id, None, timeout, True)
        except NotLoggedOn:
            self.orders.mark_not_sent(nos.cl_ord_id)  # never reached the wire
            raise
        order = self.orders.find(nos.cl_ord_id)
        assert order is not None
        return order

    def _order(self, cl_ord_id: str) -> OrderState:
        order = self.orders.find(cl_ord_id)
        if order is None:
            raise FixgwError(f"unknown order ClOrdID {cl_ord_id!r}")
        return order

    async def cancel(self, cl_ord_id: str, *, new_cl_ord_id_: str | None = None, timeout: float | None = None) -> OrderState:
        """Cancel an order's remaining quantity; raises ``CancelRejected`` on refusal."""
        order = self._order(cl_ord_id)
        req = OrderCancelRequest(
            cl_ord_id=new_cl_ord_id_ or new_cl_ord_id(),
            orig_cl_ord_id=order.cl_ord_id,
            order_id=order.order_id,
            side=order.side,
            symbol=order.symbol,
            alloc_account=order.alloc_account,
            party_ids=list(order.party_ids),
        )
        self._check_sendable(req)
        self.orders.on_cancel_sent(req)
        await self._request(req, req.cl_ord_id, None, timeout, True)
        return self._order(req.cl_ord_id)

    async def replace(
        self,
        cl_ord_id: str,
        *,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        new_cl_ord_id_: str | None = None,
        timeout: float | None = None,
    ) -> OrderState:
        """Change quantity (new total) and/or price; raises ``CancelRejected`` on refusal."""
        order = self._order(cl_ord_id)
        req = OrderCancelReplaceRequest(
            cl_ord_id=new_cl_ord_id_ or new_cl_ord_id(),
            orig_cl_ord_id=order.cl_ord_id,
            order_id=order.order_id,
            order_qty=qty if qty is not None else order.order_qty,
            ord_type=enums.OrdType.LIMIT,
            price=price if price is not None else order.price,
            side=order.side,
            symbol=order.symbol,
            alloc_account=order.alloc_account,
            party_ids=list(order.party_ids),
        )
        self._check_sendable(req)
        self.orders.on_replace_sent(req)
        await self._request(req, req.cl_ord_id, None, timeout, True)
        return self._order(req.cl_ord_id)

    async def mass_cancel(self, *, timeout: float | None = None) -> Any:
        """Cancel every order of the session (KalshiNR only); returns the OrderMassCancelReport."""
        if "q" not in self.profile.client_sends:
            raise FixgwError(f"OrderMassCancelRequest is only supported on KalshiNR, not {self.profile.name}")
        req = OrderMassCancelRequest(
            cl_ord_id=new_cl_ord_id(), mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
        )
        return await self.request(req, key=req.cl_ord_id, timeout=timeout)

    def prune_store(self) -> int:
        """Drop stored messages older than the session's retention (MessageRetentionPeriod,
        24 h by default): the exchange will not ask for them again.  Returns rows removed."""
        hours = self.config.flags.message_retention_period or 24
        return self.store.prune(self.session.clock.now() - timedelta(hours=hours))

    # ---- reconciliation ---------------------------------------------------------------------

    def restore_orders(self, snapshot: dict[str, Any]) -> None:
        """Orders from a previous run (``orders.to_dict()``): open ones are settled from drop
        copy after the first logon, since their outcome during the downtime is unknown."""
        self.orders = OrderTracker.from_dict(snapshot, flags=self.config.flags, clock=self.config.clock)
        self._restored = True

    async def reconcile(self, *, since: str | None = None) -> ReconcileResult:
        """Settle uncertain orders from the KalshiDC client in ``config.reconcile_via``."""
        dc = self.config.reconcile_via
        if dc is None:
            raise FixgwError("reconcile needs ClientConfig.reconcile_via (a KalshiDC client)")
        await dc.wait_logged_on(self.config.request_timeout)
        result = await reconcile_orders(self.orders, dc.dropcopy, since=since)
        if result.error:
            log.warning("%s: reconciliation from drop copy failed: %s", self.profile.name, result.error)
        self.reconciliations.append(result)
        for fn in self.on_reconciled:
            try:
                fn(result)
            except Exception:
                log.exception("on_reconciled handler failed")
        return result

    # ---- inbound ----------------------------------------------------------------------------

    async def messages(self) -> AsyncIterator[Message]:
        """Every inbound application message, typed, in arrival order."""
        while True:
            while self._queue:
                yield self._queue.popleft()
            self._queue_event.clear()
            await self._queue_event.wait()

    def _on_action(self, action: Action) -> None:
        if isinstance(action, Deliver):
            self._on_deliver(action)
        elif isinstance(action, LoggedOn):
            self.logon_count += 1
            if self.logon_count > 1 or self._restored:
                self.orders.mark_uncertain()
                self._restored = False
                if self.config.reconcile_via is not None:
                    self._reconcile_task = asyncio.ensure_future(self.reconcile())
            self._first_logon.set()
        elif isinstance(action, LoggedOut):
            self._logout_text = action.text
            if action.text:
                log.warning("%s logged out: %s", self.profile.name, action.text)
        elif isinstance(action, Disconnect):
            self._fail_waiters(NotLoggedOn(f"{self.profile.name} disconnected: {action.reason}"))
        elif isinstance(action, GapDetected | NotResent | ProtocolIssue):
            self.events.append(action)
            if isinstance(action, NotResent):
                self._on_not_resent(action)

    def _on_not_resent(self, action: NotResent) -> None:
        """Orders, cancels and replaces the exchange asked for again but got a gap fill for
        (older than resend_stale_after): as far as the exchange knows they were never sent."""
        from ..messages import decode

        for mt, raw in zip(action.msg_types, action.raws, strict=True):
            if mt not in ("D", "F", "G"):
                continue
            try:
                req = decode(raw, self.out_format)
            except Exception as exc:
                log.error("cannot decode our own stored %s (not resent): %s", mt, exc)
                continue
            cl_ord_id = getattr(req, "cl_ord_id", None)
            if cl_ord_id is not None:
                self.orders.mark_not_sent(cl_ord_id)
                log.warning("%s %s was not resent (stale): treated as never sent", mt, cl_ord_id)

    def _decode(self, fm: Any) -> Message:
        mt = fm.msg_type
        fmt = self._in_formats.get(mt)
        if fmt is None:
            fmt = self._in_formats[mt] = wire_price_format(mt, from_exchange=True, use_dollars=self.use_dollars)
        return from_fix_message(fm, fmt)

    def _on_deliver(self, action: Deliver) -> None:
        fm = action.message
        try:
            msg = self._decode(fm)
        except Exception as exc:  # a message we cannot type is still not lost
            log.error("cannot decode inbound %s: %s", fm.msg_type, exc)
            return
        mt = fm.msg_type
        if mt == "8":
            self._on_execution_report(msg)
        elif mt == "9":
            reject = cast("OrderCancelReject", msg)  # 35=9 decodes to one
            self.orders.on_cancel_reject(reject)
            self._resolve_key(reject.cl_ord_id, CancelRejected.from_message(reject))
        elif mt == "j":
            self._on_business_reject(msg)
        elif mt == "3":
            self._on_session_reject(msg)
        else:
            self._route_other(msg)
        for fn in self.listeners:
            fn(msg)
        if len(self._queue) == self._queue.maxlen:
            self._dropped += 1
        self._queue.append(msg)
        self._queue_event.set()

    def _on_execution_report(self, er: Any) -> None:
        if self.profile.name == "KalshiDC":
            return  # history answering a replay, not our orders' live state: nothing to track
        update = self.orders.on_execution_report(er)
        exec_type = er.exec_type
        if exec_type is _REJECTED:
            self._resolve_key(er.cl_ord_id, OrderRejected.from_report(er))
            return
        if update is None and er.exec_id != "-1;-1":
            return
        if exec_type in _FINAL_ACK:
            self._resolve_key(er.cl_ord_id, er)

    def _on_business_reject(self, msg: Any) -> None:
        err_cls = RateLimited if msg.business_reject_reason == enums.BusinessRejectReason.RATE_LIMIT_EXCEEDED else BusinessRejected
        err = err_cls.from_message(msg)
        seq = msg.ref_seq_num
        if seq is not None and seq in self._waiters_by_seq:
            _, fut = self._waiters_by_seq.pop(seq)
            if not fut.done():
                fut.set_exception(err)
            return
        if msg.business_reject_ref_id:
            self._resolve_key(msg.business_reject_ref_id, err)

    def _on_session_reject(self, msg: Any) -> None:
        seq = msg.ref_seq_num
        if seq in self._waiters_by_seq:
            _, fut = self._waiters_by_seq.pop(seq)
            if not fut.done():
                fut.set_exception(SessionRejected.from_message(msg))

    def _route_other(self, msg: Any) -> None:
        """Answers without a ClOrdID: by RefSeqNum, by ``"<MsgType>:<id>"``, or FIFO per MsgType."""
        if msg.MSG_TYPE == "UMS":
            done = self._settlements.add(msg)
            if done is not None:
                self.settlements.append(done)
            return
        ref = getattr(msg, "ref_seq_num", None)
        if ref is not None and ref in self._waiters_by_seq:
            _, fut = self._waiters_by_seq.pop(ref)
            if not fut.done():
                fut.set_result(msg)
            return
        for attr in ("cl_ord_id", "quote_req_id", "quote_id"):
            key = getattr(msg, attr, None)
            if key is None:
                continue
            for k in (f"{msg.MSG_TYPE}:{key}", key):
                if k in self._waiters_by_clordid:
                    self._resolve_key(k, msg)
                    return
        pending = self._fifo.get(msg.MSG_TYPE)
        while pending:
            fut = pending.popleft()
            if not fut.done():
                fut.set_result(msg)
                return

    def _resolve_key(self, key: str | None, result: Any) -> None:
        if key is None:
            return
        fut = self._waiters_by_clordid.pop(key, None)
        if fut is None or fut.done():
            return
        if isinstance(result, BaseException):
            fut.set_exception(result)
        else:
            fut.set_result(result)

    def _fail_waiters(self, exc: Exception) -> None:
        futs = list(self._waiters_by_clordid.values()) + [f for _, f in self._waiters_by_seq.values()]
        futs += [f for q in self._fifo.values() for f in q]
        for fut in futs:
            if not fut.done():
                fut.set_exception(exc)
        self._waiters_by_clordid.clear()
        self._waiters_by_seq.clear()
        for q in self._fifo.values():
            q.clear()

