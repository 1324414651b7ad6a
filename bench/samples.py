"""Realistic messages for the codec benchmark: varied ids, sequence numbers, times and prices,
so caches see what they would see in a live session (repeating prices, unique ids)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fixgw.messages import (
    CollateralAmountChange,
    ExecutionReport,
    MiscFee,
    NewOrderSingle,
    Party,
    enums,
)
from fixgw.messages.prices import PriceFormat

__all__ = ["T0", "new_order", "fill_report", "wire", "batch"]

T0 = datetime(2026, 1, 5, 14, 30, 0, tzinfo=UTC)
FMT = PriceFormat.DOLLARS
SYMBOL = "KXHIGHNY-26JAN05-B45"


def new_order(i: int, rng: random.Random) -> NewOrderSingle:
    return NewOrderSingle(
        cl_ord_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        order_qty=Decimal(rng.randint(1, 100)),
        ord_type=enums.OrdType.LIMIT,
        price=Decimal(rng.randint(1, 99)).scaleb(-2),
        side=enums.Side.BUY if i % 2 else enums.Side.SELL,
        symbol=SYMBOL,
        time_in_force=enums.TimeInForce.GTC,
        transact_time=T0 + timedelta(milliseconds=i),
        party_ids=[Party(party_id="sub-1", party_role=enums.PartyRole.CUSTOMER_ACCOUNT)],
    )


def fill_report(i: int, rng: random.Random) -> ExecutionReport:
    """A fill with its fee group and two collateral changes: the heaviest common report."""
    qty = Decimal(rng.randint(1, 100))
    px = Decimal(rng.randint(1, 99)).scaleb(-2)
    fee = (qty * px * (1 - px) * Decimal("0.07")).quantize(Decimal("0.0001"))
    return ExecutionReport(
        avg_px=px,
        cl_ord_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        cum_qty=qty,
        exec_id=f"1767623400;{100000 + i}",
        last_px=px,
        last_qty=qty,
        order_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        order_qty=qty,
        ord_status=enums.OrdStatus.FILLED,
        price=px,
        side=enums.Side.BUY,
        symbol=SYMBOL,
        transact_time=T0 + timedelta(milliseconds=i),
        exec_type=enums.ExecType.TRADE,
        leaves_qty=Decimal(0),
        misc_fees=[
            MiscFee(
                misc_fee_amt=fee,
                misc_fee_curr="USD",
                misc_fee_type=enums.MiscFeeType.EXCHANGE_FEES,
                misc_fee_basis=enums.MiscFeeBasis.ABSOLUTE,
            )
        ],
        trd_match_id=f"m-{i}",
        aggressor_indicator=True,
        collateral_amount_changes=[
            CollateralAmountChange(
                collateral_amount_change=-(qty * px + fee),
                collateral_amount_type=enums.CollateralAmountType.BALANCE,
            ),
            CollateralAmountChange(
                collateral_amount_change=qty, collateral_amount_type=enums.CollateralAmountType.PAYOUT
            ),
        ],
    )


def wire(msg: NewOrderSingle | ExecutionReport, seq: int, sender: str = "KalshiRT") -> bytes:
    target = "3f2b1c9e-8d7a-4b6c-9e5f-1a2b3c4d5e6f"
    if sender != "KalshiRT":
        sender, target = target, "KalshiRT"
    return msg.to_fix(
        sender_comp_id=sender,
        target_comp_id=target,
        msg_seq_num=seq,
        sending_time=T0 + timedelta(milliseconds=seq),
        price_format=FMT,
    )


def batch(kind: str, n: int, seed: int = 7) -> list:
    rng = random.Random(seed)
    make = new_order if kind == "nos" else fill_report
    return [make(i, rng) for i in range(n)]
