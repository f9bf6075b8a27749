"""Programmatic Alembic: upgrade, downgrade and inspect the schema (CLI, app and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from forum_service.vault import Vault

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str = "") -> Config:
    """Build an Alembic configuration pointing at the packaged migrations.

    Args:
        url: database URL, used only when Alembic opens its own connection.

    Returns:
        The configuration.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str:
    """Return the newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def _with_connection(url: str, action: str, revision: str, vault: Vault | None) -> None:
    if url.startswith("sqlite+aiosqlite:///"):
        target = url.removeprefix("sqlite+aiosqlite:///").split("?", 1)[0]
        if target and target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        _transactional_ddl(engine)
    try:
        async with engine.begin() as conn:

            def run(sync_conn: Connection) -> None:
                config = alembic_config(url)
                config.attributes["connection"] = sync_conn
                # Revisions that convert rows (0006) seal and tag with the service's secrets.
                config.attributes["vault"] = vault
                if action == "upgrade":
                    command.upgrade(config, revision)
                else:
                    command.downgrade(config, revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


def _transactional_ddl(engine: AsyncEngine) -> None:
    """Make a failed revision roll back on SQLite too.

    pysqlite sends no BEGIN before DDL, so ``ALTER TABLE`` and ``CREATE TABLE`` committed
    themselves and a revision failing half-way left its first statements behind (a retry then
    failed on "duplicate column"). SQLite's DDL is transactional once we issue BEGIN ourselves
    (the SQLAlchemy recipe ``Database`` uses too). Foreign keys stay off here: batch
    migrations drop and recreate tables.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def upgrade(url: str, revision: str = "head", *, vault: Vault | None = None) -> None:
    """Migrate the database at ``url`` up to ``revision``.

    ``vault`` is needed only when a revision converts existing rows (0006 does, when the
    database already holds people).
    """
    await _with_connection(url, "upgrade", revision, vault)


async def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` empties it)."""
    await _with_connection(url, "downgrade", revision, None)


async def current_revision(url: str) -> str | None:
    """Return the revision the database is at, or None when it was never migrated."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
            )
    finally:
        await engine.dispose()
