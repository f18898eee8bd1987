"""Vault: blind indexes and wrapped keys as WITHOUT ROWID tables on SQLite.

Both tables are looked up and inserted by their primary key only. A rowid table keeps the
rows in one B-tree and the primary key in another, so every import row paid two random
B-tree inserts per index entry; WITHOUT ROWID stores the row in its primary key's B-tree.
PostgreSQL is unchanged.

Revision ID: 0011_vault_without_rowid
Revises: 0002_vault
"""

from __future__ import annotations

from alembic import op

revision = "0011_vault_without_rowid"
down_revision = "0002_vault"
branch_labels = None
depends_on = None

_TABLES = {
    "customer_keys": (
        "customer_id VARCHAR(24) NOT NULL, kek_id VARCHAR(16) NOT NULL, wrapped BLOB NOT NULL, "
        "PRIMARY KEY (customer_id), "
        "FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE CASCADE",
        "CREATE INDEX ix_customer_keys_kek_id ON customer_keys (kek_id)",
    ),
    "customer_index": (
        "kind VARCHAR(16) NOT NULL, digest BLOB NOT NULL, customer_id VARCHAR(24) NOT NULL, "
        "PRIMARY KEY (kind, digest, customer_id), "
        "FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE CASCADE",
        "CREATE INDEX ix_customer_index_customer_id ON customer_index (customer_id)",
    ),
}


def _rebuild(suffix: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, (columns, index) in _TABLES.items():
        op.execute(f"CREATE TABLE {table}_new ({columns}){suffix}")
        op.execute(f"INSERT INTO {table}_new SELECT * FROM {table}")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
        op.execute(index)


def upgrade() -> None:
    _rebuild(" WITHOUT ROWID")


def downgrade() -> None:
    _rebuild("")
