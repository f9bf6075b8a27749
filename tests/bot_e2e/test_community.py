"""Resources per board, the newsletter archive, anonymous feedback and board management,
through the real bot against the fake Telegram and the real service."""

from __future__ import annotations

import re

from bot.identity import IdentityDeriver
from fake_telegram import FakeTelegram
from tests.support.bot_harness import IDENTITY_PEPPER, BotRun, Person, has_buttons
from tests.support.dbdump import dump_all_tables, dump_text
from tests.support.people import READER

PDF_ID = "BQACAgQAAxkBAAIBcsf-positive-outcomes-framework"
NEWSLETTER_PDF = "BQACAgQAAxkBAAIBweekly-update-14-november"
FEEDBACK_TEXT = "Heronsgate: could the weekly digest come on Fridays instead of Mondays?"


async def _document_to(telegram: FakeTelegram, person: Person, file_id: str, since: int) -> str:
    """Wait for the PDF ``file_id`` sent to ``person``; its caption."""
    found = await telegram.wait_for(
        lambda m: (
            m.method == "sendDocument"
            and m.ok
            and m.chat_id == person.chat_id
            and m.params.get("document") == file_id
        ),
        10,
        since=since,
    )
    return found.text or ""


async def test_pinned_resources_are_listed_shown_first_on_the_board_and_unpinned(
    bot: BotRun, telegram: FakeTelegram, admin: Person, reader: Person
) -> None:
    pinned = await admin.send(
        "/pin safety Four domains of Contextual Safeguarding | Harm beyond the family home "
        "| https://admins-link.example/contextual-safeguarding",
        until="Pinned resource",
    )
    link_id = int(re.search(r"Pinned resource (\d+)", pinned.last_text).group(1))  # type: ignore[union-attr]
    mark = admin.mark()
    await telegram.send_document(
        admin.user, PDF_ID, "/pin safety Positive Outcomes Framework | Creating Stable Futures"
    )
    await admin.wait_for("Pinned resource", since=mark)

    listed = await reader.send("/resources safety", until="Resources")
    assert "Four domains of Contextual Safeguarding — Harm beyond the family home" in (
        listed.last_text
    )
    assert '<a href="https://admins-link.example/contextual-safeguarding">' in (
        listed.last.text or ""
    )
    assert "📄 Positive Outcomes Framework — Creating Stable Futures" in listed.last_text

    board = await reader.send("/read safety", until="Resources")
    shown = board.last_text
    assert shown.index("Positive Outcomes Framework") < shown.index(
        "Safety from any trafficker or other abuser"
    ), "resources come first"
    mark = reader.mark()
    await telegram.press_button(
        reader.user, board.last, board.buttons["📄 Positive Outcomes Framework"]
    )
    assert "Positive Outcomes Framework" in await _document_to(telegram, reader, PDF_ID, mark)

    refused = await reader.send(f"/unpin {link_id}", until="only admins")
    assert refused.last_text == "only admins can do this"
    await admin.send(f"/unpin {link_id}", until=f"Unpinned resource {link_id}")
    after = await reader.send("/resources", until="Resources")
    assert "Contextual Safeguarding" not in after.last_text
    assert "Positive Outcomes Framework" in after.last_text
    assert await bot.errors.wait_refusals(1) == ["admin_only"]


async def test_a_newsletter_reaches_subscribers_is_archived_and_sent_again_by_file_id(
    bot: BotRun, telegram: FakeTelegram, admin: Person, reader: Person
) -> None:
    await reader.send("/subscribe all", until="Subscribed")
    mark = admin.mark()
    await telegram.send_document(
        admin.user, NEWSLETTER_PDF, "/newsletter Weekly update, 14 November"
    )
    await admin.wait_for("queued for 1 subscriber", since=mark)
    await bot.outbox_settled()
    assert "Weekly update, 14 November" in await _document_to(
        telegram, reader, NEWSLETTER_PDF, mark
    )
    await admin.send(
        "/newsletter Weekly update, 21 November | Three forums this week.", until="Published"
    )
    await bot.outbox_settled()

    page = await reader.send("/updates", until="Weekly updates")
    labels = list(page.buttons)
    assert [label.split(": ", 1)[1] for label in labels] == [
        "Weekly update, 21 November",
        "Weekly update, 14 November",
    ], "newest first"
    text = await reader.press(page, labels[0], until="Three forums this week.")
    assert "Weekly update, 21 November" in text.last_text
    mark = reader.mark()
    await telegram.press_button(reader.user, page.last, page.buttons[labels[1]])
    assert "14 November" in await _document_to(telegram, reader, NEWSLETTER_PDF, mark)

    refused = await reader.send("/newsletter Mine | text", until="only admins")
    assert refused.last_text == "only admins can do this"
    usage = await admin.send("/newsletter Title only", until="Use /newsletter")
    assert "caption of a PDF" in usage.last_text


