"""Linkability scan: no copy of the stores, taken at any moment of a full run, ties two of one
practitioner's rows in different threads, forums or kinds together, or holds an identity key, a
Telegram identifier or a secret.

The scenario acts as the bot does: it calls the service's HTTP API with identity keys derived
like the bot derives them, keeps a real delivery store, and delivers the outbox (claim, then
ack). After every step it snapshots every table of the forum database and of the store, and
attributes each row to the step that first wrote it (see ``tests/support/linkability.py`` for
the attribution and the check).

On the schema of today this test fails, by design: identity ids on posts, threads, RSVPs,
subscriptions, notifications, reports and idempotency keys link a person's rows across
contexts, and ``identities`` holds every identity key. It is the proof the storage rewrite has
to make pass; it is neither skipped nor marked xfail.

The last tests check the checker itself on hand-made dumps.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.delivery_store import DeliveryStore
from bot.identity import IdentityDeriver
from forum_service.api.keys import DATABASE
from forum_service.app import create_app
from forum_service.services.scheduler import Scheduler
from forum_service.services.screening import ScreeningWorker
from forum_service.settings import ServiceSettings
from moderation.policy import ModerationPolicy
from tests.support.api import PSEUDONYM_SECRET, SERVICE_TOKEN, Api, make_admin, make_moderator
from tests.support.dbdump import dump_all_tables
from tests.support.linkability import (
    Attribution,
    AttributionError,
    Context,
    DatabaseReader,
    History,
    Link,
    StepChanges,
    Table,
    describe,
    find_exposures,
    find_links,
    leaves,
    read_sqlite_file,
    value_index,
)
from tests.support.scorers import KeywordScorer

IDENTITY_PEPPER = b"linkability-identity-pepper-0123456789"
STORE_SECRET = b"linkability-delivery-store-secret-0123"

#: A Tuesday; the first weekly digest falls due on the Monday after.
START = datetime(2031, 3, 4, 9, 0, 0, 123457, tzinfo=UTC)
#: Between two steps. Not a whole number of seconds, so that no lease or expiry computed from
#: one step's time (now + 60 s, now + 10 min) lands on another step's time.
STEP = timedelta(seconds=3, microseconds=1237)

#: Every title and post is one of these with a word of its own in front: the words every
#: person uses are shared, the word in front belongs to one post (one context) only.
TITLE = "question about referral routes"
BODY = "how do referrals work for survivors here"
REPLY = "a reply with the referral details"
REJECTED = "a reply naming the caseworker in full"
REVISED = "a revised reply without any names"
REPORT = "this post names a place"
WITHDRAWN = "a reply I would rather not send"
APPEAL = "please look again, it names no one"
QUESTION = "how do referrals work across borders"
NOTE = "asked twice before to keep places out"


@dataclass(frozen=True)
class Person:
    """Someone in the run: a practitioner (P1-P3), the moderator or the admin."""

    name: str
    telegram_id: int
    first_name: str
    username: str
    timezone: str

    @property
    def owner(self) -> str:
        """Whose rows theirs are: the practitioner's own, or staff's (moderator and admin)."""
        return self.name if self in PRACTITIONERS else "staff"

    @property
    def chat_id(self) -> int:
        """The private chat the bot delivers to (Telegram: the user id)."""
        return self.telegram_id


PRACTITIONERS = (
    Person("P1", 6081234457, "Orlavinne", "tidewater_kes", "Europe/London"),
    Person("P2", 7129983301, "Brannoch", "fenlight_mav", "Europe/Berlin"),
    Person("P3", 5912870064, "Quessaly", "harrowmere_j", "America/Toronto"),
)
MODERATOR = Person("moderator", 6655443327, "Tavimora", "lantern_mod_q", "Europe/London")
ADMIN = Person("admin", 5544332219, "Erindwell", "keystone_adm_z", "Europe/Dublin")
BOARDS = ("safety", "housing")


class StepClock:
    """The service's clock: still during a step, moved on by :data:`STEP` between steps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self) -> None:
        """Move on to the next step's time."""
        self.now += STEP

    def jump(self, to: datetime) -> None:
        """Move forward to ``to`` (days pass between the posting and the reminders)."""
        assert to > self.now
        self.now = to


@pytest.fixture
def clock() -> StepClock:
    """The clock of the app under test."""
    return StepClock(START)


@pytest.fixture
def app(settings: ServiceSettings, clock: StepClock) -> web.Application:
    """The real application on the step clock (the ``api`` fixture uses it).

    New identities may post a quarter of ``posts_per_hour``; each practitioner posts six
    times within minutes here, so the limit is raised.
    """
    return create_app(settings.model_copy(update={"posts_per_hour": 40}), clock=clock)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Where the bot's delivery store lives."""
    return tmp_path / "bot" / "delivery.sqlite3"


@pytest.fixture
async def store(store_path: Path) -> AsyncIterator[DeliveryStore]:
    """The bot's real delivery store."""
    async with DeliveryStore(store_path, STORE_SECRET) as opened:
        yield opened


