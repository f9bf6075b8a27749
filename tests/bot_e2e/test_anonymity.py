"""After a full run, no Telegram identifier is in the forum database, the bot's store or the logs;
no post text is in the logs.

The run covers posting (both forms), moderator onboarding, screening, approve, reject,
revise, edit-and-approve, replies, reports, notifications and /forgetme. Logging is set up as
the ``mscos-forum`` entry point does at its most verbose (``--log-level DEBUG``: root at DEBUG,
chatty libraries capped), and every record that reaches a handler is searched, from the
service's and the bot's start to their shutdown, as well as every line the production handler
wrote.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from bot.identity import IdentityDeriver
from forum_service.observability import configure_logging
from tests.support.bot_harness import IDENTITY_PEPPER, BotRun, Person, has_buttons, thread_id_of
from tests.support.dbdump import dump_all_tables, dump_text
from tests.support.people import PEOPLE

GUIDED_TITLE = "Quillfeather interview protocol"
GUIDED_BODY = "Quillfeather: how long should a first interview with a survivor last?"
ONE_LINE_TITLE = "Marrowgate benefits appeal"
ONE_LINE_BODY = "Marrowgate: has anyone appealed a benefits decision for a survivor?"
REJECTED_BODY = "Oxlip note: the shelter on Tamsin Road takes referrals on Mondays."
REVISED_BODY = "Oxlip note: one shelter in the area takes referrals on Mondays."
PHONE_BODY = "Vantablue reply: call the caseworker on 07700 900123 for the details."
EDITED_BODY = "Vantablue reply: call the caseworker [number removed] for the details."
REPORT_REASON = "Glimmerfen: this reply names a location."
POST_TEXTS = (
    GUIDED_TITLE,
    GUIDED_BODY,
    ONE_LINE_TITLE,
    ONE_LINE_BODY,
    REJECTED_BODY,
    REVISED_BODY,
    PHONE_BODY,
    EDITED_BODY,
    REPORT_REASON,
    "Quillfeather",
    "Marrowgate",
    "Oxlip",
    "Vantablue",
    "Glimmerfen",
    "07700 900123",
)


def telegram_identifiers() -> list[str]:
    """Every user id (= private chat id), username and first name used in the run."""
    return [str(value) for person in PEOPLE for value in person]


def found_in(haystack: str, needles: Iterable[str]) -> list[str]:
    """The needles that occur in ``haystack``."""
    return [needle for needle in needles if needle in haystack]


def log_lines(records: Iterable[logging.LogRecord]) -> list[tuple[str, str]]:
    """(logger name, everything a handler could write) for each record."""
    lines = []
    for record in records:
        text = f"{record.name} {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!r}"
        if record.exc_text:
            text += f" {record.exc_text}"
        if record.stack_info:
            text += f" {record.stack_info}"
        lines.append((record.name, text))
    return lines


def leaks_in_logs(
    records: Iterable[logging.LogRecord], needles: Iterable[str]
) -> list[tuple[str, str]]:
    """(needle, logger) pairs for each needle found in a record."""
    wanted = list(needles)
    return [
        (needle, name) for name, text in log_lines(records) for needle in found_in(text, wanted)
    ]


@pytest.fixture
def production_logging() -> Iterator[io.StringIO]:
    """Logging configured by the entry point's ``configure_logging("DEBUG", "text")``.

    The handlers already on the root logger (pytest's capture) stay; what the production
    handler writes goes to the returned buffer. Every logger's level is restored afterwards.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    configure_logging("DEBUG", "text")
    (production,) = root.handlers
    assert isinstance(production, logging.StreamHandler)
    written = io.StringIO()
    production.setStream(written)
    root.handlers[:] = [*handlers, production]
    try:
        yield written
    finally:
        # Only take ours away: pytest has replaced its per-phase handlers meanwhile.
        root.removeHandler(production)
        root.setLevel(level)
        for name, logger in logging.root.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(levels.get(name, logging.NOTSET))


async def full_run(bot: BotRun, author: Person, moderator: Person, reader: Person) -> None:
    """Everything a practitioner and a moderator do, with notifications delivered."""
    boards = await author.send("/new", until="Which outcome")
    await author.press(boards, "Trauma-informed services", until="title of your thread")
    await author.send(GUIDED_TITLE, until="Now the text")
    notes = await author.send(GUIDED_BODY, until=has_buttons("None"))
    preview = await author.press(notes, "None", until=has_buttons("Send to moderators"))
    guided = thread_id_of(await author.press(preview, "Send to moderators", until="Received"))
    one_line = await author.send(f"/new housing {ONE_LINE_TITLE} | {ONE_LINE_BODY}", "Received")
    await bot.screen()
    mark = author.mark()
    for _ in range(2):
        item = await moderator.send("/queue", until=has_buttons("Approve"))
        await moderator.press(item, "Approve", until="Done")
    await author.wait_for(("was approved", GUIDED_TITLE), since=mark)
    await author.wait_for(("was approved", ONE_LINE_TITLE), since=mark)

    # A reply rejected, revised from /myposts and approved.
    await reader.send(f"/reply {guided} {REJECTED_BODY}", until="Received")
    await bot.screen()
    item = await moderator.send("/queue", until=has_buttons("Reject"))
    reasons = await moderator.press(item, "Reject", until="Why is it rejected?")
    await moderator.press(reasons, "Personal details", until="Done")
    mine = await reader.send("/myposts", until=has_buttons("Revise and resubmit"))
    await reader.press(mine, "Revise and resubmit", until="Send the revised text")
    await reader.send(REVISED_BODY, until="back with the moderators")
    await bot.screen()
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    await moderator.press(item, "Approve", until="Done")

    # A reply with a phone number: sent anyway past the check, then redacted by the moderator.
    caught = await author.send(
        f"/reply {thread_id_of(one_line)} {PHONE_BODY}", until=has_buttons("Send anyway")
    )
    await author.press(caught, "Send anyway", until="Received")
    await bot.screen()
    item = await moderator.send("/queue", until=has_buttons("Edit"))
    await moderator.press(item, "Edit", until="Send the edited text")
    await moderator.send(EDITED_BODY, until="Done")

    # Reading, reporting, and the reader forgetting their delivery data.
    thread = await reader.send(f"/read {thread_id_of(one_line)}", until=has_buttons("Reply"))
    assert EDITED_BODY in thread.text
    post_ids = re.findall(r"· post (\d+)", thread.text)
    asked = await reader.send(f"/report {post_ids[-1]} {REPORT_REASON}", has_buttons("Other"))
    await reader.press(asked, "Other", until="Thank you")
    await moderator.send("/reports", until="Glimmerfen")
    await reader.send("/forgetme", until="Done")
    await bot.outbox_settled()


async def test_full_run_leaves_no_telegram_identifier_in_database_store_or_logs(
    production_logging: io.StringIO,
    bot: BotRun,
    author: Person,
    moderator: Person,
    reader: Person,
    database_url: str,
    store_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await full_run(bot, author, moderator, reader)
    await bot.stop()
    identifiers = telegram_identifiers()
    deriver = IdentityDeriver(IDENTITY_PEPPER.encode())
    identity_keys = [await deriver.identity_key_async(person[0]) for person in PEOPLE]
    token = bot.application.bot.token if bot.application is not None else ""
    everything = [*identifiers, *identity_keys, *POST_TEXTS, token]

    database = dump_text(await dump_all_tables(database_url))
    assert GUIDED_BODY in database and EDITED_BODY in database  # the dump is real
    assert found_in(database, identifiers) == []

    store = b"".join(path.read_bytes() for path in sorted(store_path.parent.iterdir()))
    assert store, "the delivery store is empty"
    assert [needle for needle in everything if needle.encode() in store] == []

    # The bot's and the service's own loggers really were at DEBUG, and PTB's records came in.
    for name in ("bot.handlers.common", "bot.delivery", "forum_service.api.errors"):
        assert logging.getLogger(name).isEnabledFor(logging.DEBUG)
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    assert any(r.name.startswith("telegram.ext") for r in records)
    assert any(r.name.startswith("forum_service") and r.levelno == logging.DEBUG for r in records)
    assert leaks_in_logs(records, everything) == []
    written = production_logging.getvalue()
    assert "Application started" in written
    assert found_in(written, everything) == []
