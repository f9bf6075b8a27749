"""Membership: a flag on the identity, invite codes for partner organisations, requests.

* ``identities.member``: whether the person may read and post (``FORUM_MEMBERSHIP=invite`` or
  ``approval``). Everybody the service knew before this revision was already part of the
  community, so existing identities become members; new ones start as non-members.
* ``identities.membership_requested``: the person has sent their one membership request.
* ``invites`` gains ``uses_left`` (a partner organisation's code is good for many people),
  ``label`` (the organisation, shown to admins only; it is on the code, never on a person),
  ``code_seal`` (the code itself, sealed, so ``/invites`` can show it again) and
  ``revoked_at``. Old one-time codes keep one use if unused; they have no sealed code (they
  were shown once when created).
* ``membership_requests``: a pending request, the requester only as a tag and a sealed key,
  the text sealed. Decided requests are deleted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add the membership columns and the requests table."""
    with op.batch_alter_table("identities") as batch:
        batch.add_column(
            sa.Column("member", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "membership_requested", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.execute(sa.text("UPDATE identities SET member = :yes").bindparams(yes=True))
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("uses_left", BIG, nullable=False, server_default="1"))
        batch.add_column(sa.Column("label", sa.String(120), nullable=True))
        batch.add_column(sa.Column("code_seal", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
    op.execute(sa.text("UPDATE invites SET uses_left = 0 WHERE used_at IS NOT NULL"))
    op.create_table(
        "membership_requests",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("requester_tag", sa.String(32), nullable=False),
        sa.Column("requester_seal", sa.LargeBinary(), nullable=False),
        sa.Column("message_seal", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_membership_requests"),
        sa.UniqueConstraint("requester_tag", name="uq_membership_requests_requester_tag"),
    )


def downgrade() -> None:
    """Drop them again (pending requests and partner-organisation codes are lost)."""
    op.drop_table("membership_requests")
    op.execute(sa.text("DELETE FROM invites WHERE role = 'practitioner'"))
    with op.batch_alter_table("invites") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("code_seal")
        batch.drop_column("label")
        batch.drop_column("uses_left")
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("membership_requested")
        batch.drop_column("member")
