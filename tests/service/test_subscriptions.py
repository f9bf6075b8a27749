"""Subscriptions over the API: follow and unfollow topics, idempotently, only existing outcomes."""

from __future__ import annotations

from tests.support.api import Api

PATH = "/api/v1/me/subscriptions"


async def test_nobody_new_follows_anything(api: Api) -> None:
    listed = await api.call("GET", PATH, api.new_identity(), expect=200)
    assert listed == {"topics": []}


async def test_following_twice_is_one_subscription_and_topics_come_back_sorted(api: Api) -> None:
    me = api.new_identity()
    for topic in ("outcome:safety", "all", "digest", "all"):
        await api.call("POST", PATH, me, json={"topic": topic}, expect=200)
    listed = await api.call("GET", PATH, me, expect=200)
    assert listed["topics"] == ["all", "digest", "outcome:safety"]


async def test_unfollowing_one_topic_keeps_the_others_and_unfollowing_all_clears_them(
    api: Api,
) -> None:
    me, other = api.new_identity(), api.new_identity()
    for who in (me, other):
        for topic in ("all", "outcome:housing"):
            await api.call("POST", PATH, who, json={"topic": topic}, expect=200)
    left = await api.call("DELETE", f"{PATH}/outcome:housing", me, expect=200)
    assert left["topics"] == ["all"]
    assert (await api.call("DELETE", PATH, me, expect=200))["topics"] == []
    untouched = await api.call("GET", PATH, other, expect=200)
    assert untouched["topics"] == ["all", "outcome:housing"], "only my subscriptions go"


async def test_topics_that_are_not_all_digest_or_an_existing_outcome_are_refused(
    api: Api,
) -> None:
    me = api.new_identity()
    for topic in ("outcome:nowhere", "everything", "safety"):
        error = await api.call("POST", PATH, me, json={"topic": topic}, expect=400)
        assert error["error"]["code"] == "topic_invalid", topic
    error = await api.call("DELETE", f"{PATH}/outcome:nowhere", me, expect=400)
    assert error["error"]["code"] == "topic_invalid"
    assert (await api.call("GET", PATH, me, expect=200))["topics"] == []
