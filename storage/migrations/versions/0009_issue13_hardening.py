"""hardening: seen messages and attachments keyed by their sender too; signed callbacks' nonces remembered

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

A platform's message id is unique only per sender (WeChat's MsgId), so the inbox's reply cache and the
attachments' "one per message" are keyed by (channel, sender, message id): another sender's message with
the same id neither gets the first answer nor swallows the message. Rows already there keep an empty
sender, which no new message matches. `signed_nonces` holds each (timestamp, nonce) a WeChat callback
was signed with until the timestamp is too old to be accepted, so a captured signature opens nothing.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("user_key", sa.String(length=128), nullable=False, server_default=""))
        batch.drop_constraint("uq_inbox_message", type_="unique")
        batch.create_unique_constraint("uq_inbox_message", ["channel", "user_key", "message_id"])
    with op.batch_alter_table("attachments") as batch:
        batch.drop_constraint("uq_attachment_message", type_="unique")
        batch.create_unique_constraint("uq_attachment_message", ["channel", "user_key", "message_id"])
    op.create_table(
        "signed_nonces",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("timestamp", sa.String(length=16), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "timestamp", "nonce"),
    )
    op.create_index("ix_signed_nonces_expires_at", "signed_nonces", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_signed_nonces_expires_at", table_name="signed_nonces")
    op.drop_table("signed_nonces")
    with op.batch_alter_table("attachments") as batch:
        batch.drop_constraint("uq_attachment_message", type_="unique")
        batch.create_unique_constraint("uq_attachment_message", ["channel", "message_id"])
    with op.batch_alter_table("inbox") as batch:
        batch.drop_constraint("uq_inbox_message", type_="unique")
        batch.create_unique_constraint("uq_inbox_message", ["channel", "message_id"])
        batch.drop_column("user_key")
