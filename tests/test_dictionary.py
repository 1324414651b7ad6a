"""The dictionary loader, our dictionary's shape, and how it differs from Kalshi's published one.

Why: every layer above trusts the dictionary, so a broken file must fail with file, line and
problem, and a change in how ours departs from Kalshi's must be a deliberate, listed decision.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from fixgw.dictionary import (
    DEFAULT_DICTIONARY_PATH,
    Dictionary,
    DictionaryError,
    Member,
    MessageDef,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
KALSHI_XML = SHARED / "reference" / "kalshi-fix-dictionary.xml"
needs_kalshi = pytest.mark.skipif(not KALSHI_XML.is_file(), reason=f"{KALSHI_XML} not present")


@pytest.fixture(scope="module")
def ours() -> Dictionary:
    return Dictionary.default()


@pytest.fixture(scope="module")
def kalshi() -> Dictionary:
    if not KALSHI_XML.is_file():
        pytest.skip(f"{KALSHI_XML} not present")
    return Dictionary.load(KALSHI_XML)


# --- our dictionary ---------------------------------------------------------------------------


def test_default_is_ours_and_cached(ours: Dictionary) -> None:
    assert Path(ours.source) == DEFAULT_DICTIONARY_PATH
    assert Dictionary.default() is ours
    assert ours.begin_string == "FIXT.1.1"


def test_message_counts(ours: Dictionary) -> None:
    assert len(ours.messages) == 34
    admin = {mt for mt, m in ours.messages.items() if m.admin}
    assert admin == {"0", "1", "2", "3", "4", "5", "A"}


def test_data_length_tags(ours: Dictionary) -> None:
    assert ours.data_length_tags == {95: 96}


def test_header_and_trailer(ours: Dictionary) -> None:
    required = {m.field.number for m in ours.header if m.required}
    assert required == {8, 9, 35, 49, 56, 34, 52}
    assert [m.field.number for m in ours.header[:3]] == [8, 9, 35]
    assert ours.trailer_tags == {10}


def test_lookup_helpers(ours: Dictionary) -> None:
    assert ours.message("D").name == "NewOrderSingle"
    assert ours.message_by_name("ExecutionReport").msg_type == "8"
    with pytest.raises(KeyError):
        ours.message_by_name("NoSuchMessage")
    assert ours.fields_by_name["Price"].number == 44
    assert ours.fields[44].type == "PRICE"
    assert ours.fields[54].enums == {"1": "BUY", "2": "SELL"}


def _group(members: tuple[Member, ...], tag: int) -> Member:
    (m,) = [m for m in members if m.field.number == tag]
    assert m.group is not None, f"{tag} is not a group"
    return m


def test_market_settlement_groups_nest(ours: Dictionary) -> None:
    ums = ours.message("UMS")
    parties = _group(ums.members, 20108)
    assert parties.group.count.name == "NoMarketSettlementPartyIDs"
    assert parties.group.delimiter == 20109
    collateral = _group(parties.group.members, 1703)
    fees = _group(parties.group.members, 136)
    assert [m.field.number for m in collateral.group.members] == [1704, 1705]
    assert [m.field.number for m in fees.group.members] == [137, 138, 139, 891]
    # top-level tags exclude group members; all_tags has every depth
    assert 1704 not in ums.tags and 20108 in ums.tags
    assert {20109, 1703, 1704, 136, 891} <= ums.all_tags


def test_execution_report_groups(ours: Dictionary) -> None:
    er = ours.message("8")
    assert _group(er.members, 136).group.tags == {137, 138, 139, 891}
    assert _group(er.members, 1703).group.tags == {1704, 1705}
    assert _group(er.members, 453).group.delimiter == 448


def test_mve_legs_group(ours: Dictionary) -> None:
    legs = _group(ours.message("R").members, 20181)
    assert [(m.field.number, m.required) for m in legs.group.members] == [
        (20182, True),
        (20183, True),
        (20184, True),
    ]


# --- Kalshi's dictionary -----------------------------------------------------------------------


def test_kalshi_loads_with_components_expanded(kalshi: Dictionary) -> None:
    assert len(kalshi.messages) == 34
    assert sum(m.admin for m in kalshi.messages.values()) == 7
    assert kalshi.data_length_tags == {95: 96, 93: 89}
    # MarketSettlementReport pulls its party group from a component, with two nested groups
    parties = _group(kalshi.message("UMS").members, 20108)
    assert _group(parties.group.members, 1703).group.tags == {1704, 1705}
    assert _group(parties.group.members, 136).group.tags == {137, 138, 139, 891}
    # the Parties component lands in NewOrderSingle
    assert _group(kalshi.message("D").members, 453).group.tags == {448, 452}


# --- components in a small file -----------------------------------------------------------------

HEAD = """<fix type='FIXT' major='1' minor='1'>
  <header>
    <field name='BeginString' required='Y'/>
    <field name='BodyLength' required='Y'/>
    <field name='MsgType' required='Y'/>
  </header>
  <trailer><field name='CheckSum' required='Y'/></trailer>
