"""Full-text search over approved posts: SQLite FTS5 or PostgreSQL ``tsvector`` (migration 0013).

The index holds the approved posts of approved threads only (triggers keep it); every query
also checks that the post and its thread are approved *now*, so anything a trigger could ever
miss still never appears. Terms reach the database as bound parameters, each one
quoted (FTS5) or passed through ``plainto_tsquery`` (PostgreSQL): no query syntax from outside.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import PostStatus, SearchHit

APPROVED = PostStatus.APPROVED.value


def _fts5_query(terms: Sequence[str], joiner: str) -> str:
    """An FTS5 query of ``terms``, each a quoted string (so ``NEAR``, ``*``, ``-`` are words)."""
    return joiner.join('"' + term.replace('"', '""') + '"' for term in terms)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def search(
    session: AsyncSession,
    terms: Sequence[str],
    *,
    board_id: int | None,
    offset: int,
    limit: int,
) -> list[SearchHit]:
    """Return approved posts holding every one of ``terms``, best first (ties: lower id first).

    Arguments as `scored_search`, which also gives each hit's score.
    """
    found = await scored_search(session, terms, board_id=board_id, offset=offset, limit=limit)
    return [hit for hit, _ in found]


async def scored_search(
    session: AsyncSession,
    terms: Sequence[str],
    *,
    board_id: int | None,
    offset: int,
    limit: int,
) -> list[tuple[SearchHit, float]]:
    """`search`'s hits with their full-text scores (bm25 / ``-ts_rank``: lower is better).

    Args:
        session: the unit of work.
        terms: plain words (already cleaned by the service), at least one.
        board_id: only this board's threads, or every board.
        offset: how many hits to skip (pages).
        limit: the most hits to return.
    """
    params: dict[str, object] = {
        "approved": APPROVED,
        "board_id": board_id,
        "offset": offset,
        "limit": limit,
    }
    # The index holds exactly the visible posts (migration 0013's triggers): rank it alone,
    # then join only the page. The join's status check is a second guard, never the filter.
    if _dialect(session) == "sqlite":
        # The words in the title and text only; the outcome is the ``board`` column's token.
        words = "{title body} : (" + _fts5_query(terms, " ") + ")"
        params["query"] = words if board_id is None else f'board : "board{board_id}" AND {words}'
        ranked = """
            SELECT rowid AS post_id, rank AS score FROM search_posts
            WHERE search_posts MATCH :query
            ORDER BY rank, rowid LIMIT :limit OFFSET :offset
        """
    else:
        params["query"] = " ".join(terms)
        board = "" if board_id is None else "AND s.board_id = :board_id"
        ranked = f"""
            SELECT s.post_id, -ts_rank(s.document, q.query) AS score
            FROM search_posts s, plainto_tsquery('english', :query) AS q(query)
            WHERE s.document @@ q.query {board}
            ORDER BY score, s.post_id LIMIT :limit OFFSET :offset
        """  # noqa: S608 - as above
    sql = f"""
        WITH ranked AS ({ranked})
        SELECT p.id, p.thread_id, t.title, b.slug, p.is_opening, p.body, p.pseudonym,
               ranked.score
        FROM ranked
        JOIN posts p ON p.id = ranked.post_id
        JOIN threads t ON t.id = p.thread_id
        JOIN boards b ON b.id = t.board_id
        WHERE p.status = :approved AND t.status = :approved
        ORDER BY ranked.score, p.id
    """  # noqa: S608 - only the fixed statement above is formatted in
    rows = (await session.execute(text(sql), params)).all()
    return [
        (
            SearchHit(
                post_id=row[0],
                thread_id=row[1],
                thread_title=row[2],
                board_slug=row[3],
                is_opening=bool(row[4]),
                body=row[5],
                author_pseudonym=row[6],
            ),
            float(row[7]),
        )
        for row in rows
    ]


async def similar_threads(
    session: AsyncSession, terms: Sequence[str], *, limit: int
) -> list[SearchHit]:
    """Return approved threads whose title shares any of ``terms``, best first (then by id).

    This is the one ranking of "similar threads" (``/new``): a re-ranking by meaning belongs
    in the service function that calls it, ``SearchService.similar_threads``.
    """
    params: dict[str, object] = {"approved": APPROVED, "limit": limit}
    if _dialect(session) == "sqlite":
        params["query"] = "title : (" + _fts5_query(terms, " OR ") + ")"
        sql = """
            SELECT p.id, p.thread_id, t.title, b.slug, p.is_opening, p.body, p.pseudonym,
                   bm25(search_posts, 1.0, 0.0, 0.0) AS score
            FROM search_posts
            JOIN posts p ON p.id = search_posts.rowid
            JOIN threads t ON t.id = p.thread_id
            JOIN boards b ON b.id = t.board_id
            WHERE search_posts MATCH :query AND p.is_opening
              AND p.status = :approved AND t.status = :approved
            ORDER BY score, p.id
            LIMIT :limit
        """
    else:
        # Any of the words: each through plainto_tsquery (stop words drop out), OR-ed.
        params.update({f"w{i}": term for i, term in enumerate(terms)})
        query = " || ".join(f"plainto_tsquery('english', :w{i})" for i in range(len(terms)))
        sql = f"""
            SELECT p.id, p.thread_id, t.title, b.slug, p.is_opening, p.body, p.pseudonym,
                   -ts_rank(s.title_document, q.query) AS score
            FROM search_posts s
            CROSS JOIN (SELECT {query}) AS q(query)
            JOIN posts p ON p.id = s.post_id
            JOIN threads t ON t.id = p.thread_id
            JOIN boards b ON b.id = t.board_id
            WHERE s.title_document @@ q.query AND p.is_opening
              AND p.status = :approved AND t.status = :approved
            ORDER BY score, p.id
            LIMIT :limit
        """  # noqa: S608 - only numbered placeholders are formatted in; values are bound
    rows = (await session.execute(text(sql), params)).all()
    return [
        SearchHit(
            post_id=row[0],
            thread_id=row[1],
            thread_title=row[2],
            board_slug=row[3],
            is_opening=True,
            body=row[5],
            author_pseudonym=row[6],
        )
        for row in rows
    ]
