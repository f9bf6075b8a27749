"""Migration 0006 converts a live forum in place and everything keeps working.

A small forum is written with raw SQL in the schema of revision 0005 (identity keys in clear,
every row pointing at an ``identities`` row), then upgraded with the service's secrets. The
converted database must hold no identity key and no linking column, and the real service,
started on it, must still know whose post, report, RSVP, subscription and notification each
row is: pending threads stay private, pseudonyms and idempotency keys carry over, moderators
can still reach an author without learning who it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from forum_service.app import create_app
from forum_service.pseudonyms import Pseudonymizer
from forum_service.settings import ServiceSettings
from forum_service.storage import migrate
from forum_service.storage.tables import Base, is_mapped_name
from forum_service.storage.vault_repo import KeyMismatch
from mscos_forum.cli import main
from tests.support.api import AT_REST_KEY, PSEUDONYM_SECRET, SERVICE_TOKEN, Api
from tests.support.dbdump import dump_all_tables, dump_text

#: The 0005 columns that linked a row to a person (or kept what 0006 drops).
OLD_COLUMNS = {
    "identities": {"key", "created_at"},
    "threads": {"author_id"},
    "posts": {"author_id"},
    "reports": {"reporter_id"},
    "rsvps": {"identity_id"},
    "subscriptions": {"identity_id"},
    "notifications": {"recipient_id", "sent_at"},
    "idempotency_keys": {"identity_id", "key"},
}
LINKING_COLUMN = re.compile(r"(identity_id|author_id|recipient_id|reporter_id)$")
#: Tables whose rows the conversion keeps, every one of them.
KEPT_TABLES = (
    "identities",
    "threads",
    "posts",
    "post_revisions",
    "moderation_items",
    "reports",
    "idempotency_keys",
    "expert_forums",
    "rsvps",
    "subscriptions",
    "scheduled_jobs",
    "audit_log",
)
NO_VAULT_MESSAGE = "migration 0006 converts existing people and posts and needs the service's"
NO_DOWNGRADE_MESSAGE = "0006 cannot be undone on a database with people in it"
IDEMPOTENCY_KEY = "tg-123"


def _settings(url: str, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "database_url": url,
        "service_token": SERVICE_TOKEN,
        "pseudonym_secret": PSEUDONYM_SECRET,
        "at_rest_key": AT_REST_KEY,
        "membership": "open",
        # Decisions told at once, as before the undo window existed.
        "undo_seconds": 0,
        **overrides,
    }
    return ServiceSettings(**values, _env_file=None)


def _fingerprint(*parts: str) -> str:
    """What the 0005 service stored for an Idempotency-Key (``services.boards._fingerprint``)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class OldForum:
    """What was written at revision 0005, to check the converted forum against."""

    url: str
    keys: dict[str, str] = field(default_factory=dict)  # person → identity key
    ids: dict[str, int] = field(default_factory=dict)  # person → identities.id
    threads: dict[str, int] = field(default_factory=dict)
    posts: dict[str, int] = field(default_factory=dict)
    authors: dict[str, str] = field(default_factory=dict)  # post name → person
    bodies: dict[str, str] = field(default_factory=dict)
    pseudonyms: dict[tuple[str, str], str] = field(default_factory=dict)  # (person, thread)
    items: dict[str, int] = field(default_factory=dict)  # post name → moderation item id
    forum_id: int = 0
    pending_prefix: str = ""  # the pending notification's fan-out dedupe prefix
    counts: dict[str, int] = field(default_factory=dict)

    def posts_of(self, person: str) -> list[int]:
        """The ids of ``person``'s posts, newest first (as ``/me/posts`` lists them)."""
        mine = [self.posts[name] for name, author in self.authors.items() if author == person]
        return sorted(mine, reverse=True)


async def _insert(conn: AsyncConnection, table: str, **values: Any) -> int:
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    # Table and column names are this file's literals; values are bound.
    statement = f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"  # noqa: S608
    return int((await conn.execute(sa.text(statement), values)).scalar_one())


