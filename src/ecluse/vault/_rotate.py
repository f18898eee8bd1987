"""KEK rotation: new KEK, re-wrap every data key, retire the old KEK files."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecluse.config import load_settings
from ecluse.errors import ConfigError
from ecluse.installation import Installation
from ecluse.keys import Keyring, new_kek
from ecluse.vault._store import Vault

__all__ = ["RotationReport", "rotate_kek"]


@dataclass(frozen=True)
class RotationReport:
    new_kek: str
    rewrapped: int
    retired: tuple[str, ...]


def rotate_kek(inst: Installation) -> RotationReport:
    """Rotate the file-based KEK. Crash-safe: a rerun finishes an interrupted rotation.

    The new KEK is written and made active in the config first; old KEK files are deleted only
    once no data key is wrapped under them any more.
    """
    settings = inst.settings
    if not settings.config_path.exists():
        raise ConfigError("rotation needs the configuration file")
    keys_dir = settings.keys_dir
    new_id = new_kek(keys_dir)
    text = settings.config_path.read_text(encoding="utf-8")
    line = f'active_kek = "{new_id}"'
    text, n = re.subn(r"(?m)^active_kek\s*=.*$", line, text)
    if n == 0:
        text = (
            text.replace("[keys]", f"[keys]\n{line}", 1)
            if "[keys]" in text
            else text + f"\n[keys]\n{line}\n"
        )
    settings.config_path.write_text(text, encoding="utf-8")
    keyring = Keyring.load(load_settings(settings.data_dir))
    inst.keyring = keyring
    rewrapped = Vault(inst.engine, keyring).rewrap_all()
    # Messages waiting in the notification outbox are sealed under keys wrapped by the KEK too.
    from ecluse.notify import rewrap_keys

    rewrap_keys(inst.engine, keyring)
    # So are the people's TOTP seeds.
    from ecluse.org import reseal_totp_secrets

    reseal_totp_secrets(inst.engine, keyring)
    retired = []
    for path in sorted(keys_dir.glob("kek-*.key")):
        kid = path.stem.removeprefix("kek-")
        if kid != new_id:
            path.unlink()
            retired.append(kid)
    return RotationReport(new_id, rewrapped, tuple(retired))