def notification_context(note: Mapping[str, Any], thread_of: Mapping[int, int]) -> Context:
    """The context a delivered notification belongs to, from the outbox claim's answer.

    A decision belongs with the post's thread, a reminder or a freed place with the RSVP,
    announcements with the subscription that brought them; the answer to an appeal with what
    was appealed (the hidden post's thread, or the suspension). ``thread_of``: post → thread.
    """
    kind, payload = note["kind"], note["payload"]
    if kind == "suspension" or (kind == "appeal_outcome" and payload["post_id"] is None):
        return ("suspension", None)
    if kind == "appeal_outcome":
        return ("post", thread_of[payload["post_id"]])
    if kind == "post_decision":
        return ("post", payload["thread_id"])
    if kind == "forum_reminder" or payload.get("event") == "place_available":
        return ("rsvp", payload["forum_id"])
    if kind in ("forum_announcement", "announcement"):
        return ("subscription", "all")
    if kind == "digest":
        return ("subscription", "digest")
    if kind == "report_outcome":
        return ("report", payload["post_id"])
    if kind == "feedback_reply":
        return ("feedback", payload["feedback_id"])
    if kind == "thread_replies":  # news of a followed thread belongs with the thread
        return ("post", payload["thread_id"])
    return ("notification", note["id"])