async def _counts(conn: AsyncConnection, tables: tuple[str, ...]) -> dict[str, int]:
    counts = {}
    for table in tables:
        # Names from the literal tuple above.
        counts[table] = int((await conn.scalar(sa.text(f"SELECT COUNT(*) FROM {table}"))) or 0)  # noqa: S608
    return counts


async def _seed_0005(conn: AsyncConnection, forum: OldForum) -> None:
    """A small forum as the 0005 service wrote it."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    pseudonyms = Pseudonymizer(PSEUDONYM_SECRET.encode())
    boards = {slug: id_ for slug, id_ in await conn.execute(sa.text("SELECT slug, id FROM boards"))}
    for person, role in (("alice", "practitioner"), ("bob", "practitioner"), ("mod", "moderator")):
        key = secrets.token_hex(32)
        forum.keys[person] = key
        forum.ids[person] = await _insert(
            conn,
            "identities",
            key=key,
            role=role,
            suspended=False,
            created_at=now - timedelta(days=40),
        )

    async def post(
        name: str, person: str, thread: str, body: str, status: str, at: datetime, **extra: Any
    ) -> None:
        thread_id = forum.threads[thread]
        pseudonym = pseudonyms.for_thread(forum.keys[person], thread_id)
        forum.pseudonyms[person, thread] = pseudonym
        title = extra.pop("title", None)  # opening posts only
        post_id = await _insert(
            conn,
            "posts",
            thread_id=thread_id,
            author_id=forum.ids[person],
            pseudonym=pseudonym,
            is_opening=title is not None,
            body=body,
            status=status,
            revision=1,
            rejection_reason=extra.pop("rejection_reason", None),
            created_at=at,
            updated_at=at + timedelta(minutes=30),
            approved_at=at + timedelta(minutes=30) if status == "approved" else None,
        )
        forum.posts[name], forum.authors[name], forum.bodies[name] = post_id, person, body
        await _insert(
            conn,
            "post_revisions",
            post_id=post_id,
            revision=1,
            kind="submitted",
            title=title,
            body=body,
            created_at=at,
        )
        decided = status in ("approved", "rejected")
        forum.items[name] = await _insert(
            conn,
            "moderation_items",
            post_id=post_id,
            status=extra.pop("item_status", status),
            version=extra.pop("version", 2 if decided else 1),
            screening=extra.pop("screening", "screened"),
            screened_revision=1,
            screen_attempts=1,
            route="human",
            priority=0.1,
            scorer="detoxify",
            scores=json.dumps({"toxicity": 0.02, "threat": 0.001}),
            findings=json.dumps({"pii": [], "watch": []}),
            reasons=json.dumps({"reasons": ["low risk"]}),
            open_reports=extra.pop("open_reports", 0),
            claimed_by=extra.pop("claimed_by", None),
            claim_expires_at=extra.pop("claim_expires_at", None),
            created_at=at,
            updated_at=at + timedelta(minutes=30),
            decided_at=at + timedelta(minutes=30) if decided else None,
        )
        assert not extra, extra

    async def thread(
        name: str, person: str, board: str, title: str, status: str, at: datetime
    ) -> None:
        forum.threads[name] = await _insert(
            conn,
            "threads",
            board_id=boards[board],
            author_id=forum.ids[person],
            title=title,
            status=status,
            created_at=at,
            last_activity_at=at + timedelta(hours=2),
        )

    day = now - timedelta(days=10)
    await thread("housing", "alice", "housing", "Finding a first flat", "approved", day)
    # Reported by bob: the item went back to the queue, the post stays approved.
    await post(
        "p1",
        "alice",
        "housing",
        "How did others find a first flat after leaving a shelter?",
        "approved",
        day,
        title="Finding a first flat",
        item_status="pending",
        version=3,
        open_reports=1,
    )
    await post("p2", "bob", "housing", "Our council had a list of landlords.", "approved", day)
    await post("p3", "alice", "housing", "Thank you, I will ask mine.", "approved", day)
    # Pending, claimed by the moderator a minute ago (the claim lasts 10 minutes).
    await post(
        "p4",
        "bob",
        "housing",
        "Also ask about deposit schemes.",
        "pending",
        now - timedelta(minutes=1),
        item_status="pending",
        claimed_by=forum.ids["mod"],
        claim_expires_at=now + timedelta(minutes=9),
    )
    await thread("safety", "bob", "safety", "Safety planning at work", "approved", day)
    await post(
        "p5",
        "bob",
        "safety",
        "What do your safety plans cover at work?",
        "approved",
        day,
        title="Safety planning at work",
    )
    await post("p6", "alice", "safety", "Ours covers the commute too.", "approved", day)
    await post("p7", "mod", "safety", "A reminder to keep details general.", "approved", day)
    await post(
        "p8",
        "bob",
        "safety",
        "Ask Sam at the Leeds office.",
        "rejected",
        day,
        rejection_reason="Please leave out names and places.",
    )
    await thread("medical", "alice", "medical", "GP registration", "pending", now)
    await post(
        "p9",
        "alice",
        "medical",
        "Can a GP refuse to register someone without an address?",
        "pending",
        now,
        title="GP registration",
        screening="unscreened",
    )
    await conn.execute(
        sa.text(
            "UPDATE boards SET approved_thread_count = (SELECT count(*) FROM threads"
            " WHERE threads.board_id = boards.id AND threads.status = 'approved')"
        )
    )
    await _insert(
        conn,
        "idempotency_keys",
        identity_id=forum.ids["alice"],
        key=IDEMPOTENCY_KEY,
        fingerprint=_fingerprint("reply", str(forum.threads["safety"]), forum.bodies["p6"]),
        post_id=forum.posts["p6"],
        created_at=day,
    )
    await _insert(
        conn,
        "reports",
        post_id=forum.posts["p1"],
        reporter_id=forum.ids["bob"],
        reason="This might identify a shelter.",
        resolved=False,
        created_at=day + timedelta(hours=1),
    )
    for action, post_name in (("decide:approve", "p1"), ("decide:reject", "p8")):
        await _insert(
            conn,
            "audit_log",
            actor=pseudonyms.for_moderation(forum.keys["mod"]),
            action=action,
            target_type="post",
            target_id=forum.posts[post_name],
            reason=None,
            details=json.dumps({"version": 1}),
            created_at=day + timedelta(minutes=30),
        )
    starts_at = now + timedelta(days=7)
    forum.forum_id = await _insert(
        conn,
        "expert_forums",
        board_id=boards["housing"],
        title="Housing pathways after exit",
        lead="Dr. R. Example",
        description="An hour on housing routes.",
        starts_at=starts_at,
        tbc_label=None,
        duration_minutes=60,
        capacity=1,
        join_link="https://meet.example.org/housing-pathways",
        status="scheduled",
        cancel_reason=None,
        date_confirmed_at=day,
        created_at=day,
        updated_at=day,
    )
    for person, status, at in (
        ("alice", "going", day),
        ("bob", "waiting", day + timedelta(hours=1)),
    ):
        await _insert(
            conn,
            "rsvps",
            forum_id=forum.forum_id,
            identity_id=forum.ids[person],
            status=status,
            created_at=at,
            updated_at=at,
        )
    for person, topic in (
        ("alice", "all"),
        ("alice", "outcome:housing"),
        ("bob", "digest"),
        ("bob", "outcome:housing"),
        ("bob", "outcome:safety"),
    ):
        await _insert(
            conn,
            "subscriptions",
            identity_id=forum.ids[person],
            topic=topic,
            created_at=day - timedelta(days=5),
        )
    await _insert(
        conn,
        "scheduled_jobs",
        job_key=f"reminder:{forum.forum_id}:24h:{starts_at.replace(tzinfo=UTC).isoformat()}",
        kind="reminder",
        forum_id=forum.forum_id,
        payload=json.dumps({"offset": "24h", "starts_at": starts_at.isoformat()}),
        due_at=starts_at - timedelta(hours=24),
        status="pending",
        created_at=day,
        done_at=None,
    )
    forum.pending_prefix = f"forum:{forum.forum_id}:created"
    payload = json.dumps({"forum_id": forum.forum_id, "event": "created", "title": "Housing"})
    notifications = (
        # The fan-out of the forum's announcement: alice's still to send, bob's gave up.
        ("alice", "forum_announcement", f"{forum.pending_prefix}:{forum.ids['alice']}", "pending"),
        ("bob", "forum_announcement", f"{forum.pending_prefix}:{forum.ids['bob']}", "failed"),
        ("bob", "post_decision", f"decision:{forum.items['p2']}:1", "sent"),
        ("mod", "announcement", f"announcement:{day.isoformat()}:{forum.ids['mod']}", "dropped"),
    )
    for person, kind, dedupe_key, status in notifications:
        await _insert(
            conn,
            "notifications",
            recipient_id=forum.ids[person],
            kind=kind,
            payload=payload,
            dedupe_key=dedupe_key,
            status=status,
            attempts=0 if status == "pending" else 1,
            available_at=now - timedelta(minutes=5),
            lease_expires_at=None,
            created_at=now - timedelta(minutes=5),
            sent_at=None if status == "pending" else now - timedelta(minutes=4),
        )
    forum.counts = await _counts(conn, KEPT_TABLES)


async def _old_forum(url: str) -> OldForum:
    await migrate.upgrade(url, "0005")
    forum = OldForum(url=url)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await _seed_0005(conn, forum)
    finally:
        await engine.dispose()
    return forum


@pytest.fixture
async def old_forum(empty_database_url: str) -> OldForum:
    """A forum with people in it, at revision 0005."""
    return await _old_forum(empty_database_url)


@pytest.fixture
async def converted(old_forum: OldForum) -> OldForum:
    """The same forum upgraded to head with the service's secrets."""
    await migrate.upgrade(old_forum.url, vault=_settings(old_forum.url).vault())
    return old_forum


