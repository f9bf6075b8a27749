"""A pooled PostgreSQL connection that died while idle is replaced before use, without the
round trip per checkout that ``pool_pre_ping`` cost."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from forum_service.settings import ServiceSettings
from forum_service.storage import database as database_module
from forum_service.storage.database import Database
from tests.support.api import AT_REST_KEY, PSEUDONYM_SECRET, SERVICE_TOKEN


def _vault(url: str) -> object:
    settings = ServiceSettings(
        database_url=url,
        service_token=SERVICE_TOKEN,
        pseudonym_secret=PSEUDONYM_SECRET,
        at_rest_key=AT_REST_KEY,
        _env_file=None,
    )
    return settings.vault()


async def test_a_connection_killed_while_idle_is_replaced(
    database_url: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(database_url, vault=_vault(database_url))  # type: ignore[arg-type]
    try:
        async with db.engine.connect() as conn:
            first = (await conn.execute(text("SELECT 1"))).scalar_one()
            pid = None
            if backend == "postgresql":
                pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert first == 1
        if backend == "postgresql":
            # The pooled connection's server process ends (a restart, an idle timeout).
            other = Database(database_url, vault=_vault(database_url))  # type: ignore[arg-type]
            async with other.engine.connect() as killer:
                await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await other.dispose()
            monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 0.0)
        async with db.read("after_idle") as session:
            assert (await session.execute(text("SELECT 2"))).scalar_one() == 2
        if backend == "postgresql":
            async with db.engine.connect() as conn:
                now = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            assert now != pid
    finally:
        await db.dispose()
