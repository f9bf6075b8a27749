"""Turn scores, PII findings and watched-word matches into a routing decision.

The policy never rejects a post: it decides which queue lane a post goes to, how urgently
moderators should look at it, and why. Practitioners on this forum discuss trafficking,
rape and threats for a living, and toxicity models score such posts high; a human decides.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from types import MappingProxyType

from moderation.labels import LABELS
from moderation.pii import PII_KIND_DESCRIPTIONS, PiiFinding
from moderation.risk_patterns import URGENT_REASONS
from moderation.watchwords import WatchAction, WatchMatch

NOT_SCREENED_PRIORITY = 2.0
PII_PRIORITY = 2.0
#: Added for an urgent post; the queue puts the urgent lane first whatever the ranks are.
URGENT_PRIORITY = 3.0
WATCH_PRIORITY: Mapping[WatchAction, float] = MappingProxyType(
    {WatchAction.BLOCK: 1.5, WatchAction.FLAG: 1.0, WatchAction.REQUIRE_REVIEW: 0.5}
)


@dataclass(frozen=True)
class Thresholds:
    """Per-label score at or above which a post is flagged.

    Defaults follow Discourse AI's Detoxify defaults. Every value must lie in (0, 1].
    """

    toxicity: float = 0.80
    severe_toxicity: float = 0.30
    obscene: float = 0.80
    identity_attack: float = 0.60
    insult: float = 0.60
    threat: float = 0.60
    sexual_explicit: float = 0.60
    abuse: float = 0.60

    def __post_init__(self) -> None:
        for field in fields(self):
            _check_threshold(field.name, getattr(self, field.name))

    @classmethod
    def from_mapping(cls, m: Mapping[str, float]) -> Thresholds:
        """Build thresholds from configuration, keeping defaults for labels not given.

        Args:
            m: Label → threshold, e.g. ``{"threat": 0.5}``.

        Returns:
            The thresholds.

        Raises:
            ValueError: On an unknown label or a value that is not a number in (0, 1].
        """
        unknown = sorted(set(m) - set(LABELS))
        if unknown:
            raise ValueError(
                f"unknown moderation label(s): {', '.join(unknown)}; "
                f"known labels are {', '.join(LABELS)}"
            )
        for label, value in m.items():
            _check_threshold(label, value)
        return cls(**{label: float(value) for label, value in m.items()})

    def for_label(self, label: str) -> float:
        """Return the threshold of one label.

        Args:
            label: One of `LABELS`.

        Returns:
            The threshold.

        Raises:
            KeyError: If the label is unknown.
        """
        if label not in LABELS:
            raise KeyError(label)
        value: float = getattr(self, label)
        return value

    def as_dict(self) -> dict[str, float]:
        """Return label → threshold, in `LABELS` order."""
        return asdict(self)


def _check_threshold(label: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"threshold for {label} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and 0.0 < value <= 1.0):
        raise ValueError(f"threshold for {label} must be greater than 0 and at most 1, got {value}")


class Route(StrEnum):
    """The lane of the moderation queue a post goes to."""

    #: Locating or identifying someone, a threat, or the author's own crisis: first in the
    #: queue, every moderator alerted at once.
    URGENT = "urgent"
    FLAGGED = "flagged"
    REVIEW = "review"
    LOW_RISK = "low_risk"
    NOT_SCREENED = "not_screened"


@dataclass(frozen=True)
class ScreeningResult:
    """The policy's decision on one post, with everything a moderator needs to see why.

    Attributes:
        route: Queue lane.
        priority: Higher means review sooner; see `ModerationPolicy.decide`.
        reasons: Human-readable explanations, most important first.
        scores: Label → probability, or None when the post was not screened by a model.
        pii: Personal-data findings (spans only).
        watch_matches: Watched-word matches (spans only).
        scorer: Name of the scorer that produced the scores, or None.
        urgent_reasons: Why the post is urgent, in words fit for an alert (never the post's
            own words); empty unless ``route`` is URGENT.
    """

    route: Route
    priority: float
    reasons: tuple[str, ...]
    scores: Mapping[str, float] | None
    pii: tuple[PiiFinding, ...]
    watch_matches: tuple[WatchMatch, ...]
    scorer: str | None
    urgent_reasons: tuple[str, ...] = ()

    @property
    def auto_approvable(self) -> bool:
        """Whether a board set to "auto-approve low-risk" may publish without a human.

        True only for LOW_RISK: screened by a model, under every threshold, no PII finding
        and no watched word.
        """
        return self.route is Route.LOW_RISK


class ModerationPolicy:
    """Routes posts to the moderation queue; never rejects.

    Args:
        thresholds: Per-label thresholds (defaults when omitted).
    """

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds if thresholds is not None else Thresholds()

    def decide(
        self,
        scores: Mapping[str, float] | None,
        pii: Sequence[PiiFinding],
        watch_matches: Sequence[WatchMatch],
        scorer: str | None,
    ) -> ScreeningResult:
        """Route one post.

        Routing, first rule that applies:

        0. An urgent risk pattern (`moderation.risk_patterns.URGENT_REASONS`: locating or
           identifying someone, a threat, the author's own crisis) → URGENT, screened by a
           model or not (the "not screened" reason is kept).
        1. ``scores is None`` (model unavailable or failed) → NOT_SCREENED.
        2. A label at or above its threshold, any PII finding, or a FLAG/BLOCK watched
           word → FLAGGED.
        3. A REQUIRE_REVIEW watched word → REVIEW.
        4. Otherwise → LOW_RISK (humans still decide unless the board auto-approves).

        Priority is a sum, higher first::

            priority = model + pii + watch + urgent
            urgent = 3.0 for an urgent post, else 0
            model = 2.0 if not screened, else max over labels of score / threshold
                    (>= 1.0 exactly when some label is over its threshold; 0 if no labels)
            pii   = 2.0 if any PII finding, else 0
            watch = largest of 1.5 (block), 1.0 (flag), 0.5 (require review), else 0

        So an unscreened post or one with PII outranks any post flagged on one label by
        less than twice its threshold, and combinations add up.

        Args:
            scores: Label → probability from a scorer, or None when not screened.
                Labels outside `LABELS` are ignored; missing labels are not judged.
            pii: PII findings for the post.
            watch_matches: Watched-word matches for the post.
            scorer: Name of the scorer, recorded with the result.

        Returns:
            The decision.

        Raises:
            ValueError: If a score is not a finite number in [0, 1].
        """
        reasons: list[str] = []
        label_reasons: list[str] = []
        if scores is None:
            model_priority = NOT_SCREENED_PRIORITY
            reasons.append("not screened: model unavailable")
            frozen_scores: Mapping[str, float] | None = None
        else:
            frozen_scores = MappingProxyType(check_scores(scores))
            model_priority, label_reasons = self._judge_scores(frozen_scores)
            reasons.extend(label_reasons)

        if pii:
            counts = Counter(finding.kind for finding in pii)
            reasons.extend(
                f"PII: {PII_KIND_DESCRIPTIONS.get(kind, kind)} ({count})"
                for kind, count in counts.items()
            )

        actions = {match.action for match in watch_matches}
        seen_words: dict[str, WatchAction] = {}
        for match in watch_matches:
            seen_words.setdefault(match.word, match.action)
        reasons.extend(
            f'watched word: "{word}" ({action.value.replace("_", " ")})'
            for word, action in seen_words.items()
        )

        urgent = tuple(
            dict.fromkeys(URGENT_REASONS[m.word] for m in watch_matches if m.word in URGENT_REASONS)
        )
        if urgent:
            route = Route.URGENT
            reasons[:0] = [f"urgent: {reason}" for reason in urgent]
        elif scores is None:
            route = Route.NOT_SCREENED
        elif label_reasons or pii or actions & {WatchAction.FLAG, WatchAction.BLOCK}:
            route = Route.FLAGGED
        elif WatchAction.REQUIRE_REVIEW in actions:
            route = Route.REVIEW
        else:
            route = Route.LOW_RISK
            reasons.append("under every threshold; no PII; no watched word")

        priority = (
            model_priority
            + (PII_PRIORITY if pii else 0.0)
            + max((WATCH_PRIORITY[action] for action in actions), default=0.0)
            + (URGENT_PRIORITY if urgent else 0.0)
        )
        return ScreeningResult(
            route=route,
            priority=round(priority, 6),
            reasons=tuple(reasons),
            scores=frozen_scores,
            pii=tuple(pii),
            watch_matches=tuple(watch_matches),
            scorer=scorer,
            urgent_reasons=urgent,
        )

    def _judge_scores(self, scores: Mapping[str, float]) -> tuple[float, list[str]]:
        ratios: list[tuple[float, str]] = []
        over: list[tuple[float, str]] = []
        for label in LABELS:
            if label not in scores:
                continue
            threshold = self.thresholds.for_label(label)
            score = scores[label]
            ratio = score / threshold
            ratios.append((ratio, label))
            if score >= threshold:
                over.append((ratio, f"{label} {score:.2f} ≥ {threshold:.2f}"))
        over.sort(key=lambda item: item[0], reverse=True)
        return max((ratio for ratio, _ in ratios), default=0.0), [text for _, text in over]


def check_scores(scores: Mapping[str, float]) -> dict[str, float]:
    """Return the scores as plain floats.

    Raises:
        ValueError: If a score is not a finite number in [0, 1].
    """
    checked: dict[str, float] = {}
    for label, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"score for {label} must be a number, got {type(value).__name__}")
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"score for {label} must be within 0..1, got {value}")
        checked[label] = float(value)
    return checked