@pytest.fixture
async def forum_api(aiohttp_client: Any, converted: OldForum) -> Api:
    """The real service on the converted database, called as the bot does."""
    client: TestClient[Any, Any] = await aiohttp_client(create_app(_settings(converted.url)))
    return Api(client)


async def _run_sync(url: str, action: Any) -> Any:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(action)
    finally:
        await engine.dispose()


async def _query(url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(sa.text(statement), params)).all()]
    finally:
        await engine.dispose()


def _schema(conn: sa.Connection) -> dict[str, dict[str, str]]:
    """Every table's columns and their types."""
    inspector = sa.inspect(conn)
    return {
        table: {column["name"]: str(column["type"]) for column in inspector.get_columns(table)}
        for table in inspector.get_table_names()
    }


def _changes(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[str]:
    """What ``after`` has that ``before`` had not, or lost, as ``+table.column`` / ``-table``."""
    changes = [f"+{table}" for table in after.keys() - before.keys()]
    changes += [f"-{table}" for table in before.keys() - after.keys()]
    for table in after.keys() & before.keys():
        changes += [f"+{table}.{c}" for c in after[table].keys() - before[table].keys()]
        changes += [f"-{table}.{c}" for c in before[table].keys() - after[table].keys()]
    return sorted(changes)


def _foreign_keys_to_identities(conn: sa.Connection) -> list[str]:
    inspector = sa.inspect(conn)
    return [
        f"{table}.{','.join(fk['constrained_columns'])}"
        for table in inspector.get_table_names()
        for fk in inspector.get_foreign_keys(table)
        if fk["referred_table"] == "identities"
    ]


def _schema_diff(conn: sa.Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "include_name": is_mapped_name}
    )
    return list(compare_metadata(context, Base.metadata))


