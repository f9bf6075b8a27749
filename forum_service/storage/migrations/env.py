"""Alembic environment: runs on a connection handed over by ``forum_service.storage.migrate``,
or, when invoked through the ``alembic`` command line, on its own async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from forum_service.storage.tables import Base, is_mapped_name

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER constraints; batch mode copies the table there, a no-op elsewhere.
        render_as_batch=True,
        compare_type=True,
        include_name=is_mapped_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `mscos-forum migrate`")

shared = config.attributes.get("connection")
if shared is not None:
    _run(shared)
else:
    asyncio.run(_run_async(config.get_main_option("sqlalchemy.url") or ""))
