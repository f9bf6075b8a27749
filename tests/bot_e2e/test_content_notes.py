"""Content notes (issue 15): readers see the note, and the text behind a spoiler they tap open."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from forum_service.api.keys import DATABASE
from forum_service.storage.tables import PostRow
from tests.support.bot_harness import Person, Reply, has_buttons, queue_item_id, thread_id_of

TITLE = "Supporting a survivor after a disclosure"
BODY = "She told me what happened in the house; how do others hold that in a first session?"


def spoilers(person: Person, reply: Reply) -> list[str]:
    """The texts the spoiler entities of the reply's messages cover, as Telegram shows them."""
    found = []
    for sent in reply.messages:
        message = person.telegram.current_message(person.chat_id, sent.message_id or 0)
        assert message is not None
        units = str(message["text"]).encode("utf-16-le")
        found += [
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in message.get("entities", [])
            if e["type"] == "spoiler"
        ]
    return found


async def notes_of(app: web.Application) -> list[str | None]:
    async with app[DATABASE].read("test") as session:
        return list(
            (await session.scalars(select(PostRow.content_note).order_by(PostRow.id))).all()
        )


async def draft_until_note(author: Person) -> Reply:
    boards = await author.send("/new", until="Which outcome")
    await author.press(boards, "Trauma-informed services", until="title of")
    await author.send(TITLE, until="Now the text")
    notes = await author.send(BODY, until=has_buttons("Sexual violence", "Self-harm", "None"))
    assert set(notes.buttons) == {"Sexual violence", "Self-harm", "Child abuse", "Other…", "None"}
    return notes


async def test_a_note_chosen_by_the_author_shows_with_the_text_behind_a_spoiler(
    author: Person, moderator: Person, reader: Person, app: web.Application
) -> None:
    notes = await draft_until_note(author)
    preview = await author.press(notes, "Sexual violence", until=has_buttons("Send to moderators"))
    assert "Content note: sexual violence" in preview.last_text
    received = await author.press(preview, "Send to moderators", until="Received")

    item = await moderator.send("/queue", until=has_buttons("Approve"))
    assert "Content note: sexual violence" in item.text
    await moderator.press(item, "Approve", until="Done")

    thread = await reader.send(f"/read {thread_id_of(received)}", until=has_buttons("Reply"))
    assert "Content note: sexual violence" in thread.text
    assert spoilers(reader, thread) == [BODY]  # the text, and only the text, is hidden
    assert await notes_of(app) == ["sexual violence"]


async def test_other_takes_a_short_typed_note_and_refuses_a_long_one(
    author: Person, app: web.Application
) -> None:
    notes = await draft_until_note(author)
    await author.press(notes, "Other…", until="Type the content note")
    again = await author.send("x" * 81, until="keep the content note")
    assert "80 characters" in again.last_text
    preview = await author.send("domestic violence", until=has_buttons("Send to moderators"))
    await author.press(preview, "Send to moderators", until="Received")

    assert await notes_of(app) == ["domestic violence"]


async def test_a_moderator_adds_a_note_when_approving_and_the_author_is_told(
    author: Person, moderator: Person, reader: Person, app: web.Application
) -> None:
    received = await author.send(f"/new safety {TITLE} | {BODY}", until="Received")
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    mark = author.mark()

    await moderator.send(f"/approve {queue_item_id(item)} self-harm", until="Done")

    told = await author.wait_for("was approved", since=mark)
    assert "content note: self-harm" in told.last_text
    thread = await reader.send(f"/read {thread_id_of(received)}", until=has_buttons("Reply"))
    assert "Content note: self-harm" in thread.text and spoilers(reader, thread) == [BODY]
    assert await notes_of(app) == ["self-harm"]


async def test_a_post_without_a_note_is_shown_plainly(
    author: Person, moderator: Person, reader: Person
) -> None:
    received = await author.send(f"/new safety {TITLE} | {BODY}", until="Received")
    await moderator.press(
        await moderator.send("/queue", until=has_buttons("Approve")), "Approve", until="Done"
    )
    thread = await reader.send(f"/read {thread_id_of(received)}", until=has_buttons("Reply"))
    assert BODY in thread.text and "Content note" not in thread.text
    assert spoilers(reader, thread) == []


REPLY_BODY = "After her disclosure we slowed everything down and let her set the pace."


async def test_a_guided_reply_can_carry_a_note_and_one_without_it_is_unchanged(
    author: Person, moderator: Person, reader: Person, app: web.Application
) -> None:
    received = await author.send(f"/new safety {TITLE} | {BODY}", until="Received")
    thread_id = thread_id_of(received)
    await moderator.press(
        await moderator.send("/queue", until=has_buttons("Approve")), "Approve", until="Done"
    )
    asked = await reader.send(f"/reply {thread_id}", until=has_buttons("Add a content note"))
    assert "Your reply?" in asked.last_text
    notes = await reader.press(asked, "Add a content note", until=has_buttons("Self-harm"))
    await reader.press(notes, "Sexual violence", until="Now your reply?")
    await reader.send(REPLY_BODY, until="Received")
    # A reply sent without pressing the button has no note, as before.
    await reader.send(f"/reply {thread_id}", until=has_buttons("Add a content note"))
    await reader.send("A second reply, no note.", until="Received")
    assert await notes_of(app) == [None, "sexual violence", None]

    item = await moderator.send("/queue", until=has_buttons("Approve"))
    assert "Content note: sexual violence" in item.text


async def test_a_reply_takes_a_typed_note_after_other_and_refuses_a_long_one(
    author: Person, moderator: Person, reader: Person, app: web.Application
) -> None:
    received = await author.send(f"/new safety {TITLE} | {BODY}", until="Received")
    await moderator.press(
        await moderator.send("/queue", until=has_buttons("Approve")), "Approve", until="Done"
    )
    asked = await reader.send(
        f"/reply {thread_id_of(received)}", until=has_buttons("Add a content note")
    )
    notes = await reader.press(asked, "Add a content note", until=has_buttons("Other…"))
    await reader.press(notes, "Other…", until="Type the content note")
    await reader.send("y" * 81, until="keep the content note")
    await reader.send("domestic violence", until="Now your reply?")
    await reader.send(REPLY_BODY, until="Received")
    assert await notes_of(app) == [None, "domestic violence"]