async def _error(api: Api, method: str, path: str, who: str | None, status: int, **kw: Any) -> str:
    body = await api.call(method, path, who, expect=status, **kw)
    return str(body["error"]["code"])


# --- the database after the conversion -------------------------------------------------------


async def test_conversion_drops_every_linking_column_and_keeps_every_row(
    converted: OldForum,
) -> None:
    url = converted.url
    assert await migrate.current_revision(url) == migrate.head_revision()
    schema = await _run_sync(url, _schema)
    for table, columns in OLD_COLUMNS.items():
        assert not columns & schema[table].keys(), (table, columns & schema[table].keys())
    linking = [f"{t}.{c}" for t, cols in schema.items() for c in cols if LINKING_COLUMN.search(c)]
    assert linking == []
    assert await _run_sync(url, _foreign_keys_to_identities) == []
    # Converted in place, the schema is exactly the one a fresh database gets.
    assert await _run_sync(url, _schema_diff) == []

    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            assert await _counts(conn, KEPT_TABLES) == converted.counts
            # Settled notifications are gone; only alice's pending one is left.
            notifications = (
                await conn.execute(sa.text("SELECT status, kind, dedupe_key FROM notifications"))
            ).all()
            # Claims were short leases: the conversion released them.
            claims = (
                await conn.execute(sa.text("SELECT claimed_by FROM moderation_items"))
            ).scalars()
            assert set(claims) == {None}
    finally:
        await engine.dispose()
    vault = _settings(url).vault()
    prefix = converted.pending_prefix
    # The fan-out key ends in alice's tag for that fan-out, no longer in her identity id.
    assert [tuple(row) for row in notifications] == [
        ("pending", "forum_announcement", f"{prefix}:{vault.tag(converted.keys['alice'], prefix)}")
    ]


