"""Initial schema: backend identity, track threads, uploads, chat turns, export jobs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 03:41:31.596228+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    """Apply this revision: create the tables and the indexes their lookups need."""
    op.create_table(
        "backend_identity",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_backend_identity_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backend_identity")),
    )
    op.create_table(
        "track_thread",
        sa.Column("thread_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_channel_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=True),
        sa.Column("session_id", sa.String(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("timeline_snapshot", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'session_lost', 'archived')", name=op.f("ck_track_thread_status")
        ),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_track_thread")),
    )
    with op.batch_alter_table("track_thread", schema=None) as batch_op:
        batch_op.create_index("ix_track_thread_guild_id", ["guild_id"], unique=False)

    op.create_table(
        "chat_turn",
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'streaming', 'done', 'interrupted')",
            name=op.f("ck_chat_turn_status"),
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["track_thread.thread_id"],
            name=op.f("fk_chat_turn_thread_id_track_thread"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_chat_turn")),
    )
    with op.batch_alter_table("chat_turn", schema=None) as batch_op:
        batch_op.create_index("ix_chat_turn_status", ["status"], unique=False)
        batch_op.create_index("ix_chat_turn_thread_id", ["thread_id"], unique=False)

    op.create_table(
        "export_job",
        sa.Column("render_id", sa.String(length=128), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("requester_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("output_url", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_message_id", sa.BigInteger(), nullable=True),
        sa.Column("posted_message_id", sa.BigInteger(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'pending', 'processing', 'completed', 'failed',"
            " 'posting', 'posted', 'cancelled')",
            name=op.f("ck_export_job_status"),
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["track_thread.thread_id"],
            name=op.f("fk_export_job_thread_id_track_thread"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("render_id", name=op.f("pk_export_job")),
    )
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.create_index("ix_export_job_lease_owner", ["lease_owner"], unique=False)
        batch_op.create_index(
            "ix_export_job_status_next_poll_at", ["status", "next_poll_at"], unique=False
        )
        batch_op.create_index("ix_export_job_thread_id", ["thread_id"], unique=False)

    op.create_table(
        "upload",
        sa.Column("attachment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'uploaded', 'rejected', 'failed')", name=op.f("ck_upload_status")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["track_thread.thread_id"],
            name=op.f("fk_upload_thread_id_track_thread"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_upload")),
    )
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.create_index("ix_upload_thread_id", ["thread_id"], unique=False)


def downgrade() -> None:
    """Revert this revision: drop every table, children first (indexes go with them)."""
    op.drop_table("upload")
    op.drop_table("export_job")
    op.drop_table("chat_turn")
    op.drop_table("track_thread")
    op.drop_table("backend_identity")
