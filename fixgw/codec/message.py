"""``FixMessage``: what the decoder returns (typed values by tag)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .tokenizer import split_fields

__all__ = ["FixMessage"]

_SECRET_TAGS = frozenset({95, 96, 89, 93, 554})


@dataclass(slots=True, repr=False)
class FixMessage:
    """A decoded message: typed values by tag; a group's count tag maps to a list of entries.

    ``shape`` is set when a compiled shape decoded it (``fixgw.codec.shapes``): the messages
    layer builds its dataclass from that without looking the fields up one by one.  Such a
    message leaves ``pairs`` unset until it is read (then split from ``raw``): most callers
    never need the wire bytes, and splitting them again costs as much as the decode.
    """

    msg_type: str
    header: dict[int, Any]
    body: dict[int, Any]
    raw: bytes = b""
    pairs: list[tuple[int, bytes]] = field(default_factory=list, repr=False)
    unknown: list[tuple[int, bytes]] = field(default_factory=list)
    shape: Any = field(default=None, compare=False)

    def __getattr__(self, name: str) -> Any:
        # only reached for an unset slot: ``pairs`` of a message decoded by a compiled shape
        if name == "pairs":
            pairs = self.pairs = split_fields(self.raw, {})
            return pairs
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        # RawData (96) carries the Logon signature: never shown.
        body = {t: ("<redacted>" if t in _SECRET_TAGS else v) for t, v in self.body.items()}
        return f"FixMessage(msg_type={self.msg_type!r}, header={self.header!r}, body={body!r})"

    @property
    def seq(self) -> int | None:
        return self.header.get(34)

    def get(self, tag: int, default: Any = None) -> Any:
        if tag in self.body:
            return self.body[tag]
        return self.header.get(tag, default)

    def raw_value(self, tag: int) -> bytes | None:
        """The exact wire bytes of the first occurrence of ``tag`` (signatures need them)."""
        for t, v in self.pairs:
            if t == tag:
                return v
        return None
