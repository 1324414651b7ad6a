#!/usr/bin/env python3
"""Write tests/data/sample.log: a short, realistic Kalshi order-entry session in QuickFIX log form.

Why: ``fixgw decode tests/data/sample.log`` is the README's first command and the CLI tests'
input, so the file must be a correct session (BodyLength and CheckSum computed over the SOH
form, as on the wire) and reproducible: it is built here with fixgw's own encoder from fixed
values, and tests/test_cli_decode.py fails if the shipped file differs from this output.

Usage: python tools/make_sample_log.py [-o OUTPUT] [--check]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixgw.messages import (  # noqa: E402
    CollateralAmountChange,
    ExecutionReport,
    Heartbeat,
    Logon,
    Logout,
    Message,
    MiscFee,
    NewOrderSingle,
    OrderCancelRequest,
    enums,
)

DEFAULT_OUTPUT = ROOT / "tests" / "data" / "sample.log"
CLIENT = "a952bcbe-ec3b-4b5b-b8f9-11f9a6a5a0c1"  # an API key id (not a secret)
EXCHANGE = "KalshiNR"
START = datetime(2023, 11, 24, 14, 30, 0, tzinfo=UTC)
#: a made-up signature: the shape of a base64 RSA-PSS signature, not a real one
FAKE_SIGNATURE = (
    b"dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSwganVzdCBzYW1wbGUgYnl0ZXMgZm9yIHRoZSBkZWNvZGVyIGRlbW8"
    b"gc28gdGhhdCBub2JvZHkgY29weWluZyB0aGlzIGZpbGUgbGVha3MgYW55dGhpbmcgb2YgdmFsdWUu"
)
SYMBOL = "HIGHNY-23NOV24-B57.5"


def _session() -> list[tuple[float, bool, Message]]:
    """(seconds after START, sent by the client, message), in order."""
    order_qty = Decimal("10")
    er_common = {
        "cl_ord_id": "ord-0001",
        "order_id": "8a3e64f2-41c9-4d3b-9f0e-6b2f0c1d7e55",
        "order_qty": order_qty,
        "side": enums.Side.BUY,
        "symbol": SYMBOL,
        "price": Decimal("0.56"),
    }
    return [
        (
            0.000,
            True,
            Logon(
                encrypt_method=enums.EncryptMethod.NONE,
                heart_bt_int=30,
                default_appl_ver_id=enums.DefaultApplVerID.FIX50SP2,
                raw_data=FAKE_SIGNATURE,
                reset_seq_num_flag=True,
                cancel_orders_on_disconnect=True,
            ),
        ),
        (
            0.042,
            False,
            Logon(
                encrypt_method=enums.EncryptMethod.NONE,
                heart_bt_int=30,
                default_appl_ver_id=enums.DefaultApplVerID.FIX50SP2,
                reset_seq_num_flag=True,
            ),
        ),
        (
            1.250,
            True,
            NewOrderSingle(
                cl_ord_id="ord-0001",
                order_qty=order_qty,
                ord_type=enums.OrdType.LIMIT,
                price=Decimal("0.56"),
                side=enums.Side.BUY,
                symbol=SYMBOL,
                time_in_force=enums.TimeInForce.GTC,
            ),
        ),
        (
            1.263,
            False,
            ExecutionReport(
                **er_common,
                exec_id="1;1",
                avg_px=Decimal("0"),
                cum_qty=Decimal("0"),
                leaves_qty=order_qty,
                ord_status=enums.OrdStatus.NEW,
                exec_type=enums.ExecType.NEW,
                transact_time=START + timedelta(seconds=1.262),
            ),
        ),
        (
            4.518,
            False,
            ExecutionReport(
                **er_common,
                exec_id="1;2",
                avg_px=Decimal("0.56"),
                cum_qty=Decimal("4"),
                leaves_qty=Decimal("6"),
                last_px=Decimal("0.56"),
                last_qty=Decimal("4"),
                ord_status=enums.OrdStatus.PARTIALLY_FILLED,
                exec_type=enums.ExecType.TRADE,
                transact_time=START + timedelta(seconds=4.517),
                long_qty=Decimal("4"),
                short_qty=Decimal("0"),
                misc_fees=[
                    MiscFee(
                        misc_fee_amt=Decimal("0.07"),
                        misc_fee_curr="USD",
                        misc_fee_type=enums.MiscFeeType.EXCHANGE_FEES,
                        misc_fee_basis=enums.MiscFeeBasis.ABSOLUTE,
                    )
                ],
                trd_match_id="c0ffee00-1234-4abc-8def-000000000042",
                aggressor_indicator=False,
                collateral_amount_changes=[
                    CollateralAmountChange(
                        collateral_amount_change=Decimal("-2.31"),
                        collateral_amount_type=enums.CollateralAmountType.BALANCE,
                    )
                ],
            ),
        ),
        (
            31.250,
            True,
            Heartbeat(),
        ),
        (
            34.518,
            False,
            Heartbeat(),
        ),
        (
            40.002,
            True,
            OrderCancelRequest(
                cl_ord_id="ord-0002",
                orig_cl_ord_id="ord-0001",
                side=enums.Side.BUY,
                symbol=SYMBOL,
            ),
        ),
        (
            40.015,
            False,
            ExecutionReport(
                **{**er_common, "cl_ord_id": "ord-0002"},
                orig_cl_ord_id="ord-0001",
                exec_id="1;3",
                avg_px=Decimal("0.56"),
                cum_qty=Decimal("4"),
                leaves_qty=Decimal("0"),
                ord_status=enums.OrdStatus.CANCELED,
                exec_type=enums.ExecType.CANCELED,
                transact_time=START + timedelta(seconds=40.014),
            ),
        ),
        (45.000, True, Logout()),
        (45.011, False, Logout(text="Logout acknowledged")),
    ]


def render() -> str:
    seq = {True: 0, False: 0}
    lines = []
    for offset, from_client, msg in _session():
        seq[from_client] += 1
        when = START + timedelta(seconds=offset)
        raw = msg.to_fix(
            sender_comp_id=CLIENT if from_client else EXCHANGE,
            target_comp_id=EXCHANGE if from_client else CLIENT,
            msg_seq_num=seq[from_client],
            sending_time=when,
        )
        stamp = when.strftime("%Y%m%d-%H:%M:%S.%f")[:-3]
        text = raw.replace(b"\x01", b"|").decode("ascii")
        lines.append(f"{stamp} : {text}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if OUTPUT is out of date")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        if not args.output.exists() or args.output.read_text(encoding="ascii") != text:
            print(f"{args.output} is out of date: run tools/make_sample_log.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="ascii")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
