"""Subscriptions: what a person follows — every announcement (``all``), the weekly digest
(``digest``), or one outcome's expert forums (``outcome:<slug>``)."""

from __future__ import annotations

from forum_service.clock import Clock, utc_now
from forum_service.domain import DomainError, IdentityKey
from forum_service.storage import boards_repo, identities_repo, subscriptions_repo
from forum_service.storage.database import Database
from forum_service.storage.sessions import Session
from forum_service.vault import Vault


class SubscriptionService:
    """List, follow and unfollow topics.

    Args:
        db: the database.
        clock: time source.
    """

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def subscriptions(self, key: IdentityKey) -> list[str]:
        """My subscription topics."""
        async with self._db.read("subscriptions") as session:
            return await _mine(session, self._db.vault, key)

    async def subscribe(self, key: IdentityKey, topic: str) -> list[str]:
        """Follow ``all``, ``digest`` or ``outcome:<slug>``."""
        now = self._clock()
        vault = self._db.vault
        async with self._db.write("subscribe") as session:
            await identities_repo.ensure_identity(session, vault, key.value, now)
            await _check_topic(session, topic)
            await subscriptions_repo.subscribe(session, vault, key.value, topic, now)
            return await _mine(session, vault, key)

    async def unsubscribe(self, key: IdentityKey, topic: str | None) -> list[str]:
        """Stop following ``topic`` (or everything when None)."""
        vault = self._db.vault
        async with self._db.write("unsubscribe") as session:
            await identities_repo.ensure_identity(session, vault, key.value, self._clock())
            if topic is not None:
                await _check_topic(session, topic)
            topics = [topic] if topic is not None else await subscriptions_repo.all_topics(session)
            await subscriptions_repo.unsubscribe(session, vault, key.value, topics)
            return await _mine(session, vault, key)


async def _mine(session: Session, vault: Vault, key: IdentityKey) -> list[str]:
    candidates = await subscriptions_repo.all_topics(session)
    return await subscriptions_repo.topics_of(session, vault, key.value, candidates)


async def _check_topic(session: Session, topic: str) -> None:
    """Refuse anything but ``all``, ``digest`` or ``outcome:<slug>`` of an existing outcome."""
    if topic in ("all", "digest"):
        return
    slug = topic.removeprefix("outcome:")
    if not topic.startswith("outcome:") or await boards_repo.board_by_slug(session, slug) is None:
        raise DomainError(
            "topic_invalid",
            "subscribe to all, digest, or outcome:<slug> of an existing outcome",
        )
