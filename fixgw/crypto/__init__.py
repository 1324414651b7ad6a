"""Low-level crypto for Kalshi FIX: RSA keys, Logon signatures, TLS contexts and pinning."""

from fixgw.crypto.keys import KeyLoadError, PrivateKey, generate_key_pair, load_public_key
from fixgw.crypto.signature import logon_prehash, sign_logon, verify_logon
from fixgw.crypto.tls import (
    PinMismatchError,
    TLSConfigError,
    check_pinned,
    client_context,
    generate_self_signed,
    pinned_fingerprint,
    server_context,
)

__all__ = [
    "KeyLoadError",
    "PinMismatchError",
    "PrivateKey",
    "TLSConfigError",
    "check_pinned",
    "client_context",
    "generate_key_pair",
    "generate_self_signed",
    "load_public_key",
    "logon_prehash",
    "pinned_fingerprint",
    "server_context",
    "sign_logon",
    "verify_logon",
]
