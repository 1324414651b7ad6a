"""Codec layer: bytes <-> fields.  No I/O, no session state.

- ``FrameReader``: receive buffer that cuts a stream into whole messages (by BodyLength).
- ``Decoder``: validates and types a message against a ``Dictionary`` (compiling the shapes
  it sees repeat: ``shapes``).
- ``FieldEncoder`` / ``build_frame``: the way back.
"""

from .decoder import TAG_ALIASES, Decoder, FixMessage
from .encoder import FieldEncoder
from .errors import CodecError, EncodeError, FramingError, RejectReason, ValidationError
from .framing import FrameReader, build_frame, checksum, verify_frame
from .tokenizer import split_fields
from .values import format_timestamp, parse_timestamp

__all__ = [
    "TAG_ALIASES",
    "CodecError",
    "Decoder",
    "EncodeError",
    "FieldEncoder",
    "FixMessage",
    "FrameReader",
    "FramingError",
    "RejectReason",
    "ValidationError",
    "build_frame",
    "checksum",
    "format_timestamp",
    "parse_timestamp",
    "split_fields",
    "verify_frame",
]
