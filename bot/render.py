"""Turning forum data into Telegram HTML: every user-supplied string is escaped here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.formatting import escape, paginate_blocks
from bot.forum_models import (
    Board,
    ExpertForum,
    ForumQuestion,
    Helpline,
    Post,
    QueueItem,
    SearchHit,
    ThreadDetail,
    ThreadSummary,
    Workload,
)
from bot.staff_notices import post_appeal_hint
from bot.timefmt import parse_moment, show_start

STATUS_LABEL = {
    "pending": "⏳ waiting for a moderator",
    "approved": "✅ published",
    "rejected": "↩️ not published",
    "hidden": "🚫 hidden",
    "held": "⏸ hidden while a moderator reviews it",
    "withdrawn": "🗑 withdrawn by you",
}
#: What others see in place of a held post's text.
HELD_PLACEHOLDER = "<i>Hidden while a moderator reviews it.</i>"


def when(moment: datetime) -> str:
    """Format an API timestamp as "25 Nov 14:02 UTC"."""
    return moment.strftime("%d %b %H:%M UTC")


def boards(items: Sequence[Board]) -> str:
    """The eight outcome boards with their thread counts."""
    lines = ["<b>MSCOS core outcomes</b> — one board each:"]
    for board in items:
        lines.append(
            f"• <b>{escape(board.title)}</b> (<code>{escape(board.slug)}</code>) — "
            f"{board.approved_thread_count} threads"
        )
    lines.append("\nOpen one with /read, start a thread with /new.")
    return "\n".join(lines)


def thread_list(board: Board, threads: Sequence[ThreadSummary]) -> str:
    """A page of a board's threads."""
    if not threads:
        return f"<b>{escape(board.title)}</b>\nNo threads yet. Start one with /new."
    lines = [f"<b>{escape(board.title)}</b>"]
    for thread in threads:
        lines.append(
            f"#{thread.id} <b>{escape(thread.title)}</b> — {thread.reply_count} replies, "
            f"active {when(thread.last_activity_at)}"
        )
    return "\n".join(lines)


def post_block(post: Post) -> str:
    """One post as a balanced HTML fragment; a post with a content note shows the note and
    keeps its text behind a spoiler, which the reader opens with a tap."""
    status = "" if post.status == "approved" else f" <i>({STATUS_LABEL[post.status]})</i>"
    head = f"<b>{escape(post.author)}</b> · {when(post.created_at)} · post {post.id}{status}"
    # A held post reaches others without its text (the service sends it to its author only).
    if post.status == "held" and not post.body:
        return f"{head}\n{HELD_PLACEHOLDER}"
    if post.content_note:
        return (
            f"{head}\n{content_note_line(post.content_note)}\n"
            f"<tg-spoiler>{escape(post.body)}</tg-spoiler>"
        )
    return f"{head}\n{escape(post.body)}"


def content_note_line(note: str) -> str:
    """The line that warns a reader before a post's hidden text."""
    return f"⚠️ Content note: <b>{escape(note)}</b> — tap the text to show it."


def thread_messages(detail: ThreadDetail) -> list[str]:
    """A thread as one or more messages, each within Telegram's 4,096-character limit."""
    thread = detail.thread
    header = f"<b>{escape(thread.title)}</b>\n<i>thread {thread.id} · {escape(thread.board)}</i>"
    return paginate_blocks([header, *[post_block(p) for p in detail.posts]])


def my_post(post: Post) -> str:
    """One of my posts with its status and, if rejected, the reason."""
    # A withdrawn opening post took its thread's title with it.
    title = escape(post.thread_title) or "<i>a withdrawn thread</i>"
    text = f"post {post.id} in <b>{title}</b>: {STATUS_LABEL[post.status]}"
    if post.rejection_reason:
        text += f"\nReason: {escape(post.rejection_reason)}"
    return text


def waited(seconds: int) -> str:
    """How long something has waited, roughly: "4 min", "3 h", "2 days"."""
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def queue_item(item: QueueItem) -> list[str]:
    """A moderation queue item with scores, PII findings and reasons."""
    post = item.post
    head = [
        f"<b>Queue item {item.id}</b> (priority {item.priority:.2f}, "
        f"{escape(item.route or 'unrouted')}, waiting {waited(item.waited_seconds)})",
        f"Board <code>{escape(post.board)}</code> · thread <b>{escape(post.thread_title)}</b>",
        f"Screening: {escape(item.screening)}"
        + (f" by {escape(item.scorer)}" if item.scorer else ""),
    ]
    if item.open_reports:
        head.append(f"⚠️ Reported {item.open_reports} time(s)")
    if item.scores:
        top = sorted(item.scores.items(), key=lambda kv: -kv[1])[:4]
        head.append("Scores: " + ", ".join(f"{escape(k)} {v:.2f}" for k, v in top))
    if item.pii:
        head.append("PII: " + ", ".join(escape(f.kind) for f in item.pii))
    if post.content_note:
        head.append(f"Content note: {escape(post.content_note)}")
    for reason in item.reasons:
        head.append(f"• {escape(reason)}")
    body = f"<b>{escape(post.author)}</b> wrote:\n{escape(post.body)}"
    return paginate_blocks(["\n".join(head), body])


