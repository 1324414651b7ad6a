"""The README's library example, run against the simulator (endpoint, key and store swapped
for the test's), so the README cannot drift from the API."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from fixgw.testing import sim_endpoint

README = Path(__file__).resolve().parents[1] / "README.md"


def _example() -> str:
    text = README.read_text()
    block = re.search(r"### 1\. As a library.*?```python\n(.*?)```", text, re.S)
    assert block, "README has no library example"
    return block.group(1)


async def test_readme_library_example_runs(kalshi_sim, kalshi_keys, tmp_path):
    code = _example()
    code = code.replace('"your-api-key-uuid"', "API_KEY").replace("KalshiRT:your-api-key-uuid", "KalshiRT:test")
    code = code.replace('PrivateKey.from_file("kalshi-fix.key")', "PRIVATE_KEY")
    code = code.replace('Endpoint("fix.demo.kalshi.co", 8230, pinned_cert="kalshi-fix.pem")', "ENDPOINT")
    code = code.replace('"state/sessions.sqlite"', "STORE_PATH")
    # the example ends in an endless `async for`: stop after the first message
    code = code.replace("    async for msg in kc.messages():                      # every inbound app message, typed\n        ...",
                        "    async for msg in kc.messages():\n        SEEN.append(msg)\n        break")
    body = "async def main():\n" + textwrap.indent(code, "    ")
    ns = {
        "API_KEY": kalshi_keys.uuid, "PRIVATE_KEY": kalshi_keys.private_key,
        "ENDPOINT": sim_endpoint(kalshi_sim, "KalshiRT"), "STORE_PATH": str(tmp_path / "s.sqlite"), "SEEN": [],
    }  # fmt: skip
    exec(compile(body, "README.md", "exec"), ns)
    await ns["main"]()
    assert ns["SEEN"] and ns["SEEN"][0].MSG_TYPE == "8"  # typed ExecutionReport from the exchange


async def test_my_strategy(kalshi_sim, kalshi_keys):
    """The README's pytest-plugin example, verbatim."""
    from decimal import Decimal

    from fixgw.app import ClientConfig, KalshiClient
    from fixgw.messages import enums

    config = ClientConfig("KalshiRT", kalshi_keys.uuid, sim_endpoint(kalshi_sim, "KalshiRT"),
                          private_key=kalshi_keys.private_key)  # fmt: skip
    async with KalshiClient(config) as kc:
        order = await kc.place_order("KXTEST-26DEC31", enums.Side.BUY, Decimal(1), Decimal("0.40"))
        assert order.status is enums.OrdStatus.NEW
