"""The caches of hot reads stay correct: the boards list, also across API processes, and health."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import text

from forum_service.api.keys import DATABASE
from forum_service.services.health import HealthCheck
from forum_service.storage import component_status_repo
from forum_service.storage.database import Database
from tests.support.api import Api, approve_post, make_moderator


async def _counts(api: Api, reader: str) -> dict[str, int]:
    boards = await api.call("GET", "/api/v1/boards", reader, expect=200)
    return {b["slug"]: b["approved_thread_count"] for b in boards["boards"]}


async def test_a_newly_approved_thread_is_counted_at_once(api: Api) -> None:
    author, moderator, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    before = await _counts(api, reader)  # the list is now cached
    assert before == await _counts(api, reader)
    created = await api.new_thread(author, board="housing")
    assert await _counts(api, reader) == before  # pending: not counted
    await approve_post(api, moderator, created["post"]["id"])
    after = await _counts(api, reader)
    assert after == before | {"housing": before["housing"] + 1}


async def test_an_approval_in_one_process_is_seen_by_another_at_once(
    api: Api, second_api: Api
) -> None:
    author, moderator, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    before = await _counts(second_api, reader)  # cached in the second process
    created = await api.new_thread(author, board="safety")
    await approve_post(api, moderator, created["post"]["id"])  # approved through the first
    assert await _counts(second_api, reader) == before | {"safety": before["safety"] + 1}
    assert await _counts(api, reader) == await _counts(second_api, reader)


async def test_a_board_changed_by_any_statement_is_read_again(
    api: Api, app: web.Application
) -> None:
    reader = api.new_identity()
    await _counts(api, reader)
    # Not through the service: e.g. an operator's SQL, or a feature that writes boards itself.
    async with app[DATABASE].write("test_rename") as session:
        await session.execute(text("UPDATE boards SET title = 'Renamed' WHERE slug = 'safety'"))
    boards = await api.call("GET", "/api/v1/boards", reader, expect=200)
    assert {b["slug"]: b["title"] for b in boards["boards"]}["safety"] == "Renamed"


async def test_health_is_checked_at_most_once_per_second(app: web.Application, api: Api) -> None:
    db: Database = app[DATABASE]
    now = [100.0]
    health = HealthCheck(db, ttl=1.0, monotonic=lambda: now[0])
    assert (await health.state()).components == {}
    async with db.write("test_status") as session:
        await component_status_repo.set_status(
            session, "moderation_model", state="degraded", detail="down", now=datetime.now(UTC)
        )
    now[0] += 0.5
    assert (await health.state()).components == {}  # the answer of half a second ago
    now[0] += 0.5
    state = await health.state()
    assert state.reachable and state.components == {"moderation_model": ("degraded", "down")}