def expert_forum(forum: ExpertForum, tz: str) -> str:
    """An expert forum as its reader sees it, times in ``tz``."""
    lines = [
        f"<b>{escape(forum.title)}</b> (forum {forum.id})",
        f"Outcome: {escape(forum.board_title)}",
        f"Led by {escape(forum.lead)}",
        f"When: {escape(show_start(forum.starts_at, forum.tbc_label, tz))}"
        + (f", {forum.duration_minutes} min" if forum.starts_at else ""),
    ]
    if forum.description:
        lines.append(escape(forum.description))
    counts = f"{forum.going} going, {forum.interested} interested"
    if forum.capacity:
        counts += f" (capacity {forum.capacity}, {forum.waiting} waiting)"
    lines.append(counts)
    if forum.my_rsvp:
        lines.append(f"Your answer: {escape(forum.my_rsvp.replace('_', ' '))}")
    if forum.join_link:
        lines.append(f"Join link: {escape(forum.join_link)}")
    if forum.status == "cancelled":
        reason = f": {escape(forum.cancel_reason)}" if forum.cancel_reason else ""
        lines.append(f"❌ Cancelled{reason}")
    if forum.follow_up is not None:
        lines.append(forum_follow_up(forum))
    return "\n".join(lines)


def forum_follow_up(forum: ExpertForum) -> str:
    """The follow-up of a forum marked held, as its page shows it."""
    follow_up = forum.follow_up
    assert follow_up is not None
    lines = ["📚 <b>Held.</b> Follow-up:"]
    if follow_up.recording_url:
        lines.append(f"Recording: {escape(follow_up.recording_url)}")
    if follow_up.slides_file_id:
        lines.append("Slides: the PDF below")
    if follow_up.summary:
        lines.append(f"Summary: {escape(follow_up.summary)}")
    return "\n".join(lines)


def past_forums(forums: Sequence[ExpertForum], tz: str) -> str:
    """``/forums past``: one line per past forum, newest first."""
    lines = ["<b>Past expert forums</b>"]
    for forum in forums:
        state = {"held": "held", "cancelled": "cancelled"}.get(forum.status, "took place")
        lines.append(
            f"• <b>{escape(forum.title)}</b> — "
            f"{escape(show_start(forum.starts_at, forum.tbc_label, tz))}, {state}"
            + (", follow-up" if forum.follow_up else "")
            + f" · /forums {forum.id}"
        )
    return "\n".join(lines)


def lead_questions(forum: ExpertForum, questions: Sequence[ForumQuestion]) -> str:
    """The approved questions of a forum, numbered, for its lead."""
    approved = [q for q in questions if q.status == "approved"]
    head = f"<b>Questions for {escape(forum.lead)}</b> — {escape(forum.title)}"
    lines = [f"{head} (forum {forum.id})"]
    if not approved:
        lines.append("No approved questions yet.")
    lines.extend(f"{n}. {escape(q.text)}" for n, q in enumerate(approved, start=1))
    return "\n".join(lines)


def pending_question(question: ForumQuestion) -> str:
    """A question waiting for a moderator's review."""
    return f"❓ <b>Question {question.id}</b> (waiting for review)\n{escape(question.text)}"


def question_waiting(payload: Mapping[str, Any]) -> str:
    """Moderators hear that questions in advance wait for review (never their text)."""
    forum = int(payload.get("forum_id", 0))
    title = escape(str(payload.get("title", "")))
    return f"❓ A question in advance for <b>{title}</b> waits for review: /questions {forum}"


# Notifications: their payloads are free-form per kind, so these read them defensively.


