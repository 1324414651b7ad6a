"""``fixgw decode``: readable and JSON output, log formats, bad messages, exit codes, secrets.

Why: this is the first command a user runs (README) and the tool used to read production logs,
so it must decode what real logs look like, keep going past a bad line, say which line was bad,
and never print a Logon signature.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fixgw.cli import main
from fixgw.cli.decode import split_messages
from fixgw.codec import FieldEncoder, build_frame
from fixgw.dictionary import Dictionary
from fixgw.messages import NewOrderSingle, PriceFormat, Quote, enums

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "sample.log"
KALSHI_XML = ROOT.parent / "shared" / "reference" / "kalshi-fix-dictionary.xml"
T0 = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
SIGNATURE = (
    b"dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSwganVzdCBzYW1wbGUgYnl0ZXMgZm9yIHRoZSBkZWNvZGVyIGRlbW8"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["decode", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: bytes, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    return run(capsys, *argv)


def _order(price: str = "0.75", seq: int = 2) -> bytes:
    order = NewOrderSingle(
        cl_ord_id="c1",
        order_qty=Decimal("10"),
        ord_type=enums.OrdType.LIMIT,
        price=Decimal(price),
        side=enums.Side.BUY,
        symbol="HIGHNY-23DEC31",
    )
    fmt = PriceFormat.DOLLARS if len(price) > 4 else PriceFormat.CENTS
    return order.to_fix(
        sender_comp_id="client",
        target_comp_id="KalshiNR",
        msg_seq_num=seq,
        sending_time=T0,
        price_format=fmt,
    )


def _pipe(raw: bytes) -> bytes:
    return raw.replace(b"\x01", b"|")


# --- the shipped sample ------------------------------------------------------------------------


def test_sample_log_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_sample_log", ROOT / "tools" / "make_sample_log.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.render() == SAMPLE.read_text(encoding="ascii"), "run tools/make_sample_log.py"
    assert mod.main(["--check", "-o", str(SAMPLE)]) == 0


def test_sample_log_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SAMPLE))
    assert code == 0 and err == ""
    headers = [line for line in out.splitlines() if line.startswith("# line ")]
    assert [h.split(": ", 1)[1] for h in headers] == [
        "Logon (35=A)",
        "Logon (35=A)",
        "NewOrderSingle (35=D)",
        "ExecutionReport (35=8)",
        "ExecutionReport (35=8)",
        "Heartbeat (35=0)",
        "Heartbeat (35=0)",
        "OrderCancelRequest (35=F)",
        "ExecutionReport (35=8)",
        "Logout (35=5)",
        "Logout (35=5)",
    ]
    lines = out.splitlines()
    assert "35(MsgType)=8 (EXECUTION_REPORT)" in lines
    assert "44(Price)=56 ($0.56)" in lines
    assert "54(Side)=1 (BUY)" in lines
    assert "150(ExecType)=F (TRADE)" in lines
    assert "96(RawData)=<redacted 168 bytes>" in lines
    # group entries are indented, the fields after a group are not
    i = lines.index("136(NoMiscFees)=1")
    assert lines[i + 1 : i + 5] == [
        "  137(MiscFeeAmt)=0.07",
        "  138(MiscFeeCurr)=USD",
        "  139(MiscFeeType)=4 (EXCHANGE_FEES)",
        "  891(MiscFeeBasis)=0 (ABSOLUTE)",
    ]
    assert lines[i + 5].startswith("880(TrdMatchID)=")
    assert "  1705(CollateralAmountType)=BALANCE" in lines


def test_signature_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert SIGNATURE in SAMPLE.read_bytes()
    for argv in ([str(SAMPLE)], [str(SAMPLE), "--json"]):
        code, out, err = run(capsys, *argv)
        assert code == 0
        assert SIGNATURE.decode() not in out and SIGNATURE.decode()[:20] not in out + err


def test_sample_log_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SAMPLE), "--json")
    assert code == 0 and err == ""
    objs = [json.loads(line) for line in out.splitlines()]
    assert len(objs) == 11
    logon = objs[0]
    assert logon["MsgType"] == "A" and logon["BeginString"] == "FIXT.1.1"
    assert logon["RawData"] == "<redacted 168 bytes>" and logon["RawDataLength"] == 168
    assert logon["ResetSeqNumFlag"] is True and logon["HeartBtInt"] == 30
    assert logon["SendingTime"] == "2023-11-24T14:30:00+00:00"
    trade = objs[4]
    assert trade["ExecType"] == "F" and trade["MsgSeqNum"] == 3
    assert trade["Price"] == "0.56" and trade["LastPx"] == "0.56" and trade["CumQty"] == "4"
    assert trade["NoMiscFees"] == [
        {"MiscFeeAmt": "0.07", "MiscFeeCurr": "USD", "MiscFeeType": "4", "MiscFeeBasis": 0}
    ]
    assert trade["NoCollateralAmountChanges"] == [
        {"CollateralAmountChange": "-2.31", "CollateralAmountType": "BALANCE"}
    ]
    assert trade["AggressorIndicator"] is False
    assert list(trade)[:3] == ["BeginString", "BodyLength", "MsgType"]
    assert list(trade)[-1] == "CheckSum"


# --- input forms -------------------------------------------------------------------------------


def test_stdin_soh_several_per_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _order(seq=2) + _order(seq=3) + b"\n" + _order(seq=4) + b"\r\n"
    code, out, err = run_stdin(capsys, monkeypatch, data, "--json")
    assert code == 0, err
    assert [json.loads(x)["MsgSeqNum"] for x in out.splitlines()] == [2, 3, 4]


def test_pipe_separated_with_log_prefixes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "x.log"
    log.write_bytes(
        b"20231124-12:00:00.000 : " + _pipe(_order(seq=2)) + b"\n"
        b"some unrelated log line\n"
        b"\n"
        b"in: " + _pipe(_order(seq=3)) + b"  out: " + _pipe(_order(seq=4)) + b"\n"
    )
    code, out, err = run(capsys, str(log))
    assert code == 0 and err == ""
    assert [x for x in out.splitlines() if x.startswith("34(")] == [
        "34(MsgSeqNum)=2",
        "34(MsgSeqNum)=3",
        "34(MsgSeqNum)=4",
    ]
    assert "# line 4: NewOrderSingle (35=D)" in out


def test_pipe_form_is_verified_as_soh(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A '|' log whose CheckSum was computed over the '|' bytes was never a valid wire message."""
    body = b"11=c1|38=10|40=2|44=75|54=1|55=X|"
    over_pipes = build_frame(b"FIXT.1.1", b"D", b"49=a|56=b|34=2|52=20240102-03:04:05|", body)
    over_pipes = over_pipes.replace(b"\x01", b"|")
    log = tmp_path / "x.log"
    log.write_bytes(over_pipes + b"\n")
    code, _, err = run(capsys, str(log))
    assert code == 1 and "line 1: CheckSum is" in err