async def test_no_identity_key_or_client_key_is_left_in_the_database(converted: OldForum) -> None:
    dump = await dump_all_tables(converted.url)
    for table, rows in dump.items():
        text = dump_text({table: rows})
        for person, key in converted.keys.items():
            assert key not in text, f"{person}'s identity key is in {table}"
            assert key.upper() not in text.upper(), f"{person}'s identity key is in {table}"
        assert IDEMPOTENCY_KEY not in text, f"the client's Idempotency-Key is in {table}"


async def test_tags_are_per_scope_and_seals_open_with_the_service_keys(
    converted: OldForum,
) -> None:
    vault = _settings(converted.url).vault()
    keys, posts = converted.keys, converted.posts
    tags = dict(await _query(converted.url, "SELECT id, author_tag FROM posts"))
    housing, safety = converted.threads["housing"], converted.threads["safety"]
    assert tags[posts["p1"]] == tags[posts["p3"]] == vault.tag(keys["alice"], f"thread:{housing}")
    assert tags[posts["p6"]] == vault.tag(keys["alice"], f"thread:{safety}")
    assert tags[posts["p6"]] != tags[posts["p1"]]  # one person, two threads: unrelated tags
    assert tags[posts["p2"]] == tags[posts["p4"]] != tags[posts["p1"]]
    seals = await _query(converted.url, "SELECT author_tag, author_seal FROM posts")
    opened = {vault.open_key(bytes(seal), f"posts.author|{tag}") for tag, seal in seals}
    assert opened == set(keys.values())
    members = await _query(
        converted.url, "SELECT member_tag FROM subscriptions WHERE topic = 'outcome:housing'"
    )
    assert sorted(tag for (tag,) in members) == sorted(
        vault.tag(keys[p], "topic:outcome:housing") for p in ("alice", "bob")
    )
    # The identities row keeps a lookup and its sealed state: the key, and its own posts.
    for lookup, state in await _query(converted.url, "SELECT lookup, state FROM identities"):
        document = vault.open_json(bytes(state), f"identities.state|{lookup}")
        person = next(p for p, key in keys.items() if key == document["k"])
        assert lookup == vault.identity_lookup(keys[person])
        assert sorted(document["p"]) == sorted(converted.posts_of(person))
        assert (document["tp"], document["tr"]) == ([], [])


# --- the service on the converted database ---------------------------------------------------


