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
