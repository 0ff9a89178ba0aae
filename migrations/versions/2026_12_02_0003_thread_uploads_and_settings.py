"""Uploads keyed by thread and attachment; a small key/value table for the bot's own facts.

The same Discord attachment may be the track of two threads (the message menu on a message
that already had one), so an upload is recorded once per (thread, attachment). ``bot_setting``
keeps facts of the deployment such as the fingerprint of the last synced command tree.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:20:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    """Widen the upload key to (thread_id, attachment_id) (it leads with the thread, so the
    thread index goes); create ``bot_setting``."""
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.drop_index("ix_upload_thread_id")
        batch_op.drop_constraint("pk_upload", type_="primary")
        batch_op.create_primary_key("pk_upload", ["thread_id", "attachment_id"])
    op.create_table(
        "bot_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_bot_setting")),
    )


def downgrade() -> None:
    """Drop ``bot_setting``; key uploads by attachment again (keeping each one's first row)."""
    op.drop_table("bot_setting")
    op.execute(
        "DELETE FROM upload WHERE EXISTS (SELECT 1 FROM upload AS older"
        " WHERE older.attachment_id = upload.attachment_id"
        " AND (older.created_at < upload.created_at OR (older.created_at = upload.created_at"
        " AND older.thread_id < upload.thread_id)))"
    )
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.drop_constraint("pk_upload", type_="primary")
        batch_op.create_primary_key("pk_upload", ["attachment_id"])
        batch_op.create_index("ix_upload_thread_id", ["thread_id"], unique=False)
