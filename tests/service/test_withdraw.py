"""Withdrawing a pending post over the real service: out of the queue, its text erased, refused
once decided (SQLite and PostgreSQL)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from forum_service.api.keys import DATABASE
from forum_service.storage.tables import PostRevisionRow, PostRow, ThreadRow
from tests.support.api import Api, make_moderator, moderation_queue, new_admin
from tests.support.dbdump import dump_all_tables, dump_text
from tests.support.moderating import approved_thread, decide, reply


async def test_withdrawing_a_pending_thread_empties_the_queue_and_erases_its_text(
    api: Api, app: web.Application, database_url: str
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(
        author, title="Withdrawn title zq", body="Regret writing 07700 900123 zq"
    )
    post_id = created["post"]["id"]
    assert [i["post"]["id"] for i in await moderation_queue(api, mod)] == [post_id]

    body = await api.call("POST", f"/api/v1/posts/{post_id}/withdraw", author, expect=200)
    assert body["post"]["status"] == "withdrawn" and body["post"]["body"] == ""
    assert await moderation_queue(api, mod) == []
    mine = await api.call("GET", "/api/v1/me/posts", author, expect=200)
    assert [(p["id"], p["status"]) for p in mine["posts"]] == [(post_id, "withdrawn")]
    async with app[DATABASE].read("t") as session:
        assert await session.scalar(select(PostRow.body).where(PostRow.id == post_id)) == ""
        revisions = (
            await session.execute(
                select(PostRevisionRow.body, PostRevisionRow.title).where(
                    PostRevisionRow.post_id == post_id
                )
            )
        ).all()
        assert revisions == [("", None)]
        title = await session.scalar(
            select(ThreadRow.title).where(ThreadRow.id == created["thread_id"])
        )
        assert title == ""
    stored = dump_text(await dump_all_tables(database_url))
    assert "zq" not in stored and "900123" not in stored, "nothing of the text is kept"
    audit = await api.call("GET", "/api/v1/admin/audit", await new_admin(api), expect=200)
    lines = [(e["actor"], e["action"], e["target_id"]) for e in audit["entries"]]
    assert ("author", "withdraw", post_id) in lines


async def test_withdrawing_a_reply_keeps_the_thread_and_is_refused_twice(api: Api) -> None:
    author, replier, mod = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    thread = await approved_thread(api, mod, author, title="Thread stays", body="Opening")
    post_id = await reply(api, replier, thread["thread_id"], "Second thoughts")
    await api.call("POST", f"/api/v1/posts/{post_id}/withdraw", replier, expect=200)
    again = await api.call("POST", f"/api/v1/posts/{post_id}/withdraw", replier, expect=409)
    assert again["error"]["code"] == "already_withdrawn"
    view = await api.call("GET", f"/api/v1/threads/{thread['thread_id']}", author, expect=200)
    assert [p["body"] for p in view["posts"]] == ["Opening"]
    assert view["thread"]["title"] == "Thread stays"


async def test_withdrawing_is_refused_once_decided_and_for_someone_elses_post(api: Api) -> None:
    author, other, mod = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    approved = await approved_thread(api, mod, author, title="Decided", body="Approved")
    refused = await api.call(
        "POST", f"/api/v1/posts/{approved['post']['id']}/withdraw", author, expect=409
    )
    assert refused["error"]["code"] == "already_decided"
    assert "no longer be withdrawn" in refused["error"]["message"]
    rejected = await api.new_thread(author, title="Rejected", body="Off topic")
    await decide(api, mod, rejected["post"]["id"], "reject", reason_code="off_topic")
    refused = await api.call(
        "POST", f"/api/v1/posts/{rejected['post']['id']}/withdraw", author, expect=409
    )
    assert refused["error"]["code"] == "already_decided"
    pending = await api.new_thread(author, title="Mine", body="Pending")
    stranger = await api.call(
        "POST", f"/api/v1/posts/{pending['post']['id']}/withdraw", other, expect=404
    )
    assert stranger["error"]["code"] == "post_not_found"
    missing = await api.call("POST", "/api/v1/posts/999999/withdraw", author, expect=404)
    assert missing["error"]["code"] == "post_not_found"
    # The pending post is untouched by the refusals and still in the queue.
    assert pending["post"]["id"] in [i["post"]["id"] for i in await moderation_queue(api, mod)]


async def test_a_moderator_cannot_decide_a_withdrawn_post(api: Api) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author, title="Race", body="Gone")
    item = [i for i in await moderation_queue(api, mod) if i["post"]["id"] == created["post"]["id"]]
    await api.call("POST", f"/api/v1/posts/{created['post']['id']}/withdraw", author, expect=200)
    late = await api.call(
        "POST",
        f"/api/v1/moderation/items/{item[0]['id']}/decision",
        mod,
        json={"version": item[0]["version"], "action": "approve"},
        expect=409,
    )
    assert late["error"]["code"] == "already_decided"
