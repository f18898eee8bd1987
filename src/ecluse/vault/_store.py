"""The vault's storage: sealing, upserting, look-ups by blind index, erasure, key rotation."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ecluse.db import (
    Prebuilt,
    bulk_execute,
    bulk_insert,
    marker,
    reading,
    run_outside_transaction,
    utcnow,
)
from ecluse.errors import InputError, NotFound
from ecluse.keys import DataKey, Keyring, WrappedKey
from ecluse.vault._first_load import delete_entries_scanning
from ecluse.vault._model import Customer, record_data
from ecluse.vault._normalise import (
    Invalid,
    check_ean,
    normalise_email,
    normalise_iban,
    normalise_national_number,
    normalise_phone,
)
from ecluse.vault._parse import Reject, index_entries
from ecluse.vault._seal import (
    KnownCustomers,
    SealedRow,
    pack_index_keys,
    random_id,
    record_aad,
    unpack_index_keys,
)
from ecluse.vault._tables import customer_index, customers

__all__ = ["LOOKUP_KINDS", "SEALED_COLUMNS", "Vault"]

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


def _to_db(column: sa.Column[Any], conn: Connection, value: object) -> object:
    """A Python value as the driver wants it for ``column`` (for raw bulk inserts)."""
    process = column.type.bind_processor(conn.dialect)
    return process(value) if process else value


def _remove_index_entries(conn: Connection, owners: Iterable[tuple[str, bytes | None]]) -> None:
    """Delete customers' blind-index entries, found through each row's ``index_keys``."""
    _delete_entries(
        conn,
        [(kind, digest, cid) for cid, blob in owners for kind, digest in unpack_index_keys(blob)],
    )


def _delete_entries(conn: Connection, doomed: list[tuple[str, bytes, str]]) -> None:
    bulk_execute(conn, _DELETE_ENTRY, doomed)


_DELETE_ENTRY = (
    f"DELETE FROM {customer_index.name} WHERE kind = ? AND digest = ? AND customer_id = ?"
)
_UPDATE_IMPORTED = (
    f"UPDATE {customers.name} SET language = ?, record = ?, invalid_fields = ?, import_run = ?,"
    " import_line = ?, updated_at = ?, index_keys = ? WHERE id = ?"
)


#: What :meth:`Vault.open_record` needs of a customer's row.
SEALED_COLUMNS = (
    customers.c.external_id,
    customers.c.record,
    customers.c.kek_id,
    customers.c.wrapped,
)
# Built once: building a statement cost more than running it.
_GET_RECORD = Prebuilt(
    sa.select(*SEALED_COLUMNS).where(customers.c.id == sa.bindparam("customer_id"))
)
_GET_KEY = sa.select(customers.c.kek_id, customers.c.wrapped).where(
    customers.c.id == sa.bindparam("customer_id"), customers.c.wrapped.is_not(None)
)


@functools.lru_cache(maxsize=4)  # an import's chunk size, and its last chunk's
def _existing_sql(mark: str, count: int) -> str:
    """An import chunk's look-up of its external ids, for the driver: SQLAlchemy's expanding
    IN spent more rendering its thousands of markers than SQLite spent running it."""
    c = customers.c
    columns = (c.external_id, c.id, c.kek_id, c.wrapped, c.import_run, c.import_line, c.index_keys)
    names = ", ".join(col.name for col in columns)
    markers = ", ".join([mark] * count)
    return f"SELECT {names} FROM {customers.name} WHERE external_id IN ({markers})"


@functools.cache
def _find_sql(mark: str, kinds: int) -> str:
    match = " OR ".join([f"(kind = {mark} AND digest = {mark})"] * kinds)
    return f"SELECT DISTINCT customer_id FROM {customer_index.name} WHERE {match}"


@dataclass(frozen=True)
class _Existing:
    id: str
    wrapped: WrappedKey | None
    import_run: str | None
    import_line: int | None
    index_keys: bytes | None = None


class Vault:
    """Encrypted customer records in one database, under one keyring."""

    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self.engine = engine
        self.keyring = keyring

    # -- writing ---------------------------------------------------------------------------
    def write_batch(
        self,
        conn: Connection,
        rows: Sequence[SealedRow],
        run_id: str,
        now: datetime | None = None,
        *,
        first_load: bool = False,
    ) -> list[Reject]:
        """Upsert sealed rows by external id inside the caller's transaction.

        A new customer is inserted as sealed. A known one keeps their id and data key (notes
        and messages are sealed under it): the workers seal such rows under it already
        (``known_customers``); a row sealed otherwise (the customer arrived or changed key
        since) is re-sealed here, and one sealed for a customer erased since becomes a new
        customer. A second row with an external id already written by the same run is a
        duplicate in the file: it is returned as a rejection naming the line of the first one.
        ``first_load``: the blind index's key is missing (see ``_first_load``).
        """
        now = now or utcnow()
        existing = self._existing(conn, [r.external_id for r in rows])
        rejects: list[Reject] = []
        stamp = _to_db(customers.c.created_at, conn, now)
        if isinstance(stamp, datetime) and conn.dialect.name == "sqlite":
            # what sqlite3's default datetime adapter would write, once per batch, not per row
            stamp = stamp.isoformat(" ")
        inserts: list[tuple[object, ...]] = []
        updates: list[tuple[object, ...]] = []
        index_rows: list[tuple[object, ...]] = []
        doomed: list[tuple[str, bytes, str]] = []
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
                sealed = (
                    row.record
                    if row.customer_id == cid
                    else self.keyring.unwrap(prior.wrapped).seal(self._clear(row), record_aad(cid))
                )
                updates.append(
                    (
                        row.language,
                        sealed,
                        row.invalid_fields,
                        run_id,
                        row.line,
                        stamp,
                        row.index_keys,
                        cid,
                    )
                )
                # Only the entries that changed: a re-import mostly repeats the same values.
                old, new = set(unpack_index_keys(prior.index_keys)), set(row.blind_index)
                doomed += [(k, d, cid) for k, d in old - new]
                index_rows += [(k, d, cid) for k, d in new - old]
                existing[row.external_id] = _Existing(cid, None, run_id, row.line)
                continue
            cid, record, wrapped = (
                row.customer_id,
                row.record,
                WrappedKey(row.kek_id, row.wrapped),
            )
            if not row.fresh:  # sealed for a customer erased since: a new customer
                cid = random_id("c", 16)
                dek, wrapped = self.keyring.new_data_key()
                record = dek.seal(self._clear(row), record_aad(cid))
            # in the customers table's column order
            inserts.append(
                (
                    cid,
                    row.external_id,
                    row.language,
                    record,
                    row.invalid_fields,
                    run_id,
                    row.line,
                    stamp,
                    stamp,
                    None,
                    wrapped.kek_id,
                    wrapped.blob,
                    row.index_keys,
                )
            )
            existing[row.external_id] = _Existing(cid, None, run_id, row.line)
            index_rows += [(k, d, cid) for k, d in row.blind_index]
        # In key order: consecutive inserts land on the same B-tree pages (random ids and
        # digests otherwise touch a different page per row).
        inserts.sort()
        index_rows.sort()
        bulk_insert(conn, customers, inserts)
        bulk_execute(conn, _UPDATE_IMPORTED, updates)
        (delete_entries_scanning if first_load else _delete_entries)(conn, doomed)
        bulk_insert(conn, customer_index, index_rows)
        return rejects

    def _clear(self, row: SealedRow) -> bytes:
        key = self.keyring.unwrap(WrappedKey(row.kek_id, row.wrapped))
        return key.open(row.record, record_aad(row.customer_id))

    def known_customers(self, external_ids: list[str]) -> KnownCustomers:
        """Known customers among ``external_ids`` whose data key is under the active KEK, for
        the import's workers to seal their new records under their own id and key."""
        with reading(self.engine) as conn:
            found = self._existing(conn, external_ids)
        active = self.keyring.active_kek
        return {
            ext: (e.id, e.wrapped.blob)
            for ext, e in found.items()
            if e.wrapped is not None and e.wrapped.kek_id == active
        }

    def _existing(self, conn: Connection, external_ids: list[str]) -> dict[str, _Existing]:
        if not external_ids:
            return {}
        sql = _existing_sql(marker(conn.dialect), len(external_ids))
        return {
            ext: _Existing(cid, WrappedKey(kek, blob) if blob else None, run, line, keys)
            for ext, cid, kek, blob, run, line, keys in conn.exec_driver_sql(
                sql, tuple(external_ids)
            )
        }

    # -- reading ---------------------------------------------------------------------------
    def data_key(self, conn: Connection, customer_id: str) -> DataKey:
        """The customer's data key; :class:`NotFound` if unknown or erased."""
        row = conn.execute(_GET_KEY, {"customer_id": customer_id}).first()
        if row is None:
            raise NotFound(f"customer {customer_id} not found")
        return self.keyring.unwrap(WrappedKey(row.kek_id, row.wrapped))

    def get(self, customer_id: str, conn: Connection | None = None) -> Customer:
        """Decrypt one customer record by vault id."""
        row = self._sealed_row(customer_id, conn)
        record = self.open_record(customer_id, row)  # NotFound first if there is no row
        return Customer.from_data(customer_id, row.external_id, record)

    def get_record(self, customer_id: str, conn: Connection | None = None) -> dict[str, Any]:
        """:meth:`get`'s record as the mapping it was sealed from (:func:`record_data`)."""
        return self.open_record(customer_id, self._sealed_row(customer_id, conn))

    def _sealed_row(self, customer_id: str, conn: Connection | None) -> Any:
        if conn is None:
            with reading(self.engine) as own:
                return self._sealed_row(customer_id, own)
        return _GET_RECORD.first(conn, {"customer_id": customer_id})

    def open_record(self, customer_id: str, row: Any) -> dict[str, Any]:
        """Decrypt a customer's record from a row with the :data:`SEALED_COLUMNS`, read by a
        query of the caller's own (the case view reads them joined to the case: one
        statement), as the mapping it was sealed from: a case view shows a few of its fields
        as they are, without building the :class:`Customer`. :class:`NotFound` if there is no
        row or the customer is erased."""
        if row is None or row.record is None or row.wrapped is None:
            raise NotFound(f"customer {customer_id} not found")
        dek = self.keyring.unwrap(WrappedKey(row.kek_id, row.wrapped))
        return record_data(dek.open(row.record, record_aad(customer_id)))

    def update_record(
        self, conn: Connection, customer_id: str, change: Callable[[dict[str, Any]], None]
    ) -> None:
        """Apply ``change`` to the decrypted record, re-seal it and rebuild its blind indexes."""
        key = self.data_key(conn, customer_id)
        c = customers.c
        row = conn.execute(sa.select(c.record, c.index_keys).where(c.id == customer_id)).first()
        if row is None or row.record is None:
            raise NotFound(f"customer {customer_id} not found")
        record = record_data(key.open(row.record, record_aad(customer_id)))
        change(record)
        blob = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
        entries = index_entries(record, self.keyring.indexer)
        conn.execute(
            customers.update()
            .where(c.id == customer_id)
            .values(
                record=key.seal(blob, record_aad(customer_id)),
                index_keys=pack_index_keys(entries),
                updated_at=utcnow(),
            )
        )
        _remove_index_entries(conn, [(customer_id, row.index_keys)])
        bulk_insert(conn, customer_index, [(k, d, customer_id) for k, d in entries])

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
            params += [k, self.keyring.indexer.digest(k, normalised)]
        # A look-up is one indexed SELECT: straight through the driver, outside a transaction
        # (a single statement reads one consistent snapshot anyway). Building the SQLAlchemy
        # expression, its cache key and the BEGIN/ROLLBACK pair cost ten times the query.
        sql = _find_sql(marker(self.engine.dialect), len(kinds))
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
            c = customers.c
            index_keys = conn.execute(
                sa.select(c.index_keys).where(c.id == customer_id, c.erased_at.is_(None))
            ).first()
            if index_keys is None:
                raise NotFound(f"customer {customer_id} not found")
            conn.execute(
                customers.update()
                .where(c.id == customer_id)
                .values(
                    external_id=None,
                    erased_at=utcnow(),
                    invalid_fields="",
                    kek_id=None,
                    wrapped=None,
                    index_keys=None,
                )
            )
            _remove_index_entries(conn, [(customer_id, index_keys[0])])
        if self.engine.dialect.name == "sqlite":
            run_outside_transaction(self.engine, "PRAGMA wal_checkpoint(TRUNCATE)")

    def rewrap_all(self, batch: int = 2000) -> int:
        """Re-wrap every data key not under the active KEK; returns how many changed.

        Walks the customers in id order, one transaction per batch, so a rotation of millions
        of keys is one pass over the table (and an interrupted one resumes from the start
        cheaply: re-wrapped keys are skipped).
        """
        done, after = 0, ""
        c = customers.c
        while True:
            with self.engine.begin() as conn:
                rows = conn.execute(
                    sa.select(c.id, c.kek_id, c.wrapped)
                    .where(c.id > after, c.wrapped.is_not(None))
                    .order_by(c.id)
                    .limit(batch)
                ).all()
                if not rows:
                    return done
                after = rows[-1].id
                stale = [r for r in rows if r.kek_id != self.keyring.active_kek]
                if stale:
                    conn.execute(
                        customers.update()
                        .where(c.id == sa.bindparam("b_id"))
                        .values(kek_id=sa.bindparam("kek_id"), wrapped=sa.bindparam("wrapped")),
                        [
                            {"b_id": cid, "kek_id": w.kek_id, "wrapped": w.blob}
                            for cid, w in _rewrapped(self.keyring, stale)
                        ],
                    )
                done += len(stale)


def _rewrapped(
    keyring: Keyring, rows: Iterable[sa.Row[tuple[str, str, bytes]]]
) -> Iterable[tuple[str, WrappedKey]]:
    for cid, kek_id, blob in rows:
        yield cid, keyring.rewrap(WrappedKey(kek_id, blob))
