"""Dictionary-driven encoding of fields; framing (8/9/35 first, 10 last) is in ``framing``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..dictionary import Dictionary
from .errors import EncodeError
from .framing import build_frame
from .values import formatter_for

__all__ = ["FieldEncoder"]


class FieldEncoder:
    """Turns ``(tag, value)`` items into ``tag=value<SOH>`` bytes using each tag's FIX type."""

    def __init__(self, dictionary: Dictionary) -> None:
        self.dictionary = dictionary
        self._begin = dictionary.begin_string.encode()
        self._fmt: dict[int, tuple[bytes, Callable[[Any], bytes]]] = {
            num: (b"%d=" % num, formatter_for(fd.type)) for num, fd in dictionary.fields.items()
        }
        self._data_len = {data: length for length, data in dictionary.data_length_tags.items()}
        #: written by ``field`` in front of their DATA field, so a given value is never repeated
        self._length_tags = frozenset(dictionary.data_length_tags)

    def field(self, tag: int, value: Any) -> bytes:
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
        if isinstance(items, Mapping):
            items = items.items()
        out: list[bytes] = []
        for tag, value in items:
            if value is None or tag in self._length_tags:
                continue
            if isinstance(value, list):
                out.append(self.field(tag, len(value)))
                for entry in value:
                    out.append(self.fields(entry))
                continue
            out.append(self.field(tag, value))
        return b"".join(out)

    def message(self, msg_type: str, header: Iterable[tuple[int, Any]], body: Iterable[tuple[int, Any]] | Mapping[int, Any]) -> bytes:
        """A whole framed message with BodyLength and CheckSum computed."""
        return build_frame(self._begin, msg_type.encode(), self.fields(header), self.fields(body))
