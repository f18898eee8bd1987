"""Case-scoped token maps: ``[PERSON_1]`` stands for the same person in every message of a case.

The map is the only place where a token meets its value; the case desk seals
:meth:`TokenMap.to_bytes` with the customer's data key and keeps it on the operator's side.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ecluse.errors import InputError
from ecluse.keys import DataKey
from ecluse.redact._checks import normalise
from ecluse.redact._text import within_one_edit
from ecluse.redact._types import EntityType

__all__ = ["TOKEN", "TokenEntry", "TokenMap"]

TOKEN = re.compile(r"\[(?P<entity>" + "|".join(e.value for e in EntityType) + r")_(?P<n>\d+)\]")
_FORMAT = 1


def _aad(case_id: str) -> bytes:
    return b"ecluse.redact.token-map\x00" + case_id.encode("utf-8")


@dataclass
class TokenEntry:
    """One token: its type, the value it stands for (first spelling seen) and every
    normalised key that maps to it."""

    token: str
    entity: EntityType
    value: str
    keys: set[str] = field(default_factory=set)


def _same_person(key: str, other: str) -> bool:
    """Two folded names denote the same person when one's words are (up to one typo each)
    among the other's: "dupont" and "jean dupont", "bruyerre" and "nathalie bruyere"."""
    a, b = key.split(), other.split()
    if len(a) > len(b):
        a, b = b, a

    def matches(word: str) -> bool:
        return any(word == w or (len(word) >= 5 and within_one_edit(word, w)) for w in b)

    return bool(a) and all(matches(w) for w in a)


class TokenMap:
    """Tokens of one case. Not thread-safe: one case is handled by one writer at a time."""

    def __init__(self) -> None:
        self._entries: dict[str, TokenEntry] = {}
        self._by_key: dict[tuple[EntityType, str], str] = {}
        self._counters: dict[EntityType, int] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: object) -> bool:
        return token in self._entries

    def entries(self) -> list[TokenEntry]:
        return list(self._entries.values())

    def token_for(self, entity: EntityType, value: str) -> str:
        """The token of ``value`` (normalised), creating one if the case has not seen it."""
        key = normalise(entity, value)
        token = self._by_key.get((entity, key))
        if token is None and entity is EntityType.PERSON:
            for entry in self._entries.values():
                if entry.entity is entity and any(_same_person(key, k) for k in entry.keys):
                    token = entry.token
                    break
        if token is None:
            n = self._counters.get(entity, 0) + 1
            self._counters[entity] = n
            token = f"[{entity.value}_{n}]"
            self._entries[token] = TokenEntry(token, entity, value)
        self._entries[token].keys.add(key)
        self._by_key[(entity, key)] = token
        return token

    def lookup(self, entity: EntityType, value: str) -> str | None:
        """The token already given to ``value``, or ``None`` (never creates one)."""
        key = normalise(entity, value)
        token = self._by_key.get((entity, key))
        if token is None and entity is EntityType.PERSON:
            for entry in self._entries.values():
                if entry.entity is entity and any(_same_person(key, k) for k in entry.keys):
                    return entry.token
        return token

    def value(self, token: str) -> str | None:
        entry = self._entries.get(token)
        return entry.value if entry else None

    def to_bytes(self) -> bytes:
        """Serialised map (UTF-8 JSON) for sealing with the customer's data key."""
        doc = {
            "format": _FORMAT,
            "tokens": [
                {
                    "token": e.token,
                    "entity": e.entity.value,
                    "value": e.value,
                    "keys": sorted(e.keys),
                }
                for e in self._entries.values()
            ],
        }
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def seal(self, key: DataKey, case_id: str) -> bytes:
        """The map encrypted with the customer's data key, bound to its case (the associated
        data names the case, so a map cannot be swapped between cases)."""
        return key.seal(self.to_bytes(), _aad(case_id))

    @classmethod
    def open(cls, blob: bytes, key: DataKey, case_id: str) -> TokenMap:
        """Inverse of :meth:`seal`; a wrong key or case raises ``UndecryptableError``."""
        return cls.from_bytes(key.open(blob, _aad(case_id)))

    @classmethod
    def from_bytes(cls, blob: bytes) -> TokenMap:
        """Inverse of :meth:`to_bytes`; errors name the entry, never a value."""
        try:
            doc = json.loads(blob.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InputError("token map is not valid UTF-8 JSON") from None
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise InputError(f"token map: unsupported format (expected {_FORMAT})")
        tokens = doc.get("tokens")
        if not isinstance(tokens, list):
            raise InputError("token map: 'tokens' must be a list")
        out = cls()
        for i, item in enumerate(tokens):
            where = f"token map entry {i}"
            if not isinstance(item, dict):
                raise InputError("not an object", where=where)
            token, entity = item.get("token"), item.get("entity")
            value, keys = item.get("value"), item.get("keys")
            m = TOKEN.fullmatch(token) if isinstance(token, str) else None
            if m is None or not isinstance(token, str) or m.group("entity") != entity:
                raise InputError("bad token or entity", where=where)
            if not isinstance(value, str) or not isinstance(keys, list):
                raise InputError("bad value or keys", where=where)
            if not all(isinstance(k, str) for k in keys):
                raise InputError("keys must be strings", where=where)
            ent = EntityType(entity)
            out._entries[token] = TokenEntry(token, ent, value, set(keys))
            for k in keys:
                out._by_key[(ent, k)] = token
            out._counters[ent] = max(out._counters.get(ent, 0), int(m.group("n")))
        return out