class Scenario:
    """The run: the service as the bot calls it, the stores, and the history of snapshots."""

    def __init__(
        self,
        api: Api,
        app: web.Application,
        clock: StepClock,
        reader: DatabaseReader,
        store: DeliveryStore,
        store_path: Path,
    ) -> None:
        self.api, self.clock, self.reader = api, clock, reader
        self.store, self.store_path = store, store_path
        self.history = History()
        self.worker = ScreeningWorker(
            app[DATABASE],
            KeywordScorer,
            ModerationPolicy(),
            batch_size=50,
            clock=clock,
        )
        self.scheduler = Scheduler(app[DATABASE], clock=clock)
        deriver = IdentityDeriver(IDENTITY_PEPPER)
        self.keys = {
            person: deriver.identity_key(person.telegram_id)
            for person in (*PRACTITIONERS, MODERATOR, ADMIN)
        }
        self.by_key = {key: person for person, key in self.keys.items()}
        self.delivered: list[dict[str, Any]] = []
        self.thread_of: dict[int, int] = {}  # post → thread
        self.item_of: dict[int, int] = {}  # post → its queue item
        self.texts: list[str] = []
        self.sealed_texts: list[str] = []  # words of texts only ever stored sealed
        self._update_id = 41_000
        self._words = 0

    # -- bookkeeping ----------------------------------------------------------------------

    async def step(
        self,
        owner: str,
        context: Context,
        *,
        adopt_changed: bool = False,
        overrides: Mapping[str, Attribution] | None = None,
    ) -> StepChanges:
        """Snapshot both stores after a step, attribute what it wrote, move the clock on."""
        snapshot = {
            **await self.reader.snapshot(),
            **read_sqlite_file(self.store_path, prefix="store:"),
        }
        changes = self.history.record(
            snapshot, Attribution(owner, context), adopt_changed=adopt_changed, overrides=overrides
        )
        self.clock.advance()
        return changes

    def idempotency(self) -> dict[str, str]:
        """The header the bot sends with a create: ``tg-<update id>``."""
        self._update_id += 1
        return {"Idempotency-Key": f"tg-{self._update_id}"}

    def word(self, *, sealed: bool = False) -> str:
        """A word of its own for one post, title, reason or link (``sealed``: of a text that is
        never stored in clear, such as a moderator's note)."""
        self._words += 1
        word = f"Lk{self._words:03d}{'qxvzj'[self._words % 5]}"
        (self.sealed_texts if sealed else self.texts).append(word)
        return word

    # -- practitioners ------------------------------------------------------------------

    async def start(self, person: Person) -> None:
        """/start: the service learns the identity, the bot remembers where to deliver."""
        await self.api.call("GET", "/api/v1/me", self.keys[person], expect=200)
        await self.step(person.owner, ("identity", None))
        await self.store.remember(self.keys[person], person.chat_id)
        await self.store.set_timezone(self.keys[person], person.timezone)
        await self.step(person.owner, ("delivery-store", None))

    async def subscribe(self, person: Person, topic: str) -> None:
        """Follow a topic."""
        await self.api.call(
            "POST", "/api/v1/me/subscriptions", self.keys[person], json={"topic": topic}, expect=200
        )
        await self.step(person.owner, ("subscription", topic))

    async def open_thread(self, person: Person, board: str) -> tuple[int, int]:
        """Open a thread; returns its id and its opening post's id."""
        word = self.word()
        created = await self.api.call(
            "POST",
            "/api/v1/threads",
            self.keys[person],
            json={"board": board, "title": f"{word} {TITLE}", "body": f"{word} {BODY}"},
            expect=201,
            **self.idempotency(),
        )
        thread_id = int(created["thread_id"])
        self.thread_of[int(created["post"]["id"])] = thread_id
        await self.step(person.owner, ("post", thread_id))
        return thread_id, int(created["post"]["id"])

    async def reply(self, person: Person, thread_id: int, text: str) -> int:
        """Reply in a thread; returns the post id."""
        created = await self.api.call(
            "POST",
            f"/api/v1/threads/{thread_id}/posts",
            self.keys[person],
            json={"body": f"{self.word()} {text}"},
            expect=201,
            **self.idempotency(),
        )
        self.thread_of[int(created["post"]["id"])] = thread_id
        await self.step(person.owner, ("post", thread_id))
        return int(created["post"]["id"])

    async def follow(self, person: Person, thread_id: int) -> None:
        """Follow someone else's thread (one's own are followed already)."""
        await self.api.call(
            "PUT", f"/api/v1/threads/{thread_id}/follow", self.keys[person], expect=200
        )
        await self.step(person.owner, ("post", thread_id))

    async def follow_batches(self) -> None:
        """Minutes later: followers are told of the new replies, one message per thread."""
        self.clock.jump(self.clock.now + timedelta(minutes=10))
        assert await self.scheduler.send_follow_batches() > 0
        await self.step("system", ("scheduler", "follow batches"))
        await self.deliver()

    async def revise(self, person: Person, thread_id: int, post_id: int) -> None:
        """Resubmit a rejected post with new text."""
        await self.api.call(
            "POST",
            f"/api/v1/posts/{post_id}/revise",
            self.keys[person],
            json={"body": f"{self.word()} {REVISED}"},
            expect=200,
        )
        await self.step(person.owner, ("post", thread_id))

    async def withdraw(self, person: Person, post_id: int) -> None:
        """Take back a pending post (its text is erased); nobody is told."""
        withdrawn = await self.api.call(
            "POST", f"/api/v1/posts/{post_id}/withdraw", self.keys[person], expect=200
        )
        assert withdrawn["post"]["status"] == "withdrawn", withdrawn
        await self.step(person.owner, ("post", self.thread_of[post_id]))

    async def appeal(self, person: Person, post_id: int | None = None) -> int:
        """Appeal against one's suspension, or the hiding of one's post; the admin is told."""
        sent = await self.api.call(
            "POST",
            "/api/v1/appeals",
            self.keys[person],
            json={"text": f"{self.word()} {APPEAL}", "post_id": post_id},
            expect=201,
        )
        context = ("suspension", None) if post_id is None else ("post", self.thread_of[post_id])
        await self.step(person.owner, context)
        await self.deliver()
        return int(sent["id"])

    async def ask(self, person: Person, forum_id: int) -> int:
        """A question in advance of a forum one answered for; moderators are told (delivered
        by the caller: one alert per forum while one is unsent)."""
        asked = await self.api.call(
            "POST",
            f"/api/v1/forums/{forum_id}/questions",
            self.keys[person],
            json={"text": f"{self.word()} {QUESTION}"},
            expect=201,
        )
        # A context of its own: the asker's tag matches neither their RSVP nor anything else.
        await self.step(person.owner, ("question", forum_id))
        return int(asked["question"]["id"])

    async def report(self, person: Person, post_id: int, category: str = "other") -> None:
        """Report someone else's post; a fast report holds it and alerts the staff."""
        await self.api.call(
            "POST",
            f"/api/v1/posts/{post_id}/reports",
            self.keys[person],
            json={"reason": f"{self.word()} {REPORT}", "category": category},
            expect=201,
        )
        await self.step(person.owner, ("report", post_id))
        await self.deliver()  # every report alerts the staff on duty at once

    async def rsvp(self, person: Person, forum_id: int, status: str) -> None:
        """Answer for an expert forum."""
        await self.api.call(
            "PUT",
            f"/api/v1/forums/{forum_id}/rsvp",
            self.keys[person],
            json={"status": status},
            expect=200,
        )
        await self.step(person.owner, ("rsvp", forum_id))

    # -- staff and the system -----------------------------------------------------------

    async def setup_staff(self) -> None:
        """The bot's bootstrap admin, and a moderator through the admin's invite."""
        await make_admin(self.api, self.keys[ADMIN])
        await self.step("staff", ("staff", "admin"))
        await make_moderator(self.api, self.keys[MODERATOR], self.keys[ADMIN])
        await self.step("staff", ("staff", "moderator"))
        for person in (MODERATOR, ADMIN):  # the bot delivers their urgent alerts
            await self.store.remember(self.keys[person], person.chat_id)
        await self.step("staff", ("delivery-store", "staff"))
        for on_duty in (False, True):  # /duty off, /duty on: a flag on the moderator's row
            await self.api.call(
                "PUT",
                "/api/v1/moderation/duty",
                self.keys[MODERATOR],
                json={"on_duty": on_duty},
                expect=200,
            )
            await self.step("staff", ("duty", on_duty))

    async def screen(self) -> None:
        """One batch of the screening worker."""
        report = await self.worker.run_once()
        assert report.claimed > 0, report
        await self.step("system", ("screening", None))
        await self.deliver()  # the staff on duty are told the queue has items

    async def decide(self, post_id: int, action: str, **decision: str) -> None:
        """A moderator decides the queue item of ``post_id``; the outbox is delivered."""
        moderator = self.keys[MODERATOR]
        queue = await self.api.call(
            "GET", "/api/v1/moderation/queue?limit=100", moderator, expect=200
        )
        (item,) = [i for i in queue["items"] if i["post"]["id"] == post_id]
        self.item_of[post_id] = int(item["id"])
        await self.api.call(
            "POST",
            f"/api/v1/moderation/items/{item['id']}/decision",
            moderator,
            json={"version": item["version"], "action": action, **decision},
            expect=200,
        )
        await self.step("staff", ("decision", post_id))
        await self.deliver()

    async def hide(self, post_id: int) -> None:
        """A moderator hides an approved (reported) post; its author is told."""
        await self.api.call(
            "POST",
            f"/api/v1/moderation/posts/{post_id}/hide",
            self.keys[MODERATOR],
            json={"reason": "It names a place; please keep locations out."},
            expect=200,
        )
        await self.step("staff", ("hide", post_id))
        await self.deliver()

    async def suspend_author(self, post_id: int) -> None:
        """A moderator suspends the author of a post for a week; they are told."""
        await self.api.call(
            "POST",
            f"/api/v1/moderation/posts/{post_id}/author-suspension",
            self.keys[MODERATOR],
            json={"suspended": True, "reason": "Repeated identifying details.", "days": 7},
            expect=200,
        )
        await self.step("staff", ("suspend", post_id))
        await self.deliver()

    async def decide_appeal(self, appeal_id: int, *, lift: bool) -> None:
        """An admin answers an appeal; the person is told, and the appeal forgets them."""
        await self.api.call(
            "POST",
            f"/api/v1/admin/appeals/{appeal_id}/decision",
            self.keys[ADMIN],
            json={"lift": lift, "message": "Looked again: lifted."},
            expect=200,
        )
        await self.step("staff", ("appeal", appeal_id))
        await self.deliver()

    async def author_note(self, author: Person, post_id: int) -> None:
        """A moderator's note on the author of a post (from its queue item).

        The note is about the author, not the post: it belongs to a context of its own, in
        which every note on that author is (their tag for notes is one for all of them).
        """
        await self.api.call(
            "POST",
            f"/api/v1/moderation/items/{self.item_of[post_id]}/notes",
            self.keys[MODERATOR],
            json={"text": f"{self.word(sealed=True)} {NOTE}", "about": "author"},
            expect=201,
        )
        await self.step(author.owner, ("author-notes", None))

    async def decide_question(self, question_id: int, *, approve: bool) -> None:
        """A moderator approves a question for the lead, or rejects it (the asker is not told)."""
        await self.api.call(
            "POST",
            f"/api/v1/moderation/forum-questions/{question_id}/decision",
            self.keys[MODERATOR],
            json={"approve": approve},
            expect=200,
        )
        await self.step("staff", ("question", question_id))

    async def create_forum(self, board: str, starts_at: datetime) -> int:
        """An admin schedules an expert forum; subscribers are told."""
        word = self.word()
        created = await self.api.call(
            "POST",
            "/api/v1/admin/forums",
            self.keys[ADMIN],
            json={
                "board": board,
                "title": f"{word} expert forum",
                "lead": "Dr A. Example",
                "starts_at": starts_at.isoformat(),
                "join_link": f"https://meet.example.org/{word}",
            },
            expect=201,
        )
        forum_id = int(created["forum"]["id"])
        await self.step("staff", ("forum", forum_id))
        await self.deliver()
        return forum_id

    async def announce(self) -> None:
        """An admin announces to every "all" subscriber."""
        await self.api.call(
            "POST",
            "/api/v1/admin/announcements",
            self.keys[ADMIN],
            json={"text": "The spring newsletter is out."},
            expect=201,
        )
        await self.step("staff", ("announcement", None))
        await self.deliver()

    async def feedback(self, person: Person) -> int:
        """Anonymous feedback to the admins (who are told at once)."""
        sent = await self.api.call(
            "POST",
            "/api/v1/feedback",
            self.keys[person],
            json={"text": f"{self.word()} the digest could come on Fridays"},
            expect=201,
        )
        feedback_id = int(sent["id"])
        await self.step(person.owner, ("feedback", feedback_id))
        await self.deliver()
        return feedback_id

    async def reply_feedback(self, feedback_id: int) -> None:
        """An admin's one reply; its author is told, then forgotten."""
        await self.api.call(
            "POST",
            f"/api/v1/admin/feedback/{feedback_id}/reply",
            self.keys[ADMIN],
            json={"text": f"{self.word()} thank you"},
            expect=201,
        )
        await self.step("staff", ("feedback", feedback_id), adopt_changed=True)
        await self.deliver()

    async def flush_alerts(self) -> None:
        """After the batch window: the scheduler's alert flushes run (the queue is empty by
        now, so they send nothing and only clear the batches)."""
        self.clock.jump(self.clock() + timedelta(minutes=11))
        assert await self.scheduler.run_due() >= 1
        await self.step("system", ("scheduler", "alert batches"))
        await self.deliver()

    async def run_jobs_at(self, when: datetime, label: str) -> None:
        """Days later: the scheduler runs what fell due (one job), and the outbox is delivered."""
        self.clock.jump(when)
        assert await self.scheduler.run_due() == 1, label
        await self.step("system", ("scheduler", label))
        await self.deliver()

    async def deliver(self) -> None:
        """Deliver the outbox as the bot does, one notification per claim.

        Claiming one at a time tells, from the claim's answer, whose each notification is:
        the rows the claim changes are that notification's and take its recipient and context.
        """
        while True:
            claimed = await self.api.call(
                "POST", "/api/v1/outbox/claim", json={"limit": 1, "lease_seconds": 60}, expect=200
            )
            if not claimed["notifications"]:
                return
            (note,) = claimed["notifications"]
            person = self.by_key[note["recipient"]]
            context = notification_context(note, self.thread_of)
            changes = await self.step(person.owner, context, adopt_changed=True)
            assert changes.changed, f"claiming notification {note['id']} changed no row"
            assert await self.store.chat_id_for(note["recipient"]) == person.chat_id
            await self.api.call(
                "POST",
                "/api/v1/outbox/ack",
                json={"acks": [{"id": note["id"], "outcome": "sent"}]},
                expect=200,
            )
            await self.step(person.owner, context)
            self.delivered.append(note)


