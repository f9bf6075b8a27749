"""Full-text search over the real service on SQLite FTS5 and PostgreSQL tsvector: only approved
text is ever found, ranking is stable, pages, the outcome filter, query syntax is inert."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api, make_moderator
from tests.support.moderating import approved_thread, decide, reply


@pytest.fixture
async def moderator(api: Api) -> str:
    """A moderator who approves what the tests need approved."""
    key = api.new_identity()
    await make_moderator(api, key)
    return key


async def _search(api: Api, who: str, q: str, **params: Any) -> dict[str, Any]:
    query = {"q": q, **{k: str(v) for k, v in params.items()}}
    response = await api.client.get("/api/v1/search", params=query, headers=api.headers(who))
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    return body


def _post_ids(body: dict[str, Any]) -> list[int]:
    return [hit["post_id"] for hit in body["results"]]


async def test_search_finds_approved_threads_and_replies_and_never_pending_or_rejected_text(
    api: Api, moderator: str
) -> None:
    author, replier, reader = api.new_identity(), api.new_identity(), api.new_identity()
    thread = await approved_thread(
        api, moderator, author, title="Cuckooing and county lines", body="A tenant's flat taken."
    )
    approved_reply = await reply(api, replier, thread["thread_id"], "Cuckooing again on Friday")
    await decide(api, moderator, approved_reply, "approve")
    pending_reply = await reply(api, replier, thread["thread_id"], "cuckooing pendingword")
    rejected = await reply(api, replier, thread["thread_id"], "cuckooing rejectedword")
    await decide(api, moderator, rejected, "reject", reason_code="off_topic")
    pending_thread = await api.new_thread(author, title="Cuckooing unseen", body="secretword")

    found = await _search(api, reader, "cuckooing")
    ids = _post_ids(found)
    assert set(ids) == {thread["post"]["id"], approved_reply}
    assert ids[0] == thread["post"]["id"], "a title match ranks first"
    hit = found["results"][0]
    assert hit["thread_title"] == "Cuckooing and county lines" and hit["board"] == "safety"
    assert hit["is_opening"] is True
    for word in ("pendingword", "rejectedword", "secretword", "unseen"):
        assert _post_ids(await _search(api, reader, word)) == [], word
    assert pending_reply and pending_thread  # they exist, and are not found


async def test_hidden_after_approval_and_a_moderator_edit_leave_the_index(
    api: Api, moderator: str
) -> None:
    author, reporter = api.new_identity(), api.new_identity()
    thread = await approved_thread(
        api, moderator, author, title="Housing referrals", body="Ring Sam on 07700 900123 quickly"
    )
    post_id = thread["post"]["id"]
    assert _post_ids(await _search(api, reporter, "quickly")) == [post_id]
    # Reported, then a moderator redacts the text and approves it again: a new revision.
    await api.call(
        "POST", f"/api/v1/posts/{post_id}/reports", reporter, json={"reason": "phone"}, expect=201
    )
    await decide(api, moderator, post_id, "edit_approve", body="Ring the helpline promptly")
    assert _post_ids(await _search(api, reporter, "quickly")) == []
    assert _post_ids(await _search(api, reporter, "promptly")) == [post_id]
    # Hidden after approval: gone from search.
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post_id}/hide",
        moderator,
        json={"reason": "identifies someone"},
        expect=200,
    )
    assert _post_ids(await _search(api, reporter, "promptly")) == []
    assert _post_ids(await _search(api, reporter, "housing referrals")) == []


async def test_a_reply_in_a_thread_hidden_since_is_not_found(api: Api, moderator: str) -> None:
    author, replier = api.new_identity(), api.new_identity()
    thread = await approved_thread(api, moderator, author, title="Trafficking", body="opening")
    answer = await reply(api, replier, thread["thread_id"], "orphanedword in a reply")
    await decide(api, moderator, answer, "approve")
    assert _post_ids(await _search(api, author, "orphanedword")) == [answer]
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{thread['post']['id']}/hide",
        moderator,
        json={"reason": "off topic"},
        expect=200,
    )
    assert _post_ids(await _search(api, author, "orphanedword")) == []


async def test_ranking_is_stable_ties_by_id_and_pages_cover_every_hit_once(
    api: Api, moderator: str
) -> None:
    author = api.new_identity()
    ids = []
    for n in range(7):  # the same text: equal scores, so the order is by post id
        created = await approved_thread(
            api, moderator, api.new_identity(), title=f"Interpreter {n}", body="interpreter needed"
        )
        ids.append(created["post"]["id"])
    first = await _search(api, author, "needed")
    second = await _search(api, author, "needed", page=2)
    assert first["has_more"] is True and second["has_more"] is False
    assert len(first["results"]) == 5 and first["page"] == 1
    assert _post_ids(first) + _post_ids(second) == sorted(ids)
    again = await _search(api, author, "needed")
    assert _post_ids(again) == _post_ids(first), "the same query answers in the same order"


async def test_the_outcome_filter_keeps_one_board(api: Api, moderator: str) -> None:
    author = api.new_identity()
    housing = await approved_thread(
        api, moderator, author, board="housing", title="Tenancy", body="landlord refuses"
    )
    await approved_thread(
        api, moderator, author, board="safety", title="Threats", body="landlord threatens"
    )
    assert _post_ids(await _search(api, author, "landlord", board="housing")) == [
        housing["post"]["id"]
    ]
    assert len(_post_ids(await _search(api, author, "landlord"))) == 2
    for board_id in range(1, 9):  # the index's own board token is not a word of the posts
        assert _post_ids(await _search(api, author, f"board{board_id}")) == []
    missing = await api.client.get(
        "/api/v1/search", params={"q": "landlord", "board": "nowhere"}, headers=api.headers(author)
    )
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "board_not_found"


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'cuckooing"',
        "cuckoo*",
        "NEAR(cuckooing flat)",
        "-cuckooing",
        "cuckooing OR",
        "title:cuckooing",
        "AND",
        "(((",
        "cuckooing'; DROP TABLE posts; --",
        "^cuckooing",
        "cuckooing + flat",
    ],
)
async def test_search_syntax_from_outside_is_plain_words(
    api: Api, moderator: str, query: str
) -> None:
    author = api.new_identity()
    thread = await approved_thread(
        api, moderator, author, title="Cuckooing", body="the flat was taken over"
    )
    response = await api.client.get(
        "/api/v1/search", params={"q": query}, headers=api.headers(author)
    )
    body = await response.json()
    if response.status == 400:  # nothing but syntax: no word to look for
        assert body["error"]["code"] == "query_empty", body
        assert not any(ch.isalnum() for ch in query)
    else:
        assert response.status == 200, body
        ids = _post_ids(body)
        assert ids in ([], [thread["post"]["id"]])
    # The index survives whatever was typed.
    assert _post_ids(await _search(api, author, "flat")) == [thread["post"]["id"]]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "query_empty"),
        ({"q": ""}, "query_empty"),
        ({"q": "   \t"}, "query_empty"),
        ({"q": "x" * 201}, "query_too_long"),
        ({"q": "word", "page": "0"}, "invalid_query"),
        ({"q": "word", "page": "1x"}, "invalid_query"),
    ],
)
async def test_bad_search_input_gets_a_clear_error(
    api: Api, params: dict[str, str], code: str
) -> None:
    response = await api.client.get(
        "/api/v1/search", params=params, headers=api.headers(api.new_identity())
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == code


async def test_similar_threads_match_title_words_best_first_at_most_three(
    api: Api, moderator: str
) -> None:
    author = api.new_identity()
    best = await approved_thread(api, moderator, author, title="Cuckooing of tenancies", body="one")
    other = []
    for title in ("Cuckooing in Leeds", "Cuckooing again", "Cuckooing, a fourth"):
        other.append(
            (await approved_thread(api, moderator, api.new_identity(), title=title, body="x"))[
                "post"
            ]["id"]
        )
    await approved_thread(
        api, moderator, api.new_identity(), title="Benefit sanctions", body="cuckooing"
    )
    await api.new_thread(api.new_identity(), title="Cuckooing tenancies pending", body="unseen")
    response = await api.client.get(
        "/api/v1/threads-similar",
        params={"title": "Cuckooing and tenancies?"},
        headers=api.headers(author),
    )
    body = await response.json()
    assert response.status == 200, body
    ids = [t["post_id"] for t in body["threads"]]
    assert len(ids) == 3 and ids[0] == best["post"]["id"]
    assert set(ids[1:]) <= set(other), "body text and pending threads are not titles"
    none = await api.client.get(
        "/api/v1/threads-similar", params={"title": "the and of"}, headers=api.headers(author)
    )
    assert (await none.json())["threads"] == []


@pytest.mark.membership("invite")
async def test_search_is_for_members_only(api: Api) -> None:
    response = await api.client.get(
        "/api/v1/search", params={"q": "word"}, headers=api.headers(api.new_identity())
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "membership_required"


async def test_a_held_thread_takes_its_replies_out_until_a_moderator_restores_it(
    api: Api, moderator: str
) -> None:
    author, replier, reporter = api.new_identity(), api.new_identity(), api.new_identity()
    thread = await approved_thread(api, moderator, author, title="Benefits", body="opening")
    answer = await reply(api, replier, thread["thread_id"], "heldreplyword here")
    await decide(api, moderator, answer, "approve")
    opening = thread["post"]["id"]
    await api.call(
        "POST",
        f"/api/v1/posts/{opening}/reports",
        reporter,
        json={"category": "identifies_someone"},
        expect=201,
    )
    assert _post_ids(await _search(api, reporter, "heldreplyword")) == []
    assert _post_ids(await _search(api, reporter, "benefits")) == []
    await decide(api, moderator, opening, "approve")
    assert _post_ids(await _search(api, reporter, "heldreplyword")) == [answer]
    assert _post_ids(await _search(api, reporter, "benefits")) == [opening]
