"""One Ecluse installation: its settings, database engine and keyring.

Every adapter (CLI, API, console, job) opens an :class:`Installation` and hands it to the
service functions of the domain modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from ecluse.config import Settings, load_settings, render_config
from ecluse.db import create_engine, migrate
from ecluse.errors import ConfigError
from ecluse.keys import Keyring, create_keys

__all__ = ["Installation", "init_installation", "open_installation"]


@dataclass
class Installation:
    settings: Settings
    engine: Engine
    keyring: Keyring

    def close(self) -> None:
        self.engine.dispose()


def open_installation(data_dir: Path | None = None, *, upgrade: bool = True) -> Installation:
    """Open an initialised installation, bringing its schema up to date."""
    settings = load_settings(data_dir)
    if not settings.config_path.exists() and not settings.sections:
        raise ConfigError(f"{settings.data_dir}: not initialised (run 'ecluse init')")
    keyring = Keyring.load(settings)
    engine = create_engine(settings.database_url)
    if upgrade:
        migrate(engine)
    return Installation(settings, engine, keyring)


def init_installation(
    data_dir: Path | None = None, *, database_url: str | None = None
) -> Installation:
    """Create the data directory, configuration, keys and database (idempotent)."""
    settings = load_settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not settings.config_path.exists():
        kid = create_keys(settings.keys_dir)
        database: dict[str, object] = {"url": database_url} if database_url else {}
        config = render_config(
            {
                "database": database,
                "keys": {"active_kek": kid},
            }
        )
        header = (
            "# Ecluse configuration. Every value can be overridden by an ECLUSE_* variable.\n"
            "# [database] url: SQLite file in the data directory by default; a\n"
            "#   postgresql://user@host/db URL for production.\n\n"
        )
        settings.config_path.write_text(header + config, encoding="utf-8")
    return open_installation(settings.data_dir)
