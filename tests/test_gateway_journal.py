"""Gateway journal: secrets never reach the file, summaries, order chains, batching."""

from __future__ import annotations

import base64
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fixgw.codec import build_frame, split_fields, verify_frame
from fixgw.gateway.journal import (
    FrameTap,
    Journal,
    JournalError,
    journal_tap,
    msg_type_of,
    normalize_order,
    redact,
    summarize,
)
from fixgw.gateway.journal_sqlite import SqliteJournal
from fixgw.messages.enums import OrdStatus, Side
from fixgw.store import SqliteStore
from fixgw.testing import make_keys, raw_logon

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SEQ = iter(range(1, 10_000))


def frame(msg_type: str, fields: list[tuple[int, str | bytes]], *, seq: int | None = None) -> bytes:
    seq = next(SEQ) if seq is None else seq
    header = b"49=me\x0156=KalshiRT\x0134=%d\x0152=20260105-14:30:00.000\x01" % seq
    body = b"".join(b"%d=%s\x01" % (t, v if isinstance(v, bytes) else v.encode()) for t, v in fields)
    return build_frame(b"FIXT.1.1", msg_type.encode(), header, body)


def nos(cl: str, *, qty: str = "10", price: str = "45", side: str = "1") -> bytes:
    return frame("D", [(11, cl), (38, qty), (40, "2"), (44, price), (54, side), (55, "KXTEST-1")])


def er(cl: str, exec_id: str, exec_type: str, status: str, *, orig: str | None = None, order_id: str = "O1") -> bytes:
    f: list[tuple[int, str | bytes]] = [(6, "0"), (11, cl), (14, "0"), (17, exec_id), (37, order_id)]
    if orig:
        f.append((41, orig))
    f += [(38, "10"), (39, status), (44, "45"), (54, "1"), (55, "KXTEST-1"), (150, exec_type), (151, "10")]
    return frame("8", f)


@pytest.fixture
def journal(tmp_path: Path):
    j = SqliteJournal(tmp_path / "j" / "journal.sqlite", writer_thread=False)
    yield j
    j.close()


def file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))


# ---- secrets ----------------------------------------------------------------------------------


