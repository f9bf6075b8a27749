"""Repository of the moderation queue (items, screening leases, claims) and reports."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import (
    URGENT_LANE,
    Finding,
    ItemVersion,
    ModerationItem,
    PostStatus,
    QueueStats,
    Report,
    Screening,
    Sealed,
    queue_order,
    queue_rank,
)
from forum_service.storage.boards_repo import post_with_author
from forum_service.storage.tables import (
    BoardRow,
    ModerationItemRow,
    PostRow,
    ReportRow,
    ThreadRow,
)

PENDING = PostStatus.PENDING.value
#: What a new version of an item (a revision, a report) starts without: nobody is looking at
#: it, no decision to undo, nothing redacted yet.
_FRESH_VERSION: dict[str, Any] = {
    "claimed_by_handle": None,
    "decided_by": None,
    "undo_until": None,
    "undo_post_status": None,
    "redactions": None,
}
#: What a fast report adds to an item's priority (on top of every report's 1.0).
URGENT_REPORT_PRIORITY = 3.0


@dataclass(frozen=True, slots=True)
class ScreeningTask:
    """A claimed item for the worker: the text to screen and the revision it belongs to."""

    item_id: int
    post_id: int
    revision: int
    text: str
    auto_approve_low_risk: bool
    attempts: int
    #: The item's version when claimed: auto-approval concludes only this version.
    version: int
    #: Open reports on the post: a reported post always waits for a human.
    open_reports: int


async def open_item(session: AsyncSession, post_id: int, now: datetime) -> None:
    """Put a new post into the queue, waiting for screening (a Core insert, no flush)."""
    connection = await session.connection()
    await connection.execute(
        _OPEN_ITEM,
        {
            "post_id": post_id,
            "status": PENDING,
            "version": 1,
            "screening": Screening.UNSCREENED.value,
            "screen_attempts": 0,
            "priority": 0.0,
            "open_reports": 0,
            "created_at": now,
            "updated_at": now,
            "queued_at": now,
        },
    )


_OPEN_ITEM = insert(ModerationItemRow)


async def reopen_for_revision(session: AsyncSession, post_id: int, now: datetime) -> None:
    """Send a revised post back to screening and the queue (a new version of the same item)."""
    await session.execute(
        update(ModerationItemRow)
        .where(ModerationItemRow.post_id == post_id)
        .values(
            status=PENDING,
            version=ModerationItemRow.version + 1,
            screening=Screening.UNSCREENED.value,
            screened_revision=None,
            lease_owner=None,
            lease_expires_at=None,
            screen_attempts=0,
            route=None,
            scores=None,
            findings=None,
            reasons=None,
            priority=0.0,
            claimed_by=None,
            claim_expires_at=None,
            decided_at=None,
            updated_at=now,
            queued_at=now,
            **_FRESH_VERSION,
        )
    )


async def reopen_for_report(
    session: AsyncSession, post_id: int, now: datetime, *, urgent_reason: str | None = None
) -> ItemVersion:
    """Put a reported post back in the queue; reports raise its priority.

    With ``urgent_reason`` (a fast report) the item also moves to the urgent lane, and the
    reason leads its reasons. Returns the item's new version.
    """
    values: dict[str, Any] = {
        "status": PENDING,
        "version": ModerationItemRow.version + 1,
        "open_reports": ModerationItemRow.open_reports + 1,
        "priority": ModerationItemRow.priority
        + 1.0
        + (URGENT_REPORT_PRIORITY if urgent_reason else 0.0),
        "claimed_by": None,
        "claim_expires_at": None,
        "updated_at": now,
        # A second report on an item already waiting does not restart its wait.
        "queued_at": case(
            (ModerationItemRow.status == PENDING, ModerationItemRow.queued_at),
            else_=literal(now, ModerationItemRow.queued_at.type),
        ),
        **_FRESH_VERSION,
    }
    if urgent_reason is not None:
        current = await session.scalar(
            select(ModerationItemRow.reasons).where(ModerationItemRow.post_id == post_id)
        )
        earlier = [r for r in (current or {}).get("reasons", []) if r != urgent_reason]
        values.update(route=URGENT_LANE, reasons={"reasons": [urgent_reason, *earlier]})
    await session.execute(
        update(ModerationItemRow).where(ModerationItemRow.post_id == post_id).values(**values)
    )
    found = await item_of_post(session, post_id)
    assert found is not None  # every post has its item
    return found


async def claim_for_screening(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    skip_locked: bool,
) -> list[ScreeningTask]:
    """Lease up to ``limit`` unscreened pending items (or items whose lease expired) to ``owner``.

    Items a moderator decided before the model saw them are not screened any more.

    On PostgreSQL the candidate rows are locked ``FOR UPDATE SKIP LOCKED`` so several workers
    take disjoint batches; SQLite serialises writers (``BEGIN IMMEDIATE``), so one worker there.
    """
    candidates = (
        select(ModerationItemRow.id)
        .where(
            ModerationItemRow.status == PENDING,
            ModerationItemRow.screening == Screening.UNSCREENED.value,
            or_(
                ModerationItemRow.lease_expires_at.is_(None),
                ModerationItemRow.lease_expires_at < now,
            ),
        )
        .order_by(ModerationItemRow.id)
        .limit(limit)
    )
    if skip_locked:
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    await session.execute(
        update(ModerationItemRow)
        .where(ModerationItemRow.id.in_(ids))
        .values(
            lease_owner=owner,
            lease_expires_at=now + lease,
            screen_attempts=ModerationItemRow.screen_attempts + 1,
        )
    )
    rows = await session.execute(
        select(
            ModerationItemRow.id,
            ModerationItemRow.screen_attempts,
            ModerationItemRow.version,
            ModerationItemRow.open_reports,
            PostRow.id,
            PostRow.revision,
            PostRow.body,
            PostRow.is_opening,
            ThreadRow.title,
            BoardRow.auto_approve_low_risk,
        )
        .join(PostRow, PostRow.id == ModerationItemRow.post_id)
        .join(ThreadRow, ThreadRow.id == PostRow.thread_id)
        .join(BoardRow, BoardRow.id == ThreadRow.board_id)
        .where(ModerationItemRow.id.in_(ids))
        .order_by(ModerationItemRow.id)
    )
    return [
        ScreeningTask(
            item_id=item_id,
            post_id=post_id,
            revision=revision,
            # The title is screened with the opening post: it is published too.
            text=f"{title}\n\n{body}" if is_opening else body,
            auto_approve_low_risk=auto,
            attempts=attempts,
            version=version,
            open_reports=reports,
        )
        for (
            item_id,
            attempts,
            version,
            reports,
            post_id,
            revision,
            body,
            is_opening,
            title,
            auto,
        ) in rows.all()
    ]


async def record_screening(
    session: AsyncSession,
    *,
    task: ScreeningTask,
    owner: str,
    screening: Screening,
    route: str,
    priority: float,
    scorer: str | None,
    scores: dict[str, float] | None,
    findings: list[dict[str, Any]],
    watch_matches: list[dict[str, Any]],
    reasons: list[str],
    now: datetime,
) -> bool:
    """Store a verdict if ``owner`` still holds the lease on the same revision.

    Returns:
        False when the lease was lost (another worker took over) or the post was revised
        meanwhile: the verdict is discarded, so each revision is recorded once in effect.
    """
    current_revision = select(PostRow.revision).where(PostRow.id == task.post_id).scalar_subquery()
    result = await session.execute(
        update(ModerationItemRow)
        .where(
            ModerationItemRow.id == task.item_id,
            ModerationItemRow.lease_owner == owner,
            ModerationItemRow.screening == Screening.UNSCREENED.value,
            current_revision == task.revision,
        )
        .values(
            screening=screening.value,
            screened_revision=task.revision,
            route=route,
            priority=ModerationItemRow.priority + priority,
            scorer=scorer,
            scores=scores,
            findings={"pii": findings, "watch": watch_matches},
            reasons={"reasons": reasons},
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


def _item(row: ModerationItemRow, post: Any, viewer_claim: str, now: datetime) -> ModerationItem:
    findings = row.findings or {}
    claim_live = row.claimed_by is not None and (
        row.claim_expires_at is not None and row.claim_expires_at > now
    )
    undo_until = (
        row.undo_until
        if row.decided_by is not None
        and row.decided_by == viewer_claim
        and row.undo_until is not None
        and row.undo_until > now
        else None
    )
    return ModerationItem(
        id=row.id,
        version=row.version,
        status=row.status,
        screening=Screening(row.screening),
        route=row.route,
        priority=row.priority,
        scorer=row.scorer,
        scores=row.scores,
        findings=tuple(
            Finding(kind=f["kind"], start=int(f["start"]), end=int(f["end"]))
            for f in findings.get("pii", [])
        ),
        watch_matches=tuple(findings.get("watch", [])),
        reasons=tuple((row.reasons or {}).get("reasons", [])),
        open_reports=row.open_reports,
        claimed_by_me=claim_live and row.claimed_by == viewer_claim,
        claimed_by_other=claim_live and row.claimed_by != viewer_claim,
        claim_expires_at=row.claim_expires_at if claim_live else None,
        post=post,
        created_at=row.created_at,
        waited_seconds=max(0, int((now - row.created_at).total_seconds())),
        rank=round(queue_rank(row.priority, (now - row.created_at).total_seconds()), 6),
        claimed_by=row.claimed_by_handle if claim_live else None,
        redactions=tuple((row.redactions or {}).get("kinds", [])),
        undo_until=undo_until,
        claim_seconds_left=_seconds_until(row.claim_expires_at, now) if claim_live else 0,
        undo_seconds_left=_seconds_until(undo_until, now),
    )


def _seconds_until(at: datetime | None, now: datetime) -> int:
    return 0 if at is None else max(0, math.ceil((at - now).total_seconds()))


async def queue(
    session: AsyncSession, viewer_claim: str, now: datetime, *, limit: int
) -> list[ModerationItem]:
    """Return pending items: the urgent lane first, then by `domain.queue_rank` (risk plus
    waiting), then oldest first (`domain.queue_order`).

    The rank depends on ``now``, so it is computed here over the pending items' priority and
    age (two small columns each), and only the first ``limit`` items are loaded in full.
    """
    pending = (
        await session.execute(
            select(
                ModerationItemRow.id,
                ModerationItemRow.route,
                ModerationItemRow.priority,
                ModerationItemRow.created_at,
            ).where(ModerationItemRow.status == PENDING)
        )
    ).all()
    ranked = sorted(
        pending,
        key=lambda r: queue_order(
            r.route, queue_rank(r.priority, (now - r.created_at).total_seconds()), r.id
        ),
    )[:limit]
    if not ranked:
        return []
    rows = {
        row.id: row
        for row in (
            await session.execute(
                select(ModerationItemRow).where(ModerationItemRow.id.in_([r.id for r in ranked]))
            )
        ).scalars()
    }
    items = []
    for entry in ranked:
        row = rows[entry.id]
        found = await post_with_author(session, row.post_id)
        assert found is not None
        items.append(_item(row, found[0], viewer_claim, now))
    return items


async def item(
    session: AsyncSession, item_id: int, viewer_claim: str, now: datetime
) -> tuple[ModerationItem, Sealed] | None:
    """Return an item and its post's sealed author, or None.

    ``viewer_claim`` is the viewing moderator's claim tag (``""`` for the worker).
    """
    row = await session.get(ModerationItemRow, item_id)
    if row is None:
        return None
    found = await post_with_author(session, row.post_id)
    assert found is not None
    return _item(row, found[0], viewer_claim, now), found[2]


async def item_of_post(session: AsyncSession, post_id: int) -> ItemVersion | None:
    """Return the id and current version of a post's moderation item, or None."""
    row = (
        await session.execute(
            select(ModerationItemRow.id, ModerationItemRow.version).where(
                ModerationItemRow.post_id == post_id
            )
        )
    ).one_or_none()
    return None if row is None else ItemVersion(id=row[0], version=row[1])


