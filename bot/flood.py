"""Per-person flood control for incoming updates: a token bucket per Telegram user.

PTB's `AIORateLimiter` paces what the bot sends; nothing paces what one person sends, and each
update costs a call to the forum (and, for a new person, an Argon2id hash). The buckets live in
memory only, keyed by the Telegram user id, and are never stored or logged.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

#: People tracked at once; the least recently seen are forgotten first.
MAX_TRACKED = 50_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class FloodGate:
    """Allows each person ``burst`` updates at once, refilled at ``per_minute``.

    Args:
        per_minute: steady rate allowed per person.
        burst: updates allowed at once.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self, per_minute: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be positive and burst at least 1")
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def admit(self, user_id: int) -> tuple[bool, bool]:
        """Take one token for ``user_id``.

        Returns:
            ``(allowed, warn)``: whether to handle the update, and whether this is the first
            refusal since the person was last allowed (tell them once, not every time).
        """
        now = self._clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(self._burst, now)
            while len(self._buckets) > MAX_TRACKED:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(user_id)
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return True, False
        warn = not bucket.warned
        bucket.warned = True
        return False, warn
