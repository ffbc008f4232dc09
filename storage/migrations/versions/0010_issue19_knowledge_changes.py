"""knowledge_changes: supervisors' edits of the instant answers' knowledge base in the console, each an
audit line holding the entry as it stands after the change (the live base is the file with these applied)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("actor_name", sa.String(length=128), nullable=False),
        sa.Column("entry", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_knowledge_changes_entry", "knowledge_changes", ["entry"])


def downgrade() -> None:
    op.drop_index("ix_knowledge_changes_entry", table_name="knowledge_changes")
    op.drop_table("knowledge_changes")
