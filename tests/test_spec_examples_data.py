"""Self-check of tests/data/spec_examples.json, the FIX examples collected from Kalshi's pages.

Why: other tests trust this file as ground truth, so it must match what the extractor produces
from the docs today, and its shape (msg_type, body fields, per-page counts) must not drift.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = REPO_ROOT.parent / "shared" / "spec" / "kalshi-docs"
DATA_FILE = REPO_ROOT / "tests" / "data" / "spec_examples.json"
EXTRACTOR = REPO_ROOT / "tools" / "extract_spec_examples.py"

# Counted by hand on the pages (one entry per message; a block can hold several).
EXPECTED_COUNTS = {
    "fix__drop-copy.md": 1,
    "fix__error-handling.md": 5,
    "fix__listener-sessions.md": 1,
    "fix__market-settlement.md": 2,
    "fix__order-entry.md": 1,
    "fix__order-groups.md": 6,
    "fix__rfq-messages.md": 15,
    "fix__subpenny-pricing.md": 3,
}
HEADER_TAGS = {8, 9, 10, 34, 35, 43, 49, 50, 52, 56, 57, 97, 115, 122, 128, 1128, 1129}


def _load_extractor() -> ModuleType:
    """tools/ is not a package; load the script as a module (dataclasses need sys.modules)."""
    name = "extract_spec_examples"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXTRACTOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def examples() -> list[dict[str, Any]]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"spec pages not present at {SPEC_DIR}")
def test_regeneration_gives_no_diff(tmp_path: Path) -> None:
    out = tmp_path / "spec_examples.json"
    assert _load_extractor().main([str(SPEC_DIR), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == DATA_FILE.read_text(encoding="utf-8"), (
        f"{DATA_FILE} is stale: rerun tools/extract_spec_examples.py and review the diff"
    )


def test_every_example_has_msg_type_and_body(examples: list[dict[str, Any]]) -> None:
    for ex in examples:
        tags = [tag for tag, _ in ex["fields"]]
        assert ex["msg_type"], ex["id"]
        assert tags.count(35) == 1 and [35, ex["msg_type"]] in ex["fields"], ex["id"]
        assert any(tag not in HEADER_TAGS for tag in tags), f"{ex['id']}: no body field"
        assert not {8, 9, 10} & set(tags), f"{ex['id']}: framing tags must be dropped"
        assert all(isinstance(v, str) and not v.endswith("...") for _, v in ex["fields"]), ex["id"]


def test_expect_values_are_in_fields(examples: list[dict[str, Any]]) -> None:
    for ex in examples:
        assert 1 <= len(ex["expect"]) <= 6, ex["id"]
        for tag, value in ex["expect"].items():
            assert [int(tag), value] in ex["fields"], f"{ex['id']}: {tag}={value!r}"


def test_incomplete_examples_say_why(examples: list[dict[str, Any]]) -> None:
    for ex in examples:
        assert ex["incomplete"] == bool(ex["incomplete_reasons"]), ex["id"]
        if ex["incomplete"]:
            assert ex["notes"], ex["id"]
    incomplete = {ex["id"] for ex in examples if ex["incomplete"]}
    assert incomplete == {
        "fix__error-handling.md#0",
        "fix__error-handling.md#2",
        "fix__error-handling.md#3",
        "fix__error-handling.md#4",
        "fix__listener-sessions.md#0",
        "fix__subpenny-pricing.md#0",
        "fix__subpenny-pricing.md#1",
        "fix__subpenny-pricing.md#2",
    }
    assert {ex["id"] for ex in examples if ex["use_dollars"]} == {
        f"fix__subpenny-pricing.md#{i}" for i in range(3)
    }


def test_per_page_counts(examples: list[dict[str, Any]]) -> None:
    counts: dict[str, int] = {}
    for ex in examples:
        counts[ex["page"]] = counts.get(ex["page"], 0) + 1
    assert counts == EXPECTED_COUNTS
    assert [ex["index"] for ex in examples if ex["page"] == "fix__rfq-messages.md"] == list(
        range(15)
    )


def test_extractor_handles_unflattened_blocks(tmp_path: Path) -> None:
    """The pages were flattened onto one line per block; the original multi-line form parses too."""
    mod = _load_extractor()
    page = tmp_path / "fix__subpenny-pricing.md"
    page.write_text(
        "## Sample Messages\n"
        "```FIX logon\n"
        "8=FIXT.1.1|9=300|35=A|34=1|52=20250926-21:54:07.001|\n"
        "96=QhA8659Mhygcm+xE/wb1m...|21005=Y|\n"
        "                            ^^ Enable dollar format\n"
        "```\n"
        "```fix new order single\n"
        "// Sent\n"
        "8=FIXT.1.1|9=200|35=D|34=2|52=20250926-21:54:16.040|\n"
        "  38=100.0|40=2|44=0.7500|54=1|60=20250926-21:54:16.040|\n"
        "                  ^^ price\n"
        "10=092|\n"
        "```\n"
        "```fix execution report\n"
        "8=FIXT.1.1|9=400|35=8|34=4|52=20250926-21:54:16.159|\n"
        "6=0.6600|14=100|31=0.7000|32=60|38=100.0000|39=2|44=0.7500|\n"
        "^^ avgPx   ^^ lastPx   ^^ price\n"
        "```\n",
        encoding="utf-8",
    )
    got = mod.extract_page(page)
    assert [ex["title"] for ex in got] == ["logon", "new order single", "execution report"]
    assert got[0]["fields"] == [
        [35, "A"],
        [34, "1"],
        [52, "20250926-21:54:07.001"],
        [96, "QhA8659Mhygcm+xE/wb1m"],
        [21005, "Y"],
    ]
    assert got[0]["truncated_tags"] == [96] and got[0]["incomplete"]
    assert got[1]["comment"] == "Sent" and got[1]["dropped"] == {"9": "200", "10": "092"}
    assert got[2]["annotations"] == ["avgPx", "lastPx", "price"]


def test_extractor_names_unparseable_text(tmp_path: Path) -> None:
    mod = _load_extractor()
    page = tmp_path / "fix__bad.md"
    page.write_text("```fix\n8=FIXT.1.1|35=D|oops\n```\n", encoding="utf-8")
    with pytest.raises(mod.ExtractError, match=r"fix__bad\.md:2: cannot parse .*oops"):
        mod.extract_page(page)
