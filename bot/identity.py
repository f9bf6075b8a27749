"""Derivation of the anonymous identity key from a Telegram user id.

The forum service never sees a Telegram id: the bot turns each user id into an
``identity_key`` with a memory-hard, peppered hash. Because the pepper is secret and only the
bot holds it, the key cannot be reversed by enumerating the (small) space of Telegram ids.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from argon2.low_level import Type, hash_secret_raw

IDENTITY_KEY_PATTERN: Final = re.compile(r"^[0-9a-f]{64}$")
"""What every identity key looks like: 64 lowercase hexadecimal characters."""

MIN_PEPPER_BYTES: Final = 16

# Argon2id parameters (OWASP's recommended minimum for Argon2id: m=19 MiB, t=2, p=1).
# Changing any of them changes every identity key, i.e. every user would become a stranger
# to the forum; treat them as part of the data format.
ARGON2_TIME_COST: Final = 2
ARGON2_MEMORY_COST_KIB: Final = 19456
ARGON2_PARALLELISM: Final = 1
ARGON2_HASH_LEN: Final = 32

DEFAULT_CACHE_SIZE: Final = 10_000


#: Argon2id hashes computed at the same time, at most.
HASHING_THREADS: Final = 2


class IdentityDeriver:
    """Derives stable, irreversible identity keys from Telegram user ids.

    The derivation is ``argon2id(secret=str(user_id), salt=pepper)``; results are cached in a
    bounded in-memory LRU so that each active user costs one hash per process lifetime.
    The cache lives only in memory and is never persisted or logged.
    """

    __slots__ = ("_cache", "_cache_size", "_lock", "_pepper", "_pool")

    def __init__(self, pepper: bytes, *, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        """Creates a deriver.

        Args:
            pepper: The bot's secret pepper, at least 16 bytes. It is used as the Argon2 salt,
                so the same pepper must be used for the lifetime of the forum.
            cache_size: Maximum number of user ids whose keys are kept in memory.

        Raises:
            ValueError: If the pepper is shorter than 16 bytes or the cache size is not positive.
        """
        if len(pepper) < MIN_PEPPER_BYTES:
            raise ValueError(f"pepper must be at least {MIN_PEPPER_BYTES} bytes")
        if cache_size < 1:
            raise ValueError("cache_size must be positive")
        self._pepper = bytes(pepper)
        self._cache_size = cache_size
        self._cache: OrderedDict[int, str] = OrderedDict()
        # The async variant hashes in worker threads, so the cache is shared across threads.
        self._lock = threading.Lock()
        # At most two hashes at once (19 MiB and a core each): a crowd of new users queues here
        # instead of taking every thread and all the memory the default executor would give.
        self._pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="argon2")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cache_size={self._cache_size})"

    def identity_key(self, telegram_user_id: int) -> str:
        """Returns the identity key for a Telegram user id, hashing on a cache miss.

        The key is the lowercase hex encoding of Argon2id with: secret = the decimal user id
        encoded as ASCII, salt = the pepper, ``time_cost=2``, ``memory_cost=19456`` KiB,
        ``parallelism=1``, ``hash_len=32``. A miss takes tens of milliseconds of CPU and
        19 MiB of memory; from async code use :meth:`identity_key_async`.

        Args:
            telegram_user_id: The Telegram user id (a positive integer).

        Returns:
            64 lowercase hexadecimal characters matching :data:`IDENTITY_KEY_PATTERN`.

        Raises:
            ValueError: If the id is not a positive integer (the id is not echoed).
        """
        cached = self._cached(telegram_user_id)
        if cached is not None:
            return cached
        key = self._derive(telegram_user_id)
        self._store(telegram_user_id, key)
        return key

    async def identity_key_async(self, telegram_user_id: int) -> str:
        """Like :meth:`identity_key`, but hashes in a worker thread on a cache miss.

        Args:
            telegram_user_id: The Telegram user id (a positive integer).

        Returns:
            64 lowercase hexadecimal characters matching :data:`IDENTITY_KEY_PATTERN`.

        Raises:
            ValueError: If the id is not a positive integer (the id is not echoed).
        """
        cached = self._cached(telegram_user_id)
        if cached is not None:
            return cached
        loop = asyncio.get_running_loop()
        key = await loop.run_in_executor(self._pool, self._derive, telegram_user_id)
        self._store(telegram_user_id, key)
        return key

    def _cached(self, telegram_user_id: int) -> str | None:
        _check_user_id(telegram_user_id)
        with self._lock:
            key = self._cache.get(telegram_user_id)
            if key is not None:
                self._cache.move_to_end(telegram_user_id)
            return key

    def _store(self, telegram_user_id: int, key: str) -> None:
        with self._lock:
            self._cache[telegram_user_id] = key
            self._cache.move_to_end(telegram_user_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _derive(self, telegram_user_id: int) -> str:
        raw = hash_secret_raw(
            secret=str(telegram_user_id).encode("ascii"),
            salt=self._pepper,
            time_cost=ARGON2_TIME_COST,
            memory_cost=ARGON2_MEMORY_COST_KIB,
            parallelism=ARGON2_PARALLELISM,
            hash_len=ARGON2_HASH_LEN,
            type=Type.ID,
        )
        return raw.hex()


def _check_user_id(telegram_user_id: int) -> None:
    # bool is an int subclass; True would otherwise silently become user 1.
    if isinstance(telegram_user_id, bool) or not isinstance(telegram_user_id, int):
        raise ValueError("telegram user id must be an int")
    if telegram_user_id <= 0:
        raise ValueError("telegram user id must be positive")
