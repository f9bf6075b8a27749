"""HTTP client of the forum service: the bot's only way to the forum (never its storage).

One named method per remote call, each returning typed values from ``bot.forum_models``: no
other bot module spells a URL. An answer that does not have the expected shape is refused
here, as :class:`ForumUnavailable`, rather than failing later inside a handler.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import ValidationError

from bot.forum_models import (
    Ack,
    AdminBoard,
    Answer,
    AppealDecision,
    AuditLine,
    AuditList,
    Board,
    BoardList,
    Count,
    Created,
    CreatedReply,
    CreatedThread,
    Decision,
    DraftCheck,
    Duty,
    ExpertForum,
    FeedbackSent,
    Following,
    FollowingList,
    ForumDraft,
    ForumEnvelope,
    ForumList,
    ForumQuestion,
    Granted,
    Helpline,
    HelplineList,
    Invite,
    ItemNotes,
    Me,
    MemberInvite,
    MemberInviteList,
    ModerationNote,
    Moderator,
    ModeratorList,
    Newsletter,
    NewsletterPage,
    NoteEnvelope,
    Notification,
    NotificationList,
    Post,
    PostEnvelope,
    PostList,
    Published,
    QuestionEnvelope,
    QuestionList,
    QueueItem,
    QueueItemEnvelope,
    QueueList,
    RejectReason,
    RejectReasonList,
    Report,
    ReportCategory,
    ReportList,
    Resource,
    ResourceList,
    Role,
    RsvpChoice,
    SearchResults,
    SimilarThreads,
    SubscriptionList,
    Suspension,
    ThreadDetail,
    ThreadPage,
    ThreadSummary,
    WatchedWord,
    WatchedWordList,
    Workload,
)

log = logging.getLogger(__name__)

#: Every call gives up after this long so a slow service cannot stall the bot's update loop.
TIMEOUT = aiohttp.ClientTimeout(total=15)

Shape = TypeVar("Shape", bound=Answer)


class ForumError(Exception):
    """The service refused a call; ``message`` is a plain sentence fit to show the user."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message


class ForumUnavailable(ForumError):
    """The service could not be reached, or answered something the bot cannot read."""


def _segment(value: str) -> str:
    """``value`` as one path segment: a "/" or "?" typed by a person cannot change the route."""
    return quote(value, safe=":@!$&'()*+,;=")