async def run(scenario: Scenario) -> None:
    """Everything three practitioners, a moderator and an admin do, in overlapping places."""
    p = PRACTITIONERS
    await scenario.setup_staff()
    for person in p:
        await scenario.start(person)
    for topic in ("all", "digest", "outcome:safety"):
        for person in p:
            await scenario.subscribe(person, topic)
    await scenario.scheduler.ensure_digest()
    await scenario.step("system", ("scheduler", "digest scheduled"))

    # Three threads each, on boards the others use too; the moderator approves them.
    threads: dict[Person, list[tuple[int, int]]] = {person: [] for person in p}
    for round_ in range(3):
        for i, person in enumerate(p):
            threads[person].append(await scenario.open_thread(person, BOARDS[(i + round_) % 2]))
    await scenario.screen()
    for round_ in range(3):
        for person in p:
            await scenario.decide(threads[person][round_][1], "approve")

    # Each follows the next person's second thread (where a rejected reply will land).
    for i, person in enumerate(p):
        await scenario.follow(person, threads[p[(i + 1) % 3]][1][0])

    # Each replies in their own thread and in the next person's; one more reply, in the
    # third person's thread, is rejected, revised and approved; a last one, in the next
    # person's third thread, is withdrawn while it waits in the queue.
    own_replies: dict[Person, int] = {}
    kept: list[int] = []
    rejected: dict[Person, tuple[int, int]] = {}
    withdrawn: dict[Person, int] = {}
    for i, person in enumerate(p):
        own, after = threads[person][0][0], threads[p[(i + 1) % 3]][0][0]
        own_replies[person] = await scenario.reply(person, own, REPLY)
        kept += [own_replies[person], await scenario.reply(person, after, REPLY)]
        third = threads[p[(i + 2) % 3]][1][0]
        rejected[person] = (third, await scenario.reply(person, third, REJECTED))
        withdrawn[person] = await scenario.reply(person, threads[p[(i + 1) % 3]][2][0], WITHDRAWN)
    await scenario.screen()
    for person, post_id in withdrawn.items():
        await scenario.withdraw(person, post_id)
    for post_id in kept:
        await scenario.decide(post_id, "approve")
    for _, post_id in rejected.values():
        await scenario.decide(post_id, "reject", reason_code="personal_details")
    for person, (thread_id, post_id) in rejected.items():
        await scenario.revise(person, thread_id, post_id)
    await scenario.screen()
    for _, post_id in rejected.values():
        await scenario.decide(post_id, "approve")
    await scenario.follow_batches()

    # Each reports two posts: the next person's third thread and the other's own reply. One
    # report is upheld (the post hidden), the others are not (kept, nobody is told).
    reported = [threads[p[(i + 1) % 3]][2][1] for i in range(3)]
    reported += [own_replies[p[(i + 2) % 3]] for i in range(3)]
    for person, post_id in zip(p + p, reported, strict=True):
        await scenario.report(person, post_id)
    await scenario.hide(reported[0])
    for post_id in reported[1:]:
        await scenario.decide(post_id, "approve")

    # Two fast reports of replies: held at once, moderators alerted; one kept, one removed.
    # (P2's post was hidden above: the one removed here is P3's, so "hidden" is not P2's alone.)
    fast = [(p[2], kept[1], "identifies_someone"), (p[0], kept[5], "safety_risk")]
    for person, post_id, category in fast:
        await scenario.report(person, post_id, category)
    await scenario.decide(kept[1], "approve")
    await scenario.decide(kept[5], "reject", reason_code="personal_details")

    await scenario.flush_alerts()

    # Appeals: P2 against the hiding of their post (lifted: the post is back), P3 against a
    # week's suspension (lifted). The moderator notes things on P1 from two of P1's threads
    # and on P2 from one.
    hidden_appeal = await scenario.appeal(p[1], reported[0])
    await scenario.decide_appeal(hidden_appeal, lift=True)
    await scenario.suspend_author(threads[p[2]][0][1])
    suspension_appeal = await scenario.appeal(p[2])
    await scenario.decide_appeal(suspension_appeal, lift=True)
    for author, post_id in ((p[0], threads[p[0]][1][1]), (p[0], kept[1]), (p[1], kept[3])):
        await scenario.author_note(author, post_id)

    # Three expert forums; everyone answers for two, every forum has two answers.
    starts = [START + timedelta(days=days) for days in (2, 3, 4)]
    forums = [
        await scenario.create_forum(board, when)
        for board, when in zip(("safety", "housing", "safety"), starts, strict=True)
    ]
    for i, person in enumerate(p):
        await scenario.rsvp(person, forums[i], "going")
        await scenario.rsvp(person, forums[(i + 2) % 3], "interested")
    # Each asks a question in advance of both forums they answered for; the moderators are
    # told once per forum; one question of each is decided (approved, approved, rejected).
    questions = {
        person: [
            await scenario.ask(person, forums[i]),
            await scenario.ask(person, forums[(i + 2) % 3]),
        ]
        for i, person in enumerate(p)
    }
    await scenario.deliver()
    for person, approve in zip(p, (True, True, False), strict=True):
        await scenario.decide_question(questions[person][0], approve=approve)
    await scenario.announce()

    # Each sends two feedbacks; the admins answer one of each.
    feedback = [await scenario.feedback(person) for person in p + p]
    for feedback_id in feedback[:3]:
        await scenario.reply_feedback(feedback_id)

    # Days pass: the 24 h and 1 h reminders of each forum, then the Monday digest.
    for forum_id, when in zip(forums, starts, strict=True):
        await scenario.run_jobs_at(when - timedelta(hours=23), f"forum {forum_id} 24h")
        await scenario.run_jobs_at(when - timedelta(minutes=30), f"forum {forum_id} 1h")
    await scenario.run_jobs_at(datetime(2031, 3, 10, 8, 0, 5, 777, tzinfo=UTC), "digest")


