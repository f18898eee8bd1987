"""The keyring: loading key material, wrapping data keys, blind indexes."""

from __future__ import annotations

import base64
import hashlib
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
    "KeyMaker",
    "Keyring",
    "UndecryptableError",
    "WrappedKey",
    "create_keys",
    "new_kek",
]

_KEY_BYTES = 32
_SHA256_BLOCK = 64
_NONCE_BYTES = 12
_INDEX_FILE = "index.key"
_SIGNING_FILE = "ledger-signing.key"
_SESSION_FILE = "session.key"


class UndecryptableError(EcluseError):
    """A ciphertext does not open under the key given (erased customer or tampered data)."""


_BAD_WRAP = "wrapped data key does not open under its KEK"


def _seal(aead: AESGCM, plaintext: bytes, aad: bytes, nonce: bytes | None = None) -> bytes:
    """``nonce || AES-GCM(plaintext)``, with a fresh random nonce unless one is given."""
    nonce = nonce or os.urandom(_NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, aad)


def _open(aead: AESGCM, blob: bytes, aad: bytes, failure: str) -> bytes:
    try:
        return aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], aad)
    except InvalidTag:
        raise UndecryptableError(failure) from None


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
        return _seal(self._aead, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        return _open(self._aead, blob, aad, "ciphertext does not open under this key")


class BlindIndexer:
    """HMAC-SHA-256 under the index key over ``kind || 0x00 || normalised value``.

    Picklable by its key so import workers in other processes compute the same digests.
    """

    __slots__ = ("_inner", "_outer", "key")

    def __init__(self, key: bytes) -> None:
        self.key = key
        # HMAC (RFC 2104) from two SHA-256 states keyed once: copying a hashlib state costs
        # half of copying OpenSSL's HMAC context (which copies three digest contexts), and
        # the blind index is a sixth of an import row's parse cost. A test holds it equal to
        # ``hmac.digest``.
        block = (hashlib.sha256(key).digest() if len(key) > _SHA256_BLOCK else key).ljust(
            _SHA256_BLOCK, b"\0"
        )
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __reduce__(self) -> tuple[type[BlindIndexer], tuple[bytes]]:
        return (BlindIndexer, (self.key,))

    def digest(self, kind: str, normalised: str) -> bytes:
        inner = self._inner.copy()
        inner.update(f"{kind}\x00{normalised}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class KeyMaker:
    """Makes data keys wrapped under one KEK: what an import worker process needs, no more.

    Picklable by the KEK so the import's worker processes (children of this process, over a
    local pipe) seal new customers themselves; they never see the other KEKs or keys.
    """

    __slots__ = ("_aead", "_kek", "kek_id")

    def __init__(self, kek_id: str, kek: bytes) -> None:
        self.kek_id = kek_id
        self._kek = kek
        self._aead = AESGCM(kek)

    def __reduce__(self) -> tuple[type[KeyMaker], tuple[str, bytes]]:
        return (KeyMaker, (self.kek_id, self._kek))

    def wrap(self, raw: bytes, nonce: bytes | None = None) -> WrappedKey:
        return WrappedKey(self.kek_id, _seal(self._aead, raw, self.kek_id.encode(), nonce))

    def unwrap(self, blob: bytes) -> DataKey:
        """A data key wrapped under this maker's KEK (a known customer's, in an import worker)."""
        return DataKey(_open(self._aead, blob, self.kek_id.encode(), _BAD_WRAP))

    def new_data_keys(self, count: int) -> list[tuple[DataKey, WrappedKey]]:
        """``count`` fresh data keys with their wrapped form (one read of the OS RNG)."""
        size = _KEY_BYTES + _NONCE_BYTES
        pool = os.urandom(size * count)
        keys = []
        for at in range(0, size * count, size):
            raw = pool[at : at + _KEY_BYTES]
            keys.append((DataKey(raw), self.wrap(raw, pool[at + _KEY_BYTES : at + size])))
        return keys


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
        self.key_maker = KeyMaker(active_kek, keks[active_kek])
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

    @classmethod
    def ephemeral(cls) -> Keyring:
        """Fresh random keys held only in memory (one KEK, ``k1``): for tests and benchmarks."""
        return cls(
            {"k1": os.urandom(_KEY_BYTES)},
            "k1",
            os.urandom(_KEY_BYTES),
            Ed25519PrivateKey.generate(),
            os.urandom(_KEY_BYTES),
        )

    @property
    def kek_ids(self) -> frozenset[str]:
        return frozenset(self._keks)

    @property
    def verify_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    # -- data keys -------------------------------------------------------------------------
    def new_data_key(self) -> tuple[DataKey, WrappedKey]:
        return self.key_maker.new_data_keys(1)[0]

    def wrap(self, raw: bytes) -> WrappedKey:
        return self.key_maker.wrap(raw)

    def unwrap_raw(self, wrapped: WrappedKey) -> bytes:
        aead = self._keks.get(wrapped.kek_id)
        if aead is None:
            raise ConfigError(f"data key wrapped under unknown KEK {wrapped.kek_id!r}")
        return _open(aead, wrapped.blob, wrapped.kek_id.encode(), _BAD_WRAP)

    def unwrap(self, wrapped: WrappedKey) -> DataKey:
        return DataKey(self.unwrap_raw(wrapped))

    def rewrap(self, wrapped: WrappedKey) -> WrappedKey:
        """The same data key wrapped under the active KEK (rotation)."""
        return wrapped if wrapped.kek_id == self.active_kek else self.wrap(self.unwrap_raw(wrapped))

    # -- small secrets (second-factor seeds) -------------------------------------------------
    def seal_secret(self, secret: bytes, context: bytes) -> bytes:
        """A small secret (a TOTP seed: key material) wrapped under the active KEK.

        ``context`` (e.g. the owner's id) is bound in as associated data, so a sealed secret
        copied to another row does not open. The value names its KEK: ``kek_id:nonce+ct``.
        """
        kek_id = self.active_kek.encode()
        return kek_id + b":" + _seal(self._keks[self.active_kek], secret, kek_id + b"|" + context)

    def open_secret(self, sealed: bytes, context: bytes) -> bytes:
        kek_id, _, blob = bytes(sealed).partition(b":")
        aead = self._keks.get(kek_id.decode(errors="replace"))
        if aead is None:
            raise ConfigError("secret sealed under an unknown KEK")
        return _open(
            aead, blob, kek_id + b"|" + context, "sealed secret does not open under its KEK"
        )

    def reseal_secret(self, sealed: bytes, context: bytes) -> bytes:
        """The same secret under the active KEK (rotation); unchanged if already there."""
        if bytes(sealed).startswith(self.active_kek.encode() + b":"):
            return bytes(sealed)
        return self.seal_secret(self.open_secret(sealed, context), context)

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
