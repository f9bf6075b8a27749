"""Reading and posting: the practitioner's use cases."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from forum_service.clock import Clock, utc_now
from forum_service.domain import (
    MAX_ID,
    SLUG,
    Board,
    Conflict,
    DomainError,
    Forbidden,
    Identity,
    IdentityKey,
    NoteChange,
    NotFound,
    Page,
    Post,
    PostStatus,
    RateLimited,
    ReportCategory,
    RevisionKind,
    Sealed,
    ThreadSummary,
    ThreadView,
)
from forum_service.pseudonyms import Pseudonymizer
from forum_service.services import follows
from forum_service.services.read_cache import (
    CACHED_PAGES,
    CACHED_POSTS_PER_THREAD,
    CACHED_POSTS_TOTAL,
    CachedPage,
    CachedThread,
    PageKey,
    VersionedLru,
)
from forum_service.services.safeguarding import alert_staff
from forum_service.storage import (
    audit_repo,
    boards_repo,
    identities_repo,
    moderation_repo,
    watched_words_repo,
)
from forum_service.storage.database import ConstraintViolation, Database
from forum_service.storage.sessions import Session
from forum_service.validation import clean_reason
from forum_service.vault import epoch_seconds
from moderation.risk_patterns import discloses_crisis
from moderation.watchwords import WatchAction, match_watched_words

Inserter = Callable[[Session, tuple[Identity, IdentityKey], datetime], Awaitable[Post]]

#: Reports one identity may file per hour.
REPORTS_PER_HOUR = 10

#: Who the audit log says held a fast-reported post (no person: the report's category did).
FAST_REPORT_ACTOR = "Policy (fast report)"

#: Identities younger than this get a stricter posting limit (escalation for new accounts).
NEW_IDENTITY_AGE = timedelta(hours=24)

#: The window of both rate limits.
RATE_WINDOW = timedelta(hours=1)


def within_window(times: tuple[int, ...], now: datetime) -> tuple[int, ...]:
    """The times (epoch seconds) that fall in the last :data:`RATE_WINDOW` before ``now``."""
    since = epoch_seconds(now - RATE_WINDOW)
    return tuple(t for t in times if t >= since)


@dataclass(frozen=True, slots=True)
class CreatedPost:
    """Result of a create: the post, and whether it was a replay of an earlier request."""

    post: Post
    replayed: bool
    #: The text discloses its author's own crisis: show them the signposting card now.
    signposting: bool = False


def encode_cursor(at: datetime, item_id: int) -> str:
    """Encode a keyset position as an opaque URL-safe cursor."""
    raw = json.dumps([at.astimezone(UTC).isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Decode a cursor made by :func:`encode_cursor`.

    Raises:
        DomainError: ``cursor_invalid`` for anything else.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at_text, item_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        at = datetime.fromisoformat(at_text)
        # bool is an int in Python: a cursor of [at, true] is not one this service issued.
        if type(item_id) is not int or not 1 <= item_id <= MAX_ID or at.tzinfo is None:
            raise ValueError("bad cursor")
        at = at.astimezone(UTC)  # 0001-01-01T00:00:00+14:00 has no UTC equivalent
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
        raise DomainError("cursor_invalid", "cursor is not one this service issued") from None
    return at, item_id


class BoardService:
    """Boards, threads and posts as practitioners see them.

    Args:
        db: the database.
        pseudonyms: derives per-thread handles.
        posts_per_hour: posting limit per identity (a quarter of it for new identities).
        clock: time source.
    """

    def __init__(
        self,
        db: Database,
        pseudonyms: Pseudonymizer,
        *,
        posts_per_hour: int = 20,
        clock: Clock = utc_now,
    ) -> None:
        self._db = db
        self._pseudonyms = pseudonyms
        self._vault = db.vault
        self._posts_per_hour = posts_per_hour
        self._clock = clock
        # (version, boards): the list as of that version of the boards table (see list_boards).
        self._boards: tuple[int, list[Board]] | None = None
        # Thread reads and boards' pages as of their versions (see read_cache, 0019).
        self._threads: VersionedLru[int, CachedThread] = VersionedLru(CACHED_POSTS_TOTAL)
        self._pages: VersionedLru[PageKey, CachedPage] = VersionedLru(CACHED_PAGES)

    async def _actor(self, session: Session, key: IdentityKey, *, lock: bool = False) -> Identity:
        return await identities_repo.ensure_identity(
            session, self._vault, key.value, self._clock(), lock=lock
        )

    def _thread_tag(self, key: IdentityKey, thread_id: int) -> str:
        return self._vault.tag(key.value, f"thread:{thread_id}")

    async def whoami(self, key: IdentityKey) -> Identity:
        """Return (creating on first sight) the caller's identity."""
        async with self._db.write("whoami") as session:
            return await self._actor(session, key)

    async def list_boards(self) -> list[Board]:
        """Return every board with its count of approved threads.

        The list is kept between calls and read again only when the boards' version has moved:
        the database bumps it (triggers, migration 0017) in the transaction of any change to a
        board row, such as an approval changing a count, whichever process made it. So one
        small row is read per call, and a change is seen by the next call of every process.
        Callers must not modify the returned list.
        """
        # No snapshot needed: the list is read after its version, so it is never older.
        version = await boards_repo.boards_version_now(self._db)
        cached = self._boards
        if cached is not None and cached[0] == version:
            return cached[1]
        async with self._db.read("list_boards", snapshot=False) as session:
            boards = await boards_repo.list_boards(session)
        # Read after the version: at worst newer than it, and the next call reads again.
        self._boards = (version, boards)
        return boards

    async def list_threads(self, slug: str, cursor: str | None, limit: int) -> Page[ThreadSummary]:
        """Return one page of a board's approved threads, newest activity first.

        New threads created while a client pages appear before its cursor, so later pages
        neither repeat nor skip what was already there. Pages are kept per process while
        the board's versions (``boards``, ``board:<id>``) are unchanged: one small statement
        per call, and any change to the board, its threads or their approved posts is seen
        by the next call of every process.
        """
        after = decode_cursor(cursor) if cursor else None
        if SLUG.fullmatch(slug) is None:  # no such board (and nothing PostgreSQL can compare)
            raise NotFound("board_not_found", f"there is no board called {slug!r}")
        versions = await boards_repo.board_page_versions_now(self._db, slug)
        key = (slug, cursor, limit)
        cached = self._pages.get(key, versions)
        if cached is not None:
            return cached
        # No snapshot needed: a board archived between its look-up and its page shows the
        # page it had a moment earlier (saves BEGIN/COMMIT: SQLite hops, PostgreSQL trips).
        async with self._db.read("list_threads", snapshot=False) as session:
            board = await boards_repo.board_by_slug(session, slug)
            if board is None:
                raise NotFound("board_not_found", f"there is no board called {slug!r}")
            threads = await boards_repo.list_threads(
                session, board.id, after=after, limit=limit + 1
            )
        more = len(threads) > limit
        threads = threads[:limit]
        next_cursor = (
            encode_cursor(threads[-1].last_activity_at, threads[-1].id)
            if more and threads
            else None
        )
        page = Page(items=tuple(threads), next_cursor=next_cursor)
        self._pages.put(key, versions, page)
        return page

    async def read_thread(
        self, key: IdentityKey, thread_id: int, *, after_post_id: int = 0, limit: int = 50
    ) -> tuple[ThreadView, bool]:
        """Return a thread with the posts the caller may see, and whether more posts follow.

        An unapproved thread exists only for its author; others get ``thread_not_found``.
        """
        # Reads never create an identity: a read-only transaction does not take SQLite's
        # write lock, so readers do not queue behind posters.
        viewer_tag = self._thread_tag(key, thread_id)
        versions = await boards_repo.thread_versions_now(self._db, thread_id)
        cached = self._threads.get(thread_id, versions)
        if cached is None:
            cached = await self._load_thread(thread_id, versions)
        if cached is not None:
            found = (cached.thread, cached.author_tag)
            self._refuse_unseen(found, viewer_tag, thread_id)
            return cached.view(viewer_tag, after_id=after_post_id, limit=limit)
        # Too long to keep: the viewer's posts are chosen in SQL. No snapshot needed: the
        # posts are read after the thread and filtered by their own status, so a thread held
        # or a post hidden in between shows no more than the state after the change would;
        # at worst the header's reply count is one off.
        async with self._db.read("read_thread", snapshot=False) as session:
            header = await boards_repo.thread_with_author(session, thread_id)
            self._refuse_unseen(header, viewer_tag, thread_id)
            posts = await boards_repo.visible_posts(
                session, thread_id, viewer_tag, after_id=after_post_id, limit=limit + 1
            )
        assert header is not None  # refused above otherwise
        return ThreadView(thread=header[0], posts=tuple(posts[:limit])), len(posts) > limit

    async def _load_thread(self, thread_id: int, versions: tuple[int, int]) -> CachedThread | None:
        """Read a thread and all its posts into the cache; None when missing or too long.

        Read after ``versions``, so never older than them. No snapshot needed, as above.
        """
        async with self._db.read("read_thread", snapshot=False) as session:
            header = await boards_repo.thread_with_author(session, thread_id)
            if header is None:
                return None
            posts = await boards_repo.thread_posts(
                session, thread_id, limit=CACHED_POSTS_PER_THREAD + 1
            )
        if len(posts) > CACHED_POSTS_PER_THREAD:
            return None
        entry = CachedThread.of(header[0], header[1], posts)
        self._threads.put(thread_id, versions, entry, weight=max(1, len(posts)))
        return entry

    @staticmethod
    def _refuse_unseen(
        found: tuple[ThreadSummary, str] | None, viewer_tag: str, thread_id: int
    ) -> None:
        """Refuse a thread the viewer may not see: held, or unapproved and not theirs.

        Raises:
            NotFound: ``thread_held`` or ``thread_not_found``.
        """
        if found is not None and found[0].status is PostStatus.HELD and found[1] != viewer_tag:
            # Its opening post was reported as identifying someone or as a safety risk:
            # the title may be what identifies, so the whole thread waits.
            raise NotFound(
                "thread_held", f"thread {thread_id} is hidden while a moderator reviews it"
            )
        if found is None or (found[0].status is not PostStatus.APPROVED and found[1] != viewer_tag):
            raise NotFound("thread_not_found", f"there is no thread {thread_id}")

    async def read_post(self, key: IdentityKey, post_id: int) -> tuple[Post, bool]:
        """Return one post and whether the caller wrote it; others see approved posts only."""
        async with self._db.read("read_post") as session:
            viewer = await identities_repo.find_identity(session, self._vault, key.value)
            found = await boards_repo.post_with_author(session, post_id)
        if found is None:
            raise NotFound("post_not_found", f"there is no post {post_id}")
        post, author_tag, _ = found
        mine = author_tag == self._thread_tag(key, post.thread_id)
        can_moderate = viewer is not None and viewer.role.can_moderate
        if post.status is not PostStatus.APPROVED and not mine and not can_moderate:
            raise NotFound("post_not_found", f"there is no post {post_id}")
        return post, mine

    async def my_posts(
        self, key: IdentityKey, cursor: int | None, limit: int
    ) -> tuple[list[Post], int | None]:
        """Return the caller's posts of every status, newest first, and the next cursor.

        The list of one's own posts lives only in one's sealed state, not in any index.
        """
        async with self._db.read("my_posts") as session:
            me = await identities_repo.find_identity(session, self._vault, key.value)
            own = [] if me is None else sorted(me.state.posts, reverse=True)
            if cursor is not None:
                own = [post_id for post_id in own if post_id < cursor]
            posts = await boards_repo.posts_by_ids(session, own[:limit])
        more = len(own) > limit
        return posts, (posts[-1].id if more and posts else None)

    async def create_thread(
        self,
        key: IdentityKey,
        slug: str,
        title: str,
        body: str,
        idempotency_key: str | None,
        content_note: str | None = None,
    ) -> CreatedPost:
        """Store a new thread and its opening post as pending (invisible until approved)."""
        fingerprint = _fingerprint("thread", slug, title, body, *_note_part(content_note))
        created = await self._create(
            "create_thread",
            key,
            idempotency_key,
            fingerprint,
            "\n".join([title, body, *_note_part(content_note)]),
            lambda session, actor, now: self._insert_thread(
                session, actor, slug, title, body, content_note, now
            ),
        )
        # Rules only, before answering (a replay answers the same): the author in crisis is
        # shown where to find help at once, not when the worker gets to the post.
        return replace(created, signposting=discloses_crisis(f"{title}\n\n{body}"))

    async def reply(
        self,
        key: IdentityKey,
        thread_id: int,
        body: str,
        idempotency_key: str | None,
        content_note: str | None = None,
    ) -> CreatedPost:
        """Store a reply to an approved thread as pending."""
        fingerprint = _fingerprint("reply", str(thread_id), body, *_note_part(content_note))
        created = await self._create(
            "reply",
            key,
            idempotency_key,
            fingerprint,
            "\n".join([body, *_note_part(content_note)]),
            lambda session, actor, now: self._insert_reply(
                session, actor, thread_id, body, content_note, now
            ),
        )
        return replace(created, signposting=discloses_crisis(body))

    async def _insert_thread(
        self,
        session: Session,
        actor: tuple[Identity, IdentityKey],
        slug: str,
        title: str,
        body: str,
        content_note: str | None,
        now: datetime,
    ) -> Post:
        board = await boards_repo.board_by_slug(session, slug)
        if board is None:
            raise NotFound("board_not_found", f"there is no board called {slug!r}")
        if board.archived:
            raise Conflict(
                "board_archived", f"the board {slug!r} is archived: it takes no new threads"
            )
        thread_id = await boards_repo.insert_thread(
            session, board_id=board.id, title=title, now=now
        )
        return await self._insert_post(
            session, actor, (thread_id, board.slug, title), body, title, content_note, now
        )

    async def _insert_reply(
        self,
        session: Session,
        actor: tuple[Identity, IdentityKey],
        thread_id: int,
        body: str,
        content_note: str | None,
        now: datetime,
    ) -> Post:
        found = await boards_repo.reply_target(session, thread_id)
        if found is None or (
            found.status is not PostStatus.APPROVED
            and found.author_tag != self._thread_tag(actor[1], thread_id)
        ):
            raise NotFound("thread_not_found", f"there is no thread {thread_id}")
        if found.status is not PostStatus.APPROVED:
            raise DomainError("thread_not_open", "replies open once the thread has been approved")
        return await self._insert_post(
            session,
            actor,
            (thread_id, found.board_slug, found.title),
            body,
            None,
            content_note,
            now,
        )

    async def _insert_post(
        self,
        session: Session,
        actor: tuple[Identity, IdentityKey],
        thread: tuple[int, str, str],
        body: str,
        title: str | None,
        content_note: str | None,
        now: datetime,
    ) -> Post:
        """Store a pending post under its per-thread pseudonym and queue it for moderation.

        ``thread`` is ``(id, board slug, title)``; ``title`` is given for a thread's opening
        post only.
        """
        key = actor[1]
        thread_id, board_slug, thread_title = thread
        author_tag = self._thread_tag(key, thread_id)
        post = await boards_repo.insert_post(
            session,
            thread_id=thread_id,
            board_slug=board_slug,
            thread_title=thread_title,
            author_tag=author_tag,
            author_seal=self._vault.seal_key(key.value, boards_repo.author_context(author_tag)),
            pseudonym=self._pseudonyms.for_thread(key.value, thread_id),
            body=body,
            is_opening=title is not None,
            title=title,
            content_note=content_note,
            now=now,
        )
        await moderation_repo.open_item(session, post.id, now)
        return post

    async def _create(
        self,
        name: str,
        key: IdentityKey,
        idempotency_key: str | None,
        fingerprint: str,
        blocked_text: str,
        insert: Inserter,
    ) -> CreatedPost:
        args = (name, key, idempotency_key, fingerprint, blocked_text, insert)
        try:
            return await self._create_once(*args)
        except ConstraintViolation:
            # A concurrent request with the same idempotency key won the race: answer with its post.
            if idempotency_key is None:
                raise
            return await self._create_once(*args)

    async def _create_once(
        self,
        name: str,
        key: IdentityKey,
        idempotency_key: str | None,
        fingerprint: str,
        blocked_text: str,
        insert: Inserter,
    ) -> CreatedPost:
        now = self._clock()
        scope = (
            None
            if idempotency_key is None
            else self._vault.tag(key.value, f"idempotency:{idempotency_key}")
        )
        async with self._db.write(name) as session:
            # Locked: the sealed state (own posts, recent times) is rewritten below.
            identity = await self._actor(session, key, lock=True)
            if scope is not None:
                earlier = await boards_repo.find_idempotent_post(session, scope)
                if earlier is not None:
                    post_id, earlier_fingerprint = earlier
                    if earlier_fingerprint != fingerprint:
                        raise Conflict(
                            "idempotency_key_reused",
                            "this Idempotency-Key was already used for a different request",
                        )
                    found = await boards_repo.post_with_author(session, post_id)
                    assert found is not None
                    return CreatedPost(post=found[0], replayed=True)
            if identity.suspended:
                raise Forbidden("identity_suspended", "your account is suspended from posting")
            recent = self._check_rate(identity, now)
            await _refuse_blocked_words(session, blocked_text)
            post = await insert(session, (identity, key), now)
            post_id = post.id
            # Authors follow their own threads: starting one, or replying to one.
            state = (
                await follows.follow_own(
                    session, self._vault, identity, key.value, post.thread_id, now
                )
            ).state
            await identities_repo.save_state(
                session,
                self._vault,
                identity,
                key.value,
                replace(
                    state,
                    posts=(*state.posts, post_id),
                    post_times=(*recent, epoch_seconds(now)),
                ),
            )
            if scope is not None:
                await boards_repo.remember_idempotency_key(
                    session, scope, fingerprint, post_id, now
                )
            return CreatedPost(post=post, replayed=False)

    async def revise(
        self,
        key: IdentityKey,
        post_id: int,
        body: str,
        title: str | None,
        content_note: NoteChange | None = None,
    ) -> Post:
        """Revise a rejected post and resubmit it: a new revision that re-enters the queue.

        ``content_note`` sets or removes the post's content note; None keeps it.
        """
        now = self._clock()
        async with self._db.write("revise_post") as session:
            identity = await self._actor(session, key)
            found = await boards_repo.post_with_author(session, post_id)
            if found is None or found[1] != self._thread_tag(key, found[0].thread_id):
                raise NotFound("post_not_found", f"there is no post {post_id} of yours")
            post = found[0]
            if identity.suspended:
                raise Forbidden("identity_suspended", "your account is suspended from posting")
            if post.status is not PostStatus.REJECTED:
                raise Conflict(
                    "not_rejected", "only a rejected post can be revised and resubmitted"
                )
            if title is not None and not post.is_opening:
                raise DomainError("title_not_editable", "only an opening post has a title")
            note = [] if content_note is None else _note_part(content_note.note)
            await _refuse_blocked_words(
                session, "\n".join([*([title] if title else []), body, *note])
            )
            await boards_repo.add_revision(
                session, post_id, body=body, title=title, kind=RevisionKind.RESUBMITTED, now=now
            )
            if content_note is not None:
                await boards_repo.set_content_note(session, post_id, content_note.note)
            await moderation_repo.reopen_for_revision(session, post_id, now)
            refreshed = await boards_repo.post_with_author(session, post_id)
            assert refreshed is not None
            return refreshed[0]

    async def report(
        self,
        key: IdentityKey,
        post_id: int,
        reason: str | None,
        category: ReportCategory = ReportCategory.OTHER,
    ) -> None:
        """Report an approved post: it goes back to the moderation queue.

        A fast report (``identifies_someone``, ``safety_risk``) also holds the post at once —
        hidden from everyone but its author until a moderator decides — puts it in the urgent
        lane and alerts every moderator. The reporter is told the outcome (kept or removed).

        Rate limited per identity; one report per person per post. A post the caller cannot
        see answers ``post_not_found`` like a missing one, so reports cannot probe for posts.

        Raises:
            DomainError: ``reason_required`` for an "other" report without a reason.
        """
        if reason is None and not category.holds_post:
            raise DomainError("reason_required", "say why you are reporting this post")
        reason = clean_reason(reason) if reason is not None else ""
        now = self._clock()
        reporter_tag = self._vault.tag(key.value, f"report:{post_id}")
        async with self._db.write("report_post") as session:
            identity = await self._actor(session, key, lock=True)
            if identity.suspended:
                raise Forbidden("identity_suspended", "your account is suspended")
            recent = within_window(identity.state.report_times, now)
            if len(recent) >= REPORTS_PER_HOUR:
                raise RateLimited("rate_limited", "too many reports this hour; try again later")
            found = await boards_repo.post_with_author(session, post_id)
            if found is not None and found[0].status is PostStatus.HELD:
                raise Conflict(
                    "already_under_review",
                    "this post is already hidden while a moderator reviews it",
                )
            if found is None or found[0].status is not PostStatus.APPROVED:
                raise NotFound("post_not_found", f"there is no post {post_id}")
            if await moderation_repo.has_reported(session, post_id, reporter_tag):
                raise Conflict("already_reported", "you have already reported this post")
            await moderation_repo.add_report(
                session,
                post_id,
                reporter_tag,
                reason,
                now,
                category=category.value,
                reporter_seal=self._vault.seal_key(
                    key.value, moderation_repo.reporter_context(reporter_tag)
                ),
            )
            if category.holds_post:
                await self._hold(session, key, found[0], found[2], category, now)
            else:
                item = await moderation_repo.reopen_for_report(session, post_id, now)
                # Reports are announced at once, like the urgent lane (never the reason: it
                # is the reporter's free text).
                await alert_staff(
                    session,
                    self._vault,
                    item_id=item.id,
                    version=item.version,
                    reasons=["reported"],
                    now=now,
                    exclude={key.value, self._vault.open_key(found[2].blob, found[2].context)},
                    lane="report",
                )
            await identities_repo.save_state(
                session,
                self._vault,
                identity,
                key.value,
                replace(identity.state, report_times=(*recent, epoch_seconds(now))),
            )

    async def _hold(
        self,
        session: Session,
        reporter: IdentityKey,
        post: Post,
        author: Sealed,
        category: ReportCategory,
        now: datetime,
    ) -> None:
        """Hide a fast-reported post until a moderator decides, and alert every moderator."""
        why = f"reported as {category.label}"
        await boards_repo.set_post_status(session, post.id, PostStatus.HELD, now)
        item = await moderation_repo.reopen_for_report(
            session, post.id, now, urgent_reason=f"urgent: {why}"
        )
        await audit_repo.audit(
            session,
            actor=FAST_REPORT_ACTOR,
            action="hold",
            target_type="post",
            target_id=post.id,
            reason=why,
            details={"category": category.value},
            now=now,
        )
        await alert_staff(
            session,
            self._vault,
            item_id=item.id,
            version=item.version,
            reasons=[why],
            now=now,
            exclude={reporter.value, self._vault.open_key(author.blob, author.context)},
        )

    def _check_rate(self, identity: Identity, now: datetime) -> tuple[int, ...]:
        """Refuse a post over the hourly limit; return the window's earlier post times."""
        limit = self._posts_per_hour
        if now - identity.created_at < NEW_IDENTITY_AGE:
            limit = max(1, limit // 4)
        recent = within_window(identity.state.post_times, now)
        if len(recent) >= limit:
            raise RateLimited(
                "rate_limited", f"you can post {limit} times an hour; please try again later"
            )
        return recent


async def _refuse_blocked_words(session: Session, text: str) -> None:
    """Refuse text with a "block" watched word before anything is stored (admins' choice)."""
    words = [
        w for w in await watched_words_repo.watched_words(session) if w.action is WatchAction.BLOCK
    ]
    if words and match_watched_words(text, words):
        raise DomainError(
            "blocked_word", "your post contains a word this forum does not allow; please rephrase"
        )


def _note_part(content_note: str | None) -> list[str]:
    """A content note as one more part of a text or fingerprint (none: nothing, so requests
    without a note keep the fingerprints they had before notes existed)."""
    return [] if content_note is None else [content_note]


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
