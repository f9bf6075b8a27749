"""Versions of each thread and of each board's thread list, bumped by the database itself.

Two more kinds of ``cache_versions`` row (0017 made the table and its ``boards`` row):

* ``thread:<id>``: bumped by any insert, update or delete of that thread's row or of any of
  its posts (text, status, note, withdrawal, redaction, rekey...). A cached thread read is
  current while this row (and ``boards``, for the board's slug) is unchanged.
* ``board:<id>``: bumped by any change to a thread row of that board, and by a post change
  that can move the board's page: an approved post (its thread's reply count) or an opening
  post (the thread's author shown on the page).

Rows are created by the first bump (an upsert), so a thread nobody has changed since this
migration has none: readers take a missing row as version 0. Row-level triggers, in the same
transaction as the change, whichever code or process made it.

Revision ID: 0019_read_path
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019_read_path"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = ("INSERT", "UPDATE", "DELETE")
# An update of ``posts`` bumps only when it sets a column readers see: every column but the
# sealed ``author_seal``. A rekey re-seals every post in one transaction and shows readers
# nothing; bumping there would also hold each version row's lock to the end of the rekey,
# which on PostgreSQL could deadlock with a moderator's decision. A test keeps this list equal
# to the table's columns minus its sealed ones.
POST_COLUMNS_READERS_SEE = (
    "id",
    "thread_id",
    "author_tag",
    "pseudonym",
    "is_opening",
    "body",
    "status",
    "revision",
    "rejection_reason",
    "created_at",
    "updated_at",
    "approved_at",
    "content_note",
)
_POST_UPDATE_OF = "UPDATE OF " + ", ".join(POST_COLUMNS_READERS_SEE)


def _sqlite_bump(name: str) -> str:
    return (
        f"INSERT INTO cache_versions (name, version) VALUES ({name}, 1) "  # noqa: S608 - constants
        "ON CONFLICT (name) DO UPDATE SET version = version + 1;"
    )


def _sqlite_post_bumps(row: str) -> str:
    board = f"(SELECT board_id FROM threads WHERE id = {row}.thread_id)"  # noqa: S608 - OLD/NEW
    return (
        _sqlite_bump(f"'thread:' || {row}.thread_id")
        # SQLite's upsert takes no WHERE on VALUES: select the row to bump, or nothing.
        + "INSERT INTO cache_versions (name, version) "
        f"SELECT 'board:' || {board}, 1 WHERE {board} IS NOT NULL "
        f"AND ({row}.status = 'approved' OR {row}.is_opening) "
        "ON CONFLICT (name) DO UPDATE SET version = version + 1;"
    )


def _sqlite_thread_bumps(row: str) -> str:
    return _sqlite_bump(f"'thread:' || {row}.id") + _sqlite_bump(f"'board:' || {row}.board_id")


_PG_STATEMENTS = (
    """
CREATE FUNCTION bump_cache_version(version_name text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO cache_versions (name, version) VALUES (version_name, 1)
    ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1
$$
""",
    """
CREATE FUNCTION bump_post_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    board bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_cache_version('thread:' || OLD.thread_id);
        IF OLD.status = 'approved' OR OLD.is_opening THEN
            SELECT board_id INTO board FROM threads WHERE id = OLD.thread_id;
            IF board IS NOT NULL THEN
                PERFORM bump_cache_version('board:' || board);
            END IF;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_cache_version('thread:' || NEW.thread_id);
        IF NEW.status = 'approved' OR NEW.is_opening THEN
            SELECT board_id INTO board FROM threads WHERE id = NEW.thread_id;
            IF board IS NOT NULL THEN
                PERFORM bump_cache_version('board:' || board);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE FUNCTION bump_thread_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_cache_version('thread:' || OLD.id);
        PERFORM bump_cache_version('board:' || OLD.board_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_cache_version('thread:' || NEW.id);
        PERFORM bump_cache_version('board:' || NEW.board_id);
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER posts_versions AFTER INSERT OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION bump_post_versions()
""",
    f"""
CREATE TRIGGER posts_versions_update AFTER {_POST_UPDATE_OF} ON posts
    FOR EACH ROW EXECUTE FUNCTION bump_post_versions()
""",
    """
CREATE TRIGGER threads_versions AFTER INSERT OR UPDATE OR DELETE ON threads
    FOR EACH ROW EXECUTE FUNCTION bump_thread_versions()
""",
)


def upgrade() -> None:
    """Create the triggers that bump the per-thread and per-board versions."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_STATEMENTS:
            op.execute(statement)
        return
    for event in _EVENTS:
        rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
        posts = "".join(_sqlite_post_bumps(row) for row in rows)
        threads = "".join(_sqlite_thread_bumps(row) for row in rows)
        when = _POST_UPDATE_OF if event == "UPDATE" else event
        op.execute(
            f"CREATE TRIGGER posts_versions_{event.lower()} AFTER {when} ON posts BEGIN {posts} END"
        )
        op.execute(
            f"CREATE TRIGGER threads_versions_{event.lower()} AFTER {event} ON threads "
            f"BEGIN {threads} END"
        )


def downgrade() -> None:
    """Drop the triggers and the rows they made."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS posts_versions ON posts")
        op.execute("DROP TRIGGER IF EXISTS posts_versions_update ON posts")
        op.execute("DROP TRIGGER IF EXISTS threads_versions ON threads")
        op.execute("DROP FUNCTION IF EXISTS bump_post_versions()")
        op.execute("DROP FUNCTION IF EXISTS bump_thread_versions()")
        op.execute("DROP FUNCTION IF EXISTS bump_cache_version(text)")
    else:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS posts_versions_{event.lower()}")
            op.execute(f"DROP TRIGGER IF EXISTS threads_versions_{event.lower()}")
    op.execute("DELETE FROM cache_versions WHERE name LIKE 'thread:%' OR name LIKE 'board:%'")
