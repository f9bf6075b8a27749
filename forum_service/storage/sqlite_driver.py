"""aiosqlite connections whose cursors run a statement in one hop to the driver's thread.

aiosqlite runs every call on its connection's own thread, and each call is a hop: queue the
call, wake the thread, wait for the event loop to be told. SQLAlchemy's adapter makes four
per statement (open a cursor, execute, fetch the rows, close the cursor), which was the largest
single cost of a request on SQLite (docs/performance.md). The cursor here does all four in one
call on that thread and keeps the rows, so ``fetchall``/``fetchone``/``close`` cost nothing.

SQLAlchemy buffers every non-server-side result anyway, so nothing is fetched that would not
have been; it sees the same DBAPI cursor surface (``description``, ``rowcount``,
``lastrowid``). ``Database`` hands ``connect`` to ``create_async_engine(async_creator=...)``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite

_Result = tuple[Any, int, int | None, list[Any]]


def _run(connection: aiosqlite.Connection, sql: str, parameters: Any, *, many: bool) -> _Result:
    """On the driver's thread: execute, fetch every row, close; what the cursor reports."""
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description is not None else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class BufferedCursor:
    """The DBAPI cursor surface SQLAlchemy's aiosqlite adapter uses, one hop per statement."""

    arraysize = 1

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> BufferedCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def _call(self, sql: str, parameters: Any, *, many: bool) -> BufferedCursor:
        # aiosqlite's own queue to its thread (as SQLAlchemy's adapter also uses it).
        queue: Any = self._connection._execute
        result: _Result = await queue(_run, self._connection, sql, parameters, many=many)
        self.description, self.rowcount, self.lastrowid, self._rows = result
        return self

    async def execute(self, sql: str, parameters: Any = None) -> BufferedCursor:
        """Execute ``sql`` and keep its rows."""
        return await self._call(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> BufferedCursor:
        """Execute ``sql`` once per parameter set."""
        return await self._call(sql, parameters, many=True)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` (``arraysize``) more rows."""
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        """Nothing to close: the driver's cursor was closed on its thread."""
        self._rows = []


class OneHopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors are :class:`BufferedCursor`."""

    def cursor(self) -> BufferedCursor:  # type: ignore[override]
        """A buffered cursor; opening it is no hop (SQLAlchemy enters it with ``async with``)."""
        return BufferedCursor(self)


async def connect(database: str, **kwargs: Any) -> OneHopConnection:
    """Open ``database`` (sqlite3.connect's ``kwargs``) on its own daemon thread."""

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return opened

    connection = OneHopConnection(connector, 64)
    # As SQLAlchemy does for the connections it opens itself: never hold the process open.
    connection._thread.daemon = True
    await connection
    return connection
