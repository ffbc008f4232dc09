"""departments: where each department is reached (its contact points, sealed), and a case's handover
to a department — when it was handed over, by when it must be accepted (签收), when it was, and how often
it was handed back (退回)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address_enc", sa.Text(), nullable=False),
        sa.Column("address_index", sa.String(length=64), nullable=False),
        sa.Column("shown", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department", "channel", name="uq_department_contact"),
    )
    op.create_index("ix_department_contacts_address", "department_contacts", ["channel", "address_index"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("assigned_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("accept_due", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("returns", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_cases_accept_due", "cases", ["accept_due"])


def downgrade() -> None:
    op.drop_index("ix_cases_accept_due", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("returns")
        batch.drop_column("accepted_at")
        batch.drop_column("accept_due")
        batch.drop_column("assigned_at")
    op.drop_index("ix_department_contacts_address", table_name="department_contacts")
    op.drop_table("department_contacts")
