"""Dictionary-driven encoding of fields; framing (8/9/35 first, 10 last) is in ``framing``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..dictionary import Dictionary
from .errors import EncodeError
from .framing import build_frame
from .values import fast_formatter, format_kind, formatter_for

__all__ = ["FieldEncoder"]


class FieldEncoder:
    """Turns ``(tag, value)`` items into ``tag=value<SOH>`` bytes using each tag's FIX type."""

    def __init__(self, dictionary: Dictionary) -> None:
        self.dictionary = dictionary
        self._begin = dictionary.begin_string.encode()
        self.begin_string = self._begin  # BeginString (8) as it goes on the wire
        self._fmt: dict[int, tuple[bytes, Callable[[Any], bytes]]] = {
            num: (b"%d=" % num, formatter_for(fd.type)) for num, fd in dictionary.fields.items()
        }
        self._data_len = {data: length for length, data in dictionary.data_length_tags.items()}
        #: written by ``field`` in front of their DATA field, so a given value is never repeated
        self._length_tags = frozenset(dictionary.data_length_tags)
        self._fast: dict[int, Callable[[Any], bytes]] = {
            num: self._make_fast(num, fd.type)
            for num, fd in dictionary.fields.items()
            if num not in self._data_len and num not in self._length_tags
        }
        #: per-encoder cache the message layer keeps its compiled encoders in
        self.cache: dict[Any, Any] = {}

    @staticmethod
    def _make_fast(tag: int, fix_type: str) -> Callable[[Any], bytes]:
        """One function per tag, the common type checked inline (one call per field)."""
        prefix = b"%d=" % tag
        fmt = fast_formatter(fix_type)
        kind = format_kind(fix_type)
        if kind == "str":

            def fast(value: Any) -> bytes:
                if type(value) is str and value and "\x01" not in value:
                    return prefix + value.encode() + b"\x01"
                return prefix + fmt(value) + b"\x01"

        elif kind == "int":

            def fast(value: Any) -> bytes:
                if type(value) is int:
                    return b"%s%d\x01" % (prefix, value)
                return prefix + fmt(value) + b"\x01"

        else:

            def fast(value: Any) -> bytes:
                return prefix + fmt(value) + b"\x01"

        fast.__name__ = f"field_{tag}"
        return fast

    def fast_field(self, tag: int) -> Callable[[Any], bytes] | None:
        """``value -> b"tag=value\\x01"`` for plain values (str, int, Decimal, bool, datetime...),
        raising ValueError for anything else (an Enum, a wrong type): ``field`` then either
        encodes it or raises the EncodeError that names the problem.  None for DATA fields."""
        return self._fast.get(tag)

    def field(self, tag: int, value: Any) -> bytes:
        fast = self._fast.get(tag)
        if fast is not None:
            try:
                return fast(value)
            except ValueError:
                pass  # an Enum, or an error: the plain path below encodes or names it
        try:
            prefix, fmt = self._fmt[tag]
        except KeyError:
            raise EncodeError(f"tag {tag} is not in dictionary {self.dictionary.source}") from None
        try:
            data = fmt(value)
        except ValueError as exc:
            raise EncodeError(f"tag {tag} ({self.dictionary.fields[tag].name}) value {value!r}: {exc}") from None
        ltag = self._data_len.get(tag)
        if ltag is not None:
            return b"%d=%d\x01" % (ltag, len(data)) + prefix + data + b"\x01"
        return prefix + data + b"\x01"

    def fields(self, items: Iterable[tuple[int, Any]] | Mapping[int, Any]) -> bytes:
        """Encode items in order; a list value under a NUMINGROUP tag is a repeating group.

        A DATA field's LENGTH tag (95 for 96) is skipped: ``field`` writes it from the data.
        """
        if isinstance(items, dict) or not isinstance(items, list | tuple) and isinstance(items, Mapping):
            items = items.items()
        out: list[bytes] = []
        fast = self._fast
        length_tags = self._length_tags
        for tag, value in items:
            if value is None or tag in length_tags:
                continue
            if isinstance(value, list):
                out.append(self.field(tag, len(value)))
                for entry in value:
                    out.append(self.fields(entry))
                continue
            f = fast.get(tag)
            if f is not None:
                try:
                    out.append(f(value))
                    continue
                except ValueError:
                    pass
            out.append(self.field(tag, value))
        return b"".join(out)

    def message(self, msg_type: str, header: Iterable[tuple[int, Any]], body: Iterable[tuple[int, Any]] | Mapping[int, Any]) -> bytes:
        """A whole framed message with BodyLength and CheckSum computed."""
        return build_frame(self._begin, msg_type.encode(), self.fields(header), self.fields(body))
