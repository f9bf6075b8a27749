"""Reviewable patterns for abuse that contains no abusive words.

Toxicity models score words. A quiet threat ("Your daughter looked happy at the school
gates"), surveillance ("You left work at six yesterday") or an attempt to locate or identify
a survivor, a witness or a member ("Which hostel did they put the lad in?") has none, and
passes them. These patterns catch such posts for a moderator. They never reject: each
match becomes a FLAG watched-word match, so the moderator sees which pattern fired and where.

Each pattern has a kind (:class:`RiskKind`). Locating or identifying someone, threats and the
author's own crisis (first-person disclosures of self-harm or suicidal intent) are *urgent*:
the policy routes them to the urgent lane, ahead of everything else in the queue, and every
moderator is alerted (``URGENT_REASONS`` says why, in words fit for an alert). The crisis
patterns also run synchronously when a post is created, so its author is shown where to find
help at once (:func:`discloses_crisis`).

Practitioners quote threats and describe stalking for a living, so a pattern does not fire
inside quotation marks, or in a sentence that reports speech ("he said", "the messages
said", "she was told"). A crisis pattern needs the author's own first person ("I", "myself")
and is only silenced by reported *speech*, not by words of fear ("I'm so scared I can't go on"
is a disclosure, not a report). Every pattern is listed below with the behaviour it targets;
bench/offline_screens.py measures them against the professional posts of the evaluation set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from moderation.textfold import fold
from moderation.watchwords import WatchAction, WatchMatch

PATTERN_PREFIX = "pattern: "


class RiskKind(StrEnum):
    """What a pattern is about; the first three are urgent."""

    LOCATING = "locating"  # tries to locate or identify a survivor, a witness or a member
    THREAT = "threat"  # threatens someone, openly or veiled, or shows surveillance
    CRISIS = "crisis"  # the author's own crisis: self-harm or suicidal intent
    ABUSE = "abuse"  # hate or harassment: flagged, not urgent


#: Why an urgent post is urgent, per kind, as an alert says it (never the post's words).
URGENT_KINDS: Mapping[RiskKind, str] = MappingProxyType(
    {
        RiskKind.CRISIS: "the author may be in crisis (self-harm or suicidal thoughts)",
        RiskKind.LOCATING: "it may try to locate or identify someone",
        RiskKind.THREAT: "it may threaten someone",
    }
)


@dataclass(frozen=True)
class RiskPattern:
    """One reviewable pattern.

    Attributes:
        label: What the pattern flags, shown to moderators (e.g. "locating a person").
        regex: The pattern (compiled case-insensitive).
        kind: What it is about (urgent or not).
    """

    label: str
    regex: re.Pattern[str]
    kind: RiskKind


def _p(label: str, pattern: str, kind: RiskKind) -> RiskPattern:
    return RiskPattern(label, re.compile(pattern, re.IGNORECASE), kind)


_PERSON = (
    r"(?:she|he|they|her|him|them|the\s+(?:[\w'-]+\s+){0,3}?"
    r"(?:girl|boy|woman|man|lad|lass|kid|child|witness|survivor|victim|client|family|mother"
    r"|wife|cousin|sister|brother|daughter|son|worker))"
)
_PLACE = (
    r"(?:refuge|hostel|safe\s*house|school|town|city|area|house|flat|address|office|hotel"
    r"|foster\s+(?:carer|home|family)|charity|organi[sz]ation|placement)"
)
_REQUEST = (
    r"(?:(?:does|do|can|could|would|will)\s+(?:anyone|anybody|someone|somebody|you)"
    r"(?:\s+here)?\s+(?:know|tell\s+me|give\s+me|send\s+me|share|confirm)"
    r"|(?:tell|give|send|show)\s+me|let\s+me\s+know|i\s+(?:need|want)\s+to\s+(?:know|find)"
    r"|i'?m\s+(?:trying|looking)\s+to\s+find|whoever\s+(?:is|knows))"
)
_I_WILL = (
    r"(?:i|we)(?:'ll|\s+will|\s+shall|'m\s+going\s+to|\s+am\s+going\s+to|'re\s+going\s+to"
    r"|\s+are\s+going\s+to|'m\s+gonna|\s+am\s+gonna)"
)
_HARM = (
    r"(?:kill|hurt|stab|shoot|burn|smash|break|beat|batter|hunt|cut|bleed|destroy|ruin"
    r"|strangle|slap|punch|kick)"
)
#: "I", "I'm", "I've", "I am", "I have": crisis patterns need the author's own first person.
_I_AM = r"i(?:'m|'ve|\s+am|\s+have)?"
#: Nothing more in this clause: "I can't go on." but not "I can't go on the course".
_CLAUSE_END = r"\s*(?:[.!?,;:)]|$|\s(?:and|but|so)\b)"

#: The label of every crisis pattern, as moderators see it.
CRISIS_LABEL = "discloses their own crisis (self-harm or suicidal thoughts)"

PATTERNS: tuple[RiskPattern, ...] = (
    # --- locating or identifying a survivor, witness or member -----------------------------
    _p(
        "asks where a person is",
        rf"\b{_REQUEST}\b[^.?!]{{0,40}}?\b(?:where|which\s+{_PLACE})\b[^.?!]{{0,50}}?\b{_PERSON}\b",
        RiskKind.LOCATING,
    ),
    _p(
        "asks where a person is",
        rf"(?:^|[.?!]\s+|\n)(?:where|which\s+{_PLACE})\b[^.?!]{{0,60}}?\b{_PERSON}\b[^.?!]*\?",
        RiskKind.LOCATING,
    ),
    _p(
        "asks for a person's details",
        r"\b(?:give|send|tell|pass|post|share|dm|pm)\s+(?:me|us)\s+(?:the\s+|her\s+|his\s+)?"
        r"(?:new\s+|real\s+|home\s+|contact\s+|phone\s+)?"
        r"(?:address|number|details|name|location|whereabouts)\b",
        RiskKind.LOCATING,
    ),
    _p(
        "asks for a person's details",
        r"\bi\s+(?:need|want)\s+(?:the|her|his|their)\s+(?:new\s+|real\s+|home\s+)?"
        r"(?:address|phone\s+number|number|details|real\s+name|location)\s+of\b",
        RiskKind.LOCATING,
    ),
    _p(
        "asks for a person's details",
        r"\bwhat(?:'s|\s+is)\s+(?:the|her|his|their)\s+(?:[\w'’]+\s+){0,2}?"
        r"(?:real\s+name|new\s+address|home\s+address|address|phone\s+number)\b",
        RiskKind.LOCATING,
    ),
    _p(
        "asks for a person's details",
        r"\bpost\s+the\s+(?:name|address|location)\s+of\b",
        RiskKind.LOCATING,
    ),
    _p(
        "asks for a person's details",
        r"\b(?:anyone|anybody|someone)\s+knows\s+(?:the\s+)?(?:new\s+|real\s+|home\s+)?"
        r"(?:address|whereabouts|location|real\s+name)\b",
        RiskKind.LOCATING,
    ),
    _p(
        "tries to identify a member",
        r"\bwho\s+is\s+[^.?!]{0,60}\bin\s+real\s+life\b"
        r"|\bwhich\s+(?:charity|organi[sz]ation|office|team|council|service)\s+do(?:es)?\s+"
        r"(?:they|you|he|she)\s+work\b",
        RiskKind.LOCATING,
    ),
    # --- surveillance and veiled threats --------------------------------------------------
    _p(
        "says they know where someone is",
        r"\b(?:i|we)\s+know\s+(?:exactly\s+)?(?:where|which|who|what)\s+(?:[\w'’]+\s+){0,3}?"
        r"(?:you|your)\b",
        RiskKind.THREAT,
    ),
    _p(
        "says they watched someone",
        r"\b(?:i|we)\s+(?:saw|watched|followed|have\s+seen|'ve\s+seen)\s+you\b"
        r"|\byou\s+left\s+(?:work|the\s+office|home|the\s+refuge|the\s+centre)\s+at\b",
        RiskKind.THREAT,
    ),
    _p(
        "mentions a member's family",
        r"\byour\s+(?:daughter|son|kids|children|child|wife|husband|partner|family|mum|mother)"
        r"\s+(?:looked|looks|seemed|was|were|goes|go|walks|walk|plays|play)\b",
        RiskKind.THREAT,
    ),
    _p(
        "veiled threat",
        r"\bit\s+would\s+be\s+a\s+(?:shame|pity)\s+if\b|\baccidents\s+happen\b"
        r"|\b(?:hate|shame)\s+for\s+(?:anything|something)\s+to\s+happen\b"
        r"|\bbe\s+(?:more\s+|very\s+)?careful\s+(?:about\s+)?what\s+you\s+(?:post|say|write)\b"
        r"|\bpeople\s+(?:who|that)\s+(?:talk|speak|snitch|grass)\b[^.?!]{0,40}"
        r"\b(?:end\s+up|regret|get\s+hurt|disappear)",
        RiskKind.THREAT,
    ),
    _p(
        "warns against giving evidence",
        r"\bthink\s+(?:very\s+|really\s+)?(?:carefully|twice|hard|about\s+your\s+(?:own\s+)?"
        r"(?:family|kids|children))\s+before\s+(?:you\s+)?(?:giving|give|testify|testifying"
        r"|talking|talk|speaking|speak|reporting|report|posting|post)\b",
        RiskKind.THREAT,
    ),
    _p(
        "says they will find someone",
        rf"\b{_I_WILL}\s+(?:always\s+)?(?:find|get|reach)\s+(?:her|him|them|you)\b",
        RiskKind.THREAT,
    ),
    # --- explicit threats in the first person ---------------------------------------------
    _p(
        "threatens violence",
        rf"\b{_I_WILL}\s+(?:[\w'’]+\s+){{0,6}}?{_HARM}\w*\b[^.?!]{{0,40}}?\b(?:you|your)\b",
        RiskKind.THREAT,
    ),
    _p(
        "threatens violence",
        r"\bput\s+a\s+bullet\s+in\b|\byou(?:'ll|\s+will)\s+end\s+up\s+(?:in\s+(?:hospital"
        r"|a\s+ditch|the\s+ground|a\s+box)|dead|hurt)\b"
        r"|\bi\s+hope\s+(?:something|someone)\s+(?:[\w'’]+\s+){0,2}?(?:happens|does)\s+"
        r"(?:\w+\s+)?to\s+you\b",
        RiskKind.THREAT,
    ),
    # --- the author's own crisis: first-person self-harm or suicidal intent --------------
    _p(
        CRISIS_LABEL,
        r"\b(?:kill(?:ing)?\s+myself|tak(?:e|ing)\s+my\s+(?:own\s+)?life"
        r"|end(?:ing)?\s+my\s+(?:own\s+)?life)\b(?!\s+laughing)",
        RiskKind.CRISIS,
    ),
    _p(
        CRISIS_LABEL,
        rf"\b{_I_AM}\s+(?:just\s+|really\s+|honestly\s+)?(?:want|wanna|need|going|gonna"
        r"|planning|ready|decided|about)\s+(?:to\s+)?end\s+it(?:\s+all)?"
        rf"(?={_CLAUSE_END}|\s+(?:now|tonight|today|soon)\b)",
        RiskKind.CRISIS,
    ),
    _p(
        CRISIS_LABEL,
        r"\bi\s+(?:just\s+|really\s+|honestly\s+|simply\s+)?(?:can'?t|cannot|can\s+not)\s+"
        r"(?:(?:(?:go|carry)\s+on|keep\s+going|live\s+like\s+this)"
        rf"(?:\s+(?:any\s*more|like\s+this))?(?={_CLAUSE_END})"
        r"|(?:take|do)\s+(?:it|this)\s+any\s*more\b)",
        RiskKind.CRISIS,
    ),
    _p(
        CRISIS_LABEL,
        rf"\b{_I_AM}\s+(?:just\s+|really\s+)?(?:want|wanna)\s+to\s+die\b"
        r"|\bi\s+wish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)\b"
        r"|\bi\s+(?:don'?t|do\s+not|no\s+longer)\s+want\s+to\s+(?:be\s+alive|live|exist)"
        rf"(?:\s+any\s*more)?(?={_CLAUSE_END})"
        r"|\bi(?:'ve|\s+have)?\s+(?:got\s+)?nothing\s+(?:left\s+)?to\s+live\s+for\b",
        RiskKind.CRISIS,
    ),
    _p(
        CRISIS_LABEL,
        r"\bi(?:'m|\s+am|\s+feel|'ve\s+been|\s+have\s+been|'ve\s+been\s+feeling"
        r"|\s+have\s+been\s+feeling|'m\s+feeling|\s+am\s+feeling|\s+keep\s+feeling)\s+"
        r"(?:so\s+|really\s+|very\s+|quite\s+)?suicidal"
        rf"(?={_CLAUSE_END}|\s+(?:again|today|tonight|now|lately|recently|and|but)\b)"
        r"|\bi(?:'m|\s+am|'ve\s+been|\s+have\s+been|\s+keep)\s+having\s+suicidal\s+"
        r"(?:thoughts|feelings)\b",
        RiskKind.CRISIS,
    ),
    _p(
        CRISIS_LABEL,
        r"\bi(?:'ve|\s+have)?\s+(?:been\s+|started\s+|keep\s+|'m\s+|am\s+)?"
        r"(?:cutting|self[-\s]?harming|hurting|harming|burning)\s+myself\b"
        r"|\bi(?:'ve|\s+have)\s+(?:been|started)\s+(?:cutting|self[-\s]?harming)(?:\s+again)?"
        rf"(?={_CLAUSE_END})"
        r"|\bi(?:'ve|\s+have)?\s+(?:started\s+)?self[-\s]?harm(?:ed|ing)?(?:\s+again)?\b",
        RiskKind.CRISIS,
    ),
    # --- hate and harassment without slurs ------------------------------------------------
    _p(
        "attacks a group",
        r"\byou\s+people\s+are\b|\bsend\s+(?:the\s+lot\s+of\s+)?them\s+(?:all\s+)?back\b"
        r"|\b(?-i:[A-Z][a-z]+)s\s+are\s+(?:all\s+)?(?:criminals|thieves|liars"
        r"|animals|scum|vermin|parasites)\b",
        RiskKind.ABUSE,
    ),
    _p(
        "sexual harassment",
        r"\bsend\s+me\s+(?:a\s+)?(?:photo|pic|picture|nudes?)\b|\bget\s+you\s+alone\b"
        r"|\b(?:was|were|is)\s+asking\s+for\s+it\b",
        RiskKind.ABUSE,
    ),
)

#: Match word ("pattern: <label>") → why it is urgent, for every urgent pattern.
URGENT_REASONS: Mapping[str, str] = MappingProxyType(
    {
        PATTERN_PREFIX + pattern.label: URGENT_KINDS[pattern.kind]
        for pattern in PATTERNS
        if pattern.kind in URGENT_KINDS
    }
)
CRISIS_WORD = PATTERN_PREFIX + CRISIS_LABEL

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_QUOTED = re.compile(r"(?<![\w])['‘\"“][^'‘’\"“”]{2,300}?['’\"”](?![\w])")
_REPORTED = re.compile(
    r"\b(?:said|says|saying|told|tells|threatened|threatening|warned|wrote|written|texted"
    r"|messaged|messages?|screamed|shouted|repeated|called|suggested|claimed|implied|argued"
    r"|asked\s+her|asked\s+him|believes?|feared?|frightened|worried|scared|afraid)\b",
    re.IGNORECASE,
)
#: Reported speech only: a crisis disclosure may well say how frightened its author is.
_REPORTED_SPEECH = re.compile(
    r"\b(?:said|says|saying|told|tells|telling|wrote|written|writes|texted|messaged|messages?"
    r"|screamed|shouted|repeated|called|claimed|asked|asks|disclosed|discloses|admitted"
    r"|mentioned|explained|posted|quote|quoted)\b",
    re.IGNORECASE,
)


def discloses_crisis(text: str) -> bool:
    """Whether the text discloses its author's own crisis (self-harm or suicidal intent).

    Rules only and fast (no model): the create path runs it before answering, so the author
    is shown where to find help at once.
    """
    return any(match.word == CRISIS_WORD for match in match_risk_patterns(text))


def match_risk_patterns(text: str) -> list[WatchMatch]:
    """Find quiet threats, surveillance and attempts to locate or identify someone.

    Args:
        text: The post text.

    Returns:
        FLAG matches named ``"pattern: <label>"``, sorted by start; at most one per
        sentence and label.
    """
    # On the folded form (moderation.textfold), like watched words: invisible characters,
    # fullwidth letters and look-alikes from other scripts do not hide a pattern.
    # Case is kept: one pattern tells a group's name by its capital letter.
    folded = fold(text, casefold=False)
    return [
        WatchMatch(m.word, m.action, *folded.span(m.start, m.end))
        for m in _match_folded(folded.text)
    ]


def _match_folded(text: str) -> list[WatchMatch]:
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    found: dict[tuple[int, str], WatchMatch] = {}
    for sentence in _SENTENCE.finditer(text):
        for match, kind in _matches_in(text, sentence.start(), sentence.end()):
            if any(start <= match.start and match.end <= end for start, end in quoted):
                continue
            lead = text[sentence.start() : match.start]
            if (_REPORTED_SPEECH if kind is RiskKind.CRISIS else _REPORTED).search(lead):
                continue
            found.setdefault((sentence.start(), match.word), match)
    return sorted(found.values(), key=lambda m: (m.start, m.end, m.word))


def _matches_in(text: str, start: int, end: int) -> Iterator[tuple[WatchMatch, RiskKind]]:
    # Sentence-initial patterns look back one sentence boundary, so search from the
    # previous boundary but keep only matches that start inside this sentence.
    window_start = max(0, start - 2)
    for pattern in PATTERNS:
        for found in pattern.regex.finditer(text, window_start, end):
            if found.end() <= start:
                continue
            yield (
                WatchMatch(
                    PATTERN_PREFIX + pattern.label,
                    WatchAction.FLAG,
                    max(found.start(), start),
                    found.end(),
                ),
                pattern.kind,
            )
