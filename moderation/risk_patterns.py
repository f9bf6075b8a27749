"""Reviewable patterns for abuse that contains no abusive words.

Toxicity models score words. A quiet threat ("Your daughter looked happy at the school
gates"), surveillance ("You left work at six yesterday") or an attempt to locate or identify
a survivor, a witness or a member ("Which hostel did they put the lad in?") has none, and
passes them. These patterns catch such posts for a moderator. They never reject: each
match becomes a FLAG watched-word match, so the moderator sees which pattern fired and where.

Practitioners quote threats and describe stalking for a living, so a pattern does not fire
inside quotation marks, or in a sentence that reports speech ("he said", "the messages
said", "she was told"). Every pattern is listed below with the behaviour it targets;
bench/offline_screens.py measures them against the professional posts of the evaluation set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from moderation.textfold import fold
from moderation.watchwords import WatchAction, WatchMatch

PATTERN_PREFIX = "pattern: "


@dataclass(frozen=True)
class RiskPattern:
    """One reviewable pattern.

    Attributes:
        label: What the pattern flags, shown to moderators (e.g. "locating a person").
        regex: The pattern (compiled case-insensitive).
    """

    label: str
    regex: re.Pattern[str]


def _p(label: str, pattern: str) -> RiskPattern:
    return RiskPattern(label, re.compile(pattern, re.IGNORECASE))


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

PATTERNS: tuple[RiskPattern, ...] = (
    # --- locating or identifying a survivor, witness or member -----------------------------
    _p(
        "asks where a person is",
        rf"\b{_REQUEST}\b[^.?!]{{0,40}}?\b(?:where|which\s+{_PLACE})\b[^.?!]{{0,50}}?\b{_PERSON}\b",
    ),
    _p(
        "asks where a person is",
        rf"(?:^|[.?!]\s+)(?:where|which\s+{_PLACE})\b[^.?!]{{0,60}}?\b{_PERSON}\b[^.?!]*\?",
    ),
    _p(
        "asks for a person's details",
        r"\b(?:give|send|tell|pass|post|share|dm|pm)\s+(?:me|us)\s+(?:the\s+|her\s+|his\s+)?"
        r"(?:new\s+|real\s+|home\s+|contact\s+|phone\s+)?"
        r"(?:address|number|details|name|location|whereabouts)\b",
    ),
    _p(
        "asks for a person's details",
        r"\bi\s+(?:need|want)\s+(?:the|her|his|their)\s+(?:new\s+|real\s+|home\s+)?"
        r"(?:address|phone\s+number|number|details|real\s+name|location)\s+of\b",
    ),
    _p(
        "asks for a person's details",
        r"\bwhat(?:'s|\s+is)\s+(?:the|her|his|their)\s+(?:[\w'’]+\s+){0,2}?"
        r"(?:real\s+name|new\s+address|home\s+address|address|phone\s+number)\b",
    ),
    _p(
        "asks for a person's details",
        r"\bpost\s+the\s+(?:name|address|location)\s+of\b",
    ),
    _p(
        "asks for a person's details",
        r"\b(?:anyone|anybody|someone)\s+knows\s+(?:the\s+)?(?:new\s+|real\s+|home\s+)?"
        r"(?:address|whereabouts|location|real\s+name)\b",
    ),
    _p(
        "tries to identify a member",
        r"\bwho\s+is\s+[^.?!]{0,60}\bin\s+real\s+life\b"
        r"|\bwhich\s+(?:charity|organi[sz]ation|office|team|council|service)\s+do(?:es)?\s+"
        r"(?:they|you|he|she)\s+work\b",
    ),
    # --- surveillance and veiled threats --------------------------------------------------
    _p(
        "says they know where someone is",
        r"\b(?:i|we)\s+know\s+(?:exactly\s+)?(?:where|which|who|what)\s+(?:[\w'’]+\s+){0,3}?"
        r"(?:you|your)\b",
    ),
    _p(
        "says they watched someone",
        r"\b(?:i|we)\s+(?:saw|watched|followed|have\s+seen|'ve\s+seen)\s+you\b"
        r"|\byou\s+left\s+(?:work|the\s+office|home|the\s+refuge|the\s+centre)\s+at\b",
    ),
    _p(
        "mentions a member's family",
        r"\byour\s+(?:daughter|son|kids|children|child|wife|husband|partner|family|mum|mother)"
        r"\s+(?:looked|looks|seemed|was|were|goes|go|walks|walk|plays|play)\b",
    ),
    _p(
        "veiled threat",
        r"\bit\s+would\s+be\s+a\s+(?:shame|pity)\s+if\b|\baccidents\s+happen\b"
        r"|\b(?:hate|shame)\s+for\s+(?:anything|something)\s+to\s+happen\b"
        r"|\bbe\s+(?:more\s+|very\s+)?careful\s+(?:about\s+)?what\s+you\s+(?:post|say|write)\b"
        r"|\bpeople\s+(?:who|that)\s+(?:talk|speak|snitch|grass)\b[^.?!]{0,40}"
        r"\b(?:end\s+up|regret|get\s+hurt|disappear)",
    ),
    _p(
        "warns against giving evidence",
        r"\bthink\s+(?:very\s+|really\s+)?(?:carefully|twice|hard|about\s+your\s+(?:own\s+)?"
        r"(?:family|kids|children))\s+before\s+(?:you\s+)?(?:giving|give|testify|testifying"
        r"|talking|talk|speaking|speak|reporting|report|posting|post)\b",
    ),
    _p(
        "says they will find someone",
        rf"\b{_I_WILL}\s+(?:always\s+)?(?:find|get|reach)\s+(?:her|him|them|you)\b",
    ),
    # --- explicit threats in the first person ---------------------------------------------
    _p(
        "threatens violence",
        rf"\b{_I_WILL}\s+(?:[\w'’]+\s+){{0,6}}?{_HARM}\w*\b[^.?!]{{0,40}}?\b(?:you|your)\b",
    ),
    _p(
        "threatens violence",
        r"\bput\s+a\s+bullet\s+in\b|\byou(?:'ll|\s+will)\s+end\s+up\s+(?:in\s+(?:hospital"
        r"|a\s+ditch|the\s+ground|a\s+box)|dead|hurt)\b"
        r"|\bi\s+hope\s+(?:something|someone)\s+(?:[\w'’]+\s+){0,2}?(?:happens|does)\s+"
        r"(?:\w+\s+)?to\s+you\b",
    ),
    # --- hate and harassment without slurs ------------------------------------------------
    _p(
        "attacks a group",
        r"\byou\s+people\s+are\b|\bsend\s+(?:the\s+lot\s+of\s+)?them\s+(?:all\s+)?back\b"
        r"|\b(?-i:[A-Z][a-z]+)s\s+are\s+(?:all\s+)?(?:criminals|thieves|liars"
        r"|animals|scum|vermin|parasites)\b",
    ),
    _p(
        "sexual harassment",
        r"\bsend\s+me\s+(?:a\s+)?(?:photo|pic|picture|nudes?)\b|\bget\s+you\s+alone\b"
        r"|\b(?:was|were|is)\s+asking\s+for\s+it\b",
    ),
)

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_QUOTED = re.compile(r"(?<![\w])['‘\"“][^'‘’\"“”]{2,300}?['’\"”](?![\w])")
_REPORTED = re.compile(
    r"\b(?:said|says|saying|told|tells|threatened|threatening|warned|wrote|written|texted"
    r"|messaged|messages?|screamed|shouted|repeated|called|suggested|claimed|implied|argued"
    r"|asked\s+her|asked\s+him|believes?|feared?|frightened|worried|scared|afraid)\b",
    re.IGNORECASE,
)


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
        for match in _matches_in(text, sentence.start(), sentence.end()):
            if any(start <= match.start and match.end <= end for start, end in quoted):
                continue
            lead = text[sentence.start() : match.start]
            if _REPORTED.search(lead):
                continue
            found.setdefault((sentence.start(), match.word), match)
    return sorted(found.values(), key=lambda m: (m.start, m.end, m.word))


def _matches_in(text: str, start: int, end: int) -> Iterator[WatchMatch]:
    # Sentence-initial patterns look back one sentence boundary, so search from the
    # previous boundary but keep only matches that start inside this sentence.
    window_start = max(0, start - 2)
    for pattern in PATTERNS:
        for found in pattern.regex.finditer(text, window_start, end):
            if found.end() <= start:
                continue
            yield WatchMatch(
                PATTERN_PREFIX + pattern.label,
                WatchAction.FLAG,
                max(found.start(), start),
                found.end(),
            )
