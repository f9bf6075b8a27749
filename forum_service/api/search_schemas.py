"""Bodies of following, search and similar threads (issue 17)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from forum_service.api.board_schemas import ThreadOut
from forum_service.domain import SearchHit


class Following(BaseModel):
    """Whether I follow a thread."""

    thread_id: int
    following: bool


class FollowingList(BaseModel):
    """The approved threads I follow, most recently followed first."""

    threads: list[ThreadOut]


class SearchHitOut(BaseModel):
    """One approved post found (an opening post stands for its thread)."""

    post_id: int
    thread_id: int
    thread_title: str
    board: str
    is_opening: bool
    author: str = Field(description="the post's per-thread pseudonym")
    excerpt: str = Field(description="the text around the first word searched for")

    @classmethod
    def of(cls, hit: SearchHit, excerpt: str) -> SearchHitOut:
        """Convert a domain hit."""
        return cls(
            post_id=hit.post_id,
            thread_id=hit.thread_id,
            thread_title=hit.thread_title,
            board=hit.board_slug,
            is_opening=hit.is_opening,
            author=hit.author_pseudonym,
            excerpt=excerpt,
        )


class SearchResults(BaseModel):
    """One page of results, best first (ties: older post first)."""

    results: list[SearchHitOut]
    page: int
    has_more: bool


class SimilarThreads(BaseModel):
    """Up to three approved threads whose titles look like the one given."""

    threads: list[SearchHitOut]
