"""identifiers out of the problem text: the words as written, sealed, beside the masked ones

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

ID, bank card and phone numbers a citizen types into the problem are masked in `cases.problem` from now on;
the words as written go into `cases.problem_enc`, encrypted like the name and the phone, for supervisors
(`case show --reveal`, `ledger --reveal`). Cases filed before keep their text and are masked when shown.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("problem_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("problem_enc")
