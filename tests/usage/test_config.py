"""The ``[usage]`` configuration and the number-range table."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecluse.errors import ConfigError
from ecluse.usage import UsageConfig, load_ranges


def test_defaults_follow_published_fair_use_rules() -> None:
    cfg = UsageConfig()
    assert (cfg.fair_use_call_h_day, cfg.fair_use_call_h_week) == (6.0, 30.0)
    assert (cfg.fair_use_sms_day, cfg.fair_use_sms_recipients_month) == (500, 250)


def test_overrides_are_checked() -> None:
    cfg = UsageConfig.from_section({"fair_use_sms_day": 300, "spike_factor": 4})
    assert cfg.fair_use_sms_day == 300 and cfg.spike_factor == 4.0
    with pytest.raises(ConfigError, match="unknown setting 'fair_use_sms'"):
        UsageConfig.from_section({"fair_use_sms": 1})
    with pytest.raises(ConfigError, match="fair_use_sms_day must be an integer"):
        UsageConfig.from_section({"fair_use_sms_day": "many"})
    with pytest.raises(ConfigError, match="business_plans must be a list"):
        UsageConfig.from_section({"business_plans": "business"})


def test_range_table_longest_prefix_wins(tmp_path: Path) -> None:
    table = load_ranges()
    hit = table.classify("+882161234567")
    assert hit is not None and hit.range_class == "high_risk"
    be = table.classify("+3290012345")
    assert be is not None and (be.range_class, be.prefix) == ("premium", "+3290")
    assert table.classify("1234") is None
    bad = tmp_path / "r.toml"
    bad.write_text('home_country = "BE"\nranges = [["+32", "cheap", "BE"]]\n')
    with pytest.raises(ConfigError, match="range 1 must be"):
        load_ranges(bad)
