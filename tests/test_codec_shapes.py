"""Compiled shapes decode exactly as the checked path does, and refuse what it refuses.

Why: after one message of a shape, every later message of that shape (the same MsgType and
tags) skips the checked path: the codec's compiled function builds the FixMessage, and the
messages layer's builders build the dataclass straight from the wire parts or from the dicts.
The contract is that results and errors stay the checked path's for every input, so these
tests teach a shape with a valid message and then feed messages of the same shape with bad
values, wrong counts, empty values, as well as random value damage.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_codec_fastpath import VALID, _fill, _order, _wire
from test_fuzz_codec import CORPUS
from test_messages_roundtrip import instance_strategy

from fixgw.codec import (
    CodecError,
    Decoder,
    FixMessage,
    ValidationError,
    build_frame,
    split_fields,
    verify_frame,
)
from fixgw.codec import decoder as decoder_module
from fixgw.codec.shapes import FIELD_BUDGET, SHAPE_LIMIT
from fixgw.dictionary import Dictionary
from fixgw.messages import (
    MESSAGE_TYPES,
    PriceFormat,
    _from_fix_message_plain,
    decode,
    default_encoder,
    from_fix_message,
    shape_builder,
)

D = Dictionary.default()
FORMATS = (PriceFormat.CENTS, PriceFormat.DOLLARS)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decoders() -> list[Decoder]:
    return [Decoder(D), Decoder(D, verify=False), Decoder(D, allow_unknown_tags=True, verify=False)]


def _reframe(pairs: list[tuple[int, bytes]]) -> bytes:
    """The message with BodyLength and CheckSum computed again (only the decoder judges it)."""
    assert pairs[2][0] == 35
    body = b"".join(b"%d=%s\x01" % (t, v) for t, v in pairs[3:-1])
    return build_frame(b"FIXT.1.1", pairs[2][1], b"", body)


def _outcome(fn: Any) -> str:
    """What ``fn()`` gives, as text precise enough to tell any two results or errors apart."""
    try:
        got = fn()
    except (CodecError, ValueError, TypeError, KeyError) as exc:
        detail = (exc.reason, exc.tag, exc.msg_type, exc.seq, exc.value) if isinstance(exc, ValidationError) else ""
        return f"{type(exc).__name__}: {exc} {detail}"
    if isinstance(got, FixMessage):
        return repr((got.msg_type, got.header, got.body, got.pairs, got.unknown))
    return repr((type(got), got, got.header))


def _checked(dec: Decoder, raw: bytes) -> FixMessage:
    if dec.verify:
        verify_frame(raw, b"FIXT.1.1")  # the frame check comes first
    return dec._decode_checked(raw)


def _checked_message(dec: Decoder, raw: bytes, fmt: PriceFormat) -> Any:
    return _from_fix_message_plain(_checked(dec, raw), fmt)


def _same_outcome(dec: Decoder, raw: bytes) -> None:
    """Every route through compiled shapes ends as the checked path ends."""
    want = _outcome(lambda: _checked(dec, raw))
    assert _outcome(lambda: dec.decode(raw)) == want
    for fmt in FORMATS:
        typed = _outcome(lambda fmt=fmt: _checked_message(dec, raw, fmt))
        assert _outcome(lambda fmt=fmt: decode(raw, fmt, dec)) == typed
        assert _outcome(lambda fmt=fmt: from_fix_message(dec.decode(raw), fmt)) == typed


def _taught(raw: bytes) -> list[Decoder]:
    decs = _decoders()
    for dec in decs:
        for _ in range(2):  # the codec's shape, then the messages layer's builders
            for fmt in FORMATS:
                decode(raw, fmt, dec)
                from_fix_message(dec.decode(raw), fmt)
    return decs


def test_a_shape_is_compiled_after_one_message_and_used_after() -> None:
    dec = Decoder(D)
    first, second = _wire(_fill(1), 7), _wire(_fill(2), 8)
    assert dec.decode(first).shape is None  # the checked path decoded it, and taught the shape
    fm = dec.decode(second)
    assert fm.shape is not None and fm.shape.msg_type == "8"
    assert "def decode(p, raw):" in fm.shape.source
    want = dec._decode_checked(second)
    assert fm == want  # the dataclass's equality: header, body, raw, pairs and unknown
    assert fm.raw_value(11) == b"c2" and fm.raw_value(58) is None
    for fmt in FORMATS:
        msg = decode(second, fmt, dec)
        assert repr((msg, msg.header)) == repr((ref := _from_fix_message_plain(want, fmt), ref.header))
        assert from_fix_message(fm, fmt) == msg
    assert {"messages.fm.cents", "messages.parts.dollars"} <= set(fm.shape.cache)
    compiled = shape_builder(fm.shape, PriceFormat.DOLLARS, True)
    assert compiled is not None and "def build(p):" in compiled[1]


def test_every_valid_message_goes_the_same_way_both_ways() -> None:
    for raw in VALID:
        for dec in _taught(raw):
            _same_outcome(dec, raw)


def test_messages_with_data_fields_unknown_or_legacy_tags_are_not_compiled() -> None:
    logon = split_fields(CORPUS[0], {95: 96})
    plain_data = _reframe([(t, b"3" if t == 95 else b"sig" if t == 96 else v) for t, v in logon])
    assert b"\x0195=3\x0196=sig\x01" in plain_data  # RawData that splits like any value
    order = split_fields(_wire(_order(1), 3), {})
    unknown = _reframe([*order[:-2], (5001, b"x"), *order[-2:]])
    legacy = build_frame(b"FIXT.1.1", b"U8", b"49=a\x0156=b\x0134=3\x0152=20260105-14:30:00\x01", b"117=q1\x01297=0\x01")
    for raw in (CORPUS[0], plain_data, unknown, legacy):
        dec = Decoder(D, allow_unknown_tags=True)
        for _ in range(3):
            assert dec.decode(raw).shape is None
        assert list(dec._shapes.values()) == ([] if raw is CORPUS[0] else [None])
        _same_outcome(dec, raw)
    assert Decoder(D, allow_unknown_tags=True).decode(legacy).body[21010] == 0


def _variant(raw: bytes, tag: int, value: bytes, nth: int = 0) -> bytes:
    pairs = split_fields(raw, {})
    idx = [i for i, (t, _) in enumerate(pairs) if t == tag][nth]
    pairs[idx] = (tag, value)
    return _reframe(pairs)


@pytest.mark.parametrize(
    ("tag", "value", "reason"),
    [
        (11, b"", 4),  # empty: TAG_WITHOUT_VALUE
        (49, b"", 4),
        (54, b"Z", 5),  # not an enum value
        (39, b"22", 6),  # CHAR: one character
        (39, b"Z", 5),
        (1705, b"NOPE", 5),
        (38, b"1.2.3", 6),  # not a decimal
        (38, b"1e3", 6),
        (34, b"x", 6),
        (52, b"20261305-14:30:00.000", 6),  # month 13
        (60, b"20260105-14:30:00.12a", 6),
        (1057, b"T", 6),
        (11, b"\xff", 6),  # not UTF-8
        (1703, b"3", 16),  # says 3, has 2: INCORRECT_NUMINGROUP_COUNT
        (1703, b"1", 16),
        (136, b"0", 16),
        (136, b"01", None),  # 1 in other bytes: valid, decoded the checked way
        (60, b"20260105-14:30:00", None),  # valid, other precisions
        (60, b"20260105-14:30:00.123456", None),
        (60, b"20261231-23:59:60.5", None),  # leap second
        (38, b"10.000", None),
        (38, b"-0", None),
        (11, b"\xc3\xa9", None),
    ],
)
def test_a_bad_value_in_a_known_shape_fails_as_the_checked_path_says(tag: int, value: bytes, reason: int | None) -> None:
    good = _wire(_fill(1), 7)
    bad = _variant(good, tag, value)
    for dec in _taught(good):
        _same_outcome(dec, bad)
        if reason is None:
            assert (dec.decode(bad).shape is None) == (value == b"01")  # other count bytes: checked path
            continue
        with pytest.raises(ValidationError) as exc:
            dec.decode(bad)
        assert (int(exc.value.reason), exc.value.tag, exc.value.seq) == (reason, tag, None if tag == 34 else 7)
        for fmt in FORMATS:
            with pytest.raises(ValidationError) as typed:
                decode(bad, fmt, dec)
            assert str(typed.value) == str(exc.value)


def test_values_holding_separators_are_split_the_checked_way() -> None:
    good = _wire(_order(1), 3)
    for dec in _taught(good):
        for value in (b"a=b", b"=", b"a\x01b", b"a\x0155=x"):
            _same_outcome(dec, _variant(good, 11, value))
    # a trailing byte after the last SOH: not the shape, even unverified
    dec = _taught(good)[1]
    with pytest.raises(CodecError):
        dec.decode(good + b"x")


def test_the_number_of_shapes_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoder_module, "SHAPE_LIMIT", 2)
    dec = Decoder(D)
    raws = [_wire(_fill(1), 7), _wire(_order(1), 3), *CORPUS[1:]]
    for raw in raws * 2:
        assert dec.decode(raw) == dec._decode_checked(raw)
    assert len(dec._shapes) == 2
    assert SHAPE_LIMIT >= 256


def test_the_fields_compiled_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    fill, order = _wire(_fill(1), 7), _wire(_order(1), 3)
    monkeypatch.setattr(decoder_module, "FIELD_BUDGET", len(split_fields(fill, {})) + 5)
    dec = Decoder(D)
    for raw in (fill, order, fill, order):
        assert dec.decode(raw) == dec._decode_checked(raw)
    assert [s is not None for s in dec._shapes.values()] == [True, False]
    assert dec.decode(fill).shape is not None and dec.decode(order).shape is None
    assert FIELD_BUDGET >= 4096


def test_a_shape_that_does_not_reproduce_the_checked_path_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    real = decoder_module.compile_shape

    def wrong(*args: Any) -> Any:
        shape = real(*args)
        decode = shape.decode

        def off_by_one(p: list[bytes], raw: bytes) -> FixMessage:
            fm = decode(p, raw)
            fm.header[34] += 1
            return fm

        shape.decode = off_by_one
        return shape

    monkeypatch.setattr(decoder_module, "compile_shape", wrong)
    dec = Decoder(D)
    raw = _wire(_fill(1), 7)
    for _ in range(3):
        assert dec.decode(raw).header[34] == 7
    assert list(dec._shapes.values()) == [None]


def test_a_builder_that_does_not_reproduce_the_plain_route_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import fixgw.messages as messages

    def wrong(shape: Any, fmt: PriceFormat, from_parts: bool) -> Any:
        return (lambda arg: MESSAGE_TYPES["0"]()), "def build(...): ..."

    monkeypatch.setattr(messages, "shape_builder", wrong)
    dec = Decoder(D)
    raw = _wire(_fill(1), 7)
    for _ in range(3):
        assert type(decode(raw, PriceFormat.CENTS, dec)).__name__ == "ExecutionReport"
        assert type(from_fix_message(dec.decode(raw))).__name__ == "ExecutionReport"
    shape = dec.decode(raw).shape
    assert shape.cache["messages.parts.cents"] is None and shape.cache["messages.fm.cents"] is None


def test_an_invalid_message_does_not_decide_whether_a_builder_is_used() -> None:
    """The first message of a shape the messages layer meets may be invalid: its error is the
    plain route's, and the next valid message of the shape still gets the compiled builder."""
    good = _wire(_fill(1), 7)
    bad = _variant(good, 54, b"Z")
    dec = Decoder(D)
    dec.decode(good)  # teaches the codec
    for fmt in FORMATS:
        for _ in range(2):
            with pytest.raises(ValidationError, match="tag=54"):
                decode(bad, fmt, dec)
            with pytest.raises(ValidationError, match="tag=54"):
                from_fix_message(dec.decode(bad), fmt)
    shape = dec.decode(good).shape
    assert not any(k in shape.cache for k in ("messages.parts.cents", "messages.fm.cents"))
    for fmt in FORMATS:
        assert decode(good, fmt, dec) == from_fix_message(dec.decode(good), fmt)
    assert all(callable(shape.cache[k]) for k in ("messages.parts.cents", "messages.fm.dollars"))


