"""Gateway TOML config: every mistake is named by file, key and problem."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fixgw.gateway.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
environment = "sim"
state_dir = "st"
[[session]]
name = "rt"
type = "KalshiRT"
api_key = "k1"
private_key_file = "k1.key"
[session.flags]
use_dollars = true
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "gw.toml"
    p.write_text(text)
    return p


def test_example_config_loads(monkeypatch):
    monkeypatch.setenv("FIXGW_OPS_TOKEN", "secret")
    cfg = load_config(ROOT / "config" / "gateway.toml")
    assert [(s.name, s.type) for s in cfg.sessions] == [("maker", "KalshiRT"), ("taker", "KalshiNR"), ("dc", "KalshiDC")]
    assert cfg.sessions[1].reconcile_via == "dc"
    assert cfg.risk.max_notional == Decimal("500.00")
    assert cfg.ops.token == "secret"
    assert cfg.endpoint_for(cfg.sessions[2]) == ("127.0.0.1", 8229)


def test_minimal_config(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    s = cfg.sessions[0]
    assert s.flags.use_dollars is True
    assert s.private_key_file == tmp_path / "k1.key"
    assert cfg.state_dir == tmp_path / "st"
    assert cfg.journal_path == tmp_path / "st" / "journal.sqlite"
    assert cfg.endpoint_for(s) == ("127.0.0.1", 8230)
    assert cfg.ops.enabled is False


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (('environment = "sim"', 'environment = "live"'), "environment: must be one of prod, demo, sim"),
        (('name = "rt"', 'name = "rt"\nheartbeat = 2'), 'session "rt": heartbeat: must be an integer > 3'),
        (('name = "rt"', 'name = "rt"\nheartbeat = "30"'), "heartbeat: must be int"),
        (('type = "KalshiRT"', 'type = "KalshiXX"'), "type: must be one of KalshiNR"),
        (('private_key_file = "k1.key"', ""), "give exactly one of private_key_file or private_key_env"),
        (("use_dollars = true", "use_dolars = true"), "use_dolars: unknown Logon flag"),
        (("use_dollars = true", "listener_session = true"), "ListenerSession (20126=Y) requires SkipPendingExecReports"),
        (('name = "rt"', 'name = "rt"\ncolour = "red"'), 'session "rt": colour: unknown key'),
        (('state_dir = "st"', 'state_dir = "st"\n[risk]\nmax_notional = 1.5'), "max_notional: write it as an integer or a quoted decimal"),
        (('state_dir = "st"', 'state_dir = "st"\n[risk]\nrate_tier = "gold"'), "rate_tier: must be one of basic"),
        (('state_dir = "st"', 'state_dir = "st"\n[ops]\nport = 1'), "[ops]: token or token_env is required"),
        (('state_dir = "st"', 'state_dir = "st"\n[ops]\ntoken_env = "FIXGW_NOPE_TOKEN"'), "FIXGW_NOPE_TOKEN is not set"),
    ],
)
def test_errors_name_key_and_problem(tmp_path, change, expect):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as ei:
        load_config(path)
    assert str(ei.value).startswith(str(path))
    assert expect in str(ei.value)


def test_retention_only_on_rt_pt(tmp_path):
    text = GOOD.replace('type = "KalshiRT"', 'type = "KalshiNR"').replace('name = "rt"', 'name = "rt"\nretention_hours = 48')
    with pytest.raises(ConfigError, match="MessageRetentionPeriod"):
        load_config(write(tmp_path, text))


def test_one_connection_per_key(tmp_path):
    text = GOOD + '\n[[session]]\nname = "nr"\ntype = "KalshiNR"\napi_key = "k1"\nprivate_key_file = "k1.key"\n'
    with pytest.raises(ConfigError, match="one connection per API key"):
        load_config(write(tmp_path, text))


def test_not_toml(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "environment = "))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_prod_requires_uuid_key(tmp_path):
    with pytest.raises(ConfigError, match="api_key: must be the API key id"):
        load_config(write(tmp_path, GOOD.replace('"sim"', '"prod"')))
