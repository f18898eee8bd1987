"""Signed checkpoints: (tree size, root, time) under the installation's Ed25519 key."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ecluse.errors import InputError
from ecluse.ledger._entries import format_time

__all__ = [
    "SignedCheckpoint",
    "key_id",
    "load_public_key",
    "public_key_text",
    "sign_checkpoint",
    "verify_checkpoint",
]

_DOMAIN = b"ecluse-ledger-checkpoint/v1\n"


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 8 bytes (hex) of SHA-256 over the raw public key."""
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes: what an auditor is given."""
    return base64.b64encode(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def load_public_key(text: str, where: str = "public key") -> Ed25519PublicKey:
    """A public key from base64 of the 32 raw bytes (as printed by ``ecluse ledger public-key``)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InputError("not a base64 Ed25519 public key (32 bytes)", where=where) from None


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    tree_size: int
    root_hash: bytes
    time: datetime
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        """The signed bytes: a domain line, then size, root (hex) and time, one per line."""
        return _message(self.tree_size, self.root_hash, self.time)

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "time": format_time(self.time),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)

    @classmethod
    def from_json(cls, data: Any, where: str = "checkpoint") -> SignedCheckpoint:
        """Parse the JSON form; bad input raises :class:`InputError` naming the field."""
        if not isinstance(data, dict):
            raise InputError("a checkpoint is a JSON object", where=where)
        field = "tree_size"
        try:
            size = data["tree_size"]
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise ValueError
            field = "root_hash"
            root = bytes.fromhex(data["root_hash"])
            if len(root) != 32:
                raise ValueError
            field = "time"
            time = datetime.fromisoformat(data["time"].replace("Z", "+00:00"))
            if time.tzinfo is None:
                raise ValueError
            field = "key_id"
            kid = data["key_id"]
            if not isinstance(kid, str):
                raise ValueError
            field = "signature"
            sig = base64.b64decode(data["signature"], validate=True)
        except KeyError:
            raise InputError("missing", where=where, field=field) from None
        except (ValueError, TypeError, AttributeError):
            raise InputError("malformed", where=where, field=field) from None
        return cls(size, root, time, kid, sig)

    @classmethod
    def loads(cls, text: str, where: str = "checkpoint") -> SignedCheckpoint:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON ({exc.msg})", where=f"{where}:{exc.lineno}") from None
        return cls.from_json(data, where)


def _message(size: int, root: bytes, time: datetime) -> bytes:
    return _DOMAIN + f"{size}\n{root.hex()}\n{format_time(time)}\n".encode()


def sign_checkpoint(
    key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, time: datetime
) -> SignedCheckpoint:
    # Round-trip the time through its text form so the stored and printed forms sign alike.
    t = datetime.fromisoformat(format_time(time).replace("Z", "+00:00"))
    sig = key.sign(_message(tree_size, root_hash, t))
    return SignedCheckpoint(tree_size, root_hash, t, key_id(key.public_key()), sig)


def verify_checkpoint(checkpoint: SignedCheckpoint, public_key: Ed25519PublicKey) -> bool:
    """True when the checkpoint was signed by ``public_key`` and names that key."""
    if checkpoint.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(checkpoint.signature, checkpoint.message())
    except InvalidSignature:
        return False
    return True
