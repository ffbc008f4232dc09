"""case followers: citizens of merged cases follow the surviving case

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("chat_key", sa.String(length=128), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "channel", "user_key", name="uq_case_follower"),
    )
    with op.batch_alter_table("case_followers") as batch:
        batch.create_index("ix_case_followers_case_id", ["case_id"], unique=False)
        batch.create_index("ix_case_followers_citizen", ["channel", "user_key"], unique=False)


def downgrade() -> None:
    op.drop_table("case_followers")
