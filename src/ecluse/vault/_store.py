"""The vault's storage: sealing, upserting, look-ups by blind index, erasure, key rotation."""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ecluse.db import bulk_insert, reading, run_outside_transaction, utcnow
from ecluse.errors import InputError, NotFound
from ecluse.keys import DataKey, Keyring, WrappedKey
from ecluse.vault._model import Customer
from ecluse.vault._normalise import (
    Invalid,
    check_ean,
    normalise_email,
    normalise_iban,
    normalise_national_number,
    normalise_phone,
)
from ecluse.vault._parse import Prepared, Reject, blind_digest, index_entries
from ecluse.vault._tables import customer_index, customer_keys, customers

__all__ = ["LOOKUP_KINDS", "Vault", "new_customer_id", "random_id", "random_ids"]

#: What ``find`` accepts, and the blind-index kinds each one searches.
LOOKUP_KINDS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "msisdn"),
    "email": ("email",),
    "national_number": ("national_number",),
    "iban": ("iban",),
    "ean": ("ean",),
}
_NORMALISERS = {
    "phone": normalise_phone,
    "email": normalise_email,
    "national_number": normalise_national_number,
    "iban": normalise_iban,
    "ean": check_ean,
}


_ID_ALPHABET = "bcdfghjkmnpqrstvwxz"  # no digits, no vowels: an id never reads as a number or word
# Bytes 0-246 map onto the 19 letters 13 times over (uniformly); 247-255 are dropped.
_ID_TABLE = bytes(_ID_ALPHABET.encode()[b % len(_ID_ALPHABET)] for b in range(256))
_ID_DROP = bytes(range(len(_ID_ALPHABET) * (256 // len(_ID_ALPHABET)), 256))


def random_ids(prefix: str, length: int, count: int) -> list[str]:
    """``count`` random pseudonymous ids (``length`` letters, ~4.2 bits each) that say nothing."""
    # Rejection sampling of random bytes with bytes.translate: a whole import chunk's ids from
    # a few urandom calls (one secrets.choice per letter was most of the import's write time).
    need = length * count
    letters = b""
    while len(letters) < need:
        letters += secrets.token_bytes(need - len(letters) + need // 20 + 8).translate(
            _ID_TABLE, _ID_DROP
        )
    text = letters.decode("ascii")
    return [prefix + text[i : i + length] for i in range(0, need, length)]


def random_id(prefix: str, length: int) -> str:
    """A random pseudonymous id (``length`` letters, ~4.2 bits each) that says nothing."""
    return random_ids(prefix, length, 1)[0]


def new_customer_id() -> str:
    """A random pseudonymous customer id (~67 bits)."""
    return random_id("c", 16)


def _to_db(column: sa.Column[Any], conn: Connection, value: object) -> object:
    """A Python value as the driver wants it for ``column`` (for raw bulk inserts)."""
    process = column.type.bind_processor(conn.dialect)
    return process(value) if process else value


def _aad(customer_id: str) -> bytes:
    return customer_id.encode() + b"|record"


@functools.cache
def _find_sql(paramstyle: str, kinds: int) -> str:
    marker = "?" if paramstyle == "qmark" else "%s"
    match = " OR ".join([f"(kind = {marker} AND digest = {marker})"] * kinds)
    return f"SELECT DISTINCT customer_id FROM {customer_index.name} WHERE {match}"


@dataclass(frozen=True)
class _Existing:
    id: str
    wrapped: WrappedKey | None
    import_run: str | None
    import_line: int | None


class Vault:
    """Encrypted customer records in one database, under one keyring."""

    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self.engine = engine
        self.keyring = keyring

    # -- writing ---------------------------------------------------------------------------
    def write_batch(
        self, conn: Connection, rows: Sequence[Prepared], run_id: str, now: datetime | None = None
    ) -> list[Reject]:
        """Upsert prepared rows by external id inside the caller's transaction.

        A second row with an external id already written by the same run is a duplicate in
        the file: it is returned as a rejection naming the line of the first one.
        """
        now = now or utcnow()
        existing = self._existing(conn, [r.external_id for r in rows])
        rejects: list[Reject] = []
        stamp = _to_db(customers.c.created_at, conn, now)
        if isinstance(stamp, datetime) and conn.dialect.name == "sqlite":
            # what sqlite3's default datetime adapter would write, once per batch, not per row
            stamp = stamp.isoformat(" ")
        inserts: list[tuple[object, ...]] = []
        key_rows: list[tuple[object, ...]] = []
        updates: list[dict[str, object]] = []
        index_rows: list[tuple[object, ...]] = []
        reindexed: list[str] = []
        fresh_ids = iter(random_ids("c", 16, len(rows)))
        for row in rows:
            prior = existing.get(row.external_id)
            if prior is not None and prior.import_run == run_id:
                rejects.append(
                    Reject(
                        row.line,
                        "external_id",
                        f"duplicate in this file (first on line {prior.import_line})",
                        row.external_id,
                    )
                )
                continue
            if prior is not None and prior.wrapped is not None:
                cid = prior.id
                sealed = self.keyring.unwrap(prior.wrapped).seal(row.record, _aad(cid))
                updates.append(
                    {
                        "b_id": cid,
                        "language": row.language,
                        "record": sealed,
                        "invalid_fields": row.invalid_fields,
                        "import_run": run_id,
                        "import_line": row.line,
                        "updated_at": now,
                    }
                )
                reindexed.append(cid)
            else:
                cid = next(fresh_ids)
                dek, wrapped = self.keyring.new_data_key()
                # in the customers table's column order
                inserts.append(
                    (
                        cid,
                        row.external_id,
                        row.language,
                        dek.seal(row.record, _aad(cid)),
                        row.invalid_fields,
                        run_id,
                        row.line,
                        stamp,
                        stamp,
                        None,
                    )
                )
                key_rows.append((cid, wrapped.kek_id, wrapped.blob))
            existing[row.external_id] = _Existing(cid, None, run_id, row.line)
            index_rows.extend((k, d, cid) for k, d in row.blind_index)
        # In key order: consecutive inserts land on the same B-tree pages (random ids and
        # digests otherwise touch a different page per row).
        inserts.sort()
        key_rows.sort()
        index_rows.sort()
        bulk_insert(conn, customers, inserts)
        bulk_insert(conn, customer_keys, key_rows)
        if updates:
            c = customers.c
            conn.execute(
                customers.update()
                .where(c.id == sa.bindparam("b_id"))
                .values(
                    language=sa.bindparam("language"),
                    record=sa.bindparam("record"),
                    invalid_fields=sa.bindparam("invalid_fields"),
                    import_run=sa.bindparam("import_run"),
                    import_line=sa.bindparam("import_line"),
                    updated_at=sa.bindparam("updated_at"),
                ),
                updates,
            )
            conn.execute(customer_index.delete().where(customer_index.c.customer_id.in_(reindexed)))
        bulk_insert(conn, customer_index, index_rows)
        return rejects

    def _existing(self, conn: Connection, external_ids: list[str]) -> dict[str, _Existing]:
        c, k = customers.c, customer_keys.c
        query = (
            sa.select(c.external_id, c.id, k.kek_id, k.wrapped, c.import_run, c.import_line)
            .select_from(customers.outerjoin(customer_keys, k.customer_id == c.id))
            .where(c.external_id.in_(external_ids))
        )
        return {
            ext: _Existing(cid, WrappedKey(kek, blob) if blob else None, run, line)
            for ext, cid, kek, blob, run, line in conn.execute(query)
        }

    # -- reading ---------------------------------------------------------------------------
    def data_key(self, conn: Connection, customer_id: str) -> DataKey:
        """The customer's data key; :class:`NotFound` if unknown or erased."""
        row = conn.execute(
            sa.select(customer_keys.c.kek_id, customer_keys.c.wrapped).where(
                customer_keys.c.customer_id == customer_id
            )
        ).first()
        if row is None:
            raise NotFound(f"customer {customer_id} not found")
        return self.keyring.unwrap(WrappedKey(row.kek_id, row.wrapped))

    def get(self, customer_id: str, conn: Connection | None = None) -> Customer:
        """Decrypt one customer record by vault id."""
        if conn is None:
            with reading(self.engine) as own:
                return self.get(customer_id, own)
        c, k = customers.c, customer_keys.c
        row = conn.execute(
            sa.select(c.external_id, c.record, k.kek_id, k.wrapped)
            .select_from(customers.join(customer_keys, k.customer_id == c.id))
            .where(c.id == customer_id)
        ).first()
        if row is None or row.record is None:
            raise NotFound(f"customer {customer_id} not found")
        dek = self.keyring.unwrap(WrappedKey(row.kek_id, row.wrapped))
        return Customer.from_record(
            customer_id, row.external_id, dek.open(row.record, _aad(customer_id))
        )

    def update_record(
        self, conn: Connection, customer_id: str, change: Callable[[dict[str, Any]], None]
    ) -> None:
        """Apply ``change`` to the decrypted record, re-seal it and rebuild its blind indexes."""
        key = self.data_key(conn, customer_id)
        sealed = conn.execute(
            sa.select(customers.c.record).where(customers.c.id == customer_id)
        ).scalar()
        if sealed is None:
            raise NotFound(f"customer {customer_id} not found")
        record: dict[str, Any] = json.loads(key.open(sealed, _aad(customer_id)))
        change(record)
        blob = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
        conn.execute(
            customers.update()
            .where(customers.c.id == customer_id)
            .values(record=key.seal(blob, _aad(customer_id)), updated_at=utcnow())
        )
        conn.execute(customer_index.delete().where(customer_index.c.customer_id == customer_id))
        bulk_insert(
            conn,
            customer_index,
            [(k, d, customer_id) for k, d in index_entries(record, self.keyring.indexer)],
        )

    def id_for_external(self, external_id: str) -> str:
        with self.engine.connect() as conn:
            cid = conn.execute(
                sa.select(customers.c.id).where(customers.c.external_id == external_id)
            ).scalar()
        if cid is None:
            raise NotFound(f"no customer with external id {external_id!r}")
        return str(cid)

    def resolve(self, ref: str) -> str:
        """A vault id given either a vault id or a CRM external id."""
        with self.engine.connect() as conn:
            cid = conn.execute(
                sa.select(customers.c.id).where(
                    sa.or_(customers.c.id == ref, customers.c.external_id == ref),
                    customers.c.erased_at.is_(None),
                )
            ).scalar()
        if cid is None:
            raise NotFound("no such customer")
        return str(cid)

    def find(self, kind: str, value: str, *, country: str = "BE") -> list[str]:
        """Vault ids of the customers whose ``kind`` equals ``value`` after normalisation."""
        if kind not in LOOKUP_KINDS:
            raise InputError(f"cannot look up by {kind!r}", field=kind)
        try:
            normalised = (
                normalise_phone(value, country) if kind == "phone" else _NORMALISERS[kind](value)
            )
        except Invalid as exc:
            raise InputError(str(exc), field=kind) from None
        kinds = LOOKUP_KINDS[kind]
        params: list[object] = []
        for k in kinds:
            params += [k, blind_digest(self.keyring.indexer, k, normalised)]
        # A look-up is one indexed SELECT: straight through the driver, outside a transaction
        # (a single statement reads one consistent snapshot anyway). Building the SQLAlchemy
        # expression, its cache key and the BEGIN/ROLLBACK pair cost ten times the query.
        sql = _find_sql(self.engine.dialect.paramstyle, len(kinds))
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, params)
            return sorted(str(cid) for (cid,) in cursor.fetchall())
        finally:
            raw.close()  # back to the pool, which rolls back whatever the driver began

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(customers)
                    .where(customers.c.erased_at.is_(None))
                ).scalar_one()
            )

    # -- erasure and rotation --------------------------------------------------------------
    def erase(self, customer_id: str) -> None:
        """Crypto-shred a customer: destroy the data key and blind indexes, keep a tombstone.

        The sealed record stays (as it does in backups) but nothing can open it any more.
        On SQLite, ``secure_delete`` and a WAL checkpoint make sure the wrapped key's bytes do
        not linger in free pages or the WAL; backups made before are neutralised by the next
        KEK rotation (the old KEK is retired).
        """
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA secure_delete=ON")
            found = conn.execute(
                customers.update()
                .where(customers.c.id == customer_id, customers.c.erased_at.is_(None))
                .values(external_id=None, erased_at=utcnow(), invalid_fields="")
            ).rowcount
            if not found:
                raise NotFound(f"customer {customer_id} not found")
            conn.execute(customer_keys.delete().where(customer_keys.c.customer_id == customer_id))
            conn.execute(customer_index.delete().where(customer_index.c.customer_id == customer_id))
        if self.engine.dialect.name == "sqlite":
            run_outside_transaction(self.engine, "PRAGMA wal_checkpoint(TRUNCATE)")

    def rewrap_all(self, batch: int = 2000) -> int:
        """Re-wrap every data key not under the active KEK; returns how many changed."""
        done = 0
        k = customer_keys.c
        while True:
            with self.engine.begin() as conn:
                rows = conn.execute(
                    sa.select(k.customer_id, k.kek_id, k.wrapped)
                    .where(k.kek_id != self.keyring.active_kek)
                    .limit(batch)
                ).all()
                if not rows:
                    return done
                conn.execute(
                    customer_keys.update()
                    .where(k.customer_id == sa.bindparam("b_id"))
                    .values(kek_id=sa.bindparam("kek_id"), wrapped=sa.bindparam("wrapped")),
                    [
                        {"b_id": cid, "kek_id": w.kek_id, "wrapped": w.blob}
                        for cid, w in _rewrapped(self.keyring, rows)
                    ],
                )
                done += len(rows)


def _rewrapped(
    keyring: Keyring, rows: Iterable[sa.Row[tuple[str, str, bytes]]]
) -> Iterable[tuple[str, WrappedKey]]:
    for cid, kek_id, blob in rows:
        yield cid, keyring.rewrap(WrappedKey(kek_id, blob))
