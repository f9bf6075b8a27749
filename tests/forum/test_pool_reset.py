"""A pooled connection goes back without a transaction left open, though SQLite's pool no
longer rolls back after every COMMIT (``pool_reset_on_return=None`` and its own reset hook),
and ``Database.fetch_plain`` reads what the last commit left, on either backend."""

from __future__ import annotations

from sqlalchemy import bindparam, select, text

from forum_service.storage.database import Database
from forum_service.storage.tables import CacheVersionRow
from forum_service.vault import Vault
from tests.support.api import AT_REST_KEY, PSEUDONYM_SECRET

_VERSION = select(CacheVersionRow.version).where(CacheVersionRow.name == bindparam("name"))


def _db(url: str) -> Database:
    return Database(url, vault=Vault(PSEUDONYM_SECRET, AT_REST_KEY))


async def _probe_count(db: Database) -> int:
    async with db.read("probe") as session:
        found = await session.execute(
            text("SELECT count(*) FROM cache_versions WHERE name = 'probe'")
        )
        return int(found.scalar_one())


async def test_a_transaction_left_open_is_rolled_back_on_return(
    database_url: str, backend: str
) -> None:
    db = _db(database_url)
    insert = "INSERT INTO cache_versions (name, version) VALUES ('probe', 1)"
    try:
        async with db.engine.connect() as conn:
            if backend == "sqlite":
                # Behind SQLAlchemy's back: what the pool's own reset hook is there for.
                raw = await conn.get_raw_connection()
                driver = raw.driver_connection
                assert driver is not None
                await driver.execute("BEGIN")
                await driver.execute(insert)
            else:
                await conn.begin()
                await conn.execute(text(insert))
        # The same pooled connection is handed out next: it must not still see the insert.
        assert await _probe_count(db) == 0
        assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await db.dispose()


async def test_a_failed_unit_of_work_keeps_nothing_and_the_next_one_commits(
    database_url: str,
) -> None:
    db = _db(database_url)
    try:
        try:
            async with db.write("fails") as session:
                await session.execute(
                    text("INSERT INTO cache_versions (name, version) VALUES ('probe', 1)")
                )
                raise RuntimeError("the use case failed")
        except RuntimeError:
            pass
        assert await _probe_count(db) == 0
        async with db.write("keeps") as session:
            await session.execute(
                text("INSERT INTO cache_versions (name, version) VALUES ('probe', 7)")
            )
        other = _db(database_url)  # another process's connection sees the commit
        try:
            assert await other.fetch_plain(_VERSION, name="probe") == [(7,)]
            assert await other.fetch_plain(_VERSION, name="nothing") == []
        finally:
            await other.dispose()
    finally:
        await db.dispose()
