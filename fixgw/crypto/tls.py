"""TLS contexts for Kalshi FIX (TLS 1.2+ required) and certificate pinning.

Verification is always on: there is deliberately no way to turn it off here. Kalshi suggests
pinning the server certificate fetched with `openssl s_client ... | openssl x509 > pem`;
that file holds the leaf only, so pinned contexts set VERIFY_X509_PARTIAL_CHAIN to let a
non-self-signed leaf act as the sole trust anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import ssl
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fixgw.crypto.keys import StrPath, create_private_file

MIN_VERSION = ssl.TLSVersion.TLSv1_2


class TLSConfigError(ValueError):
    """A certificate/key file is missing or unusable; the message names the file."""


class PinMismatchError(ssl.SSLError):
    """The peer's certificate is not the pinned one."""


def _load_pin(pem_path: StrPath) -> x509.Certificate:
    try:
        data = Path(pem_path).read_bytes()
    except FileNotFoundError:
        raise TLSConfigError(f"pinned certificate {pem_path}: file not found") from None
    except OSError as exc:
        raise TLSConfigError(f"pinned certificate {pem_path}: {exc.strerror}") from None
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise TLSConfigError(f"pinned certificate {pem_path}: no PEM CERTIFICATE block")
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise TLSConfigError(f"pinned certificate {pem_path}: malformed certificate") from None
    if len(certs) != 1:
        raise TLSConfigError(
            f"pinned certificate {pem_path}: holds {len(certs)} certificates, pin exactly one"
        )
    return certs[0]


def pinned_fingerprint(pem_path: StrPath) -> str:
    """Lowercase SHA-256 hex of the pinned certificate's DER encoding."""
    return _load_pin(pem_path).fingerprint(hashes.SHA256()).hex()


def check_pinned(ssl_object: ssl.SSLObject | ssl.SSLSocket, pem_path: StrPath) -> None:
    """Raise PinMismatchError unless the peer presented exactly the pinned certificate.

    Call after the handshake (asyncio: writer.get_extra_info("ssl_object")). The pinned
    context already refuses other chains; this also catches a pinned CA vouching for an
    unexpected leaf.
    """
    expected = pinned_fingerprint(pem_path)
    der = ssl_object.getpeercert(binary_form=True)
    if der is None:
        raise PinMismatchError(f"peer presented no certificate; pinned sha256={expected}")
    actual = hashlib.sha256(der).hexdigest()
    if actual != expected:
        raise PinMismatchError(
            f"peer certificate sha256={actual} != pinned sha256={expected} ({pem_path})"
        )


def client_context(
    *, cafile: StrPath | None = None, pinned_cert: StrPath | None = None
) -> ssl.SSLContext:
    """Client context: TLS 1.2+, CERT_REQUIRED, hostname checking.

    Trusts the system CAs by default, `cafile` if given, or only `pinned_cert` if given.
    """
    if cafile is not None and pinned_cert is not None:
        raise ValueError("client_context: give cafile or pinned_cert, not both")
    if pinned_cert is not None:
        _load_pin(pinned_cert)  # clear error before OpenSSL's terse one
        ctx = ssl.create_default_context(cafile=os.fspath(pinned_cert))
        ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    elif cafile is not None:
        try:
            ctx = ssl.create_default_context(cafile=os.fspath(cafile))
        except (OSError, ssl.SSLError) as exc:
            raise TLSConfigError(f"CA file {cafile}: cannot load ({exc})") from None
    else:
        ctx = ssl.create_default_context()
    ctx.minimum_version = max(ctx.minimum_version, MIN_VERSION)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def server_context(certfile: StrPath, keyfile: StrPath) -> ssl.SSLContext:
    """Server context requiring TLS 1.2+, as Kalshi's gateway does."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = MIN_VERSION
    for label, path in (("certificate", certfile), ("key", keyfile)):
        if not Path(path).is_file():
            raise TLSConfigError(f"server {label} file {path}: not found")
    try:
        ctx.load_cert_chain(os.fspath(certfile), os.fspath(keyfile))
    except ssl.SSLError as exc:
        raise TLSConfigError(
            f"server certificate {certfile} / key {keyfile}: cannot load ({exc.reason})"
        ) from None
    return ctx


def generate_self_signed(
    cert_path: StrPath,
    key_path: StrPath,
    *,
    hostnames: Sequence[str] = ("localhost",),
    ips: Sequence[str] = ("127.0.0.1",),
    days: int = 30,
) -> None:
    """Write a self-signed server certificate and its key (0600) for the simulator.

    SANs carry every hostname and IP so clients pinning this certificate pass hostname
    checks. Existing files are replaced atomically (the key never exists world-readable).
    """
    if days < 1:
        raise ValueError(f"generate_self_signed: days must be >= 1, got {days}")
    if not hostnames and not ips:
        raise ValueError("generate_self_signed: need at least one hostname or IP")
    sans: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    for ip in ips:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError:
            raise ValueError(f"generate_self_signed: {ip!r} is not an IP address") from None
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0] if hostnames else ips[0])]
    )
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _replace(key_path, key_pem, private=True)
    _replace(cert_path, cert.public_bytes(serialization.Encoding.PEM), private=False)


def _replace(path: StrPath, data: bytes, *, private: bool) -> None:
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        if private:
            create_private_file(tmp, data)
        else:
            tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
