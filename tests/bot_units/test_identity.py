"""Identity keys: deterministic, irreversible without the pepper, cached, stable over time."""

from __future__ import annotations

import asyncio
import threading

import argon2.low_level
import pytest

from bot.identity import HASHING_THREADS, IDENTITY_KEY_PATTERN, IdentityDeriver

PEPPER = b"0123456789abcdef"


def test_identity_key_is_64_lowercase_hex_and_deterministic() -> None:
    first = IdentityDeriver(PEPPER).identity_key(987654321)
    again = IdentityDeriver(PEPPER).identity_key(987654321)

    assert IDENTITY_KEY_PATTERN.match(first)
    assert first == again


def test_identity_key_matches_the_documented_argon2id_parameters() -> None:
    # A known answer: if this changes, every existing identity would become a stranger.
    expected = "8977e73616549166d2aadd85ac60a5e3040f4cd7e5fa88ac8ce77a305c69b9df"

    assert IdentityDeriver(PEPPER).identity_key(42) == expected


def test_identity_keys_differ_between_users_and_between_peppers() -> None:
    deriver = IdentityDeriver(PEPPER)
    other_pepper = IdentityDeriver(b"fedcba9876543210")

    assert deriver.identity_key(1001) != deriver.identity_key(1002)
    assert deriver.identity_key(1001) != other_pepper.identity_key(1001)


def test_identity_key_does_not_contain_the_user_id() -> None:
    user_id = 5_123_456_789

    assert str(user_id) not in IdentityDeriver(PEPPER).identity_key(user_id)


def test_short_pepper_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        IdentityDeriver(b"too-short")


@pytest.mark.parametrize("bad_id", [0, -77123, True])
def test_invalid_user_id_is_refused_without_echoing_it(bad_id: int) -> None:
    with pytest.raises(ValueError) as raised:
        IdentityDeriver(PEPPER).identity_key(bad_id)

    assert "77123" not in str(raised.value)


def test_repr_does_not_reveal_the_pepper() -> None:
    assert PEPPER.decode() not in repr(IdentityDeriver(PEPPER))


def test_cache_avoids_rehashing_and_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real_hash = argon2.low_level.hash_secret_raw

    def counting_hash(**kwargs: object) -> bytes:
        calls.append(kwargs["secret"])  # type: ignore[arg-type]
        return real_hash(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("bot.identity.hash_secret_raw", counting_hash)
    deriver = IdentityDeriver(PEPPER, cache_size=2)

    deriver.identity_key(1)
    deriver.identity_key(1)
    assert len(calls) == 1

    deriver.identity_key(2)
    deriver.identity_key(3)  # evicts 1, the least recently used
    deriver.identity_key(3)
    deriver.identity_key(1)
    assert calls == [b"1", b"2", b"3", b"1"]


async def test_async_key_equals_sync_key_and_hashes_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = [IdentityDeriver(PEPPER).identity_key(uid) for uid in (7, 8, 9)]
    hashed_on: list[int] = []
    real_hash = argon2.low_level.hash_secret_raw

    def recording_hash(**kwargs: object) -> bytes:
        hashed_on.append(threading.get_ident())
        return real_hash(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("bot.identity.hash_secret_raw", recording_hash)
    deriver = IdentityDeriver(PEPPER)

    keys = await asyncio.gather(*(deriver.identity_key_async(uid) for uid in (7, 8, 9)))

    assert keys == expected
    # Each ~25 ms hash ran in a worker thread: the event loop's thread was never blocked.
    assert len(hashed_on) == 3
    assert threading.get_ident() not in hashed_on
    assert await deriver.identity_key_async(7) == keys[0]
    assert len(hashed_on) == 3, "a cached key is not hashed again"


async def test_at_most_two_hashes_run_at_once_however_many_people_arrive() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    class Counting(IdentityDeriver):
        __slots__ = ()

        def _derive(self, telegram_user_id: int) -> str:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            try:
                return super()._derive(telegram_user_id)
            finally:
                with lock:
                    running -= 1

    deriver = Counting(b"p" * 32)
    keys = await asyncio.gather(*(deriver.identity_key_async(n) for n in range(1, 9)))

    assert len(set(keys)) == 8
    assert most == HASHING_THREADS == 2
