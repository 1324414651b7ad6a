"""Every Text / reason pair listed on fix__order-entry.md is reachable, with the documented code."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from fixgw.sim.exchange import (
    AccountConfig,
    CancelOrder,
    CancelRejected,
    EngineConfig,
    MarketConfig,
    MarketRegistry,
    OrderAccepted,
    OrderCanceled,
    OrderGroupRejected,
    OrderGroupResponse,
    OrderRejected,
    ReplaceOrder,
    TimeInForce,
)
from fixgw.sim.exchange import reject_reasons as rr
from fixgw.sim.exchange.orders import Side, StpType
from fixgw.sim.exchange.testkit import T0, make_exchange, of_type, one, order


def new_reject(ex, req) -> OrderRejected:
    return one(ex.submit(req), OrderRejected)


def r_unavailable():
    ex, _ = make_exchange()
    ex.faults.exchange_unavailable = True
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1))


def r_closed():
    ex, _ = make_exchange()
    ex.close_market("MKT-A")
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1))


def r_inactive():
    ex, _ = make_exchange()
    ex.deactivate_market("MKT-A")
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1))


def r_not_found():
    ex, _ = make_exchange(MarketRegistry([MarketConfig("OTHER")], auto_list=False))
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1))


def r_duplicate():
    ex, _ = make_exchange()
    ex.submit(order("me", "x", Side.BUY_YES, "0.30", 1))
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1))


def r_group_limit():
    ex, _ = make_exchange()
    gid = one(ex.create_order_group("me", D(10)), OrderGroupResponse).group_id
    ex.trigger_order_group("me", gid)
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1, order_group_id=gid))


def r_balance():
    ex, _ = make_exchange(config=EngineConfig(accounts={"me": AccountConfig(balance=D("0.10"))}))
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1))


def r_exchange_paused():
    ex, _ = make_exchange()
    ex.pause_exchange()
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1))


def r_trading_paused():
    ex, _ = make_exchange()
    ex.pause_market("MKT-A")
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1))


def r_invalid():
    ex, _ = make_exchange()
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1, ord_type=1))


def r_group_not_found():
    ex, _ = make_exchange()
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1, order_group_id="g"))


def r_market_risk():
    ex, _ = make_exchange(MarketRegistry([MarketConfig("MKT-A", position_limit=D(10))]))
    ex.submit(order("mm", "a", Side.SELL_NO, "0.30", 6))
    ex.submit(order("me", "b", Side.BUY_YES, "0.30", 6))  # long 6
    ex.submit(order("me", "c", Side.BUY_YES, "0.20", 3))  # + 3 resting = 9
    assert one(ex.submit(order("me", "ok", Side.BUY_YES, "0.20", 1)), OrderAccepted)  # = 10
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.20", "0.01"))


def r_sell_floor():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.SELL_NO, "0.30", 2))
    ex.submit(order("me", "b", Side.BUY_YES, "0.30", 2))  # long 2 yes
    assert not of_type(
        ex.submit(order("me", "ok", Side.SELL_NO, "0.90", 2, sell_position_floor=D(0))),
        OrderRejected,
    )
    return new_reject(ex, order("me", "x", Side.SELL_NO, "0.90", 1, sell_position_floor=D(0)))


def r_customer_account():
    cfg = EngineConfig(accounts={"me": AccountConfig(subaccounts=frozenset({0, 1}))})
    ex, _ = make_exchange(config=cfg)
    assert not of_type(
        ex.submit(order("me", "ok", Side.BUY_YES, "0.30", 1, subaccount=1)), OrderRejected
    )
    return new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1, subaccount=2))


def r_permission_denied():
    cfg = EngineConfig(accounts={"fcm-a": AccountConfig(parties=frozenset({"cust-1"}))})
    ex, _ = make_exchange(config=cfg)
    return new_reject(ex, order("fcm-b", "x", Side.BUY_YES, "0.30", 1, party_id="cust-1"))


def r_post_only():
    ex, _ = make_exchange()
    ex.submit(order("mm", "a", Side.BUY_YES, "0.30", 2))
    return new_reject(ex, order("me", "x", Side.SELL_NO, "0.29", 1, post_only=True))


def r_expired():
    ex, _ = make_exchange()
    return new_reject(
        ex, order("me", "x", Side.BUY_YES, "0.30", 1, valid_until=T0 - timedelta(seconds=1))
    )


SCENARIOS = {
    "EXCHANGE_UNAVAILABLE": r_unavailable,
    "MARKET_ALREADY_CLOSED": r_closed,
    "MARKET_INACTIVE": r_inactive,
    "MARKET_NOT_FOUND": r_not_found,
    "ORDER_ALREADY_EXISTS": r_duplicate,
    "EXCEEDED_ORDER_GROUP_RISK_LIMIT": r_group_limit,
    "INSUFFICIENT_BALANCE": r_balance,
    "EXCHANGE_PAUSED": r_exchange_paused,
    "TRADING_PAUSED": r_trading_paused,
    "INVALID_ORDER": r_invalid,
    "ORDER_GROUP_NOT_FOUND": r_group_not_found,
    "EXCEEDED_PER_MARKET_RISK_LIMIT": r_market_risk,
    "EXCEEDED_SELL_POSITION_FLOOR": r_sell_floor,
    "CUSTOMER_ACCOUNT_NOT_FOUND": r_customer_account,
    "PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT": r_permission_denied,
    "POST_ONLY_CROSS": r_post_only,
    "EXPIRED": r_expired,
}

# fix__order-entry.md "Text Field Values (58)", as (text, OrdRejReason) pairs.
DOC_TABLE = {
    "EXCHANGE_UNAVAILABLE": 99,
    "MARKET_ALREADY_CLOSED": 2,
    "MARKET_INACTIVE": 2,
    "MARKET_NOT_FOUND": 1,
    "ORDER_ALREADY_EXISTS": 6,
    "EXCEEDED_ORDER_GROUP_RISK_LIMIT": 3,
    "INSUFFICIENT_BALANCE": 3,
    "EXCHANGE_PAUSED": 2,
    "TRADING_PAUSED": 2,
    "INVALID_ORDER": 11,
    "ORDER_GROUP_NOT_FOUND": 11,
    "EXCEEDED_PER_MARKET_RISK_LIMIT": 3,
    "EXCEEDED_SELL_POSITION_FLOOR": 3,
    "CUSTOMER_ACCOUNT_NOT_FOUND": 15,
    "PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT": 15,
    "POST_ONLY_CROSS": 99,
    "EXPIRED": 8,
}


def test_table_module_matches_the_page():
    assert rr.ORD_REJ_REASON_BY_TEXT == DOC_TABLE
    assert set(SCENARIOS) == set(DOC_TABLE)


@pytest.mark.parametrize("text", sorted(SCENARIOS))
def test_every_documented_reject_is_reachable(text):
    rej = SCENARIOS[text]()
    assert (rej.text, int(rej.ord_rej_reason)) == (text, DOC_TABLE[text])
    assert rej.order.status == "8" and rej.order.leaves_qty == 0


@pytest.mark.parametrize(
    "kw",
    [
        {"price": "0.305"},
        {"price": "0"},
        {"price": "1"},
        {"price": "0.995"},
        {"side": 3},
        {"time_in_force": 2},
        {"stp_type": 5},
        {"time_in_force": TimeInForce.GTD},  # no ExpireTime
        {"max_execution_cost": D(0)},
        {"cl_ord_id": "x" * 65},
        {"cl_ord_id": ""},
    ],
)
def test_invalid_order_variants(kw):
    ex, _ = make_exchange()
    args = {"side": Side.BUY_YES, "price": "0.30", "cl_ord_id": "x"} | kw
    rej = new_reject(
        ex, order("me", args.pop("cl_ord_id"), args.pop("side"), args.pop("price"), 1, **args)
    )
    assert (rej.text, rej.ord_rej_reason) == ("INVALID_ORDER", 11)


@pytest.mark.parametrize("qty", ["0", "-1", "0.001", "NaN"])
def test_bad_quantity_is_incorrect_quantity(qty):
    ex, _ = make_exchange()
    rej = new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", qty))
    assert (rej.text, rej.ord_rej_reason) == ("INVALID_ORDER", 13)


def test_subaccount_out_of_range_and_strict_parties():
    ex, _ = make_exchange(config=EngineConfig(auto_register_parties=False))
    assert new_reject(ex, order("me", "x", Side.BUY_YES, "0.30", 1, subaccount=33)).text == (
        "CUSTOMER_ACCOUNT_NOT_FOUND"
    )
    assert new_reject(ex, order("me", "y", Side.BUY_YES, "0.30", 1, party_id="p")).text == (
        "CUSTOMER_ACCOUNT_NOT_FOUND"
    )
    ex2, _ = make_exchange(config=EngineConfig(auto_create_accounts=False))
    assert new_reject(ex2, order("me", "x", Side.BUY_YES, "0.30", 1)).ord_rej_reason == 15


# --- texts that map to ExecType Canceled ------------------------------------------------------


def canceled_texts_seen() -> set[str]:
    seen: set[str] = set()

    def collect(events):
        seen.update(e.text for e in of_type(events, OrderCanceled) if e.text)

    ex, _ = make_exchange(config=EngineConfig(self_cross_texts=True))
    ex.submit(order("me", "r", Side.SELL_NO, "0.40", 5))
    collect(ex.submit(order("me", "t1", Side.BUY_YES, "0.45", 1)))  # SELF_CROSS_ATTEMPT
    ex.submit(order("o", "o", Side.SELL_NO, "0.39", 1))
    collect(ex.submit(order("me", "t2", Side.BUY_YES, "0.45", 3)))  # ..._PARTIALLY_FILLED
    ex, _ = make_exchange()
    ex.submit(order("me", "r", Side.SELL_NO, "0.40", 5))
    collect(ex.submit(order("me", "t1", Side.BUY_YES, "0.45", 1)))  # TAKER_CANCEL_FOR_STP
    collect(ex.submit(order("me", "t2", Side.BUY_YES, "0.45", 1, stp_type=StpType.MAKER)))
    collect(ex.submit(order("x", "i", Side.BUY_YES, "0.10", 1, time_in_force=TimeInForce.IOC)))
    collect(ex.submit(order("x", "f", Side.BUY_YES, "0.10", 1, time_in_force=TimeInForce.FOK)))
    gid = one(ex.create_order_group("x", D(5)), OrderGroupResponse).group_id
    ex.submit(order("x", "g", Side.BUY_YES, "0.10", 1, order_group_id=gid))
    collect(ex.trigger_order_group("x", gid))
    return seen


def test_every_documented_cancel_text_is_reachable():
    assert canceled_texts_seen() == set(rr.DOCUMENTED_CANCEL_TEXTS)


# --- OrderCancelReject pairs --------------------------------------------------------------------


def test_documented_cancel_reject_pairs():
    ex, _ = make_exchange()
    ex.submit(order("me", "filled", Side.BUY_YES, "0.30", 1))
    ex.submit(order("mm", "s", Side.SELL_NO, "0.30", 1))
    ex.submit(order("me", "part", Side.BUY_YES, "0.20", 5))
    ex.submit(order("mm", "s2", Side.SELL_NO, "0.20", 2))
    ex.submit(order("me", "ask", Side.SELL_NO, "0.50", 1))

    def rep(orig, qty, price=None):
        return one(
            ex.replace(
                ReplaceOrder(
                    account="me",
                    cl_ord_id=f"r-{orig}",
                    orig_cl_ord_id=orig,
                    qty=D(qty),
                    price=None if price is None else D(price),
                )
            ),
            CancelRejected,
        )

    seen = {
        (r.text, r.cxl_rej_reason)
        for r in (rep("part", 1), rep("filled", 3), rep("part", 5, "0.50"))
    }
    assert seen == {(c.text, c.cxl_rej_reason) for c in rr.DOCUMENTED_CANCEL_REJECTS}
    too_late = one(
        ex.cancel(CancelOrder(account="me", cl_ord_id="c", orig_cl_ord_id="filled")), CancelRejected
    )
    assert too_late.cxl_rej_reason == rr.CxlRejReason.TOO_LATE_TO_CANCEL
    unknown = one(
        ex.cancel(CancelOrder(account="me", cl_ord_id="c", orig_cl_ord_id="zzz")), CancelRejected
    )
    assert unknown.cxl_rej_reason == rr.CxlRejReason.UNKNOWN_ORDER


def test_fault_injection_reaches_cancel_and_group_paths():
    ex, _ = make_exchange()
    ex.submit(order("me", "a", Side.BUY_YES, "0.30", 1))
    ex.faults.exchange_unavailable = True
    crej = one(
        ex.cancel(CancelOrder(account="me", cl_ord_id="c", orig_cl_ord_id="a")), CancelRejected
    )
    assert (crej.text, crej.cxl_rej_reason) == ("EXCHANGE_UNAVAILABLE", 99)
    assert one(ex.create_order_group("me", D(5)), OrderGroupRejected).text == "EXCHANGE_UNAVAILABLE"