def secrets_of(scenario: Scenario) -> tuple[dict[str, str], list[str]]:
    """Every secret a store must not hold, by label; and the labels of identity keys."""
    secrets: dict[str, str] = {
        "identity pepper": IDENTITY_PEPPER.decode(),
        "store secret": STORE_SECRET.decode(),
        "pseudonym secret": PSEUDONYM_SECRET,
        "service token": SERVICE_TOKEN,
    }
    keys: list[str] = []
    for person, key in scenario.keys.items():
        secrets[f"{person.name} identity key"] = key
        secrets[f"{person.name} Telegram/chat id"] = str(person.telegram_id)
        secrets[f"{person.name} username"] = person.username
        secrets[f"{person.name} first name"] = person.first_name
        keys.append(f"{person.name} identity key")
    return secrets, keys


async def test_no_row_links_a_practitioner_across_contexts_and_no_identifier_is_stored(
    api: Api,
    app: web.Application,
    clock: StepClock,
    database_url: str,
    store: DeliveryStore,
    store_path: Path,
) -> None:
    async with DatabaseReader(database_url) as reader:
        scenario = Scenario(api, app, clock, reader, store, store_path)
        await scenario.step("baseline", ("baseline", None))
        await run(scenario)
        final = await reader.snapshot()

    # The run did what it says, and the snapshots saw it.
    kinds = Counter(note["kind"] for note in scenario.delivered)
    assert kinds == {
        "post_decision": 9 + 6 + 3 + 3 + 1 + 2,
        "report_outcome": 6 + 2,
        # Fast reports (2) and the other reports (6), to the moderator and the admin.
        "moderator_alert": (2 + 6) * 2,
        # The first item of each of the three screenings, the queue being empty before it.
        "queue_alert": 3 * 2,
        "forum_announcement": 9,
        "announcement": 3,
        "forum_reminder": 12,
        "digest": 3,
        "feedback": 6,
        "feedback_reply": 3,
        "suspension": 1,
        # To the admin (the only one); each appeal's answer to its appellant.
        "appeal": 2,
        "appeal_outcome": 2,
        # To the moderator and the admin, one per forum: the asks were delivered together.
        "forum_question_waiting": 3 * 2,
        # Each first thread: its author and the other replier (2 × 3); each second thread:
        # its author and its explicit follower, never the reply's author (2 × 3).
        "thread_replies": 2 * 3 + 2 * 3,
    }, kinds
    assert {
        note["recipient"]
        for note in scenario.delivered
        if note["kind"]
        not in ("moderator_alert", "queue_alert", "feedback", "appeal", "forum_question_waiting")
    } == {scenario.keys[person] for person in PRACTITIONERS}
    for kind in ("feedback", "appeal"):
        assert {note["recipient"] for note in scenario.delivered if note["kind"] == kind} == {
            scenario.keys[ADMIN]
        }
    for kind in ("moderator_alert", "queue_alert", "forum_question_waiting"):
        assert {note["recipient"] for note in scenario.delivered if note["kind"] == kind} == {
            scenario.keys[MODERATOR],
            scenario.keys[ADMIN],
        }
    everything = await dump_all_tables(database_url)
    assert {name: len(rows) for name, rows in everything.items()} == {
        name: len(table.rows) for name, table in final.items()
    }, "the reader sees every table dump_all_tables sees"
    rows = scenario.history.rows()
    stored = " ".join(
        leaf.text for row in rows for base, _, value in row.cells() for leaf in leaves(base, value)
    )
    assert all(word in stored for word in scenario.texts), "every title, text and link was seen"
    assert scenario.sealed_texts, "the notes were written"
    assert not any(word in stored for word in scenario.sealed_texts), "notes are stored sealed"
    assert any(row.table.startswith("store:") for row in rows), "the delivery store was read"

    # Each snapshot is a copy someone could steal; links are looked for within each one
    # (rows are attributed by what the whole run saw, so a row later changed or deleted still
    # counts as the person's in every copy that holds it).
    people = [person.name for person in PRACTITIONERS]
    everyone = value_index(rows)
    widest: dict[tuple[str, str], Link] = {}  # one line per person and value: its widest copy
    for moment in scenario.history.moments():
        for link in find_links(moment, people, everyone=everyone):
            seen = widest.get((link.owner, link.value))
            if seen is None or len(link.places) > len(seen.places):
                widest[(link.owner, link.value)] = link
    links = sorted(widest.values(), key=lambda link: (link.owner, -len(link.places), link.value))
    secrets, key_labels = secrets_of(scenario)
    exposures = find_exposures(rows, secrets, fragments_of=key_labels)
    # Rows of staff and the system count as everyone's: list them, to review what they hold.
    theirs = Counter(row.table for row in rows if row.attribution.owner in ("staff", "system"))
    summary = (
        f"{scenario.history.steps} snapshots; {scenario.history.row_count()} rows in "
        f"{len({row.table for row in rows})} tables, {len(rows)} row versions; versions "
        f"of staff and system rows: {', '.join(f'{t} {n}' for t, n in sorted(theirs.items()))}"
    )
    assert not links and not exposures, describe(links, exposures, summary=summary)