def decision(payload: Mapping[str, Any]) -> str:
    """The author's notification about a moderator's decision."""
    title = escape(str(payload.get("thread_title", "")))
    outcome = payload.get("outcome")
    note = ""
    if "content_note" in payload:
        given = payload.get("content_note")
        note = (
            f"\nA moderator set its content note: {escape(str(given))}."
            if given
            else "\nA moderator removed its content note."
        )
    if outcome == "approved":
        return f"✅ Your post in <b>{title}</b> was approved and is now visible.{note}"
    if outcome == "edited":
        changes = "; ".join(str(c) for c in payload.get("changes") or [])
        text = f"✏️ Your post in <b>{title}</b> was edited by a moderator and approved."
        if changes:
            text += f"\nWhat changed: {escape(changes)}"
        if payload.get("note"):
            text += f"\nModerator's note: {escape(str(payload['note']))}"
        return text + note
    if outcome == "restored":
        return (
            f"✅ Your post in <b>{title}</b> was reviewed after a report and is visible again."
            f"{note}"
        )
    reason = escape(str(payload.get("reason") or ""))
    changes = "; ".join(str(c) for c in payload.get("changes") or [])
    if changes:
        # A moderator redacted personal details before rejecting: the stored text changed.
        reason += f"\nBefore deciding, a moderator changed: {escape(changes)}"
    if outcome == "hidden":
        return f"🚫 Your post in <b>{title}</b> was hidden: {reason}\n" + post_appeal_hint(
            payload.get("post_id")
        )
    return (
        f"↩️ Your post in <b>{title}</b> was not published: {reason}\n"
        f"You can revise and resubmit it from /myposts."
    )


FORUM_EVENTS = {
    "created": "🗓 New expert forum",
    "rescheduled": "🔁 Expert forum rescheduled",
    "date_confirmed": "✅ Date confirmed",
    "cancelled": "❌ Expert forum cancelled",
    "place_available": "🎟 A place opened up — you are going",
    "reminder": "⏰ Reminder",
    "follow_up": "📚 After the expert forum: the follow-up",
}


def forum_notice(kind: str, payload: Mapping[str, Any], tz: str) -> str:
    """An announcement or reminder about an expert forum, times in the recipient's timezone."""
    head = FORUM_EVENTS.get(str(payload.get("event")), "Expert forum")
    if kind == "forum_reminder":
        head = f"⏰ Starts in {'24 hours' if payload.get('offset') == '24h' else '1 hour'}"
    lines = [
        f"<b>{head}</b>",
        f"<b>{escape(str(payload['title']))}</b> (forum {payload['forum_id']})",
        f"Outcome: {escape(str(payload.get('board_title', '')))} · led by "
        f"{escape(str(payload.get('lead', '')))}",
        "When: "
        + escape(show_start(parse_moment(payload.get("starts_at")), payload.get("tbc_label"), tz)),
    ]
    if payload.get("reason"):
        lines.append(f"Reason: {escape(str(payload['reason']))}")
    if payload.get("join_link"):
        lines.append(f"Join link: {escape(str(payload['join_link']))}")
    if payload.get("recording_url"):
        lines.append(f"Recording: {escape(str(payload['recording_url']))}")
    if payload.get("summary"):
        lines.append(f"Summary: {escape(str(payload['summary']))}")
    if payload.get("event") == "follow_up":
        lines.append(f"Kept on the forum's page: /forums {int(payload['forum_id'])}")
    if payload.get("event") in ("created", "date_confirmed", "rescheduled"):
        lines.append("Answer with /forums.")
    if payload.get("calendar"):
        lines.append("📅 Open the calendar file to put this in your calendar (or update it).")
    return "\n".join(lines)


def digest(payload: Mapping[str, Any]) -> str:
    """The weekly digest of new approved threads (links into /read)."""
    lines = ["<b>This week on the forum</b>"]
    for thread in payload.get("threads", []):
        lines.append(
            f"• {escape(str(thread['board_title']))}: <b>{escape(str(thread['title']))}</b> — "
            f"/read {int(thread['id'])}"
        )
    return "\n".join(lines)


# Safeguarding: the signposting card, urgent alerts, the outcome of a report.


def helplines(items: Sequence[Helpline], *, heading: str) -> str:
    """The signposting card: ``heading``, then each helpline with how to reach it."""
    lines = [heading, ""]
    for helpline in items:
        line = f"• <b>{escape(helpline.name)}</b>: {escape(helpline.contact)}"
        if helpline.description:
            line += f"\n  {escape(helpline.description)}"
        lines.append(line)
    if not items:
        lines.append("• <b>Police</b>: 999 if someone is in immediate danger")
    return "\n".join(lines)


def moderator_alert(payload: Mapping[str, Any]) -> str:
    """An urgent item (or a reported post) waits: why (never the post's text), where to act."""
    if payload.get("lane") == "report":
        return "⚑ A reported post is back in the queue, /queue"
    reason = escape(str(payload.get("reason") or "urgent"))
    return f"🚨 Urgent post waiting in the queue: {reason}, /queue"


