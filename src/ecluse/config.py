"""Configuration: one TOML file in the data directory, overridden by ``ECLUSE_*`` variables.

The file is ``<data-dir>/ecluse.toml``. Every section is optional; domain modules read their own
section from :attr:`Settings.sections` with the defaults they document.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ecluse.errors import ConfigError

__all__ = ["CONFIG_NAME", "Settings", "default_data_dir", "load_settings", "render_config"]

CONFIG_NAME = "ecluse.toml"


def default_data_dir() -> Path:
    """The data directory: ``ECLUSE_DATA_DIR`` or the platform's user data directory."""
    env = os.environ.get("ECLUSE_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir("ecluse", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one Ecluse installation."""

    data_dir: Path
    database_url: str
    keys_dir: Path
    active_kek: str | None
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.data_dir / CONFIG_NAME

    def section(self, name: str) -> dict[str, Any]:
        """One ``[name]`` table of the configuration file (empty if absent)."""
        value = self.sections.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.config_path}: [{name}] must be a table")
        return value


def load_settings(data_dir: Path | None = None) -> Settings:
    """Read ``ecluse.toml`` from the data directory (if present) and apply the environment."""
    data_dir = (data_dir or default_data_dir()).expanduser().resolve()
    path = data_dir / CONFIG_NAME
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    database = raw.get("database", {})
    keys = raw.get("keys", {})
    url = os.environ.get("ECLUSE_DATABASE_URL") or database.get("url")
    if not url:
        url = f"sqlite:///{data_dir / 'ecluse.db'}"
    keys_dir = Path(os.environ.get("ECLUSE_KEYS_DIR") or keys.get("dir") or data_dir / "keys")
    if not keys_dir.is_absolute():
        keys_dir = data_dir / keys_dir
    active = os.environ.get("ECLUSE_ACTIVE_KEK") or keys.get("active_kek")
    return Settings(
        data_dir=data_dir,
        database_url=str(url),
        keys_dir=keys_dir,
        active_kek=active,
        sections=raw,
    )


def render_config(values: dict[str, dict[str, Any]]) -> str:
    """Write a flat two-level mapping as TOML (strings, numbers, booleans and lists of them)."""
    lines: list[str] = []
    for section, table in values.items():
        lines.append(f"[{section}]")
        for key, value in table.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ConfigError(f"cannot write {type(value).__name__} to TOML")
