"""Health, the OpenAPI document and settings."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from bot.settings import BotSettings
from bot.settings import ConfigError as BotConfigError
from forum_service.api.openapi import doc_of
from forum_service.settings import ConfigError, ServiceSettings
from mscos_forum.cli import main
from mscos_forum.run import load_bot_settings
from tests.support.api import Api


async def test_healthz_reports_database_reachable(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["database"] == "reachable"


async def test_openapi_documents_exactly_the_real_routes(api: Api, app: web.Application) -> None:
    response = await api.client.get("/api/v1/openapi.json")
    document: dict[str, Any] = await response.json()
    assert document["openapi"].startswith("3.")
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    real = set()
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        assert doc_of(route.handler) is not None, f"{route.method} {route} is undocumented"
        info = route.resource.get_info() if route.resource else {}
        real.add((route.method, info.get("path") or info.get("formatter")))
    assert documented == real
    create = document["paths"]["/api/v1/threads"]["post"]
    assert "requestBody" in create and "201" in create["responses"]


def test_missing_settings_give_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORUM_SERVICE_TOKEN", raising=False)
    monkeypatch.delenv("FORUM_PSEUDONYM_SECRET", raising=False)
    monkeypatch.delenv("FORUM_AT_REST_KEY", raising=False)
    monkeypatch.chdir("/")  # no .env there
    with pytest.raises(ConfigError) as caught:
        ServiceSettings.from_env()
    message = str(caught.value)
    for name in ("FORUM_SERVICE_TOKEN", "FORUM_PSEUDONYM_SECRET", "FORUM_AT_REST_KEY"):
        assert name in message


def test_malformed_settings_are_named_without_echoing_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir("/")
    monkeypatch.setenv("FORUM_SERVICE_TOKEN", "short-secret")
    monkeypatch.setenv("FORUM_PSEUDONYM_SECRET", "x" * 20)
    monkeypatch.setenv("FORUM_DATABASE_URL", "mysql://nope")
    monkeypatch.setenv("FORUM_PORT", "not-a-port")
    with pytest.raises(ConfigError) as caught:
        ServiceSettings.from_env()
    message = str(caught.value)
    for name in ("FORUM_SERVICE_TOKEN", "FORUM_DATABASE_URL", "FORUM_PORT"):
        assert name in message
    assert "short-secret" not in message


def test_a_scorer_timeout_past_the_lease_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    monkeypatch.setenv("FORUM_SERVICE_TOKEN", "t" * 20)
    monkeypatch.setenv("FORUM_PSEUDONYM_SECRET", "x" * 20)
    monkeypatch.setenv("FORUM_AT_REST_KEY", "k" * 40)
    monkeypatch.setenv("FORUM_MODERATION_LEASE_SECONDS", "30")
    monkeypatch.setenv("FORUM_MODERATION_SCORER_TIMEOUT_SECONDS", "30")
    with pytest.raises(ConfigError) as caught:
        ServiceSettings.from_env()
    assert "FORUM_MODERATION_SCORER_TIMEOUT_SECONDS must be shorter" in str(caught.value)
    monkeypatch.setenv("FORUM_MODERATION_SCORER_TIMEOUT_SECONDS", "29.5")
    assert ServiceSettings.from_env().moderation_scorer_timeout_seconds == 29.5


def test_cli_exits_2_with_a_message_on_bad_configuration(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir("/")
    monkeypatch.delenv("FORUM_SERVICE_TOKEN", raising=False)
    assert main(["migrate"]) == 2
    assert "FORUM_SERVICE_TOKEN" in capsys.readouterr().err


BOT_SECRETS = ("FORUM_SERVICE_TOKEN", "IDENTITY_PEPPER", "BOT_STORE_SECRET")


def test_cli_exits_2_with_a_message_on_bad_bot_configuration(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir("/")
    for name in BOT_SECRETS:
        monkeypatch.delenv(name, raising=False)
    assert main(["bot"]) == 2
    error = capsys.readouterr().err
    assert "invalid bot configuration" in error
    assert all(name in error for name in BOT_SECRETS)


def test_single_process_without_a_token_runs_without_the_bot_and_says_what_it_needs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir("/")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("IDENTITY_PEPPER", raising=False)
    monkeypatch.delenv("BOT_STORE_SECRET", raising=False)
    assert load_bot_settings("http://127.0.0.1:8080") is None
    assert "Telegram bot is off: no TELEGRAM_BOT_TOKEN" in caplog.text
    assert "IDENTITY_PEPPER" in caplog.text and "BOT_STORE_SECRET" in caplog.text


def test_single_process_with_a_token_and_a_bad_bot_setting_stops_with_the_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir("/")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.delenv("IDENTITY_PEPPER", raising=False)
    with pytest.raises(BotConfigError) as caught:
        load_bot_settings("http://127.0.0.1:8080")
    assert "IDENTITY_PEPPER" in str(caught.value)


def test_bootstrap_admin_ids_must_be_ascii_digits_and_are_not_echoed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir("/")
    for name in BOT_SECRETS:
        monkeypatch.setenv(name, "s" * 20)
    monkeypatch.setenv("BOT_ADMIN_TELEGRAM_IDS", "123,4²5")
    with pytest.raises(BotConfigError) as caught:
        BotSettings.from_env()
    assert "BOT_ADMIN_TELEGRAM_IDS" in str(caught.value)
    assert "4²5" not in str(caught.value)


def test_run_with_a_token_and_a_bad_bot_setting_exits_2_before_serving(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORUM_SERVICE_TOKEN", "t" * 20)
    monkeypatch.setenv("FORUM_PSEUDONYM_SECRET", "p" * 20)
    monkeypatch.setenv("FORUM_AT_REST_KEY", "k" * 40)
    monkeypatch.setenv("FORUM_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/forum.db")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.delenv("BOT_STORE_SECRET", raising=False)
    assert main(["run"]) == 2
    error = capsys.readouterr().err
    assert "invalid bot configuration" in error and "BOT_STORE_SECRET" in error
    assert not (tmp_path / "forum.db").exists()


async def test_openapi_lists_what_the_server_answers(api: Api) -> None:
    """Issue 13, item 9: a 413 undocumented, the 200 of an idempotent replay missing, and
    X-Forum-Identity marked required on GET /boards, which ignores it."""
    document: dict[str, Any] = await (await api.client.get("/api/v1/openapi.json")).json()
    paths = document["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= operation["responses"].keys(), (method, path)
    for path in ("/api/v1/threads", "/api/v1/threads/{thread_id}/posts"):
        assert {"200", "201"} <= paths[path]["post"]["responses"].keys()
    # GET /boards reads the identity now: only members see the boards (issue 15).
    boards = paths["/api/v1/boards"]["get"]
    assert any(p["name"] == "X-Forum-Identity" for p in boards["parameters"])
    assert "403" in boards["responses"]
    post = paths["/api/v1/posts/{post_id}"]["get"]["parameters"][0]["schema"]
    assert (post["minimum"], post["maximum"]) == (1, 2**63 - 1)
