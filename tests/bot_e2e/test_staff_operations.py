"""Staff operations in the bot (issue 19): /suspend, /unsuspend, /hide, /appeal and its answer,
/audit, /autoapprove, /reasons and the reject keyboard — real PTB, fake Bot API, real service."""

from __future__ import annotations

import re

import pytest

from tests.support.bot_harness import BotRun, Person, buttons_of, has_buttons, my_post

QUEUE_BUTTONS = has_buttons("Approve", "Edit", "Reject", "Skip")


async def _submitted(author: Person, title: str) -> None:
    answer = await author.send(
        f"/new housing {title} | Which GP registers people without an address?",
        until=lambda m: "Received" in author.shown(m) or "Send anyway" in buttons_of(m),
    )
    if "Send anyway" in answer.buttons:
        await author.press(answer, "Send anyway", until="Received")


async def _published(author: Person, moderator: Person, title: str) -> int:
    """The author's thread, approved by the moderator; returns its opening post's id."""
    await _submitted(author, title)
    item = await moderator.send("/queue", until=QUEUE_BUTTONS)
    await moderator.press(item, "Approve", until="Done")
    mine = await author.send("/myposts", until=my_post(title))
    match = re.search(r"post (\d+)", mine.last_text)
    assert match is not None, mine.text
    return int(match.group(1))


async def test_suspend_tells_the_person_and_blocks_posting_unsuspend_restores(
    author: Person, moderator: Person
) -> None:
    post_id = await _published(author, moderator, "GP registration")
    mark = author.mark()

    done = await moderator.send(f"/suspend {post_id} shared a survivor's address 7", until="is")
    assert f"The author of post {post_id} is suspended until" in done.last_text

    notice = await author.wait_for("You are suspended", since=mark)
    assert "shared a survivor's address" in notice.last_text
    assert re.search(r"until \d{2} \w{3} \d{4} \d{2}:\d{2}", notice.last_text)
    assert "/appeal" in notice.last_text
    refused = await author.send("/new housing Another | A question", until="suspended")
    assert "Received" not in refused.text

    mark = author.mark()
    await moderator.send(f"/unsuspend {post_id}", until="no longer suspended")
    await author.wait_for("suspension was lifted", since=mark)
    await _submitted(author, "Back again")


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/suspend", "Use /suspend"),
        ("/suspend abc rude", "Use /suspend"),
        ("/suspend {post} 7", "Give a reason"),
        ("/suspend {post} rude 400", "Days must be a whole number from 1 to 365"),
        ("/suspend {post} rude 7.5", "Days must be a whole number from 1 to 365"),
        ("/suspend 999999 rude", "there is no post 999999"),
        ("/suspend Moderator 00000 rude", "only admins"),
        ("/hide {post}", "Use /hide"),
        ("/unsuspend {post}", "not suspended"),
        ("/audit", "only admins"),
        ("/autoapprove housing on", "only admins"),
        ("/reasons add Spam", "only admins"),
    ],
)
async def test_bad_or_unauthorised_staff_commands_get_a_clear_answer(
    author: Person, moderator: Person, command: str, answer: str
) -> None:
    post_id = await _published(author, moderator, "GP registration")
    reply = await moderator.send(command.format(post=post_id), until=answer)
    assert answer in reply.last_text


async def test_hide_tells_the_author_and_an_appeal_reaches_admins_once(
    author: Person, moderator: Person, admin: Person
) -> None:
    post_id = await _published(author, moderator, "Shelter list")
    mark = author.mark()
    await moderator.send(f"/hide {post_id} it names a shelter", until="is hidden")
    notice = await author.wait_for("was hidden", since=mark)
    assert "it names a shelter" in notice.last_text
    assert f"/appeal {post_id}" in notice.last_text

    too_long = await author.send(f"/appeal {post_id} " + "x" * 1001, until="the limit is 1000")
    assert "appeal is 1001 characters" in too_long.last_text
    pii = await author.send(f"/appeal {post_id} ring 07700 900123", until="personal data")
    assert "nothing was sent" in pii.last_text

    admin_mark = admin.mark()
    await author.send(
        f"/appeal {post_id} The <b>shelter</b> is listed publicly", until="sent to the admins"
    )
    appeal = await admin.wait_for(has_buttons("Lift", "Uphold"), since=admin_mark)
    assert "The <b>shelter</b> is listed publicly" in appeal.last_text  # shown as typed
    assert "it names a shelter" in appeal.last_text
    again = await author.send(f"/appeal {post_id} Please", until="appealed against this")
    assert "once" in again.last_text

    mark = author.mark()
    await admin.press(appeal, "Lift", until="lifted")
    outcome = await author.wait_for("Your appeal", since=mark)
    assert "accepted: it is visible again" in outcome.last_text
    shown = admin.telegram.current_message(admin.chat_id, appeal.last.message_id or 0)
    assert shown is not None and not (shown.get("reply_markup") or {}).get("inline_keyboard")
    appeal_id = re.search(r"Appeal (\d+)", appeal.last_text)
    assert appeal_id is not None
    again = await admin.send(f"/answerappeal {appeal_id.group(1)} uphold", until="answered")
    assert "has been answered already" in again.last_text


