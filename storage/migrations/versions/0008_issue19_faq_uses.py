"""faq_uses: instant answers given (and whether they helped) and questions no entry fitted, for learning
from use (the daily report, the console)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("entry", sa.String(length=64), nullable=True),
        sa.Column("best_entry", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("question_enc", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_faq_uses_at", "faq_uses", ["at"])


def downgrade() -> None:
    op.drop_index("ix_faq_uses_at", table_name="faq_uses")
    op.drop_table("faq_uses")
