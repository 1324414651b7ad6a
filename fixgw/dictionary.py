"""Load QuickFIX-format FIX dictionaries (ours in ``dictionary/`` and Kalshi's published one).

The dictionary drives everything above it: the codec's validation, typed values and repeating
groups, and the generated message dataclasses.  Components are expanded at load time so later
layers only ever see fields and groups.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

__all__ = [
    "DEFAULT_DICTIONARY_PATH",
    "Dictionary",
    "DictionaryError",
    "FieldDef",
    "GroupDef",
    "Member",
    "MessageDef",
]

_SOURCE_PATH = Path(__file__).resolve().parent.parent / "dictionary" / "kalshi-fixgw.xml"
#: the checkout's ``dictionary/`` file; an installed wheel carries the same file as package data
DEFAULT_DICTIONARY_PATH = (
    _SOURCE_PATH if _SOURCE_PATH.exists() else Path(__file__).resolve().parent / "_data" / "kalshi-fixgw.xml"
)

#: QuickFIX type names the codec knows how to convert.  Anything else is treated as a string.
KNOWN_TYPES = frozenset(
    {
        "STRING", "CHAR", "INT", "SEQNUM", "LENGTH", "NUMINGROUP", "TAGNUM", "DAYOFMONTH",
        "PRICE", "QTY", "AMT", "FLOAT", "PRICEOFFSET", "PERCENTAGE", "DECIMAL",
        "BOOLEAN", "UTCTIMESTAMP", "UTCDATEONLY", "UTCTIMEONLY", "UTCDATE", "LOCALMKTDATE",
        "MONTHYEAR", "DATA", "XMLDATA", "CURRENCY", "EXCHANGE", "COUNTRY", "LANGUAGE",
        "MULTIPLEVALUESTRING", "MULTIPLESTRINGVALUE", "MULTIPLECHARVALUE", "TZTIMESTAMP",
        "TZTIMEONLY", "LOCALMKTTIME",
    }
)  # fmt: skip


class DictionaryError(ValueError):
    """A dictionary file is unreadable or inconsistent; the message names file, line and problem."""


@dataclass(frozen=True, slots=True)
class FieldDef:
    number: int
    name: str
    type: str
    #: wire value -> description, in file order
    enums: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Member:
    """One entry of a message, header, trailer or group: a field, or a group headed by its count."""

    field: FieldDef
    required: bool
    group: GroupDef | None = None


@dataclass(frozen=True)
class GroupDef:
    count: FieldDef
    members: tuple[Member, ...]

    @property
    def delimiter(self) -> int:
        return self.members[0].field.number

    @functools.cached_property
    def tags(self) -> frozenset[int]:
        return frozenset(m.field.number for m in self.members)


@dataclass(frozen=True)
class MessageDef:
    msg_type: str
    name: str
    admin: bool
    members: tuple[Member, ...]

    @functools.cached_property
    def tags(self) -> frozenset[int]:
        """Top-level body tags (group count tags included, group members not)."""
        return frozenset(m.field.number for m in self.members)

    @functools.cached_property
    def all_tags(self) -> frozenset[int]:
        """Every tag that may appear in the body, at any depth."""
        return frozenset(t for m in self.members for t in _walk_tags(m))


def _walk_tags(member: Member) -> Iterator[int]:
    yield member.field.number
    if member.group is not None:
        for m in member.group.members:
            yield from _walk_tags(m)


@dataclass
class Dictionary:
    source: str
    begin_string: str
    fields: dict[int, FieldDef]
    fields_by_name: dict[str, FieldDef]
    header: tuple[Member, ...]
    trailer: tuple[Member, ...]
    messages: dict[str, MessageDef]
    #: LENGTH tag -> DATA tag it measures (95 -> 96); the tokenizer reads these by byte count.
    data_length_tags: dict[int, int]

    def message(self, msg_type: str) -> MessageDef:
        return self.messages[msg_type]

    def message_by_name(self, name: str) -> MessageDef:
        for m in self.messages.values():
            if m.name == name:
                return m
        raise KeyError(name)

    @functools.cached_property
    def header_tags(self) -> frozenset[int]:
        return frozenset(m.field.number for m in self.header)

    @functools.cached_property
    def trailer_tags(self) -> frozenset[int]:
        return frozenset(m.field.number for m in self.trailer)

    @classmethod
    def load(cls, path: str | Path) -> Dictionary:
        return _load(Path(path))

    @classmethod
    def default(cls) -> Dictionary:
        """The project's own Kalshi dictionary, loaded once per process."""
        return _load_cached(str(DEFAULT_DICTIONARY_PATH))


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> Dictionary:
    return _load(Path(path))


def _err(path: Path, el: etree._Element | None, problem: str) -> DictionaryError:
    line = getattr(el, "sourceline", None) if el is not None else None
    where = f"{path}:{line}" if line else str(path)
    return DictionaryError(f"{where}: {problem}")


