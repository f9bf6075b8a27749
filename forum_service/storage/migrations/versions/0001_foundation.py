"""Foundation: boards (the eight MSCOS core outcomes), identities, threads, posts, revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CORE_OUTCOMES = [
    ("core-outcome-set", "Working with core outcomes as a set"),
    ("housing", "Secure and suitable housing"),
    ("safety", "Safety from any trafficker or other abuser"),
    ("long-term-support", "Long-term, consistent support"),
    ("trauma-informed", "Trauma-informed services"),
    ("purpose", "Finding purpose in life and self-actualisation"),
    ("medical", "Access to medical treatment"),
    ("education", "Access to education"),
]


def upgrade() -> None:
    """Create the foundation tables and seed one board per core outcome."""
    boards = op.create_table(
        "boards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("auto_approve_low_risk", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boards")),
        sa.UniqueConstraint("slug", name=op.f("uq_boards_slug")),
    )
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("key", name=op.f("uq_identities_key")),
    )
    op.create_table(
        "threads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_threads_board_id_boards")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["identities.id"], name=op.f("fk_threads_author_id_identities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
    )
    op.create_index(
        "ix_threads_board_listing", "threads", ["board_id", "status", "last_activity_at", "id"]
    )
    op.create_index(op.f("ix_threads_author_id"), "threads", ["author_id"])
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(40), nullable=False),
        sa.Column("is_opening", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_posts_thread_id_threads")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["identities.id"], name=op.f("fk_posts_author_id_identities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_index("ix_posts_thread_visible", "posts", ["thread_id", "status", "id"])
    op.create_index("ix_posts_author", "posts", ["author_id", "id"])
    op.create_table(
        "post_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_revisions_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_revisions")),
        sa.UniqueConstraint("post_id", "revision", name="uq_post_revisions_post_revision"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["identities.id"],
            name=op.f("fk_idempotency_keys_identity_id_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_idempotency_keys_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("identity_id", "key", name="uq_idempotency_keys_identity_key"),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        boards,
        [
            {
                "slug": slug,
                "title": title,
                "description": f"MSCOS core outcome: {title}.",
                "position": position,
                "auto_approve_low_risk": False,
                "created_at": now,
            }
            for position, (slug, title) in enumerate(CORE_OUTCOMES, start=1)
        ],
    )


def downgrade() -> None:
    """Drop every foundation table (the seeded boards go with them)."""
    op.drop_table("idempotency_keys")
    op.drop_table("post_revisions")
    op.drop_index("ix_posts_author", table_name="posts")
    op.drop_index("ix_posts_thread_visible", table_name="posts")
    op.drop_table("posts")
    op.drop_index(op.f("ix_threads_author_id"), table_name="threads")
    op.drop_index("ix_threads_board_listing", table_name="threads")
    op.drop_table("threads")
    op.drop_table("identities")
    op.drop_table("boards")