def test_logon_signature_never_reaches_the_file(tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    logon = raw_logon(keys, "KalshiRT", sending_time=T0)
    sig = dict(split_fields(logon, {95: 96}))[96]
    assert len(sig) > 100 and sig in logon
    path = tmp_path / "j" / "journal.sqlite"
    j = SqliteJournal(path)  # with its writer thread, as in the gateway
    j.record_message("rt", "out", logon, T0)
    j.record_message("rt", "in", logon, T0)
    j.flush()
    [row_out, row_in] = j.tail(2)
    j.close()
    data = file_bytes(path)
    assert sig not in data
    assert sig[:24] not in data  # not even a prefix
    assert base64.b64decode(sig)[:16] not in data
    for row in (row_out, row_in):
        assert row.redacted and row.msg_type == "A" and row.to_dict()["raw_data"] == "redacted"
        assert b"\x0196=" not in row.raw and sig not in row.raw
        verify_frame(row.raw)  # re-framed: BodyLength and CheckSum recomputed
        assert dict(split_fields(row.raw, {}))[49] == keys.uuid.encode()


def test_password_and_rawdata_with_soh_are_stripped() -> None:
    secret = b"se\x01cr=et"
    raw = frame("A", [(98, "0"), (108, "30"), (95, str(len(secret))), (96, secret), (554, "hunter2"), (925, "hunter3")])
    clean, changed = redact(raw)
    assert changed
    verify_frame(clean)
    assert b"hunter" not in clean and b"cr=et" not in clean and b"\x0195=" not in clean
    assert [t for t, _ in split_fields(clean, {})][-3:] == [98, 108, 10]
    s = summarize(raw).summary
    assert s["raw_data"] == "redacted" and s["msg_type"] == "A"


def test_message_without_secrets_is_kept_byte_for_byte() -> None:
    raw = nos("c1")
    assert redact(raw) == (raw, False)


def test_unparsable_message_with_a_secret_is_withheld() -> None:
    raw = b"8=FIXT.1.1\x019=20\x0135=A\x0196=abc=\x01garbage"
    clean, changed = redact(raw)
    assert (clean, changed) == (b"", True)


# ---- summaries and queries ---------------------------------------------------------------------


def test_summary_columns_and_tail(journal: SqliteJournal) -> None:
    journal.record_message("rt", "out", nos("c1", price="0.4500"), T0)
    journal.record_message("rt", "in", er("c1", "1;1", "0", "0"), T0 + timedelta(seconds=1))
    journal.record_message("rt", "in", frame("3", [(45, "7"), (58, "bad tag")]), T0 + timedelta(seconds=2))
    rows = journal.tail(10)
    assert [r.msg_type for r in rows] == ["D", "8", "3"]
    d, e, rej = rows
    assert (d.direction, d.cl_ord_id, d.price, d.qty, d.side, d.symbol) == ("out", "c1", "0.4500", "10", "1", "KXTEST-1")
    assert (e.exec_id, e.order_id, e.exec_type, e.ord_status, e.at) == ("1;1", "O1", "0", "0", T0 + timedelta(seconds=1))
    assert rej.text == "bad tag" and rej.cl_ord_id is None and isinstance(rej.seq, int)
    assert [r.id for r in journal.tail(2)] == [e.id, rej.id]
    assert [r.id for r in journal.tail(1, after_id=d.id)] == [e.id]
    assert journal.tail(5, after_id=rej.id) == []
    assert "raw=" not in repr(d)


def test_order_chain_through_replace_and_cancel(journal: SqliteJournal) -> None:
    at = T0
    journal.record_message("rt", "out", nos("c1"), at)
    journal.record_order("rt", {"cl_ord_id": "c1", "status": OrdStatus.PENDING_NEW, "order_qty": Decimal(10)}, at)
    journal.record_message("rt", "in", er("c1", "1;1", "0", "0"), at)
    journal.record_order(
        "rt",
        {"cl_ord_id": "c1", "order_id": "O1", "status": "0", "order_qty": Decimal(10), "leaves_qty": Decimal(10),
         "cum_qty": Decimal(0), "side": Side.BUY, "symbol": "KXTEST-1", "price": Decimal("0.45"), "event_time": at},
        at,
    )  # fmt: skip
    journal.record_message("rt", "out", frame("G", [(11, "c2"), (41, "c1"), (38, "5"), (44, "46")]), at)
    journal.record_message("rt", "in", er("c2", "2;2", "5", "0", orig="c1"), at)
    journal.record_order(
        "rt", {"cl_ord_id": "c2", "orig_cl_ord_id": "c1", "order_id": "O1", "status": "NEW", "order_qty": Decimal(5)}, at
    )
    journal.record_message("rt", "in", er("other", "3;3", "0", "0", order_id="O9"), at)  # unrelated
    open_now = journal.orders(open_only=True)
    assert [(o["cl_ord_id"], o["chain"], o["order_qty"], o["side"], o["price"]) for o in open_now] == [
        ("c2", ["c1", "c2"], "5", "1", "0.45")  # fields a snapshot omits keep their last value
    ]
    journal.record_message("rt", "out", frame("F", [(11, "c3"), (41, "c2")]), at)
    journal.record_message("rt", "in", er("c3", "4;4", "4", "4", orig="c2"), at)
    journal.record_order("rt", {"cl_ord_id": "c3", "orig_cl_ord_id": "c2", "status": "4", "text": "user cancel"}, at)
    assert journal.orders(open_only=True) == []
    [done] = journal.orders()
    assert (done["status"], done["open"], done["reason"], done["chain"]) == ("CANCELED", False, "user cancel", ["c1", "c2", "c3"])
    for start in ("c1", "c2", "c3"):
        msgs, events = journal.order_history(start)
        assert [m.msg_type for m in msgs] == ["D", "8", "G", "8", "F", "8"]
        assert [e["status"] for e in events] == ["PENDING_NEW", "NEW", "NEW", "CANCELED"]
        assert events[1]["event_time"] == at.isoformat()


def test_order_history_from_messages_alone(journal: SqliteJournal) -> None:
    journal.record_message("rt", "out", nos("a1"), T0)
    journal.record_message("rt", "in", er("a1", "1;1", "0", "0", order_id="OA"), T0)
    journal.record_message("rt", "in", frame("8", [(11, "a1"), (17, "2;2"), (37, "OA"), (150, "F"), (39, "2")]), T0)
    msgs, events = journal.order_history("a1")
    assert [m.exec_id for m in msgs] == [None, "1;1", "2;2"] and events == []


def test_reused_cl_ord_id_starts_a_new_order(journal: SqliteJournal) -> None:
    journal.record_order("rt", {"cl_ord_id": "x", "order_id": "O1", "status": "FILLED"}, T0)
    journal.record_order("rt", {"cl_ord_id": "x", "order_id": "O2", "status": "NEW"}, T0)
    orders = journal.orders()
    assert [(o["order_id"], o["status"]) for o in orders] == [("O1", "FILLED"), ("O2", "NEW")]
    assert [e["order_id"] for e in journal.order_history("x")[1]] == ["O2"]


def test_exec_ids_for_reconciliation(journal: SqliteJournal) -> None:
    journal.record_message("rt", "in", er("c1", "-1;-1", "A", "A"), T0)
    journal.record_message("rt", "in", er("c1", "1;5", "0", "0"), T0)
    journal.record_message("dc", "in", er("c1", "1;5", "0", "0"), T0)
    journal.record_message("dc", "in", er("c9", "2;7", "0", "0"), T0)
    journal.record_message("rt", "out", frame("8", [(17, "9;9")]), T0)  # not received
    assert journal.exec_ids() == {"1;5", "2;7"}
    assert journal.exec_ids("rt") == {"1;5"}


def test_normalize_order_plain_values_and_errors() -> None:
    o = normalize_order(
        {"cl_ord_id": "c", "ord_status": OrdStatus.PARTIALLY_FILLED, "cum_qty": Decimal("1.50"), "party": Side.SELL}
    )
    assert (o["status"], o["cum_qty"], o["open"], o["extra"]) == ("PARTIALLY_FILLED", "1.50", True, {"party": "2"})
    with pytest.raises(JournalError, match="cl_ord_id"):
        normalize_order({"status": "0"})
    with pytest.raises(JournalError, match="event_time"):
        normalize_order({"cl_ord_id": "c", "event_time": "yesterday"})
    naive = normalize_order({"cl_ord_id": "c", "event_time": datetime(2026, 1, 1)})["event_time"]
    assert naive == datetime(2026, 1, 1, tzinfo=UTC)  # FIX timestamps are UTC


def test_record_arguments_are_checked(journal: SqliteJournal) -> None:
    with pytest.raises(JournalError, match="direction"):
        journal.record_message("rt", "sideways", nos("c"), T0)
    with pytest.raises(JournalError, match="naive"):
        journal.record_message("rt", "in", nos("c"), datetime(2026, 1, 1))
    with pytest.raises(JournalError, match="session_id"):
        journal.record_message("", "in", nos("c"), T0)
    assert journal.queued == 0


# ---- batching, back-pressure, failures --------------------------------------------------------


def count_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    finally:
        conn.close()


def test_backpressure_writes_instead_of_dropping(tmp_path: Path) -> None:
    path = tmp_path / "bp.sqlite"
    j = SqliteJournal(path, writer_thread=False, batch_rows=5, max_queue=10)
    for i in range(37):
        j.record_message("rt", "in", er(f"c{i}", f"{i};{i}", "0", "0"), T0)
        assert j.queued < 10
    assert j.backpressure_flushes >= 5
    assert count_rows(path) + j.queued == 37  # written without any flush()
    j.close()
    assert count_rows(path) == 37
    ids = [r.exec_id for r in SqliteJournal(path, writer_thread=False).tail(100)]
    assert ids == [f"{i};{i}" for i in range(37)]  # recording order kept


def test_failed_write_keeps_rows_queued_and_retries(journal: SqliteJournal) -> None:
    journal._conn.execute(
        "CREATE TRIGGER no_d BEFORE INSERT ON messages WHEN NEW.msg_type = 'D' BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )
    journal.record_message("rt", "in", er("c1", "1;1", "0", "0"), T0)
    journal.record_message("rt", "out", nos("c2"), T0)
    with pytest.raises(JournalError, match="disk says no"):
        journal.flush()
    assert journal.queued == 2 and journal.write_errors == 1  # the whole batch rolled back, kept
    journal._conn.execute("DROP TRIGGER no_d")
    journal.flush()
    assert [r.msg_type for r in journal.tail(5)] == ["8", "D"]


def test_close_writes_the_queue_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    j = SqliteJournal(path)
    j.record_message("rt", "in", er("c1", "1;1", "0", "0"), T0)
    j.record_order("rt", {"cl_ord_id": "c1", "status": "NEW"}, T0)
    j.close()
    with pytest.raises(JournalError, match="closed"):
        j.record_message("rt", "in", b"x", T0)
    with SqliteJournal(path) as again:
        assert again.exec_ids() == {"1;1"}
        assert [o["status"] for o in again.orders(open_only=True)] == ["NEW"]
        assert isinstance(again, Journal)


def test_refuses_a_file_that_is_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    SqliteStore(path, "s1").close()
    with pytest.raises(JournalError, match="not a fixgw journal"):
        SqliteJournal(path, writer_thread=False)


# ---- tap --------------------------------------------------------------------------------------


def test_tap_reassembles_chunks_into_messages(journal: SqliteJournal) -> None:
    seen: list[tuple[str, str | None]] = []
    tap = journal_tap(journal, "rt", lambda: T0, also=[lambda d, f: seen.append((d, msg_type_of(f)))])
    stream = er("c1", "1;1", "0", "0") + er("c1", "2;2", "F", "1") + nos("c2")
    for i in range(0, len(stream), 7):
        tap("in", stream[i : i + 7])
    tap("out", nos("c3"))
    assert seen == [("in", "8"), ("in", "8"), ("in", "D"), ("out", "D")]
    assert [(r.direction, r.msg_type, r.cl_ord_id) for r in journal.tail(10)] == [
        ("in", "8", "c1"), ("in", "8", "c1"), ("in", "D", "c2"), ("out", "D", "c3"),
    ]  # fmt: skip


def test_tap_counts_garbage_and_rejects_bad_direction() -> None:
    got: list[bytes] = []
    tap = FrameTap(lambda d, f: got.append(f))
    tap("in", b"noise" + nos("c1"))
    assert tap.framing_errors == 1 and len(got) == 1
    with pytest.raises(JournalError, match="direction"):
        tap("up", b"")


def test_bench_reports_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    from bench.journal import run

    r = run(200, tmp_path / "b.sqlite", order_every=2)
    assert r["rows"] == 300 and r["rows_per_s"] > 0 and r["record_p99_us"] >= r["record_p50_us"]


def test_tracker_order_state_is_recorded_without_its_history(journal: SqliteJournal) -> None:
    from fixgw.app.orders import OrderTracker
    from fixgw.messages import NewOrderSingle
    from fixgw.messages.enums import OrdType

    tracker = OrderTracker()
    nos_msg = NewOrderSingle(cl_ord_id="t1", order_qty=Decimal(7), ord_type=OrdType.LIMIT, price=Decimal("0.42"),
                             side=Side.SELL, symbol="KXTEST-1", secondary_cl_ord_id="G1")  # fmt: skip
    state = tracker.on_new_order_sent(nos_msg)
    o = normalize_order(state)
    assert (o["cl_ord_id"], o["status"], o["side"], o["price"], o["leaves_qty"], o["chain"], o["open"]) == (
        "t1", "PENDING_NEW", "2", "0.42", "7", ["t1"], True,
    )  # fmt: skip
    assert o["extra"]["order_group_id"] == "G1" and "history" not in o["extra"] and "fills" not in o["extra"]
    journal.record_order("rt", state, T0)
    state.status = OrdStatus.NEW  # later changes to the live object do not alter what was recorded
    [row] = journal.orders()
    assert row["status"] == "PENDING_NEW" and row["extra"]["order_group_id"] == "G1"
