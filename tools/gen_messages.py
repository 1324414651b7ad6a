#!/usr/bin/env python3
"""Generate ``fixgw/messages/enums.py`` and ``fixgw/messages/generated.py`` from the dictionary.

Generated (rather than built at import) so editors, type checkers and readers see real
classes.  ``tests/test_messages_generated.py`` fails when the checked-in files differ from what
this script produces, so the dictionary and the code cannot drift apart.

Usage: python tools/gen_messages.py [--dictionary PATH] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixgw.dictionary import DEFAULT_DICTIONARY_PATH, Dictionary, FieldDef, Member  # noqa: E402

INT_TYPES = {"INT", "SEQNUM", "LENGTH", "NUMINGROUP", "TAGNUM", "DAYOFMONTH"}
DEC_TYPES = {"PRICE", "QTY", "AMT", "FLOAT", "PRICEOFFSET", "PERCENTAGE", "DECIMAL"}
HEADER_SKIP = {8, 9, 35}


def snake(name: str) -> str:
    name = name.replace("IDs", "Ids")
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    return s + "_" if keyword.iskeyword(s) else s


def group_names(count_name: str) -> tuple[str, str]:
    """(class name, attribute name) for a group count field: NoMiscFees -> MiscFee, misc_fees."""
    base = count_name[2:] if count_name.startswith("No") else count_name
    attr = snake(base)
    if base.endswith("IDs"):
        cls = base[:-3]
    elif base.endswith("s"):
        cls = base[:-1]
    else:
        cls = base
    return cls, attr


def enum_member(desc: str, value: str, taken: set[str]) -> str:
    n = re.sub(r"\W+", "_", desc).strip("_").upper() or "VALUE"
    if n[0].isdigit():
        n = "V_" + n
    if keyword.iskeyword(n.lower()) and n.islower():
        n += "_"
    if n in taken:
        n = n + "_" + re.sub(r"\W+", "_", value)
    taken.add(n)
    return n


def py_type(fd: FieldDef) -> str:
    if fd.enums:
        return f"enums.{fd.name}"
    t = fd.type
    if t in INT_TYPES:
        return "int"
    if t in DEC_TYPES:
        return "Decimal"
    if t == "BOOLEAN":
        return "bool"
    if t == "UTCTIMESTAMP":
        return "datetime"
    if t in ("LOCALMKTDATE", "UTCDATEONLY", "UTCDATE"):
        return "date"
    if t == "UTCTIMEONLY":
        return "time"
    if t in ("DATA", "XMLDATA"):
        return "bytes"
    return "str"


def gen_enums(d: Dictionary, src: str) -> str:
    lines = [
        f'"""FIX enumerations, generated from {src} by tools/gen_messages.py.  Do not edit."""',
        "",
        "from __future__ import annotations",
        "",
        "from .base import FixEnum",
        "",
    ]
    names = []
    for fd in sorted(d.fields.values(), key=lambda f: f.number):
        if not fd.enums:
            continue
        names.append(fd.name)
        is_int = fd.type in INT_TYPES and all(v.lstrip("-").isdigit() for v in fd.enums)
        is_bool = fd.type == "BOOLEAN"
        lines += ["", f"class {fd.name}(FixEnum):", f'    """Tag {fd.number} ({fd.type})."""', ""]
        taken: set[str] = set()
        for value, desc in fd.enums.items():
            if is_int:
                lit = str(int(value))
            elif is_bool:
                lit = "True" if value == "Y" else "False"
            else:
                lit = repr(value)
            lines.append(f"    {enum_member(desc, value, taken)} = {lit}")
        lines.append("")
    lines.insert(6, "__all__ = [" + ", ".join(repr(n) for n in names) + "]")
    lines.insert(7, "")
    return "\n".join(lines).rstrip() + "\n"


class _Gen:
    def __init__(self, d: Dictionary) -> None:
        self.d = d
        self.groups: dict[str, tuple[Member, str]] = {}  # class name -> (member, code)
        self.group_sig: dict[str, tuple] = {}
        self.order: list[str] = []

    def sig(self, m: Member) -> tuple:
        assert m.group is not None
        return tuple((x.field.number, x.required, self.sig(x) if x.group else None) for x in m.group.members)

    def group_class(self, m: Member, owner: str) -> str:
        cls, _ = group_names(m.field.name)
        sig = self.sig(m)
        if cls in self.group_sig and self.group_sig[cls] != sig:
            cls = f"{owner}{cls}"
        if cls not in self.group_sig:
            self.group_sig[cls] = sig
            assert m.group is not None
            body = self.fields(m.group.members, cls)
            code = [
                "@dataclass(slots=True, kw_only=True)",
                f"class {cls}(Group):",
                f'    """One entry of {m.field.name} ({m.field.number})."""',
                "",
                f"    COUNT_TAG: ClassVar[int] = {m.field.number}",
                *body,
            ]
            self.groups[cls] = (m, "\n".join(code))
            self.order.append(cls)
        return cls

    def fields(self, members: tuple[Member, ...], owner: str) -> list[str]:
        """Fields in dictionary order (kw_only dataclasses allow defaults anywhere), which is
        also the order they go on the wire: a group's delimiter stays first."""
        out = []
        for m in members:
            fd = m.field
            if m.group is not None:
                gcls = self.group_class(m, owner)
                _, attr = group_names(fd.name)
                out.append(f"    {attr}: list[{gcls}] = fix_field({fd.number}, group={gcls})")
                continue
            t = py_type(fd)
            enum = f", enum={t}" if fd.enums else ""
            if m.required:
                out.append(f"    {snake(fd.name)}: {t} = fix_field({fd.number}, required=True{enum})")
            else:
                out.append(f"    {snake(fd.name)}: {t} | None = fix_field({fd.number}{enum})")
        return out