def _damage_values(data: st.DataObject, raw: bytes) -> bytes:
    """Change values only, so the message keeps its shape (unless a value gains a separator)."""
    pairs = split_fields(raw, {95: 96})
    for _ in range(data.draw(st.integers(1, 3), label="n changes")):
        i = data.draw(st.integers(3, len(pairs) - 2), label="field")
        t, v = pairs[i]
        op = data.draw(st.sampled_from(["value", "byte", "append"]), label="op")
        if op == "value":
            v = data.draw(st.sampled_from([b"", b"x", b"0", b"00", b"1", b"01", b"2", b"-1", b"1.5", b"Y", b"N", b"24",
                                           b"20260105-14:30:00", b"20260105-14:30:00.1", b"20261305-14:30:00.1",
                                           b"\xff", b"1e3", b" 1", b"USD", b"BALANCE"]), label="value")  # fmt: skip
        elif op == "byte" and v:
            pos = data.draw(st.integers(0, len(v) - 1), label="pos")
            v = v[:pos] + data.draw(st.sampled_from([b"0", b"9", b".", b"-", b"x", b"=", b"\x01", b"\x80"]), label="byte") + v[pos + 1 :]
        else:
            v += data.draw(st.sampled_from([b"0", b"1", b".", b"Z"]), label="tail")
        pairs[i] = (t, v)
    return _reframe(pairs)


