"""Operator jobs: the re-screening backfill and following the outbox."""

from __future__ import annotations

import io

from aiohttp import web
from sqlalchemy import select

from forum_service.api.keys import DATABASE
from forum_service.services.operator import follow_outbox, rescreen
from forum_service.services.screening import ScreeningWorker
from forum_service.storage.tables import ModerationItemRow
from moderation.policy import ModerationPolicy
from tests.support.api import Api
from tests.support.scorers import KeywordScorer


async def _screenings(app: web.Application) -> list[str]:
    async with app[DATABASE].read("t") as session:
        rows = await session.execute(
            select(ModerationItemRow.screening).order_by(ModerationItemRow.id)
        )
        return list(rows.scalars())


async def test_rescreen_sends_not_screened_posts_back_and_the_worker_screens_them(
    api: Api, app: web.Application
) -> None:
    author = api.new_identity()
    for n in range(3):
        await api.new_thread(author, title=f"t{n}")
    await ScreeningWorker(app[DATABASE], lambda: None, ModerationPolicy()).run_once()
    assert await _screenings(app) == ["not_screened"] * 3
    progress = io.StringIO()
    assert await rescreen(app[DATABASE], include_screened=False, out=progress) == 3
    assert "3/3" in progress.getvalue()
    assert await _screenings(app) == ["unscreened"] * 3
    await ScreeningWorker(app[DATABASE], KeywordScorer, ModerationPolicy()).run_once()
    assert await _screenings(app) == ["screened"] * 3
    assert await rescreen(app[DATABASE], include_screened=False, out=io.StringIO()) == 0
    assert await rescreen(app[DATABASE], include_screened=True, out=io.StringIO()) == 3


async def test_follow_outbox_returns_the_counts_once_nothing_waits(
    api: Api, app: web.Application
) -> None:
    counts = await follow_outbox(app[DATABASE], poll_seconds=0.01, out=io.StringIO())
    assert counts == {}
