"""The service stores no identity key in clear, and nothing that looks like a Telegram id.

(That no two rows of one person can be linked is ``tests/forum/test_linkability.py``.)"""

from __future__ import annotations

import re

from aiohttp import web

from forum_service.domain import PostStatus
from tests.support.api import Api
from tests.support.dbdump import dump_all_tables, dump_text
from tests.support.storage import set_status

# Telegram user ids are 5-12 digit integers; nothing stored should hold such a number except
# our own small sequence ids and timestamps, which we strip before searching.
TELEGRAM_ID_LIKE = re.compile(r"(?<![0-9a-f])\d{7,12}(?![0-9a-f])")


async def test_database_holds_no_identity_key_in_clear(
    api: Api, app: web.Application, database_url: str
) -> None:
    author, replier = api.new_identity(), api.new_identity()
    created = await api.new_thread(author, title="Anonymity check", body="no ids here")
    await set_status(app, created["post"]["id"], PostStatus.APPROVED)
    await api.call(
        "POST",
        f"/api/v1/threads/{created['thread_id']}/posts",
        replier,
        json={"body": "reply"},
        expect=201,
        **{"Idempotency-Key": "tg-update-1"},
    )
    dump = await dump_all_tables(database_url)
    for table, rows in dump.items():
        text = dump_text({table: rows})
        for key in (author, replier):
            # Only sealed: the identities row keeps HMAC(secret, key) to find it by.
            assert key not in text, f"identity key stored in clear in {table}"
    # Drop timestamps, then look for Telegram-id-shaped numbers.
    flattened = re.sub(r"datetime\.datetime\([^)]*\)", "", dump_text(dump))
    assert not TELEGRAM_ID_LIKE.search(flattened), TELEGRAM_ID_LIKE.search(flattened)


async def test_pseudonyms_do_not_reveal_the_identity_key(api: Api) -> None:
    author = api.new_identity()
    created = await api.new_thread(author)
    handle = created["post"]["author"].removeprefix("Practitioner ").lower()
    assert handle not in author
