"""Long-running operator jobs, with progress bars (tqdm): re-screening backfill, watching
a broadcast drain, re-sealing every row under a new at-rest key."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from tqdm import tqdm

from forum_service.domain import Screening
from forum_service.services.outbox import OutboxService
from forum_service.storage import moderation_repo, rekey_repo, vault_repo
from forum_service.storage.database import Database
from forum_service.vault import Vault

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


async def rotate_keys(db: Database, target: Vault, *, out: TextIO = sys.stderr) -> int:
    """Re-seal every sealed value of the database with ``target``'s at-rest key.

    One transaction: a failure (or Ctrl-C) leaves every row under the old key. ``db.vault``
    opens (it may hold a previous key too); the database's key check moves to ``target`` in
    the same transaction. Returns how many values were re-sealed.
    """
    async with db.write("rotate_keys") as session:
        total = await rekey_repo.count_sealed(session)
        with tqdm(total=total, desc="re-sealing", unit="value", file=out) as bar:
            done = await rekey_repo.reseal(session, db.vault, target, bar.update)
        await vault_repo.replace_check(session, target.key_check())
    return done
