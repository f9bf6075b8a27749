"""Boards keep their count of approved threads (listing boards no longer recounts threads).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the counter and fill it from the threads already approved."""
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approved_thread_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        sa.text(
            "UPDATE boards SET approved_thread_count = (SELECT count(*) FROM threads"
            " WHERE threads.board_id = boards.id AND threads.status = 'approved')"
        )
    )


def downgrade() -> None:
    """Drop the counter."""
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.drop_column("approved_thread_count")
