"""Settlement end to end: engine positions -> SettlementService -> UMS pages over TLS -> the real
KalshiClient reassembling them (``client.settlements``), per ReceiveSettlementReports (20127)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest_asyncio

from fixgw.app import ClientConfig, KalshiClient
from fixgw.messages import MarketSettlementReport, Message, enums
from fixgw.session import LogonFlags
from fixgw.sim.exchange import EngineConfig, Exchange, ManualClock, MarketRegistry
from fixgw.sim.exchange.ids import sequential_ids
from fixgw.sim.exchange.orders import NewOrder, Side
from fixgw.sim.exchange.testkit import T0
from fixgw.sim.exchange_app import KalshiExchangeApp
from fixgw.sim.server import Simulator
from fixgw.sim.settlement_service import SettlementService
from fixgw.testing import KalshiKeys, make_keys, sim_endpoint

MKT = "KXHIGHNY-26JAN06-B45"


class Env:
    def __init__(
        self, sim: Simulator, app: KalshiExchangeApp, svc: SettlementService, key_dir: Path
    ) -> None:
        self.sim = sim
        self.app = app
        self.svc = svc
        self.key_dir = key_dir
        self.clients: list[KalshiClient] = []
        self._n = 0

    def keys(self, name: str) -> KalshiKeys:
        keys = make_keys(self.key_dir / name)
        self.sim.register_key(keys.uuid, keys.pub_path)
        return keys

    async def connect(
        self, keys: KalshiKeys, session_type: str, **flags: Any
    ) -> tuple[KalshiClient, list[Message]]:
        client = KalshiClient(
            ClientConfig(
                session_type=session_type,
                api_key=keys.uuid,
                endpoint=sim_endpoint(self.sim, session_type),
                private_key=keys.private_key,
                flags=LogonFlags(**flags),
                reconnect=False,
            )
        )
        seen: list[Message] = []
        client.listeners.append(seen.append)
        await client.start()
        self.clients.append(client)
        return client, seen

    def trade(self, buyer: str, seller: str, qty: str, *, sub: int = 0) -> None:
        """``buyer`` (subaccount ``sub``) buys ``qty`` yes at 0.50 from ``seller``."""
        self._n += 1
        for account, side, subaccount in ((seller, Side.SELL_NO, 0), (buyer, Side.BUY_YES, sub)):
            self.app.place_order(
                NewOrder(
                    account=account,
                    cl_ord_id=f"seed-{self._n}-{side.name}",
                    symbol=MKT,
                    side=side,
                    price=D("0.50"),
                    qty=D(qty),
                    subaccount=subaccount,
                )
            )


@pytest_asyncio.fixture
async def env(kalshi_sim: Simulator, tmp_path: Path) -> AsyncIterator[Env]:
    engine = Exchange(
        MarketRegistry(auto_list=True),
        clock=ManualClock(T0),
        config=EngineConfig(exec_id_epoch=1),
        ids=sequential_ids(),
    )
    app = KalshiExchangeApp(engine)
    svc = SettlementService(app, page_size=2).install()
    kalshi_sim.app = app
    kalshi_sim.rate_limiter = None
    e = Env(kalshi_sim, app, svc, tmp_path / "keys")
    try:
        yield e
    finally:
        for c in e.clients:
            with contextlib.suppress(Exception):
                await c.close()


async def wait_settlements(client: KalshiClient, n: int = 1, timeout: float = 5.0) -> None:
    """Woken by each inbound message (the client's listeners run after it is routed)."""
    changed = asyncio.Event()

    def on_message(_msg: object) -> None:
        changed.set()

    client.listeners.append(on_message)
    try:
        async with asyncio.timeout(timeout):
            while len(client.settlements) < n:
                changed.clear()
                await changed.wait()
    finally:
        client.listeners.remove(on_message)


async def test_pages_reassembled_and_recipients_by_20127(env: Env, kalshi_keys: KalshiKeys) -> None:
    a = kalshi_keys.uuid  # PT, default flags: gets its reports
    b_keys, c_keys, d_keys = env.keys("b"), env.keys("c"), env.keys("d")
    b, c, d = b_keys.uuid, c_keys.uuid, d_keys.uuid
    env.trade(a, b, "10.60", sub=0)
    env.trade(a, b, "3", sub=1)
    env.trade(a, b, "1", sub=2)
    env.trade(c, b, "2")
    env.trade(d, b, "1")
    pt_a, seen_a = await env.connect(kalshi_keys, "KalshiPT")
    rt_b, seen_b = await env.connect(b_keys, "KalshiRT", receive_settlement_reports=True)
    pt_c, seen_c = await env.connect(c_keys, "KalshiPT", receive_settlement_reports=False)
    rt_d, seen_d = await env.connect(d_keys, "KalshiRT")
    cash_before = {
        (acct, sub): env.app.engine.balance(acct, sub).cash
        for acct, sub in ((a, 0), (a, 1), (a, 2), (b, 0))
    }

    env.svc.settle(MKT, "scalar", D("59.70"))
    await wait_settlements(pt_a)
    await wait_settlements(rt_b)

    (settlement,) = pt_a.settlements
    assert settlement.symbol == MKT and settlement.result == "scalar"
    assert settlement.settlement_price == D("0.5970")  # 730=59.70 cents
    pages = settlement.reports
    assert len(pages) == 2  # three parties, two per page
    assert len({p.market_settlement_report_id for p in pages}) == 2
    assert [p.last_fragment for p in pages] == [False, True]
    assert [p.tot_num_market_settlement_reports for p in pages] == [2, 2]
    by_party = {p.market_settlement_party_id: p for p in settlement.parties}
    assert set(by_party) == {a, f"{a}:1", f"{a}:2"}
    # By hand, long yes at 59.70c: 10.60 x 0.597 = 6.3282 -> 6.32 + 0.0082; 3 x 0.597 = 1.791
    # -> 1.79 + 0.001; 1 x 0.597 = 0.597 -> 0.59 + 0.007.
    expected = {
        a: ("10.60", "6.32", "0.0082"),
        f"{a}:1": ("3", "1.79", "0.001"),
        f"{a}:2": ("1", "0.59", "0.007"),
    }
    for pid, (long_qty, payout, fee) in expected.items():
        p = by_party[pid]
        assert p.market_settlement_party_role is enums.MarketSettlementPartyRole.CUSTOMER_ACCOUNT
        assert (p.long_qty, p.short_qty) == (D(long_qty), 0)
        assert p.collateral_amount_changes[0].collateral_amount_change == D(payout)
        assert (
            p.collateral_amount_changes[0].collateral_amount_type
            is enums.CollateralAmountType.PAYOUT
        )
        assert p.misc_fees[0].misc_fee_amt == D(fee)
        assert p.misc_fees[0].misc_fee_type is enums.MiscFeeType.EXCHANGE_FEES
    for sub, payout in ((0, "6.32"), (1, "1.79"), (2, "0.59")):
        assert env.app.engine.balance(a, sub).cash - cash_before[(a, sub)] == D(payout)

    # B, short 17.60 (= 10.60 + 3 + 1 + 2 + 1): 17.60 x 0.403 = 7.0928 -> 7.09 + 0.0028, on RT with 20127=Y.
    (sb,) = rt_b.settlements
    (pb,) = sb.parties
    assert (pb.market_settlement_party_id, pb.long_qty, pb.short_qty) == (b, 0, D("17.60"))
    assert pb.collateral_amount_changes[0].collateral_amount_change == D("7.09")
    assert pb.misc_fees[0].misc_fee_amt == D("0.0028")
    assert env.app.engine.balance(b).cash - cash_before[(b, 0)] == D("7.09")

    # PT with 20127=N and RT without 20127=Y get nothing: nothing was sent to them (checked at the
    # sender, since sends are synchronous), and nothing arrived.
    sent_to = {sid for sid, _ in env.svc.sent}
    assert sent_to == {f"KalshiPT:{a}", f"KalshiRT:{b}"}
    assert pt_c.settlements == [] and not [
        m for m in seen_c if isinstance(m, MarketSettlementReport)
    ]
    assert rt_d.settlements == [] and not [
        m for m in seen_d if isinstance(m, MarketSettlementReport)
    ]
    assert [m.MSG_TYPE for m in seen_a] == ["UMS", "UMS"]


async def test_reports_kept_for_an_account_that_was_not_connected(
    env: Env, kalshi_keys: KalshiKeys
) -> None:
    a = kalshi_keys.uuid
    env.trade(a, "someone", "5")
    env.svc.settle(MKT, "yes")
    assert len(env.svc.held(a)) == 1
    pt, _ = await env.connect(kalshi_keys, "KalshiPT")
    await wait_settlements(pt)
    (s,) = pt.settlements
    (p,) = s.parties
    assert (s.result, p.long_qty, p.collateral_amount_changes[0].collateral_amount_change) == (
        "yes",
        D(5),
        D("5.00"),
    )
    assert p.misc_fees[0].misc_fee_amt == 0
    assert env.svc.held(a) == []