def _load(path: Path) -> Dictionary:
    try:
        tree = etree.parse(str(path), etree.XMLParser(remove_comments=True, resolve_entities=False))
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read dictionary: {exc}") from None
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or "?"
        raise DictionaryError(f"{path}:{line}: not well-formed XML: {exc.msg}") from None
    root = tree.getroot()
    if root.tag != "fix":
        raise _err(path, root, f"root element is <{root.tag}>, expected <fix>")
    ftype = root.get("type", "FIX")
    begin = (
        f"{ftype}.{root.get('major', '?')}.{root.get('minor', '?')}"
        if ftype == "FIXT"
        else f"FIX.{root.get('major', '?')}.{root.get('minor', '?')}"
    )

    fields_el = root.find("fields")
    if fields_el is None:
        raise _err(path, root, "missing <fields> section")
    fields: dict[int, FieldDef] = {}
    by_name: dict[str, FieldDef] = {}
    for fel in fields_el:
        if not isinstance(fel.tag, str):
            continue
        if fel.tag != "field":
            raise _err(path, fel, f"unexpected <{fel.tag}> in <fields>")
        name, num, typ = fel.get("name"), fel.get("number"), fel.get("type")
        if not name or not num or not typ:
            raise _err(path, fel, "field needs name, number and type attributes")
        try:
            number = int(num)
        except ValueError:
            raise _err(path, fel, f"field {name!r} has non-numeric number {num!r}") from None
        if number <= 0:
            raise _err(path, fel, f"field {name!r} has invalid number {number}")
        typ = typ.upper()
        if number in fields:
            raise _err(path, fel, f"tag {number} defined twice ({fields[number].name!r} and {name!r})")
        if name in by_name:
            raise _err(path, fel, f"field name {name!r} defined twice")
        enums: dict[str, str] = {}
        for vel in fel:
            if not isinstance(vel.tag, str):
                continue
            if vel.tag != "value" or vel.get("enum") is None:
                raise _err(path, vel, f"field {name!r}: expected <value enum=...>")
            enums[vel.get("enum")] = vel.get("description", vel.get("enum"))
        fd = FieldDef(number, name, typ, enums)
        fields[number] = fd
        by_name[name] = fd

    components: dict[str, etree._Element] = {}
    comps_el = root.find("components")
    if comps_el is not None:
        for cel in comps_el:
            if isinstance(cel.tag, str) and cel.tag == "component":
                components[cel.get("name", "")] = cel

    def members_of(parent: etree._Element, stack: tuple[str, ...]) -> tuple[Member, ...]:
        out: list[Member] = []
        for el in parent:
            if not isinstance(el.tag, str):
                continue
            req = el.get("required", "N").upper() == "Y"
            name = el.get("name")
            if el.tag == "field":
                fd = by_name.get(name or "")
                if fd is None:
                    raise _err(path, el, f"field {name!r} is used but not defined in <fields>")
                out.append(Member(fd, req))
            elif el.tag == "group":
                fd = by_name.get(name or "")
                if fd is None:
                    raise _err(path, el, f"group count field {name!r} is not defined in <fields>")
                inner = members_of(el, stack)
                if not inner:
                    raise _err(path, el, f"group {name!r} has no members")
                out.append(Member(fd, req, GroupDef(fd, inner)))
            elif el.tag == "component":
                if name in stack:
                    raise _err(path, el, f"component {name!r} includes itself")
                cel = components.get(name or "")
                if cel is None:
                    raise _err(path, el, f"component {name!r} is used but not defined")
                sub = members_of(cel, (*stack, name or ""))
                if not req:
                    sub = tuple(Member(m.field, False, m.group) for m in sub)
                out.extend(sub)
            else:
                raise _err(path, el, f"unexpected <{el.tag}>")
        seen: set[int] = set()
        for m in out:
            if m.field.number in seen:
                raise _err(path, parent, f"tag {m.field.number} ({m.field.name}) listed twice")
            seen.add(m.field.number)
        return tuple(out)

    header_el = root.find("header")
    trailer_el = root.find("trailer")
    header = members_of(header_el, ()) if header_el is not None else ()
    trailer = members_of(trailer_el, ()) if trailer_el is not None else ()

    messages: dict[str, MessageDef] = {}
    msgs_el = root.find("messages")
    if msgs_el is None:
        raise _err(path, root, "missing <messages> section")
    for mel in msgs_el:
        if not isinstance(mel.tag, str):
            continue
        if mel.tag != "message":
            raise _err(path, mel, f"unexpected <{mel.tag}> in <messages>")
        mt, name = mel.get("msgtype"), mel.get("name")
        if not mt or not name:
            raise _err(path, mel, "message needs msgtype and name attributes")
        if mt in messages:
            raise _err(path, mel, f"MsgType {mt!r} defined twice")
        cat = mel.get("msgcat", "app")
        messages[mt] = MessageDef(mt, name, cat == "admin", members_of(mel, ()))

    data_len: dict[int, int] = {}
    for fd in fields.values():
        if fd.type not in ("DATA", "XMLDATA"):
            continue
        cand = by_name.get(fd.name + "Length") or by_name.get(fd.name + "Len")
        if cand is None:
            prev = fields.get(fd.number - 1)
            cand = prev if prev is not None and prev.type == "LENGTH" else None
        if cand is not None:
            data_len[cand.number] = fd.number

    return Dictionary(str(path), begin, fields, by_name, header, trailer, messages, data_len)
