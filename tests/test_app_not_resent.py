"""Orders the session gap-filled instead of resending (stale) are closed as never sent."""

from __future__ import annotations

from decimal import Decimal

from fixgw.app import ClientConfig, KalshiClient
from fixgw.messages import NewOrderSingle, OrderCancelRequest, enums
from fixgw.session import FakeClock, NotResent
from fixgw.transport import Endpoint


def _client() -> KalshiClient:
    return KalshiClient(ClientConfig("KalshiRT", "k", Endpoint("127.0.0.1", 1), clock=FakeClock()))


def _raw(msg, seq: int) -> bytes:
    return msg.to_fix(sender_comp_id="k", target_comp_id="KalshiRT", msg_seq_num=seq, sending_time=FakeClock().now())


def test_stale_new_order_not_resent_is_closed_as_never_sent():
    kc = _client()
    nos = NewOrderSingle(
        cl_ord_id="o1", order_qty=Decimal(5), ord_type=enums.OrdType.LIMIT, price=Decimal("0.40"),
        side=enums.Side.BUY, symbol="MKT",
    )  # fmt: skip
    kc.orders.on_new_order_sent(nos)
    kc._on_action(NotResent((7,), ("D",), (_raw(nos, 7),)))
    order = kc.orders.find("o1")
    assert order.status is enums.OrdStatus.REJECTED and not order.is_open
    assert "never reached the exchange" in order.inferred_close
    assert any(isinstance(e, NotResent) for e in kc.events)


def test_stale_cancel_not_resent_leaves_the_order_live():
    kc = _client()
    nos = NewOrderSingle(
        cl_ord_id="o2", order_qty=Decimal(5), ord_type=enums.OrdType.LIMIT, price=Decimal("0.40"),
        side=enums.Side.BUY, symbol="MKT",
    )  # fmt: skip
    kc.orders.on_new_order_sent(nos)
    cxl = OrderCancelRequest(cl_ord_id="c2", orig_cl_ord_id="o2", side=enums.Side.BUY, symbol="MKT")
    kc.orders.on_cancel_sent(cxl)
    assert kc.orders.find("o2").status is enums.OrdStatus.PENDING_CANCEL
    kc._on_action(NotResent((9,), ("F",), (_raw(cxl, 9),)))
    assert kc.orders.find("o2").status is enums.OrdStatus.PENDING_NEW  # the cancel is gone, the order is not