# Moderators' workload: queue alerts, the SLA summary, /modstats.


def _items(count: int) -> str:
    return f"{count} item{'' if count == 1 else 's'}"


def queue_alert(payload: Mapping[str, Any]) -> str:
    """Items entered the queue: the first after a quiet queue, or how many wait now."""
    count = int(payload.get("waiting", 0))
    oldest = waited(int(payload.get("oldest_seconds", 0)))
    if payload.get("first") and count <= 1:
        return "📥 A post is waiting in the queue, /queue (/duty off to stop these alerts)"
    verb = "waits" if count == 1 else "wait"
    return f"📥 {_items(count)} {verb} in the queue, the oldest for {oldest}, /queue"


LANE_NAMES = {
    "urgent": "urgent",
    "flagged": "flagged",
    "review": "review",
    "low_risk": "low risk",
    "unscreened": "not yet screened",
    "all": "all lanes",
}


def _lane(lane: str) -> str:
    return escape(LANE_NAMES.get(lane, lane))


def queue_sla(payload: Mapping[str, Any]) -> str:
    """The admins' daily summary: what has waited longer than the SLA, per lane."""
    hours = float(payload.get("sla_hours", 24))
    lines = [
        f"⏰ <b>{_items(int(payload.get('total', 0)))} waited longer than "
        f"{hours:g} h</b>; the oldest for {waited(int(payload.get('oldest_seconds', 0)))}."
    ]
    for lane in payload.get("lanes", []):
        lines.append(
            f"• {_lane(str(lane.get('lane')))}: {int(lane.get('count', 0))}, oldest "
            f"{waited(int(lane.get('oldest_seconds', 0)))}"
        )
    lines.append("/queue to work them; /modstats for the figures.")
    return "\n".join(lines)


def _duration(seconds: float | None) -> str:
    return "–" if seconds is None else waited(int(seconds))


def modstats(figures: Workload) -> str:
    """/modstats: decided per day, time to decision and what waits, per lane."""
    total = figures.lanes[-1]
    days = " · ".join(f"{d.date[5:]}: {d.count}" for d in total.per_day)
    lines = [
        f"<b>Moderation, last {figures.days} days</b>",
        f"Decided per day: {days}",
        "",
    ]
    for lane in figures.lanes:
        if lane.lane != "all" and lane.decided == 0 and lane.waiting == 0:
            continue
        line = (
            f"• {_lane(lane.lane)}: {lane.decided} decided, median "
            f"{_duration(lane.median_seconds)}, p90 {_duration(lane.p90_seconds)}; "
            f"{lane.waiting} waiting"
        )
        if lane.waiting:
            line += f", oldest {waited(int(lane.oldest_waiting_seconds))}"
        lines.append(line)
    return "\n".join(lines)


def report_outcome(payload: Mapping[str, Any]) -> str:
    """The reporter learns what became of the post they reported."""
    post = int(payload.get("post_id", 0))
    if payload.get("outcome") == "removed":
        return f"Thank you for your report: a moderator reviewed post {post} and removed it."
    return (
        f"Thank you for your report: a moderator reviewed post {post} and kept it; "
        "they found it within the forum's rules."
    )


# Following, search, sharing.


def thread_replies(payload: Mapping[str, Any]) -> str:
    """A followed thread's batch of new replies."""
    count = int(payload.get("count", 0))
    replies = "1 new reply" if count == 1 else f"{count} new replies"
    return (
        f"💬 {replies} in <b>{escape(str(payload.get('thread_title', '')))}</b> — "
        f"/read {int(payload.get('thread_id', 0))}"
    )


def search_results(query: str, results: Sequence[SearchHit], page: int) -> str:
    """One page of search results."""
    if not results:
        return f"Nothing found for “{escape(query)}”." if page == 1 else "No more results."
    lines = [f"<b>Found for “{escape(query)}”</b> (page {page})"]
    for hit in results:
        kind = "thread" if hit.is_opening else f"reply {hit.post_id}"
        lines.append(
            f"• <b>{escape(hit.thread_title)}</b> ({escape(hit.board)}, {kind}) — "
            f"/read {hit.thread_id}\n  {escape(hit.excerpt)}"
        )
    return "\n".join(lines)


def similar_threads(threads: Sequence[SearchHit]) -> str:
    """Threads like the one being started, before its text is written."""
    lines = ["Threads like yours already exist; you may want to read or reply there instead:"]
    lines += [f"• <b>{escape(t.thread_title)}</b> — /read {t.thread_id}" for t in threads]
    return "\n".join(lines)
