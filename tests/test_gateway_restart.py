"""A gateway restart: open orders come back from the snapshot, are marked uncertain, and are
settled from KalshiDC (reconcile_via) after logon; the strategy is told what changed."""

from __future__ import annotations

import asyncio
import json

import gateway_harness as harness
from gateway_harness import THREE, wait_until

from fixgw.gateway.config import load_config
from fixgw.gateway.daemon import Gateway
from fixgw.messages import enums
from fixgw.sim.exchange import NewOrder
from fixgw.transport import Backoff

gwenv = harness.gwenv
key_pool = harness.key_pool
D = harness.D


class Watcher:
    def __init__(self) -> None:
        self.reconciled: asyncio.Queue = asyncio.Queue()

    async def on_reconciled(self, session, result) -> None:
        await self.reconciled.put((session, result))


def _config(env):
    text = env.config_text(THREE).replace('name = "nr"\n', 'name = "nr"\nreconcile_via = "dc"\n')
    path = env.dir / "gateway.toml"
    path.write_text(text)
    return load_config(path)


async def _start(env, strategy=None) -> Gateway:
    gw = Gateway(_config(env), strategy=strategy, logon_timeout=10.0)
    env.gateways.append(gw)
    await gw.start()
    for rt in gw.sessions.values():
        rt.client.initiator.backoff = Backoff(base=0.01, cap=0.05)
    await gw.wait_logged_on(10)
    return gw


async def test_open_order_filled_during_downtime_is_settled_after_restart(gwenv):
    env = gwenv
    env.link("dc", "nr")
    gw = await _start(env)
    order = await gw.place_order("nr", harness.MKT, enums.Side.SELL, D(3), D("0.70"))
    assert order.status is enums.OrdStatus.NEW
    await gw.stop()
    snap = json.loads((env.state_dir / "orders-nr.json").read_text())
    assert snap  # the open order was saved

    # while the gateway is down, someone takes the offer
    env.app.place_order(
        NewOrder(account="other", cl_ord_id="taker-1", symbol=harness.MKT, side=1, price=D("0.70"), qty=D(3))
    )

    watcher = Watcher()
    gw2 = await _start(env, strategy=watcher)
    session, result = await asyncio.wait_for(watcher.reconciled.get(), 10)
    assert session == "nr" and result.error is None
    settled = gw2.client("nr").orders.find(order.cl_ord_id)
    assert settled.status is enums.OrdStatus.FILLED and settled.cum_qty == D(3)
    assert settled in result.changed
    # the journal saw the change too
    await wait_until(lambda: any(o.get("status") == "FILLED" for o in gw2.journal.orders()), what="journalled fill")


def test_reconcile_via_must_name_a_dc_session(tmp_path):
    from fixgw.gateway.config import ConfigError

    path = tmp_path / "g.toml"
    path.write_text(
        'environment = "sim"\n[[session]]\nname = "nr"\ntype = "KalshiNR"\napi_key = "a"\n'
        'private_key_file = "a.key"\nreconcile_via = "rt"\n[[session]]\nname = "rt"\ntype = "KalshiRT"\n'
        'api_key = "b"\nprivate_key_file = "b.key"\n'
    )
    try:
        load_config(path)
    except ConfigError as exc:
        assert "reconcile_via: must name a KalshiDC session" in str(exc)
    else:
        raise AssertionError("accepted reconcile_via pointing at a KalshiRT session")
