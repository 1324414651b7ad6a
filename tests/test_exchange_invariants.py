"""Random order flow keeps the books, ledgers and positions consistent."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from fixgw.sim.exchange import (
    CancelOrder,
    Fill,
    ReplaceOrder,
    StpType,
    TimeInForce,
)
from fixgw.sim.exchange.orders import Side
from fixgw.sim.exchange.testkit import make_exchange, order

ACCOUNTS = ["a", "b", "c"]
SYMBOLS = ["M-1", "M-2"]
START = D("1000000.00")

new_order = st.tuples(
    st.just("new"),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(SYMBOLS),
    st.sampled_from([Side.BUY_YES, Side.SELL_NO]),
    st.integers(1, 99),
    st.integers(1, 500),
    st.sampled_from([TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
    st.sampled_from([None, StpType.MAKER]),
)
amend = st.tuples(
    st.sampled_from(["cancel", "replace"]),
    st.sampled_from(ACCOUNTS),
    st.integers(0, 60),
    st.integers(1, 99),
    st.integers(1, 500),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(new_order, amend), min_size=1, max_size=60))
def test_random_flow_invariants(ops):
    ex, _ = make_exchange()
    fees = D(0)
    for n, op in enumerate(ops):
        if op[0] == "new":
            _, acct, sym, side, cents, hundredths, tif, stp = op
            events = ex.submit(
                order(
                    acct,
                    f"o{n}",
                    side,
                    D(cents) / 100,
                    D(hundredths) / 100,
                    symbol=sym,
                    time_in_force=tif,
                    stp_type=stp,
                )
            )
        elif op[0] == "cancel":
            _, acct, ref, _, _ = op
            events = ex.cancel(
                CancelOrder(account=acct, cl_ord_id=f"c{n}", orig_cl_ord_id=f"o{ref}")
            )
        else:
            _, acct, ref, cents, hundredths = op
            events = ex.replace(
                ReplaceOrder(
                    account=acct,
                    cl_ord_id=f"o{n}",
                    orig_cl_ord_id=f"o{ref}",
                    qty=D(hundredths) / 100,
                    price=D(cents) / 100,
                )
            )
        fees += sum((e.fee.net_fee for e in events if isinstance(e, Fill)), D(0))

    open_orders = ex.open_orders()
    for acct in ACCOUNTS:
        bal = ex.balance(acct)
        # Reserved collateral is exactly the open orders' limit leg cost.
        expected = sum(
            (
                (o.price if o.side == 1 else 1 - o.price) * o.leaves_qty
                for o in open_orders
                if o.account == acct
            ),
            D(0),
        )
        assert bal.reserved == expected
        assert bal.cash == bal.cash.quantize(D("0.01"))  # balances stay cent-aligned
    open_interest = D(0)
    for sym in SYMBOLS:
        positions = [ex.position(a, sym) for a in ACCOUNTS]
        assert sum(positions) == 0  # every yes contract has a no on the other side
        open_interest += sum(p for p in positions if p > 0)
        book = ex.book(sym)
        bid, ask = book.best_price(Side.BUY_YES), book.best_price(Side.SELL_NO)
        assert bid is None or ask is None or bid < ask  # the book never rests crossed
    # Cash only leaves the system as fees or as $1 of collateral per outstanding pair.
    total_cash = sum(ex.balance(a).cash for a in ACCOUNTS)
    assert total_cash + open_interest + fees == len(ACCOUNTS) * START
