"""Identifiers: exchange-wide ExecIDs and injectable id factories.

ExecID (17) is documented as an ``int;int`` string that increases monotonically
(fix__order-entry.md), and the drop-copy service queries ranges of it, so it is modelled as an
ordered pair rather than a string.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...hotpath import uuid4_text
from .frozen import draft

__all__ = ["ExecId", "ExecIdGenerator", "IdFactory", "uuid_ids", "sequential_ids"]

IdFactory = Callable[[], str]
"""Returns a fresh id string (order ids, trade match ids, order-group ids)."""


@dataclass(frozen=True, order=True, slots=True)
class ExecId:
    """An ExecID: ``epoch;seq``.  Compares in issue order; ``str()`` gives the wire form."""

    epoch: int
    seq: int

    def __str__(self) -> str:
        return f"{self.epoch};{self.seq}"

    @classmethod
    def parse(cls, text: str) -> ExecId:
        """Parse ``"4;7"``; raises ValueError naming the bad value."""
        parts = text.split(";")
        if len(parts) != 2:
            raise ValueError(f"ExecID {text!r} is not of the form int;int")
        try:
            return cls(int(parts[0]), int(parts[1]))
        except ValueError:
            raise ValueError(f"ExecID {text!r} is not of the form int;int") from None

    @property
    def key(self) -> tuple[int, int]:
        return (self.epoch, self.seq)


_EXEC_ID_DRAFT = draft(ExecId)
_new = object.__new__

PENDING_EXEC_ID = "-1;-1"
"""ExecID the FIX layer puts on PENDING reports (never issued by the engine)."""


class ExecIdGenerator:
    """Issues ExecIds ``epoch;1``, ``epoch;2`` ... ; one per exchange so ordering is global."""

    def __init__(self, epoch: int, start: int = 0) -> None:
        if epoch < 0:
            raise ValueError(f"ExecID epoch must be >= 0, got {epoch}")
        self._epoch = epoch
        self._seq = start

    def next(self) -> ExecId:
        self._seq += 1
        exec_id: Any = _new(_EXEC_ID_DRAFT)  # one per event: built from a draft (see .frozen)
        exec_id.epoch = self._epoch
        exec_id.seq = self._seq
        exec_id.__class__ = ExecId
        return exec_id  # type: ignore[no-any-return]

    @property
    def last(self) -> ExecId | None:
        return ExecId(self._epoch, self._seq) if self._seq else None


def uuid_ids() -> IdFactory:
    """Random UUID4 strings, as the real exchange uses for OrderID and OrderGroupID (made in
    batches, without a UUID object: see fixgw.hotpath)."""
    return uuid4_text


def sequential_ids(prefix: str = "") -> IdFactory:
    """Deterministic UUID-shaped ids for tests: 00000000-0000-0000-0000-000000000001, ..."""
    counter = itertools.count(1)

    def make() -> str:
        n = next(counter)
        text = str(uuid.UUID(int=n))
        return f"{prefix}{text}" if prefix else text

    return make
