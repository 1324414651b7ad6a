"""``fixgw dropcopy replay``: execution reports from KalshiDC into a JSON Lines file."""

from __future__ import annotations

import argparse
import asyncio
import sys
from decimal import Decimal
from pathlib import Path

from . import CliError
from ._common import load_gateway_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dropcopy", help="drop-copy tools (KalshiDC)")
    ss = p.add_subparsers(dest="dropcopy_command", metavar="replay")
    ss.required = True
    r = ss.add_parser("replay", help="fetch execution reports by ExecID range; resumable, written once each")
    r.add_argument("--config", "-c", default="config/gateway.toml")
    r.add_argument("--session", help="name of the KalshiDC [[session]] (default: the only one)")
    r.add_argument("--from", dest="begin", help="first ExecID (e.g. '4;7'); default: after the saved cursor")
    r.add_argument("--to", dest="end", help="last ExecID (default: latest)")
    r.add_argument("--out", help="output file (default: <state_dir>/dropcopy-<api key>.jsonl)")
    r.add_argument("--chunk", type=int, default=1000, help="ExecIDs per request (default 1000)")
    r.add_argument("--reconcile", action="store_true", help="compare with the journal and print differences")
    r.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for logon")
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..app import ClientConfig, DropCopyRejected, KalshiClient, LogonRefused
    from ..app.dropcopy import exec_id_key
    from ..crypto.keys import KeyLoadError, PrivateKey
    from ..gateway.replay import Progress, ReplayCursor, reconcile, replay_to_file
    from ..transport import Endpoint

    cfg = load_gateway_config(args.config)
    dcs = [s for s in cfg.sessions if s.type == "KalshiDC" and (args.session is None or s.name == args.session)]
    if not dcs:
        raise CliError(f"{cfg.source}: no KalshiDC session" + (f" named {args.session!r}" if args.session else ""))
    if len(dcs) > 1:
        raise CliError(f"{cfg.source}: several KalshiDC sessions; choose one with --session")
    s = dcs[0]
    try:
        key = PrivateKey.from_file(s.private_key_file) if s.private_key_file else PrivateKey.from_env(s.private_key_env or "")
    except KeyLoadError as exc:
        raise CliError(str(exc)) from None
    out = Path(args.out) if args.out else cfg.state_dir / f"dropcopy-{s.api_key}.jsonl"
    try:
        cursor = ReplayCursor.load(out.with_suffix(".cursor.json"))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    host, port = cfg.endpoint_for(s)
    endpoint = Endpoint(
        host, port,
        pinned_cert=str(cfg.tls.pinned_cert) if cfg.tls.pinned_cert else None,
        cafile=str(cfg.tls.cafile) if cfg.tls.cafile else None,
    )  # fmt: skip

    async def main() -> int:
        client = KalshiClient(
            ClientConfig(
                session_type="KalshiDC", api_key=s.api_key, endpoint=endpoint, private_key=key, flags=s.flags,
                heartbeat_interval=s.heartbeat, logon_timeout=args.timeout, reconnect=False,
            )
        )  # fmt: skip
        try:
            await client.start()
        except LogonRefused as exc:
            raise CliError(str(exc)) from None
        try:
            stats = await replay_to_file(
                client.dropcopy, out=out, cursor=cursor, begin=args.begin, end=args.end, chunk=args.chunk,
                progress=Progress(sys.stderr),
            )  # fmt: skip
        except (DropCopyRejected, ValueError) as exc:
            raise CliError(str(exc), code=1) from None
        finally:
            await client.close()
        print(
            f"{stats.written} new execution reports written to {out} "
            f"({stats.received} received, {stats.duplicates} already there); last ExecID {stats.last_exec_id or cursor.last_exec_id or '-'}"
        )
        if args.reconcile:
            from ..gateway.journal_sqlite import SqliteJournal
            from ..gateway.replay import folded_news, load_replay_file

            rows = load_replay_file(out)
            exchange_ids = [r["exec_id"] for r in rows]
            if not cfg.journal_path.exists():
                raise CliError(f"--reconcile: no journal at {cfg.journal_path}")
            j = SqliteJournal(cfg.journal_path, writer_thread=False)
            try:
                journal_ids = j.exec_ids()
                traded = [o["order_id"] for o in j.orders() if o.get("order_id") and Decimal(o.get("cum_qty") or 0) > 0]
            finally:
                j.close()
            first = min(exchange_ids, key=exec_id_key) if exchange_ids else None
            rec = reconcile(exchange_ids, journal_ids, begin=first, end=args.end, folded=folded_news(rows, traded))
            for e in rec.missing_in_journal:
                print(f"missing in journal: {e}")
            for e in rec.unknown_to_exchange:
                print(f"in journal, not at the exchange: {e}")
            folded = f" ({len(rec.folded)} New reports folded into fills)" if rec.folded else ""
            print(f"reconciled: journal and exchange agree{folded}" if rec.clean else
                  f"reconcile: {len(rec.missing_in_journal)} missing in journal, {len(rec.unknown_to_exchange)} unknown to the exchange")  # fmt: skip
            return 0 if rec.clean else 1
        return 0

    return asyncio.run(main())
