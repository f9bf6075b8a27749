"""Moderators' duty and alert batching; when an item last entered the queue.

``identities.on_duty`` (true for everyone, so a new moderator is on duty), ``alert_last_at``
(when this moderator was last told about the queue) and ``alert_pending`` (items arrived
since, to be told in the next batch) live on the identity row itself, so they refer to
nobody else. ``moderation_items.queued_at`` is when the item last entered the human queue
(new post, revision or report), from which the time to a decision is measured; existing
items take their ``created_at``. ``decided_by_policy`` marks an item the worker auto-approved,
which is no moderator's work.

Revision ID: 0010
Revises: 0015
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the duty and alert columns, and ``queued_at`` filled from ``created_at``."""
    with op.batch_alter_table("identities") as batch:
        batch.add_column(
            sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("alert_last_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("alert_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("moderation_items") as batch:
        batch.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("decided_by_policy", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE moderation_items SET queued_at = created_at")
    with op.batch_alter_table("moderation_items") as batch:
        batch.alter_column("queued_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("moderation_items") as batch:
        batch.drop_column("decided_by_policy")
        batch.drop_column("queued_at")
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("alert_pending")
        batch.drop_column("alert_last_at")
        batch.drop_column("on_duty")
