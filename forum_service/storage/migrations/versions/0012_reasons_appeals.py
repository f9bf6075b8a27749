"""Reject reasons kept by admins (``/reasons``), seeded with the reasons the code used to hold;
appeals against a suspension or a hidden post.

``reject_reasons`` holds the reject keyboard's buttons in order: ``code`` (what a decision's
``reason_code`` names), ``label`` (the button) and ``text`` (the sentence the author receives).
``appeals`` holds one appeal per subject (``suspension:<audit id>`` or ``post:<post id>``) with
the appellant's tag and sealed key and the sealed text, both cleared once answered.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The reasons that earlier releases had in code (``domain.CANNED_REASONS`` and the bot's
#: button labels), as (code, label, text).
SEED = (
    (
        "personal_details",
        "Personal details",
        "It contains personal details that could identify someone.",
    ),
    ("abusive", "Abusive", "It is abusive or disrespectful towards other members."),
    ("unsafe", "Puts someone at risk", "It could put a survivor, a witness or a member at risk."),
    ("off_topic", "Off topic", "It is off topic for this board."),
    ("duplicate", "Duplicate", "It repeats an existing thread."),
)


def upgrade() -> None:
    """Create both tables and seed the reasons."""
    reasons = op.create_table(
        "reject_reasons",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("position", BIG, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reject_reasons")),
        sa.UniqueConstraint("code", name=op.f("uq_reject_reasons_code")),
    )
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    op.bulk_insert(
        reasons,
        [
            {"code": code, "label": label, "text": text, "position": position, "created_at": now}
            for position, (code, label, text) in enumerate(SEED, start=1)
        ],
    )
    op.create_table(
        "appeals",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("appellant_tag", sa.String(32), nullable=False),
        sa.Column("appellant_seal", sa.LargeBinary(), nullable=True),
        sa.Column("text_seal", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("subject", name=op.f("uq_appeals_subject")),
    )


def downgrade() -> None:
    """Drop both (the reasons go back to being code in the earlier release)."""
    op.drop_table("appeals")
    op.drop_table("reject_reasons")
