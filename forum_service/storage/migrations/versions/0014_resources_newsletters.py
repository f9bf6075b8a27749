"""A community of practice: resources pinned to boards, the newsletter archive, anonymous
feedback to the admins, and boards that admins add, rename and archive.

``boards.core`` marks the eight MSCOS core outcomes seeded by 0001 (they cannot be archived);
``boards.archived_at`` takes a board out of /outcomes and refuses new threads on it.
``feedback`` holds its author as a tag for that one feedback and a sealed key, kept only
until an admin replies, and the text sealed.

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The eight boards of migration 0001 (the MSCOS core outcomes).
CORE_SLUGS = (
    "core-outcome-set",
    "housing",
    "safety",
    "long-term-support",
    "trauma-informed",
    "purpose",
    "medical",
    "education",
)


def upgrade() -> None:
    """Add the board columns and the three tables."""
    with op.batch_alter_table("boards") as batch:
        batch.add_column(sa.Column("core", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
    boards = sa.table("boards", sa.column("slug", sa.String), sa.column("core", sa.Boolean))
    op.execute(boards.update().where(boards.c.slug.in_(CORE_SLUGS)).values(core=True))
    op.create_table(
        "resources",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("board_id", BIG, nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("document_file_id", sa.String(200), nullable=True),
        sa.Column("position", BIG, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_resources_board_id_boards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    op.create_index("ix_resources_board", "resources", ["board_id", "position", "id"])
    op.create_table(
        "newsletters",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("document_file_id", sa.String(200), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletters")),
    )
    op.create_table(
        "feedback",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("author_tag", sa.String(32), nullable=False),
        sa.Column("author_seal", sa.LargeBinary(), nullable=True),
        sa.Column("message_seal", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("author_tag", name=op.f("uq_feedback_author_tag")),
    )


def downgrade() -> None:
    """Drop the tables and the board columns (archived boards come back into /outcomes)."""
    op.drop_table("feedback")
    op.drop_table("newsletters")
    op.drop_index("ix_resources_board", table_name="resources")
    op.drop_table("resources")
    with op.batch_alter_table("boards") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("core")