async def test_a_suspension_appeal_answered_with_a_message(
    bot: BotRun, author: Person, moderator: Person, admin: Person
) -> None:
    post_id = await _published(author, moderator, "Referral")
    not_suspended = await author.send("/appeal Why me?", until="not suspended")
    assert "/appeal" in not_suspended.last_text
    await moderator.send(f"/suspend {post_id} abusive replies", until="until /unsuspend")
    admin_mark = admin.mark()
    await author.send("/appeal I was quoting someone", until="sent to the admins")
    appeal = await admin.wait_for(has_buttons("Lift", "Uphold"), since=admin_mark)
    match = re.search(r"Appeal (\d+)", appeal.last_text)
    assert match is not None and "abusive replies" in appeal.last_text

    mark = author.mark()
    await admin.send(f"/answerappeal {match.group(1)} uphold Please wait a week", until="upheld")
    outcome = await author.wait_for("Your appeal", since=mark)
    assert "the decision stands" in outcome.last_text
    assert "Please wait a week" in outcome.last_text
    still = await author.send("/new housing Again | A question", until="suspended")
    assert "Received" not in still.text


async def test_audit_lists_the_last_actions_by_moderator_handle(
    author: Person, moderator: Person, admin: Person
) -> None:
    post_id = await _published(author, moderator, "Audit me")
    await moderator.send(f"/hide {post_id} off topic here", until="is hidden")
    log = await admin.send("/audit 3", until="Last 3 actions")
    lines = log.last_text.splitlines()[1:]
    assert re.search(rf"Moderator [0-9A-F]{{5}} · hide post {post_id} — off topic here", lines[0])
    assert "decide:approve" in log.last_text
    assert "Quorinda" not in log.last_text  # the moderator's Telegram name never shows
    bad = await admin.send("/audit 0", until="Use /audit")
    assert "1 to 50" in bad.last_text


async def test_autoapprove_is_for_admins_and_names_the_board(
    moderator: Person, admin: Person
) -> None:
    refused = await moderator.send("/autoapprove housing on", until="only admins")
    assert "Auto-approve" not in refused.last_text
    on = await admin.send("/autoapprove housing on", until="Auto-approve on")
    assert "housing" in on.last_text
    unknown = await admin.send("/autoapprove nowhere on", until="no board")
    assert "nowhere" in unknown.last_text
    usage = await admin.send("/autoapprove housing maybe", until="Use /autoapprove")
    assert "on|off" in usage.last_text


async def test_reasons_added_moved_and_removed_are_the_reject_keyboard(
    author: Person, moderator: Person, admin: Person
) -> None:
    await admin.send(
        "/reasons add Advertising | It advertises a product or a service.", until="Added"
    )
    moved = await admin.send("/reasons move 6 1", until="New order")
    assert moved.last_text.index("Advertising") < moved.last_text.index("Personal details")
    await admin.send("/reasons remove 2", until="Removed “Personal details”")
    nothing = await admin.send("/reasons remove 9", until="There is no reason 9")
    assert "1 to 5" in nothing.last_text
    listed = await admin.send("/reasons", until="Reject reasons")
    assert "Personal details" not in listed.text

    await _submitted(author, "Our new service")
    item = await moderator.send("/queue", until=QUEUE_BUTTONS)
    keyboard = await moderator.press(item, "Reject", until="Why is it rejected?")
    labels = [b["text"] for row in keyboard.last.reply_markup["inline_keyboard"] for b in row]
    assert labels == [
        "Advertising",
        "Abusive",
        "Puts someone at risk",
        "Off topic",
        "Duplicate",
        "Other (type a reason)",
    ]
    mark = author.mark()
    await moderator.press(keyboard, "Advertising", until="Done")
    notice = await author.wait_for("was not published", since=mark)
    assert "It advertises a product or a service." in notice.last_text
