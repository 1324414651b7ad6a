"""``fixgw keygen DIR``: a Kalshi API key pair, as the Authentication page's openssl commands make.

Prints the new key's UUID (the SenderCompID to use against the simulator) on stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..crypto.keys import generate_key_pair
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keygen", help="create an RSA-2048 API key pair: DIR/<uuid>.key (0600) and DIR/<uuid>.pub"
    )
    p.add_argument(
        "dir", metavar="DIR", help="directory for the key files (created 0700 if missing)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    d = Path(args.dir)
    if d.exists() and not d.is_dir():
        raise CliError(f"keygen: {d} exists and is not a directory")
    try:
        uuid = generate_key_pair(d)
    except OSError as exc:
        raise CliError(f"keygen: cannot write keys in {d}: {exc.strerror or exc}") from None
    print(uuid)
    print(f"wrote {d / (uuid + '.key')} (private, 0600) and {d / (uuid + '.pub')}", file=sys.stderr)
    return 0
