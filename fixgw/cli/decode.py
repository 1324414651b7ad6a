"""``fixgw decode``: print FIX messages from a log, a capture or a paste, one field a line.

Accepts SOH- or '|'-separated messages, any number per line, with or without a log prefix
(QuickFIX's ``20231124-12:00:00.000 : 8=FIXT.1.1|...``).  A '|'-separated message is turned back
into SOH form before BodyLength and CheckSum are checked, since that is what was on the wire.
A bad message is reported on stderr as ``line N: <reason>`` and the rest still decodes; the exit
code says whether any was bad.  RawData (the Logon signature) is never printed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from ..codec import TAG_ALIASES, CodecError, Decoder, FixMessage
from ..dictionary import Dictionary, DictionaryError, FieldDef, Member
from ..messages.prices import (
    CENTS_TAGS,
    PRICE_TAGS,
    PriceFormat,
    price_from_wire,
    wire_price_format,
)
from . import CliError

__all__ = ["register", "run", "split_messages"]

#: tags whose value is a secret whatever the dictionary calls them
_SECRET_TAGS = frozenset({89, 96, 554})
_DATA_TYPES = frozenset({"DATA", "XMLDATA"})


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "decode",
        help="print FIX messages (log lines, SOH or '|' separated) readably",
        description=(
            "Print FIX messages one field a line: Tag(Name)=value (meaning). Reads SOH- or "
            "'|'-separated messages, any number per line, with or without a log prefix. "
            "Bad messages are reported on stderr as 'line N: reason'; exit code 1 if any."
        ),
    )
    p.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="file to read (default: stdin)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per message")
    p.add_argument(
        "--dictionary",
        type=Path,
        default=None,
        metavar="PATH",
        help="QuickFIX XML dictionary (default: fixgw's own)",
    )
    p.add_argument(
        "--dollars",
        action="store_true",
        help="prices on the wire are dollars (the session logged on with UseDollars=Y); "
        "the exchange's Quote to an RFQ creator is always dollars",
    )
    p.set_defaults(func=run)


# --- finding messages in a line -------------------------------------------------------------------

_BODY_LENGTH = {sep: re.compile(rb"9=(\d{1,9})" + re.escape(sep)) for sep in (b"\x01", b"|")}
_CHECKSUM = {
    sep: re.compile(re.escape(sep) + rb"10=\d{3}" + re.escape(sep)) for sep in (b"\x01", b"|")
}


def split_messages(line: bytes) -> Iterator[bytes]:
    """The messages in one line, in SOH form.  Text around them (log prefixes) is skipped.

    A message is cut by its BodyLength; when that does not land on a CheckSum field it is cut at
    the next CheckSum field (or the end of the line) and the decoder reports what is wrong.
    """
    pos = 0
    n = len(line)
    while pos < n:
        start = line.find(b"8=FIX", pos)
        if start < 0:
            return
        if start > 0 and line[start - 1 : start].isdigit():  # e.g. 58=FIX... in free text
            pos = start + 1
            continue
        seps = [i for i in (line.find(b"\x01", start), line.find(b"|", start)) if i >= 0]
        if not seps:
            yield line[start:]
            return
        sep_pos = min(seps)
        sep = line[sep_pos : sep_pos + 1]
        end = -1
        m = _BODY_LENGTH[sep].match(line, sep_pos + 1)
        if m is not None:
            cs = m.end() + int(m.group(1))
            if line[cs : cs + 3] == b"10=" and line[cs + 6 : cs + 7] == sep:
                end = cs + 7
        if end < 0:
            m2 = _CHECKSUM[sep].search(line, sep_pos)
            end = m2.end() if m2 is not None else n
        raw = line[start:end]
        yield raw.replace(b"|", b"\x01") if sep == b"|" else raw
        pos = end


# --- rendering ---------------------------------------------------------------------------------


class _Renderer:
    def __init__(self, dictionary: Dictionary, use_dollars: bool) -> None:
        self.d = dictionary
        self.use_dollars = use_dollars

    def price_format(self, fm: FixMessage) -> PriceFormat:
        # Kalshi's CompIDs are KalshiNR/RT/PT/DC: that is how a log tells who sent a message.
        from_exchange = str(fm.header.get(49, "")).startswith("Kalshi")
        return wire_price_format(
            fm.msg_type, from_exchange=from_exchange, use_dollars=self.use_dollars
        )

    def field_def(self, msg_type: str, tag: int) -> FieldDef | None:
        """The definition a tag is read with (a legacy alias reads as its current tag)."""
        alias = TAG_ALIASES.get((msg_type, tag))
        md = self.d.messages.get(msg_type)
        if alias is not None and md is not None and tag not in md.tags and alias in md.tags:
            return self.d.fields[alias]
        return self.d.fields.get(tag)

    def secret(self, tag: int, fd: FieldDef | None) -> bool:
        return tag in _SECRET_TAGS or (fd is not None and fd.type in _DATA_TYPES)

    def dollars(self, tag: int, text: str, fmt: PriceFormat) -> Decimal | None:
        if tag not in PRICE_TAGS and tag not in CENTS_TAGS:
            return None
        try:
            return price_from_wire(tag, Decimal(text), fmt)
        except InvalidOperation:
            return None

    # text -------------------------------------------------------------------------------------

    def text(self, fm: FixMessage, line_no: int) -> str:
        md = self.d.messages[fm.msg_type]
        fmt = self.price_format(fm)
        out = [f"# line {line_no}: {md.name} (35={fm.msg_type})"]
        top: dict[int, Member] = {m.field.number: m for m in md.members}
        stack: list[dict[int, Member]] = []
        for tag, raw in fm.pairs:
            while stack and tag not in stack[-1]:
                stack.pop()
            member = (stack[-1] if stack else top).get(tag)
            out.append("  " * len(stack) + self.field_text(fm.msg_type, tag, raw, fmt))
            if member is not None and member.group is not None:
                stack.append({m.field.number: m for m in member.group.members})
        return "\n".join(out)

    def field_text(self, msg_type: str, tag: int, raw: bytes, fmt: PriceFormat) -> str:
        fd = self.field_def(msg_type, tag)
        name = fd.name if fd is not None else "unknown"
        if fd is not None and fd.number != tag:
            name += ", legacy tag"
        if self.secret(tag, fd):
            return f"{tag}({name})=<redacted {len(raw)} bytes>"
        value = raw.decode("utf-8", "backslashreplace")
        extra = ""
        if fd is not None and fd.enums.get(value, value) != value:
            extra = f" ({fd.enums[value]})"
        usd = self.dollars(tag, value, fmt)
        if usd is not None:
            extra = f" (${usd})"
        return f"{tag}({name})={value}{extra}"

    # json -------------------------------------------------------------------------------------

    def json(self, fm: FixMessage) -> dict[str, Any]:
        fmt = self.price_format(fm)
        obj: dict[str, Any] = {}
        for tag, raw in fm.pairs[:3]:
            obj[self.d.fields[tag].name] = int(raw) if tag == 9 else raw.decode("ascii", "replace")
        obj.update(self.json_fields(fm.msg_type, fm.header, fmt))
        obj.update(self.json_fields(fm.msg_type, fm.body, fmt))
        for tag, raw in fm.unknown:
            obj[str(tag)] = raw.decode("utf-8", "backslashreplace")
        obj["CheckSum"] = fm.pairs[-1][1].decode("ascii", "replace")
        return obj

    def json_fields(
        self, msg_type: str, values: dict[int, Any], fmt: PriceFormat
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for tag, v in values.items():
            fd = self.d.fields[tag]
            if isinstance(v, list):
                out[fd.name] = [self.json_fields(msg_type, e, fmt) for e in v]
            elif self.secret(tag, fd):
                out[fd.name] = f"<redacted {len(v)} bytes>"
            elif isinstance(v, Decimal):
                usd = price_from_wire(tag, v, fmt) if tag in PRICE_TAGS or tag in CENTS_TAGS else v
                out[fd.name] = str(usd)
            elif isinstance(v, datetime | date | time):
                out[fd.name] = v.isoformat()
            else:
                out[fd.name] = v
        return out


# --- the command -------------------------------------------------------------------------------


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by run()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    try:
        dictionary = Dictionary.load(args.dictionary) if args.dictionary else Dictionary.default()
    except DictionaryError as exc:
        raise CliError(f"--dictionary: {exc}") from None
    decoder = Decoder(dictionary, allow_unknown_tags=True)
    render = _Renderer(dictionary, args.dollars)
    stream = _open(args.file)
    bad = good = 0
    first = True
    try:
        for line_no, line in enumerate(stream, 1):
            for raw in split_messages(line.rstrip(b"\r\n")):
                try:
                    fm = decoder.decode(raw)
                except CodecError as exc:
                    bad += 1
                    print(f"line {line_no}: {exc}", file=sys.stderr)
                    continue
                good += 1
                if args.json:
                    print(json.dumps(render.json(fm), ensure_ascii=False))
                else:
                    if not first:
                        print()
                    print(render.text(fm, line_no))
                    first = False
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if not good and not bad:
        print(f"fixgw decode: no FIX messages found in {args.file}", file=sys.stderr)
        return 1
    return 1 if bad else 0
