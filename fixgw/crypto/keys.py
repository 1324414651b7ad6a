"""RSA keys for Kalshi FIX Logon signatures.

Kalshi API keys are RSA key pairs of at least 2048 bits; the private half signs the Logon
(see :mod:`fixgw.crypto.signature`). Key material must never reach logs, so `PrivateKey`
hides it from repr/str and load errors describe the problem without quoting the input.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import NoReturn

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding

MIN_KEY_BITS = 2048

StrPath = str | os.PathLike[str]


class KeyLoadError(ValueError):
    """A key could not be loaded; the message names the source and the problem, never the key."""


def _pem_kind(data: bytes) -> str | None:
    """The label of the first PEM block ("RSA PRIVATE KEY", "PUBLIC KEY", ...), if any."""
    start = data.find(b"-----BEGIN ")
    if start < 0:
        return None
    end = data.find(b"-----", start + 11)
    if end < 0:
        return None
    return data[start + 11 : end].decode("ascii", "replace")


def _check_rsa(key: object, source: str, what: str) -> None:
    if not isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        raise KeyLoadError(f"{source}: {what} is not an RSA key (got {type(key).__name__})")
    if key.key_size < MIN_KEY_BITS:
        raise KeyLoadError(
            f"{source}: RSA key is {key.key_size}-bit, too small (minimum {MIN_KEY_BITS})"
        )


def _read_file(path: StrPath) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyLoadError(f"file:{path}: key file not found") from None
    except IsADirectoryError:
        raise KeyLoadError(f"file:{path}: is a directory, not a key file") from None
    except OSError as exc:
        raise KeyLoadError(f"file:{path}: cannot read key file ({exc.strerror})") from None


class PrivateKey:
    """An RSA private key (>= 2048 bits) whose repr and str never show key material."""

    __slots__ = ("_key", "_source")

    def __init__(self, key: rsa.RSAPrivateKey, source: str = "memory") -> None:
        _check_rsa(key, source, "private key")
        self._key = key
        self._source = source

    @classmethod
    def from_pem(
        cls, data: bytes | str, *, source: str = "pem", password: bytes | None = None
    ) -> PrivateKey:
        """Load PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY") PEM."""
        if isinstance(data, str):
            data = data.encode("utf-8", "replace")
        kind = _pem_kind(data)
        if kind is None:
            raise KeyLoadError(f"{source}: not PEM (no '-----BEGIN ...-----' line)")
        if "PRIVATE KEY" not in kind:
            raise KeyLoadError(f"{source}: PEM holds a {kind!r}, not a private key")
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except TypeError:
            # cryptography raises TypeError for password given/missing mismatches.
            if password is None:
                raise KeyLoadError(
                    f"{source}: private key is encrypted and no passphrase was given"
                ) from None
            raise KeyLoadError(
                f"{source}: a passphrase was given but the private key is not encrypted"
            ) from None
        except ValueError:
            problem = "wrong passphrase or " if password is not None else ""
            raise KeyLoadError(f"{source}: {problem}malformed {kind!r} PEM") from None
        except Exception as exc:  # e.g. UnsupportedAlgorithm
            raise KeyLoadError(
                f"{source}: unsupported private key ({type(exc).__name__})"
            ) from None
        _check_rsa(key, source, "private key")
        return cls(key, source)  # type: ignore[arg-type]

    @classmethod
    def from_file(cls, path: StrPath, *, password: bytes | None = None) -> PrivateKey:
        source = f"file:{path}"
        return cls.from_pem(_read_file(path), source=source, password=password)

    @classmethod
    def from_env(cls, var: str, *, password: bytes | None = None) -> PrivateKey:
        """PEM text from environment variable `var`.

        Literal "\\n" sequences are turned into newlines when the value has no real newlines,
        because single-line env files (docker, CI secrets) commonly store PEM that way.
        """
        source = f"env:{var}"
        text = os.environ.get(var)
        if text is None:
            raise KeyLoadError(f"{source}: environment variable is not set")
        if not text.strip():
            raise KeyLoadError(f"{source}: environment variable is empty")
        if "\n" not in text and "\\n" in text:
            text = text.replace("\\n", "\n")
        return cls.from_pem(text, source=source, password=password)

    @property
    def source(self) -> str:
        return self._source

    @property
    def key_size(self) -> int:
        return self._key.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def sign(self, data: bytes, pad: AsymmetricPadding, algorithm: hashes.HashAlgorithm) -> bytes:
        return self._key.sign(data, pad, algorithm)

    def __repr__(self) -> str:
        return f"PrivateKey(<redacted>, {self.key_size}-bit, source={self._source!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("PrivateKey is not picklable (it would copy key material)")


def load_public_key(path_or_pem: StrPath | bytes) -> rsa.RSAPublicKey:
    """An RSA public key from PEM bytes/text or a file path.

    Accepts SubjectPublicKeyInfo ("BEGIN PUBLIC KEY", as `openssl rsa -pubout` writes) and
    PKCS#1 ("BEGIN RSA PUBLIC KEY"). A str containing "-----BEGIN" is treated as PEM text.
    """
    if isinstance(path_or_pem, bytes):
        data, source = path_or_pem, "pem"
    elif isinstance(path_or_pem, str) and "-----BEGIN" in path_or_pem:
        data, source = path_or_pem.encode("utf-8", "replace"), "pem"
    else:
        data, source = _read_file(path_or_pem), f"file:{path_or_pem}"
    kind = _pem_kind(data)
    if kind is None:
        raise KeyLoadError(f"{source}: not PEM (no '-----BEGIN ...-----' line)")
    if "PUBLIC KEY" not in kind:
        raise KeyLoadError(f"{source}: PEM holds a {kind!r}, not a public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise KeyLoadError(f"{source}: malformed {kind!r} PEM") from None
    except Exception as exc:
        raise KeyLoadError(f"{source}: unsupported public key ({type(exc).__name__})") from None
    _check_rsa(key, source, "public key")
    return key  # type: ignore[return-value]


def create_private_file(path: StrPath, data: bytes) -> None:
    """Create `path` (must not exist) with mode 0600 from the first byte on.

    O_EXCL also refuses to follow a pre-planted symlink. fchmod pins the mode even under an
    unusual umask.
    """
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
    finally:
        os.close(fd)


def generate_key_pair(directory: StrPath) -> str:
    """Create `<uuid>.key` (PKCS#8, 0600) and `<uuid>.pub` (SubjectPublicKeyInfo) in `directory`.

    Equivalent to Kalshi's `openssl genpkey ... rsa_keygen_bits:2048` + `openssl rsa -pubout`.
    A missing directory is created with mode 0700. Returns the uuid.
    """
    out = Path(directory)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pub_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    name = str(uuid.uuid4())
    key_path, pub_path = out / f"{name}.key", out / f"{name}.pub"
    create_private_file(key_path, key_pem)
    try:
        fd = os.open(pub_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pub_pem)
    except BaseException:
        key_path.unlink(missing_ok=True)
        raise
    return name
