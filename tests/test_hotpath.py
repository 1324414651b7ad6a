"""dataclass_constructor builds what the dataclass's own __init__ builds, for the records every
order makes (OrderState, Transition, OrderUpdate, the client's NewOrderSingle)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import pytest

from fixgw.app import client as client_mod
from fixgw.app import orders as orders_mod
from fixgw.app.orders import OrderState, OrderUpdate, Transition
from fixgw.hotpath import dataclass_constructor
from fixgw.messages import NewOrderSingle, Party, default_encoder, enums
from fixgw.messages.prices import PriceFormat


def _same(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x == y and type(x) is type(y), f.name


@dataclass(slots=True, kw_only=True)
class _Rec:
    a: int
    b: str = "b"
    c: list[int] = field(default_factory=list)
    d: dict[str, int] = field(default_factory=dict)
    e: int = field(default=5, init=False)


def test_matches_init_and_calls_factories_per_object() -> None:
    make = dataclass_constructor(_Rec, "a", "c")
    one, two = make(1, [7]), make(2, [])
    _same(one, _Rec(a=1, c=[7]))
    _same(two, _Rec(a=2, c=[]))
    assert one.d is not two.d and one.d == {} and one.e == 5


def test_refuses_what_it_cannot_build() -> None:
    @dataclass
    class Checked:
        a: int

        def __post_init__(self) -> None:
            raise ValueError

    with pytest.raises(TypeError, match="__post_init__"):
        dataclass_constructor(Checked, "a")
    with pytest.raises(TypeError, match="unknown"):
        dataclass_constructor(_Rec, "a", "zz")
    with pytest.raises(TypeError, match="no default"):
        dataclass_constructor(_Rec, "b")


def test_order_records_match_their_init() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    parties = [Party(party_id="p", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)]
    args: dict[str, Any] = dict(
        cl_ord_id="a", ref=3, cl_ord_id_chain=["a"], symbol="MKT", side=enums.Side.SELL, price=D("0.4"),
        order_qty=D(5), original_qty=D(5), leaves_qty=D(5), alloc_account=7, party_ids=parties,
        order_group_id="g", time_in_force=enums.TimeInForce.IOC, expire_time=now, post_only=True, updated_at=now,
    )  # fmt: skip
    made = orders_mod._new_local_order(*args.values())
    _same(made, OrderState(**args))
    other = orders_mod._new_local_order(*args.values())
    assert made.fills is not other.fills and made.history is not other.history  # no shared lists

    t = (None, enums.ExecType.NEW, enums.OrdStatus.NEW, now, "n")
    _same(orders_mod._new_transition(*t), Transition(exec_id=t[0], exec_type=t[1], ord_status=t[2], time=t[3], note=t[4]))
    u = (made, object(), None, enums.OrdStatus.NEW, True)
    got = orders_mod._new_update(*u)
    _same(got, OrderUpdate(order=u[0], report=u[1], prev_status=u[2], status=u[3], created=u[4]))
    assert got.warnings == [] and got.warnings is not orders_mod._new_update(*u).warnings


def test_client_new_order_matches_init_and_encodes_the_same() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    args: dict[str, Any] = dict(
        cl_ord_id="a", order_qty=D(5), ord_type=enums.OrdType.LIMIT, price=D("0.4"), side=enums.Side.BUY,
        symbol="MKT", time_in_force=enums.TimeInForce.GTC, expire_time=now, exec_inst=enums.ExecInst.POST_ONLY,
        self_trade_prevention_type=list(enums.SelfTradePreventionType)[0],
        cancel_order_on_pause=True, max_execution_cost=D(3), secondary_cl_ord_id="g", alloc_account=7,
        party_ids=[Party(party_id="p", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)],
    )  # fmt: skip
    made = client_mod._new_limit_order(*args.values())
    want = NewOrderSingle(**args)
    _same(made, want)
    enc = default_encoder()
    assert made.encode_body(enc, PriceFormat.DOLLARS) == want.encode_body(enc, PriceFormat.DOLLARS)
