"""Safeguarding: report categories and the reporter's sealed key; the helplines of the
signposting card, seeded with UK services.

``reports.category`` says why a post was reported (``identifies_someone`` and ``safety_risk``
hide it at once); ``reports.reporter_seal`` holds the reporter's identity key, sealed, only
until they are told the outcome. Existing reports are ``other`` and have no seal (their
reporters are not told). ``posts.status`` gains the value ``held`` (a string column: no DDL).

The seed is public contact information (each service's own website, December 2026); admins
keep the list current with ``/helplines add|remove``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SEED = (
    (
        "Modern Slavery & Exploitation Helpline",
        "08000 121 700",
        "Free and confidential, 24 hours a day: advice and reporting for anyone worried "
        "about modern slavery or exploitation.",
    ),
    (
        "Samaritans",
        "116 123",
        "Free, day or night, for anyone who is struggling to cope or thinking about suicide.",
    ),
    (
        "NSPCC Helpline",
        "0808 800 5000",
        "For adults worried about a child's safety or wellbeing.",
    ),
    ("Police", "999", "If someone is in immediate danger. Non-emergency: 101."),
)


def upgrade() -> None:
    """Add the report columns and the helplines table, with the seed."""
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("category", sa.String(24), nullable=False, server_default="other")
        )
        batch_op.add_column(sa.Column("reporter_seal", sa.LargeBinary(), nullable=True))
    helplines = op.create_table(
        "helplines",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", BIG, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helplines")),
    )
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    op.bulk_insert(
        helplines,
        [
            {
                "name": name,
                "contact": contact,
                "description": description,
                "position": position,
                "created_at": now,
            }
            for position, (name, contact, description) in enumerate(SEED, start=1)
        ],
    )


def downgrade() -> None:
    """Drop the helplines and the report columns (held posts become hidden)."""
    op.execute(sa.text("UPDATE posts SET status = 'hidden' WHERE status = 'held'"))
    op.execute(sa.text("UPDATE threads SET status = 'hidden' WHERE status = 'held'"))
    op.drop_table("helplines")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("reporter_seal")
        batch_op.drop_column("category")
