"""The simulator's Logon checks and key registry, without sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fixgw.codec import Decoder, RejectReason
from fixgw.dictionary import Dictionary
from fixgw.session import LogonFlags, profile
from fixgw.sim.auth import check_logon
from fixgw.sim.keys import KeyRegistry, SimKeyError
from fixgw.testing import make_keys, raw_logon

NOW = datetime(2026, 1, 5, 14, 30, 0, 123000, tzinfo=UTC)
DECODER = Decoder(Dictionary.default())


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return make_keys(tmp_path_factory.mktemp("auth-keys"))


@pytest.fixture(scope="module")
def registry(keys):
    reg = KeyRegistry()
    reg.register(keys.uuid, keys.pub_path)
    return reg


def check(registry, raw: bytes, session_type: str = "KalshiNR", now: datetime = NOW):
    return check_logon(DECODER.decode(raw), profile(session_type), registry, now)


def test_a_good_logon_passes(registry, keys):
    assert check(registry, raw_logon(keys, "KalshiNR", sending_time=NOW)) is None
    rt = raw_logon(keys, "KalshiRT", sending_time=NOW, flags=LogonFlags(), seq=17)
    assert check(registry, rt, "KalshiRT") is None


def test_signature_covers_the_exact_wire_sending_time(registry, keys):
    # Same instant, written with microseconds instead of milliseconds: the client signed
    # "...00.123" but the message says "...00.123000", so the signature cannot match.
    sig_over_ms = raw_logon(keys, "KalshiNR", sending_time=b"20260105-14:30:00.123")
    signature = DECODER.decode(sig_over_ms).body[96].decode()
    tampered = raw_logon(
        keys, "KalshiNR", sending_time=b"20260105-14:30:00.123000", signature=signature
    )
    r = check(registry, tampered)
    assert r.reject_reason is RejectReason.SIGNATURE_PROBLEM and r.ref_tag == 96
    # While a message signed over its own microsecond field is fine.
    assert (
        check(registry, raw_logon(keys, "KalshiNR", sending_time=b"20260105-14:30:00.123000"))
        is None
    )


@pytest.mark.parametrize(
    ("kwargs", "session_type", "reason", "tag", "text"),
    [
        ({"signature": "bm90IGEgc2lnbmF0dXJl"}, "KalshiNR", RejectReason.SIGNATURE_PROBLEM, 96, "does not verify"),
        ({"signature": "%%%"}, "KalshiNR", RejectReason.SIGNATURE_PROBLEM, 96, "does not verify"),
        ({"sender": "5f0c7e1e-0000-4000-8000-000000000000"}, "KalshiNR", RejectReason.COMPID_PROBLEM, 49, "not a registered API key"),
        ({}, "KalshiRT", RejectReason.COMPID_PROBLEM, 56, "this port serves KalshiRT"),
        ({"sending_time": NOW - timedelta(seconds=31)}, "KalshiNR", RejectReason.SENDING_TIME_ACCURACY, 52, "within 30 s"),
        ({"sending_time": NOW + timedelta(seconds=31)}, "KalshiNR", RejectReason.SENDING_TIME_ACCURACY, 52, "31.0 s"),
    ],
)  # fmt: skip
def test_rejects_with_reason(registry, keys, kwargs, session_type, reason, tag, text):
    kwargs.setdefault("sending_time", NOW)
    r = check(registry, raw_logon(keys, "KalshiNR", **kwargs), session_type)
    assert r is not None
    assert (r.reject_reason, r.ref_tag) == (reason, tag)
    assert text in r.text
    d = r.decision()
    assert not d.accept and d.reject_reason is reason and d.text == r.text


def test_sending_time_at_exactly_30_seconds_is_accepted(registry, keys):
    assert (
        check(registry, raw_logon(keys, "KalshiNR", sending_time=NOW - timedelta(seconds=30)))
        is None
    )


def test_missing_signature(registry, keys):
    raw = raw_logon(keys, "KalshiNR", sending_time=NOW)
    fm = DECODER.decode(raw)
    del fm.body[96]
    r = check_logon(fm, profile("KalshiNR"), registry, NOW)
    assert r.reject_reason is RejectReason.SIGNATURE_PROBLEM and "missing" in r.text


@pytest.mark.parametrize(
    ("session_type", "flags", "hb", "text"),
    [
        ("KalshiNR", LogonFlags(), 30, "ResetSeqNumFlag (141) must be Y on KalshiNR"),
        ("KalshiDC", LogonFlags(reset_seq_num=False), 30, "ResetSeqNumFlag (141) must be Y on KalshiDC"),
        ("KalshiRFQ", LogonFlags(), 30, "must be Y on KalshiRFQ"),
        ("KalshiNR", LogonFlags(reset_seq_num=True), 3, "HeartBtInt (108) is 3"),
        ("KalshiPT", LogonFlags(listener_session=True, skip_pending_exec_reports=True), 30, "only valid on KalshiNR and KalshiRT"),
        ("KalshiRT", LogonFlags(listener_session=True, skip_pending_exec_reports=True, cancel_orders_on_disconnect=True), 30,
         "CancelOrdersOnDisconnect (8013) must be N"),
        ("KalshiNR", LogonFlags(reset_seq_num=True, receive_settlement_reports=True), 30, "ReceiveSettlementReports (20127)"),
    ],
)  # fmt: skip
def test_logon_field_rules_are_a_logout_without_reject(
    registry, keys, session_type, flags, hb, text
):
    raw = raw_logon(keys, session_type, sending_time=NOW, flags=flags, heartbeat_interval=hb)
    r = check(registry, raw, session_type)
    assert r is not None and r.reject_reason is None
    assert text in r.text


def test_listener_flags_valid_on_nr_and_rt(registry, keys):
    flags = LogonFlags(reset_seq_num=True, listener_session=True, skip_pending_exec_reports=True)
    assert check(registry, raw_logon(keys, "KalshiNR", sending_time=NOW, flags=flags)) is None
    assert (
        check(registry, raw_logon(keys, "KalshiRT", sending_time=NOW, flags=flags), "KalshiRT")
        is None
    )


# ---- key registry -------------------------------------------------------------------------------


def test_load_dir_registers_every_pub_file(tmp_path, keys):
    d = tmp_path / "keys"
    d.mkdir()
    (d / f"{keys.uuid}.pub").write_bytes(keys.pub_path.read_bytes())
    (d / "other.pub").write_bytes(keys.pub_path.read_bytes())
    (d / "notes.txt").write_text("ignored")
    reg = KeyRegistry()
    assert reg.load_dir(d) == sorted([keys.uuid, "other"])
    assert keys.uuid in reg and len(reg) == 2 and reg.get("nobody") is None


def test_load_dir_errors_name_the_problem(tmp_path, keys):
    reg = KeyRegistry()
    with pytest.raises(SimKeyError, match="not found"):
        reg.load_dir(tmp_path / "missing")
    with pytest.raises(SimKeyError, match="not a directory"):
        reg.load_dir(keys.pub_path)
    with pytest.raises(SimKeyError, match="no <uuid>.pub files"):
        reg.load_dir(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "k1.pub").write_text("hello")
    with pytest.raises(SimKeyError, match=r"API key k1: .*not PEM"):
        reg.load_dir(bad)
    with pytest.raises(SimKeyError, match="holds a 'PRIVATE KEY'"):
        reg.register("k2", keys.key_path)


def test_register_accepts_pem_text_and_refuses_unusable_ids(keys):
    reg = KeyRegistry()
    pem = keys.pub_path.read_text()
    assert reg.register("abc", pem) == "abc"
    assert reg.register("bytes", pem.encode()) == "bytes"
    for bad in ("", "has space", "a=b", "x|y", "tab\tx"):
        with pytest.raises(SimKeyError, match="cannot be a SenderCompID"):
            reg.register(bad, pem)