# -- the checker itself, on hand-made dumps ---------------------------------------------------

COLUMNS = ("id", "author", "thread_id", "body")


def _posts(*rows: tuple[object, ...]) -> dict[str, Table]:
    return {"posts": Table(COLUMNS, (0,), rows)}


def _history(*steps: tuple[str, Context, tuple[tuple[object, ...], ...]]) -> History:
    """Record one snapshot per step; each snapshot holds the rows of all steps so far."""
    history = History()
    so_far: list[tuple[object, ...]] = []
    for owner, context, new_rows in steps:
        so_far.extend(new_rows)
        history.record(_posts(*so_far), Attribution(owner, context))
    return history


def test_checker_reports_a_value_one_person_holds_in_two_contexts() -> None:
    history = _history(
        ("P1", ("post", 10), ((1, "tag-7f3a", 10, "first"),)),
        ("P2", ("post", 10), ((2, "tag-0c11", 10, "second"),)),
        ("P1", ("post", 11), ((3, "tag-7f3a", 11, "third"),)),
    )
    (link,) = find_links(history.rows(), ["P1", "P2"])
    assert (link.owner, link.value) == ("P1", "tag-7f3a")
    assert link.places == ((("post", 10), ("posts.author",)), (("post", 11), ("posts.author",)))
    report = describe([link], [])
    assert "P1  'tag-7f3a'  in 2 contexts" in report and "post 11" in report