_TAUGHT = {raw: _taught(raw) for raw in VALID}


@FUZZ
@given(st.data())
def test_damaged_values_in_known_shapes_decode_as_the_checked_path_says(data: st.DataObject) -> None:
    raw = data.draw(st.sampled_from(VALID), label="message")
    bad = _damage_values(data, raw)
    for dec in _TAUGHT[raw]:
        _same_outcome(dec, bad)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
@pytest.mark.parametrize("msg_type", sorted(MESSAGE_TYPES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_messages_frame_and_decode_as_the_plain_paths(msg_type: str, fmt: PriceFormat, data: st.DataObject) -> None:
    """Each message framed by the compiled framer as the plain encoder frames it, then decoded
    twice (the second time through its compiled shape) as the checked path decodes it."""
    enc = default_encoder()
    msg = data.draw(instance_strategy(MESSAGE_TYPES[msg_type], fmt), label=msg_type)
    raw = msg.to_fix(sender_comp_id="a", target_comp_id="b", msg_seq_num=9, sending_time=_fill(0).transact_time, price_format=fmt)
    header = [(49, "a"), (56, "b"), (34, 9), (52, _fill(0).transact_time)]
    assert raw == enc.message(msg_type, header, msg.to_fields(fmt))
    dec = Decoder(D)
    want = _outcome(lambda: _checked_message(dec, raw, fmt))
    for _ in range(3):
        assert _outcome(lambda: decode(raw, fmt, dec)) == want
        assert _outcome(lambda: from_fix_message(dec.decode(raw), fmt)) == want
    assert decode(raw, fmt, dec) == msg
