"""Keyring: wrapping, sealing, blind indexes, key files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecluse.config import load_settings
from ecluse.errors import ConfigError
from ecluse.keys import Keyring, UndecryptableError, create_keys, new_kek


def _keyring(tmp_path: Path) -> Keyring:
    kid = create_keys(tmp_path / "keys")
    (tmp_path / "ecluse.toml").write_text(f'[keys]\nactive_kek = "{kid}"\n')
    return Keyring.load(load_settings(tmp_path))


def test_key_files_are_private(tmp_path: Path) -> None:
    _keyring(tmp_path)
    for path in (tmp_path / "keys").iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_world_readable_key_file_is_refused(tmp_path: Path) -> None:
    _keyring(tmp_path)
    victim = next((tmp_path / "keys").glob("kek-*.key"))
    os.chmod(victim, 0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        Keyring.load(load_settings(tmp_path))


def test_seal_open_round_trip_and_aad_binding(tmp_path: Path) -> None:
    ring = _keyring(tmp_path)
    dek, wrapped = ring.new_data_key()
    blob = dek.seal(b"Jeanne Dupont", b"cust-1")
    assert b"Jeanne" not in blob
    again = ring.unwrap(wrapped)
    assert again.open(blob, b"cust-1") == b"Jeanne Dupont"
    with pytest.raises(UndecryptableError):
        again.open(blob, b"cust-2")


def test_rewrap_under_new_kek_keeps_the_data_key(tmp_path: Path) -> None:
    ring = _keyring(tmp_path)
    dek, wrapped = ring.new_data_key()
    blob = dek.seal(b"x", b"a")
    new_id = new_kek(tmp_path / "keys")
    (tmp_path / "ecluse.toml").write_text(f'[keys]\nactive_kek = "{new_id}"\n')
    ring2 = Keyring.load(load_settings(tmp_path))
    rewrapped = ring2.rewrap(wrapped)
    assert rewrapped.kek_id == new_id != wrapped.kek_id
    assert ring2.unwrap(rewrapped).open(blob, b"a") == b"x"


def test_blind_index_is_keyed_and_separates_kinds(tmp_path: Path) -> None:
    ring = _keyring(tmp_path)
    other = _keyring(tmp_path / "other")
    a = ring.blind_index("phone", "+32470123456")
    assert a == ring.blind_index("phone", "+32470123456")
    assert a != ring.blind_index("email", "+32470123456")
    assert a != other.blind_index("phone", "+32470123456")
    assert len(a) == 32


def test_kek_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    _keyring(tmp_path)
    monkeypatch.setenv("ECLUSE_KEK", "envkey:" + base64.b64encode(b"k" * 32).decode())
    ring = Keyring.load(load_settings(tmp_path))
    assert ring.active_kek == "envkey"
    monkeypatch.setenv("ECLUSE_KEK", "bad:!!!")
    with pytest.raises(ConfigError, match="ECLUSE_KEK item 1: not base64"):
        Keyring.load(load_settings(tmp_path))
