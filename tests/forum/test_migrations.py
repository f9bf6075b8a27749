"""Alembic migrations upgrade from empty, match the ORM model, and downgrade cleanly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from forum_service.storage import migrate
from forum_service.storage.tables import Base, is_mapped_name


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _schema_diff(url: str) -> list[Any]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(
                        c, opts={"compare_type": True, "include_name": is_mapped_name}
                    ),
                    Base.metadata,
                )
            )
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_seeds_eight_boards_and_matches_the_model(
    empty_database_url: str,
) -> None:
    await migrate.upgrade(empty_database_url)
    assert await migrate.current_revision(empty_database_url) == migrate.head_revision()
    engine = create_async_engine(empty_database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            slugs = (
                await conn.execute(text("SELECT slug FROM boards ORDER BY position"))
            ).scalars()
            assert list(slugs) == [
                "core-outcome-set",
                "housing",
                "safety",
                "long-term-support",
                "trauma-informed",
                "purpose",
                "medical",
                "education",
            ]
    finally:
        await engine.dispose()
    assert await _schema_diff(empty_database_url) == []


async def test_downgrade_to_base_removes_every_table_and_upgrade_again_works(
    empty_database_url: str,
) -> None:
    await migrate.upgrade(empty_database_url)
    await migrate.downgrade(empty_database_url, "base")
    assert await _tables(empty_database_url) <= {"alembic_version"}
    assert await migrate.current_revision(empty_database_url) is None
    await migrate.upgrade(empty_database_url)
    assert await migrate.current_revision(empty_database_url) == migrate.head_revision()


async def test_each_revision_downgrades_one_step(empty_database_url: str) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        await migrate.upgrade(empty_database_url, revision)
    for revision in reversed(revisions):
        found = script.get_revision(revision)
        assert found is not None
        down = found.down_revision
        assert down is None or isinstance(down, str)
        await migrate.downgrade(empty_database_url, down or "base")
        assert await migrate.current_revision(empty_database_url) == down


async def test_board_counter_migration_counts_threads_already_approved(
    empty_database_url: str,
) -> None:
    await migrate.upgrade(empty_database_url, "0003")
    engine = create_async_engine(empty_database_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO identities (id, key, role, suspended, created_at)"
                    " VALUES (1, :k, 'practitioner', false, CURRENT_TIMESTAMP)"
                ),
                {"k": "a" * 64},
            )
            for thread_id, status in ((1, "approved"), (2, "approved"), (3, "pending")):
                await conn.execute(
                    text(
                        "INSERT INTO threads (id, board_id, author_id, title, status, created_at,"
                        " last_activity_at) SELECT :id, id, 1, 't', :status, CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP FROM boards WHERE slug = 'housing'"
                    ),
                    {"id": thread_id, "status": status},
                )
        await migrate.upgrade(empty_database_url, "0004")
        async with engine.connect() as conn:
            counts = dict(
                (await conn.execute(text("SELECT slug, approved_thread_count FROM boards"))).all()
            )
    finally:
        await engine.dispose()
    assert counts["housing"] == 2 and counts["safety"] == 0
