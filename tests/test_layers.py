"""Layers visible in the tree: a package may import only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "fixgw"

#: each layer and what it may import (everything lower down)
ALLOWED: dict[str, set[str]] = {
    "hotpath": set(),  # no fixgw imports; every layer may use it
    "dictionary": set(),
    "crypto": set(),
    "store": set(),
    "codec": {"dictionary"},
    "messages": {"dictionary", "codec"},
    "session": {"dictionary", "codec", "crypto", "store"},
    "transport": {"dictionary", "codec", "crypto", "store", "session"},
    "app": {"dictionary", "codec", "messages", "crypto", "store", "session", "transport"},
    "sim": {"dictionary", "codec", "messages", "crypto", "store", "session", "transport", "app"},
    "gateway": {"dictionary", "codec", "messages", "crypto", "store", "session", "transport", "app"},
}


for _layer, _allowed in ALLOWED.items():
    if _layer != "hotpath":
        _allowed.add("hotpath")


def _imports(path: Path, layer: str) -> set[str]:
    rel = path.relative_to(ROOT)
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel.parts[:-1])[: len(rel.parts) - node.level]
                parts = base + (node.module.split(".") if node.module else [])
                target = parts[0] if parts else layer
            elif (node.module or "").startswith("fixgw."):
                target = node.module.split(".")[1]
            else:
                continue
            out.add(target.removesuffix(".py"))
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("fixgw.")}
    return out - {layer}


def test_lower_layers_never_import_higher_ones():
    problems = []
    for layer, allowed in ALLOWED.items():
        files = [ROOT / f"{layer}.py"] if (ROOT / f"{layer}.py").exists() else sorted((ROOT / layer).rglob("*.py"))
        assert files, layer
        for f in files:
            bad = _imports(f, layer) - allowed
            if bad:
                problems.append(f"{f.relative_to(ROOT.parent)} imports {sorted(bad)}")
    assert not problems, "\n".join(problems)
