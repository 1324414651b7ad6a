"""Kalshi FIX Logon signature (tag 96 RawData).

The initiator signs SendingTime, MsgType, MsgSeqNum, SenderCompID and TargetCompID joined by
SOH, with RSA-PSS over SHA-256, and sends it base64-encoded.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fixgw.crypto.keys import PrivateKey

SOH = "\x01"
SALT_LENGTH = 32  # = SHA-256 digest size, pycryptodome's pss.new() default used in Kalshi's docs


def logon_prehash(
    sending_time: str,
    msg_type: str,
    msg_seq_num: int | str,
    sender_comp_id: str,
    target_comp_id: str,
) -> bytes:
    """The bytes to sign; `sending_time` must be exactly tag 52 of the same Logon."""
    parts = (sending_time, msg_type, str(msg_seq_num), sender_comp_id, target_comp_id)
    names = ("sending_time", "msg_type", "msg_seq_num", "sender_comp_id", "target_comp_id")
    for name, value in zip(names, parts, strict=True):
        if SOH in value:
            raise ValueError(f"logon_prehash: {name} contains SOH (\\x01)")
    return SOH.join(parts).encode("utf-8")


def sign_logon(key: PrivateKey, prehash: bytes) -> str:
    """Base64 RSA-PSS(SHA-256, MGF1-SHA-256, salt 32) signature of `prehash`.

    Salt length 32 matches the docs' pycryptodome example, so we sign exactly as Kalshi's
    reference client does. PSS is randomised: two signatures of the same bytes differ.
    """
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=SALT_LENGTH)
    return base64.b64encode(key.sign(prehash, pss, hashes.SHA256())).decode("ascii")


def verify_logon(public_key: rsa.RSAPublicKey, prehash: bytes, signature_b64: str) -> bool:
    """True iff `signature_b64` is a valid RSA-PSS/SHA-256 signature of `prehash`.

    Verification uses PSS.AUTO (salt length read from the signature), so besides our own
    salt-32 signatures it accepts clients whose libraries default to the maximum salt length
    (e.g. cryptography's PSS.MAX_LENGTH, Java's or Go's defaults); the salt length adds no
    security for verification, and rejecting those clients would be a false failure.
    Malformed base64 or a bad signature return False; nothing is raised for them.
    """
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    if not signature:
        return False
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    try:
        public_key.verify(signature, prehash, pss, hashes.SHA256())
    except InvalidSignature:
        return False
    return True
