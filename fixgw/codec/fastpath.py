"""The decoder's fast path: one plan per MsgType, applied with C-level loops.

It serves messages whose shape has no compiled function yet (``shapes.py``: the first message
of each shape, and shapes past the decoder's bounds).  A message that is well-formed in the
common way (header fields first, each tag once, every value valid, no DATA field, no unknown
or legacy tag, no nested group) is converted field by field through per-tag converters that
are mostly dict lookups (``values.fast_parser``), and its dicts are built by
``dict(zip(tags, map(call, converters, values)))``: no Python-level loop per field except
inside repeating groups.

Anything else returns None and the plain decoder (``Decoder._decode_checked``) decodes it from
scratch, so every error is raised by the one code path that names it precisely.  The fast path
never raises and never decides validity on its own: it accepts a subset of what the plain path
accepts and must produce the same result for it (``tests/test_codec_fastpath.py`` checks both
paths agree).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import call
from typing import Any

from ..dictionary import Dictionary, GroupDef
from .errors import ValidationError
from .tokenizer import split_tags_values

__all__ = ["FastDecoder"]

_POSITIONAL = frozenset({8, 9, 35, 10})
_FAIL = (LookupError, ValueError, TypeError, ValidationError)


class _Fallback(Exception):
    """Not for the fast path: decode it the plain way."""


@dataclass(frozen=True, slots=True)
class _GroupPlan:
    delimiter: int
    tags: frozenset[int]
    required: frozenset[int]
    nested: frozenset[int]  # count tags of groups inside this one (fast path gives up on them)


@dataclass(frozen=True, slots=True)
class _MessagePlan:
    msg_type: str
    header_tags: frozenset[int]  # header tags that are not also body members
    members: frozenset[int]
    required: frozenset[int]
    groups: dict[int, _GroupPlan]
    group_counts: frozenset[int]


def _group_plan(g: GroupDef) -> _GroupPlan:
    return _GroupPlan(
        g.delimiter,
        frozenset(m.field.number for m in g.members),
        frozenset(m.field.number for m in g.members if m.required),
        frozenset(m.field.number for m in g.members if m.group is not None),
    )


class FastDecoder:
    """Plans for one dictionary; ``conv[tag](raw)`` returns the typed value or raises."""

    def __init__(
        self,
        dictionary: Dictionary,
        conv: Mapping[int, Callable[[bytes], Any]],
        header_required: frozenset[int],
    ) -> None:
        self._conv = conv.__getitem__
        self._header_required = header_required
        self._needles = tuple(b"\x01%d=" % t for t in dictionary.data_length_tags)
        header = frozenset(dictionary.header_tags) - _POSITIONAL
        self._plans: dict[bytes, _MessagePlan] = {}
        for mt, md in dictionary.messages.items():
            members = frozenset(m.field.number for m in md.members)
            groups = {m.field.number: _group_plan(m.group) for m in md.members if m.group is not None}
            self._plans[mt.encode("ascii")] = _MessagePlan(
                mt,
                header - members,
                members,
                frozenset(m.field.number for m in md.members if m.required),
                groups,
                frozenset(groups),
            )

    def decode(self, raw: bytes) -> tuple[str, dict[int, Any], dict[int, Any], list[tuple[int, bytes]]] | None:
        """``(msg_type, header, body, pairs)``, or None: decode it the plain way."""
        for needle in self._needles:
            if needle in raw:
                return None
        split = split_tags_values(raw)
        if split is None:
            return None
        tags, values = split
        n = len(tags) - 1
        if n < 3 or tags[0] != 8 or tags[1] != 9 or tags[2] != 35 or tags[n] != 10:
            return None
        plan = self._plans.get(values[2])
        if plan is None:
            return None
        try:
            converted = list(map(call, map(self._conv, tags[3:n]), values[3:n]))
            hset = plan.header_tags
            k = 3
            while k < n and tags[k] in hset:
                k += 1
            header = dict(zip(tags[3:k], converted[: k - 3], strict=True))
            if len(header) != k - 3 or not self._header_required <= header.keys():
                return None
            btags = tags[k:n]
            bvals = converted[k - 3 :]
            if plan.group_counts.isdisjoint(btags):
                if not plan.members.issuperset(btags):
                    return None
                body = dict(zip(btags, bvals, strict=True))
                if len(body) != n - k:
                    return None
            else:
                body = _with_groups(plan, btags, bvals)
            if not plan.required <= body.keys():
                return None
        except _FAIL:
            return None
        except _Fallback:
            return None
        return plan.msg_type, header, body, list(zip(tags, values, strict=True))


def _with_groups(plan: _MessagePlan, tags: list[int], values: list[Any]) -> dict[int, Any]:
    """The body dict of a message with repeating groups (values already converted)."""
    members = plan.members
    body: dict[int, Any] = {}
    fields = 0  # flat fields and count tags seen: more than len(body) means a tag twice
    m = len(tags)
    i = 0
    for p in sorted(map(tags.index, plan.group_counts.intersection(tags))):
        if p < i:
            raise _Fallback  # a count tag inside another group's entries
        seg = tags[i:p]
        if not members.issuperset(seg):
            raise _Fallback
        body.update(zip(seg, values[i:p], strict=True))
        fields += p - i + 1
        count_tag = tags[p]
        g = plan.groups[count_tag]
        delim, gtags = g.delimiter, g.tags
        entries = []
        j = p + 1
        while j < m and tags[j] == delim:
            e = j + 1
            while e < m and tags[e] != delim and tags[e] in gtags:
                e += 1
            etags = tags[j:e]
            if g.nested and not g.nested.isdisjoint(etags):
                raise _Fallback
            entry = dict(zip(etags, values[j:e], strict=True))
            if len(entry) != e - j or not g.required <= entry.keys():
                raise _Fallback
            entries.append(entry)
            j = e
        if len(entries) != values[p]:
            raise _Fallback
        body[count_tag] = entries
        i = j
    seg = tags[i:]
    if not members.issuperset(seg):
        raise _Fallback
    body.update(zip(seg, values[i:], strict=True))
    if len(body) != fields + m - i:
        raise _Fallback
    return body
