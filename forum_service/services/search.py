"""Search approved threads and posts, and find threads similar to a new title.

Whatever is typed becomes plain words (letters and digits; quotes, ``*``, ``-``, ``NEAR``,
parentheses and colons are no syntax here), which the repository hands the database's own
full-text search one by one. Pending, rejected, held, hidden and withdrawn posts are never in
the index, and every query checks the post and its thread are approved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forum_service.clock import Clock, utc_now
from forum_service.domain import DomainError, NotFound, SearchHit, SearchPage
from forum_service.storage import boards_repo, search_repo
from forum_service.storage.database import Database

#: Results per page.
PAGE_SIZE = 5
#: The longest query (characters) and the most words of it that count.
QUERY_MAX = 200
TERMS_MAX = 10
#: Similar threads shown in /new.
SIMILAR_MAX = 3

_WORD = re.compile(r"\w+")
#: Words too common to say two titles are alike (similar threads match *any* title word).
# fmt: off
_COMMON = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "how", "in",
    "is", "it", "its", "of", "on", "or", "our", "the", "to", "was", "we", "what", "when",
    "where", "which", "who", "why", "with", "you", "your", "can", "do", "does", "about",
))
# fmt: on


def query_terms(query: str) -> list[str]:
    """The words of ``query`` that are searched, lower-cased, in order, without repeats.

    Raises:
        DomainError: ``query_empty`` when there is no word in it, ``query_too_long`` past
            ``QUERY_MAX`` characters.
    """
    if len(query) > QUERY_MAX:
        raise DomainError("query_too_long", f"search for at most {QUERY_MAX} characters")
    terms = list(dict.fromkeys(word.lower() for word in _WORD.findall(query)))
    if not terms:
        raise DomainError("query_empty", "search for at least one word")
    return terms[:TERMS_MAX]


def excerpt(body: str, terms: list[str], width: int = 160) -> str:
    """A window of ``body`` around the first searched word it contains (or its start)."""
    lowered = body.lower()
    at = min((i for i in (lowered.find(term) for term in terms) if i >= 0), default=0)
    start = max(0, at - width // 4)
    piece = body[start : start + width].replace("\n", " ").strip()
    return ("…" if start else "") + piece + ("…" if start + width < len(body) else "")


@dataclass(frozen=True, slots=True)
class Found:
    """A search hit and the excerpt of its text to show."""

    hit: SearchHit
    excerpt: str


class SearchService:
    """Full-text search for members.

    Args:
        db: the database.
        clock: time source (unused by reads; kept for the services' common shape).
    """

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def search(
        self, query: str, *, board: str | None, page: int
    ) -> tuple[SearchPage, list[Found]]:
        """One page of approved posts holding every word of ``query``, best first.

        Raises:
            DomainError: ``query_empty``/``query_too_long``; NotFound: ``board_not_found``.
        """
        terms = query_terms(query)
        async with self._db.read("search") as session:
            board_id = None
            if board:
                found = await boards_repo.board_by_slug(session, board.lower())
                if found is None:
                    raise NotFound("board_not_found", f"there is no outcome called {board!r}")
                board_id = found.id
            hits = await search_repo.search(
                session,
                terms,
                board_id=board_id,
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE + 1,
            )
        shown = hits[:PAGE_SIZE]
        return (
            SearchPage(hits=tuple(shown), page=page, has_more=len(hits) > PAGE_SIZE),
            [Found(hit, excerpt(hit.body, terms)) for hit in shown],
        )

    async def similar_threads(self, title: str) -> list[SearchHit]:
        """Up to three approved threads whose titles share a telling word with ``title``.

        The ranking is the database's (title words, bm25 / ts_rank, ties by id); re-ranking
        by meaning, where the sentence-embedding model is installed, belongs here.
        """
        try:
            words = query_terms(title)
        except DomainError:  # nothing to compare with: no similar threads
            return []
        terms = [term for term in words if len(term) > 2 and term not in _COMMON]
        if not terms:
            return []
        async with self._db.read("similar_threads") as session:
            return await search_repo.similar_threads(session, terms, limit=SIMILAR_MAX)
