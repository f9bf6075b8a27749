"""A database per test: SQLite files, or PostgreSQL databases when TEST_DATABASE_URL is set.

Each test's database is a copy of one template migrated to head once per session (a file copy
on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), which is much faster than
migrating every time.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import make_url

#: Drops what :func:`fresh_database` created.
Cleanup = Callable[[], Awaitable[None]]


def pg_admin_url(url: str) -> str:
    """The URL of the server's ``postgres`` database, from which databases are created."""
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def pg_database_url(url: str, name: str) -> str:
    """``url`` pointing at the database ``name`` on the same server."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def pg_execute(url: str, *statements: str) -> None:
    """Run statements, outside a transaction, on the PostgreSQL database at ``url``."""
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def fresh_database(
    backend: str, tmp_path: Path, template: str | None, server_url: str | None
) -> tuple[str, Cleanup]:
    """Create a new database, copied from ``template`` when given.

    Args:
        backend: ``"sqlite"`` or ``"postgresql"``.
        tmp_path: Where SQLite files go.
        template: The template: a SQLite file path, or a PostgreSQL database name.
        server_url: The PostgreSQL server's URL (``TEST_DATABASE_URL``); unused on SQLite.

    Returns:
        The new database's URL and the coroutine function that drops it.
    """
    if backend == "sqlite":
        path = tmp_path / f"forum-{uuid.uuid4().hex[:6]}.db"
        if template is not None:
            shutil.copyfile(template, path)

        async def nothing() -> None:
            return None

        return f"sqlite+aiosqlite:///{path}", nothing
    assert server_url is not None, "PostgreSQL needs TEST_DATABASE_URL"
    name = f"forum_t_{uuid.uuid4().hex[:10]}"
    admin = pg_admin_url(server_url)
    clause = f' TEMPLATE "{template}"' if template else ""
    await pg_execute(admin, f'CREATE DATABASE "{name}"{clause}')

    async def drop() -> None:
        await pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return pg_database_url(server_url, name), drop
