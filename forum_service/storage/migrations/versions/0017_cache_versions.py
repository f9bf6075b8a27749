"""A version counter per cached read, bumped by the database itself when the data changes.

``cache_versions`` has one row per cache (``boards``: the boards list with its counts of
approved threads). Triggers on ``boards`` bump it in the same transaction as any insert,
update or delete there, whichever code or process made it, so an API process that cached the
list checks one small row per request and knows at once when its copy is stale.

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = "UPDATE cache_versions SET version = version + 1 WHERE name = 'boards'"
_EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    """Create ``cache_versions`` with the ``boards`` row, and the triggers that bump it."""
    op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    )
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('boards', 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_boards_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER boards_version AFTER INSERT OR UPDATE OR DELETE ON boards "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_boards_version()"
        )
    else:
        for event in _EVENTS:
            op.execute(
                f"CREATE TRIGGER boards_version_{event.lower()} AFTER {event} ON boards "
                f"BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    """Drop the triggers and the table."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS boards_version ON boards")
        op.execute("DROP FUNCTION IF EXISTS bump_boards_version()")
    else:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS boards_version_{event.lower()}")
    op.drop_table("cache_versions")
