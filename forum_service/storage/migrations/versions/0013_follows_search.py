"""Follow a thread (followers, replies waiting for their batch) and full-text search.

The search index holds the approved posts of approved threads only (an opening post with its
thread's title), kept by triggers on ``posts`` and ``threads`` so no code path that changes a
post's or a thread's status or text can forget it: SQLite FTS5 (``search_posts``, rowid = post
id) or, on PostgreSQL, a table of ``tsvector`` documents with GIN indexes. Pending, rejected,
held, hidden and withdrawn posts are not in it, nor the replies of a thread that is not
approved (they leave it the moment a status leaves ``approved``), so a query ranks the index
alone and joins only the page it shows.

Revision ID: 0013
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Each trigger re-derives what the index holds for the posts it touches: an approved post of
# an approved thread (an opening post with its thread's title; replies have none), with its
# board, or nothing. A thread that is held, hidden or withdrawn takes its replies out with it.
SQLITE_UP = (
    "CREATE VIRTUAL TABLE search_posts USING fts5("
    "title, body, board, tokenize = 'porter unicode61 remove_diacritics 2')",
    # ``ORDER BY rank``: bm25 with a title match weighing four times a body match. ``board``
    # holds one token, ``board<id>``, so the outcome filter is part of the indexed query.
    "INSERT INTO search_posts (search_posts, rank) VALUES ('rank', 'bm25(4.0, 1.0, 0.0)')",
    """CREATE TRIGGER search_posts_ai AFTER INSERT ON posts WHEN new.status = 'approved'
    BEGIN
        INSERT INTO search_posts (rowid, title, body, board)
            SELECT new.id, CASE WHEN new.is_opening THEN t.title ELSE '' END, new.body,
                'board' || t.board_id
            FROM threads t WHERE t.id = new.thread_id AND t.status = 'approved';
    END""",
    """CREATE TRIGGER search_posts_au AFTER UPDATE OF status, body ON posts
    BEGIN
        DELETE FROM search_posts WHERE rowid = old.id;
        INSERT INTO search_posts (rowid, title, body, board)
            SELECT new.id, CASE WHEN new.is_opening THEN t.title ELSE '' END, new.body,
                'board' || t.board_id
            FROM threads t
            WHERE t.id = new.thread_id AND t.status = 'approved' AND new.status = 'approved';
    END""",
    """CREATE TRIGGER search_posts_ad AFTER DELETE ON posts
    BEGIN
        DELETE FROM search_posts WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER search_threads_au AFTER UPDATE OF status, title ON threads
    BEGIN
        DELETE FROM search_posts WHERE rowid IN (SELECT id FROM posts WHERE thread_id = new.id);
        INSERT INTO search_posts (rowid, title, body, board)
            SELECT p.id, CASE WHEN p.is_opening THEN new.title ELSE '' END, p.body,
                'board' || new.board_id
            FROM posts p
            WHERE p.thread_id = new.id AND p.status = 'approved' AND new.status = 'approved';
    END""",
    """INSERT INTO search_posts (rowid, title, body, board)
        SELECT p.id, CASE WHEN p.is_opening THEN t.title ELSE '' END, p.body,
            'board' || t.board_id
        FROM posts p JOIN threads t ON t.id = p.thread_id
        WHERE p.status = 'approved' AND t.status = 'approved'""",
)

SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS search_threads_au",
    "DROP TRIGGER IF EXISTS search_posts_ad",
    "DROP TRIGGER IF EXISTS search_posts_au",
    "DROP TRIGGER IF EXISTS search_posts_ai",
    "DROP TABLE IF EXISTS search_posts",
)

# The document: the title weighted A, the text B; ``title_document`` alone finds similar
# threads for /new.
POSTGRES_UP = (
    """CREATE TABLE search_posts (
        post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
        board_id BIGINT NOT NULL,
        title_document TSVECTOR NOT NULL,
        document TSVECTOR NOT NULL
    )""",
    "CREATE INDEX ix_search_posts_document ON search_posts USING GIN (document)",
    "CREATE INDEX ix_search_posts_title ON search_posts USING GIN (title_document)",
    """CREATE FUNCTION search_index_post(p_id BIGINT) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_posts WHERE post_id = p_id;
        INSERT INTO search_posts (post_id, board_id, title_document, document)
        SELECT p.id, t.board_id, to_tsvector('english', d.title),
            setweight(to_tsvector('english', d.title), 'A')
                || setweight(to_tsvector('english', p.body), 'B')
        FROM posts p
        JOIN threads t ON t.id = p.thread_id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN p.is_opening THEN t.title ELSE '' END AS title
        ) AS d
        WHERE p.id = p_id AND p.status = 'approved' AND t.status = 'approved';
    END $$""",
    """CREATE FUNCTION search_posts_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_index_post(NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION search_threads_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_index_post(p.id) FROM posts p WHERE p.thread_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_posts_aiu AFTER INSERT OR UPDATE OF status, body ON posts
        FOR EACH ROW EXECUTE FUNCTION search_posts_trigger()""",
    """CREATE TRIGGER search_threads_au AFTER UPDATE OF status, title ON threads
        FOR EACH ROW EXECUTE FUNCTION search_threads_trigger()""",
    """SELECT search_index_post(p.id) FROM posts p JOIN threads t ON t.id = p.thread_id
        WHERE p.status = 'approved' AND t.status = 'approved'""",
)

POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS search_threads_au ON threads",
    "DROP TRIGGER IF EXISTS search_posts_aiu ON posts",
    "DROP FUNCTION IF EXISTS search_threads_trigger()",
    "DROP FUNCTION IF EXISTS search_posts_trigger()",
    "DROP FUNCTION IF EXISTS search_index_post(BIGINT)",
    "DROP TABLE IF EXISTS search_posts",
)


def upgrade() -> None:
    """Create follows, the replies waiting for their batch, and the search index."""
    op.create_table(
        "follows",
        sa.Column("id", BIG, nullable=False),
        sa.Column("thread_id", BIG, nullable=False),
        sa.Column("follower_tag", sa.String(32), nullable=False),
        sa.Column("follower_seal", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_follows_thread_id_threads")
        ),
        sa.UniqueConstraint("thread_id", "follower_tag", name="uq_follows_thread_follower"),
    )
    op.create_table(
        "follow_pending_replies",
        sa.Column("post_id", BIG, nullable=False),
        sa.Column("thread_id", BIG, nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_follow_pending_replies")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_follow_pending_replies_post_id_posts")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_follow_pending_replies_thread_id_threads")
        ),
    )
    op.create_index(
        "ix_follow_pending_replies_thread", "follow_pending_replies", ["thread_id", "approved_at"]
    )
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Drop the search index and the follows."""
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_index("ix_follow_pending_replies_thread", table_name="follow_pending_replies")
    op.drop_table("follow_pending_replies")
    op.drop_table("follows")
