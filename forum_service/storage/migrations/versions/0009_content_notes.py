"""Posts get an optional content note ("sexual violence", "self-harm" ...), shown before the text.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``posts.content_note`` (NULL: no note)."""
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("content_note", sa.String(80), nullable=True))


def downgrade() -> None:
    """Drop the notes."""
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("content_note")
