"""Check before sending (issue 15): the draft is screened, findings are highlighted, and the
author chooses Remove and send, Edit or Send anyway; nothing is stored before Send."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from fake_telegram import FakeTelegram
from forum_service.api.keys import DATABASE
from forum_service.storage.tables import PostRow
from tests.support.bot_harness import Person, Reply, has_buttons, thread_id_of
from tests.support.dbdump import dump_all_tables

PHONE = "07700 900123"
TITLE = "Keeping in touch after a move"
#: An emoji before the number: Telegram counts it as two UTF-16 units, Python as one.
BODY = f"🙂 Her new mobile is {PHONE}, she says texts are fine."
REDACTED = "🙂 Her new mobile is [phone number], she says texts are fine."
CHECK_BUTTONS = ("Remove and send", "Edit", "Send anyway")


def entity_texts(person: Person, reply: Reply, kind: str) -> list[str]:
    """The texts the entities of ``kind`` cover in the awaited message, as Telegram shows them."""
    message = person.telegram.current_message(person.chat_id, reply.last.message_id or 0)
    assert message is not None
    units = str(message["text"]).encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == kind
    ]


async def guided_draft(author: Person, title: str, body: str) -> Reply:
    """/new → Safety → title → text → no content note: the answer to the draft."""
    boards = await author.send("/new", until="Which outcome")
    await author.press(boards, "Safety from any trafficker or other abuser", until="title of")
    await author.send(title, until="Now the text")
    notes = await author.send(body, until=has_buttons("None"))
    return await author.press(
        notes, "None", until=lambda m: bool({"Send to moderators", "Send anyway"} & set(_labels(m)))
    )


def _labels(message: Any) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def post_bodies(app: web.Application) -> list[str]:
    """The current text of every stored post, oldest first."""
    async with app[DATABASE].read("test") as session:
        return list((await session.scalars(select(PostRow.body).order_by(PostRow.id))).all())


async def stored_values(database_url: str) -> str:
    """Every value of every table, as one string (to look for what must not be there)."""
    return repr(await dump_all_tables(database_url))


async def test_preview_highlights_a_phone_number_and_remove_and_send_stores_it_redacted(
    author: Person, database_url: str
) -> None:
    caught = await guided_draft(author, TITLE, BODY)

    assert set(CHECK_BUTTONS) <= set(caught.buttons)
    assert f"this looks like a phone number: {PHONE}" in caught.text
    # The highlight covers exactly the number, though an emoji comes before it.
    assert PHONE in entity_texts(author, caught, "underline")
    assert (await dump_all_tables(database_url))["posts"] == []  # nothing stored before Send

    received = await author.press(caught, "Remove and send", until="Received")

    thread = await author.send(f"/read {thread_id_of(received)}", until=REDACTED)
    assert PHONE not in thread.text
    everything = await stored_values(database_url)
    assert REDACTED in everything
    assert PHONE not in everything and "900123" not in everything


async def test_send_anyway_stores_the_draft_as_written(
    author: Person, app: web.Application
) -> None:
    caught = await guided_draft(author, TITLE, BODY)

    await author.press(caught, "Send anyway", until="Received")

    assert await post_bodies(app) == [BODY]


async def test_edit_goes_back_to_the_text_and_the_corrected_draft_gets_the_usual_preview(
    author: Person, database_url: str, app: web.Application
) -> None:
    caught = await guided_draft(author, TITLE, BODY)

    asked = await author.press(caught, "Edit", until="Send the corrected text")
    assert "Edit" not in asked.buttons
    corrected = "She is happy to be reached through her caseworker."
    preview = await author.send(corrected, until=has_buttons("Send to moderators"))
    assert "Preview" in preview.last_text and corrected in preview.last_text
    assert (await dump_all_tables(database_url))["posts"] == []
    await author.press(preview, "Send to moderators", until="Received")

    assert await post_bodies(app) == [corrected]


async def test_a_phone_number_in_the_title_is_caught_and_edit_asks_for_the_title(
    author: Person, database_url: str
) -> None:
    caught = await guided_draft(author, f"Ring {PHONE}", "Any advice welcome.")
    assert PHONE in entity_texts(author, caught, "underline")

    await author.press(caught, "Edit", until="corrected title")
    preview = await author.send("Ringing a survivor", until=has_buttons("Send to moderators"))
    await author.press(preview, "Send to moderators", until="Received")

    assert PHONE not in await stored_values(database_url)


async def test_one_line_form_gets_one_confirmation_and_sends_only_on_a_button(
    telegram: FakeTelegram, author: Person, database_url: str, app: web.Application
) -> None:
    caught = await author.send(f"/new safety {TITLE} | {BODY}", until=has_buttons(*CHECK_BUTTONS))
    assert "Before you send" in caught.text and "Received" not in caught.text
    assert (await dump_all_tables(database_url))["posts"] == []

    received = await author.press(caught, "Remove and send", until="Received")
    assert "waiting for a moderator" in received.last_text
    assert await post_bodies(app) == [REDACTED]

    # The press is the send: Telegram re-delivering it stores no second post.
    (press,) = [u for u in telegram.updates if "callback_query" in u]
    mark = author.mark()
    await telegram.inject_raw(press)
    await author.send("/myposts", until="post ")
    assert len((await dump_all_tables(database_url))["posts"]) == 1
    assert "Received" not in "\n".join(author.received(mark))


async def test_a_clean_draft_is_sent_without_an_extra_step(
    author: Person, moderator: Person, reader: Person, database_url: str
) -> None:
    mark = author.mark()
    received = await author.send(f"/new safety {TITLE} | Any advice welcome.", until="Received")
    assert received.shown == [received.last_text]  # one answer: no confirmation first
    await moderator.press(
        await moderator.send("/queue", until=has_buttons("Approve")), "Approve", until="Done"
    )

    answered = await reader.send(
        f"/reply {thread_id_of(received)} We write to her solicitor.", until="Received"
    )
    assert answered.shown == [answered.last_text]
    assert "Before you send" not in "\n".join(author.received(mark))


async def test_a_guided_reply_and_a_revision_are_checked_too(
    author: Person, moderator: Person, reader: Person, database_url: str, app: web.Application
) -> None:
    received = await author.send(f"/new safety {TITLE} | Any advice welcome.", until="Received")
    await moderator.press(
        await moderator.send("/queue", until=has_buttons("Approve")), "Approve", until="Done"
    )
    thread = await reader.send(f"/read {thread_id_of(received)}", until=has_buttons("Reply"))
    await reader.press(thread, "Reply", until="Your reply?")
    caught = await reader.send(f"Try her on {PHONE}.", until=has_buttons(*CHECK_BUTTONS))
    assert "Reply to thread" in caught.text
    await reader.press(caught, "Remove and send", until="Received")

    item = await moderator.send("/queue", until=has_buttons("Reject"))
    reasons = await moderator.press(item, "Reject", until="Why is it rejected?")
    await moderator.press(reasons, "Personal details", until="Done")
    mine = await reader.send("/myposts", until=has_buttons("Revise and resubmit"))
    await reader.press(mine, "Revise and resubmit", until="Send the revised text")
    caught = await reader.send(f"Or the office on {PHONE}.", until=has_buttons(*CHECK_BUTTONS))
    asked = await reader.press(caught, "Edit", until="Send the corrected text")
    assert asked.last_text.startswith("Send the corrected text")
    caught = await reader.send(f"Or the office, {PHONE}.", until=has_buttons(*CHECK_BUTTONS))
    await reader.press(caught, "Remove and send", until="back with the moderators")

    assert "Or the office, [phone number]." in await post_bodies(app)
    assert PHONE not in await stored_values(database_url)
