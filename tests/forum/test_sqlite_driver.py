"""SQLite's one-hop cursors (``storage.sqlite_driver``) report what SQLAlchemy relies on:
rows, ``rowcount``, ``lastrowid``, ``RETURNING``, many-row inserts, constraint errors, and a
connection still usable after a failed statement."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from forum_service.storage import sqlite_driver
from forum_service.storage.database import ConstraintViolation, Database
from forum_service.vault import Vault
from tests.support.api import AT_REST_KEY, PSEUDONYM_SECRET


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = Database(
        f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}", vault=Vault(PSEUDONYM_SECRET, AT_REST_KEY)
    )
    async with database.write("schema") as session:
        await session.execute(
            text("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)")
        )
    return database


async def test_the_engine_opens_one_hop_connections(db: Database) -> None:
    try:
        async with db.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, sqlite_driver.OneHopConnection)
    finally:
        await db.dispose()


async def test_rows_counts_ids_and_returning_are_reported(db: Database) -> None:
    try:
        async with db.write("fill") as session:
            first = await session.execute(text("INSERT INTO things (name) VALUES ('a')"))
            assert first.lastrowid == 1
            many = await session.execute(
                text("INSERT INTO things (name) VALUES (:name)"),
                [{"name": "b"}, {"name": "c"}, {"name": "d"}],
            )
            assert many.rowcount == 3
            updated = await session.execute(
                text("UPDATE things SET name = name || '!' WHERE id > 2")
            )
            assert updated.rowcount == 2
            returned = await session.execute(
                text("INSERT INTO things (name) VALUES ('e') RETURNING id, name")
            )
            assert returned.all() == [(5, "e")]
        async with db.read("list") as session:
            rows = (await session.execute(text("SELECT id, name FROM things ORDER BY id"))).all()
            assert rows == [(1, "a"), (2, "b"), (3, "c!"), (4, "d!"), (5, "e")]
            first_row = (await session.execute(text("SELECT name FROM things"))).first()
            assert first_row is not None and first_row[0] == "a"
            none = (await session.execute(text("SELECT name FROM things WHERE id = 99"))).first()
            assert none is None
    finally:
        await db.dispose()


async def test_a_failed_statement_keeps_nothing_and_the_connection_goes_on(db: Database) -> None:
    try:
        with pytest.raises(ConstraintViolation):
            async with db.write("duplicate") as session:
                await session.execute(text("INSERT INTO things (name) VALUES ('x')"))
                await session.execute(text("INSERT INTO things (name) VALUES ('x')"))
        with pytest.raises(Exception, match="no such table"):
            async with db.read("typo") as session:
                await session.execute(text("SELECT * FROM thingz"))
        async with db.write("after") as session:
            await session.execute(text("INSERT INTO things (name) VALUES ('y')"))
        async with db.read("count") as session:
            names = (await session.execute(text("SELECT name FROM things"))).scalars().all()
        assert names == ["y"]
    finally:
        await db.dispose()
