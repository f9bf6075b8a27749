"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL with TEST_DATABASE_URL),
the real aiohttp app, and an API helper that acts as the bot would."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from forum_service.app import create_app
from forum_service.settings import ServiceSettings
from forum_service.storage import migrate

SERVICE_TOKEN = "test-service-token-0123456789"
PSEUDONYM_SECRET = "test-pseudonym-secret-0123456789"


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


async def _pg_execute(url: str, *statements: str) -> None:
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


@pytest.fixture(scope="session")
def backend() -> str:
    """Which database the suite runs on: "postgresql" when TEST_DATABASE_URL is set."""
    return "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[str]:
    """A database migrated to head once per session; each test gets a copy of it."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "forum.db"
        asyncio.run(migrate.upgrade(f"sqlite+aiosqlite:///{path}"))
        yield str(path)
        return
    url = os.environ["TEST_DATABASE_URL"]
    name = f"forum_tpl_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin_url(url)
    asyncio.run(_pg_execute(admin, f'CREATE DATABASE "{name}"'))
    template_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(migrate.upgrade(template_url))
    yield name
    asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _fresh_database(backend: str, tmp_path: Path, template: str | None) -> tuple[str, Any]:
    """Return (url, cleanup coroutine function) of a new database, copied from ``template``."""
    if backend == "sqlite":
        path = tmp_path / f"forum-{uuid.uuid4().hex[:6]}.db"
        if template is not None:
            shutil.copyfile(template, path)
        url = f"sqlite+aiosqlite:///{path}"

        async def nothing() -> None:
            return None

        return url, nothing
    base = os.environ["TEST_DATABASE_URL"]
    name = f"forum_t_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_url(base)
    clause = f' TEMPLATE "{template}"' if template else ""
    await _pg_execute(admin, f'CREATE DATABASE "{name}"{clause}')

    async def drop() -> None:
        await _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
async def database_url(backend: str, template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    """URL of a database migrated to head, private to this test."""
    url, cleanup = await _fresh_database(backend, tmp_path, template_database)
    yield url
    await cleanup()


@pytest.fixture
async def empty_database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database (migration tests)."""
    url, cleanup = await _fresh_database(backend, tmp_path, None)
    yield url
    await cleanup()


@pytest.fixture
def settings(database_url: str) -> ServiceSettings:
    """Service settings for tests (explicit values, the environment is not read)."""
    return ServiceSettings(
        database_url=database_url,
        service_token=SERVICE_TOKEN,
        pseudonym_secret=PSEUDONYM_SECRET,
        _env_file=None,
    )


@pytest.fixture
def app(settings: ServiceSettings) -> web.Application:
    """The real forum application."""
    return create_app(settings)


class Api:
    """Calls the API as the bot does: service token plus the acting identity key."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client

    @staticmethod
    def new_identity() -> str:
        """Return a fresh identity key (what the bot's argon2id derivation produces)."""
        return secrets.token_hex(32)

    def headers(self, identity: str | None, **extra: str) -> dict[str, str]:
        """Headers of an authenticated call."""
        headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", **extra}
        if identity is not None:
            headers["X-Forum-Identity"] = identity
        return headers

    async def call(
        self,
        method: str,
        path: str,
        identity: str | None = None,
        json: Any = None,
        expect: int | None = None,
        **headers: str,
    ) -> Any:
        """Make a call, assert the status when ``expect`` is given, and return the JSON body."""
        response = await self.client.request(
            method, path, json=json, headers=self.headers(identity, **headers)
        )
        body = await response.json()
        if expect is not None:
            assert response.status == expect, (response.status, body)
        return body

    async def new_thread(
        self, identity: str, board: str = "safety", title: str = "A question", body: str = "Text"
    ) -> dict[str, Any]:
        """Create a thread and return the response body."""
        result: dict[str, Any] = await self.call(
            "POST",
            "/api/v1/threads",
            identity,
            json={"board": board, "title": title, "body": body},
            expect=201,
        )
        return result


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> TestClient[Any, Any]:
    """A test client on the real app."""
    result: TestClient[Any, Any] = await aiohttp_client(app)
    return result


@pytest.fixture
def api(client: TestClient[Any, Any]) -> Api:
    """The API helper."""
    return Api(client)


async def make_admin(api: Api, identity: str) -> None:
    """Make ``identity`` an admin the way the bot bootstraps its configured admins."""
    await api.call(
        "POST",
        "/api/v1/system/bootstrap-admins",
        None,
        json={"identity_keys": [identity]},
        expect=200,
    )


async def make_moderator(api: Api, identity: str, admin: str | None = None) -> None:
    """Make ``identity`` a moderator through an admin's one-time invite."""
    admin = admin or api.new_identity()
    await make_admin(api, admin)
    invite = await api.call(
        "POST", "/api/v1/admin/invites", admin, json={"role": "moderator"}, expect=201
    )
    await api.call(
        "POST", "/api/v1/invites/redeem", identity, json={"code": invite["code"]}, expect=200
    )


@pytest.fixture(autouse=True)
def _ptb_and_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22: RetryAfter.retry_after as timedelta (else a deprecation warning, fatal under -W
    error, replaces the RetryAfter); loopback traffic never goes through a proxy."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Undo what a test's call to the CLI (configure_logging) did to the root logger."""
    import logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.fixture(scope="session")
def pii_screen() -> Any:
    """The real PII screen with the small spaCy model, loaded once (about 4 s)."""
    from moderation.ner import load_pii_screen

    screen = load_pii_screen("en_core_web_sm")
    assert screen.has_ner, screen.status.detail
    return screen
