"""Telling staff that the queue needs them: duty, batched queue alerts, the daily SLA summary.

Who is alerted: moderators and admins on duty (``/duty on``, the default), not suspended, and
never about their own post (or a report they filed). An item entering the queue after
screening is announced at once when the queue was quiet (it is the only item waiting);
after that, each staff member gets at most one message per batch window
(``FORUM_ALERT_BATCH_MINUTES``) saying how many items wait and how long the oldest has: a
member whose window has passed is told at once, the others are marked ``alert_pending`` and a
scheduled ``alert_flush`` job tells them when their window ends. The urgent lane and reports
bypass the window (``safeguarding.alert_staff``, which picks its recipients here too). Every
alert is an outbox row written in the caller's transaction, and never carries a post's text.

Once a day (``SLA_SUMMARY_HOUR`` UTC) the admins get a summary when anything has waited longer
than ``FORUM_QUEUE_SLA_HOURS``: how many items, per lane, and the oldest one's wait.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from forum_service.domain import LANES, JobKind, Role, StaffMember, Waiting
from forum_service.storage import identities_repo, jobs_repo, outbox_repo, workload_repo
from forum_service.storage.sessions import Session
from forum_service.vault import Vault

#: Notification kinds.
QUEUE_ALERT = "queue_alert"
QUEUE_SLA = "queue_sla"

DEFAULT_BATCH_WINDOW = timedelta(minutes=10)
DEFAULT_SLA = timedelta(hours=24)
#: When the daily SLA summary is due (UTC), before a working day starts in the UK.
SLA_SUMMARY_HOUR = 8


async def on_duty_staff(
    session: Session, vault: Vault, *, exclude: Collection[str] = ()
) -> list[StaffMember]:
    """Moderators and admins on duty, not suspended, whose keys are not in ``exclude``."""
    staff = await identities_repo.staff(session, vault, [Role.MODERATOR, Role.ADMIN])
    return [m for m in staff if m.on_duty and not m.suspended and m.key not in exclude]


async def urgent_recipients(
    session: Session, vault: Vault, *, exclude: Collection[str] = ()
) -> list[StaffMember]:
    """Who an urgent item or a report is announced to: everyone on duty; when nobody is,
    every admin (not suspended), so that a safeguarding alert never reaches no one."""
    present = await on_duty_staff(session, vault, exclude=exclude)
    if present:
        return present
    staff = await identities_repo.staff(session, vault, [Role.ADMIN])
    return [m for m in staff if not m.suspended and m.key not in exclude]


def _waited(waiting: Waiting, now: datetime) -> int:
    if waiting.oldest_queued_at is None:
        return 0
    return max(0, int((now - waiting.oldest_queued_at).total_seconds()))


async def _tell(
    session: Session,
    vault: Vault,
    members: list[StaffMember],
    waiting: Waiting,
    *,
    first: bool,
    dedupe_prefix: str,
    now: datetime,
) -> None:
    """Queue one alert to each of ``members`` (how many wait, the oldest's age) and start
    their batch windows now."""
    payload = {"waiting": waiting.count, "oldest_seconds": _waited(waiting, now), "first": first}
    await outbox_repo.fan_out(
        session,
        vault,
        {m.key: payload for m in members},
        kind=QUEUE_ALERT,
        dedupe_prefix=dedupe_prefix,
        now=now,
    )
    await workload_repo.mark_alerted(session, [m.id for m in members], now)


async def item_queued(
    session: Session,
    vault: Vault,
    *,
    item_id: int,
    version: int,
    now: datetime,
    window: timedelta,
    exclude: Collection[str] = (),
) -> int:
    """An item (not urgent) entered the queue after screening: alert, or batch the alert.

    Returns how many staff members were alerted at once.
    """
    waiting = await workload_repo.waiting_screened(session)
    quiet = waiting.count <= 1  # this item is the only one waiting
    staff = await on_duty_staff(session, vault, exclude=exclude)
    now_due = [
        m for m in staff if quiet or m.alert_last_at is None or m.alert_last_at + window <= now
    ]
    later = [m for m in staff if m not in now_due]
    await _tell(
        session,
        vault,
        now_due,
        waiting,
        first=quiet,
        dedupe_prefix=f"{QUEUE_ALERT}:{item_id}:{version}",
        now=now,
    )
    await workload_repo.mark_pending(session, [m.id for m in later if not m.alert_pending])
    for due in {m.alert_last_at + window for m in later if m.alert_last_at is not None}:
        await jobs_repo.schedule(
            session,
            job_key=f"{JobKind.ALERT_FLUSH.value}:{due.isoformat()}",
            kind=JobKind.ALERT_FLUSH,
            forum_id=None,
            payload={},
            due_at=due,
            now=now,
        )
    return len(now_due)


async def flush_batches(session: Session, vault: Vault, *, now: datetime, window: timedelta) -> int:
    """Send the batched alerts whose window has passed: how many wait, the oldest's age.

    Returns how many staff members were told. Nothing is sent if the queue emptied meanwhile.
    """
    due = [
        m
        for m in await on_duty_staff(session, vault)
        if m.alert_pending and (m.alert_last_at is None or m.alert_last_at + window <= now)
    ]
    if not due:
        return 0
    waiting = await workload_repo.waiting_screened(session)
    if waiting.count == 0:
        await workload_repo.clear_pending(session, [m.id for m in due])
        return 0
    await _tell(
        session,
        vault,
        due,
        waiting,
        first=False,
        dedupe_prefix=f"{QUEUE_ALERT}:batch:{now.isoformat()}",
        now=now,
    )
    return len(due)


def next_sla_time(after: datetime) -> datetime:
    """The first ``SLA_SUMMARY_HOUR``:00 UTC strictly after ``after``."""
    candidate = after.replace(hour=SLA_SUMMARY_HOUR, minute=0, second=0, microsecond=0)
    return candidate if candidate > after else candidate + timedelta(days=1)


async def schedule_sla_summary(session: Session, *, due: datetime, now: datetime) -> None:
    """Schedule the SLA summary due at ``due`` (once: the key is its due time)."""
    await jobs_repo.schedule(
        session,
        job_key=f"{JobKind.QUEUE_SLA.value}:{due.isoformat()}",
        kind=JobKind.QUEUE_SLA,
        forum_id=None,
        payload={},
        due_at=due,
        now=now,
    )


async def sla_summary(
    session: Session, vault: Vault, *, job_key: str, now: datetime, sla: timedelta
) -> int:
    """Tell every admin (not suspended) what has waited longer than ``sla``, per lane.

    Returns how many admins were told: none when nothing has waited that long.
    """
    late = {
        w.lane: w for w in await workload_repo.waiting_by_lane(session, queued_before=now - sla)
    }
    if not late:
        return 0
    lanes: list[dict[str, Any]] = [
        {"lane": lane, "count": late[lane].count, "oldest_seconds": _waited(late[lane], now)}
        for lane in LANES
        if lane in late
    ]
    payload = {
        "sla_hours": round(sla.total_seconds() / 3600, 2),
        "total": sum(entry["count"] for entry in lanes),
        "oldest_seconds": max(entry["oldest_seconds"] for entry in lanes),
        "lanes": lanes,
    }
    admins = await identities_repo.staff(session, vault, [Role.ADMIN])
    return await outbox_repo.fan_out(
        session,
        vault,
        {m.key: payload for m in admins if not m.suspended},
        kind=QUEUE_SLA,
        dedupe_prefix=job_key,
        now=now,
    )