async def test_pending_thread_stays_visible_to_its_author_only(
    converted: OldForum, forum_api: Api
) -> None:
    alice, bob, mod = (converted.keys[p] for p in ("alice", "bob", "mod"))
    medical = converted.threads["medical"]
    seen = await forum_api.call("GET", f"/api/v1/threads/{medical}", alice, expect=200)
    assert seen["thread"]["status"] == "pending"
    assert [p["id"] for p in seen["posts"]] == [converted.posts["p9"]]
    for other in (bob, mod):
        code = await _error(forum_api, "GET", f"/api/v1/threads/{medical}", other, 404)
        assert code == "thread_not_found"
    listed = await forum_api.call(
        "GET", "/api/v1/boards/medical/threads", forum_api.new_identity(), expect=200
    )
    assert listed["threads"] == []
    # bob's rejected reply is his to see, nobody else's.
    safety = converted.threads["safety"]
    p8 = converted.posts["p8"]
    mine = await forum_api.call("GET", f"/api/v1/threads/{safety}", bob, expect=200)
    assert p8 in [p["id"] for p in mine["posts"]]
    theirs = await forum_api.call("GET", f"/api/v1/threads/{safety}", alice, expect=200)
    assert p8 not in [p["id"] for p in theirs["posts"]]
    own = await forum_api.call("GET", f"/api/v1/posts/{p8}", bob, expect=200)
    assert own["post"]["mine"] is True
    assert own["post"]["rejection_reason"] == "Please leave out names and places."
    assert await _error(forum_api, "GET", f"/api/v1/posts/{p8}", alice, 404) == "post_not_found"


async def test_my_posts_lists_exactly_each_persons_own_posts(
    converted: OldForum, forum_api: Api
) -> None:
    for person, key in converted.keys.items():
        listed = await forum_api.call("GET", "/api/v1/me/posts?limit=100", key, expect=200)
        assert [p["id"] for p in listed["posts"]] == converted.posts_of(person), person
        assert all(p["mine"] for p in listed["posts"])
    me = await forum_api.call("GET", "/api/v1/me", converted.keys["mod"], expect=200)
    assert me == {"role": "moderator", "suspended": False, "member": True, "membership": "open"}


async def test_replies_keep_each_persons_pseudonym_and_old_idempotency_keys_replay(
    converted: OldForum, forum_api: Api
) -> None:
    keys, threads = converted.keys, converted.threads
    for person, thread in (("alice", "housing"), ("bob", "housing"), ("mod", "safety")):
        created = await forum_api.call(
            "POST",
            f"/api/v1/threads/{threads[thread]}/posts",
            keys[person],
            json={"body": f"Another thought from {person}."},
            expect=201,
        )
        assert created["post"]["author"] == converted.pseudonyms[person, thread], person
    # The new post joins the old ones in alice's own list.
    listed = await forum_api.call("GET", "/api/v1/me/posts?limit=100", keys["alice"], expect=200)
    assert [p["id"] for p in listed["posts"]][1:] == converted.posts_of("alice")

    reply_path = f"/api/v1/threads/{threads['safety']}/posts"
    header = {"Idempotency-Key": IDEMPOTENCY_KEY}
    replayed = await forum_api.call(
        "POST",
        reply_path,
        keys["alice"],
        json={"body": converted.bodies["p6"]},
        expect=200,
        **header,
    )
    assert replayed["post"]["id"] == converted.posts["p6"]
    code = await _error(
        forum_api, "POST", reply_path, keys["alice"], 409, json={"body": "Other text"}, **header
    )
    assert code == "idempotency_key_reused"
    # The key was alice's: bob's request with the same key is a new post.
    fresh = await forum_api.call(
        "POST", reply_path, keys["bob"], json={"body": converted.bodies["p6"]}, expect=201, **header
    )
    assert fresh["post"]["id"] not in converted.posts.values()


