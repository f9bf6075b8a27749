"""Long-running operator jobs, with progress bars (tqdm): re-screening backfill and watching
a broadcast drain."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from tqdm import tqdm

from forum_service.domain import Screening
from forum_service.services.outbox import OutboxService
from forum_service.storage import moderation_repo
from forum_service.storage.database import Database

RESCREEN_BATCH = 500


async def rescreen(db: Database, *, include_screened: bool, out: TextIO = sys.stderr) -> int:
    """Send pending queue items back to the worker (e.g. after installing a better model).

    Items marked "not screened" always go back; with ``include_screened`` every pending item
    does. Decided items are never touched. Works in batches so a large queue neither holds
    one long transaction nor blocks the API.

    Returns:
        How many items were sent back.
    """
    states = [Screening.NOT_SCREENED]
    if include_screened:
        states.append(Screening.SCREENED)
    async with db.read("rescreen_count") as session:
        total = await moderation_repo.count_pending_in(session, states)
    done = 0
    with tqdm(total=total, desc="re-screening", unit="post", file=out) as bar:
        while True:
            async with db.write("rescreen_batch") as session:
                sent = await moderation_repo.send_back_to_screening(
                    session, states, limit=RESCREEN_BATCH
                )
            if not sent:
                break
            done += sent
            bar.update(sent)
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