async def set_claim(
    session: AsyncSession,
    item_id: int,
    *,
    expected_version: int,
    moderator_claim: str,
    expires_at: datetime,
    now: datetime,
    handle: str | None = None,
) -> bool:
    """Claim a pending item for a moderator (``handle``: how other moderators are told who).

    Returns:
        False if it changed since ``expected_version`` or another moderator holds a live claim
        (checked in the same guarded UPDATE, so two moderators claiming at once cannot both win).
    """
    result = await session.execute(
        update(ModerationItemRow)
        .where(
            ModerationItemRow.id == item_id,
            ModerationItemRow.version == expected_version,
            ModerationItemRow.status == PENDING,
            or_(
                ModerationItemRow.claimed_by.is_(None),
                ModerationItemRow.claimed_by == moderator_claim,
                ModerationItemRow.claim_expires_at <= now,
            ),
        )
        .values(
            claimed_by=moderator_claim,
            claimed_by_handle=handle,
            claim_expires_at=expires_at,
            updated_at=now,
        )
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def release_claim(
    session: AsyncSession, item_id: int, *, moderator_claim: str, now: datetime
) -> bool:
    """Drop a moderator's own claim on an item (Skip); False when they held none."""
    result = await session.execute(
        update(ModerationItemRow)
        .where(ModerationItemRow.id == item_id, ModerationItemRow.claimed_by == moderator_claim)
        .values(claimed_by=None, claimed_by_handle=None, claim_expires_at=None, updated_at=now)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def mark_undoable(
    session: AsyncSession,
    item_id: int,
    *,
    version: int,
    decided_by: str,
    until: datetime,
    post_status: PostStatus,
) -> None:
    """Let the moderator who just decided ``version`` undo it until ``until``."""
    await session.execute(
        update(ModerationItemRow)
        .where(ModerationItemRow.id == item_id, ModerationItemRow.version == version)
        .values(decided_by=decided_by, undo_until=until, undo_post_status=post_status.value)
    )


async def undo_state(session: AsyncSession, item_id: int) -> tuple[str | None, datetime | None]:
    """Who made an item's undoable decision (their claim tag) and until when it may be undone."""
    row = (
        await session.execute(
            select(ModerationItemRow.decided_by, ModerationItemRow.undo_until).where(
                ModerationItemRow.id == item_id
            )
        )
    ).one()
    return row[0], row[1]


async def undo_decision(
    session: AsyncSession,
    item_id: int,
    *,
    expected_version: int,
    decided_by: str,
    now: datetime,
    claim_expires_at: datetime,
    handle: str,
) -> PostStatus | None:
    """Put a decided item back in the queue, claimed by the moderator who decided it.

    One guarded UPDATE: still at ``expected_version``, decided by ``decided_by`` and inside
    the undo window. Returns the post's status before the decision, or None (nothing written).
    """
    prior = await session.scalar(
        select(ModerationItemRow.undo_post_status).where(ModerationItemRow.id == item_id)
    )
    result = await session.execute(
        update(ModerationItemRow)
        .where(
            ModerationItemRow.id == item_id,
            ModerationItemRow.version == expected_version,
            ModerationItemRow.status != PENDING,
            ModerationItemRow.decided_by == decided_by,
            ModerationItemRow.undo_until > now,
        )
        .values(
            status=PENDING,
            version=expected_version + 1,
            decided_at=None,
            decided_by=None,
            undo_until=None,
            undo_post_status=None,
            claimed_by=decided_by,
            claimed_by_handle=handle,
            claim_expires_at=claim_expires_at,
            updated_at=now,
        )
    )
    if (result.rowcount or 0) != 1 or prior is None:  # type: ignore[attr-defined]
        return None
    return PostStatus(prior)


async def record_redaction(
    session: AsyncSession,
    item_id: int,
    *,
    expected_version: int,
    findings: list[Finding],
    kinds: list[str],
    revision: int,
    now: datetime,
) -> bool:
    """Store what is left to redact after a moderator's redaction (spans on the new revision).

    The item gets a new version (buttons on the old text go stale) and keeps its claim.
    Returns False when it changed meanwhile.
    """
    current = await session.scalar(
        select(ModerationItemRow.findings).where(ModerationItemRow.id == item_id)
    )
    result = await session.execute(
        update(ModerationItemRow)
        .where(ModerationItemRow.id == item_id, ModerationItemRow.version == expected_version)
        .values(
            version=expected_version + 1,
            findings={
                **(current or {}),
                "pii": [{"kind": f.kind, "start": f.start, "end": f.end} for f in findings],
            },
            screened_revision=revision,
            redactions={"kinds": kinds},
            updated_at=now,
        )
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def screened_revision(session: AsyncSession, item_id: int) -> int | None:
    """The post revision an item's findings point into."""
    revision: int | None = await session.scalar(
        select(ModerationItemRow.screened_revision).where(ModerationItemRow.id == item_id)
    )
    return revision


async def conclude(
    session: AsyncSession,
    item_id: int,
    *,
    expected_version: int,
    status: PostStatus,
    now: datetime,
    clear_reports: bool,
) -> bool:
    """Close an item with ``status`` if it is still at ``expected_version``.

    The one guarded write behind every way an item ends (a moderator's decision, hiding a
    post, auto-approval): it bumps the version, records when, and releases any claim, so a
    concurrent action that read the same version fails instead of acting twice.

    Returns:
        False when the item changed meanwhile (nothing was written).
    """
    values: dict[str, Any] = {
        "status": status.value,
        "version": expected_version + 1,
        "decided_at": now,
        "decided_by_policy": False,
        "claimed_by": None,
        "claimed_by_handle": None,
        "claim_expires_at": None,
        "decided_by": None,
        "undo_until": None,
        "updated_at": now,
    }
    if clear_reports:
        values["open_reports"] = 0
    result = await session.execute(
        update(ModerationItemRow)
        .where(ModerationItemRow.id == item_id, ModerationItemRow.version == expected_version)
        .values(**values)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


def reporter_context(reporter_tag: str) -> str:
    """What a report's sealed reporter is bound to."""
    return f"reports.reporter|{reporter_tag}"


async def add_report(
    session: AsyncSession,
    post_id: int,
    reporter_tag: str,
    reason: str,
    now: datetime,
    *,
    category: str = "other",
    reporter_seal: bytes | None = None,
) -> None:
    """Store a report (the unique index refuses a second one by the same person).

    ``reporter_tag`` is the reporter's tag for this post (``report:<post id>``);
    ``reporter_seal`` their key sealed for :func:`reporter_context`, to tell them the outcome.
    """
    session.add(
        ReportRow(
            post_id=post_id,
            reporter_tag=reporter_tag,
            reason=reason,
            category=category,
            reporter_seal=reporter_seal,
            created_at=now,
        )
    )
    await session.flush()


async def reporters_to_tell(session: AsyncSession, post_id: int) -> list[tuple[int, Sealed]]:
    """The reports of a post whose reporters have not been told an outcome: id and seal."""
    rows = await session.execute(
        select(ReportRow.id, ReportRow.reporter_tag, ReportRow.reporter_seal)
        .where(ReportRow.post_id == post_id, ReportRow.reporter_seal.is_not(None))
        .order_by(ReportRow.id)
    )
    return [
        (report_id, Sealed(seal, reporter_context(tag)))
        for report_id, tag, seal in rows.all()
        if seal is not None
    ]


async def forget_reporters(session: AsyncSession, report_ids: list[int]) -> None:
    """Clear the sealed reporters once told: a report keeps only its tag afterwards."""
    if report_ids:
        await session.execute(
            update(ReportRow).where(ReportRow.id.in_(report_ids)).values(reporter_seal=None)
        )


async def has_reported(session: AsyncSession, post_id: int, reporter_tag: str) -> bool:
    """Whether this person already reported this post."""
    count = await session.scalar(
        select(func.count())
        .select_from(ReportRow)
        .where(ReportRow.post_id == post_id, ReportRow.reporter_tag == reporter_tag)
    )
    return bool(count)


async def resolve_reports(session: AsyncSession, post_id: int) -> int:
    """Mark a post's open reports resolved; return how many."""
    result = await session.execute(
        update(ReportRow)
        .where(ReportRow.post_id == post_id, ReportRow.resolved.is_(False))
        .values(resolved=True)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def open_reports(session: AsyncSession, limit: int) -> list[Report]:
    """Return unresolved reports, oldest first, without who reported."""
    rows = await session.execute(
        select(ReportRow, ModerationItemRow.id)
        .outerjoin(ModerationItemRow, ModerationItemRow.post_id == ReportRow.post_id)
        .where(ReportRow.resolved.is_(False))
        .order_by(ReportRow.id)
        .limit(limit)
    )
    return [
        Report(
            id=row.id,
            post_id=row.post_id,
            item_id=item_id,
            reason=row.reason,
            created_at=row.created_at,
            category=row.category,
        )
        for row, item_id in rows.all()
    ]


async def queue_stats(session: AsyncSession) -> QueueStats:
    """Count pending items, those still waiting for screening, and the oldest one's age."""
    pending, oldest = (
        await session.execute(
            select(func.count(), func.min(ModerationItemRow.created_at)).where(
                ModerationItemRow.status == PENDING
            )
        )
    ).one()
    unscreened = await session.scalar(
        select(func.count()).where(
            ModerationItemRow.status == PENDING,
            ModerationItemRow.screening == Screening.UNSCREENED.value,
        )
    )
    # MIN() over an empty set is NULL.
    return QueueStats(pending=pending or 0, unscreened=unscreened or 0, oldest_pending_at=oldest)


def _pending_in(states: list[Screening]) -> Any:
    return (ModerationItemRow.status == PENDING) & ModerationItemRow.screening.in_(
        [state.value for state in states]
    )


async def count_pending_in(session: AsyncSession, states: list[Screening]) -> int:
    """Count pending items whose screening is one of ``states``."""
    return int(await session.scalar(select(func.count()).where(_pending_in(states))) or 0)


async def send_back_to_screening(
    session: AsyncSession, states: list[Screening], *, limit: int
) -> int:
    """Return up to ``limit`` pending items in ``states`` to the worker; how many were sent."""
    ids = list(
        (
            await session.execute(
                select(ModerationItemRow.id)
                .where(_pending_in(states))
                .order_by(ModerationItemRow.id)
                .limit(limit)
            )
        ).scalars()
    )
    if ids:
        await session.execute(
            update(ModerationItemRow)
            .where(ModerationItemRow.id.in_(ids))
            .values(
                screening=Screening.UNSCREENED.value,
                lease_owner=None,
                lease_expires_at=None,
                screen_attempts=0,
            )
        )
    return len(ids)
