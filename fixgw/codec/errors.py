"""Codec errors.  Each carries what the session layer needs to answer on the wire."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["CodecError", "FramingError", "RejectReason", "ValidationError", "EncodeError"]


class RejectReason(IntEnum):
    """SessionRejectReason (373): Kalshi documents 0-11; 13-16 are standard FIX 5.0 values."""

    INVALID_TAG_NUMBER = 0
    REQUIRED_TAG_MISSING = 1
    TAG_NOT_DEFINED_FOR_MESSAGE = 2
    UNDEFINED_TAG = 3
    TAG_WITHOUT_VALUE = 4
    INCORRECT_VALUE = 5
    INCORRECT_DATA_FORMAT = 6
    DECRYPTION_PROBLEM = 7
    SIGNATURE_PROBLEM = 8
    COMPID_PROBLEM = 9
    SENDING_TIME_ACCURACY = 10
    INVALID_MSGTYPE = 11
    TAG_APPEARS_MORE_THAN_ONCE = 13
    TAG_OUT_OF_ORDER = 14
    GROUP_FIELDS_OUT_OF_ORDER = 15
    INCORRECT_NUMINGROUP_COUNT = 16
    OTHER = 99


class CodecError(Exception):
    """Base class: garbage in never escapes the codec as anything else."""


class FramingError(CodecError):
    """The bytes are not a FIX message (bad BeginString, BodyLength or CheckSum).

    FIX says such a message is discarded without a Reject; the stream continues after it.
    """


class ValidationError(CodecError):
    """A well-framed message breaks the dictionary; answer it with Reject (35=3)."""

    def __init__(
        self,
        reason: RejectReason,
        text: str,
        *,
        tag: int | None = None,
        msg_type: str | None = None,
        seq: int | None = None,
        value: bytes | None = None,
    ) -> None:
        self.reason = reason
        self.tag = tag
        self.msg_type = msg_type
        self.seq = seq
        self.value = value
        self.text = text
        super().__init__(text)

    def __str__(self) -> str:
        # built on demand: the decoder fills in msg_type and seq after the error is raised
        parts = [self.text]
        if self.tag is not None:
            parts.append(f"tag={self.tag}")
        if self.value is not None:
            parts.append(f"value={self.value[:64]!r}")
        if self.msg_type is not None:
            parts.append(f"MsgType={self.msg_type}")
        if self.seq is not None:
            parts.append(f"MsgSeqNum={self.seq}")
        return f"{'; '.join(parts)} (SessionRejectReason={int(self.reason)})"


class EncodeError(CodecError, ValueError):
    """A value cannot be put on the wire; names the tag and the value."""