def test_split_messages() -> None:
    a, b = _order(seq=2), _order(seq=3)
    assert list(split_messages(b"x" + a + b" " + b)) == [a, b]
    assert list(split_messages(_pipe(a) + _pipe(b))) == [a, b]
    assert list(split_messages(b"no messages here 58=FIXED")) == []
    # a message cut short is handed on whole so the decoder can say why
    assert list(split_messages(a[:-10])) == [a[:-10]]


# --- bad messages ------------------------------------------------------------------------------


def test_bad_lines_reported_and_run_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = _order(seq=2)
    bad_checksum = good[:-4] + b"%03d\x01" % ((int(good[-4:-1]) + 1) % 256)
    enc = FieldEncoder(Dictionary.default())
    bad_msgtype = enc.message("ZZ", [(49, "a"), (56, "b"), (34, 7), (52, T0)], [])
    bad_enum = enc.message(
        "D",
        [(49, "a"), (56, "b"), (34, 8), (52, T0)],
        [(11, "c"), (38, Decimal(1)), (40, "2"), (44, Decimal(5)), (54, "9"), (55, "X")],
    )
    blen = good.split(b"\x01")[1]
    bad_length = good.replace(b"\x01" + blen + b"\x01", b"\x019=999\x01", 1)
    log = tmp_path / "bad.log"
    log.write_bytes(
        b"\n".join(
            [
                _pipe(good),
                _pipe(bad_checksum),
                bad_msgtype,
                _pipe(good) + b" " + _pipe(bad_enum),
                b"ts : " + _pipe(bad_length),
                _pipe(good)[:-20],
                _pipe(good),
            ]
        )
        + b"\n"
    )
    code, out, err = run(capsys, str(log))
    assert code == 1
    errs = err.splitlines()
    assert len(errs) == 5, err
    assert errs[0].startswith("line 2: CheckSum is")
    assert errs[1].startswith("line 3: Invalid MsgType") and "MsgType=ZZ" in errs[1]
    assert errs[2].startswith("line 4: Value is incorrect") and "tag=54" in errs[2]
    assert errs[3].startswith("line 5: BodyLength 999 does not end at the CheckSum field")
    assert errs[4].startswith("line 6: ")
    assert [h for h in out.splitlines() if h.startswith("# line")] == [
        "# line 1: NewOrderSingle (35=D)",
        "# line 4: NewOrderSingle (35=D)",
        "# line 7: NewOrderSingle (35=D)",
    ]


