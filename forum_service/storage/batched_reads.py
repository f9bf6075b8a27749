"""The hot path's small reads, batched: one statement answers every request of a loop turn.

Every gated request reads its caller's standing (the membership gate), and every cached read
reads its versions (``cache_versions``), each as one statement. At 100 connections those were
half of the API process's event-loop time on PostgreSQL (pool checkout, round trip, pool
checkin, twice per request) and as many statements for the database's own CPU. A
:class:`Coalescer` collects the keys asked for during one turn of the event loop and reads
them all with one statement at the start of the next turn (``WHERE key IN (…)``).

Nothing is served from memory: each answer comes from a statement that *started after* the
request asked, so it sees every change committed before that (a removal still holds from the
very next request, as with one statement per request). A waiter that is cancelled drops out
alone; a failed statement fails exactly the requests it was reading for.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Select, String, any_, bindparam, func, select
from sqlalchemy import column as sql_column

from forum_service.storage.database import Database
from forum_service.storage.tables import CacheVersionRow, IdentityRow

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Keys read by one statement at most; more in a turn make more statements.
MAX_KEYS = 500


class Coalescer(Generic[K, V]):
    """Answer lookups of one kind asked during a loop turn with one ``fetch`` of their keys.

    ``fetch(keys)`` returns the values found; a key it does not return is answered None.
    """

    def __init__(self, fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]]) -> None:
        self._fetch = fetch
        self._waiting: list[tuple[tuple[K, ...], asyncio.Future[dict[K, V | None]]]] = []
        self._running: set[asyncio.Task[None]] = set()
        self.statements = 0  # how many fetches ran (tests and benchmarks read it)

    async def get(self, key: K) -> V | None:
        """The value of ``key``, read by a statement that starts after this call."""
        return (await self.get_many((key,)))[key]

    async def get_many(self, keys: Iterable[K]) -> dict[K, V | None]:
        """The values of ``keys`` (None where absent), read by one statement after this call."""
        asked = tuple(keys)
        if not asked:
            return {}
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[K, V | None]] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._flush)
        self._waiting.append((asked, future))
        return await future

    def _flush(self) -> None:
        """Start the statements for what was asked during the turn that just ended."""
        waiting, self._waiting = self._waiting, []
        keys: dict[K, None] = {}
        batch: list[tuple[tuple[K, ...], asyncio.Future[dict[K, V | None]]]] = []
        for asked, future in waiting:
            if future.done():  # its request was cancelled meanwhile
                continue
            if batch and len(keys) + len(asked) > MAX_KEYS:
                self._start(list(keys), batch)
                keys, batch = {}, []
            keys.update(dict.fromkeys(asked))
            batch.append((asked, future))
        if batch:
            self._start(list(keys), batch)

    def _start(
        self, keys: list[K], batch: list[tuple[tuple[K, ...], asyncio.Future[dict[K, V | None]]]]
    ) -> None:
        task = asyncio.ensure_future(self._answer(keys, batch))
        self._running.add(task)  # a running task must be referenced until it ends
        task.add_done_callback(self._running.discard)

    async def _answer(
        self,
        keys: list[K],
        waiting: Sequence[tuple[tuple[K, ...], asyncio.Future[dict[K, V | None]]]],
    ) -> None:
        self.statements += 1
        try:
            found = await self._fetch(keys)
        except BaseException as error:
            for _, future in waiting:
                if not future.done():
                    if isinstance(error, asyncio.CancelledError):
                        future.cancel()
                    else:
                        future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for asked, future in waiting:
            if not future.done():
                future.set_result({key: found.get(key) for key in asked})


def _keys_in(column: Any, dialect: str) -> ColumnElement[bool]:
    """``column IN (the keys)`` with the keys as one parameter, so the SQL is compiled once:
    an array on PostgreSQL, a JSON list read by ``json_each`` on SQLite."""
    if dialect == "postgresql":
        return column == any_(bindparam("keys", type_=ARRAY(String)))  # type: ignore[no-any-return]
    values: Select[Any] = select(sql_column("value")).select_from(
        func.json_each(bindparam("keys", type_=String))
    )
    return column.in_(values)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Statements:
    standing: Select[*tuple[Any, ...]]
    versions: Select[*tuple[Any, ...]]


def _statements(dialect: str) -> _Statements:
    return _Statements(
        standing=select(IdentityRow.lookup, IdentityRow.member, IdentityRow.role).where(
            _keys_in(IdentityRow.lookup, dialect)
        ),
        versions=select(CacheVersionRow.name, CacheVersionRow.version).where(
            _keys_in(CacheVersionRow.name, dialect)
        ),
    )


class BatchedReads:
    """A database's two hot lookups, each a :class:`Coalescer`.

    ``standing``: an identities row's ``(member, role)`` by its lookup value (the gate).
    ``versions``: ``cache_versions`` rows by name (a row nobody bumped yet is absent).
    """

    def __init__(self, db: Database) -> None:
        dialect = db.dialect.name
        statements = _statements(dialect)
        as_param: Callable[[list[str]], Any] = (
            (lambda keys: keys) if dialect == "postgresql" else json.dumps
        )

        async def standing(keys: list[str]) -> dict[str, tuple[bool, str]]:
            rows = await db.fetch_plain(statements.standing, keys=as_param(keys))
            return {str(row[0]): (bool(row[1]), str(row[2])) for row in rows}

        async def versions(keys: list[str]) -> dict[str, int]:
            rows = await db.fetch_plain(statements.versions, keys=as_param(keys))
            return {str(row[0]): int(row[1]) for row in rows}

        self.standing: Coalescer[str, tuple[bool, str]] = Coalescer(standing)
        self.versions: Coalescer[str, int] = Coalescer(versions)


_BATCHED: weakref.WeakKeyDictionary[Database, BatchedReads] = weakref.WeakKeyDictionary()


def batched_reads(db: Database) -> BatchedReads:
    """``db``'s batched lookups, made on first use (one set per database object)."""
    found = _BATCHED.get(db)
    if found is None:
        found = _BATCHED[db] = BatchedReads(db)
    return found
