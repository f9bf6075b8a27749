"""Repository of subscriptions: who follows ``all``, ``digest`` or ``outcome:<slug>``."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.storage.sessions import in_chunks, insert_or_ignore
from forum_service.storage.tables import SubscriptionRow


async def subscribers(session: AsyncSession, topics: Collection[str]) -> set[int]:
    """Return the identities subscribed to any of ``topics``."""
    rows = await session.execute(
        select(SubscriptionRow.identity_id).where(SubscriptionRow.topic.in_(topics)).distinct()
    )
    return set(rows.scalars())


async def topics_of(session: AsyncSession, identity_id: int) -> list[str]:
    """Return an identity's subscription topics, sorted."""
    rows = await session.execute(
        select(SubscriptionRow.topic)
        .where(SubscriptionRow.identity_id == identity_id)
        .order_by(SubscriptionRow.topic)
    )
    return list(rows.scalars())


async def subscribe(session: AsyncSession, identity_id: int, topic: str, now: datetime) -> None:
    """Follow ``topic`` (idempotent: following it twice changes nothing)."""
    await session.execute(
        insert_or_ignore(session, SubscriptionRow, ["identity_id", "topic"]).values(
            identity_id=identity_id, topic=topic, created_at=now
        )
    )


async def unsubscribe(session: AsyncSession, identity_id: int, topic: str | None) -> None:
    """Stop following ``topic``, or every topic when it is None."""
    statement = delete(SubscriptionRow).where(SubscriptionRow.identity_id == identity_id)
    if topic is not None:
        statement = statement.where(SubscriptionRow.topic == topic)
    await session.execute(statement)


async def forget(session: AsyncSession, identity_ids: Collection[int]) -> None:
    """Drop every subscription of these identities (the bot can no longer reach them)."""
    for chunk in in_chunks(identity_ids):
        await session.execute(delete(SubscriptionRow).where(SubscriptionRow.identity_id.in_(chunk)))


async def digest_readers(session: AsyncSession) -> dict[int, frozenset[str]]:
    """Return every ``digest`` subscriber with the outcome slugs they follow (maybe none)."""
    readers_only = select(SubscriptionRow.identity_id).where(SubscriptionRow.topic == "digest")
    rows = await session.execute(
        select(SubscriptionRow.identity_id, SubscriptionRow.topic).where(
            SubscriptionRow.identity_id.in_(readers_only)
        )
    )
    followed: dict[int, set[str]] = {}
    readers: set[int] = set()
    for identity_id, topic in rows.all():
        if topic == "digest":
            readers.add(identity_id)
        elif topic.startswith("outcome:"):
            followed.setdefault(identity_id, set()).add(topic.removeprefix("outcome:"))
    return {reader: frozenset(followed.get(reader, ())) for reader in readers}
