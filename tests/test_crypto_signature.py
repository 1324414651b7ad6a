import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fixgw.crypto import PrivateKey, logon_prehash, sign_logon, verify_logon
from fixgw.crypto.keys import generate_key_pair, load_public_key


@pytest.fixture(scope="module")
def key() -> PrivateKey:
    return PrivateKey(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def other_key() -> PrivateKey:
    return PrivateKey(rsa.generate_private_key(public_exponent=65537, key_size=2048))


PREHASH = logon_prehash("20230809-05:28:18.035", "A", 1, "your-fix-api-key-uuid", "KalshiNR")


def test_prehash_matches_docs_example():
    # Built exactly as Kalshi's Python example does.
    msg_string = chr(1).join(
        ["20230809-05:28:18.035", "A", "1", "your-fix-api-key-uuid", "KalshiNR"]
    )
    assert msg_string.encode("utf-8") == PREHASH
    assert PREHASH == b"20230809-05:28:18.035\x01A\x011\x01your-fix-api-key-uuid\x01KalshiNR"
    assert (
        logon_prehash("20230809-05:28:18.035", "A", "1", "your-fix-api-key-uuid", "KalshiNR")
        == PREHASH
    )


def test_prehash_rejects_soh_in_field():
    with pytest.raises(ValueError, match="sender_comp_id"):
        logon_prehash("20230809-05:28:18.035", "A", 1, "a\x01b", "KalshiNR")


def test_round_trip(key):
    sig = sign_logon(key, PREHASH)
    assert verify_logon(key.public_key(), PREHASH, sig)


def test_round_trip_with_generated_files(tmp_path):
    name = generate_key_pair(tmp_path)
    priv = PrivateKey.from_file(tmp_path / f"{name}.key")
    prehash = logon_prehash("20240101-00:00:00.000", "A", 1, name, "KalshiRT")
    assert verify_logon(
        load_public_key(tmp_path / f"{name}.pub"), prehash, sign_logon(priv, prehash)
    )


def test_signature_is_pss_sha256_salt_32(key):
    # The docs' pycryptodome pss.new(key) uses salt length = digest size (32); a verifier
    # hard-wired to that convention must accept us.
    sig = base64.b64decode(sign_logon(key, PREHASH), validate=True)
    assert len(sig) == 256
    strict = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    key.public_key().verify(sig, PREHASH, strict, hashes.SHA256())  # raises if not


def test_pycryptodome_interop(key):
    pss = pytest.importorskip("Cryptodome.Signature.pss")
    from Cryptodome.Hash import SHA256
    from Cryptodome.PublicKey import RSA
    from cryptography.hazmat.primitives import serialization

    pub_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pss.new(RSA.import_key(pub_pem)).verify(
        SHA256.new(PREHASH), base64.b64decode(sign_logon(key, PREHASH))
    )


def test_signatures_are_randomised_but_all_verify(key):
    a, b = sign_logon(key, PREHASH), sign_logon(key, PREHASH)
    assert a != b
    assert verify_logon(key.public_key(), PREHASH, a)
    assert verify_logon(key.public_key(), PREHASH, b)


def test_verify_accepts_max_length_salt(key):
    # Clients on libraries defaulting to the maximum salt length must not be rejected.
    max_salt = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
    sig = key.sign(PREHASH, max_salt, hashes.SHA256())
    assert verify_logon(key.public_key(), PREHASH, base64.b64encode(sig).decode())


def test_verify_rejects_pkcs1v15(key):
    sig = key.sign(PREHASH, padding.PKCS1v15(), hashes.SHA256())
    assert not verify_logon(key.public_key(), PREHASH, base64.b64encode(sig).decode())


def test_verify_rejects_changed_sending_time(key):
    sig = sign_logon(key, PREHASH)
    changed = logon_prehash("20230809-05:28:18.036", "A", 1, "your-fix-api-key-uuid", "KalshiNR")
    assert not verify_logon(key.public_key(), changed, sig)


def test_verify_rejects_wrong_key(key, other_key):
    assert not verify_logon(other_key.public_key(), PREHASH, sign_logon(key, PREHASH))


@pytest.mark.parametrize(
    "garbage",
    ["", "!!!not base64!!!", "QUJD", base64.b64encode(b"x" * 256).decode(), "é", "QUJD\n=="],
)
def test_verify_returns_false_on_garbage(key, garbage):
    assert verify_logon(key.public_key(), PREHASH, garbage) is False


def test_verify_rejects_truncated_signature(key):
    sig = base64.b64decode(sign_logon(key, PREHASH))
    assert not verify_logon(key.public_key(), PREHASH, base64.b64encode(sig[:-1]).decode())
