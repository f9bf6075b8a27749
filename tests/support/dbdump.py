"""Dump every table of a database as text, for anonymity checks."""

from __future__ import annotations

from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


async def dump_all_tables(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Return every row of every table (reflected, so new tables are included automatically)."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            result: dict[str, list[tuple[object, ...]]] = {}
            for name, table in metadata.tables.items():
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
