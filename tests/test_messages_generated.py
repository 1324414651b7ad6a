"""The checked-in generated message code is exactly what tools/gen_messages.py produces from
dictionary/kalshi-fixgw.xml, so the dictionary and the dataclasses cannot drift apart."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("gen_messages", ROOT / "tools" / "gen_messages.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_files_are_up_to_date():
    gen = _tool()
    files = gen.render(ROOT / "dictionary" / "kalshi-fixgw.xml")
    assert set(files) == {"enums.py", "generated.py"}
    for name, text in files.items():
        assert (ROOT / "fixgw" / "messages" / name).read_text() == text, f"run tools/gen_messages.py ({name} is stale)"


def test_every_dictionary_message_has_a_class():
    from fixgw.dictionary import Dictionary
    from fixgw.messages import MESSAGE_TYPES

    d = Dictionary.default()
    assert set(MESSAGE_TYPES) == set(d.messages)
    assert len(MESSAGE_TYPES) == 34
    for mt, cls in MESSAGE_TYPES.items():
        assert mt == cls.MSG_TYPE and cls.__name__ == d.messages[mt].name


def test_snake_case_names():
    gen = _tool()
    assert gen.snake("ClOrdID") == "cl_ord_id"
    assert gen.snake("NoPartyIDs") == "no_party_ids"
    assert gen.snake("RFQCancelStatus") == "rfq_cancel_status"
    assert gen.group_names("NoMiscFees") == ("MiscFee", "misc_fees")
    assert gen.group_names("NoMarketSettlementPartyIDs") == ("MarketSettlementParty", "market_settlement_party_ids")


def test_from_fix_is_typed_and_checks_the_type():
    from datetime import UTC, datetime
    from decimal import Decimal

    import pytest

    from fixgw.codec import ValidationError
    from fixgw.messages import ExecutionReport, Message, NewOrderSingle, enums

    nos = NewOrderSingle(cl_ord_id="c1", order_qty=Decimal(2), ord_type=enums.OrdType.LIMIT, price=Decimal("0.40"),
                         side=enums.Side.BUY, symbol="M")  # fmt: skip
    raw = nos.to_fix(sender_comp_id="k", target_comp_id="KalshiNR", msg_seq_num=3,
                     sending_time=datetime(2026, 1, 5, tzinfo=UTC))  # fmt: skip
    assert NewOrderSingle.from_fix(raw) == nos
    assert Message.from_fix(raw) == nos  # the base class takes any type
    with pytest.raises(ValidationError, match="expected ExecutionReport"):
        ExecutionReport.from_fix(raw)
