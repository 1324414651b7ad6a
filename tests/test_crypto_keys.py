import os
import stat
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fixgw.crypto import KeyLoadError, PrivateKey, generate_key_pair, load_public_key


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key, fmt=serialization.PrivateFormat.PKCS8, enc=None) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc or serialization.NoEncryption())


def test_generate_key_pair_files(tmp_path):
    target = tmp_path / "a" / "b"
    old = os.umask(0)  # the 0600 mode must not depend on the caller's umask
    try:
        name = generate_key_pair(target)
    finally:
        os.umask(old)
    assert str(uuid.UUID(name, version=4)) == name
    assert sorted(p.name for p in target.iterdir()) == [f"{name}.key", f"{name}.pub"]
    key_file, pub_file = target / f"{name}.key", target / f"{name}.pub"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pub_file.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    key = PrivateKey.from_file(key_file)
    assert key.key_size == 2048
    assert load_public_key(pub_file).public_numbers() == key.public_key().public_numbers()


def test_generate_key_pair_twice_gives_distinct_names(tmp_path):
    assert generate_key_pair(tmp_path) != generate_key_pair(tmp_path)
    assert len(list(tmp_path.iterdir())) == 4


def test_loads_pkcs8_and_pkcs1(rsa_key):
    pkcs1 = pem(rsa_key, serialization.PrivateFormat.TraditionalOpenSSL)
    assert pkcs1.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    for data in (pem(rsa_key), pkcs1, pkcs1.decode()):
        key = PrivateKey.from_pem(data, source="test")
        assert key.public_key().public_numbers() == rsa_key.public_key().public_numbers()


def test_repr_hides_key_material(rsa_key, tmp_path):
    path = tmp_path / "k.key"
    path.write_bytes(pem(rsa_key))
    key = PrivateKey.from_file(path)
    text = repr(key) + str(key) + f"{key}"
    assert text.startswith(f"PrivateKey(<redacted>, 2048-bit, source='file:{path}')")
    priv = rsa_key.private_numbers()
    for secret in (priv.d, priv.p, priv.q, priv.public_numbers.n):
        assert str(secret) not in text
        assert format(secret, "x")[:16] not in text
    assert "BEGIN" not in text


def test_not_picklable(rsa_key):
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(PrivateKey(rsa_key))


def test_missing_file_names_path(tmp_path):
    path = tmp_path / "nope.key"
    with pytest.raises(KeyLoadError, match="not found") as exc:
        PrivateKey.from_file(path)
    assert str(path) in str(exc.value)


def test_not_pem(tmp_path):
    path = tmp_path / "junk.key"
    path.write_bytes(b"hello this is not a key")
    with pytest.raises(KeyLoadError, match="not PEM") as exc:
        PrivateKey.from_file(path)
    assert str(path) in str(exc.value)
    assert "hello" not in str(exc.value)


def test_corrupt_pem_message_does_not_quote_key(rsa_key, tmp_path):
    data = pem(rsa_key)
    lines = data.splitlines()
    corrupt = b"\n".join(lines[:5] + lines[-1:]) + b"\n"  # truncated body
    path = tmp_path / "bad.key"
    path.write_bytes(corrupt)
    with pytest.raises(KeyLoadError, match="malformed") as exc:
        PrivateKey.from_file(path)
    msg = str(exc.value)
    assert str(path) in msg
    for line in lines[1:5]:
        assert line.decode()[:20] not in msg


def test_public_key_is_not_private(rsa_key, tmp_path):
    path = tmp_path / "k.pub"
    path.write_bytes(
        rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(KeyLoadError, match="not a private key"):
        PrivateKey.from_file(path)


def test_encrypted_key(rsa_key, tmp_path):
    path = tmp_path / "enc.key"
    path.write_bytes(pem(rsa_key, enc=serialization.BestAvailableEncryption(b"s3cret")))
    with pytest.raises(KeyLoadError, match="encrypted and no passphrase") as exc:
        PrivateKey.from_file(path)
    assert str(path) in str(exc.value)
    with pytest.raises(KeyLoadError, match="wrong passphrase"):
        PrivateKey.from_file(path, password=b"wrong")
    assert PrivateKey.from_file(path, password=b"s3cret").key_size == 2048


def test_not_rsa(tmp_path):
    path = tmp_path / "ec.key"
    path.write_bytes(pem(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(KeyLoadError, match="not an RSA key"):
        PrivateKey.from_file(path)


def test_too_small(tmp_path):
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "small.key"
    path.write_bytes(pem(small))
    with pytest.raises(KeyLoadError, match="1024-bit, too small") as exc:
        PrivateKey.from_file(path)
    assert str(path) in str(exc.value)
    pub = small.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyLoadError, match="too small"):
        load_public_key(pub)


def test_from_env(rsa_key, monkeypatch):
    text = pem(rsa_key).decode()
    monkeypatch.setenv("FIX_KEY", text)
    key = PrivateKey.from_env("FIX_KEY")
    assert key.source == "env:FIX_KEY"
    assert key.public_key().public_numbers() == rsa_key.public_key().public_numbers()
    monkeypatch.setenv("FIX_KEY", text.replace("\n", "\\n"))  # single-line env file style
    assert PrivateKey.from_env("FIX_KEY").key_size == 2048


def test_from_env_errors(monkeypatch):
    monkeypatch.delenv("FIX_KEY_UNSET", raising=False)
    with pytest.raises(KeyLoadError, match="env:FIX_KEY_UNSET: environment variable is not set"):
        PrivateKey.from_env("FIX_KEY_UNSET")
    monkeypatch.setenv("FIX_KEY", "  ")
    with pytest.raises(KeyLoadError, match="env:FIX_KEY: environment variable is empty"):
        PrivateKey.from_env("FIX_KEY")
    monkeypatch.setenv("FIX_KEY", "secret-but-not-pem")
    with pytest.raises(KeyLoadError, match="env:FIX_KEY: not PEM") as exc:
        PrivateKey.from_env("FIX_KEY")
    assert "secret-but-not-pem" not in str(exc.value)


def test_load_public_key_forms(rsa_key, tmp_path):
    pub = rsa_key.public_key()
    spki = pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pkcs1 = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    path = tmp_path / "k.pub"
    path.write_bytes(spki)
    for source in (spki, pkcs1, spki.decode(), str(path), path):
        assert load_public_key(source).public_numbers() == pub.public_numbers()


def test_load_public_key_errors(rsa_key, tmp_path):
    with pytest.raises(KeyLoadError, match="not found") as exc:
        load_public_key(tmp_path / "missing.pub")
    assert "missing.pub" in str(exc.value)
    with pytest.raises(KeyLoadError, match="not a public key"):
        load_public_key(pem(rsa_key))
