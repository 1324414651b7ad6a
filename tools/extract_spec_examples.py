#!/usr/bin/env python3
"""Collect the FIX message examples in Kalshi's spec pages into tests/data/spec_examples.json.

Why: the published pages are the only independent source of Kalshi wire examples, so a test
decodes every one of them. The extraction is mechanical (a tokenizer over ```fix blocks) and the
hand review (salient fields, group layout, why an example is incomplete) lives in REVIEW below,
checked against what was parsed, so regenerating the file is reproducible and any change in the
docs fails loudly instead of silently changing the test data.

Usage: extract_spec_examples.py [SPEC_DIR] [-o OUTPUT]
  SPEC_DIR defaults to <repo>/../shared/spec/kalshi-docs, OUTPUT to
  <repo>/tests/data/spec_examples.json. Stdlib only; output is deterministic.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC_DIR = REPO_ROOT.parent / "shared" / "spec" / "kalshi-docs"
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "data" / "spec_examples.json"
PAGE_GLOBS = ("fix__*.md", "getting_started__*.md")
FIX_LANGS = {"fix"}
FRAMING_TAGS = {8: "BeginString", 9: "BodyLength", 10: "CheckSum"}
TRUNCATION = "..."


class ExtractError(ValueError):
    """A spec page or the review table does not match what the extractor expects."""


# --------------------------------------------------------------------------------------------
# Finding the code blocks
# --------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```(\S*)(.*)$")
_THEME = re.compile(r"^(.*?)\btheme=\{[^}]*\}(.*)$")
_BODY_START = re.compile(r"//|\b\d+=")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_EXAMPLE_LABEL = re.compile(r"\*\*(Example[^*]*)\*\*")
_HEADING_MSGTYPE = re.compile(r"^(.*?\(35=\w+\))")


@dataclass
class Block:
    """One ```fix code block: its title (or the nearest label/heading) and raw text."""

    line: int
    title: str
    body: str


def _short_heading(text: str) -> str:
    """Pages were flattened, so a heading line runs on into its section text; keep the head."""
    m = _HEADING_MSGTYPE.match(text)
    if m:
        return m.group(1).strip()
    for stop in (" **", " |"):
        cut = text.find(stop)
        if cut != -1:
            text = text[:cut]
    return text.strip()


def _fallback_title(heading: str, label: str) -> str:
    label = label.strip().rstrip(":").strip()
    if label and label.lower() != "example":
        return label
    if label:
        return f"{heading} example" if heading else "Example"
    return heading


def find_blocks(text: str) -> list[Block]:
    """Return the ```fix / ```FIX blocks of a page, in order."""
    blocks: list[Block] = []
    heading = ""
    label = ""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence is None:
            head = _HEADING.match(line)
            if head:
                heading = _short_heading(head.group(1))
                label = ""
            labels = _EXAMPLE_LABEL.findall(line)
            if labels:
                label = labels[-1]
            i += 1
            continue
        lang, rest = fence.group(1), fence.group(2)
        start = i + 1  # 1-based line number of the fence
        body_lines: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].lstrip().startswith("```"):
            body_lines.append(lines[i])
            i += 1
        i += 1  # skip the closing fence
        if lang.lower() not in FIX_LANGS:
            continue
        themed = _THEME.match(rest)
        if themed:
            title, first = themed.group(1).strip(), themed.group(2)
        else:
            m = _BODY_START.search(rest)
            title, first = (
                (rest[: m.start()].strip(), rest[m.start() :]) if m else (rest.strip(), "")
            )
        body = "\n".join([first, *body_lines])
        blocks.append(Block(start, title or _fallback_title(heading, label), body))
    return blocks