def test_checker_exempts_a_value_another_owner_holds_in_the_same_column() -> None:
    history = _history(
        ("baseline", ("baseline", None), ((1, "board", 3, "seed"),)),
        ("P1", ("post", 10), ((2, "tag-7f3a", 10, "hello there"),)),
        ("P2", ("post", 11), ((3, "tag-7f3a", 11, "hello there again"),)),
        ("P1", ("post", 12), ((4, "tag-7f3a", 12, "hello there, third"),)),
    )
    # The tag is P2's too, "hello" and "there" are P2's or everyone's: nothing singles P1 out.
    assert find_links(history.rows(), ["P1", "P2"]) == []


def test_checker_compares_short_values_within_a_column_and_distinctive_ones_across() -> None:
    # Author 3 is P1's in two threads although thread 3 is someone else's: a link.
    history = _history(
        ("baseline", ("baseline", None), ((1, "x", 3, "seed"),)),
        ("P1", ("post", 10), ((2, 3, 10, "a"),)),
        ("P1", ("post", 11), ((5, 3, 11, "b"),)),
    )
    (link,) = find_links(history.rows(), ["P1"])
    assert link.value == "3" and {ctx for ctx, _ in link.places} == {("post", 10), ("post", 11)}
    # Post 7 and RSVP 7 are two sequences meeting by chance; one timestamp in both is not.
    when = datetime(2031, 3, 4, 9, 0, 3, 1237)
    history = History()
    post = Table(("id", "at"), (0,), ((7, when),))
    rsvp = Table(("id", "made"), (0,), ((7, when.isoformat() + "+00:00"),))
    history.record({"posts": post}, Attribution("P1", ("post", 1)))
    history.record({"posts": post, "rsvps": rsvp}, Attribution("P1", ("rsvp", 2)))
    (link,) = find_links(history.rows(), ["P1"])
    assert link.value == when.isoformat()
    assert link.places == ((("post", 1), ("posts.at",)), (("rsvp", 2), ("rsvps.made",)))


