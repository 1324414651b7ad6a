"""The simulator's API-key registry: SenderCompID (the key's UUID) -> RSA public key.

On Kalshi a key is registered by uploading its public half to the account profile; here a
``<uuid>.pub`` file (what ``fixgw keygen`` and ``openssl rsa -pubout`` write) plays that part.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from ..crypto.keys import KeyLoadError, load_public_key

__all__ = ["KeyRegistry", "SimKeyError"]

StrPath = str | os.PathLike[str]


class SimKeyError(ValueError):
    """A key directory or key id the simulator cannot use; the message names it."""


def _check_id(api_key: str) -> str:
    if (
        not api_key
        or not api_key.isascii()
        or not api_key.isprintable()
        or any(c in api_key for c in " =|")
    ):
        raise SimKeyError(
            f"API key id {api_key!r} cannot be a SenderCompID (49): use printable ASCII without spaces, '=' or '|'"
        )
    return api_key


class KeyRegistry:
    def __init__(self) -> None:
        self._keys: dict[str, rsa.RSAPublicKey] = {}

    def register(self, api_key: str, public_key: StrPath | bytes | rsa.RSAPublicKey) -> str:
        """Register (or replace) ``api_key``; ``public_key`` is PEM text/bytes, a path or a key."""
        _check_id(api_key)
        if isinstance(public_key, rsa.RSAPublicKey):
            key = public_key
        else:
            try:
                key = load_public_key(public_key)
            except KeyLoadError as exc:
                raise SimKeyError(f"API key {api_key}: {exc}") from None
        self._keys[api_key] = key
        return api_key

    def load_dir(self, directory: StrPath) -> list[str]:
        """Register every ``DIR/<uuid>.pub``; returns the ids, sorted."""
        d = Path(directory)
        if not d.exists():
            raise SimKeyError(f"key directory {d}: not found")
        if not d.is_dir():
            raise SimKeyError(f"key directory {d}: not a directory")
        pubs = sorted(d.glob("*.pub"))
        if not pubs:
            raise SimKeyError(
                f"key directory {d}: no <uuid>.pub files (create one with `fixgw keygen {d}`)"
            )
        return [self.register(p.stem, p) for p in pubs]

    def get(self, api_key: str) -> rsa.RSAPublicKey | None:
        return self._keys.get(api_key)

    def remove(self, api_key: str) -> None:
        self._keys.pop(api_key, None)

    def __contains__(self, api_key: object) -> bool:
        return api_key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def ids(self) -> list[str]:
        return sorted(self._keys)