async def test_old_reports_rsvps_and_subscriptions_still_belong_to_their_people(
    converted: OldForum, forum_api: Api
) -> None:
    alice, bob, mod = (converted.keys[p] for p in ("alice", "bob", "mod"))
    p1, p2 = converted.posts["p1"], converted.posts["p2"]
    reason = {"reason": "Please look at this again."}
    code = await _error(forum_api, "POST", f"/api/v1/posts/{p1}/reports", bob, 409, json=reason)
    assert code == "already_reported"
    await forum_api.call("POST", f"/api/v1/posts/{p2}/reports", alice, json=reason, expect=201)
    reports = await forum_api.call("GET", "/api/v1/moderation/reports", mod, expect=200)
    assert sorted(r["post_id"] for r in reports["reports"]) == sorted([p1, p2])

    path = f"/api/v1/forums/{converted.forum_id}"
    answers = {}
    for person, key in converted.keys.items():
        answers[person] = (await forum_api.call("GET", path, key, expect=200))["forum"]
    assert {p: f["my_rsvp"] for p, f in answers.items()} == {
        "alice": "going",
        "bob": "waiting",
        "mod": None,
    }
    assert (answers["mod"]["going"], answers["mod"]["waiting"]) == (1, 1)
    assert answers["alice"]["join_link"] == "https://meet.example.org/housing-pathways"
    assert answers["bob"]["join_link"] is None

    topics = {}
    for person, key in converted.keys.items():
        topics[person] = (await forum_api.call("GET", "/api/v1/me/subscriptions", key, expect=200))[
            "topics"
        ]
    assert topics == {
        "alice": ["all", "outcome:housing"],
        "bob": ["digest", "outcome:housing", "outcome:safety"],
        "mod": [],
    }
    left = await forum_api.call("DELETE", "/api/v1/me/subscriptions/all", alice, expect=200)
    assert left["topics"] == ["outcome:housing"]


async def test_outbox_delivers_the_pending_notification_to_its_recipient_only(
    converted: OldForum, forum_api: Api
) -> None:
    claimed = await forum_api.call("POST", "/api/v1/outbox/claim", None, json={}, expect=200)
    assert [(n["recipient"], n["kind"]) for n in claimed["notifications"]] == [
        (converted.keys["alice"], "forum_announcement")
    ]
    assert claimed["notifications"][0]["payload"]["forum_id"] == converted.forum_id
    acks = [{"id": claimed["notifications"][0]["id"], "outcome": "sent"}]
    acked = await forum_api.call("POST", "/api/v1/outbox/ack", None, json={"acks": acks})
    assert acked == {"count": 1}
    again = await forum_api.call("POST", "/api/v1/outbox/claim", None, json={}, expect=200)
    assert again["notifications"] == []

    # A sealed RSVP still reaches its person: alice gives up her place, bob is promoted and told.
    path = f"/api/v1/forums/{converted.forum_id}/rsvp"
    alice, bob = converted.keys["alice"], converted.keys["bob"]
    await forum_api.call("PUT", path, alice, json={"status": "not_going"}, expect=200)
    forum = await forum_api.call("GET", f"/api/v1/forums/{converted.forum_id}", bob, expect=200)
    assert forum["forum"]["my_rsvp"] == "going"
    promoted = await forum_api.call("POST", "/api/v1/outbox/claim", None, json={}, expect=200)
    assert [n["recipient"] for n in promoted["notifications"]] == [bob]


async def test_moderators_claim_decide_and_suspend_authors_of_old_posts(
    converted: OldForum, forum_api: Api
) -> None:
    alice, bob, mod = (converted.keys[p] for p in ("alice", "bob", "mod"))
    queue = await forum_api.call("GET", "/api/v1/moderation/queue", mod, expect=200)
    items = {item["post"]["id"]: item for item in queue["items"]}
    posts = converted.posts
    assert set(items) == {posts["p1"], posts["p4"], posts["p9"]}
    assert items[posts["p1"]]["open_reports"] == 1
    p4 = items[posts["p4"]]
    # The conversion released the old claim: anyone may take the item again.
    assert (p4["claimed_by_me"], p4["claimed_by_other"]) == (False, False)
    item_path = f"/api/v1/moderation/items/{p4['id']}"
    claimed = await forum_api.call(
        "POST", f"{item_path}/claim", mod, json={"version": p4["version"]}, expect=200
    )
    assert claimed["item"]["claimed_by_me"] is True
    await forum_api.call(
        "POST",
        f"{item_path}/decision",
        mod,
        json={"version": p4["version"], "action": "approve"},
        expect=200,
    )
    told = await forum_api.call("POST", "/api/v1/outbox/claim", None, json={}, expect=200)
    decisions = [n for n in told["notifications"] if n["kind"] == "post_decision"]
    assert [(n["recipient"], n["payload"]["post_id"]) for n in decisions] == [(bob, posts["p4"])]

    suspend = {"suspended": True, "reason": "Repeatedly shared someone's details."}
    path = f"/api/v1/moderation/posts/{posts['p2']}/author-suspension"
    await forum_api.call("POST", path, mod, json=suspend, expect=200)
    own = f"/api/v1/moderation/posts/{posts['p7']}/author-suspension"
    assert await _error(forum_api, "POST", own, mod, 400, json=suspend) == "cannot_suspend_self"
    housing = f"/api/v1/threads/{converted.threads['housing']}/posts"
    body = {"body": "One more thing."}
    assert await _error(forum_api, "POST", housing, bob, 403, json=body) == "identity_suspended"
    new_thread = {"board": "housing", "title": "A new question", "body": "Text"}
    code = await _error(forum_api, "POST", "/api/v1/threads", bob, 403, json=new_thread)
    assert code == "identity_suspended"
    assert (await forum_api.call("GET", "/api/v1/me", bob, expect=200))["suspended"] is True
    for other in (alice, mod):
        await forum_api.call("POST", housing, other, json=body, expect=201)


