"""The keyring: loading key material, wrapping data keys, blind indexes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ecluse.config import Settings
from ecluse.errors import ConfigError, EcluseError

__all__ = [
    "BlindIndexer",
    "DataKey",
    "Keyring",
    "UndecryptableError",
    "WrappedKey",
    "create_keys",
    "new_kek",
]

_KEY_BYTES = 32
_NONCE_BYTES = 12
_INDEX_FILE = "index.key"
_SIGNING_FILE = "ledger-signing.key"
_SESSION_FILE = "session.key"


class UndecryptableError(EcluseError):
    """A ciphertext does not open under the key given (erased customer or tampered data)."""


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under the KEK named ``kek_id``."""

    kek_id: str
    blob: bytes


class DataKey:
    """One customer's AES-256-GCM key; associated data binds a ciphertext to its place."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != _KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        try:
            return self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], aad)
        except InvalidTag:
            raise UndecryptableError("ciphertext does not open under this key") from None


class BlindIndexer:
    """HMAC-SHA-256 under the index key over ``kind || 0x00 || normalised value``.

    Picklable by its key so import workers in other processes compute the same digests.
    """

    __slots__ = ("_mac", "key")

    def __init__(self, key: bytes) -> None:
        self.key = key
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    def __reduce__(self) -> tuple[type[BlindIndexer], tuple[bytes]]:
        return (BlindIndexer, (self.key,))

    def digest(self, kind: str, normalised: str) -> bytes:
        h = self._mac.copy()
        h.update(kind.encode() + b"\x00" + normalised.encode())
        return h.digest()


class Keyring:
    """All the key material one installation holds in memory."""

    def __init__(
        self,
        keks: Mapping[str, bytes],
        active_kek: str,
        index_key: bytes,
        signing_key: Ed25519PrivateKey,
        session_key: bytes,
    ) -> None:
        if active_kek not in keks:
            raise ConfigError(f"active KEK {active_kek!r} is not in the keyring")
        self._keks = {kid: AESGCM(k) for kid, k in keks.items()}
        self.active_kek = active_kek
        self.indexer = BlindIndexer(index_key)
        self.signing_key = signing_key
        self.session_key = session_key

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, settings: Settings) -> Keyring:
        """Load keys from ``ECLUSE_*`` variables, falling back to the keys directory."""
        keys_dir = settings.keys_dir
        keks: dict[str, bytes] = {}
        active = settings.active_kek
        env = os.environ.get("ECLUSE_KEK")
        if env:
            for n, item in enumerate(env.split(",")):
                kid, _, b64 = item.strip().partition(":")
                keks[kid] = _decode(b64, f"ECLUSE_KEK item {n + 1}")
                if n == 0:
                    active = kid
        elif keys_dir.is_dir():
            for path in sorted(keys_dir.glob("kek-*.key")):
                keks[path.stem.removeprefix("kek-")] = _read_key(path)
        if not keks:
            raise ConfigError(
                f"no key-encryption key: run 'ecluse init' or set ECLUSE_KEK ({keys_dir})"
            )
        if active is None:
            raise ConfigError("no active KEK named in the configuration ([keys] active_kek)")
        index_key = _env_or_file("ECLUSE_INDEX_KEY", keys_dir / _INDEX_FILE)
        seed = _env_or_file("ECLUSE_SIGNING_KEY", keys_dir / _SIGNING_FILE)
        session_key = _env_or_file("ECLUSE_SESSION_KEY", keys_dir / _SESSION_FILE)
        return cls(keks, active, index_key, Ed25519PrivateKey.from_private_bytes(seed), session_key)

    @property
    def kek_ids(self) -> frozenset[str]:
        return frozenset(self._keks)

    @property
    def verify_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    # -- data keys -------------------------------------------------------------------------
    def new_data_key(self) -> tuple[DataKey, WrappedKey]:
        raw = os.urandom(_KEY_BYTES)
        return DataKey(raw), self.wrap(raw)

    def wrap(self, raw: bytes) -> WrappedKey:
        nonce = os.urandom(_NONCE_BYTES)
        aad = self.active_kek.encode()
        return WrappedKey(
            self.active_kek, nonce + self._keks[self.active_kek].encrypt(nonce, raw, aad)
        )

    def unwrap_raw(self, wrapped: WrappedKey) -> bytes:
        aead = self._keks.get(wrapped.kek_id)
        if aead is None:
            raise ConfigError(f"data key wrapped under unknown KEK {wrapped.kek_id!r}")
        blob = wrapped.blob
        try:
            return aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], wrapped.kek_id.encode())
        except InvalidTag:
            raise UndecryptableError("wrapped data key does not open under its KEK") from None

    def unwrap(self, wrapped: WrappedKey) -> DataKey:
        return DataKey(self.unwrap_raw(wrapped))

    def rewrap(self, wrapped: WrappedKey) -> WrappedKey:
        """The same data key wrapped under the active KEK (rotation)."""
        return wrapped if wrapped.kek_id == self.active_kek else self.wrap(self.unwrap_raw(wrapped))

    # -- blind indexes ---------------------------------------------------------------------
    def blind_index(self, kind: str, normalised: str) -> bytes:
        """Keyed digest of a normalised value; ``kind`` separates phones from IBANs etc."""
        return self.indexer.digest(kind, normalised)


def new_kek(keys_dir: Path) -> str:
    """Write a fresh KEK file (0600) and return its id."""
    kid = secrets.token_hex(4)
    _write_key(keys_dir / f"kek-{kid}.key", os.urandom(_KEY_BYTES))
    return kid


def create_keys(keys_dir: Path) -> str:
    """Create a complete key directory for a new installation; returns the active KEK id."""
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    kid = new_kek(keys_dir)
    for name in (_INDEX_FILE, _SIGNING_FILE, _SESSION_FILE):
        if not (keys_dir / name).exists():
            _write_key(keys_dir / name, os.urandom(_KEY_BYTES))
    return kid


def _write_key(path: Path, raw: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(raw).decode() + "\n")


def _read_key(path: Path) -> bytes:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(f"{path}: key file readable by others (mode {mode:o}); chmod 600 it")
    return _decode(path.read_text().strip(), str(path))


def _env_or_file(var: str, path: Path) -> bytes:
    env = os.environ.get(var)
    if env:
        return _decode(env, var)
    if not path.exists():
        raise ConfigError(f"{path}: key file missing (run 'ecluse init' or set {var})")
    return _read_key(path)


def _decode(b64: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(b64, validate=True)
    except ValueError:
        raise ConfigError(f"{where}: not base64") from None
    if len(raw) != _KEY_BYTES:
        raise ConfigError(f"{where}: a key is {_KEY_BYTES} bytes, got {len(raw)}")
    return raw
