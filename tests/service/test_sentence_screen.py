"""The worker screens with the sentence abuse model by default and health names it."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from forum_service.api.keys import DATABASE
from forum_service.scorers import scorer_loader
from forum_service.services.screening import ScreeningWorker
from forum_service.settings import ServiceSettings
from moderation.abuse_model import SCORER_NAME, AbuseHead, SentenceAbuseScorer
from moderation.embeddings import SentenceEncoder
from moderation.ner import PiiScreen
from moderation.policy import ModerationPolicy
from tests.support.api import Api, make_moderator, moderation_queue


def test_default_loader_screens_with_the_sentence_model_and_names_it(
    settings: ServiceSettings,
) -> None:
    loaded = scorer_loader(settings)()
    assert isinstance(loaded, SentenceAbuseScorer) and loaded.name == SCORER_NAME


async def test_queue_and_health_name_the_sentence_scorer(
    api: Api, app: web.Application, pii_screen: PiiScreen, sentence_encoder: SentenceEncoder
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    await api.new_thread(author, title="Hello", body="Good morning all, lovely to be here.")
    await api.new_thread(author, title="You", body="Shut up, you pathetic useless moron.")
    worker = ScreeningWorker(
        app[DATABASE],
        lambda: SentenceAbuseScorer(sentence_encoder, AbuseHead.load()),
        ModerationPolicy(),
        load_pii=lambda: pii_screen,
    )

    await worker.run_once()

    queue = await moderation_queue(api, mod)
    assert {item["scorer"] for item in queue} == {SCORER_NAME}
    flagged = [item for item in queue if item["route"] == "flagged"]
    assert len(flagged) == 1 and flagged[0]["reasons"][0].startswith("abuse ")
    for path in ("/readyz", "/healthz"):
        body = await (await api.client.get(path)).json()
        assert body["details"]["moderation_model"] == {
            "state": "ok",
            "detail": f"scorer {SCORER_NAME} loaded",
        }


async def test_without_the_sentence_model_the_word_models_screen_degraded(
    api: Api,
    app: web.Application,
    settings: ServiceSettings,
    pii_screen: PiiScreen,
    tmp_path: Path,
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    await api.new_thread(author, title="Hello", body="Good morning all.")
    (tmp_path / "no-model").mkdir()
    no_model = settings.model_copy(update={"sentence_model_dir": tmp_path / "no-model"})
    worker = ScreeningWorker(
        app[DATABASE], scorer_loader(no_model), ModerationPolicy(), load_pii=lambda: pii_screen
    )

    await worker.run_once()

    (item,) = await moderation_queue(api, mod)
    assert item["screening"] == "screened" and item["scorer"] == "offline-jigsaw-lstm-pair"
    for path in ("/readyz", "/healthz"):
        body = await (await api.client.get(path)).json()
        assert body["status"] == "degraded"
        assert body["details"]["moderation_model"] == {
            "state": "degraded",
            "detail": "degraded: no sentence model; scorer offline-jigsaw-lstm-pair loaded",
        }