async def test_the_converted_database_refuses_other_secrets(converted: OldForum) -> None:
    # The conversion recorded which secrets wrote the database (vault_check): another
    # pseudonym secret would silently make everybody a stranger to their own posts.
    other = _settings(converted.url, pseudonym_secret="another-pseudonym-secret-0123")
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(other)))
    try:
        with pytest.raises(KeyMismatch, match="FORUM_PSEUDONYM_SECRET"):
            await client.start_server()
    finally:
        await client.close()


# --- refusals ------------------------------------------------------------------------------


async def test_upgrading_people_without_the_secrets_fails_and_changes_nothing(
    old_forum: OldForum,
) -> None:
    url = old_forum.url
    schema_before = await _run_sync(url, _schema)
    dump_before = await dump_all_tables(url)
    with pytest.raises(RuntimeError, match=re.escape(NO_VAULT_MESSAGE)):
        await migrate.upgrade(url)
    assert await migrate.current_revision(url) == "0005"
    # The failed revision's transaction rolled back: no half-converted schema (a retry would
    # fail on "duplicate column"), no lost row.
    assert _changes(schema_before, await _run_sync(url, _schema)) == []
    assert await dump_all_tables(url) == dump_before
    # Run again with the secrets, it converts.
    await migrate.upgrade(url, vault=_settings(url).vault())
    assert await migrate.current_revision(url) == migrate.head_revision()


async def test_a_0005_database_without_people_upgrades_without_the_secrets(
    empty_database_url: str,
) -> None:
    await migrate.upgrade(empty_database_url, "0005")
    await migrate.upgrade(empty_database_url)
    assert await migrate.current_revision(empty_database_url) == migrate.head_revision()


def _cli_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the working directory
    monkeypatch.setenv("FORUM_DATABASE_URL", url)
    monkeypatch.setenv("FORUM_SERVICE_TOKEN", SERVICE_TOKEN)
    monkeypatch.setenv("FORUM_PSEUDONYM_SECRET", PSEUDONYM_SECRET)
    monkeypatch.setenv("FORUM_AT_REST_KEY", AT_REST_KEY)
    monkeypatch.delenv("FORUM_AT_REST_KEY_PREVIOUS", raising=False)


async def test_cli_converts_with_its_secrets_and_refuses_to_downgrade_people(
    old_forum: OldForum,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = old_forum.url
    _cli_environment(monkeypatch, tmp_path, url)
    # The CLI runs its own event loop: call it from a thread, as the console script would.
    assert await asyncio.to_thread(main, ["migrate"]) == 0
    head = migrate.head_revision()
    assert f"database at revision {head}" in capsys.readouterr().out
    dump_before = await dump_all_tables(url)
    with pytest.raises(RuntimeError, match=re.escape(NO_DOWNGRADE_MESSAGE)):
        await asyncio.to_thread(main, ["migrate", "--downgrade", "0005"])
    assert await migrate.current_revision(url) == head
    assert await dump_all_tables(url) == dump_before
    with pytest.raises(RuntimeError, match=re.escape(NO_DOWNGRADE_MESSAGE)):
        await migrate.downgrade(url, "0005")
    assert await migrate.current_revision(url) == head
