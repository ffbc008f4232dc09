"""similar cases: each case's terms and group, and the inverted index of its rare terms by district

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

Cases filed before this revision are not in the index; `yibang case reindex-similar` adds them (a migration
holds no tokenizer).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "similar_documents",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("similar_documents") as batch:
        batch.create_index("ix_similar_documents_group_id", ["group_id"], unique=False)
    op.create_table(
        "similar_keys",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "term"),
    )
    with op.batch_alter_table("similar_keys") as batch:
        batch.create_index("ix_similar_keys_lookup", ["district", "term", "case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("similar_keys")
    op.drop_table("similar_documents")
