"""outbox priority: urgent cases' messages go before the others

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_index("ix_outbox_due")
        batch.create_index("ix_outbox_due", ["status", "priority", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_due")
        batch.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch.drop_column("priority")
