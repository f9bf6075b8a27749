"""Revision 0007 (membership): the people the forum already had stay members; old one-time
codes keep their state; new identities start as non-members."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from forum_service.storage import migrate


async def _run(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_existing_identities_become_members_and_used_codes_have_no_use_left(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await migrate.upgrade(url, "0006")
    await _run(
        url,
        "INSERT INTO identities (lookup, role, suspended, state) VALUES (:l, 'practitioner', "
        ":no, :s)",
        l="a" * 64,
        no=False,
        s=b"sealed",
    )
    made = datetime(2026, 11, 29, 10)
    for code_hash, used in (("b" * 64, None), ("c" * 64, datetime(2026, 11, 30, 10))):
        await _run(
            url,
            "INSERT INTO invites (code_hash, role, created_by, expires_at, used_at, created_at) "
            "VALUES (:h, 'moderator', 'Admin 1', :e, :u, :c)",
            h=code_hash,
            e=datetime(2030, 1, 1),
            u=used,
            c=made,
        )
    await migrate.upgrade(url)
    rows = await _run(url, "SELECT member, membership_requested FROM identities")
    assert [(bool(m), bool(r)) for m, r in rows] == [(True, False)]
    codes = await _run(url, "SELECT code_hash, uses_left FROM invites ORDER BY code_hash")
    assert codes == [("b" * 64, 1), ("c" * 64, 0)]
    await migrate.downgrade(url, "0006")
    assert await _run(url, "SELECT count(*) FROM invites") == [(2,)]
