"""Export options: the output format and resolution the user chose, kept for a re-render.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 06:30:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    """Add the two nullable columns (NULL: the backend's default output)."""
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("output_format", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("output_resolution", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_column("output_resolution")
        batch_op.drop_column("output_format")
