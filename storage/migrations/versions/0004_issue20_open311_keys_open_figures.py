"""open311 keys and open figures: the API keys city systems file Open311 requests with (hashed), and an
index that answers the monitoring's open/overdue counts from the index alone

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("rate_tokens", sa.Float(), nullable=True),
        sa.Column("rate_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index("ix_cases_open_figures", "cases",
                    ["status", "urgency", "resolve_due", "contact_due", "contacted_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_open_figures", table_name="cases")
    op.drop_table("open311_keys")
