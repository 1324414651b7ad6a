"""The journal's summary by shape gives what the checked split gives, for every input.

Why: the journal's writer summarizes every message (~2 per order) and the shape path is what
makes that cheap; the contract is that a message summarized by shape gets the same summary
(same keys, order, values, ``seq`` an int) as the full split, and that anything the shape path
is not sure of (non-ASCII, empty values, ``=`` in a value, DATA fields, odd tags) goes the
checked way."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_codec_fastpath import VALID

from fixgw.gateway import journal as J
from fixgw.gateway.journal import _summary_checked, _SummaryPlans, summarize


def _checked_summarize(raw: bytes) -> dict:
    """What summarize gave before shapes: the checked split of the redacted bytes."""
    clean, redacted = J.redact(raw)
    summary = _summary_checked(clean if clean else raw)
    if redacted:
        summary["raw_data"] = "redacted"
    return summary


def test_corpus_messages_agree_and_plain_ones_take_the_shape_path() -> None:
    plans = _SummaryPlans()
    shaped = 0
    for raw in VALID:
        got = plans.summary(raw)
        if got is None:
            assert b"\x0195=" in raw or b"=\x01" in raw or not raw.isascii(), raw
            continue
        shaped += 1
        assert list(got.items()) == list(_summary_checked(raw).items())
        assert list(plans.summary(raw).items()) == list(got.items())  # the cached plan too
    assert all(plans.summary(raw) is not None for raw in VALID[-3:])  # orders and fills
    assert shaped >= len(VALID) // 2


def test_a_learned_shape_reads_each_message_values() -> None:
    plans = _SummaryPlans()
    a = VALID[-3]
    b = a.replace(b"11=c1\x01", b"11=zz9\x01").replace(b"34=7\x01", b"34=8\x01")
    assert plans.summary(a)["cl_ord_id"] == "c1"
    got = plans.summary(b)
    assert got["cl_ord_id"] == "zz9" and got["seq"] == 8
    assert got == _summary_checked(b)


def test_unsure_messages_go_the_checked_way() -> None:
    plans = _SummaryPlans()
    base = VALID[-3]
    for raw in (
        base.replace(b"11=c1\x01", b"11=\x01"),  # empty value
        base.replace(b"11=c1\x01", b"11=a=b\x01"),  # '=' inside a value
        base.replace(b"11=c1\x01", "11=ç\x01".encode()),  # not ASCII
        base.replace(b"11=c1\x01", b"011=c1\x01"),  # not a canonical tag
        base[:-1],  # no final SOH
        b"8=FIXT.1.1\x019=5\x0135=A\x0195=3\x0196=a\x01b\x0110=000\x01",  # DATA field
    ):
        assert plans.summary(raw) is None, raw
        assert summarize(raw).summary == _checked_summarize(raw)


def test_plans_are_bounded() -> None:
    plans = _SummaryPlans()
    plans.MAX = 3
    for i in range(10):
        raw = b"8=FIXT.1.1\x019=9\x0135=0\x01%d=x\x0110=000\x01" % (5000 + i)
        assert plans.summary(raw) == _summary_checked(raw)
    assert len(plans._plans) == 3


def test_secrets_are_still_stripped_first() -> None:
    raw = b"8=FIXT.1.1\x019=30\x0135=A\x0134=1\x0195=4\x0196=abcd\x01554=pw\x0110=000\x01"
    r = summarize(raw)
    assert b"abcd" not in r.raw and b"554=" not in r.raw and r.redacted
    assert r.summary["raw_data"] == "redacted" and r.summary["seq"] == 1


_damage = st.lists(
    st.tuples(st.integers(0, 400), st.sampled_from([b"", b"=", b"\x01", b"\x01\x01", b"=\x01", b"1", b"0", b"\xff", b"a"])),
    max_size=4,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), _damage)
def test_damaged_messages_summarize_as_the_checked_path_does(raw: bytes, damage: list) -> None:
    b = bytearray(raw)
    for pos, ins in damage:
        pos = min(pos, len(b))
        b[pos : pos + 1] = ins
    msg = bytes(b)
    plans = _SummaryPlans()
    for _ in range(2):  # learning the shape, then using it
        got = plans.summary(msg)
        if got is not None:
            assert list(got.items()) == list(_summary_checked(msg).items())
    assert summarize(msg).summary == _checked_summarize(msg)
