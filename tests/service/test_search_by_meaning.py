"""Search re-ranked by meaning with the real all-MiniLM-L6-v2 encoder, on SQLite and
PostgreSQL: meaning decides the order among full-text hits, paraphrased duplicate titles are
shown in /new, nothing unapproved ever appears, and without the model search is as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from forum_service.api.keys import SEARCH
from forum_service.domain import SearchHit
from forum_service.runner import load_search_model
from forum_service.scorers import scorer_loader, shared_sentence_encoder
from forum_service.services.meaning import SIMILAR_THRESHOLD, Reranker
from forum_service.settings import ServiceSettings
from tests.support.api import Api, make_moderator
from tests.support.moderating import approved_thread, decide, reply


@pytest.fixture
async def moderator(api: Api) -> str:
    key = api.new_identity()
    await make_moderator(api, key)
    return key


def _app(api: Api) -> web.Application:
    app: web.Application = api.client.app  # type: ignore[assignment]
    return app


async def _search(api: Api, who: str, q: str, **params: Any) -> dict[str, Any]:
    query = {"q": q, **{k: str(v) for k, v in params.items()}}
    response = await api.client.get("/api/v1/search", params=query, headers=api.headers(who))
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    return body


def _ids(body: dict[str, Any]) -> list[int]:
    return [hit["post_id"] for hit in body["results"]]


async def _similar(api: Api, who: str, title: str) -> list[int]:
    response = await api.client.get(
        "/api/v1/threads-similar", params={"title": title}, headers=api.headers(who)
    )
    body = await response.json()
    assert response.status == 200, body
    return [t["thread_id"] for t in body["threads"]]


async def _readyz_search(api: Api) -> dict[str, str]:
    response = await api.client.get("/readyz")
    body = await response.json()
    assert response.status == 200, body
    search: dict[str, str] = body["details"]["search"]
    return search


async def test_a_query_phrased_unlike_the_thread_ranks_the_meaning_match_first(
    api: Api, moderator: str, sentence_encoder: Any
) -> None:
    reader = api.new_identity()
    # Every thread holds every word of the query, so full-text search finds all three and
    # ranks the short, word-dense decoys (title matches) first; one thread is about cuckooing.
    decoys = []
    for title, body in (
        (
            "Tenant flat repairs",
            "The tenant flat needs a new boiler and the landlord took over a month to reply. "
            "The council sent a list of boiler dealers and a leaflet on drug and alcohol "
            "services in the area; repairs are still not booked.",
        ),
        (
            "Tenant flat move",
            "Help for a tenant moving flat: a removals firm took the furniture over on Tuesday, "
            "second-hand furniture dealers bought the rest, and the GP moved her drug "
            "prescription to the new pharmacy.",
        ),
    ):
        made = await approved_thread(api, moderator, api.new_identity(), title=title, body=body)
        decoys.append(made["post"]["id"])
    meant = (
        await approved_thread(
            api,
            moderator,
            api.new_identity(),
            title="Worried about a client",
            body=(
                "Drug dealers have taken his council flat over: the tenant, a vulnerable man, "
                "is kept in one room while a gang sells from it and threatens him if he tells "
                "anyone."
            ),
        )
    )["post"]["id"]
    query = "drug dealers tenant flat"
    by_words = _ids(await _search(api, reader, query))
    assert set(by_words) == {*decoys, meant}
    assert by_words[0] != meant, "full-text alone does not put the meaning match first"
    assert (await _readyz_search(api))["state"] == "full_text_only"

    _app(api)[SEARCH].use_encoder(sentence_encoder)
    by_meaning = _ids(await _search(api, reader, query))
    assert sorted(by_meaning) == sorted(by_words), "re-ranking only reorders what FTS found"
    assert by_meaning[0] == meant
    assert _ids(await _search(api, reader, query)) == by_meaning, "the same order again"
    ready = await _readyz_search(api)
    assert ready["state"] == "ok" and "re-ranked by meaning" in ready["detail"]


def _hit(n: int, title: str) -> SearchHit:
    return SearchHit(
        post_id=n,
        thread_id=n,
        thread_title=title,
        board_slug="safety",
        is_opening=True,
        body="",
        author_pseudonym="x",
    )


# A new title, then existing titles: paraphrased duplicates, and threads sharing its words
# about something else. SIMILAR_THRESHOLD was chosen between the two groups' cosines.
_DUPLICATES = [
    (
        "Survivor needs somewhere safe to sleep tonight",
        "Emergency accommodation for a survivor tonight",
    ),
    ("Client's phone was taken by her controller", "Controller confiscated client's mobile phone"),
    ("Getting a bank account without ID", "Opening a bank account when the survivor has no ID"),
    (
        "NRM referral refused, how to ask for reconsideration",
        "Reconsideration request after a negative NRM decision",
    ),
]
_DISTINCT = [
    ("Survivor needs somewhere safe to sleep tonight", "Survivor's court hearing moved"),
    ("Survivor needs somewhere safe to sleep tonight", "Survivor asks about compensation claims"),
    ("Client's phone was taken by her controller", "Client wants a phone interpreter"),
    ("Getting a bank account without ID", "Bank holiday opening hours of the hub"),
    ("NRM referral refused, how to ask for reconsideration", "NRM referral form for children"),
]


async def test_the_similarity_threshold_separates_the_examples(sentence_encoder: Any) -> None:
    reranker = Reranker(sentence_encoder)
    for title, existing in _DUPLICATES:
        kept = await reranker.similar(title, [_hit(1, existing)], limit=3)
        assert kept and kept[0][1] >= SIMILAR_THRESHOLD, (title, existing, kept)
    for title, existing in _DISTINCT:
        kept = await reranker.similar(title, [_hit(1, existing)], limit=3)
        assert kept == [], (title, existing, kept)


async def test_new_shows_a_paraphrased_duplicate_and_not_threads_that_only_share_a_word(
    api: Api, moderator: str, sentence_encoder: Any
) -> None:
    author = api.new_identity()
    made = {}
    for title in (
        "Emergency accommodation for a survivor tonight",
        "Survivor's court hearing moved",
        "Survivor asks about compensation claims",
        "Survivor tonight: interpreter for the police interview",
    ):
        thread = await approved_thread(api, moderator, api.new_identity(), title=title, body="…")
        made[title] = thread["thread_id"]
    await api.new_thread(
        api.new_identity(), title="Safe place to sleep tonight for a survivor", body="pending"
    )
    new_title = "Survivor needs somewhere safe to sleep tonight"
    by_words = await _similar(api, author, new_title)
    assert len(by_words) == 3, "full-text only: any three sharing a title word"

    _app(api)[SEARCH].use_encoder(sentence_encoder)
    assert await _similar(api, author, new_title) == [
        made["Emergency accommodation for a survivor tonight"]
    ]
    assert await _similar(api, author, "the and of") == []


async def test_pending_rejected_and_hidden_text_never_appears_when_re_ranked(
    api: Api, moderator: str, sentence_encoder: Any
) -> None:
    _app(api)[SEARCH].use_encoder(sentence_encoder)
    author, replier, reader = api.new_identity(), api.new_identity(), api.new_identity()
    thread = await approved_thread(
        api, moderator, author, title="Cuckooing", body="Dealers took over a tenant's flat."
    )
    await reply(api, replier, thread["thread_id"], "cuckooing: a gang took his flat (pending)")
    rejected = await reply(api, replier, thread["thread_id"], "cuckooing gang flat rejected")
    await decide(api, moderator, rejected, "reject", reason_code="off_topic")
    hidden = await reply(api, replier, thread["thread_id"], "cuckooing gang flat later hidden")
    await decide(api, moderator, hidden, "approve")
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{hidden}/hide",
        moderator,
        json={"reason": "identifies someone"},
        expect=200,
    )
    assert _ids(await _search(api, reader, "cuckooing")) == [thread["post"]["id"]]


async def test_pages_over_the_re_ranked_list_cover_every_hit_once_in_a_stable_order(
    api: Api, moderator: str, sentence_encoder: Any
) -> None:
    _app(api)[SEARCH].use_encoder(sentence_encoder)
    ids = []
    for _ in range(7):  # the same text: equal blends, so the order is by post id
        made = await approved_thread(
            api, moderator, api.new_identity(), title="Interpreter", body="interpreter needed"
        )
        ids.append(made["post"]["id"])
    reader = api.new_identity()
    first = await _search(api, reader, "interpreter needed")
    second = await _search(api, reader, "interpreter needed", page=2)
    assert first["has_more"] is True and second["has_more"] is False
    assert _ids(first) + _ids(second) == sorted(ids)
    assert _ids(await _search(api, reader, "interpreter needed")) == _ids(first)


async def test_without_the_model_search_stays_full_text_and_readyz_says_so(
    api: Api, moderator: str, settings: ServiceSettings, tmp_path: Path
) -> None:
    app = _app(api)
    empty = settings.model_copy(update={"sentence_model_dir": tmp_path / "none"})
    await load_search_model(app, empty)
    ready = await _readyz_search(api)
    assert ready == {"state": "full_text_only", "detail": ready["detail"]}
    assert ready["detail"].startswith("search: full-text only (no sentence model installed")
    # A model directory whose files differ from their pins: refused, still never a failure.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    await load_search_model(app, settings.model_copy(update={"sentence_model_dir": broken}))
    ready = await _readyz_search(api)
    assert ready["state"] == "full_text_only" and "failed to load" in ready["detail"]
    thread = await approved_thread(
        api, moderator, api.new_identity(), title="Housing help", body="housing"
    )
    assert _ids(await _search(api, api.new_identity(), "housing")) == [thread["post"]["id"]]


async def test_the_worker_screen_and_search_share_one_encoder(
    api: Api, settings: ServiceSettings, sentence_encoder: Any
) -> None:
    await load_search_model(_app(api), settings)
    ready = await _readyz_search(api)
    assert ready["state"] == "ok", ready
    scorer: Any = scorer_loader(settings)()
    assert scorer.encoder is shared_sentence_encoder(None) is sentence_encoder
