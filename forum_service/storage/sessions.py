"""What a service holds of a unit of work, and what repositories share about statements."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import TypeAlias, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.storage.tables import Base

T = TypeVar("T")

#: Rows per multi-row INSERT and values per ``IN (...)``: large broadcasts and ack batches stay
#: well under every driver's limit on bound parameters (SQLite's was 999 before 3.32).
CHUNK = 500

#: The unit of work ``Database.write()`` and ``Database.read()`` yield. A service only hands it on
#: to repository functions (it names the type for its own helpers' signatures, nothing more);
#: every statement run on it is written in ``storage/``.
Session: TypeAlias = AsyncSession


def insert_or_ignore(
    session: AsyncSession, row_type: type[Base], unique: Sequence[str]
) -> postgresql.Insert | sqlite.Insert:
    """Return ``INSERT ... ON CONFLICT (unique) DO NOTHING`` in the session's dialect.

    Args:
        session: the unit of work the statement will run in (it decides the dialect).
        row_type: the mapped table to insert into.
        unique: the columns of the unique index whose duplicates are skipped.

    Returns:
        The statement, ready for ``.values(...)`` or a list of parameter sets.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(row_type).on_conflict_do_nothing(index_elements=list(unique))


def in_chunks(items: Collection[T]) -> Iterator[list[T]]:
    """Yield ``items`` in lists of at most ``CHUNK`` (nothing at all when there are none)."""
    ordered = list(items)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
