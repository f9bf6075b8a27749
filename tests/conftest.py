"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL with TEST_DATABASE_URL),
the real aiohttp app, and an API helper that acts as the bot would."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from forum_service.app import create_app
from forum_service.settings import ServiceSettings
from forum_service.storage import migrate
from tests.support.api import AT_REST_KEY, PSEUDONYM_SECRET, SERVICE_TOKEN, Api
from tests.support.clocks import ShiftedClock
from tests.support.databases import fresh_database, pg_admin_url, pg_database_url, pg_execute


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
    admin = pg_admin_url(url)
    asyncio.run(pg_execute(admin, f'CREATE DATABASE "{name}"'))
    asyncio.run(migrate.upgrade(pg_database_url(url, name)))
    yield name
    asyncio.run(pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database_url(backend: str, template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    """URL of a database migrated to head, private to this test."""
    url, cleanup = await fresh_database(
        backend, tmp_path, template_database, os.environ.get("TEST_DATABASE_URL")
    )
    yield url
    await cleanup()


@pytest.fixture
async def empty_database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database (migration tests)."""
    url, cleanup = await fresh_database(
        backend, tmp_path, None, os.environ.get("TEST_DATABASE_URL")
    )
    yield url
    await cleanup()


@pytest.fixture
def settings(database_url: str, request: pytest.FixtureRequest) -> ServiceSettings:
    """Service settings for tests (explicit values, the environment is not read).

    Most tests are about reading and posting, not joining: everybody is a member
    (``membership="open"``). A module or test asks for a gate with
    ``@pytest.mark.membership("invite")``, or parametrizes this fixture with the modes
    (``@pytest.mark.parametrize("settings", ["invite", "approval"], indirect=True)``).
    """
    marker = request.node.get_closest_marker("membership")
    membership = getattr(request, "param", marker.args[0] if marker else "open")
    # Decisions are told at once (no undo) unless a test asks for the undo window with
    # ``@pytest.mark.undo_window(seconds)``.
    undo = request.node.get_closest_marker("undo_window")
    return ServiceSettings(
        database_url=database_url,
        service_token=SERVICE_TOKEN,
        pseudonym_secret=PSEUDONYM_SECRET,
        at_rest_key=AT_REST_KEY,
        membership=membership,
        undo_seconds=undo.args[0] if undo else 0,
        _env_file=None,
    )


@pytest.fixture
def clock() -> ShiftedClock:
    """The service's clock: real time, plus whatever a test advances it by."""
    return ShiftedClock()


@pytest.fixture
def app(settings: ServiceSettings, clock: ShiftedClock) -> web.Application:
    """The real forum application, on the ``clock`` fixture."""
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> TestClient[Any, Any]:
    """A test client on the real app."""
    result: TestClient[Any, Any] = await aiohttp_client(app)
    return result


@pytest.fixture
def api(client: TestClient[Any, Any]) -> Api:
    """The API helper."""
    return Api(client)


@pytest.fixture
async def second_api(aiohttp_client: Any, settings: ServiceSettings) -> AsyncIterator[Api]:
    """Another API process on the same database: its own app, engine, pools and caches."""
    second: TestClient[Any, Any] = await aiohttp_client(create_app(settings))
    yield Api(second)


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


@pytest.fixture(scope="session")
def sentence_encoder() -> Any:
    """The real all-MiniLM-L6-v2 encoder from its pinned package, loaded once (about 3 s): the
    process's shared one, as the service's screen and search use it."""
    from forum_service.scorers import shared_sentence_encoder

    return shared_sentence_encoder(None)
