"""Vault: blind-index entries in a plain table with a unique index the first load can drop.

A first import into an empty vault inserted each customer's ~5.6 entries at random places of
a key-ordered B-tree; past a few hundred thousand customers nearly every entry dirtied a page
of its own at every commit, and the import's writing process slowed down twofold by a million
rows. Entries now go into a plain table (appended in order of arrival) whose key is a unique
index; on SQLite a first load drops that index and creates it once, sorted, at the end.

Revision ID: 0014_vault_droppable_index_key
Revises: 0012_vault_keys_in_row
"""

from __future__ import annotations

from alembic import op

revision = "0014_vault_droppable_index_key"
down_revision = "0012_vault_keys_in_row"
branch_labels = None
depends_on = None

_COLUMNS = (
    "kind VARCHAR(16) NOT NULL, digest BLOB NOT NULL, customer_id VARCHAR(24) NOT NULL, "
    "{key}FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE CASCADE"
)
_INDEX = "uq_customer_index_entry"


def _rebuild_sqlite(key: str, suffix: str) -> None:
    op.execute(f"CREATE TABLE customer_index_new ({_COLUMNS.format(key=key)}){suffix}")
    op.execute(
        "INSERT INTO customer_index_new (kind, digest, customer_id)"
        " SELECT kind, digest, customer_id FROM customer_index ORDER BY kind, digest, customer_id"
    )
    op.execute("DROP TABLE customer_index")
    op.execute("ALTER TABLE customer_index_new RENAME TO customer_index")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite("", "")
    else:
        op.drop_constraint("customer_index_pkey", "customer_index", type_="primary")
    op.create_index(_INDEX, "customer_index", ["kind", "digest", "customer_id"], unique=True)


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="customer_index")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite("PRIMARY KEY (kind, digest, customer_id), ", " WITHOUT ROWID")
    else:
        op.create_primary_key(
            "customer_index_pkey", "customer_index", ["kind", "digest", "customer_id"]
        )
