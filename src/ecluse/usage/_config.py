"""Thresholds of the usage review, read from the ``[usage]`` table of ``ecluse.toml``.

Defaults follow Belgian operators' published fair-use rules (calls over 6 h a day or 30 h a
week, over 500 SMS a day, SMS to over 250 distinct recipients a month) and common fraud-desk
practice for the other detectors. Every key is optional; an unknown key is an error so that a
typo does not silently keep a default.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ecluse.errors import ConfigError

__all__ = ["UsageConfig"]


@dataclass(frozen=True)
class UsageConfig:
    """Every tunable of features, detectors and the bounded automatic IRSF block."""

    home_country: str = "BE"
    #: Offset of local time from UTC used for night/daytime shares (Belgium: +1, +2 in summer).
    local_utc_offset_h: int = 1
    night_start_h: int = 23
    night_end_h: int = 6
    short_call_s: int = 10
    one_ring_s: int = 3
    #: Number-range table (TOML); empty = the default shipped in the package.
    number_ranges: str = ""
    business_plans: tuple[str, ...] = ("business",)
    history_days: int = 28
    min_history_days: int = 7
    # fair use
    fair_use_call_h_day: float = 6.0
    fair_use_call_h_week: float = 30.0
    fair_use_sms_day: int = 500
    fair_use_sms_recipients_month: int = 250
    # SIM box
    simbox_min_distinct: int = 100
    simbox_min_out_in_ratio: float = 10.0
    simbox_max_cells: int = 2
    # IRSF
    irsf_min_calls: int = 5
    irsf_min_minutes: float = 30.0
    irsf_parallel_min: int = 2
    # Wangiri
    wangiri_min_rings: int = 1
    # resale (per day and week) and commercial use (per week)
    resale_min_distinct_day: int = 60
    resale_min_distinct_week: int = 150
    resale_min_international_share: float = 0.4
    commercial_min_distinct_week: int = 120
    commercial_min_daytime_share: float = 0.8
    # charge spike
    spike_factor: float = 5.0
    spike_min_eur: float = 20.0
    # SIM swap
    simswap_min_international_rise: float = 0.4
    # anomaly score against the line's own baseline
    anomaly_threshold: float = 8.0
    # bounded automatic IRSF outgoing block
    irsf_block_in_progress_min: int = 60
    irsf_block_review_within_h: int = 4

    @classmethod
    def from_section(cls, section: dict[str, Any], *, where: str = "[usage]") -> UsageConfig:
        """Build from a parsed ``[usage]`` table, checking names and types."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in section.items():
            if key not in known:
                raise ConfigError(f"{where}: unknown setting {key!r}")
            default = getattr(cls, key)
            if isinstance(default, tuple):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"{where}: {key} must be a list of strings")
                value = tuple(value)
            elif isinstance(default, str):
                if not isinstance(value, str):
                    raise ConfigError(f"{where}: {key} must be a string")
            elif isinstance(default, float):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ConfigError(f"{where}: {key} must be a number")
                value = float(value)
            elif isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{where}: {key} must be an integer")
            values[key] = value
        cfg = cls(**values)
        if not 0 <= cfg.night_end_h < 24 or not 0 <= cfg.night_start_h < 24:
            raise ConfigError(f"{where}: night hours must be within 0..23")
        if cfg.number_ranges and not Path(cfg.number_ranges).exists():
            raise ConfigError(f"{where}: number_ranges file {cfg.number_ranges} not found")
        return cfg
