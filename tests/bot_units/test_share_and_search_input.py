"""A thread's shared link and invite codes cannot be taken for each other; /search's outcome
prefix; the search query's words."""

from __future__ import annotations

import pytest

from bot.handlers.community import share_link, shared_thread_id, split_query
from forum_service import domain
from forum_service.domain import DomainError
from forum_service.services.search import query_terms


def test_the_share_link_carries_t_and_the_thread_id() -> None:
    link = share_link("forum_bot", 42)
    assert link == "https://t.me/forum_bot?start=t42"
    assert shared_thread_id(link.split("start=")[1]) == 42


@pytest.mark.parametrize("payload", ["t0", "t012", "T12", "t12x", "12", "t", "t" + "9" * 20, ""])
def test_payloads_that_are_not_a_threads_link(payload: str) -> None:
    assert shared_thread_id(payload) is None


def test_invite_codes_never_look_like_a_threads_link(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["t123456789012345", "t999", "Ab3-_xYz09QwErTy"])
    monkeypatch.setattr(domain.secrets, "token_urlsafe", lambda _n: next(drawn))
    code = domain.new_invite_code()
    assert code == "Ab3-_xYz09QwErTy" and shared_thread_id(code) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("housing: cuckooing", ("housing", "cuckooing")),
        ("  Housing :  tenancy rights ", ("housing", "tenancy rights")),
        ("cuckooing", (None, "cuckooing")),
        ("long-term-support: key worker", ("long-term-support", "key worker")),
        ("what is: this", (None, "what is: this")),
        ("", (None, "")),
    ],
)
def test_search_outcome_prefix(text: str, expected: tuple[str | None, str]) -> None:
    assert split_query(text) == expected


def test_query_terms_are_plain_words_in_order_without_repeats() -> None:
    assert query_terms('"Cuckooing" NEAR(flat* -flat) cuckooing') == ["cuckooing", "near", "flat"]
    with pytest.raises(DomainError) as empty:
        query_terms('"*-()^:')
    assert empty.value.code == "query_empty"
    with pytest.raises(DomainError) as long:
        query_terms("a" * 201)
    assert long.value.code == "query_too_long"