def gen_messages(d: Dictionary, src: str) -> str:
    g = _Gen(d)
    header_members = tuple(m for m in d.header if m.field.number not in HEADER_SKIP)
    # Header fields are all optional here so a message can be built before the session fills them.
    header_members = tuple(Member(m.field, False, m.group) for m in header_members)
    header_code = [
        "@dataclass(slots=True, kw_only=True)",
        "class StandardHeader(Header):",
        '    """Header fields of a decoded message (the session layer writes them on send)."""',
        "",
        *g.fields(header_members, "Header"),
    ]
    msgs = []
    registry = []
    for mt, md in d.messages.items():
        body = g.fields(md.members, md.name)
        msgs.append(
            "\n".join(
                [
                    "@dataclass(slots=True, kw_only=True)",
                    f"class {md.name}(Message):",
                    f'    """MsgType {mt} ({"admin" if md.admin else "application"})."""',
                    "",
                    f"    MSG_TYPE: ClassVar[str] = {mt!r}",
                    f"    ADMIN: ClassVar[bool] = {md.admin}",
                    *body,
                    "    header: StandardHeader | None = field(default=None, compare=False, repr=False)",
                ]
            )
        )
        registry.append(f"    {mt!r}: {md.name},")
    names = ["StandardHeader", *g.order, *(md.name for md in d.messages.values()), "MESSAGE_TYPES"]
    out = [
        f'"""Message dataclasses, generated from {src} by tools/gen_messages.py.  Do not edit."""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass, field",
        "from datetime import date, datetime, time  # noqa: F401",
        "from decimal import Decimal  # noqa: F401",
        "from typing import ClassVar",
        "",
        "from . import enums",
        "from .base import Group, Header, Message, fix_field",
        "",
        "__all__ = [" + ", ".join(repr(n) for n in names) + "]",
        "",
        "",
        "\n\n\n".join(g.groups[c][1] for c in g.order),
        "",
        "",
        "\n".join(header_code),
        "",
        "",
        "\n\n\n".join(msgs),
        "",
        "",
        "#: MsgType -> message class",
        "MESSAGE_TYPES: dict[str, type[Message]] = {",
        *registry,
        "}",
    ]
    return "\n".join(out) + "\n"


def render(dictionary_path: Path) -> dict[str, str]:
    d = Dictionary.load(dictionary_path)
    try:
        src = str(dictionary_path.resolve().relative_to(ROOT))
    except ValueError:
        src = dictionary_path.name
    return {"enums.py": gen_enums(d, src), "generated.py": gen_messages(d, src)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dictionary", type=Path, default=DEFAULT_DICTIONARY_PATH)
    ap.add_argument("--out", type=Path, default=ROOT / "fixgw" / "messages")
    ap.add_argument("--check", action="store_true", help="exit 1 if the files are out of date")
    args = ap.parse_args(argv)
    files = render(args.dictionary)
    stale = []
    for name, text in files.items():
        path = args.out / name
        if path.exists() and path.read_text() == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text)
    if args.check and stale:
        print(f"out of date: {', '.join(stale)} (run tools/gen_messages.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