async def test_feedback_reaches_admins_with_no_identity_and_gets_one_reply(
    bot: BotRun, admin: Person, reader: Person, database_url: str
) -> None:
    await admin.send("/help", until="Admins")  # the bot learns where to reach the admin
    mark = admin.mark()
    sent = await reader.send(f"/feedback {FEEDBACK_TEXT}", until="Thank you")
    feedback_id = int(re.search(r"feedback \((\d+)\)", sent.last_text).group(1))  # type: ignore[union-attr]
    note = await admin.wait_for(has_buttons("Reply"), since=mark)
    message = note.last_text
    assert FEEDBACK_TEXT in message and f"Feedback {feedback_id}" in message
    user_id, first_name = READER[0], READER[1]
    for secret in (str(user_id), first_name):
        assert secret not in message and secret not in str(note.last.reply_markup)
    key = IdentityDeriver(IDENTITY_PEPPER.encode()).identity_key(user_id)
    await bot.outbox_settled()
    tables = await dump_all_tables(database_url)
    database = dump_text(tables)
    assert key not in database and str(user_id) not in database
    assert FEEDBACK_TEXT not in database, "sealed in its row; the delivered notification is gone"
    ((row_id, tag, seal, *_),) = tables["feedback"]
    assert (
        row_id == feedback_id
        and isinstance(seal, bytes)
        and tag not in database.replace(tag, "", 1)
    ), "the author's tag is in no other row"

    await admin.press(note, "Reply", until="Write your one reply")
    mark = reader.mark()
    await admin.send("Thank you, we will try Fridays from next month.", until="Reply sent")
    told = await reader.wait_for("The admins answered your feedback", since=mark)
    assert "try Fridays" in told.last_text and "Heronsgate" in told.last_text
    again = await admin.send(f"/replyfeedback {feedback_id} One more thing", until="one reply")
    assert again.last_text == f"feedback {feedback_id} has had its one reply already"

    pii = await reader.send("/feedback Ring me on 07700 900123 about it", until="nothing was sent")
    assert "phone number" in pii.last_text
    assert await bot.errors.wait_refusals(2) == [
        "feedback_already_answered",
        "feedback_contains_pii",
    ]


async def test_admins_add_rename_and_archive_boards_and_core_outcomes_stay(
    bot: BotRun, admin: Person, reader: Person
) -> None:
    await admin.send(
        "/addboard children-young-people Children and young people", until="Added the board"
    )
    listed = await reader.send("/outcomes", until="Children and young people")
    assert "children-young-people" in listed.last_text
    received = await reader.send(
        "/new children-young-people Age assessments | Who challenges an age assessment?",
        until="Received",
    )
    thread_id = int(re.search(r"thread (\d+)", received.last_text).group(1))  # type: ignore[union-attr]
    await admin.send(
        "/renameboard children-young-people Children, young people and families",
        until="Renamed",
    )
    await reader.send("/outcomes", until="Children, young people and families")
    await admin.send("/renameboard housing Secure and suitable housing for all", until="Renamed")

    refused = await admin.send("/archiveboard housing", until="core outcomes")
    assert "cannot be archived" in refused.last_text
    await admin.send("/archiveboard children-young-people", until="Archived")
    gone = await reader.send("/outcomes", until="MSCOS core outcomes")
    assert "children-young-people" not in gone.last_text
    assert "Secure and suitable housing for all" in gone.last_text
    closed = await reader.send(
        "/new children-young-people Another | Anything else?", until="archived"
    )
    assert "takes no new threads" in closed.last_text
    # Its threads stay readable by their ids (the author sees their own pending thread).
    opened = await reader.send(f"/read {thread_id}", until="Age assessments")
    assert "Who challenges an age assessment?" in opened.text

    for command, expected in (
        ("/addboard Children Children", "short name is 2-40 lowercase"),
        ("/addboard 2024 Numbers", "short name is 2-40 lowercase"),
        ("/addboard children-young-people Again", "there is a board called"),
        ("/addboard kids <b>Kids</b>", "Added the board"),
    ):
        answer = await admin.send(command, until=expected)
        assert expected in answer.last_text
    shown = await reader.send("/outcomes", until="kids")
    assert "&lt;b&gt;Kids&lt;/b&gt;" in (shown.last.text or ""), "markup shown as text"
    refused = await reader.send("/addboard other Other", until="only admins")
    assert refused.last_text == "only admins can do this"


async def test_bad_resources_are_refused_in_plain_words_and_nothing_is_pinned(
    bot: BotRun, admin: Person, reader: Person
) -> None:
    for command, expected in (
        ("/pin safety Handbook | About | http://plain.example/handbook", "must be an https://"),
        ("/pin safety Handbook | About | javascript:alert(1)", "must be an https://"),
        ('/pin safety Handbook | About | https://x.example/"><script>', "must be an https://"),
        (f"/pin safety {'T' * 121} | About | https://x.example/h", "title"),
        ("/pin nowhere Handbook | About | https://x.example/h", "there is no board"),
        ("/pin safety Handbook", "Use /pin"),
    ):
        answer = await admin.send(command, until=expected)
        assert expected in answer.last_text
    empty = await reader.send("/resources safety", until="No resources")
    assert "No resources pinned" in empty.last_text
