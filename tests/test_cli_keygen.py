"""`fixgw keygen DIR`: a key pair the simulator and the client can both use."""

from __future__ import annotations

import stat
import uuid

from fixgw.cli import main
from fixgw.crypto.keys import PrivateKey, load_public_key
from fixgw.crypto.signature import sign_logon, verify_logon


def test_keygen_writes_private_0600_and_public_and_prints_uuid(tmp_path, capsys):
    d = tmp_path / "keys"
    assert main(["keygen", str(d)]) == 0
    out = capsys.readouterr().out.strip()
    key_id = str(uuid.UUID(out))  # exactly one UUID on stdout
    assert out == key_id
    key, pub = d / f"{key_id}.key", d / f"{key_id}.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert stat.S_IMODE(pub.stat().st_mode) & 0o022 == 0  # nobody else can replace it
    assert sorted(p.name for p in d.iterdir()) == sorted([key.name, pub.name])
    sig = sign_logon(PrivateKey.from_file(key), b"prehash")
    assert verify_logon(load_public_key(pub), b"prehash", sig)


def test_keygen_twice_gives_two_keys(tmp_path, capsys):
    assert main(["keygen", str(tmp_path)]) == 0
    assert main(["keygen", str(tmp_path)]) == 0
    ids = capsys.readouterr().out.split()
    assert len(set(ids)) == 2
    assert len(list(tmp_path.glob("*.key"))) == 2


def test_keygen_into_a_file_is_a_one_line_error(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    assert main(["keygen", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a directory" in err and str(f) in err
