"""The hot path's lookups are batched per loop turn, and still read after they are asked.

``storage.batched_reads``: the gate's standing and the caches' versions of every request in
one turn of the event loop are read with one statement. Each answer must come from a
statement that started after its request asked (a removal holds from the next request).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert, text

from forum_service.settings import ServiceSettings
from forum_service.storage import boards_repo, identities_repo
from forum_service.storage.batched_reads import MAX_KEYS, Coalescer, batched_reads
from forum_service.storage.database import Database
from forum_service.storage.tables import IdentityRow


class Store:
    """A key-value 'database' whose reads can be held open, counting its statements."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.asked: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail: Exception | None = None
        self.started = asyncio.Event()

    async def fetch(self, keys: list[str]) -> dict[str, int]:
        self.asked.append(keys)
        self.started.set()
        snapshot = dict(self.values)  # what the statement sees: the state when it started
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return {key: snapshot[key] for key in keys if key in snapshot}


async def test_lookups_asked_in_one_turn_share_one_statement() -> None:
    store = Store()
    store.values = {"a": 1, "b": 2}
    lookups: Coalescer[str, int] = Coalescer(store.fetch)

    found = await asyncio.gather(
        lookups.get("a"), lookups.get("b"), lookups.get("a"), lookups.get("missing")
    )

    assert found == [1, 2, 1, None]
    assert store.asked == [["a", "b", "missing"]]
    assert lookups.statements == 1


async def test_a_lookup_asked_while_a_statement_runs_waits_for_a_new_one() -> None:
    store = Store()
    store.values = {"member": 1}
    lookups: Coalescer[str, int] = Coalescer(store.fetch)
    store.gate.clear()
    first = asyncio.ensure_future(lookups.get("member"))
    await store.started.wait()  # the first statement has started and is held open

    store.values["member"] = 0  # committed after the first statement started
    second = asyncio.ensure_future(lookups.get("member"))
    await asyncio.sleep(0)
    store.gate.set()

    assert await first == 1  # asked before the change: either answer would be right
    assert await second == 0  # asked after it: must see it
    assert store.asked == [["member"], ["member"]]


async def test_a_cancelled_request_drops_out_alone() -> None:
    store = Store()
    store.values = {"a": 1}
    lookups: Coalescer[str, int] = Coalescer(store.fetch)
    store.gate.clear()
    leaving = asyncio.ensure_future(lookups.get("a"))
    staying = asyncio.ensure_future(lookups.get("a"))
    await asyncio.sleep(0)

    leaving.cancel()
    await asyncio.sleep(0)
    store.gate.set()

    assert await staying == 1
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_failed_statement_fails_its_requests_only() -> None:
    store = Store()
    store.values = {"a": 1}
    lookups: Coalescer[str, int] = Coalescer(store.fetch)
    store.fail = RuntimeError("connection lost")

    failed = await asyncio.gather(lookups.get("a"), lookups.get("a"), return_exceptions=True)
    store.fail = None

    assert [type(error) for error in failed] == [RuntimeError, RuntimeError]
    assert await lookups.get("a") == 1


async def test_more_keys_than_one_statement_takes_are_split_and_all_answered() -> None:
    store = Store()
    keys = [f"k{n}" for n in range(2 * MAX_KEYS + 10)]
    store.values = {key: n for n, key in enumerate(keys)}
    lookups: Coalescer[str, int] = Coalescer(store.fetch)

    found = await asyncio.gather(*(lookups.get(key) for key in keys))
    pairs = await lookups.get_many(("k1", "k2"))

    assert found == list(range(len(keys)))
    assert [len(asked) for asked in store.asked[:3]] == [MAX_KEYS, MAX_KEYS, 10]
    assert pairs == {"k1": 1, "k2": 2}
    assert await lookups.get_many(()) == {}


# -- on the database (SQLite always; PostgreSQL with TEST_DATABASE_URL) ----------------------


@pytest.fixture
async def db(settings: ServiceSettings) -> AsyncIterator[Database]:
    database = Database(settings.database_url, vault=settings.vault())
    yield database
    await database.dispose()


async def _sql(db: Database, statement: str, **params: object) -> None:
    async with db.write("test") as session:
        await session.execute(text(statement), params)


async def test_versions_of_many_threads_are_read_with_one_statement(db: Database) -> None:
    await _sql(db, "DELETE FROM cache_versions")
    await _sql(db, "INSERT INTO cache_versions (name, version) VALUES ('boards', 7)")
    await _sql(db, "INSERT INTO cache_versions (name, version) VALUES ('thread:2', 3)")
    reads = batched_reads(db)
    before = reads.versions.statements

    found = await asyncio.gather(
        *(boards_repo.thread_versions_now(db, thread) for thread in (1, 2, 3)),
        boards_repo.boards_version_now(db),
    )

    assert found == [(7, 0), (7, 3), (7, 0), 7]
    assert reads.versions.statements == before + 1
    await _sql(db, "UPDATE cache_versions SET version = 8 WHERE name = 'boards'")
    assert await boards_repo.thread_versions_now(db, 2) == (8, 3)


async def test_the_gates_standings_are_read_together_and_a_removal_is_seen_next(
    db: Database,
) -> None:
    keys = [f"person-{n}" for n in range(5)]
    async with db.write("test") as session:
        for n, key in enumerate(keys):
            await session.execute(
                insert(IdentityRow).values(
                    lookup=db.vault.identity_lookup(key),
                    role="moderator" if n == 0 else "practitioner",
                    member=n != 4,
                    state=b"",
                )
            )
    reads = batched_reads(db)
    before = reads.standing.statements

    found = await asyncio.gather(
        *(identities_repo.standing_now(db, key) for key in [*keys, "never-seen"])
    )

    assert [None if f is None else (f[0], f[1].value) for f in found] == [
        (True, "moderator"),
        (True, "practitioner"),
        (True, "practitioner"),
        (True, "practitioner"),
        (False, "practitioner"),
        None,
    ]
    assert reads.standing.statements == before + 1
    await _sql(
        db,
        "UPDATE identities SET member = false WHERE lookup = :lookup",
        lookup=db.vault.identity_lookup(keys[1]),
    )
    removed = await identities_repo.standing_now(db, keys[1])
    assert removed is not None and removed[0] is False