"""

FIELDS = """  <fields>
    <field number='8' name='BeginString' type='STRING'/>
    <field number='9' name='BodyLength' type='LENGTH'/>
    <field number='10' name='CheckSum' type='STRING'/>
    <field number='35' name='MsgType' type='STRING'/>
    <field number='11' name='ClOrdID' type='STRING'/>
    <field number='453' name='NoPartyIDs' type='NUMINGROUP'/>
    <field number='448' name='PartyID' type='STRING'/>
    <field number='452' name='PartyRole' type='INT'><value enum='24' description='CUSTOMER'/></field>
    <field number='95' name='RawDataLength' type='LENGTH'/>
    <field number='96' name='RawData' type='DATA'/>
  </fields>
</fix>
"""


def _write(tmp_path: Path, text: str, name: str = "dict.xml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_components_expand_and_follow_required(tmp_path: Path) -> None:
    xml = (
        HEAD
        + """  <messages>
    <message msgcat='app' msgtype='D' name='NewOrderSingle'>
      <field name='ClOrdID' required='Y'/>
      <component name='Parties' required='N'/>
    </message>
    <message msgcat='app' msgtype='X' name='Other'>
      <component name='Parties' required='Y'/>
    </message>
  </messages>
  <components>
    <component name='Parties'>
      <group name='NoPartyIDs' required='Y'>
        <field name='PartyID' required='Y'/>
        <field name='PartyRole' required='N'/>
      </group>
    </component>
  </components>
