"""The expert-forum lifecycle: calendar files, questions in advance, follow-up after a forum.

``expert_forums.calendar_sequence`` is the SEQUENCE of the forum's calendar file (raised on
every reschedule and on cancellation, so calendars replace the entry they hold). A forum an
admin marks held (``status`` gains the value ``held``: a string column, no DDL) keeps its
follow-up: ``held_at``, a ``recording_url``, the Telegram file id of its slides
(``slides_file_id``) and a ``summary``.

``forum_questions`` holds questions sent in advance, each pending until a moderator approves
or rejects it. The asker is a tag in a scope of its own (``forum-question:<forum id>``) and
nothing else: no sealed key, since nobody is told anything about their question later.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add the calendar and follow-up columns of forums and the questions table."""
    with op.batch_alter_table("expert_forums", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_sequence", BIG, nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("held_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("recording_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("slides_file_id", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.Text(), nullable=True))
    op.create_table(
        "forum_questions",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("forum_id", BIG, nullable=False),
        sa.Column("asker_tag", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["expert_forums.id"],
            name=op.f("fk_forum_questions_forum_id_expert_forums"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_questions")),
    )
    with op.batch_alter_table("forum_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_forum_questions_forum_status", ["forum_id", "status", "id"], unique=False
        )
        batch_op.create_index(
            "ix_forum_questions_forum_asker", ["forum_id", "asker_tag"], unique=False
        )


def downgrade() -> None:
    """Drop the questions and the follow-up; held forums go back to ``scheduled``."""
    with op.batch_alter_table("forum_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_forum_questions_forum_asker")
        batch_op.drop_index("ix_forum_questions_forum_status")
    op.drop_table("forum_questions")
    op.execute("UPDATE expert_forums SET status = 'scheduled' WHERE status = 'held'")
    with op.batch_alter_table("expert_forums", schema=None) as batch_op:
        batch_op.drop_column("summary")
        batch_op.drop_column("slides_file_id")
        batch_op.drop_column("recording_url")
        batch_op.drop_column("held_at")
        batch_op.drop_column("calendar_sequence")