class ForumClient:
    """Calls the forum API with the service token, acting for an identity key.

    Args:
        base_url: the service root, e.g. ``http://127.0.0.1:8080``.
        token: ``FORUM_SERVICE_TOKEN``.
    """

    def __init__(self, base_url: str, token: str) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Open the HTTP session (from the bot's ``post_init``)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)

    async def close(self) -> None:
        """Close the HTTP session (from ``post_shutdown``)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(
        self,
        method: str,
        path: str,
        identity: str | None = None,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Make one API call and return its JSON body.

        Raises:
            ForumError: the service answered with an error (its code and message).
            ForumUnavailable: the service did not answer.
        """
        if self._session is None:
            raise ForumUnavailable(0, "not_open", "The forum is starting; please try again.")
        headers = {"Authorization": f"Bearer {self._token}"}
        if identity is not None:
            headers["X-Forum-Identity"] = identity
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            async with self._session.request(
                method, f"{self._base}{path}", json=json, params=params, headers=headers
            ) as response:
                body = await response.json(content_type=None)
                if response.status >= 400:
                    error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
                    raise ForumError(
                        response.status,
                        str(error.get("code", "error")),
                        str(error.get("message", "The forum could not do that.")),
                    )
                return body
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise ForumUnavailable(
                0, "unavailable", "The forum is not reachable right now; please try again soon."
            ) from error

    async def _answer(
        self, shape: type[Shape], method: str, path: str, identity: str | None = None, **kw: Any
    ) -> Shape:
        """Make one call and parse its answer as ``shape``.

        Raises:
            ForumUnavailable: also when the answer does not have that shape.
        """
        body = await self._call(method, path, identity, **kw)
        try:
            return shape.model_validate(body)
        except ValidationError as error:
            # Field locations only: values (and paths) may hold what someone typed.
            where = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
            log.error("unexpected answer to %s %s: %s", method, shape.__name__, where)
            raise ForumUnavailable(
                0, "bad_answer", "The forum sent an answer I could not read; please try again soon."
            ) from None

    # Boards and threads.

    async def boards(self, identity: str) -> tuple[Board, ...]:
        """Every outcome board (members only)."""
        return (await self._answer(BoardList, "GET", "/api/v1/boards", identity)).boards

    async def threads(
        self, identity: str, board: str, cursor: str | None = None, limit: int = 5
    ) -> ThreadPage:
        """One page of a board's approved threads (members only)."""
        params = {"limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        path = f"/api/v1/boards/{_segment(board)}/threads"
        return await self._answer(ThreadPage, "GET", path, identity, params=params)

    async def thread(self, identity: str, thread_id: int, after: int = 0) -> ThreadDetail:
        """A thread with the posts ``identity`` may see, from post ``after`` on."""
        params = {"after": str(after), "limit": "50"}
        path = f"/api/v1/threads/{thread_id}"
        return await self._answer(ThreadDetail, "GET", path, identity, params=params)

    async def me(self, identity: str) -> Me:
        """The caller's role, whether they are a member and how people join."""
        return await self._answer(Me, "GET", "/api/v1/me", identity)

    # Posting.

    async def check_draft(self, identity: str, body: str, title: str | None = None) -> DraftCheck:
        """Screen a draft for personal details and risk patterns; the service stores nothing."""
        payload = {"body": body} if title is None else {"title": title, "body": body}
        return await self._answer(
            DraftCheck, "POST", "/api/v1/drafts/check", identity, json=payload
        )

    async def create_thread(
        self,
        identity: str,
        board: str,
        title: str,
        body: str,
        *,
        idempotency_key: str,
        content_note: str | None = None,
    ) -> CreatedThread:
        """Start a thread (pending); a replay with the same key returns the stored one."""
        payload = {"board": board, "title": title, "body": body}
        if content_note is not None:
            payload["content_note"] = content_note
        return await self._answer(
            CreatedThread,
            "POST",
            "/api/v1/threads",
            identity,
            json=payload,
            idempotency_key=idempotency_key,
        )

    async def reply(
        self,
        identity: str,
        thread_id: int,
        body: str,
        *,
        idempotency_key: str,
        content_note: str | None = None,
    ) -> CreatedReply:
        """Reply to a thread (pending); a replay with the same key returns the stored post."""
        path = f"/api/v1/threads/{thread_id}/posts"
        payload: dict[str, str] = {"body": body}
        if content_note is not None:
            payload["content_note"] = content_note
        return await self._answer(
            CreatedReply, "POST", path, identity, json=payload, idempotency_key=idempotency_key
        )

    async def revise(self, identity: str, post_id: int, body: str) -> Post:
        """Resubmit a rejected post with new text."""
        path = f"/api/v1/posts/{post_id}/revise"
        return (await self._answer(PostEnvelope, "POST", path, identity, json={"body": body})).post

    async def report(
        self, identity: str, post_id: int, reason: str | None, category: ReportCategory = "other"
    ) -> None:
        """Report a post to the moderators (a fast category hides it at once)."""
        path = f"/api/v1/posts/{post_id}/reports"
        payload: dict[str, str] = {"category": category}
        if reason is not None:
            payload["reason"] = reason
        await self._answer(Count, "POST", path, identity, json=payload)

    async def withdraw(self, identity: str, post_id: int) -> Post:
        """Withdraw my post before a moderator decides (its text is erased)."""
        path = f"/api/v1/posts/{post_id}/withdraw"
        return (await self._answer(PostEnvelope, "POST", path, identity)).post

    # Following and search.

    async def is_following(self, identity: str, thread_id: int) -> bool:
        """Whether ``identity`` follows the thread."""
        path = f"/api/v1/threads/{thread_id}/follow"
        return (await self._answer(Following, "GET", path, identity)).following

    async def set_following(self, identity: str, thread_id: int, following: bool) -> bool:
        """Follow or unfollow a thread; whether one follows it now."""
        path = f"/api/v1/threads/{thread_id}/follow"
        method = "PUT" if following else "DELETE"
        return (await self._answer(Following, method, path, identity)).following

    async def following(self, identity: str) -> tuple[ThreadSummary, ...]:
        """The threads ``identity`` follows, most recently followed first."""
        return (await self._answer(FollowingList, "GET", "/api/v1/me/following", identity)).threads

    async def search(
        self, identity: str, query: str, board: str | None = None, page: int = 1
    ) -> SearchResults:
        """One page of approved posts holding every word of ``query``."""
        params = {"q": query, "page": str(page)}
        if board:
            params["board"] = board
        return await self._answer(SearchResults, "GET", "/api/v1/search", identity, params=params)

    async def similar_threads(self, identity: str, title: str) -> SimilarThreads:
        """Up to three approved threads whose titles look like ``title``."""
        params = {"title": title}
        path = "/api/v1/threads-similar"
        return await self._answer(SimilarThreads, "GET", path, identity, params=params)

    async def my_posts(self, identity: str, limit: int = 10) -> tuple[Post, ...]:
        """The caller's newest posts with their status."""
        params = {"limit": str(limit)}
        return (
            await self._answer(PostList, "GET", "/api/v1/me/posts", identity, params=params)
        ).posts

    # Moderation.

    async def queue(self, identity: str, limit: int = 50) -> tuple[QueueItem, ...]:
        """Pending items, highest risk first."""
        params = {"limit": str(limit)}
        path = "/api/v1/moderation/queue"
        return (await self._answer(QueueList, "GET", path, identity, params=params)).items

    async def queue_item(self, identity: str, item_id: int) -> QueueItem:
        """One queue item as it is now (its current version)."""
        path = f"/api/v1/moderation/items/{item_id}"
        return (await self._answer(QueueItemEnvelope, "GET", path, identity)).item

    async def decide(
        self, identity: str, item_id: int, version: int, decision: Decision
    ) -> QueueItem:
        """Decide an item at the version the moderator saw (409 when it changed meanwhile)."""
        payload = {"version": version, **decision.as_json()}
        path = f"/api/v1/moderation/items/{item_id}/decision"
        return (await self._answer(QueueItemEnvelope, "POST", path, identity, json=payload)).item

    async def duty(self, identity: str) -> bool:
        """Whether the calling moderator is on duty."""
        return (await self._answer(Duty, "GET", "/api/v1/moderation/duty", identity)).on_duty

    async def set_duty(self, identity: str, on_duty: bool) -> bool:
        """Go on or off duty; returns the new state."""
        path = "/api/v1/moderation/duty"
        answer = await self._answer(Duty, "PUT", path, identity, json={"on_duty": on_duty})
        return answer.on_duty

    async def modstats(self, identity: str, days: int = 7) -> Workload:
        """The moderators' workload figures over the last ``days`` days (admins)."""
        params = {"days": str(days)}
        return await self._answer(
            Workload, "GET", "/api/v1/admin/modstats", identity, params=params
        )

    async def claim(self, identity: str, item_id: int, version: int) -> QueueItem:
        """Claim an item for 10 minutes (409 ``claimed_by_other`` when someone holds it)."""
        path = f"/api/v1/moderation/items/{item_id}/claim"
        payload = {"version": version}
        return (await self._answer(QueueItemEnvelope, "POST", path, identity, json=payload)).item

    async def release(self, identity: str, item_id: int) -> QueueItem:
        """Release my claim on an item (Skip)."""
        path = f"/api/v1/moderation/items/{item_id}/claim"
        return (await self._answer(QueueItemEnvelope, "DELETE", path, identity)).item

    async def redact(self, identity: str, item_id: int, version: int, finding: int) -> QueueItem:
        """Replace finding number ``finding`` (0-based) by its placeholder; the item as now."""
        path = f"/api/v1/moderation/items/{item_id}/redactions"
        payload = {"version": version, "finding": finding}
        return (await self._answer(QueueItemEnvelope, "POST", path, identity, json=payload)).item

    async def undo(self, identity: str, item_id: int, version: int) -> QueueItem:
        """Undo my decision (``version``: the item's version after it); the item as now."""
        path = f"/api/v1/moderation/items/{item_id}/undo"
        payload = {"version": version}
        return (await self._answer(QueueItemEnvelope, "POST", path, identity, json=payload)).item

    async def item_notes(self, identity: str, item_id: int) -> ItemNotes:
        """The notes on an item and its author, with the author's history line."""
        path = f"/api/v1/moderation/items/{item_id}/notes"
        return await self._answer(ItemNotes, "GET", path, identity)

    async def add_note(
        self, identity: str, item_id: int, text: str, *, about: str = "item"
    ) -> ModerationNote:
        """Write a note on an item (``about="item"``) or on its post's author (``"author"``)."""
        path = f"/api/v1/moderation/items/{item_id}/notes"
        payload = {"text": text, "about": about}
        return (await self._answer(NoteEnvelope, "POST", path, identity, json=payload)).note

    async def reports(self, identity: str) -> tuple[Report, ...]:
        """Open reports, oldest first."""
        path = "/api/v1/moderation/reports"
        return (await self._answer(ReportList, "GET", path, identity)).reports

    # Team and watched words (admins).

    async def create_invite(self, identity: str, role: Role = "moderator") -> Invite:
        """A one-time invite code for a new moderator (or admin)."""
        path = "/api/v1/admin/invites"
        return await self._answer(Invite, "POST", path, identity, json={"role": role})

    async def redeem_invite(self, identity: str, code: str) -> Role:
        """Redeem any invite code (membership or staff); returns the caller's role now."""
        path = "/api/v1/invites/redeem"
        return (await self._answer(Granted, "POST", path, identity, json={"code": code})).role

    # Membership.

    async def create_member_invite(
        self, identity: str, uses: int, days: int, label: str | None
    ) -> MemberInvite:
        """A membership code for a partner organisation (admins)."""
        payload: dict[str, Any] = {"uses": uses, "days": days}
        if label:
            payload["label"] = label
        path = "/api/v1/admin/member-invites"
        return await self._answer(MemberInvite, "POST", path, identity, json=payload)

    async def member_invites(self, identity: str) -> tuple[MemberInvite, ...]:
        """Membership codes, newest first (admins)."""
        path = "/api/v1/admin/member-invites"
        return (await self._answer(MemberInviteList, "GET", path, identity)).invites

    async def revoke_invite(self, identity: str, code: str) -> MemberInvite:
        """Withdraw an invite code (admins)."""
        path = "/api/v1/admin/invites/revoke"
        return await self._answer(MemberInvite, "POST", path, identity, json={"code": code})

    async def request_membership(self, identity: str, text: str) -> int:
        """Send the caller's one membership request; returns its id."""
        path = "/api/v1/membership-requests"
        return (await self._answer(Created, "POST", path, identity, json={"text": text})).id

    async def decide_membership_request(
        self, identity: str, request_id: int, *, approve: bool
    ) -> None:
        """Approve or decline a membership request (admins)."""
        path = f"/api/v1/admin/membership-requests/{request_id}/decision"
        await self._answer(Count, "POST", path, identity, json={"approve": approve})

    async def remove_member(self, identity: str, post_id: int) -> None:
        """End the membership of a post's author (admins)."""
        path = f"/api/v1/admin/posts/{post_id}/author-membership"
        await self._answer(Count, "DELETE", path, identity)

    async def moderators(self, identity: str) -> tuple[Moderator, ...]:
        """The moderators and admins, by handle."""
        path = "/api/v1/admin/moderators"
        return (await self._answer(ModeratorList, "GET", path, identity)).moderators

    async def remove_moderator(self, identity: str, handle: str) -> None:
        """Make the moderator with this handle a practitioner again."""
        path = "/api/v1/admin/moderators/remove"
        await self._answer(Count, "POST", path, identity, json={"handle": handle})

    async def watched_words(self, identity: str) -> tuple[WatchedWord, ...]:
        """Every watched word."""
        path = "/api/v1/admin/watched-words"
        return (await self._answer(WatchedWordList, "GET", path, identity)).words

    async def add_watched_word(self, identity: str, word: str, action: str) -> WatchedWord:
        """Watch a word or phrase (``action``: block, flag or require_review)."""
        path = "/api/v1/admin/watched-words"
        payload = {"word": word, "action": action}
        return await self._answer(WatchedWord, "POST", path, identity, json=payload)

    async def remove_watched_word(self, identity: str, word_id: int) -> None:
        """Stop watching a word."""
        path = f"/api/v1/admin/watched-words/{word_id}"
        await self._answer(Count, "DELETE", path, identity)

    # The signposting card.

    async def helplines(self) -> tuple[Helpline, ...]:
        """The helplines and services, in display order."""
        return (await self._answer(HelplineList, "GET", "/api/v1/helplines")).helplines

    async def add_helpline(
        self, identity: str, name: str, contact: str, description: str
    ) -> Helpline:
        """Add a helpline to the end of the card (admins)."""
        payload = {"name": name, "contact": contact, "description": description}
        return await self._answer(
            Helpline, "POST", "/api/v1/admin/helplines", identity, json=payload
        )

    async def remove_helpline(self, identity: str, helpline_id: int) -> None:
        """Remove a helpline from the card (admins)."""
        path = f"/api/v1/admin/helplines/{helpline_id}"
        await self._answer(Count, "DELETE", path, identity)

    # Resources, newsletters, feedback, board management.

    async def resources(self, identity: str, board: str | None = None) -> tuple[Resource, ...]:
        """Pinned resources: one board's, or every board's (members only)."""
        path = (
            "/api/v1/resources" if board is None else f"/api/v1/boards/{_segment(board)}/resources"
        )
        return (await self._answer(ResourceList, "GET", path, identity)).resources

    async def resource(self, identity: str, resource_id: int) -> Resource:
        """One resource (members only)."""
        return await self._answer(Resource, "GET", f"/api/v1/resources/{resource_id}", identity)

    async def pin_resource(
        self,
        identity: str,
        board: str,
        title: str,
        description: str,
        *,
        url: str | None = None,
        document_file_id: str | None = None,
    ) -> Resource:
        """Pin a resource to a board (admins)."""
        payload: dict[str, Any] = {"board": board, "title": title, "description": description}
        if url is not None:
            payload["url"] = url
        if document_file_id is not None:
            payload["document_file_id"] = document_file_id
        return await self._answer(
            Resource, "POST", "/api/v1/admin/resources", identity, json=payload
        )

    async def unpin_resource(self, identity: str, resource_id: int) -> None:
        """Unpin a resource (admins)."""
        await self._answer(Count, "DELETE", f"/api/v1/admin/resources/{resource_id}", identity)

    async def publish_newsletter(
        self, identity: str, title: str, text: str, document_file_id: str | None = None
    ) -> Published:
        """Publish a newsletter to the archive and every "all" subscriber (admins)."""
        payload: dict[str, Any] = {"title": title, "text": text}
        if document_file_id is not None:
            payload["document_file_id"] = document_file_id
        return await self._answer(
            Published, "POST", "/api/v1/admin/newsletters", identity, json=payload
        )

    async def newsletters(
        self, identity: str, cursor: str | None = None, limit: int = 5
    ) -> NewsletterPage:
        """One page of past newsletters, newest first (members only)."""
        params = {"limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        return await self._answer(
            NewsletterPage, "GET", "/api/v1/newsletters", identity, params=params
        )

    async def newsletter(self, identity: str, newsletter_id: int) -> Newsletter:
        """One newsletter (members only)."""
        return await self._answer(
            Newsletter, "GET", f"/api/v1/newsletters/{newsletter_id}", identity
        )

    async def send_feedback(self, identity: str, text: str) -> FeedbackSent:
        """Send feedback to the admins, anonymously."""
        return await self._answer(
            FeedbackSent, "POST", "/api/v1/feedback", identity, json={"text": text}
        )

    async def reply_feedback(self, identity: str, feedback_id: int, text: str) -> None:
        """Reply once to a feedback (admins)."""
        path = f"/api/v1/admin/feedback/{feedback_id}/reply"
        await self._answer(Count, "POST", path, identity, json={"text": text})

    async def add_board(self, identity: str, slug: str, title: str) -> AdminBoard:
        """Add a board (admins)."""
        payload = {"slug": slug, "title": title}
        return await self._answer(
            AdminBoard, "POST", "/api/v1/admin/boards", identity, json=payload
        )

    async def rename_board(self, identity: str, slug: str, title: str) -> AdminBoard:
        """Rename a board (admins)."""
        path = f"/api/v1/admin/boards/{_segment(slug)}"
        return await self._answer(AdminBoard, "PATCH", path, identity, json={"title": title})

    async def archive_board(self, identity: str, slug: str) -> AdminBoard:
        """Archive a board (admins)."""
        path = f"/api/v1/admin/boards/{_segment(slug)}/archive"
        return await self._answer(AdminBoard, "POST", path, identity)

    # The bot's own system calls.

    async def bootstrap_admins(self, identity_keys: Sequence[str]) -> int:
        """Make the configured admins admins; returns how many were changed."""
        path = "/api/v1/system/bootstrap-admins"
        payload = {"identity_keys": list(identity_keys)}
        return (await self._answer(Count, "POST", path, json=payload)).count

    async def outbox_claim(self, limit: int, lease_seconds: int) -> tuple[Notification, ...]:
        """Claim up to ``limit`` due notifications for ``lease_seconds``."""
        payload = {"limit": limit, "lease_seconds": lease_seconds}
        answer = await self._answer(NotificationList, "POST", "/api/v1/outbox/claim", json=payload)
        return answer.notifications

    async def outbox_ack(self, acks: Sequence[Ack]) -> int:
        """Report what became of claimed notifications; returns how many changed."""
        payload = {"acks": [ack.as_json() for ack in acks]}
        return (await self._answer(Count, "POST", "/api/v1/outbox/ack", json=payload)).count

    # Expert forums.

    async def schedule_forum(self, identity: str, draft: ForumDraft) -> ExpertForum:
        """Schedule an expert forum (announced to subscribers)."""
        path = "/api/v1/admin/forums"
        answer = await self._answer(ForumEnvelope, "POST", path, identity, json=draft.as_json())
        return answer.forum

    async def reschedule_forum(
        self, identity: str, forum_id: int, starts_at: datetime
    ) -> ExpertForum:
        """Give a forum a (new) start time; everyone concerned is told."""
        path = f"/api/v1/admin/forums/{forum_id}/reschedule"
        payload = {"starts_at": starts_at.isoformat()}
        return (await self._answer(ForumEnvelope, "POST", path, identity, json=payload)).forum

    async def cancel_forum(
        self, identity: str, forum_id: int, reason: str | None = None
    ) -> ExpertForum:
        """Cancel a forum; everyone who answered is told."""
        path = f"/api/v1/admin/forums/{forum_id}/cancel"
        payload = {"reason": reason} if reason is not None else {}
        return (await self._answer(ForumEnvelope, "POST", path, identity, json=payload)).forum

    async def upcoming_forums(self, identity: str) -> tuple[ExpertForum, ...]:
        """Forums to come, with the caller's answer."""
        return (await self._answer(ForumList, "GET", "/api/v1/forums", identity)).forums

    async def past_forums(self, identity: str) -> tuple[ExpertForum, ...]:
        """Forums held, cancelled or begun, newest first."""
        path = "/api/v1/forums?when=past"
        return (await self._answer(ForumList, "GET", path, identity)).forums

    async def forum(self, identity: str, forum_id: int) -> ExpertForum:
        """One forum with the caller's answer (and its follow-up once held)."""
        path = f"/api/v1/forums/{forum_id}"
        return (await self._answer(ForumEnvelope, "GET", path, identity)).forum

    async def mark_forum_held(
        self,
        identity: str,
        forum_id: int,
        *,
        recording_url: str | None,
        slides_file_id: str | None,
        summary: str | None,
    ) -> ExpertForum:
        """Mark a forum held with its follow-up; everyone who answered receives it."""
        path = f"/api/v1/admin/forums/{forum_id}/held"
        given = {
            "recording_url": recording_url,
            "slides_file_id": slides_file_id,
            "summary": summary,
        }
        payload = {name: value for name, value in given.items() if value is not None}
        return (await self._answer(ForumEnvelope, "POST", path, identity, json=payload)).forum

    async def ask_question(self, identity: str, forum_id: int, text: str) -> ForumQuestion:
        """Send a question in advance (a moderator reviews it before the lead sees it)."""
        path = f"/api/v1/forums/{forum_id}/questions"
        answer = await self._answer(QuestionEnvelope, "POST", path, identity, json={"text": text})
        return answer.question

    async def forum_questions(self, identity: str, forum_id: int) -> QuestionList:
        """A forum's questions, every status (moderators and admins)."""
        path = f"/api/v1/moderation/forums/{forum_id}/questions"
        return await self._answer(QuestionList, "GET", path, identity)

    async def decide_question(
        self, identity: str, question_id: int, approve: bool
    ) -> ForumQuestion:
        """Approve or reject a question in advance."""
        path = f"/api/v1/moderation/forum-questions/{question_id}/decision"
        payload = {"approve": approve}
        answer = await self._answer(QuestionEnvelope, "POST", path, identity, json=payload)
        return answer.question

    async def rsvp(self, identity: str, forum_id: int, status: RsvpChoice) -> ExpertForum:
        """Answer for a forum; a full forum puts "going" on the waiting list."""
        path = f"/api/v1/forums/{forum_id}/rsvp"
        return (
            await self._answer(ForumEnvelope, "PUT", path, identity, json={"status": status})
        ).forum

    async def announce(self, identity: str, text: str, document_file_id: str | None = None) -> int:
        """Queue an announcement (optionally a Telegram document); returns how many receive it."""
        payload = {"text": text}
        if document_file_id is not None:
            payload["document_file_id"] = document_file_id
        path = "/api/v1/admin/announcements"
        return (await self._answer(Count, "POST", path, identity, json=payload)).count

    # Subscriptions.

    async def subscriptions(self, identity: str) -> tuple[str, ...]:
        """The topics the caller follows."""
        return (
            await self._answer(SubscriptionList, "GET", "/api/v1/me/subscriptions", identity)
        ).topics

    async def subscribe(self, identity: str, topic: str) -> tuple[str, ...]:
        """Follow ``all``, ``digest`` or ``outcome:<slug>``; returns every topic followed."""
        path = "/api/v1/me/subscriptions"
        return (
            await self._answer(SubscriptionList, "POST", path, identity, json={"topic": topic})
        ).topics

    async def unsubscribe(self, identity: str, topic: str) -> tuple[str, ...]:
        """Stop following one topic; returns the topics left."""
        path = f"/api/v1/me/subscriptions/{_segment(topic)}"
        return (await self._answer(SubscriptionList, "DELETE", path, identity)).topics

    async def unsubscribe_all(self, identity: str) -> tuple[str, ...]:
        """Stop following everything; returns the topics left (none)."""
        return (
            await self._answer(SubscriptionList, "DELETE", "/api/v1/me/subscriptions", identity)
        ).topics

    # Staff operations: reject reasons, hiding, suspensions, the audit log, appeals.

    async def reject_reasons(self, identity: str) -> tuple[RejectReason, ...]:
        """The reject reasons in keyboard order (moderators)."""
        path = "/api/v1/moderation/reject-reasons"
        return (await self._answer(RejectReasonList, "GET", path, identity)).reasons

    async def add_reject_reason(self, identity: str, label: str, text: str | None) -> RejectReason:
        """Add a reject reason at the end (admins)."""
        payload = {"label": label, **({"text": text} if text else {})}
        path = "/api/v1/admin/reject-reasons"
        return await self._answer(RejectReason, "POST", path, identity, json=payload)

    async def remove_reject_reason(self, identity: str, reason_id: int) -> None:
        """Remove a reject reason (admins)."""
        path = f"/api/v1/admin/reject-reasons/{reason_id}"
        await self._answer(Count, "DELETE", path, identity)

    async def move_reject_reason(
        self, identity: str, reason_id: int, position: int
    ) -> tuple[RejectReason, ...]:
        """Move a reject reason to ``position`` (admins); returns the new order."""
        path = f"/api/v1/admin/reject-reasons/{reason_id}/move"
        payload = {"position": position}
        return (await self._answer(RejectReasonList, "POST", path, identity, json=payload)).reasons

    async def hide_post(self, identity: str, post_id: int, reason: str) -> None:
        """Hide an approved post; its author is told why (moderators)."""
        path = f"/api/v1/moderation/posts/{post_id}/hide"
        await self._answer(Count, "POST", path, identity, json={"reason": reason})

    async def suspend_author(
        self, identity: str, post_id: int, reason: str, days: int | None
    ) -> Suspension:
        """Suspend the author of a post for ``days`` (None: until lifted)."""
        payload: dict[str, Any] = {"suspended": True, "reason": reason}
        if days is not None:
            payload["days"] = days
        path = f"/api/v1/moderation/posts/{post_id}/author-suspension"
        return await self._answer(Suspension, "POST", path, identity, json=payload)

    async def unsuspend_author(self, identity: str, post_id: int) -> None:
        """Reinstate the author of a post."""
        path = f"/api/v1/moderation/posts/{post_id}/author-suspension"
        await self._answer(Suspension, "POST", path, identity, json={"suspended": False})

    async def suspend_staff(
        self, identity: str, handle: str, reason: str, days: int | None
    ) -> Suspension:
        """Suspend a moderator or admin by handle (admins)."""
        payload: dict[str, Any] = {"handle": handle, "suspended": True, "reason": reason}
        if days is not None:
            payload["days"] = days
        path = "/api/v1/admin/staff-suspension"
        return await self._answer(Suspension, "POST", path, identity, json=payload)

    async def unsuspend_staff(self, identity: str, handle: str) -> None:
        """Reinstate a moderator or admin by handle (admins)."""
        path = "/api/v1/admin/staff-suspension"
        payload = {"handle": handle, "suspended": False}
        await self._answer(Suspension, "POST", path, identity, json=payload)

    async def audit_log(self, identity: str, limit: int) -> tuple[AuditLine, ...]:
        """The last ``limit`` audit lines, newest first (admins)."""
        path = "/api/v1/admin/audit"
        params = {"limit": str(limit)}
        return (await self._answer(AuditList, "GET", path, identity, params=params)).entries

    async def set_auto_approve(self, identity: str, board: str, enabled: bool) -> None:
        """Switch a board's auto-approval of low-risk posts (admins)."""
        path = f"/api/v1/admin/boards/{_segment(board)}/auto-approve"
        await self._answer(Count, "PUT", path, identity, json={"enabled": enabled})

    async def appeal(self, identity: str, text: str, post_id: int | None) -> int:
        """Send my one appeal against my suspension or (``post_id``) a hidden post."""
        payload: dict[str, Any] = {"text": text}
        if post_id is not None:
            payload["post_id"] = post_id
        return (await self._answer(Created, "POST", "/api/v1/appeals", identity, json=payload)).id

    async def decide_appeal(
        self, identity: str, appeal_id: int, *, lift: bool, message: str | None
    ) -> str:
        """Answer an appeal (admins); returns ``lifted`` or ``upheld``."""
        payload: dict[str, Any] = {"lift": lift, **({"message": message} if message else {})}
        path = f"/api/v1/admin/appeals/{appeal_id}/decision"
        return (await self._answer(AppealDecision, "POST", path, identity, json=payload)).status
