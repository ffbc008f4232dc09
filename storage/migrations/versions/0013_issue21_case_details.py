"""cases: the intake's details (address, second contact number, person in need) and the place

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

`details_enc` holds, sealed like the name and phone, what only some requests have: the address as the
citizen wrote it, a second contact number, and the person in need (relation, age, conditions). `place` is
the compound or road alone (绿城小区), plain, so cases of one place can be found together.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("details_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column("place", sa.String(length=64), nullable=True))
        batch.create_index("ix_cases_place", ["place"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_place")
        batch.drop_column("place")
        batch.drop_column("details_enc")
