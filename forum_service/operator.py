"""Long-running operator jobs, with progress bars (tqdm): re-screening backfill and watching
a broadcast drain."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from sqlalchemy import func, select, update
from tqdm import tqdm

from forum_service.domain import Screening
from forum_service.services.outbox import OutboxService
from forum_service.storage.database import Database
from forum_service.storage.tables import ModerationItemRow

RESCREEN_BATCH = 500


async def rescreen(db: Database, *, include_screened: bool, out: TextIO = sys.stderr) -> int:
    """Send pending queue items back to the worker (e.g. after installing a better model).

    Items marked "not screened" always go back; with ``include_screened`` every pending item
    does. Decided items are never touched. Works in batches so a large queue neither holds
    one long transaction nor blocks the API.

    Returns:
        How many items were sent back.
    """
    states = [Screening.NOT_SCREENED.value]
    if include_screened:
        states.append(Screening.SCREENED.value)
    wanted = (ModerationItemRow.status == "pending") & ModerationItemRow.screening.in_(states)
    async with db.read("rescreen_count") as session:
        total = int(await session.scalar(select(func.count()).where(wanted)) or 0)
    done = 0
    with tqdm(total=total, desc="re-screening", unit="post", file=out) as bar:
        while True:
            async with db.write("rescreen_batch") as session:
                ids = list(
                    (
                        await session.execute(
                            select(ModerationItemRow.id)
                            .where(wanted)
                            .order_by(ModerationItemRow.id)
                            .limit(RESCREEN_BATCH)
                        )
                    ).scalars()
                )
                if not ids:
                    break
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
            done += len(ids)
            bar.update(len(ids))
    return done


async def follow_outbox(
    db: Database, *, poll_seconds: float = 1.0, out: TextIO = sys.stderr
) -> dict[str, int]:
    """Show a progress bar while queued notifications are delivered; return the final counts."""
    outbox = OutboxService(db)
    counts = await outbox.counts()

    def waiting(c: dict[str, int]) -> int:
        return c.get("pending", 0) + c.get("sending", 0)

    start_waiting = waiting(counts)
    with tqdm(total=start_waiting, desc="delivering", unit="msg", file=out) as bar:
        while waiting(counts):
            await asyncio.sleep(poll_seconds)
            counts = await outbox.counts()
            bar.n = max(0, start_waiting - waiting(counts))
            bar.set_postfix(sent=counts.get("sent", 0), failed=counts.get("failed", 0))
            bar.refresh()
    return counts
