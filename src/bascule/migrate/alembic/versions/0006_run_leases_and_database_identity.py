"""run leases and the database's identity: a killed run is told apart from a live one, and the files kept
outside the database (the run store, the pseudonym key) are keyed by a UUID kept in it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:30:00

"""

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNS = ("migration_run", "shadow_run")
KEPT = {"sqlite_autoincrement": True}  # SQLite copies the table to alter it: a replaced run's id is still never reused


def upgrade() -> None:
    """Upgrade schema."""
    _without_foreign_keys_on_sqlite()
    for table in RUNS:
        with op.batch_alter_table(table, table_kwargs=KEPT) as batch:
            batch.add_column(sa.Column("holder", sa.String(length=200), nullable=True))
            batch.add_column(sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=True))
            # "INTERRUPTED" is longer than "COMPLETE", the longest status before it.
            batch.alter_column("status", existing_type=sa.String(length=8), type_=sa.String(length=11))
    identity = op.create_table(
        "database_identity",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("store", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_identity")),
    )
    op.bulk_insert(identity, [{"id": str(uuid.uuid4()), "created": dt.datetime.now(dt.UTC), "store": None}])


def downgrade() -> None:
    """Downgrade schema."""
    _without_foreign_keys_on_sqlite()
    op.drop_table("database_identity")
    for table in RUNS:
        op.execute(sa.text(f"UPDATE {table} SET status = 'RUNNING' WHERE status = 'INTERRUPTED'"))
        with op.batch_alter_table(table, table_kwargs=KEPT) as batch:
            batch.alter_column("status", existing_type=sa.String(length=11), type_=sa.String(length=8))
            batch.drop_column("heartbeat")
            batch.drop_column("holder")


def _without_foreign_keys_on_sqlite() -> None:
    """SQLite alters a table by copying it and dropping the old one, which its foreign keys would refuse
    while other tables refer to it; the copy keeps every row, so the references hold again after it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text("PRAGMA foreign_keys = OFF"))
