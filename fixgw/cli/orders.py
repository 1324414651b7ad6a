"""``fixgw orders [--open]``: orders as the journal last saw them."""

from __future__ import annotations

import argparse
import json

from ._common import add_config_args, open_journal

COLUMNS = ("cl_ord_id", "symbol", "side", "status", "price", "order_qty", "cum_qty", "leaves_qty", "avg_px")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("orders", help="list orders recorded in the journal")
    add_config_args(p, journal=True)
    p.add_argument("--open", action="store_true", help="only orders still open")
    p.add_argument("--json", action="store_true", help="one JSON object per order")
    p.set_defaults(func=run)


_SIDES = {"1": "BUY", "2": "SELL"}


def _cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if column == "side":
        return _SIDES.get(str(value), str(value))
    return str(value)


def run(args: argparse.Namespace) -> int:
    j = open_journal(args)
    try:
        rows = j.orders(open_only=args.open)
    finally:
        j.close()
    if args.json:
        for r in rows:
            print(json.dumps(r, default=str))
        return 0
    if not rows:
        print("no open orders" if args.open else "no orders")
        return 0
    table = [tuple(_cell(c, r.get(c)) for c in COLUMNS) for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in table)) for i, c in enumerate(COLUMNS)]
    print("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)))
    for t in table:
        print("  ".join(v.ljust(w) for v, w in zip(t, widths, strict=True)))
    return 0
