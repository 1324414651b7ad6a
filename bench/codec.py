"""Codec: typed decode and encode of NewOrderSingle and ExecutionReport (fee and collateral
groups) beside simplefix's ``FixParser.get_message`` and ``FixMessage.encode`` on the same bytes.

Ours does more than simplefix: it verifies CheckSum and BodyLength, validates every field
against the dictionary and builds typed dataclasses (Decimal, enums, datetime); simplefix
splits into byte pairs.  Figures are microseconds per message over a batch of distinct
messages (unique ids, varied prices), medians over interleaved repeats.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import simplefix

from fixgw.codec import Decoder
from fixgw.dictionary import Dictionary
from fixgw.messages import decode, default_encoder, from_fix_message
from fixgw.messages.prices import PriceFormat

from .common import Row, Stat, interleave, rss_kib
from .samples import batch, wire

NAME = "codec"
DESCRIPTION = "decode/encode NewOrderSingle and ExecutionReport vs simplefix"

FMT = PriceFormat.DOLLARS


def _per_msg(fn: Callable[[], Any], n: int) -> Callable[[], float]:
    def measure() -> float:
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) / n * 1e6

    return measure


def _sf_parse_all(raws: list[bytes]) -> Callable[[], None]:
    parser = simplefix.FixParser()

    def go() -> None:
        for r in raws:
            parser.append_buffer(r)
            parser.get_message()

    return go


def _sf_messages(raws: list[bytes]) -> list[simplefix.FixMessage]:
    parser = simplefix.FixParser()
    out = []
    for r in raws:
        parser.append_buffer(r)
        m = parser.get_message()
        assert m is not None
        out.append(m)
    return out


def run(quick: bool = False) -> list[Row]:
    k = 300 if quick else 2000
    repeats = 3 if quick else 11
    ers = batch("er", k, seed=1)
    noses = batch("nos", k, seed=2)
    er_raw = [wire(m, 1000 + i) for i, m in enumerate(ers)]
    nos_raw = [wire(m, 1000 + i, sender="client") for i, m in enumerate(noses)]
    sf_er, sf_nos = _sf_messages(er_raw), _sf_messages(nos_raw)
    # same bytes both ways: what simplefix re-encodes is what we encode
    assert sf_nos[0].encode() == nos_raw[0] and sf_er[0].encode() == er_raw[0]
    session_decoder = Decoder(Dictionary.default(), allow_unknown_tags=True, verify=False)
    enc = default_encoder()
    header = {"sender_comp_id": "c", "target_comp_id": "KalshiRT", "msg_seq_num": 1, "price_format": FMT, "encoder": enc}
    sending = ers[0].transact_time
    assert sending is not None

    def typed_decode(raws: list[bytes]) -> Callable[[], None]:
        def go() -> None:
            for r in raws:
                decode(r, FMT)

        return go

    def session_path(raws: list[bytes]) -> Callable[[], None]:
        dec = session_decoder.decode

        def go() -> None:
            for r in raws:
                from_fix_message(dec(r), FMT)

        return go

    def to_fix(msgs: list[Any]) -> Callable[[], None]:
        def go() -> None:
            for m in msgs:
                m.to_fix(sending_time=sending, **header)

        return go

    def sf_encode(msgs: list[simplefix.FixMessage]) -> Callable[[], None]:
        def go() -> None:
            for m in msgs:
                m.encode()

        return go

    cases: list[tuple[str, Callable[[], None], Callable[[], None], str, float | None]] = [
        ("ER decode -> dataclass (fixgw.messages.decode)", typed_decode(er_raw), _sf_parse_all(er_raw), ">= 10x simplefix parse", 10.0),
        ("ER decode, session path (Decoder verify=False + from_fix_message)", session_path(er_raw), _sf_parse_all(er_raw), "", None),
        ("NOS decode -> dataclass", typed_decode(nos_raw), _sf_parse_all(nos_raw), "", None),
        ("NOS encode dataclass -> frame (to_fix)", to_fix(noses), sf_encode(sf_nos), ">= 2x simplefix encode", 2.0),
        ("ER encode dataclass -> frame (to_fix)", to_fix(ers), sf_encode(sf_er), "", None),
    ]  # fmt: skip
    rows: list[Row] = []
    for metric, ours, base, target, need in cases:
        ours(), base()  # warm caches and code paths
        got = interleave({"ours": _per_msg(ours, k), "base": _per_msg(base, k)}, repeats)
        row = Row(
            NAME, metric, "us/msg", Stat(got["ours"]), Stat(got["base"]),
            "simplefix encode" if "encode" in metric else "simplefix parse", target=target,
        )  # fmt: skip
        if need is not None and row.ratio is not None:
            row.met = row.ratio >= need
        rows.append(row)
    rows.extend(_scaling(quick))
    return rows


def _scaling(quick: bool) -> list[Row]:
    """Decode n and 10n distinct ExecutionReports, keeping the results: time and memory."""
    n = 2_000 if quick else 10_000
    out: dict[int, tuple[float, float]] = {}
    for size in (n, 10 * n):
        raws = [wire(m, 1 + i) for i, m in enumerate(batch("er", size, seed=3))]
        gc.collect()
        before = rss_kib()
        t0 = time.perf_counter()
        kept = [decode(r, FMT) for r in raws]
        secs = time.perf_counter() - t0
        gc.collect()
        mib = (rss_kib() - before) / 1024
        out[size] = (secs, mib)
        del kept, raws
    (t1, m1), (t10, m10) = out[n], out[10 * n]
    return [
        Row(
            NAME, f"scaling: decode {n:,} vs {10 * n:,} ERs, time", "s", Stat([t10]), Stat([t1]),
            f"{n:,} ERs", target="~10x (linear)", note="ratio = growth",
            extra={"ratio": t10 / t1},
        ),
        Row(
            NAME, f"scaling: {n:,} vs {10 * n:,} decoded ERs kept, RSS growth", "MiB", Stat([m10]), Stat([m1]),
            f"{n:,} ERs", target="~10x (linear)", note="ratio = growth",
            extra={"ratio": (m10 / m1) if m1 > 0 else None},
        ),
    ]  # fmt: skip
