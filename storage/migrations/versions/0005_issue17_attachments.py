"""attachments: photos and files fetched from the platforms, kept sealed in the media store

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Cases kept their photos as a JSON list of platform file ids, which nobody ever fetched. Each becomes an
attachment row waiting to be fetched, with its fetch job in the outbox; the id is kept marked `unsealed:`
until `yibang rekey` or the fetch (whichever comes first) deals with it, because a migration holds no key.
"""

import json
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The outbox channel that fetches each platform's files (handlers/attachments/receiving.py).
FETCHERS = {"telegram": "telegram-files", "wechat": "wechat-files"}


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("chat_key", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("media", sa.String(length=16), nullable=False),
        sa.Column("file_ref_enc", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("blob_key", sa.String(length=64), nullable=True),
        sa.Column("thumb_key", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=True),
        sa.Column("shown_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
        sa.UniqueConstraint("channel", "message_id", name="uq_attachment_message"),
    )
    with op.batch_alter_table("attachments") as batch:
        batch.create_index("ix_attachments_case_id", ["case_id"], unique=False)
        batch.create_index("ix_attachments_status", ["status"], unique=False)
        batch.create_index("ix_attachments_blob_key", ["blob_key"], unique=False)
        batch.create_index("ix_attachments_thumb_key", ["thumb_key"], unique=False)
        batch.create_index("ix_attachments_citizen", ["channel", "user_key"], unique=False)
    _move_file_ids()
    # A plain ALTER TABLE (SQLite 3.35+): batch mode would copy the table and drop the old one, and dropping
    # `cases` with foreign keys on would take every timeline event with it.
    op.drop_column("cases", "attachments")


def _move_file_ids() -> None:
    connection = op.get_bind()
    cases = sa.table("cases", sa.column("id"), sa.column("channel"), sa.column("user_key"), sa.column("chat_key"),
                     sa.column("created_at"), sa.column("attachments", sa.JSON()))
    attachments = sa.table(
        "attachments", sa.column("id"), sa.column("public_id"), sa.column("case_id"), sa.column("channel"),
        sa.column("user_key"), sa.column("chat_key"), sa.column("message_id"), sa.column("media"),
        sa.column("file_ref_enc"), sa.column("status"), sa.column("received_at"),
    )
    outbox = sa.table(
        "outbox", sa.column("channel"), sa.column("target"), sa.column("payload", sa.JSON()),
        sa.column("dedupe_key"), sa.column("case_id"), sa.column("status"), sa.column("priority"),
        sa.column("attempts"), sa.column("next_attempt_at"), sa.column("created_at"),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    for case in connection.execute(sa.select(cases)).mappings():
        listed = case["attachments"]
        if isinstance(listed, str):
            listed = json.loads(listed)
        for index, item in enumerate(listed or []):
            file_id = str((item or {}).get("file_id") or "")
            fetcher = FETCHERS.get(case["channel"])
            if not file_id or fetcher is None or (item or {}).get("media") != "photo":
                continue
            attachment_id = connection.execute(
                sa.insert(attachments).values(
                    public_id=secrets.token_urlsafe(16), case_id=case["id"], channel=case["channel"],
                    user_key=case["user_key"], chat_key=case["chat_key"], message_id=f"legacy:{case['id']}:{index}",
                    media="photo", file_ref_enc=f"unsealed:{file_id}", status="pending",
                    received_at=case["created_at"],
                ).returning(attachments.c.id)
            ).scalar_one()
            connection.execute(sa.insert(outbox).values(
                channel=fetcher, target=case["chat_key"],
                payload={"kind": "media_download", "attachment_id": attachment_id},
                dedupe_key=f"download:{attachment_id}", case_id=case["id"], status="pending", priority=0,
                attempts=0, next_attempt_at=now, created_at=now,
            ))


def downgrade() -> None:
    op.add_column("cases", sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]"))
    op.drop_table("attachments")
