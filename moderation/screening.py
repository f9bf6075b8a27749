"""Screen a batch of posts: score, find PII and watched words, route — failing closed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from moderation.pii import PiiFinding, find_pii
from moderation.policy import ModerationPolicy, ScreeningResult
from moderation.risk_patterns import match_risk_patterns
from moderation.scoring import Scorer, ScorerError
from moderation.watchwords import WatchedWord, match_watched_words

logger = logging.getLogger(__name__)


def screen_texts(
    texts: Sequence[str],
    *,
    scorer: Scorer | None,
    policy: ModerationPolicy,
    watched_words: Sequence[WatchedWord] = (),
    find_personal_data: Callable[[str], list[PiiFinding]] = find_pii,
    risk_patterns: bool = False,
) -> list[ScreeningResult]:
    """Screen posts in one model batch.

    If there is no scorer, or it raises `ScorerError`, or it returns the wrong number of
    results, every post of the batch is routed NOT_SCREENED (still with its PII findings and
    watched words) so that it reaches the human queue. Nothing is logged about the texts.

    Args:
        texts: Post texts.
        scorer: The model, or None when it could not be loaded.
        policy: The routing policy.
        watched_words: Watched words that apply to these posts.
        find_personal_data: The PII screen, e.g. ``load_pii_screen(...).find``; rules only
            (`find_pii`) by default.
        risk_patterns: Also flag quiet threats and attempts to locate or identify someone
            (`moderation.risk_patterns`), as FLAG watched-word matches.

    Returns:
        One result per text, in order.
    """
    if isinstance(texts, str):
        raise TypeError("screen_texts() takes a sequence of texts, not a single string")
    scores: Sequence[Mapping[str, float] | None] = [None] * len(texts)
    scorer_name: str | None = None
    if scorer is not None and texts:
        try:
            batch = scorer.score(texts)
            if len(batch) != len(texts):
                raise ScorerError(f"{scorer.name} returned {len(batch)} results for {len(texts)}")
        except ScorerError as exc:
            logger.warning(
                "scorer %s failed; %d post(s) routed as not screened: %s",
                scorer.name,
                len(texts),
                exc,
            )
        else:
            scores, scorer_name = batch, scorer.name
    return [
        policy.decide(
            score,
            find_personal_data(text),
            sorted(
                [
                    *match_watched_words(text, watched_words),
                    *(match_risk_patterns(text) if risk_patterns else []),
                ],
                key=lambda m: (m.start, m.end, m.word),
            ),
            scorer_name if score is not None else None,
        )
        for text, score in zip(texts, scores, strict=True)
    ]
