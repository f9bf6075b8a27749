"""Every sealed value in the database, for ``mscos-forum rotate-keys``: open with the old
at-rest key, seal with the new one, in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from forum_service.storage import (
    appeals_repo,
    boards_repo,
    expert_forums_repo,
    feedback_repo,
    follows_repo,
    identities_repo,
    invites_repo,
    membership_repo,
    moderation_notes_repo,
    moderation_repo,
    outbox_repo,
    subscriptions_repo,
)
from forum_service.storage.sessions import Session
from forum_service.storage.tables import (
    AppealRow,
    Base,
    FeedbackRow,
    FollowRow,
    IdentityRow,
    InviteRow,
    MembershipRequestRow,
    ModerationNoteRow,
    NotificationRow,
    PostRow,
    ReportRow,
    RsvpRow,
    SubscriptionRow,
)
from forum_service.vault import PAD_BLOCK, Vault

BATCH = 500


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """One column of sealed values, and how to find each value's context on its row."""

    table: type[Base]
    column: str
    scope_column: str | None
    context: Callable[[Any], str]
    block: int = 16


#: Every sealed column of the schema (a test checks no LargeBinary column is missing here).
SEALED_COLUMNS = (
    SealedColumn(IdentityRow, "state", "lookup", identities_repo.state_context, PAD_BLOCK),
    SealedColumn(PostRow, "author_seal", "author_tag", boards_repo.author_context),
    SealedColumn(RsvpRow, "member_seal", "member_tag", expert_forums_repo.member_context),
    SealedColumn(SubscriptionRow, "member_seal", "member_tag", subscriptions_repo.member_context),
    SealedColumn(FollowRow, "follower_seal", "follower_tag", follows_repo.follower_context),
    SealedColumn(NotificationRow, "recipient_seal", None, lambda _: outbox_repo.RECIPIENT),
    # Codes made before revision 0007 have no sealed copy (NULL): skipped.
    SealedColumn(InviteRow, "code_seal", "code_hash", invites_repo.code_context),
    SealedColumn(
        MembershipRequestRow,
        "requester_seal",
        "requester_tag",
        membership_repo.requester_context,
    ),
    SealedColumn(
        MembershipRequestRow,
        "message_seal",
        "requester_tag",
        membership_repo.message_context,
        PAD_BLOCK,
    ),
    # Cleared (NULL) once the reporter has been told the outcome.
    SealedColumn(ReportRow, "reporter_seal", "reporter_tag", moderation_repo.reporter_context),
    # Cleared (NULL) once an admin has replied.
    SealedColumn(FeedbackRow, "author_seal", "author_tag", feedback_repo.author_context),
    SealedColumn(
        FeedbackRow, "message_seal", "author_tag", feedback_repo.message_context, PAD_BLOCK
    ),
    SealedColumn(
        ModerationNoteRow, "body_seal", "subject", moderation_notes_repo.body_context, PAD_BLOCK
    ),
    # Both cleared (NULL) once the appeal is answered.
    SealedColumn(AppealRow, "appellant_seal", "appellant_tag", appeals_repo.appellant_context),
    SealedColumn(AppealRow, "text_seal", "appellant_tag", appeals_repo.text_context, PAD_BLOCK),
)


async def count_sealed(session: Session) -> int:
    """How many sealed values there are (the progress bar's total)."""
    total = 0
    for spec in SEALED_COLUMNS:
        sealed = getattr(spec.table, spec.column)
        total += int(
            await session.scalar(
                select(func.count()).select_from(spec.table).where(sealed.is_not(None))
            )
            or 0
        )
    return total


async def reseal(
    session: Session, source: Vault, target: Vault, on_progress: Callable[[int], object]
) -> int:
    """Re-seal every value opened by ``source`` with ``target``'s current key.

    Runs in the caller's transaction (all or nothing); reads in id order by batches so memory
    stays flat. Returns how many values were re-sealed.

    Raises:
        VaultError: a value ``source`` cannot open (nothing is written then: the caller rolls
            back).
    """
    done = 0
    for spec in SEALED_COLUMNS:
        table: Any = spec.table
        sealed = getattr(table, spec.column)
        scope = getattr(table, spec.scope_column) if spec.scope_column else None
        after = 0
        while True:
            columns = [table.id, sealed] + ([scope] if scope is not None else [])
            rows = (
                await session.execute(
                    select(*columns)
                    .where(table.id > after, sealed.is_not(None))
                    .order_by(table.id)
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                break
            changes = []
            for row in rows:
                context = spec.context(row[2] if scope is not None else None)
                plaintext = source.open(row[1], context)
                changes.append(
                    {"id": row[0], spec.column: target.seal(plaintext, context, block=spec.block)}
                )
            # ORM bulk UPDATE by primary key: one executemany per batch.
            await session.execute(update(table), changes)
            after = rows[-1][0]
            done += len(rows)
            on_progress(len(rows))
    return done
