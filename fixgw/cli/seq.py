"""``fixgw seq show|set``: inspect and repair a session store's sequence numbers."""

from __future__ import annotations

import argparse

from ..store import StoreError
from ..store import admin as store_admin
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("seq", help="show or set stored sequence numbers")
    ss = p.add_subparsers(dest="seq_command", metavar="show|set")
    ss.required = True
    show = ss.add_parser("show", help="list every session in a store file with its next sequence numbers")
    show.add_argument("store", help="SQLite store file (state-dir/sessions.sqlite)")
    show.set_defaults(func=run_show)
    st = ss.add_parser("set", help="set a session's next sender and/or target sequence number (gateway stopped)")
    st.add_argument("store")
    st.add_argument("session", help="session id, as `fixgw seq show` prints it")
    st.add_argument("--next-sender", type=int, help="MsgSeqNum our next message will carry")
    st.add_argument("--next-target", type=int, help="MsgSeqNum we expect next from the exchange")
    st.add_argument("--create", action="store_true", help="create the session if it is not in the file")
    st.set_defaults(func=run_set)


def run_show(args: argparse.Namespace) -> int:
    try:
        rows = store_admin.show_seqnums(args.store)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    print(store_admin.format_seqnums(rows))
    return 0


def run_set(args: argparse.Namespace) -> int:
    if args.next_sender is None and args.next_target is None:
        raise CliError("seq set: give --next-sender and/or --next-target")
    try:
        new = store_admin.set_seqnums(
            args.store, args.session, next_sender=args.next_sender, next_target=args.next_target, create=args.create
        )
    except StoreError as exc:
        raise CliError(str(exc)) from None
    print(f"{args.session}: next sender {new.next_sender}, next target {new.next_target}")
    return 0
