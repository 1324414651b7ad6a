"""RFQ end to end: real KalshiClients over TLS -> Simulator -> KalshiExchangeApp + RfqService.

The creator trades on KalshiRT with ``kalshi_keys``; market makers quote on KalshiRFQ and get
their fills on a second key of the same account, on KalshiNR (Kalshi allows one connection per
API key).  The engine and the desk run on a ManualClock: the tests move it and call
``app.tick()``, which drives the desk's timers through the app's event hook.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from fixgw.app import ClientConfig, KalshiClient, RfqRejected
from fixgw.messages import (
    AcceptQuoteStatus,
    ExecutionReport,
    Message,
    Quote,
    QuoteRequest,
    QuoteRequestReject,
    QuoteStatusReport,
    enums,
)
from fixgw.session import LogonFlags
from fixgw.sim.exchange import EngineConfig, Exchange, ManualClock, MarketConfig, MarketRegistry
from fixgw.sim.exchange.ids import sequential_ids
from fixgw.sim.exchange.testkit import T0
from fixgw.sim.exchange_app import KalshiExchangeApp
from fixgw.sim.rfq_desk import RfqService, parlay_ticker
from fixgw.sim.server import Simulator
from fixgw.testing import KalshiKeys, make_keys, sim_endpoint

MKT = "MKT-A"
HVM = "HVM-1"
BAL = D("1000000.00")
BUY, SELL = enums.Side.BUY, enums.Side.SELL
QS = enums.QuoteStatus


class Inbox:
    """Every application message a client receives; tests await the one they need."""

    def __init__(self, client: KalshiClient) -> None:
        self.msgs: list[Message] = []
        self._change = asyncio.Event()
        client.listeners.append(self._on)

    def _on(self, msg: Message) -> None:
        self.msgs.append(msg)
        self._change.set()
        self._change = asyncio.Event()

    def of(self, cls: type) -> list[Any]:
        return [m for m in self.msgs if isinstance(m, cls)]

    async def wait(
        self, cls: type, pred: Callable[[Any], bool] = lambda m: True, timeout: float = 5.0
    ) -> Any:
        async def run() -> Any:
            i = 0
            while True:
                change = self._change
                while i < len(self.msgs):
                    m = self.msgs[i]
                    i += 1
                    if isinstance(m, cls) and pred(m):
                        return m
                await change.wait()

        try:
            return await asyncio.wait_for(run(), timeout)
        except TimeoutError:
            seen = ", ".join(m.MSG_TYPE for m in self.msgs) or "nothing"
            raise AssertionError(f"no {cls.__name__} within {timeout:g} s; saw: {seen}") from None


@dataclass
class Party:
    keys: KalshiKeys
    client: KalshiClient
    inbox: Inbox

    @property
    def account(self) -> str:
        return self.keys.uuid


@dataclass
class RfqEnv:
    sim: Simulator
    app: KalshiExchangeApp
    rfq: RfqService
    clock: ManualClock
    key_dir: Path
    creator_keys: KalshiKeys
    clients: list[KalshiClient] = field(default_factory=list)

    async def connect(self, keys: KalshiKeys, session_type: str, **flags: Any) -> Party:
        if keys.uuid not in self.sim.keys:
            self.sim.register_key(keys.uuid, keys.pub_path)
        client = KalshiClient(
            ClientConfig(
                session_type=session_type,
                api_key=keys.uuid,
                endpoint=sim_endpoint(self.sim, session_type),
                private_key=keys.private_key,
                flags=LogonFlags(**flags),
                reconnect=False,
                request_timeout=5.0,
            )
        )
        inbox = Inbox(client)
        await client.start()
        self.clients.append(client)
        return Party(keys, client, inbox)

    async def creator(self) -> Party:
        return await self.connect(self.creator_keys, "KalshiRT", skip_pending_exec_reports=True)

    async def maker(self, name: str) -> tuple[Party, Party]:
        """A market maker: KalshiRFQ on one key, KalshiNR (fills) on a second key of the account."""
        quote_keys = make_keys(self.key_dir / name)
        fills_keys = make_keys(self.key_dir / name)
        self.app.link_key(fills_keys.uuid, quote_keys.uuid)
        quoting = await self.connect(quote_keys, "KalshiRFQ")
        fills = await self.connect(fills_keys, "KalshiNR", skip_pending_exec_reports=True)
        return quoting, fills

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))
        self.app.tick()


@pytest_asyncio.fixture
async def env(
    kalshi_sim: Simulator, kalshi_keys: KalshiKeys, tmp_path: Path
) -> AsyncIterator[RfqEnv]:
    clock = ManualClock(T0)
    engine = Exchange(
        MarketRegistry([MarketConfig(HVM, hvm=True)], auto_list=True),
        clock=clock,
        config=EngineConfig(exec_id_epoch=1),
        ids=sequential_ids(),
    )
    app = KalshiExchangeApp(engine)
    rfq = RfqService(app).install()
    kalshi_sim.app = app  # before any client connects
    kalshi_sim.rate_limiter = None
    e = RfqEnv(kalshi_sim, app, rfq, clock, tmp_path / "more-keys", kalshi_keys)
    try:
        yield e
    finally:
        for c in e.clients:
            with contextlib.suppress(Exception):
                await c.close()


async def quoted(
    env: RfqEnv, creator: Party, maker: Party, symbol: str = MKT, qty: int = 10, **quote: Any
):
    """Creator asks, maker sees the RFQ and quotes; returns (ack, maker's R, creator's S)."""
    ack = await creator.client.rfq.create(symbol=symbol, qty=D(qty))
    r = await maker.inbox.wait(QuoteRequest, lambda m: m.quote_req_id == ack.rfq_id)
    prices = {"bid": D("0.55"), "offer": D("0.40"), **quote}
    await maker.client.maker.quote(ack.rfq_id, r.symbol, **prices)
    s = await creator.inbox.wait(Quote, lambda m: m.quote_req_id == ack.rfq_id)
    return ack, r, s


# ---------------------------------------------------------------------------- the full flow


async def test_rfq_by_symbol_quote_accept_confirm_execute(env: RfqEnv) -> None:
    creator = await env.creator()
    maker, maker_fills = await env.maker("mm1")

    ack = await creator.client.rfq.create(symbol=MKT, qty=D(10), quote_req_id="client-req-123")
    assert ack.quote_req_id == "client-req-123" and ack.rfq_id and ack.symbol is None
    r = await maker.inbox.wait(QuoteRequest)
    assert (r.quote_req_id, r.symbol, r.order_qty, r.no_related_sym) == (ack.rfq_id, MKT, D(10), 1)
    requester = r.party_ids[0].party_id
    assert requester.startswith("anon-") and creator.account not in requester

    pending = await maker.client.maker.quote(
        ack.rfq_id, MKT, bid=D("0.55"), offer=D("0.40"), quote_id="quote-789"
    )
    assert (pending.quote_status, pending.bid_px, pending.offer_px) == (
        QS.PENDING,
        D("0.55"),
        D("0.40"),
    )
    s = await creator.inbox.wait(Quote)
    assert (s.quote_id, s.quote_req_id, s.symbol, s.order_qty) == (
        "quote-789",
        ack.rfq_id,
        MKT,
        D(10),
    )
    # Dollars on the wire whatever UseDollars says (the client reads S as dollars): 0.5500.
    assert str(s.bid_px) == "0.5500" and str(s.offer_px) == "0.4000"
    assert (s.bid_size, s.offer_size) == (D(10), D(10))

    uc = await creator.client.rfq.accept("quote-789", BUY, cl_ord_id="client-accept-123")
    assert (uc.accepted_quote_id, uc.cl_ord_id) == ("quote-789", "client-accept-123")
    ai = await maker.inbox.wait(QuoteStatusReport, lambda m: m.quote_status is QS.ACCEPTED)
    assert (ai.quote_id, ai.side, ai.order_qty) == ("quote-789", BUY, D(10))

    u8 = await maker.client.maker.confirm("quote-789")
    assert u8.quote_confirm_status is enums.QuoteConfirmStatus.ACCEPTED
    assert creator.inbox.of(ExecutionReport) == []
    env.advance(14.9)
    env.advance(0.1)  # the 15 s execution timer ends: the trade happens
    er = await creator.inbox.wait(ExecutionReport)
    assert (er.cl_ord_id, er.side, er.exec_type, er.ord_status) == (
        "client-accept-123",
        BUY,
        enums.ExecType.TRADE,
        enums.OrdStatus.FILLED,
    )
    # Creator buys yes at 1 - 0.40 = 0.60; taker fee 0.07 x 10 x 0.6 x 0.4 = 0.168 -> 0.17.
    assert (er.last_px, er.last_qty, er.long_qty) == (D("0.60"), D(10), D(10))
    assert er.misc_fees[0].misc_fee_amt == D("0.17")
    assert er.collateral_amount_changes[0].collateral_amount_change == D("-6.17")
    mer = await maker_fills.inbox.wait(ExecutionReport)
    assert (mer.cl_ord_id, mer.side, mer.last_px, mer.short_qty) == (
        "quote-789",
        SELL,
        D("0.60"),
        D(10),
    )
    assert mer.trd_match_id == er.trd_match_id and mer.aggressor_indicator is False
    engine = env.app.engine
    assert engine.balance(creator.account).cash == BAL - D("6.17")
    assert engine.balance(maker.account).cash == BAL - D("4.00")
    assert engine.position(creator.account, MKT) == D(10) and engine.position(
        maker.account, MKT
    ) == D(-10)
    # The RFQ is done: makers are told.
    ag = await maker.inbox.wait(QuoteRequestReject)
    assert ag.quote_req_id == ack.rfq_id and "executed" in ag.text


async def test_sell_accepts_the_makers_yes_quote(env: RfqEnv) -> None:
    creator = await env.creator()
    maker, maker_fills = await env.maker("mm1")
    await quoted(env, creator, maker)
    s = creator.inbox.of(Quote)[0]
    await creator.client.rfq.accept(s.quote_id, SELL)
    await maker.client.maker.confirm(s.quote_id)
    env.advance(15)
    er = await creator.inbox.wait(ExecutionReport)
    assert (er.side, er.last_px, er.short_qty) == (SELL, D("0.55"), D(10))
    mer = await maker_fills.inbox.wait(ExecutionReport)
    assert (mer.side, mer.long_qty) == (BUY, D(10))
    assert env.app.engine.balance(maker.account).cash == BAL - D("5.50")


async def test_rfq_with_mve_legs_gets_the_resolved_ticker(env: RfqEnv) -> None:
    creator = await env.creator()
    maker, _ = await env.maker("mm1")
    legs = [("EVENT1", "MKT1", "yes"), ("EVENT2", "MKT2", "no")]
    ack = await creator.client.rfq.create(
        legs=legs, collection_ticker="PARLAY-COLLECTION", qty=D(100)
    )
    assert ack.symbol == parlay_ticker("PARLAY-COLLECTION", legs)
    r = await maker.inbox.wait(QuoteRequest)
    assert r.symbol == ack.symbol and r.multivariate_collection_ticker == "PARLAY-COLLECTION"
    assert [leg.multivariate_selected_market_ticker for leg in r.multivariate_selected_legs] == [
        "MKT1",
        "MKT2",
    ]
    assert env.app.engine.markets.existing(ack.symbol).hvm  # combos are HVMs
    await maker.client.maker.quote(ack.rfq_id, ack.symbol, bid=D("0.20"))
    s = await creator.inbox.wait(Quote)
    assert s.symbol == ack.symbol and s.offer_px is None


async def test_rejected_rfqs(env: RfqEnv) -> None:
    creator = await env.creator()
    await creator.client.rfq.create(symbol=MKT, qty=D(1))
    with pytest.raises(RfqRejected) as exc:
        await creator.client.rfq.create(symbol=MKT, qty=D(2))
    assert exc.value.code == 99 and "Open RFQ already exists" in exc.value.text
    with pytest.raises(RfqRejected) as exc:
        await creator.client.rfq.create(legs=[("E", "MKT1", "yes")], qty=D(2))
    assert "MultivariateCollectionTicker (20180)" in exc.value.text
    with pytest.raises(RfqRejected) as exc:
        await creator.client.rfq.create(symbol="bad ticker", qty=D(1))
    assert exc.value.code == 1  # UNKNOWN_SYMBOL
    # ReplaceExisting clears the way.
    ack = await creator.client.rfq.create(symbol=MKT, qty=D(2), replace_existing=True)
    assert ack.rfq_id


async def test_rejected_quote(env: RfqEnv) -> None:
    creator = await env.creator()
    maker, _ = await env.maker("mm1")
    ack = await creator.client.rfq.create(symbol=MKT, qty=D(10))
    with pytest.raises(RfqRejected, match="exceeds"):
        await maker.client.maker.quote(ack.rfq_id, MKT, bid=D("0.60"), offer=D("0.45"))
    assert creator.inbox.of(Quote) == []


async def test_prefer_better_quote(env: RfqEnv) -> None:
    creator = await env.creator()
    mm1, _ = await env.maker("mm1")
    mm2, mm2_fills = await env.maker("mm2")
    ack, _, _ = await quoted(env, creator, mm1, offer=D("0.40"))
    await mm2.inbox.wait(QuoteRequest)
    await mm2.client.maker.quote(ack.rfq_id, MKT, bid=D("0.50"), offer=D("0.42"), quote_id="better")
    await creator.inbox.wait(Quote, lambda m: m.quote_id == "better")
    worse = creator.inbox.of(Quote)[0].quote_id
    uc = await creator.client.rfq.accept(worse, BUY, prefer_better=True)
    assert (uc.quote_id, uc.accepted_quote_id) == (worse, "better")
    ai = await mm2.inbox.wait(QuoteStatusReport, lambda m: m.quote_status is QS.ACCEPTED)
    assert ai.quote_id == "better"
    assert not [m for m in mm1.inbox.of(QuoteStatusReport) if m.quote_status is QS.ACCEPTED]
    await mm2.client.maker.confirm("better")
    env.advance(15)
    er = await creator.inbox.wait(ExecutionReport)
    assert er.last_px == D("0.58")
    await mm2_fills.inbox.wait(ExecutionReport)


async def test_unconfirmed_quote_is_voided(env: RfqEnv) -> None:
    creator = await env.creator()
    maker, _ = await env.maker("mm1")
    _, _, s = await quoted(env, creator, maker)
    await creator.client.rfq.accept(s.quote_id, BUY, cl_ord_id="acc-1")
    env.advance(30)
    env.advance(0.001)
    ai = await maker.inbox.wait(QuoteStatusReport, lambda m: m.quote_status is QS.CANCELLED)
    assert "not confirmed within 30 s" in ai.text
    uc = await creator.inbox.wait(
        AcceptQuoteStatus, lambda m: m.accept_quote_status is enums.AcceptQuoteStatus.REJECTED
    )
    assert (uc.quote_id, uc.cl_ord_id) == (s.quote_id, "acc-1") and "voided" in uc.text
    with pytest.raises(RfqRejected, match="not confirmed"):
        await maker.client.maker.confirm(s.quote_id)
    assert env.app.engine.balance(creator.account).cash == BAL


async def test_hvm_timers(env: RfqEnv) -> None:
    creator = await env.creator()
    mm1, _ = await env.maker("mm1")
    mm2, mm2_fills = await env.maker("mm2")
    ack, _, s = await quoted(env, creator, mm1, symbol=HVM)
    await creator.client.rfq.accept(s.quote_id, BUY)
    env.advance(3.001)  # HVM confirmation window: 3 s
    ai = await mm1.inbox.wait(QuoteStatusReport, lambda m: m.quote_status is QS.CANCELLED)
    assert "within 3 s" in ai.text
    await mm2.inbox.wait(QuoteRequest)
    await mm2.client.maker.quote(ack.rfq_id, HVM, offer=D("0.45"), quote_id="q-hvm")
    await creator.inbox.wait(Quote, lambda m: m.quote_id == "q-hvm")
    await creator.client.rfq.accept("q-hvm", BUY)
    env.advance(2.9)
    await mm2.client.maker.confirm("q-hvm")
    env.advance(0.999)
    assert creator.inbox.of(ExecutionReport) == []
    env.advance(0.001)  # HVM execution timer: 1 s
    er = await creator.inbox.wait(ExecutionReport)
    assert (er.symbol, er.last_px) == (HVM, D("0.55"))
    await mm2_fills.inbox.wait(ExecutionReport)


async def test_quote_cancel(env: RfqEnv) -> None:
    creator = await env.creator()
    maker, _ = await env.maker("mm1")
    _, _, s = await quoted(env, creator, maker)
    u9 = await maker.client.maker.cancel(s.quote_id)
    assert u9.quote_cancel_status is enums.QuoteCancelStatus.CANCELED
    ai = await maker.inbox.wait(QuoteStatusReport, lambda m: m.quote_status is QS.CANCELLED)
    assert ai.quote_id == s.quote_id
    with pytest.raises(RfqRejected, match="cancelled"):
        await creator.client.rfq.accept(s.quote_id, BUY)
    with pytest.raises(RfqRejected):
        await maker.client.maker.cancel(s.quote_id)


@pytest.mark.parametrize("by", ["quote_req_id", "rfq_id"])
async def test_rfq_cancel(env: RfqEnv, by: str) -> None:
    creator = await env.creator()
    maker, _ = await env.maker("mm1")
    ack, _, s = await quoted(env, creator, maker)
    ident = ack.quote_req_id if by == "quote_req_id" else ack.rfq_id
    ub = await creator.client.rfq.cancel(**{by: ident})
    assert (ub.quote_req_id, ub.rfq_cancel_status) == (ident, enums.RFQCancelStatus.CANCELED)
    ag = await maker.inbox.wait(QuoteRequestReject)
    assert ag.quote_req_id == ack.rfq_id and "cancelled" in ag.text
    ai = await maker.inbox.wait(QuoteStatusReport, lambda m: m.quote_status is QS.CANCELLED)
    assert ai.quote_id == s.quote_id
    with pytest.raises(RfqRejected, match="RFQ_CLOSED"):
        await creator.client.rfq.cancel(**{by: ident})
    with pytest.raises(RfqRejected, match="RFQ_CLOSED"):
        await maker.client.maker.quote(ack.rfq_id, MKT, bid=D("0.50"))


async def test_rfq_fills_reach_the_creators_drop_copy_history(env: RfqEnv) -> None:
    creator = await env.creator()
    maker, _ = await env.maker("mm1")
    _, _, s = await quoted(env, creator, maker)
    await creator.client.rfq.accept(s.quote_id, BUY)
    await maker.client.maker.confirm(s.quote_id)
    env.advance(15)
    er = await creator.inbox.wait(ExecutionReport)
    history = env.app.engine.history.query(
        env.clock.now(), env.app.engine.history.first(env.clock.now())
    )
    assert str(history[-2].exec_id) == er.exec_id  # creator fill, then the maker's


async def test_a_maker_logging_on_later_sees_the_open_rfqs(env: RfqEnv) -> None:
    creator = await env.creator()
    open_ack = await creator.client.rfq.create(symbol=MKT, qty=D(3))
    gone = await creator.client.rfq.create(symbol="MKT-B", qty=D(4))
    await creator.client.rfq.cancel(rfq_id=gone.rfq_id)
    maker, _ = await env.maker("late")
    r = await maker.inbox.wait(QuoteRequest)
    assert (r.quote_req_id, r.symbol, r.order_qty) == (open_ack.rfq_id, MKT, D(3))
    assert [m.quote_req_id for m in maker.inbox.of(QuoteRequest)] == [open_ack.rfq_id]
    pending = await maker.client.maker.quote(open_ack.rfq_id, MKT, bid=D("0.10"))
    assert pending.quote_status is QS.PENDING