def test_checker_follows_foreign_keys_to_compare_columns() -> None:
    history = History()
    people = Table(("id",), (0,), ((3,),), ("identities.id",))
    report = Table(("id", "reporter"), (0,), ((1, 3),), ("reports.id", "identities.id"))
    history.record({"identities": people}, Attribution("P1", ("identity", None)))
    history.record({"identities": people, "reports": report}, Attribution("P1", ("report", 9)))
    (link,) = find_links(history.rows(), ["P1"])
    assert link.places == (
        (("identity", None), ("identities.id",)),
        (("report", 9), ("reports.reporter",)),
    )


def test_checker_finds_identity_keys_and_telegram_ids_inside_values() -> None:
    key = "ab" * 32
    rows = _history(
        ("P1", ("post", 10), ((1, "x", 10, f"dedupe=decision:{key};v2"),)),
        ("P1", ("post", 11), ((2, "y", 11, {"recipient": {"short": key[8:24]}}),)),
        ("P1", ("post", 12), ((3, "z", 12, b"\x00chat 6081234457\x00"),)),
    ).rows()
    secrets = {"P1 identity key": key, "P1 Telegram id": "6081234457"}
    found = find_exposures(rows, secrets, fragments_of=["P1 identity key"])
    assert {(e.secret, e.location, e.how) for e in found} == {
        ("P1 identity key", "posts.body", "contains"),
        ("P1 identity key", "posts.body[part 2]", "equals"),
        ("P1 identity key", "posts.body.recipient.short", "fragment"),
        ("P1 Telegram id", "posts.body", "contains"),
    }
    report = describe([], found)
    assert "EXPOSED SECRETS" in report and key not in report, "the report shortens values"


SOMEONE = Attribution("P1", ("post", 10))


def test_history_keeps_first_attribution_counts_every_version_and_adopts_on_request() -> None:
    history = History()
    history.record(_posts((1, "a", 10, "v1")), Attribution("P1", ("post", 10)))
    history.record(_posts((1, "a", 10, "v2")), Attribution("staff", ("decision", 1)))
    pending = {"notes": Table(("id", "payload"), (0,), ((7, {"to": "b"}),))}
    history.record({**_posts((1, "a", 10, "v2")), **pending}, Attribution("staff", ("forum", 1)))
    sending = {**_posts((1, "a", 10, "v2")), "notes": Table(("id", "payload"), (0,), ((7, {}),))}
    claim = history.record(sending, Attribution("P2", ("rsvp", 1)), adopt_changed=True)
    assert claim.changed == {"notes": 1} and not claim.new
    versions = {(row.table, str(row.values[-1])): row.attribution for row in history.rows()}
    assert versions == {
        ("posts", "v1"): Attribution("P1", ("post", 10)),
        ("posts", "v2"): Attribution("P1", ("post", 10)),
        ("notes", "{'to': 'b'}"): Attribution("P2", ("rsvp", 1)),
        ("notes", "{}"): Attribution("P2", ("rsvp", 1)),
    }
    # A deleted row whose key comes back is a new row, of the step that wrote it.
    history.record({}, Attribution("system", ("cleanup", None)))
    history.record(_posts((1, "b", 11, "new")), Attribution("P3", ("post", 11)))
    assert history.row_count() == 3
    # An override must name a table the step added rows to.
    with pytest.raises(AttributionError):
        history.record(
            sending,
            Attribution("P1", ("post", 10)),
            overrides={"posts": Attribution("P2", ("x", 1))},
        )


def test_leaves_normalise_times_json_numbers_and_tokens() -> None:
    aware = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)
    assert [leaf.text for leaf in leaves("t.c", aware)] == ["2031-03-04T09:00:00"]
    assert [leaf.text for leaf in leaves("t.c", "2031-03-04T10:00:00+01:00")] == [
        "2031-03-04T09:00:00"
    ]
    payload = leaves("t.payload", '{"post_id": 4, "ok": true, "tags": ["a b"], "p": 2.0}')
    assert [(leaf.location, leaf.text, leaf.token) for leaf in payload] == [
        ("t.payload.post_id", "4", False),
        ("t.payload.ok", "true", False),
        ("t.payload.tags[]", "a b", False),
        ("t.payload.tags[][word]", "a", True),
        ("t.payload.tags[][word]", "b", True),
        ("t.payload.p", "2", False),
    ]
    assert [(leaf.location, leaf.text) for leaf in leaves("t.k", "reminder:7:24h")] == [
        ("t.k", "reminder:7:24h"),
        ("t.k[part 0]", "reminder"),
        ("t.k[part 1]", "7"),
        ("t.k[part 2]", "24h"),
    ]
    assert [leaf.text for leaf in leaves("t.b", b"\x00\xff")] == ["00ff"]
    assert list(leaves("t.n", None)) == [] and list(leaves("t.s", "")) == []


def test_sqlite_files_are_read_with_their_primary_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE d (a TEXT, k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID")
        conn.execute("INSERT INTO d VALUES ('x', 'key', x'00ff')")
    conn.close()
    assert read_sqlite_file(path, "store:") == {
        "store:d": Table(("a", "k", "v"), (1,), (("x", "key", b"\x00\xff"),))
    }
    assert read_sqlite_file(tmp_path / "missing.db") == {}