# --------------------------------------------------------------------------------------------
# Tokenizing one block into messages
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | //[ \t]*(?P<comment>.*?)[ \t]*(?=(?<![\w=])8=FIX|\n|$)
    | \^\^[ \t]*(?P<annot>(?:(?!\d+=)[^\s|^]+[ \t]*)*)
    | (?P<ellipsis>\.\.\.)\|?(?=\s|$)
    | (?P<tag>\d+)=(?P<value>[^|\n]*?)[ \t]*(?:\||(?=\n)|$)
    """,
    re.VERBOSE,
)


@dataclass
class RawMessage:
    """A message as tokenized: fields in order plus what surrounded it in the docs."""

    line: int
    comments: list[str] = field(default_factory=list)
    fields: list[tuple[int, str]] = field(default_factory=list)
    annotations: list[str] = field(default_factory=list)
    truncated: bool = False


def split_messages(block: Block, page: str) -> list[RawMessage]:
    """Tokenize a block: comments (`//`), annotations (`^^`), `...`, and tag=value fields."""
    messages: list[RawMessage] = []
    pending: list[str] = []
    current: RawMessage | None = None
    body = block.body
    pos = 0
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        where = f"{page}:{block.line + body.count(chr(10), 0, pos)}"
        if m is None or m.end() == pos:
            raise ExtractError(f"{where}: cannot parse FIX example text {body[pos : pos + 40]!r}")
        pos = m.end()
        if m.group("ws") is not None:
            continue
        if m.group("comment") is not None:
            if m.group("comment"):
                pending.append(m.group("comment"))
            continue
        if m.group("annot") is not None or m.group("ellipsis") is not None:
            if current is None:
                raise ExtractError(f"{where}: '^^' or '...' before any message in the block")
            if m.group("ellipsis") is not None:
                current.truncated = True
            elif m.group("annot").strip():
                current.annotations.append(m.group("annot").strip())
            continue
        tag, value = int(m.group("tag")), m.group("value").strip()
        if tag == 8:
            current = RawMessage(line=block.line, comments=pending)
            pending = []
            messages.append(current)
        elif current is None:
            raise ExtractError(f"{where}: field {tag}={value!r} before BeginString(8)")
        current.fields.append((tag, value))
    if pending:
        if current is None:
            raise ExtractError(f"{page}:{block.line}: comment-only FIX block {pending!r}")
        current.comments.extend(pending)
    return messages


# --------------------------------------------------------------------------------------------
# Hand review: salient fields, group layout, and what makes an example incomplete.
# Keyed by (page, index within page); checked against the parsed fields by apply_review().
# --------------------------------------------------------------------------------------------

UMS_NOTE = (
    "MarketSettlementReport nests two groups inside each NoMarketSettlementPartyIDs(20108) "
    "entry: 20108 -> {20109, 20110, 704, 705, NoCollateralAmountChanges(1703) -> {1704, 1705}, "
    "NoMiscFees(136) -> {137, 138, 139, 891}}. LastFragment(893) is a top-level field but is "
    "written AFTER the groups (the dictionary declares it before 20108), so a decoder must "
    "close both nested groups when it meets 893. See 'groups' for the nested layout."
)

REVIEW: dict[tuple[str, int], dict[str, Any]] = {
    ("fix__drop-copy.md", 0): {
        "msg_type": "U1",
        "expect": {"21001": "12345;67890", "21002": "12350;67895"},
        "notes": "ExecIDs are '<a>;<b>' pairs; the ';' is part of the value.",
    },
    ("fix__error-handling.md", 0): {
        "msg_type": "D",
        "expect": {"11": "123", "38": "10"},
        "missing_required": [40, 44, 54, 55],
        "notes": "333333=test is deliberately an undefined tag (the point of the example: the "
        "exchange answers with Reject 373=3); a strict decoder rejects it.",
    },
    ("fix__error-handling.md", 1): {
        "msg_type": "3",
        "expect": {
            "45": "5",
            "58": "Undefined tag received",
            "371": "333333",
            "372": "D",
            "373": "3",
        },
        "notes": "58 contains spaces.",
    },
    ("fix__error-handling.md", 2): {
        "msg_type": "D",
        "expect": {"11": "456", "38": "10", "55": "HIGHNY-23DEC31"},
        "missing_required": [40, 44, 54],
    },
    ("fix__error-handling.md", 3): {
        "msg_type": "8",
        "expect": {"11": "456", "150": "8", "39": "8", "58": "EXCHANGE_PAUSED", "103": "2"},
        "missing_required": [6, 14, 17, 37, 38, 54, 55, 151],
    },
    ("fix__error-handling.md", 4): {
        "msg_type": "8",
        "expect": {"11": "789", "150": "8", "39": "8", "58": "INSUFFICIENT_BALANCE", "103": "3"},
        "missing_required": [6, 14, 17, 37, 38, 54, 55, 151],
    },
    ("fix__listener-sessions.md", 0): {
        "msg_type": "A",
        "expect": {"98": "0", "108": "30", "1137": "9", "20126": "Y", "21011": "Y"},
        "notes": "RawDataLength(95) is not shown either.",
    },
    ("fix__market-settlement.md", 0): {
        "msg_type": "UMS",
        "expect": {
            "20105": "settle-123",
            "55": "HIGHNY-23DEC31",
            "715": "20231231",
            "20107": "yes",
            "730": "100.00",
            "893": "Y",
        },
        "groups": {
            "20108": [
                {
                    "20109": "user-456",
                    "20110": "24",
                    "704": "100",
                    "705": "0",
                    "1703": [{"1704": "100.00", "1705": "PAYOUT"}],
                    "136": [{"137": "0.00", "138": "USD", "139": "4", "891": "0"}],
                }
            ]
        },
        "notes": UMS_NOTE,
    },
    ("fix__market-settlement.md", 1): {
        "msg_type": "UMS",
        "expect": {
            "20105": "settle-456",
            "55": "HIGHNY-23DEC31",
            "715": "20231231",
            "20107": "yes",
            "730": "100.00",
            "893": "Y",
        },
        "groups": {
            "20108": [
                {
                    "20109": "user-789",
                    "20110": "24",
                    "704": "100",
                    "705": "0",
                    "1703": [{"1704": "100.00", "1705": "PAYOUT"}],
                    "136": [{"137": "0.006", "138": "USD", "139": "4", "891": "0"}],
                }
            ]
        },
        "notes": UMS_NOTE + " The salient value is the sub-cent fee 137=0.006 (dollars, three "
        "decimals) in the NoMiscFees entry.",
    },
    ("fix__order-entry.md", 0): {
        "msg_type": "D",
        "expect": {
            "11": "550e8400-e29b-41d4-a716-446655440000",
            "38": "10",
            "44": "75",
            "54": "1",
            "55": "HIGHNY-23DEC31",
            "59": "1",
        },
        "notes": "Full header shown (34, 52, 49, 56); price 44=75 is in cents (legacy format).",
    },
    ("fix__order-groups.md", 0): {
        "msg_type": "UOG",
        "expect": {"20131": "1", "20132": "5000"},
    },
    ("fix__order-groups.md", 1): {
        "msg_type": "UOG",
        "expect": {"20131": "2", "20130": "770e8400-e29b-41d4-a716-446655440002"},
    },
    ("fix__order-groups.md", 2): {
        "msg_type": "UOG",
        "expect": {"20131": "3", "20130": "770e8400-e29b-41d4-a716-446655440002"},
    },
    ("fix__order-groups.md", 3): {
        "msg_type": "UOG",
        "expect": {"20131": "4", "20130": "770e8400-e29b-41d4-a716-446655440002"},
    },
    ("fix__order-groups.md", 4): {
        "msg_type": "UOG",
        "expect": {"20131": "5", "20130": "770e8400-e29b-41d4-a716-446655440002", "20132": "2500"},
    },
    ("fix__order-groups.md", 5): {
        "msg_type": "UOG",
        "expect": {"20131": "1", "20132": "5000", "79": "2"},
    },
    ("fix__rfq-messages.md", 0): {
        "msg_type": "R",
        "expect": {"131": "client-req-123", "146": "1", "55": "HIGHNY-23DEC31", "38": "100"},
        "notes": "NoRelatedSym(146) is a plain field in Kalshi's dictionary (not a group "
        "counter); 55 and 38 follow it at top level.",
    },
    ("fix__rfq-messages.md", 1): {
        "msg_type": "R",
        "expect": {
            "131": "client-req-456",
            "146": "1",
            "38": "100",
            "20180": "PARLAY-COLLECTION",
            "20181": "2",
        },
        "groups": {
            "20181": [
                {"20182": "EVENT1", "20183": "MKT1", "20184": "yes"},
                {"20182": "EVENT2", "20183": "MKT2", "20184": "no"},
            ]
        },
        "notes": "MVE legs: NoMultivariateSelectedLegs(20181)=2 with two entries "
        "{20182, 20183, 20184}; tags 20182-20184 repeat, so they are only in 'groups'. No "
        "Symbol(55): the legs replace it.",
    },
    ("fix__rfq-messages.md", 2): {
        "msg_type": "b",
        "expect": {"131": "client-req-123", "303": "1", "21023": "server-rfq-456"},
    },
    ("fix__rfq-messages.md", 3): {
        "msg_type": "b",
        "expect": {
            "131": "client-req-456",
            "303": "1",
            "21023": "server-rfq-789",
            "55": "PARLAY-MKT-ABC",
        },
    },
    ("fix__rfq-messages.md", 4): {
        "msg_type": "S",
        "expect": {
            "117": "quote-789",
            "131": "server-rfq-456",
            "55": "HIGHNY-23DEC31",
            "132": "0.7500",
            "133": "0.2500",
            "38": "100",
        },
        "notes": "Exchange -> Creator quote notification: the page's table gives BidPx(132) / "
        "OfferPx(133) in DOLLARS here regardless of UseDollars (the MM-side Quote uses cents).",
    },
    ("fix__rfq-messages.md", 5): {
        "msg_type": "UA",
        "expect": {"117": "quote-789", "54": "1", "38": "100", "11": "client-accept-123"},
    },
    ("fix__rfq-messages.md", 6): {
        "msg_type": "UC",
        "expect": {
            "117": "quote-789",
            "21025": "0",
            "21024": "quote-789",
            "11": "client-accept-123",
        },
    },
    ("fix__rfq-messages.md", 7): {
        "msg_type": "UE",
        "expect": {"131": "client-req-123"},
        "notes": "Only one body field exists in this example.",
    },
    ("fix__rfq-messages.md", 8): {
        "msg_type": "UB",
        "expect": {"131": "client-req-123", "21013": "0"},
    },
    ("fix__rfq-messages.md", 9): {
        "msg_type": "R",
        "expect": {
            "131": "server-rfq-456",
            "146": "1",
            "55": "HIGHNY-23DEC31",
            "38": "100",
            "453": "1",
        },
        "groups": {"453": [{"448": "anon-456"}]},
        "notes": "NoPartyIDs(453)=1 with one entry holding only PartyID(448); PartyRole(452) is "
        "not sent on the Exchange -> MM notification. 146 is a plain field (see the creator "
        "QuoteRequest).",
    },
    ("fix__rfq-messages.md", 10): {
        "msg_type": "S",
        "expect": {
            "117": "quote-789",
            "131": "server-rfq-456",
            "55": "HIGHNY-23DEC31",
            "132": "75",
            "133": "25",
        },
        "notes": "MM-side Quote: BidPx/OfferPx in cents (legacy format).",
    },
    ("fix__rfq-messages.md", 11): {
        "msg_type": "AI",
        "expect": {
            "117": "quote-789",
            "131": "server-rfq-456",
            "297": "10",
            "38": "100",
            "132": "75",
            "133": "25",
        },
        "notes": "QuoteStatus 297=10 is PENDING; prices in cents.",
    },
    ("fix__rfq-messages.md", 12): {
        "msg_type": "AI",
        "expect": {"117": "quote-789", "131": "server-rfq-456", "297": "0", "54": "1", "38": "100"},
        "notes": "QuoteStatus 297=0 is ACCEPTED; 54 is the accepted side.",
    },
    ("fix__rfq-messages.md", 13): {
        "msg_type": "U7",
        "expect": {"117": "quote-789"},
        "notes": "Only one body field exists in this example.",
    },
    ("fix__rfq-messages.md", 14): {
        "msg_type": "U8",
        "expect": {"117": "quote-789", "21010": "0"},
    },
    ("fix__subpenny-pricing.md", 0): {
        "msg_type": "A",
        "use_dollars": True,
        "expect": {"21005": "Y"},
        "missing_required": [98, 108, 1137],
        "notes": "The Logon that turns UseDollars on; it has no prices. RawDataLength(95) is "
        "not shown either.",
    },
    ("fix__subpenny-pricing.md", 1): {
        "msg_type": "D",
        "use_dollars": True,
        "expect": {
            "38": "100.0",
            "40": "2",
            "44": "0.7500",
            "54": "1",
            "60": "20250926-21:54:16.040",
        },
        "missing_required": [11, 55],
        "notes": "Price 44=0.7500 is dollars (75 cents) and OrderQty 38=100.0 is fixed-point.",
    },
    ("fix__subpenny-pricing.md", 2): {
        "msg_type": "8",
        "use_dollars": True,
        "expect": {
            "6": "0.6600",
            "14": "100",
            "31": "0.7000",
            "32": "60",
            "38": "100.0000",
            "44": "0.7500",
        },
        "missing_required": [11, 17, 37, 54, 55, 150, 151],
        "notes": "Dollar prices: AvgPx 6=0.6600, LastPx 31=0.7000, Price 44=0.7500. The page "
        "shows only the pricing/quantity fields of the report.",
    },
}


# --------------------------------------------------------------------------------------------
# Normalising and checking
# --------------------------------------------------------------------------------------------


def _flatten_groups(groups: dict[str, list[dict[str, Any]]]) -> list[tuple[int, str]]:
    flat: list[tuple[int, str]] = []
    for count_tag, entries in groups.items():
        flat.append((int(count_tag), str(len(entries))))
        for entry in entries:
            for tag, value in entry.items():
                if isinstance(value, list):
                    flat.extend(_flatten_groups({tag: value}))
                else:
                    flat.append((int(tag), value))
    return flat


def _check_groups(
    where: str, fields: list[tuple[int, str]], groups: dict[str, list[dict[str, Any]]]
) -> set[int]:
    """Each group layout must reproduce the field run starting at its counter; return its span."""
    span: set[int] = set()
    for count_tag, entries in groups.items():
        flat = _flatten_groups({count_tag: entries})
        starts = [i for i, (t, _) in enumerate(fields) if t == int(count_tag)]
        if len(starts) != 1:
            raise ExtractError(f"{where}: group counter {count_tag} occurs {len(starts)} times")
        run = fields[starts[0] : starts[0] + len(flat)]
        if run != flat:
            raise ExtractError(f"{where}: group {count_tag} layout {flat} != fields {run}")
        span.update(range(starts[0] + 1, starts[0] + len(flat)))
    return span


def build_example(page: str, index: int, title: str, raw: RawMessage) -> dict[str, Any]:
    """Normalise one tokenized message and merge in its REVIEW entry (checked)."""
    where = f"{page}:{raw.line} example {index}"
    review = REVIEW.get((page, index))
    if review is None:
        raise ExtractError(f"{where}: no REVIEW entry; review the new example and add one")

    begin = raw.fields[0][1]
    dropped: dict[str, str] = {}
    fields: list[tuple[int, str]] = []
    truncated_tags: list[int] = []
    empty_tags: list[int] = []
    for tag, value in raw.fields[1:]:
        if tag in FRAMING_TAGS:
            if tag == 8:
                raise ExtractError(f"{where}: second BeginString(8) inside one message")
            dropped[str(tag)] = value
            continue
        if value.endswith(TRUNCATION):
            value = value[: -len(TRUNCATION)]
            truncated_tags.append(tag)
        if value == "":
            empty_tags.append(tag)
        fields.append((tag, value))

    msg_types = [v for t, v in fields if t == 35]
    if len(msg_types) != 1:
        raise ExtractError(f"{where}: expected one MsgType(35), found {msg_types}")
    msg_type = msg_types[0]
    if review["msg_type"] != msg_type:
        raise ExtractError(f"{where}: REVIEW says 35={review['msg_type']}, docs say 35={msg_type}")

    groups: dict[str, list[dict[str, Any]]] = review.get("groups", {})
    group_span = _check_groups(where, fields, groups)
    for tag, value in review["expect"].items():
        hits = [i for i, (t, _) in enumerate(fields) if t == int(tag)]
        if len(hits) != 1 or hits[0] in group_span:
            raise ExtractError(f"{where}: expect tag {tag} must be a single top-level field")
        if fields[hits[0]][1] != value:
            raise ExtractError(
                f"{where}: expect {tag}={value!r} but docs show {tag}={fields[hits[0]][1]!r}"
            )
    present = {t for t, _ in fields}
    missing_required: list[int] = review.get("missing_required", [])
    if present & set(missing_required):
        raise ExtractError(
            f"{where}: missing_required lists present tags "
            f"{sorted(present & set(missing_required))}"
        )

    reasons: list[str] = []
    notes: list[str] = []
    if raw.truncated:
        reasons.append("truncated")
        notes.append(
            "The docs cut the message off with a trailing '...'; the remaining fields "
            "are not shown."
        )
    if truncated_tags:
        reasons.append("truncated_value")
        notes.append(
            f"Value of tag(s) {truncated_tags} is cut off with '...' in the docs; the "
            "shown prefix is kept and cannot be used as-is (e.g. a Logon signature)."
        )
    if empty_tags:
        reasons.append("empty_value")
        notes.append(
            f"Tag(s) {empty_tags} have an empty placeholder value in the docs (FIX "
            "forbids empty values; a real Logon carries the signature there)."
        )
    if missing_required:
        reasons.append("missing_required")
        notes.append(
            f"Required body field(s) {missing_required} (per Kalshi's dictionary) are "
            "absent from the example."
        )
    if dropped:
        shown = ", ".join(f"{t}={v}" for t, v in dropped.items())
        notes.append(
            f"Docs show {shown} (placeholder framing values; dropped, recomputed on encode)."
        )
    if review.get("notes"):
        notes.append(review["notes"])

    return {
        "id": f"{page}#{index}",
        "page": page,
        "line": raw.line,
        "index": index,
        "title": title,
        "comment": " / ".join(raw.comments) if raw.comments else None,
        "begin_string": begin,
        "msg_type": msg_type,
        "fields": [[t, v] for t, v in fields],
        "expect": dict(review["expect"]),
        "groups": groups,
        "use_dollars": bool(review.get("use_dollars", False)),
        "incomplete": bool(reasons),
        "incomplete_reasons": reasons,
        "truncated_tags": truncated_tags,
        "missing_required": missing_required,
        "annotations": raw.annotations,
        "dropped": dropped,
        "notes": " ".join(notes),
    }


def extract_page(path: Path) -> list[dict[str, Any]]:
    """All examples on one page, in order of appearance."""
    page = path.name
    examples: list[dict[str, Any]] = []
    for block in find_blocks(path.read_text(encoding="utf-8")):
        for raw in split_messages(block, page):
            examples.append(build_example(page, len(examples), block.title, raw))
    return examples


def extract(spec_dir: Path) -> list[dict[str, Any]]:
    """All examples of all FIX and getting-started pages, pages in name order."""
    if not spec_dir.is_dir():
        raise ExtractError(f"spec directory {spec_dir} does not exist")
    pages = sorted({p for pattern in PAGE_GLOBS for p in spec_dir.glob(pattern)})
    examples = [ex for page in pages for ex in extract_page(page)]
    seen = {(ex["page"], ex["index"]) for ex in examples}
    stale = sorted(set(REVIEW) - seen)
    if stale:
        raise ExtractError(f"REVIEW entries with no matching example in the docs: {stale}")
    return examples


def render(examples: list[dict[str, Any]]) -> str:
    """JSON with one [tag, value] pair per line, so diffs of the data file stay readable."""
    out = ["["]
    for n, ex in enumerate(examples):
        out.append("  {")
        items = list(ex.items())
        for k, (key, value) in enumerate(items):
            comma = "," if k < len(items) - 1 else ""
            if key == "fields":
                pairs = [f"      {json.dumps(pair, ensure_ascii=False)}" for pair in value]
                body = ",\n".join(pairs)
                out.append(f'    "fields": [\n{body}\n    ]{comma}')
            else:
                out.append(f"    {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
        out.append("  }" + ("," if n < len(examples) - 1 else ""))
    out.append("]")
    return "\n".join(out) + "\n"


def page_counts(examples: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ex in examples:
        counts[ex["page"]] = counts.get(ex["page"], 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec_dir", nargs="?", type=Path, default=DEFAULT_SPEC_DIR)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        examples = extract(args.spec_dir)
    except ExtractError as exc:
        print(f"extract_spec_examples: {exc}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(examples), encoding="utf-8")
    for page, count in page_counts(examples).items():
        print(f"{page}: {count}")
    print(f"total: {len(examples)} -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
