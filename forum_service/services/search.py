"""Search approved threads and posts, and find threads similar to a new title.

Whatever is typed becomes plain words (letters and digits; quotes, ``*``, ``-``, ``NEAR``,
parentheses and colons are no syntax here), which the repository hands the database's own
full-text search one by one. Pending, rejected, held, hidden and withdrawn posts are never in
the index, and every query checks the post and its thread are approved.

Where the sentence-embedding model is loaded (`SearchService.use_encoder`), the first
``RERANK_CANDIDATES`` full-text hits of a query are re-ranked by meaning and paged from that
order (later pages continue in the database's order), and similar threads are filtered and
ordered by meaning (`forum_service.services.meaning`). Re-ranking only reorders what full-text
search returned. Without the model, or when it fails, search is full-text only, as before.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from forum_service.clock import Clock, utc_now
from forum_service.domain import DomainError, NotFound, SearchHit, SearchPage
from forum_service.services.meaning import Reranker, TextEncoder
from forum_service.storage import boards_repo, search_repo
from forum_service.storage.database import Database

#: Results per page.
PAGE_SIZE = 5
#: The longest query (characters) and the most words of it that count.
QUERY_MAX = 200
TERMS_MAX = 10
#: Similar threads shown in /new.
SIMILAR_MAX = 3
#: Full-text hits re-ranked by meaning (whole pages: later pages keep the database's order).
RERANK_CANDIDATES = 50
#: Threads sharing a title word that are compared by meaning for "similar threads".
SIMILAR_CANDIDATES = 20
#: What /readyz says of search.
FULL_TEXT_ONLY = "search: full-text only"
assert RERANK_CANDIDATES % PAGE_SIZE == 0

log = logging.getLogger(__name__)

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
        self._reranker: Reranker | None = None
        self._state = ("full_text_only", f"{FULL_TEXT_ONLY} (no sentence model loaded)")

    def use_encoder(self, encoder: TextEncoder) -> None:
        """Re-rank by meaning with ``encoder`` from now on (the process's shared encoder)."""
        self._reranker = Reranker(encoder)
        self._state = ("ok", f"search: full-text, re-ranked by meaning ({encoder.name})")

    def full_text_only(self, reason: str) -> None:
        """Search by words alone from now on, and say why in /readyz."""
        self._reranker = None
        self._state = ("full_text_only", f"{FULL_TEXT_ONLY} ({reason})")

    def loading(self) -> None:
        """The model is being loaded: full-text only until it is."""
        self._state = ("full_text_only", f"{FULL_TEXT_ONLY} (sentence model loading)")

    @property
    def state(self) -> tuple[str, str]:
        """``(state, detail)`` for /readyz: ``ok`` when re-ranking by meaning."""
        return self._state

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
            offset = (page - 1) * PAGE_SIZE
            reranker = self._reranker
            if reranker is not None and offset < RERANK_CANDIDATES:
                pool = await search_repo.scored_search(
                    session, terms, board_id=board_id, offset=0, limit=RERANK_CANDIDATES + 1
                )
            else:
                reranker = None
                hits = await search_repo.search(
                    session, terms, board_id=board_id, offset=offset, limit=PAGE_SIZE + 1
                )
        if reranker is not None:
            ranked = await self._rerank(reranker, " ".join(_WORD.findall(query)), pool)
            shown = ranked[offset : offset + PAGE_SIZE]
            # The one hit fetched past the candidates says whether a later page exists.
            has_more = offset + PAGE_SIZE < len(ranked) or len(pool) > RERANK_CANDIDATES
        else:
            shown, has_more = hits[:PAGE_SIZE], len(hits) > PAGE_SIZE
        return (
            SearchPage(hits=tuple(shown), page=page, has_more=has_more),
            [Found(hit, excerpt(hit.body, terms)) for hit in shown],
        )

    async def similar_threads(self, title: str) -> list[SearchHit]:
        """Up to three approved threads whose titles share a telling word with ``title``.

        Full-text only, the ranking is the database's (title words, bm25 / ts_rank, ties by
        id). With the sentence model, the best ``SIMILAR_CANDIDATES`` of those are compared by
        meaning, and only threads as alike as `meaning.SIMILAR_THRESHOLD` are kept, most alike
        first.
        """
        try:
            words = query_terms(title)
        except DomainError:  # nothing to compare with: no similar threads
            return []
        terms = [term for term in words if len(term) > 2 and term not in _COMMON]
        if not terms:
            return []
        reranker = self._reranker
        limit = SIMILAR_MAX if reranker is None else SIMILAR_CANDIDATES
        async with self._db.read("similar_threads") as session:
            candidates = await search_repo.similar_threads(session, terms, limit=limit)
        if reranker is None:
            return candidates
        try:
            alike = await reranker.similar(title, candidates, limit=SIMILAR_MAX)
        except Exception as exc:  # the model failing never fails /new: words alone
            log.warning("similar threads by meaning failed (%s): by words", type(exc).__name__)
            return candidates[:SIMILAR_MAX]
        return [hit for hit, _ in alike]

    async def _rerank(
        self, reranker: Reranker, query: str, pool: list[tuple[SearchHit, float]]
    ) -> list[SearchHit]:
        """The first ``RERANK_CANDIDATES`` of ``pool`` by meaning (the database's order when
        the model fails: search never fails for it)."""
        candidates = pool[:RERANK_CANDIDATES]
        try:
            return await reranker.rerank(query, candidates)
        except Exception as exc:  # type only: a model error may quote the text
            log.warning("re-ranking by meaning failed (%s): full-text order", type(exc).__name__)
            return [hit for hit, _ in candidates]
