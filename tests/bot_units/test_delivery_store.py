"""The bot's delivery store: round trips, forgetting, and nothing readable at rest."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.delivery_store import DEFAULT_TIMEZONE, DeliveryStore, DeliveryStoreError

SECRET = b"delivery-store-test-secret-0123456789"
ALICE = "a1" * 32
BOB = "b2" * 32
ALICE_CHAT = 5_550_001_234_567


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "delivery.db"


@pytest.fixture
async def store(store_path: Path) -> AsyncIterator[DeliveryStore]:
    async with DeliveryStore(store_path, SECRET) as opened:
        yield opened


def _raw_bytes(path: Path) -> bytes:
    """The database file plus its WAL and shared-memory files, as an attacker would read them."""
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


async def test_remembered_chat_id_round_trips_and_upserts(store: DeliveryStore) -> None:
    await store.remember(ALICE, ALICE_CHAT)
    await store.remember(BOB, 42)
    await store.remember(BOB, 43)

    assert await store.chat_id_for(ALICE) == ALICE_CHAT
    assert await store.chat_id_for(BOB) == 43
    assert await store.chat_id_for("c3" * 32) is None


async def test_forget_deletes_chat_id_and_preferences(store: DeliveryStore) -> None:
    await store.remember(ALICE, ALICE_CHAT)
    await store.set_timezone(ALICE, "Asia/Kolkata")

    assert await store.forget(ALICE) is True
    assert await store.chat_id_for(ALICE) is None
    assert await store.timezone_for(ALICE) == DEFAULT_TIMEZONE
    assert await store.forget(ALICE) is False


async def test_timezone_defaults_to_london_and_can_be_changed(store: DeliveryStore) -> None:
    assert await store.timezone_for(ALICE) == "Europe/London"

    await store.set_timezone(ALICE, "America/New_York")
    await store.remember(ALICE, ALICE_CHAT)  # does not reset the preference

    assert await store.timezone_for(ALICE) == "America/New_York"
    assert await store.chat_id_for(ALICE) == ALICE_CHAT


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "x" * 500])
async def test_unknown_timezone_is_refused(store: DeliveryStore, zone: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        await store.set_timezone(ALICE, zone)


@pytest.mark.parametrize("key", ["A1" * 32, "a1" * 31, "not-a-key", ""])
async def test_malformed_identity_key_is_refused_without_echoing_it(
    store: DeliveryStore, key: str
) -> None:
    with pytest.raises(ValueError) as raised:
        await store.remember(key, 1)

    assert str(raised.value) == "malformed identity key"


async def test_file_holds_neither_chat_ids_nor_identity_keys_in_clear(
    store: DeliveryStore, store_path: Path
) -> None:
    await store.remember(ALICE, ALICE_CHAT)
    await store.set_timezone(ALICE, "Asia/Kolkata")
    await store.remember(BOB, 777_888_999)

    raw = _raw_bytes(store_path)

    assert len(raw) > 0
    for needle in (str(ALICE_CHAT), "777888999", ALICE, BOB, "Asia/Kolkata"):
        assert needle.encode() not in raw
    assert ALICE_CHAT.to_bytes(8, "big") not in raw  # nor as a binary integer


async def test_store_files_are_private_to_the_owner(store: DeliveryStore, store_path: Path) -> None:
    await store.remember(ALICE, ALICE_CHAT)

    assert stat.S_IMODE(os.stat(store_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store_path.parent).st_mode) == 0o700


async def test_data_survives_reopening(store_path: Path) -> None:
    async with DeliveryStore(store_path, SECRET) as first:
        await first.remember(ALICE, ALICE_CHAT)

    async with DeliveryStore(store_path, SECRET) as second:
        assert await second.chat_id_for(ALICE) == ALICE_CHAT


async def test_another_secret_finds_nothing(store_path: Path) -> None:
    async with DeliveryStore(store_path, SECRET) as first:
        await first.remember(ALICE, ALICE_CHAT)

    # Row keys are HMACs under the secret: a different secret does not even find the row.
    async with DeliveryStore(store_path, b"another-secret-entirely-0123456789") as other:
        assert await other.chat_id_for(ALICE) is None


async def test_ciphertexts_swapped_between_rows_are_detected(store_path: Path) -> None:
    async with DeliveryStore(store_path, SECRET) as store:
        await store.remember(ALICE, ALICE_CHAT)
        await store.remember(BOB, 42)

    with sqlite3.connect(store_path) as conn:
        rows = conn.execute("SELECT row_key, chat_id FROM delivery ORDER BY row_key").fetchall()
        (key_1, blob_1), (key_2, blob_2) = rows
        conn.execute("UPDATE delivery SET chat_id = ? WHERE row_key = ?", (blob_2, key_1))
        conn.execute("UPDATE delivery SET chat_id = ? WHERE row_key = ?", (blob_1, key_2))
    conn.close()

    async with DeliveryStore(store_path, SECRET) as store:
        with pytest.raises(DeliveryStoreError, match="cannot decrypt"):
            await store.chat_id_for(ALICE)


async def test_closed_store_refuses_calls(store_path: Path) -> None:
    store = DeliveryStore(store_path, SECRET)

    with pytest.raises(DeliveryStoreError, match="not open"):
        await store.chat_id_for(ALICE)

    await store.open()
    await store.close()
    await store.close()  # idempotent
    with pytest.raises(DeliveryStoreError, match="not open"):
        await store.remember(ALICE, 1)


def test_short_secret_is_refused(store_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        DeliveryStore(store_path, b"short")


def _delete_behind_the_stores_back(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM delivery")


async def test_an_unchanged_chat_is_not_rewritten(store: DeliveryStore, store_path: Path) -> None:
    # The bot remembers the chat on every update: the same mapping again is not written again
    # (observable here by deleting the row with another connection: it is not restored).
    await store.remember(ALICE, ALICE_CHAT)
    _delete_behind_the_stores_back(store_path)
    await store.remember(ALICE, ALICE_CHAT)
    assert await store.chat_id_for(ALICE) is None
    # A changed chat is written.
    await store.remember(ALICE, ALICE_CHAT + 1)
    assert await store.chat_id_for(ALICE) == ALICE_CHAT + 1


async def test_remembering_after_forgetting_writes_again(store: DeliveryStore) -> None:
    await store.remember(ALICE, ALICE_CHAT)
    assert await store.forget(ALICE) is True
    await store.remember(ALICE, ALICE_CHAT)
    assert await store.chat_id_for(ALICE) == ALICE_CHAT


async def test_a_remember_racing_with_forget_is_written_again_next_time(
    store: DeliveryStore,
) -> None:
    # The write is queued on the store's thread, then the forget's delete after it: the row is
    # gone, so the next remember must not be skipped as "already stored".
    writing = asyncio.create_task(store.remember(ALICE, ALICE_CHAT))
    await asyncio.sleep(0)
    assert await store.forget(ALICE) is True
    await writing
    assert await store.chat_id_for(ALICE) is None
    await store.remember(ALICE, ALICE_CHAT)
    assert await store.chat_id_for(ALICE) == ALICE_CHAT


async def test_reopening_forgets_what_was_written(store_path: Path) -> None:
    # Another process may have changed the file while this store was closed.
    store = DeliveryStore(store_path, SECRET)
    await store.open()
    await store.remember(ALICE, ALICE_CHAT)
    await store.close()
    _delete_behind_the_stores_back(store_path)
    await store.open()
    try:
        await store.remember(ALICE, ALICE_CHAT)
        assert await store.chat_id_for(ALICE) == ALICE_CHAT
    finally:
        await store.close()
