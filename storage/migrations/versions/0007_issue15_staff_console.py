"""staff console: web accounts (password, department, lockout) on the staff list, and login sessions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

A console account is a staff member on the channel `web`: the same list, the same roles, plus what a
login needs. Sessions are kept server-side; only the SHA-256 of a session's cookie is stored, so a copy
of the database logs nobody in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_members") as batch:
        batch.add_column(sa.Column("department", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.Text(), nullable=True))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_login_at", sa.DateTime(), nullable=True))
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["staff_members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_console_session_token"),
    )
    with op.batch_alter_table("console_sessions") as batch:
        batch.create_index("ix_console_sessions_member_id", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_table("console_sessions")
    with op.batch_alter_table("staff_members") as batch:
        batch.drop_column("last_login_at")
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
        batch.drop_column("password_hash")
        batch.drop_column("department")
