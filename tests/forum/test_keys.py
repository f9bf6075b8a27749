"""The service's secrets at rest: sealing, the start-up key check, `init` and `rotate-keys`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import delete

from forum_service.app import create_app
from forum_service.settings import ServiceSettings
from forum_service.storage import vault_repo
from forum_service.storage.database import Database
from forum_service.storage.tables import VaultCheckRow
from forum_service.storage.vault_repo import KeyMismatch
from forum_service.vault import Vault, VaultError, key_id
from mscos_forum.cli import main
from tests.support.api import AT_REST_KEY, PSEUDONYM_SECRET, SERVICE_TOKEN, Api
from tests.support.dbdump import dump_all_tables

OTHER_KEY = "another-at-rest-key-0123456789abcdefghijkl"


def test_a_sealed_value_opens_only_with_its_key_and_its_context() -> None:
    vault = Vault(PSEUDONYM_SECRET, AT_REST_KEY)
    sealed = vault.seal_key("a" * 64, "posts.author|t1")
    assert vault.open_key(sealed, "posts.author|t1") == "a" * 64
    assert sealed != vault.seal_key("a" * 64, "posts.author|t1"), "a fresh nonce every time"
    with pytest.raises(VaultError):
        vault.open_key(sealed, "posts.author|t2")  # moved to another row
    with pytest.raises(VaultError):
        Vault(PSEUDONYM_SECRET, OTHER_KEY).open_key(sealed, "posts.author|t1")
    rotating = Vault(PSEUDONYM_SECRET, OTHER_KEY, previous_keys=[AT_REST_KEY])
    assert rotating.open_key(sealed, "posts.author|t1") == "a" * 64
    assert not rotating.sealed_by_current(sealed)


def test_tags_are_equal_within_a_scope_only() -> None:
    vault = Vault(PSEUDONYM_SECRET, AT_REST_KEY)
    key = "b" * 64
    assert vault.tag(key, "thread:1") == vault.tag(key, "thread:1")
    assert vault.tag(key, "thread:1") != vault.tag(key, "thread:2")
    assert vault.tag(key, "thread:1") != vault.tag("c" * 64, "thread:1")
    assert Vault("another-pseudonym-secret", AT_REST_KEY).tag(key, "thread:1") != vault.tag(
        key, "thread:1"
    )


def test_sealed_state_hides_its_length_to_a_block() -> None:
    vault = Vault(PSEUDONYM_SECRET, AT_REST_KEY)
    short = vault.seal_json({"p": [1]}, "x")
    longer = vault.seal_json({"p": list(range(40))}, "x")
    assert len(short) == len(longer)


@asynccontextmanager
async def _client(settings: ServiceSettings) -> AsyncIterator[Api]:
    async with TestClient(TestServer(create_app(settings))) as client:
        yield Api(client)


async def _start_refused(settings: ServiceSettings) -> KeyMismatch:
    """Start the service with ``settings``; return why it refused to start."""
    server = TestServer(create_app(settings))
    try:
        with pytest.raises(KeyMismatch) as refused:
            await server.start_server()
    finally:
        await server.close()
    return refused.value


async def test_startup_refuses_a_database_written_with_other_secrets(
    api: Api, settings: ServiceSettings
) -> None:
    await api.new_thread(api.new_identity())
    wrong_key = settings.model_copy(update={"at_rest_key": SecretStr(OTHER_KEY)})
    assert "another FORUM_AT_REST_KEY" in str(await _start_refused(wrong_key))
    wrong_secret = settings.model_copy(
        update={"pseudonym_secret": SecretStr("another-pseudonym-secret-0123")}
    )
    assert "FORUM_PSEUDONYM_SECRET" in str(await _start_refused(wrong_secret))


def test_init_adds_a_missing_secret_and_keeps_the_others(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "FORUM_SERVICE_TOKEN=keep-me-0123456789\nFORUM_PSEUDONYM_SECRET=and-me-012345678\n"
    )
    assert main(["init", "--env-file", str(env)]) == 0
    text = env.read_text()
    assert "FORUM_SERVICE_TOKEN=keep-me-0123456789\n" in text
    assert "FORUM_PSEUDONYM_SECRET=and-me-012345678\n" in text
    assert "FORUM_AT_REST_KEY=" in text and "IDENTITY_PEPPER=" in text
    assert main(["init", "--env-file", str(env)]) == 0
    assert env.read_text() == text, "a second init changes nothing"


def _write_env(path: Path, text: str) -> None:
    path.write_text(text)


def _read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().split())


async def _sealed_blobs(url: str) -> list[bytes]:
    dump = await dump_all_tables(url)
    return [
        value for rows in dump.values() for row in rows for value in row if isinstance(value, bytes)
    ]


async def test_rotate_keys_reseals_every_row_and_the_service_reads_them_with_the_new_key(
    api: Api,
    settings: ServiceSettings,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    author, subscriber = api.new_identity(), api.new_identity()
    created = await api.new_thread(author, title="Before the rotation")
    await api.call(
        "POST", "/api/v1/me/subscriptions", subscriber, json={"topic": "all"}, expect=200
    )
    before = await _sealed_blobs(database_url)
    monkeypatch.chdir(tmp_path)
    _write_env(tmp_path / ".env", f"FORUM_AT_REST_KEY={AT_REST_KEY}\n")
    monkeypatch.delenv("FORUM_AT_REST_KEY", raising=False)
    monkeypatch.setenv("FORUM_DATABASE_URL", database_url)
    monkeypatch.setenv("FORUM_SERVICE_TOKEN", SERVICE_TOKEN)
    monkeypatch.setenv("FORUM_PSEUDONYM_SECRET", PSEUDONYM_SECRET)

    assert await asyncio.to_thread(main, ["rotate-keys"]) == 0

    env = _read_env(tmp_path / ".env")
    new_key = env["FORUM_AT_REST_KEY"]
    assert new_key != AT_REST_KEY and "FORUM_AT_REST_KEY_PREVIOUS" not in env
    after = await _sealed_blobs(database_url)
    assert len(after) == len(before) >= 3  # two identities, a post, a subscription, the check
    assert not set(before) & set(after), "every sealed value was re-sealed"
    assert all(blob[1:5] == key_id(new_key) for blob in after)

    rotated = settings.model_copy(update={"at_rest_key": SecretStr(new_key)})
    async with _client(rotated) as fresh:
        mine = await fresh.call("GET", "/api/v1/me/posts", author, expect=200)
        assert [p["id"] for p in mine["posts"]] == [created["post"]["id"]]
        subscribed = await fresh.call("GET", "/api/v1/me/subscriptions", subscriber, expect=200)
        assert subscribed["topics"] == ["all"]
    await _start_refused(settings)  # the old key no longer opens it


async def test_an_interrupted_rotation_still_opens_with_the_previous_key(
    api: Api, settings: ServiceSettings
) -> None:
    author = api.new_identity()
    created = await api.new_thread(author)
    halfway = settings.model_copy(
        update={
            "at_rest_key": SecretStr(OTHER_KEY),
            "at_rest_key_previous": SecretStr(AT_REST_KEY),
        }
    )
    async with _client(halfway) as service:
        mine = await service.call("GET", "/api/v1/me/posts", author, expect=200)
        assert [p["id"] for p in mine["posts"]] == [created["post"]["id"]]
        # New writes are sealed with the new key, old rows still open.
        await service.new_thread(author, title="Written halfway")
        mine = await service.call("GET", "/api/v1/me/posts", author, expect=200)
        assert len(mine["posts"]) == 2


def test_rotation_knows_every_sealed_column_of_the_schema() -> None:
    from sqlalchemy import LargeBinary

    from forum_service.storage.rekey_repo import SEALED_COLUMNS
    from forum_service.storage.tables import Base

    in_schema = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, LargeBinary) and table.name != "vault_check"
    }
    rotated = {(spec.table.__tablename__, spec.column) for spec in SEALED_COLUMNS}
    assert rotated == in_schema


async def test_processes_starting_together_on_a_new_database_agree_on_its_key_check(
    database_url: str, settings: ServiceSettings
) -> None:
    # `mscos-forum api --workers N` starts N processes at once on a database nobody has
    # claimed yet: each reads "no key check" and writes one; the losers must not crash.
    databases = [Database(database_url, vault=settings.vault()) for _ in range(4)]
    try:
        for _ in range(5):
            async with databases[0].write("test_forget_check") as session:
                await session.execute(delete(VaultCheckRow))
            await asyncio.gather(*(vault_repo.verify_keys(db) for db in databases))
            async with databases[0].read("test_check") as session:
                assert await vault_repo.stored_check(session) is not None
        other = Database(
            database_url,
            vault=settings.model_copy(update={"at_rest_key": SecretStr(OTHER_KEY)}).vault(),
        )
        with pytest.raises(KeyMismatch):
            await vault_repo.verify_keys(other)
        await other.dispose()
    finally:
        for db in databases:
            await db.dispose()
