"""/readyz, /metrics and log hygiene."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from forum_service.api.keys import DATABASE, METRICS
from forum_service.app import create_app
from forum_service.observability import RedactingFilter, configure_logging
from forum_service.services.screening import ScreeningWorker
from forum_service.settings import ServiceSettings
from forum_service.storage import migrate
from moderation.ner import PiiScreen, load_pii_screen
from moderation.policy import ModerationPolicy
from tests.support.api import (
    AT_REST_KEY,
    PSEUDONYM_SECRET,
    SERVICE_TOKEN,
    Api,
    make_moderator,
)
from tests.support.scorers import KeywordScorer


def _sample(text: str, name: str, labels: str = "") -> float:
    pattern = re.compile(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", re.MULTILINE)
    match = pattern.search(text)
    return float(match.group(1)) if match else 0.0


async def test_readyz_is_degraded_without_a_model(
    api: Api, app: web.Application, pii_screen: PiiScreen
) -> None:
    before = await (await api.client.get("/readyz")).json()
    assert before["details"]["moderation_model"]["state"] == "unknown"
    await ScreeningWorker(
        app[DATABASE], lambda: None, ModerationPolicy(), load_pii=lambda: pii_screen
    ).run_once()
    response = await api.client.get("/readyz")
    body = await response.json()
    assert response.status == 200 and body["status"] == "degraded"
    assert body["details"]["moderation_model"]["state"] == "degraded"
    assert body["details"]["migrations"]["current"] == migrate.head_revision()
    await ScreeningWorker(
        app[DATABASE], KeywordScorer, ModerationPolicy(), load_pii=lambda: pii_screen
    ).run_once()
    assert (await (await api.client.get("/readyz")).json())["status"] == "ready"


async def test_readyz_says_the_pii_screen_is_degraded_without_an_ner_model(
    api: Api, app: web.Application
) -> None:
    await ScreeningWorker(
        app[DATABASE],
        KeywordScorer,
        ModerationPolicy(),
        load_pii=lambda: load_pii_screen("none"),
    ).run_once()
    body = await (await api.client.get("/readyz")).json()
    assert body["status"] == "degraded"
    assert body["details"]["pii_screen"]["detail"].startswith("PII screen degraded: no NER model")
    assert body["details"]["moderation_model"]["state"] == "ok"


async def test_readyz_is_not_ready_when_migrations_are_behind(
    aiohttp_client: object, empty_database_url: str
) -> None:
    await migrate.upgrade(empty_database_url, "0001")
    settings = ServiceSettings(
        database_url=empty_database_url,
        service_token=SERVICE_TOKEN,
        pseudonym_secret=PSEUDONYM_SECRET,
        at_rest_key=AT_REST_KEY,
        _env_file=None,
    )
    client: TestClient[web.Request, web.Application] = await aiohttp_client(create_app(settings))  # type: ignore[operator]
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 503 and body["status"] == "not_ready"
    assert "migrate" in body["details"]["migrations"]["detail"]


async def test_metrics_expose_the_named_series_and_move_with_work(
    api: Api, app: web.Application
) -> None:
    names = [
        "forum_http_request_duration_seconds_count",
        "forum_moderation_queue_depth",
        "forum_moderation_queue_oldest_age_seconds",
        "forum_moderation_batch_duration_seconds_count",
        "forum_moderation_posts_per_second",
        "forum_notifications",
        "forum_telegram_rate_limited_total",
        "forum_posts_created_total",
    ]
    first = await (await api.client.get("/metrics")).text()
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    await api.new_thread(author)
    metrics = app[METRICS]
    worker = ScreeningWorker(app[DATABASE], KeywordScorer, ModerationPolicy())
    worker.on_batch = metrics.record_batch
    await worker.run_once()
    second = await (await api.client.get("/metrics")).text()
    for name in names:
        assert name in second, name
    assert (
        _sample(second, "forum_posts_created_total")
        == _sample(first, "forum_posts_created_total") + 1
    )
    assert _sample(second, "forum_moderation_queue_depth") == 1
    assert _sample(second, "forum_moderation_batch_duration_seconds_count") == 1
    assert _sample(second, "forum_moderation_posts_per_second") > 0
    assert _sample(second, "forum_moderation_screened_posts_total", '{result="screened"}') == 1
    (item,) = (await api.call("GET", "/api/v1/moderation/queue", mod, expect=200))["items"]
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        mod,
        json={"version": item["version"], "action": "approve"},
        expect=200,
    )
    claimed = await api.call("POST", "/api/v1/outbox/claim", None, json={"limit": 5}, expect=200)
    note = claimed["notifications"][0]
    await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={
            "acks": [{"id": note["id"], "outcome": "retry", "retry_after": 3, "rate_limited": True}]
        },
        expect=200,
    )
    third = await (await api.client.get("/metrics")).text()
    assert _sample(third, "forum_moderation_queue_depth") == 0
    assert _sample(third, "forum_telegram_rate_limited_total") == 1
    assert _sample(third, "forum_notifications", '{status="pending"}') == 1
    assert 'route="/api/v1/threads"' in third
    assert re.search(r'route="/api/v1/posts/\d', third) is None, "routes are templates, not paths"


async def test_service_logs_hold_no_identity_key_or_post_text(
    api: Api, app: web.Application, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    secret_text = "Zq7 confidential body about a survivor in Leeds"
    created = await api.new_thread(author, title="Quiet title Xy9", body=secret_text)
    await ScreeningWorker(app[DATABASE], KeywordScorer, ModerationPolicy()).run_once()
    (item,) = (await api.call("GET", "/api/v1/moderation/queue", mod, expect=200))["items"]
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        mod,
        json={"version": item["version"], "action": "reject", "reason": "Zq7 reason"},
        expect=200,
    )
    await api.call("POST", "/api/v1/threads", author, json={"board": "x", "title": "t", "body": 5})
    await api.call("GET", f"/api/v1/posts/{created['post']['id']}", author, expect=200)
    lines = [record.getMessage() for record in caplog.records]
    assert lines, "the flow logged something"
    everything = "\n".join(lines)
    for forbidden in (author, mod, secret_text, "Quiet title Xy9", "Zq7"):
        assert forbidden not in everything


def test_redacting_filter_and_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "key %s token %s",
        ("ab" * 32, "123456789:AAEhBP0av28-abcdefghijklmnopqrstuvwxyz"),
        None,
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "key <identity-key> token <bot-token>"
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("INFO", "json")
        logging.getLogger("forum_service.test").info("hello %s", "cd" * 32)
        out = capsys.readouterr().err.strip().splitlines()[-1]
        parsed = json.loads(out)
        assert parsed["message"] == "hello <identity-key>" and parsed["level"] == "INFO"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_logged_traceback_is_scrubbed_too(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Libraries log failures with ``exc_info``; a token in an exception (a URL in a client
    error, say) must not reach the log through the traceback."""
    token = "123456789:AAEhBP0av28-abcdefghijklmnopqrstuvwxyz"
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("INFO", fmt)
        try:
            raise ConnectionError(f"https://api.telegram.org/bot{token}/getMe unreachable")
        except ConnectionError:
            logging.getLogger("telegram.ext.test").exception("request failed")
        # The way httpx logs a request: the token right after "bot", no word boundary.
        logging.getLogger("telegram.ext.test").warning(
            "POST https://api.telegram.org/bot%s/x", token
        )
        err = capsys.readouterr().err
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert "request failed" in err and "ConnectionError" in err
    assert token not in err
    assert "<bot-token>" in err
