"""Engine, sessions and named units of work, with the dialect differences in one place."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Select, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool, PoolResetState

from forum_service.storage import sqlite_driver
from forum_service.vault import Vault

log = logging.getLogger(__name__)

_BEGIN_MODE = "forum_sqlite_begin"
_NO_BEGIN = "none"


class ConstraintViolation(Exception):
    """A unit of work broke a constraint (e.g. a unique index lost a race); nothing was kept."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """What the database can do; code asks this instead of testing driver names."""

    name: str
    supports_skip_locked: bool


@dataclass(frozen=True, slots=True)
class DriverQuery:
    """A Core ``SELECT`` compiled once for this database's driver (``Database.driver_query``).

    ``sql`` is in the driver's own parameter style; ``names`` are its bind parameters in order,
    ``defaults`` the values of those the statement carries (literals in its ``WHERE``).
    """

    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]


class Database:
    """Owns the engine and hands out one session per unit of work.

    Args:
        url: SQLAlchemy async URL (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).
        vault: the service's secrets at rest: whoever uses this database tags and seals people
            with it (``forum_service.vault``).
        echo: log SQL statements (never enable in production: statements carry post text).
    """

    def __init__(self, url: str, *, vault: Vault, echo: bool = False) -> None:
        self.vault = vault
        parsed = make_url(url)
        self.dialect = Dialect(
            name=parsed.get_backend_name(),
            supports_skip_locked=parsed.get_backend_name() == "postgresql",
        )
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect.name == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # One hop to aiosqlite's thread per statement instead of four (sqlite_driver).
            kwargs["async_creator"] = partial(
                sqlite_driver.connect, database or ":memory:", timeout=30
            )
            if not database or database == ":memory:":
                kwargs["poolclass"] = NullPool
            else:
                # Pooled: opening an aiosqlite connection (a thread, PRAGMAs) costs ~2 ms of a
                # ~5 ms read. A Database belongs to one event loop; dispose() closes the pool.
                # 16 kept: with 8, 10 busy clients made the pool open and close overflow
                # connections (a thread each) all the time (py-spy: Thread.start per request).
                kwargs.update(pool_size=16, max_overflow=16)
            # The pool's reset on return rolls back only a connection in a transaction
            # (_install_sqlite_hooks): by default it did so after every COMMIT too, one more
            # hop to aiosqlite's thread per unit of work for nothing.
            kwargs["pool_reset_on_return"] = None
        else:
            # No pool_pre_ping: it cost a round trip on every checkout (~15% of a thread read
            # under load). Connections idle a while are pinged instead (_install_idle_ping).
            # 30 kept, none on overflow: the same most as before (10 + 20 overflow), but an
            # overflow connection was closed on return and opened again (a PostgreSQL backend
            # each) many times a second at 100 clients: 189 -> 315 req/s reading a thread.
            kwargs.update(pool_size=30, max_overflow=0)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect.name != "sqlite":
            _install_idle_ping(self.engine)
        if self.dialect.name == "sqlite":
            _install_sqlite_hooks(self.engine)
            # aiosqlite logs every statement with its parameters at DEBUG: post text and
            # identity keys. Never let that reach a handler, whatever the root level.
            logging.getLogger("aiosqlite").setLevel(logging.WARNING)
        self._driver_queries: dict[Select[*tuple[Any, ...]], DriverQuery] = {}
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # A read without a snapshot: no BEGIN/COMMIT around its statement(s). SQLite: our
        # BEGIN hook skips it; PostgreSQL: the driver's autocommit mode.
        self._no_snapshot: dict[str, Any] = (
            {_BEGIN_MODE: _NO_BEGIN}
            if self.dialect.name == "sqlite"
            else {"isolation_level": "AUTOCOMMIT"}
        )

    @asynccontextmanager
    async def write(self, name: str) -> AsyncIterator[AsyncSession]:
        """Open a read-write transaction named after its use case; commits on success.

        On SQLite the transaction starts with ``BEGIN IMMEDIATE`` so that a read followed by a
        write waits for the lock (busy timeout) instead of failing with "database is locked".
        """
        async with self._unit(name, {_BEGIN_MODE: "IMMEDIATE"}) as session:
            yield session

    @asynccontextmanager
    async def read(self, name: str, *, snapshot: bool = True) -> AsyncIterator[AsyncSession]:
        """Open a read-only unit of work named after its use case.

        Args:
            name: the use case (in the debug log).
            snapshot: False for a read that needs no consistent snapshot across statements
                (one statement, or statements whose order makes a torn read harmless): it then
                runs without a transaction, which saves a BEGIN and a COMMIT (on PostgreSQL
                two round trips, on SQLite two hops to the driver's thread). Hot paths only.
        """
        async with self._unit(name, {} if snapshot else self._no_snapshot) as session:
            yield session

    @asynccontextmanager
    async def _unit(self, name: str, options: dict[str, Any]) -> AsyncIterator[AsyncSession]:
        started = time.perf_counter()
        async with self._sessions() as session:
            await session.connection(execution_options=options)
            try:
                yield session
                await session.commit()
            except IntegrityError as error:
                await session.rollback()
                raise ConstraintViolation(f"db.{name}: {type(error.orig).__name__}") from error
            except BaseException:
                await session.rollback()
                raise
            finally:
                log.debug("db.%s took %.1f ms", name, (time.perf_counter() - started) * 1000)

    def driver_query(self, stmt: Select[*tuple[Any, ...]]) -> DriverQuery:
        """``stmt`` compiled for this database's driver, once per statement object."""
        query = self._driver_queries.get(stmt)
        if query is None:
            compiled = stmt.compile(dialect=self.engine.dialect)
            query = DriverQuery(
                sql=compiled.string,
                names=tuple(compiled.positiontup or ()),
                defaults=dict(compiled.params),
            )
            self._driver_queries[stmt] = query
        return query

    async def fetch_plain(
        self, stmt: Select[*tuple[Any, ...]], **params: Any
    ) -> list[Sequence[Any]]:
        """Run one read-only statement on the driver itself, without a session or transaction.

        ``stmt`` is a module-level Core ``SELECT`` with named ``bindparam``s (``params``),
        compiled once; its columns must need no type conversion (strings, integers,
        booleans), since the driver's raw values are returned.

        The hot path's read: SQLAlchemy's aiosqlite adapter makes five hops to the driver's
        thread for a one-statement unit of work (cursor, execute, fetch, close, COMMIT); here
        it is one (``execute_fetchall``). On asyncpg one ``fetch``,
        as before, without the session around it. Values are the driver's (SQLite: 0/1 for
        booleans). Use only for a statement that needs no snapshot with another.
        """
        query = self.driver_query(stmt)
        args = [params[name] if name in params else query.defaults[name] for name in query.names]
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            if self.dialect.name == "sqlite":
                return list(await driver.execute_fetchall(query.sql, args))
            return list(await driver.fetch(query.sql, *args))

    async def ping(self) -> bool:
        """Return True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # any driver error means "not reachable"
            log.warning("database ping failed", exc_info=True)
            return False
        return True

    async def schema_revision(self) -> str | None:
        """Return the Alembic revision the database is at (None when never migrated)."""
        from alembic.runtime.migration import MigrationContext

        async with self.engine.connect() as conn:
            return await conn.run_sync(
                lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
            )

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


#: A pooled connection unused this long is pinged before it is handed out again.
IDLE_PING_SECONDS = 5.0
_CHECKED_IN = "forum_checked_in"


def _install_idle_ping(engine: AsyncEngine) -> None:
    """Ping a pooled connection on checkout only when it sat idle (a server restart, an idle
    timeout in between): a dead one is replaced before use, as ``pool_pre_ping`` would, without
    a round trip per checkout while the service is busy."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in < IDLE_PING_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:  # any driver error: this connection is gone
            raise DisconnectionError("idle connection failed its ping") from error


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    """Take over BEGIN from pysqlite so write transactions can be IMMEDIATE (SQLAlchemy recipe)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # SQLAlchemy's recipe for a custom reset (pool_reset_on_return=None). The driver
        # connection is in autocommit (isolation_level None above), so it holds a transaction
        # only after a BEGIN: roll back exactly then. aiosqlite answers in_transaction without
        # a hop; a connection being thrown away (not asyncio-safe here) needs nothing.
        if state.asyncio_safe and dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_MODE, "")
        if mode == _NO_BEGIN:
            return  # Database.read(snapshot=False): each statement is its own transaction
        # On the driver in one hop to aiosqlite's thread (exec_driver_sql made three: cursor,
        # execute, close); run_async is SQLAlchemy's way to await the driver from an event.
        statement = f"BEGIN {mode}".strip()
        conn.connection.dbapi_connection.run_async(
            lambda driver: driver.execute_fetchall(statement)
        )
