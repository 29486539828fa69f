"""Create the patients table.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("id_key", sa.Text(), nullable=False),
        sa.Column("id_num", sa.Numeric(), nullable=True),
        sa.Column("document", postgresql.JSON(), nullable=False),
        sa.Column(
            "body",
            postgresql.JSONB(),
            sa.Computed("document::jsonb", persisted=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_patients")),
        sa.UniqueConstraint("id_key", name=op.f("uq_patients_id_key")),
    )
    op.create_index(
        "ix_patients_id_num",
        "patients",
        ["id_num"],
        postgresql_where=sa.text("id_num IS NOT NULL"),
    )
    op.create_index(
        "ix_patients_seq_non_numeric_id",
        "patients",
        ["seq"],
        postgresql_where=sa.text("id_num IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_patients_seq_non_numeric_id", table_name="patients")
    op.drop_index("ix_patients_id_num", table_name="patients")
    op.drop_table("patients")