def test_unknown_and_legacy_tags_shown(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    enc = FieldEncoder(Dictionary.default())
    hdr = [(49, "client"), (56, "KalshiNR"), (34, 1), (52, T0)]
    logon = build_frame(
        b"FIXT.1.1",
        b"A",
        enc.fields(hdr),
        b"98=0\x01108=30\x011137=9\x0121003=Y\x01333333=test\x01",
    )
    code, out, err = run_stdin(capsys, monkeypatch, logon)
    assert code == 0, err
    assert "21003(SkipPendingExecReports, legacy tag)=Y" in out.splitlines()
    assert "333333(unknown)=test" in out.splitlines()
    code, out, _ = run_stdin(capsys, monkeypatch, logon, "--json")
    obj = json.loads(out)
    assert obj["SkipPendingExecReports"] is True and obj["333333"] == "test"


def test_no_messages(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "empty.log"
    p.write_text("nothing to see\n")
    code, out, err = run(capsys, str(p))
    assert code == 1 and out == "" and "no FIX messages found" in err


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.log"))
    assert code == 2 and err.startswith("fixgw: cannot read ") and "nope.log" in err


def test_bad_dictionary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "d.xml"
    p.write_text("<fix>")
    code, _, err = run(capsys, str(SAMPLE), "--dictionary", str(p))
    assert code == 2 and "--dictionary" in err and str(p) in err


@pytest.mark.skipif(not KALSHI_XML.is_file(), reason="Kalshi's dictionary not present")
def test_with_kalshis_dictionary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SAMPLE), "--dictionary", str(KALSHI_XML))
    assert code == 0, err
    assert "96(RawData)=<redacted 168 bytes>" in out.splitlines()


# --- prices ------------------------------------------------------------------------------------


def _json_of(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, raw: bytes, *argv: str
) -> dict[str, Any]:
    code, out, err = run_stdin(capsys, monkeypatch, raw, "--json", *argv)
    assert code == 0, err
    return json.loads(out)


def test_dollars_flag(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    dollars = _order("0.7500")
    assert b"\x0144=0.7500\x01" in dollars
    assert _json_of(capsys, monkeypatch, dollars, "--dollars")["Price"] == "0.7500"
    assert _json_of(capsys, monkeypatch, dollars)["Price"] == "0.007500"
    cents = _order("0.75")
    assert _json_of(capsys, monkeypatch, cents)["Price"] == "0.75"
    code, out, _ = run_stdin(capsys, monkeypatch, dollars, "--dollars")
    assert "44(Price)=0.7500 ($0.7500)" in out.splitlines()


def test_quote_from_exchange_is_dollars(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    q = Quote(quote_id="q", quote_req_id="r", symbol="X", bid_px=Decimal("0.4500"))
    raw = q.to_fix(
        sender_comp_id="KalshiRT",
        target_comp_id="creator",
        msg_seq_num=1,
        sending_time=T0,
        price_format=PriceFormat.DOLLARS,
    )
    assert _json_of(capsys, monkeypatch, raw)["BidPx"] == "0.4500"
    mm = q.to_fix(sender_comp_id="mm", target_comp_id="KalshiRT", msg_seq_num=1, sending_time=T0)
    assert b"\x01132=45\x01" in mm
    assert _json_of(capsys, monkeypatch, mm)["BidPx"] == "0.45"
