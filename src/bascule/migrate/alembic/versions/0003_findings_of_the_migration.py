"""findings of the migration: migrated records it reports without rejecting them

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 14:01:03.337458

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "migration_finding",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_index", sa.BigInteger(), nullable=False),
        sa.Column("finding", sa.String(length=40), nullable=False),
        sa.Column("record_type", sa.String(length=2), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["migration_run.id"], name=op.f("fk_migration_finding_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_index", "finding", name=op.f("pk_migration_finding")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("migration_finding")
