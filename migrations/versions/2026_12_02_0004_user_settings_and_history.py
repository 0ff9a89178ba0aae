"""A musician's own settings, and what ``/history`` lists.

``user_settings`` keeps each user's ``/settings`` (default resolution, the finished video by
direct message, reply language); a user without a row has the defaults. Export jobs get the
video's length (``length_ms``, NULL for jobs recorded before) and an index for a requester's
jobs newest first; threads get one by owner, so a reply language chosen in ``/settings``
reaches all of that user's threads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 14:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    """Create ``user_settings``; add ``export_job.length_ms`` and the two indexes."""
    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=False),
        sa.Column("dm_video", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_settings")),
    )
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("length_ms", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_export_job_requester_id_created_at", ["requester_id", "created_at"], unique=False
        )
    with op.batch_alter_table("track_thread", schema=None) as batch_op:
        batch_op.create_index("ix_track_thread_owner_user_id", ["owner_user_id"], unique=False)


def downgrade() -> None:
    """Drop the indexes, the column and ``user_settings``."""
    with op.batch_alter_table("track_thread", schema=None) as batch_op:
        batch_op.drop_index("ix_track_thread_owner_user_id")
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_index("ix_export_job_requester_id_created_at")
        batch_op.drop_column("length_ms")
    op.drop_table("user_settings")
