"""The moderators' queue view: who holds a claim, undoable decisions, redactions, notes.

``moderation_items`` gains the claiming moderator's handle (the audit log names them already),
who decided it (their claim tag) with the undo deadline and the post status to go back to,
and the kinds redacted in this version. ``moderation_notes`` holds moderators' notes on an
item (``subject`` ``item:<id>``) or on an author (``author:<the author's notes tag>``), the
text sealed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

#: Ids are 64-bit on PostgreSQL; SQLite needs INTEGER for its rowid primary key.
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the item columns and the notes table."""
    with op.batch_alter_table("moderation_items") as batch:
        batch.add_column(sa.Column("claimed_by_handle", sa.String(40), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("undo_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("undo_post_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("redactions", sa.JSON(), nullable=True))
    op.create_table(
        "moderation_notes",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("subject", sa.String(48), nullable=False),
        sa.Column("author_handle", sa.String(40), nullable=False),
        sa.Column("body_seal", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_notes")),
    )
    op.create_index(
        op.f("ix_moderation_notes_subject"), "moderation_notes", ["subject"], unique=False
    )


def downgrade() -> None:
    """Drop the notes and the item columns."""
    op.drop_index(op.f("ix_moderation_notes_subject"), table_name="moderation_notes")
    op.drop_table("moderation_notes")
    with op.batch_alter_table("moderation_items") as batch:
        batch.drop_column("redactions")
        batch.drop_column("undo_post_status")
        batch.drop_column("undo_until")
        batch.drop_column("decided_by")
        batch.drop_column("claimed_by_handle")
