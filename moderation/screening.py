"""The one screening pipeline: score, find PII, watched words and risk patterns, route.

It fails closed. Whatever goes wrong with the scorer — no model, a `ScorerError`, any other
exception, a wrong number of results, a malformed score, or no answer within the timeout —
every post of the batch is still routed (NOT_SCREENED, the high-priority lane), keeps its PII
findings and watched words, and the caller is told why in `ScreeningBatch.scorer_failure`.
A PII screen that fails falls back to the rule-based screen and says so in `pii_failure`.
Nothing here logs or returns post text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from moderation.labels import LABELS
from moderation.pii import PiiFinding, find_pii
from moderation.policy import ModerationPolicy, ScreeningResult, check_scores
from moderation.risk_patterns import match_risk_patterns
from moderation.scoring import Scorer, ScorerError
from moderation.watchwords import WatchedWord, match_watched_words

logger = logging.getLogger(__name__)

LABELS_SET = frozenset(LABELS)

#: Batched PII screen: one list of findings per text, in order (e.g. `PiiScreen.find_many`).
FindPersonalData = Callable[[Sequence[str]], list[list[PiiFinding]]]


def find_pii_rules(texts: Sequence[str]) -> list[list[PiiFinding]]:
    """The rule-based PII screen over a batch (the fallback when no NER model is loaded)."""
    return [find_pii(text) for text in texts]


@dataclass(frozen=True, slots=True)
class ScreeningBatch:
    """What screening a batch produced.

    Attributes:
        results: One routing decision per text, in order.
        scorer_failure: Why the scorer gave no usable scores (None when it did, or when
            there was no scorer at all). Safe to log: it never contains post text.
        pii_failure: Why the configured PII screen failed and rules were used instead.
    """

    results: tuple[ScreeningResult, ...]
    scorer_failure: str | None = None
    pii_failure: str | None = None


def screen_texts(
    texts: Sequence[str],
    *,
    scorer: Scorer | None,
    policy: ModerationPolicy,
    watched_words: Sequence[WatchedWord] = (),
    find_personal_data: FindPersonalData = find_pii_rules,
    risk_patterns: bool = False,
    scorer_timeout: float | None = None,
    scorer_calls: ScorerCalls | None = None,
) -> ScreeningBatch:
    """Screen posts in one model batch, failing closed (see the module docstring).

    This is blocking work (model inference, NER): async callers run it in a thread.

    Args:
        texts: Post texts.
        scorer: The model, or None when none is configured or it could not be loaded.
        policy: The routing policy.
        watched_words: Watched words that apply to these posts.
        find_personal_data: The batched PII screen; rules only by default.
        risk_patterns: Also flag quiet threats and attempts to locate or identify someone
            (`moderation.risk_patterns`), as FLAG watched-word matches.
        scorer_timeout: Give up on the scorer this many seconds after the PII screen is done
            and the batch waits for it (None: wait).
        scorer_calls: Runs the scorer in its thread. A long-lived caller passes the
            same one each time, so that while a hung call still holds the scorer, later
            batches fail at once instead of piling up threads.

    Returns:
        The results, in order, and what failed.
    """
    if isinstance(texts, str):
        raise TypeError("screen_texts() takes a sequence of texts, not a single string")
    texts = list(texts)
    # The model runs in its own thread while this one runs the PII screen: torch releases
    # the GIL during inference, so on two cores the two screens overlap instead of queueing.
    scoring = _start_scoring(texts, scorer, scorer_calls)
    findings, pii_failure = _find_personal_data(texts, find_personal_data)
    scores, scorer_failure = _score(texts, scorer, scoring, scorer_timeout)
    if scorer_failure is not None:
        logger.warning("%s; %d post(s) routed as not screened", scorer_failure, len(texts))
    if pii_failure is not None:
        logger.warning("%s for %d post(s)", pii_failure, len(texts))
    scorer_name = scorer.name if scorer is not None and scores is not None else None
    per_text: list[dict[str, float] | None] = list(scores) if scores else [None] * len(texts)
    results = tuple(
        policy.decide(
            text_scores,
            text_findings,
            sorted(
                [
                    *match_watched_words(text, watched_words),
                    *(match_risk_patterns(text) if risk_patterns else []),
                ],
                key=lambda m: (m.start, m.end, m.word),
            ),
            scorer_name,
        )
        for text, text_scores, text_findings in zip(texts, per_text, findings, strict=True)
    )
    return ScreeningBatch(results, scorer_failure, pii_failure)


class ScorerTimeout(Exception):
    """The scorer did not answer in time (or is still busy with a batch that did not)."""


class ScorerCalls:
    """Runs scorer calls in their own thread with a deadline, one at a time.

    Each call runs in a daemon thread: a `concurrent.futures` pool would do, but its worker
    threads are joined when the interpreter exits, so one scorer stuck in native code would
    keep the whole service from shutting down. A call that overran its deadline keeps the
    scorer; until it returns, later calls fail at once rather than start more threads.
    """

    def __init__(self) -> None:
        self._overran: threading.Thread | None = None

    def start(self, scorer: Scorer, texts: list[str]) -> ScorerCall:
        """Start ``scorer.score(texts)`` in a thread; `ScorerCall.result` waits for it.

        Raises:
            ScorerTimeout: An earlier call that overran its deadline is still running.
        """
        if self._overran is not None and self._overran.is_alive():
            raise ScorerTimeout("still busy with an earlier batch that overran its deadline")
        self._overran = None
        return ScorerCall(self, scorer, texts)

    def call(self, scorer: Scorer, texts: list[str], timeout: float) -> list[dict[str, float]]:
        """Return ``scorer.score(texts)``, or raise its exception.

        Raises:
            ScorerTimeout: No answer within ``timeout`` seconds, or an earlier call that
                overran is still running.
        """
        return self.start(scorer, texts).result(timeout)

    def _overrun(self, thread: threading.Thread) -> None:
        self._overran = thread


class ScorerCall:
    """One scorer call running in its own thread (made by `ScorerCalls.start`)."""

    def __init__(self, calls: ScorerCalls, scorer: Scorer, texts: list[str]) -> None:
        self._calls = calls
        self._outcome: dict[str, object] = {}
        self._thread = threading.Thread(
            target=self._run, args=(scorer, texts), name=f"scorer-{scorer.name}", daemon=True
        )
        self._thread.start()

    def _run(self, scorer: Scorer, texts: list[str]) -> None:
        try:
            self._outcome["result"] = scorer.score(texts)
        except BaseException as error:  # handed to the caller's thread by result()
            self._outcome["error"] = error

    def result(self, timeout: float | None) -> list[dict[str, float]]:
        """Wait for the scores, at most ``timeout`` seconds from now.

        The deadline counts from the wait, not from the start: the scorer runs while the
        caller does other work (the PII screen), and that work's time is not the scorer's.

        Raises:
            ScorerTimeout: No answer within ``timeout`` seconds of waiting.
        """
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._calls._overrun(self._thread)
            raise ScorerTimeout(f"gave no answer within {timeout:g}s")
        if "error" in self._outcome:
            raise self._outcome["error"]  # type: ignore[misc]
        return self._outcome["result"]  # type: ignore[return-value]


def _start_scoring(
    texts: list[str], scorer: Scorer | None, calls: ScorerCalls | None
) -> ScorerCall | ScorerTimeout | None:
    """Start the scorer on the batch, or say why it cannot start (None: nothing to score)."""
    if scorer is None or not texts:
        return None
    try:
        return (calls or ScorerCalls()).start(scorer, texts)
    except ScorerTimeout as error:
        return error


def _score(
    texts: list[str],
    scorer: Scorer | None,
    scoring: ScorerCall | ScorerTimeout | None,
    timeout: float | None,
) -> tuple[list[dict[str, float]] | None, str | None]:
    """Return checked scores, or None and why not. Never raises for a scorer's fault."""
    if scorer is None or scoring is None:
        return None, None
    try:
        if isinstance(scoring, ScorerTimeout):
            raise scoring
        batch = scoring.result(timeout)
        if not isinstance(batch, list) or len(batch) != len(texts):
            count = len(batch) if isinstance(batch, list) else type(batch).__name__
            raise ScorerError(f"returned {count} results for {len(texts)} texts")
        checked = [check_scores(_mapping(item)) for item in batch]
        if any(not LABELS_SET & item.keys() for item in checked):
            # {} or labels of another model: the policy would judge nothing and call it low risk.
            raise ScorerError("returned no moderation label (" + ", ".join(LABELS) + ")")
    except ScorerTimeout as error:
        return None, f"scorer {scorer.name} {error}"
    except ScorerError as error:
        return None, f"scorer {scorer.name} failed: {error}"
    # A scorer is third-party code: any exception it raises means "not screened", never a lost
    # batch. Only the exception's type is reported; its message could quote the text.
    except Exception as error:
        return None, f"scorer {scorer.name} failed: {type(error).__name__}"
    return checked, None


def _mapping(item: object) -> Mapping[str, float]:
    if not isinstance(item, Mapping):
        raise ScorerError(f"returned a {type(item).__name__} instead of a label → score mapping")
    return item


def _find_personal_data(
    texts: list[str], find: FindPersonalData
) -> tuple[list[list[PiiFinding]], str | None]:
    try:
        findings = find(texts)
        if len(findings) != len(texts):
            raise ValueError(f"returned {len(findings)} results for {len(texts)} texts")
    except Exception as error:  # the NER screen is third-party code too: fall back to rules
        return find_pii_rules(texts), f"PII screen failed ({type(error).__name__}); rules used"
    return findings, None