"""
        + FIELDS
    )
    d = Dictionary.load(_write(tmp_path, xml))
    d_parties = _group(d.message("D").members, 453)
    x_parties = _group(d.message("X").members, 453)
    assert not d_parties.required  # an optional component makes its members optional
    assert x_parties.required
    assert [(m.field.number, m.required) for m in d_parties.group.members] == [
        (448, True),
        (452, False),
    ]
    assert d.data_length_tags == {95: 96}
    assert d.messages["D"].all_tags == {11, 453, 448, 452}


# --- malformed files ------------------------------------------------------------------------------


def _msgs(body: str) -> str:
    return f"  <messages>\n{body}  </messages>\n"


BAD_FILES = {
    "not_xml": ("<fix>\n<fields>\n<field number='1'\n</fix>\n", "</fix>", r"not well-formed XML"),
    "unknown_field": (
        HEAD
        + _msgs(
            "    <message msgcat='app' msgtype='D' name='NewOrderSingle'>\n"
            "      <field name='NoSuchField' required='Y'/>\n"
            "    </message>\n"
        )
        + FIELDS,
        "NoSuchField",
        r"field 'NoSuchField' is used but not defined",
    ),
    "duplicate_tag": (
        HEAD
        + _msgs("")
        + FIELDS.replace(
            "  </fields>", "    <field number='11' name='ClOrdID2' type='STRING'/>\n  </fields>"
        ),
        "ClOrdID2",
        r"tag 11 defined twice \('ClOrdID' and 'ClOrdID2'\)",
    ),
    "empty_group": (
        HEAD
        + _msgs(
            "    <message msgcat='app' msgtype='D' name='NewOrderSingle'>\n"
            "      <group name='NoPartyIDs' required='N'>\n"
            "      </group>\n"
            "    </message>\n"
        )
        + FIELDS,
        "<group name='NoPartyIDs'",
        r"group 'NoPartyIDs' has no members",
    ),
    "missing_fields": (HEAD + _msgs("") + "</fix>\n", "<fix ", r"missing <fields> section"),
    "unknown_component": (
        HEAD
        + _msgs(
            "    <message msgcat='app' msgtype='D' name='NewOrderSingle'>\n"
            "      <component name='Nope' required='N'/>\n"
            "    </message>\n"
        )
        + FIELDS,
        "Nope",
        r"component 'Nope' is used but not defined",
    ),
    "duplicate_msgtype": (
        HEAD
        + _msgs(
            "    <message msgcat='app' msgtype='D' name='A1'><field name='ClOrdID'/></message>\n"
            "    <message msgcat='app' msgtype='D' name='A2'><field name='ClOrdID'/></message>\n"
        )
        + FIELDS,
        "name='A2'",
        r"MsgType 'D' defined twice",
    ),
    "bad_number": (
        HEAD + _msgs("") + FIELDS.replace("number='11'", "number='x11'"),
        "x11",
        r"field 'ClOrdID' has non-numeric number 'x11'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_dictionary_names_file_line_and_problem(tmp_path: Path, case: str) -> None:
    text, marker, problem = BAD_FILES[case]
    (line,) = [n for n, t in enumerate(text.splitlines(), 1) if marker in t]
    path = _write(tmp_path, text, f"{case}.xml")
    with pytest.raises(DictionaryError) as exc:
        Dictionary.load(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}:{line}: "), msg
    assert re.search(problem, msg), msg


def test_unreadable_dictionary(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    with pytest.raises(DictionaryError, match=re.escape(str(missing))):
        Dictionary.load(missing)


# --- ours vs Kalshi's ---------------------------------------------------------------------------

#: Every known difference between dictionary/kalshi-fixgw.xml and Kalshi's published XML.
#: Keys: (kind, key) where key is a tag, a MsgType, or "<MsgType|header|trailer>:<tag path>"
#: with '/' separating a group count from its members.  See dictionary/README.md.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    # --- field definitions
    ("field_type", "18"): "ExecInst: docs say Char with one value (6, Post Only)",
    ("field_type", "139"): "MiscFeeType: docs give no type, FIX 5.0SP2 says STRING",
    ("field_type", "146"): "NoRelatedSym: Kalshi sends 146=1 with the instrument flat after it",
    ("field_enums", "303"): "QuoteRequestType: docs list only 1 (MANUAL)",
    ("field_enums", "373"): "SessionRejectReason: docs 0-11, plus 13-16 and 99 which fixgw emits",
    ("field_enums", "2964"): "SelfTradePreventionType: docs list only 1 and 2",
    ("field_name", "20184"): "docs name it MultivariateSelectedMarketSide; same tag on the wire",
    ("field_type", "21009"): "MaxExecutionCost is a dollar amount (AMT)",
    ("field_type", "21015"): "docs: 'Char Y/N' -> BOOLEAN",
    ("field_enums", "21015"): "BOOLEAN needs no Y/N enum",
    ("field_type", "21016"): "docs: 'Char Y/N' -> BOOLEAN",
    ("field_enums", "21016"): "BOOLEAN needs no Y/N enum",
    ("field_type", "21022"): "docs: 'Char Y/N' -> BOOLEAN",
    ("field_enums", "21022"): "BOOLEAN needs no Y/N enum",
    ("field_only_kalshi", "48"): "SecurityID: defined but used by no message in Kalshi's XML",
    ("field_only_kalshi", "50"): "SenderSubID: header field the docs don't mention",
    ("field_only_kalshi", "57"): "TargetSubID: header field the docs don't mention",
    ("field_only_kalshi", "89"): "Signature: trailer field the docs don't mention",
    ("field_only_kalshi", "93"): "SignatureLength: trailer field the docs don't mention",
    ("field_only_kalshi", "115"): "OnBehalfOfCompID: header field the docs don't mention",
    ("field_only_kalshi", "128"): "DeliverToCompID: header field the docs don't mention",
    ("field_only_kalshi", "142"): "SenderLocationID: header field the docs don't mention",
    ("field_only_kalshi", "143"): "TargetLocationID: header field the docs don't mention",
    ("field_only_kalshi", "378"): "ExecRestatementReason: not in the docs' ExecutionReport",
    ("field_only_kalshi", "383"): "MaxMessageSize: Logon field the docs don't mention",
    ("field_only_kalshi", "464"): "TestMessageIndicator: Logon field the docs don't mention",
    ("field_only_kalshi", "553"): "Username: Logon field the docs don't mention",
    ("field_only_kalshi", "554"): "Password: Logon field the docs don't mention",
    ("field_only_kalshi", "789"): "NextExpectedMsgSeqNum: Logon field the docs don't mention",
    ("field_only_kalshi", "1129"): "CstmApplVerID: header field the docs don't mention",
    # --- header / trailer membership
    ("member_only_kalshi", "header:50"): "not in the docs' header table",
    ("member_only_kalshi", "header:57"): "not in the docs' header table",
    ("member_only_kalshi", "header:115"): "not in the docs' header table",
    ("member_only_kalshi", "header:128"): "not in the docs' header table",
    ("member_only_kalshi", "header:142"): "not in the docs' header table",
    ("member_only_kalshi", "header:143"): "not in the docs' header table",
    ("member_only_kalshi", "header:1129"): "not in the docs' header table",
    ("member_only_kalshi", "trailer:89"): "not in the docs",
    ("member_only_kalshi", "trailer:93"): "not in the docs",
    # --- message membership
    ("member_only_kalshi", "8:378"): "the docs' ExecutionReport doesn't list it",
    ("member_only_kalshi", "8:2964"): "the docs' ExecutionReport doesn't list it",
    ("member_only_kalshi", "A:21006"): "CancelOrderOnPause is a NewOrderSingle tag",
    ("member_only_kalshi", "A:383"): "the docs' Logon doesn't list it",
    ("member_only_kalshi", "A:464"): "the docs' Logon doesn't list it",
    ("member_only_kalshi", "A:553"): "the docs' Logon doesn't list it",
    ("member_only_kalshi", "A:554"): "the docs' Logon doesn't list it",
    ("member_only_kalshi", "A:789"): "the docs' Logon doesn't list it",
    ("member_only_kalshi", "G:20130"): "the docs' OrderCancelReplaceRequest doesn't list it",
    ("member_only_kalshi", "R:79"): "the docs' QuoteRequest tables don't list it",
    ("member_only_kalshi", "b:58"): "the docs' QuoteRequestAck table doesn't list it",
    ("member_only_ours", "j:371"): "the docs' BusinessMessageReject table lists RefTagID",
    ("member_only_ours", "D:60"): "the Subpenny Pricing page's NewOrderSingle example sends TransactTime (60)",
    # --- requiredness
    ("required", "j:45"): "the docs' BusinessMessageReject table says RefSeqNum is Y",
    ("required", "r:11"): "FIX 5.0SP2: ClOrdID optional in OrderMassCancelReport",
    ("required", "8:136/137"): "group members without a docs Required column: FIX 5.0SP2 (N)",
    ("required", "8:136/138"): "group members without a docs Required column: FIX 5.0SP2 (N)",
    ("required", "8:136/139"): "group members without a docs Required column: FIX 5.0SP2 (N)",
    ("required", "8:136/891"): "group members without a docs Required column: FIX 5.0SP2 (N)",
    ("required", "8:1703/1704"): "group members without a docs Required column: FIX 5.0SP2 (N)",
    ("required", "8:1703/1705"): "group members without a docs Required column: FIX 5.0SP2 (N)",
    ("required", "UMS:20108/20109"): "group members without a docs Required column (N)",
    ("required", "UMS:20108/20110"): "group members without a docs Required column (N)",
    ("required", "UMS:20108/136/137"): "group members without a docs Required column (N)",
    ("required", "UMS:20108/136/138"): "group members without a docs Required column (N)",
    ("required", "UMS:20108/136/139"): "group members without a docs Required column (N)",
    ("required", "UMS:20108/136/891"): "group members without a docs Required column (N)",
    ("required", "UMS:20108/1703/1704"): "group members without a docs Required column (N)",
    ("required", "UMS:20108/1703/1705"): "group members without a docs Required column (N)",
}


def _flatten(members: tuple[Member, ...], prefix: str = "") -> dict[str, tuple[bool, bool]]:
    """'tag path' -> (required, is a group) for every member at any depth."""
    out: dict[str, tuple[bool, bool]] = {}
    for m in members:
        key = f"{prefix}{m.field.number}"
        out[key] = (m.required, m.group is not None)
        if m.group is not None:
            out.update(_flatten(m.group.members, key + "/"))
    return out


def _compare_members(
    where: str, a: tuple[Member, ...], b: tuple[Member, ...], out: dict[tuple[str, str], str]
) -> None:
    fa, fb = _flatten(a), _flatten(b)
    for key in sorted(set(fa) | set(fb)):
        k = f"{where}:{key}"
        if key not in fb:
            out[("member_only_ours", k)] = "in ours only"
        elif key not in fa:
            out[("member_only_kalshi", k)] = "in Kalshi's only"
        else:
            if fa[key][0] != fb[key][0]:
                out[("required", k)] = f"required: ours={fa[key][0]} Kalshi's={fb[key][0]}"
            if fa[key][1] != fb[key][1]:
                out[("group", k)] = f"is a group: ours={fa[key][1]} Kalshi's={fb[key][1]}"


def compare_dictionaries(ours: Dictionary, theirs: Dictionary) -> dict[tuple[str, str], str]:
    """Every difference in tags, names, types, enums, message/header membership, requiredness."""
    out: dict[tuple[str, str], str] = {}
    for tag in sorted(set(ours.fields) | set(theirs.fields)):
        a, b = ours.fields.get(tag), theirs.fields.get(tag)
        key = str(tag)
        if b is None:
            out[("field_only_ours", key)] = f"{a.name} ({a.type})"  # type: ignore[union-attr]
            continue
        if a is None:
            out[("field_only_kalshi", key)] = f"{b.name} ({b.type})"
            continue
        if a.name != b.name:
            out[("field_name", key)] = f"ours {a.name}, Kalshi's {b.name}"
        if a.type != b.type:
            out[("field_type", key)] = f"{a.name}: ours {a.type}, Kalshi's {b.type}"
        if set(a.enums) != set(b.enums):
            out[("field_enums", key)] = (
                f"{a.name}: only ours {sorted(set(a.enums) - set(b.enums))}, "
                f"only Kalshi's {sorted(set(b.enums) - set(a.enums))}"
            )
    _compare_members("header", ours.header, theirs.header, out)
    _compare_members("trailer", ours.trailer, theirs.trailer, out)
    for mt in sorted(set(ours.messages) | set(theirs.messages)):
        ma, mb = ours.messages.get(mt), theirs.messages.get(mt)
        if mb is None:
            out[("message_only_ours", mt)] = ma.name  # type: ignore[union-attr]
            continue
        if ma is None:
            out[("message_only_kalshi", mt)] = mb.name
            continue
        if ma.name != mb.name:
            out[("message_name", mt)] = f"ours {ma.name}, Kalshi's {mb.name}"
        if ma.admin != mb.admin:
            out[("message_admin", mt)] = f"admin: ours {ma.admin}, Kalshi's {mb.admin}"
        _compare_members(mt, ma.members, mb.members, out)
    return out


def test_differences_from_kalshi_are_all_known(ours: Dictionary, kalshi: Dictionary) -> None:
    found = compare_dictionaries(ours, kalshi)
    new = {k: v for k, v in found.items() if k not in KNOWN_DIFFERENCES}
    gone = sorted(k for k in KNOWN_DIFFERENCES if k not in found)
    lines = [f"  NEW  {k!r}: {v}" for k, v in sorted(new.items())]
    lines += [f"  GONE {k!r} (remove it from KNOWN_DIFFERENCES)" for k in gone]
    assert not lines, "dictionary differences changed:\n" + "\n".join(lines)


def test_comparison_reports_a_change(ours: Dictionary, kalshi: Dictionary) -> None:
    """The comparison itself sees a type change and a swapped message member."""
    fields = dict(ours.fields)
    fields[6] = dataclasses.replace(fields[6], type="FLOAT")
    messages = dict(ours.messages)
    z = messages["Z"]
    messages["Z"] = MessageDef(z.msg_type, z.name, z.admin, (Member(ours.fields[131], False),))
    changed = dataclasses.replace(ours, fields=fields, messages=messages)
    found = compare_dictionaries(changed, kalshi)
    assert "FLOAT" in found[("field_type", "6")]
    assert ("member_only_kalshi", "Z:117") in found
    assert ("member_only_ours", "Z:131") in found
    assert set(found) - set(KNOWN_DIFFERENCES) == {
        ("field_type", "6"),
        ("member_only_kalshi", "Z:117"),
        ("member_only_ours", "Z:131"),
    }
