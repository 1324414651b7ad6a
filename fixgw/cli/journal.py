"""``fixgw journal tail [-n N] [-f]`` and ``fixgw journal show CLORDID``."""

from __future__ import annotations

import argparse
import json
import time

from . import CliError
from ._common import add_config_args, open_journal


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("journal", help="read the gateway journal")
    ss = p.add_subparsers(dest="journal_command", metavar="tail|show")
    ss.required = True
    t = ss.add_parser("tail", help="last messages (raw data redacted)")
    add_config_args(t, journal=True)
    t.add_argument("-n", type=int, default=20, help="how many (default 20)")
    t.add_argument("-f", "--follow", action="store_true", help="keep printing new messages")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=run_tail)
    s = ss.add_parser("show", help="every message and state change of one order (any ClOrdID of its chain)")
    add_config_args(s, journal=True)
    s.add_argument("cl_ord_id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=run_show)


def _line(row, as_json: bool) -> str:
    if as_json:
        return json.dumps(row.to_dict())
    arrow = "<-" if row.direction == "in" else "->"
    what = " ".join(
        f"{k}={v}"
        for k, v in (("seq", row.seq), ("cl", row.cl_ord_id), ("exec", row.exec_id), ("status", row.ord_status),
                     ("px", row.price), ("qty", row.qty), ("text", row.text))
        if v is not None
    )  # fmt: skip
    return f"{row.at:%Y-%m-%d %H:%M:%S.%f} {row.session_id} {arrow} {row.msg_type or '?'} {what}"


def run_tail(args: argparse.Namespace) -> int:
    j = open_journal(args)
    try:
        rows = j.tail(args.n)
        for r in rows:
            print(_line(r, args.json), flush=True)
        last = rows[-1].id if rows else None
        while args.follow:
            time.sleep(0.5)
            more = j.tail(10_000, after_id=last)
            for r in more:
                print(_line(r, args.json), flush=True)
                last = r.id
    finally:
        j.close()
    return 0


def run_show(args: argparse.Namespace) -> int:
    j = open_journal(args)
    try:
        messages, states = j.order_history(args.cl_ord_id)
    finally:
        j.close()
    if not messages and not states:
        raise CliError(f"no order with ClOrdID {args.cl_ord_id!r} in the journal", code=1)
    if args.json:
        print(json.dumps({"messages": [m.to_dict() for m in messages], "states": states}, default=str))
        return 0
    print(f"messages ({len(messages)}):")
    for m in messages:
        print("  " + _line(m, False))
    print(f"state changes ({len(states)}):")
    for s in states:
        print(f"  {s.get('event_time') or s.get('at') or ''} {s.get('status')} cum={s.get('cum_qty')} leaves={s.get('leaves_qty')} avg={s.get('avg_px')}")
    return 0
