"""Dump every table of a database as text, for anonymity checks."""

from __future__ import annotations

from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from forum_service.storage.tables import SEARCH_INDEX_PREFIX

#: SQLite FTS5's own bookkeeping of the search index (segment ids, token blobs, sizes): not
#: data anyone stored. The index's text (``search_posts``, ``search_posts_content``) is dumped.
FTS5_INTERNALS = frozenset(
    f"{SEARCH_INDEX_PREFIX}_{suffix}" for suffix in ("data", "idx", "config", "docsize")
)


async def dump_all_tables(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Return every row of every table (reflected, so new tables are included automatically)."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            result: dict[str, list[tuple[object, ...]]] = {}
            for name, table in metadata.tables.items():
                if name in FTS5_INTERNALS:
                    continue
                rows = (await conn.execute(select(table))).all()
                result[name] = [tuple(row) for row in rows]
            return result
    finally:
        await engine.dispose()


def dump_text(dump: dict[str, list[tuple[object, ...]]]) -> str:
    """Flatten a dump into one searchable string."""
    return "\n".join(
        f"{table}: " + " | ".join(repr(value) for value in row)
        for table, rows in dump.items()
        for row in rows
    )
