"""Deciding posts through the real moderation API, for tests that need approved content."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api, moderation_queue


async def item_for(api: Api, moderator: str, post_id: int) -> dict[str, Any]:
    """The queue item of ``post_id`` as ``moderator`` sees it."""
    items = [i for i in await moderation_queue(api, moderator) if i["post"]["id"] == post_id]
    assert len(items) == 1, items
    return items[0]


async def decide(api: Api, moderator: str, post_id: int, action: str, **fields: Any) -> Any:
    """Decide ``post_id``'s item (``approve``, ``edit_approve``, ``reject``)."""
    item = await item_for(api, moderator, post_id)
    return await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        moderator,
        json={"version": item["version"], "action": action, **fields},
        expect=200,
    )


async def approved_thread(
    api: Api, moderator: str, author: str, *, board: str = "safety", title: str, body: str
) -> dict[str, Any]:
    """Start a thread as ``author`` and have ``moderator`` approve it; its create answer."""
    created = await api.new_thread(author, board=board, title=title, body=body)
    await decide(api, moderator, created["post"]["id"], "approve")
    return created


async def reply(api: Api, author: str, thread_id: int, body: str) -> int:
    """Reply as ``author`` (pending); the new post's id."""
    answer = await api.call(
        "POST", f"/api/v1/threads/{thread_id}/posts", author, json={"body": body}, expect=201
    )
    return int(answer["post"]["id"])
