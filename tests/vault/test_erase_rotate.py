"""Erasure destroys the data key; KEK rotation re-wraps keys and keeps data readable."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from ecluse.demo import CrmRow
from ecluse.errors import NotFound
from ecluse.installation import Installation, open_installation
from ecluse.keys import DataKey, UndecryptableError
from ecluse.org import add_person
from ecluse.org._credentials import activate_totp_secret, open_totp
from ecluse.org._tables import people
from ecluse.vault import Vault, import_customers, rotate_kek, vault_of
from ecluse.vault._tables import customer_index, customers
from ecluse.vocabulary import Role

from .conftest import WriteCsv


def test_erased_customer_ciphertext_is_unreadable(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    """GIVEN an imported customer WHEN erased THEN their sealed record remains but no key in
    the installation opens it, their blind indexes are gone and look-ups fail."""
    import_customers(vault, write_csv(clean_rows[:3]), rejects_path=tmp_path / "r.csv")
    cid = vault.resolve(clean_rows[0]["external_id"])
    with vault.engine.connect() as conn:
        wrapped_before = conn.execute(
            sa.select(customers.c.wrapped).where(customers.c.id == cid)
        ).scalar_one()
    vault.erase(cid)
    with vault.engine.connect() as conn:
        sealed = conn.execute(
            sa.select(customers.c.record).where(customers.c.id == cid)
        ).scalar_one()
        assert sealed is not None  # the ciphertext is still there, as in any backup
        assert conn.execute(
            sa.select(customers.c.kek_id, customers.c.wrapped, customers.c.index_keys).where(
                customers.c.id == cid
            )
        ).one() == (None, None, None)
        assert (
            conn.execute(
                sa.select(customer_index).where(customer_index.c.customer_id == cid)
            ).first()
            is None
        )
    with pytest.raises(NotFound):
        vault.get(cid)
    with pytest.raises(NotFound):
        vault.resolve(clean_rows[0]["external_id"])
    assert vault.find("email", clean_rows[0]["email"]) == []
    # No key material left in the installation opens it: not the other customers' keys...
    with vault.engine.connect() as conn:
        for other in conn.execute(
            sa.select(customers.c.id).where(customers.c.wrapped.is_not(None))
        ).scalars():
            with pytest.raises(UndecryptableError):
                vault.data_key(conn, other).open(sealed, cid.encode() + b"|record")
    # ...and the wrapped key's bytes are gone from the database file itself.
    if vault.engine.dialect.name == "sqlite":
        db = Path(str(vault.engine.url.database))
        raw = db.read_bytes() + (
            Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b""
        )
        assert wrapped_before not in raw
    # the other customers are untouched
    assert (
        vault.get(vault.resolve(clean_rows[1]["external_id"])).last_name
        == clean_rows[1]["last_name"]
    )


def test_erasing_twice_or_unknown_is_not_found(vault: Vault) -> None:
    with pytest.raises(NotFound):
        vault.erase("c0000000000000000")


def test_rotation_rewraps_every_key_and_retires_the_old_kek(
    inst: Installation, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    vault = vault_of(inst)
    import_customers(vault, write_csv(clean_rows[:20]), rejects_path=tmp_path / "r.csv")
    dpo = add_person(inst.engine, email="dpo@op.example", display_name="DPO", role=Role.DPO)
    activate_totp_secret(inst.engine, dpo.id, "JBSWY3DPEHPK3PXP", keyring=inst.keyring)
    old = inst.keyring.active_kek
    with vault.engine.connect() as conn:
        records_before = dict(conn.execute(sa.select(customers.c.id, customers.c.record)).all())
    report = rotate_kek(inst)
    assert report.rewrapped == 20 and report.retired == (old,)
    assert not (inst.settings.keys_dir / f"kek-{old}.key").exists()
    reopened = open_installation(inst.settings.data_dir)
    try:
        assert reopened.keyring.active_kek == report.new_kek != old
        again = vault_of(reopened)
        with again.engine.connect() as conn:
            assert set(
                conn.execute(
                    sa.select(customers.c.kek_id).where(customers.c.wrapped.is_not(None))
                ).scalars()
            ) == {report.new_kek}
            # data untouched: only the wrapped keys changed
            assert (
                dict(conn.execute(sa.select(customers.c.id, customers.c.record)).all())
                == records_before
            )
        row = clean_rows[7]
        assert again.get(again.resolve(row["external_id"])).iban == row["iban"]
        # TOTP seeds are sealed under the KEK too: re-sealed, they open without the old one
        with again.engine.connect() as conn:
            sealed = conn.execute(
                sa.select(people.c.totp_secret).where(people.c.id == dpo.id)
            ).scalar_one()
        assert sealed.startswith(report.new_kek.encode() + b":")
        assert open_totp(reopened.keyring, dpo.id, sealed) == "JBSWY3DPEHPK3PXP"
    finally:
        reopened.close()


def test_data_key_rejects_wrong_length() -> None:
    with pytest.raises(ValueError):
        DataKey(b"short")
