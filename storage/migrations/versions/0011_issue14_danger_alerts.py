"""danger alerts: a staff alert for a danger to life, repeated until someone has contacted the citizen

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

`danger_alerts` holds each 120/110/119 alert raised while a citizen writes: who and where (channel, user,
chat), what set it off, the citizen's words sealed, and when staff are told again (`due_at`) until one of
them presses 已联系 (`contacted_at`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "danger_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("chat_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("contacted_at", sa.DateTime(), nullable=True),
        sa.Column("contacted_by", sa.String(length=128), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_danger_alerts_due_at", "danger_alerts", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_danger_alerts_due_at", table_name="danger_alerts")
    op.drop_table("danger_alerts")
