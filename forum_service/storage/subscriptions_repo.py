"""Repository of subscriptions: who follows ``all``, ``digest`` or ``outcome:<slug>``.

A row is one topic and one person as ``member_tag`` (their tag for that topic only) and
``member_seal`` (their identity key, sealed): two subscriptions of one person share nothing.
To find one person's topics the service computes their tag for every topic there is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.storage.sessions import in_chunks, insert_or_ignore
from forum_service.storage.tables import SubscriptionRow
from forum_service.vault import Vault


def member_tag(vault: Vault, key: str, topic: str) -> str:
    """A person's tag for one topic."""
    return vault.tag(key, f"topic:{topic}")


def member_context(tag: str) -> str:
    """What a subscription's sealed member is bound to."""
    return f"subscriptions.member|{tag}"


def _tags(vault: Vault, key: str, topics: Iterable[str]) -> dict[str, str]:
    return {member_tag(vault, key, topic): topic for topic in topics}


async def subscribers(session: AsyncSession, vault: Vault, topics: Collection[str]) -> set[str]:
    """Return the identity keys subscribed to any of ``topics``."""
    rows = await session.execute(
        select(SubscriptionRow.member_tag, SubscriptionRow.member_seal).where(
            SubscriptionRow.topic.in_(topics)
        )
    )
    return {vault.open_key(seal, member_context(tag)) for tag, seal in rows.all()}


async def topics_of(
    session: AsyncSession, vault: Vault, key: str, candidates: Collection[str]
) -> list[str]:
    """Return which of ``candidates`` (every topic there is) this person follows, sorted."""
    tags = _tags(vault, key, candidates)
    rows = await session.execute(
        select(SubscriptionRow.topic).where(SubscriptionRow.member_tag.in_(list(tags)))
    )
    return sorted(set(rows.scalars()))


async def subscribe(
    session: AsyncSession, vault: Vault, key: str, topic: str, now: datetime
) -> None:
    """Follow ``topic`` (idempotent: following it twice changes nothing)."""
    tag = member_tag(vault, key, topic)
    await session.execute(
        insert_or_ignore(session, SubscriptionRow, ["topic", "member_tag"]).values(
            topic=topic,
            member_tag=tag,
            member_seal=vault.seal_key(key, member_context(tag)),
            created_at=now,
        )
    )


async def unsubscribe(
    session: AsyncSession, vault: Vault, key: str, topics: Collection[str]
) -> None:
    """Stop following ``topics`` (pass every topic there is to stop following everything)."""
    tags = list(_tags(vault, key, topics))
    await session.execute(delete(SubscriptionRow).where(SubscriptionRow.member_tag.in_(tags)))


async def forget(
    session: AsyncSession, vault: Vault, keys: Collection[str], candidates: Collection[str]
) -> None:
    """Drop every subscription of these people (the bot can no longer reach them)."""
    tags = [tag for key in keys for tag in _tags(vault, key, candidates)]
    for chunk in in_chunks(tags):
        await session.execute(delete(SubscriptionRow).where(SubscriptionRow.member_tag.in_(chunk)))


async def digest_readers(session: AsyncSession, vault: Vault) -> dict[str, frozenset[str]]:
    """Return every ``digest`` subscriber (identity key) with the outcome slugs they follow."""
    rows = await session.execute(
        select(
            SubscriptionRow.topic, SubscriptionRow.member_tag, SubscriptionRow.member_seal
        ).where(
            or_(SubscriptionRow.topic == "digest", SubscriptionRow.topic.startswith("outcome:"))
        )
    )
    followed: dict[str, set[str]] = {}
    readers: set[str] = set()
    for topic, tag, seal in rows.all():
        key = vault.open_key(seal, member_context(tag))
        if topic == "digest":
            readers.add(key)
        else:
            followed.setdefault(key, set()).add(topic.removeprefix("outcome:"))
    return {reader: frozenset(followed.get(reader, ())) for reader in readers}


async def all_topics(session: AsyncSession) -> list[str]:
    """Every topic anyone follows: the candidates when looking for one person's topics."""
    rows = await session.execute(select(SubscriptionRow.topic).distinct())
    return list(rows.scalars())
