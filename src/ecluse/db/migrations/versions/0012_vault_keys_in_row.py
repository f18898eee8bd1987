"""Vault: wrapped data keys and blind-index entries move into the customer's row.

An import paid, per customer, inserts into customer_keys and its kek_id index plus an entry
in customer_index's customer_id index for each of its ~6.6 blind-index entries: random B-tree
inserts that were most of the import's write cost. The wrapped key now sits in the customer
row (NULL once erased), and the row lists its own blind-index entries (``index_keys``) so they
are removed by primary key; rotation walks customers by id instead of by a kek_id index.

Revision ID: 0012_vault_keys_in_row
Revises: 0011_vault_without_rowid
"""

from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa
from alembic import op

revision = "0012_vault_keys_in_row"
down_revision = "0011_vault_without_rowid"
branch_labels = None
depends_on = None

_BATCH = 5000


def _pack(entries: list[tuple[str, bytes]]) -> bytes:
    # the layout of ecluse.vault._store.pack_index_keys, frozen here as of this revision
    return b"".join(bytes([len(kind)]) + kind.encode() + digest for kind, digest in entries)


def upgrade() -> None:
    op.add_column("customers", sa.Column("kek_id", sa.String(16), nullable=True))
    op.add_column("customers", sa.Column("wrapped", sa.LargeBinary, nullable=True))
    op.add_column("customers", sa.Column("index_keys", sa.LargeBinary, nullable=True))
    op.execute(
        "UPDATE customers SET"
        " kek_id = (SELECT k.kek_id FROM customer_keys k WHERE k.customer_id = customers.id),"
        " wrapped = (SELECT k.wrapped FROM customer_keys k WHERE k.customer_id = customers.id)"
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT customer_id, kind, digest FROM customer_index ORDER BY customer_id")
    )
    update = sa.text("UPDATE customers SET index_keys = :keys WHERE id = :cid")
    batch: list[dict[str, object]] = []
    for cid, entries in groupby(rows, key=lambda r: r[0]):
        batch.append({"cid": cid, "keys": _pack(sorted((k, bytes(d)) for _, k, d in entries))})
        if len(batch) >= _BATCH:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)
    op.drop_index("ix_customer_index_customer_id", table_name="customer_index")
    op.drop_index("ix_customer_keys_kek_id", table_name="customer_keys")
    op.drop_table("customer_keys")


def downgrade() -> None:
    op.create_table(
        "customer_keys",
        sa.Column(
            "customer_id",
            sa.String(24),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kek_id", sa.String(16), nullable=False),
        sa.Column("wrapped", sa.LargeBinary, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_customer_keys_kek_id", "customer_keys", ["kek_id"])
    op.execute(
        "INSERT INTO customer_keys (customer_id, kek_id, wrapped)"
        " SELECT id, kek_id, wrapped FROM customers WHERE wrapped IS NOT NULL"
    )
    op.create_index("ix_customer_index_customer_id", "customer_index", ["customer_id"])
    for column in ("index_keys", "wrapped", "kek_id"):
        op.drop_column("customers", column)
