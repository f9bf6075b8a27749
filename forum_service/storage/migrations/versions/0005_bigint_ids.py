"""Every integer column becomes 64-bit on PostgreSQL: ids from outside reach 2**63 - 1.

The API accepted ids up to 2**62 while PostgreSQL stored INTEGER (int4) columns, so
``GET /api/v1/posts/2147483648`` failed inside the driver (500) instead of answering 404, and a
busy forum would one day run out of ids. SQLite's INTEGER is already 64-bit: nothing to do there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _integer_columns(data_type: str) -> dict[str, list[str]]:
    """Columns of this schema's tables with ``data_type``, by table (the schema as it is now)."""
    rows = op.get_bind().execute(
        sa.text(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND data_type = :type"
            " AND table_name <> 'alembic_version' ORDER BY table_name, ordinal_position"
        ),
        {"type": data_type},
    )
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def _retype(from_type: str, to_type: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in _integer_columns(from_type).items():
        clauses = ", ".join(f'ALTER COLUMN "{c}" TYPE {to_type}' for c in columns)
        op.execute(sa.text(f'ALTER TABLE "{table}" {clauses}'))
        # A SERIAL's sequence has its own type (AS integer), which caps the next ids too.
        if "id" in columns:
            sequence = op.get_bind().scalar(
                sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
            )
            if sequence is not None:
                op.execute(sa.text(f"ALTER SEQUENCE {sequence} AS {to_type}"))


def upgrade() -> None:
    """INTEGER → BIGINT (PostgreSQL)."""
    _retype("integer", "bigint")


def downgrade() -> None:
    """BIGINT → INTEGER (PostgreSQL).

    Fails, and changes nothing, if an id past 2**31 - 1 is stored or a sequence has already
    handed one out (PostgreSQL refuses an integer sequence whose next value is beyond its
    range): such a database cannot go back to 32-bit ids.
    """
    _retype("bigint", "integer")
