"""Child process for test_store_crash: stores outbound messages in SYNC mode and, after
each store_outbound returns, reports the number on stdout ("sent"), until it is killed.

Usage: crash_writer.py DB_PATH SESSION_ID ROUND LIMIT
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from fixgw.store import Durability, SqliteStore


def is_heartbeat(seq: int) -> bool:
    """Every 7th number goes out with persist=False, like an admin message."""
    return seq % 7 == 0


def payload(seq: int, round_no: int) -> bytes:
    """Bytes for seq; they differ per round so a stale row from an earlier run shows."""
    body = f"35=D\x0134={seq}\x0111=r{round_no}-{seq}\x0158={'x' * (seq * 13 % 300)}\x01"
    return f"8=FIXT.1.1\x019={len(body)}\x01{body}10=000\x01".encode()


def main(argv: list[str]) -> int:
    path, session_id, round_no, limit = argv[1], argv[2], int(argv[3]), int(argv[4])
    store = SqliteStore(path, session_id, durability=Durability.SYNC)
    out = sys.stdout
    for _ in range(limit):
        seq = store.seqnums().next_sender
        raw = payload(seq, round_no)
        now = datetime.now(UTC)
        store.store_outbound(
            seq, "0" if is_heartbeat(seq) else "D", raw, now, persist=not is_heartbeat(seq)
        )
        out.write(f"{seq}\n")
        out.flush()
        store.log("out", seq, raw, now)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
