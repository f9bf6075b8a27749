"""The full PII screen: the project's rules plus Presidio/spaCy names and pyap2 addresses.

Rules (`moderation.pii`) find what has structure: phone numbers, e-mails, postcodes, NI and
NHS numbers, dates of birth, handles, and names or addresses next to a cue. A named-entity
model finds what has none — "Yesterday Irina told me…" — and pyap2 finds street addresses
the rules' patterns miss. Findings of all three are merged (`merge_findings`).

The spaCy pipeline ships in a registry package (``PII_SPACY_MODEL``, default
``en_core_web_md``); its files must match the sha256 pins in `moderation.model_pins`.
Without it the screen still runs its rules and says so in `PiiScreen.status`
("PII screen degraded: no NER model"), which the service reports on its health endpoint.

Nothing is loaded at import; `load_pii_screen` loads once (1–2 s) and never raises.
Presidio's e-mail recogniser would fetch the public suffix list at run time: this screen
does not use it, and `OfflineEmailRecognizer` is provided for anyone who does.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from moderation.model_files import ModelFileError, locate
from moderation.model_pins import SPACY_MODELS
from moderation.pii import find_pii
from moderation.pii_types import PiiFinding, PiiKind, merge_findings
from moderation.public_references import drop_public

if TYPE_CHECKING:
    from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_SPACY_MODEL = "en_core_web_md"
DISABLED_VALUES = frozenset({"", "none", "off", "rules", "rules-only"})
# The NER component of these pipelines has its own token-to-vector layer: the tagger,
# parser, lemmatizer and the shared tok2vec are not needed and cost two thirds of the time.
_SPACY_EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
_PRESIDIO_ENTITIES = ["PERSON"]
# Texts per spaCy ``nlp.pipe`` batch: the worker's batches (16) go through in one.
_NER_BATCH_SIZE = 64
_MIN_PERSON_SCORE = 0.5
# Words spaCy's English models tag as PERSON in this forum's posts although they are not
# people: organisations named after people, roles, legal terms, deities.
_NOT_PEOPLE = frozenset(
    [
        "barnardo",
        "barnardo's",
        "mungo",
        "mungo's",
        "salvation",
        "army",
        "shelter",
        "freepost",
        "palermo",
        "echr",
        "nrm",
        "glaa",
        "home",
        "office",
        "police",
        "nhs",
        "gp",
        "esol",
        "dsl",
        "sarc",
        "osman",
        "juju",
        "allah",
        "god",
        "jesus",
        "christ",
        "survivor",
        "survivors",
        "client",
        "clients",
        "caseworker",
        "practitioner",
        "moderator",
        "trafficker",
        "section",
        "article",
        "outcome",
        "board",
        "forum",
        "thread",
        "safety",
        "housing",
        "anonymous",
        "facebook",
        "instagram",
        "tiktok",
        "telegram",
        "whatsapp",
        "snapchat",
        "twitter",
        "linkedin",
        "google",
        "signal",
    ]
)


@dataclass(frozen=True)
class PiiScreenStatus:
    """What the PII screen can see, for health reports.

    Attributes:
        state: ``"ok"`` or ``"degraded"``.
        detail: One line for operators, e.g. "PII screen degraded: no NER model (...)".
    """

    state: str
    detail: str


class PiiScreen:
    """Finds personal data with rules, optionally a spaCy NER model, and pyap2 addresses.

    Build it with `load_pii_screen`; the constructor takes already loaded parts.

    Args:
        analyzer: A Presidio ``AnalyzerEngine`` for PERSON, or None for rules only.
        model_name: Name of the spaCy model behind the analyzer.
        degraded_reason: Why there is no analyzer (shown in `status`).
        addresses: Use pyap2 for street addresses (when installed).
    """

    def __init__(
        self,
        analyzer: Any | None = None,
        *,
        model_name: str | None = None,
        degraded_reason: str | None = None,
        addresses: bool = True,
    ) -> None:
        self._analyzer = analyzer
        self._model_name = model_name
        self._degraded_reason = degraded_reason or "not configured"
        self._pyap = _import_pyap() if addresses else None
        # spaCy pipelines are not documented as thread-safe; the worker calls from threads.
        self._lock = threading.Lock()

    @property
    def has_ner(self) -> bool:
        """Whether a named-entity model is loaded."""
        return self._analyzer is not None

    @property
    def name(self) -> str:
        """Short description for results and logs, e.g. ``"rules+en_core_web_md+pyap2"``."""
        parts = ["rules"]
        if self._analyzer is not None:
            parts.append(str(self._model_name))
        if self._pyap is not None:
            parts.append("pyap2")
        return "+".join(parts)

    @property
    def status(self) -> PiiScreenStatus:
        """``ok`` with NER, otherwise ``degraded`` with the reason."""
        if self._analyzer is not None:
            return PiiScreenStatus("ok", f"PII screen ok: {self.name}")
        return PiiScreenStatus(
            "degraded", f"PII screen degraded: no NER model ({self._degraded_reason})"
        )

    def find(self, text: str) -> list[PiiFinding]:
        """Find personal data in a post.

        Args:
            text: The post text.

        Returns:
            Findings sorted by start, with no two spans overlapping.
        """
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[list[PiiFinding]]:
        """`find` for each text, in order, with one batched pass of the NER model.

        spaCy's ``nlp.pipe`` runs the batch through the model together, which is about twice
        as fast per post as one call per text (bench/offline_screens.py); Presidio's own
        `BatchAnalyzerEngine` turns each document into its results as ``analyze`` would.
        """
        texts = list(texts)
        people = self._people_many(texts)
        found: list[list[PiiFinding]] = []
        for text, names in zip(texts, people, strict=True):
            candidates = list(find_pii(text))
            # pyap2 only recognises a full address (street, town, postcode); skip its large
            # regular expression when the rules found no postcode.
            if self._pyap is not None and any(f.kind == PiiKind.POSTCODE for f in candidates):
                candidates.extend(_pyap_addresses(self._pyap, text))
            candidates.extend(names)
            found.append(drop_public(text, merge_findings(candidates)))
        return found

    def _people_many(self, texts: list[str]) -> list[list[PiiFinding]]:
        """Names the NER model finds, per text (none without a model or in a blank text)."""
        people: list[list[PiiFinding]] = [[] for _ in texts]
        if self._analyzer is None:
            return people
        indexes = [i for i, text in enumerate(texts) if text.strip()]
        if not indexes:
            return people
        from presidio_analyzer import BatchAnalyzerEngine

        batch = BatchAnalyzerEngine(analyzer_engine=self._analyzer)
        with self._lock:
            results = batch.analyze_iterator(
                [texts[i] for i in indexes],
                language="en",
                batch_size=_NER_BATCH_SIZE,
                entities=_PRESIDIO_ENTITIES,
            )
        for i, text_results in zip(indexes, results, strict=True):
            people[i] = list(_people(texts[i], text_results))
        return people


def load_pii_screen(spacy_model: str | None = DEFAULT_SPACY_MODEL) -> PiiScreen:
    """Build the PII screen, falling back to rules only when the model is unavailable.

    Args:
        spacy_model: ``PII_SPACY_MODEL``: a pinned model name (``en_core_web_md``,
            ``en_core_web_sm``), or None/"" /"none" for rules only.

    Returns:
        The screen; check `PiiScreen.status` for whether NER is active.
    """
    name = (spacy_model or "").strip()
    if name.lower() in DISABLED_VALUES:
        return PiiScreen(degraded_reason="PII_SPACY_MODEL is empty")
    pinned = SPACY_MODELS.get(name)
    if pinned is None:
        known = ", ".join(sorted(SPACY_MODELS))
        return PiiScreen(degraded_reason=f"unknown PII_SPACY_MODEL {name!r}; known: {known}")
    try:
        directory = locate(pinned)
        analyzer = build_analyzer(directory)
    except ModelFileError as exc:
        log.warning("PII screen without NER: %s", exc)
        return PiiScreen(degraded_reason=str(exc))
    except (ImportError, OSError, ValueError) as exc:
        log.warning("PII screen without NER: %s: %s", type(exc).__name__, exc)
        return PiiScreen(degraded_reason=f"{name} could not be loaded ({type(exc).__name__})")
    return PiiScreen(analyzer, model_name=name)


def build_analyzer(model_dir: Path) -> Any:
    """A Presidio analyzer over a local spaCy pipeline, recognising PERSON only.

    Args:
        model_dir: Verified spaCy model directory.

    Returns:
        A ``presidio_analyzer.AnalyzerEngine``.

    Raises:
        ImportError: If presidio-analyzer or spaCy is not installed.
        OSError: If spaCy cannot read the model.
    """
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    nlp = spacy.load(model_dir, exclude=list(_SPACY_EXCLUDE))
    ner: Any = nlp.get_pipe("ner")
    labels: tuple[str, ...] = tuple(ner.labels)
    config = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PERSON": "PERSON"},
        labels_to_ignore=[label for label in labels if label != "PERSON"],
    )
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": str(model_dir)}],
        ner_model_configuration=config,
    )
    # Hand Presidio the pipeline loaded above: its own load() would call spacy.load()
    # without exclusions, and would try to download a model name it does not find.
    engine.nlp = cast(Any, {"en": nlp})
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_language="en", supported_entities=["PERSON"]))
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def _people(text: str, results: Sequence[Any]) -> Iterator[PiiFinding]:
    for result in results:
        if result.entity_type != "PERSON" or result.score < _MIN_PERSON_SCORE:
            continue
        start, end = _trim_person(text, int(result.start), int(result.end))
        if end > start and _plausible_person(text[start:end]):
            yield PiiFinding(PiiKind.PERSON_NAME, start, end)


def _trim_person(text: str, start: int, end: int) -> tuple[int, int]:
    span = text[start:end]
    trimmed = re.sub(r"(?:['’]s|['’])$", "", span.rstrip(" .,;:!?"))
    return start, start + len(trimmed)


_STREET_WORD = re.compile(
    r"(?i:street|road|lane|avenue|close|drive|way|court|crescent|place|grove|gardens|terrace"
    r"|square|hill|row|mews|walk|park|parade|view|rise|green|gate|wharf|yard|quay)"
)


def _plausible_person(span: str) -> bool:
    words = span.split()
    if not words or any(ch.isdigit() for ch in span) or len(words) > 4:
        return False
    if not all(word[:1].isupper() for word in words):
        return False
    if any(len(word) > 1 and word.isupper() for word in words):
        return False  # acronyms: NRM, GLAA, DSL
    if _STREET_WORD.fullmatch(words[-1]):
        return False  # "Brook Lane": a street, which the address rules judge
    return not any(word.casefold().strip(".,") in _NOT_PEOPLE for word in words)


# --- pyap2 street addresses ---------------------------------------------------------------


def _import_pyap() -> Any | None:
    try:
        import pyap
    except ImportError:
        return None
    return pyap


# pyap2's UK street rule alone fires on "45 defence early" or "2 an hour"; its full-address
# rule (street, town, postcode) is reliable, and its street part must look like one.
_PYAP_STREET = re.compile(
    r"(?:(?:Flat|Apartment|Apt|Unit|Room|Suite)\.?\s+\d{1,4}[A-Za-z]?,?\s+)?"
    r"\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’.-]*"
)


def _pyap_addresses(pyap: Any, text: str) -> Iterator[PiiFinding]:
    # pyap normalises spaces and commas before matching, so its offsets refer to another
    # string: find each street it reports in the original text instead.
    for address in pyap.parse(text, country="GB"):
        street = str(address.full_street or "").strip(" ,")
        if not _PYAP_STREET.fullmatch(street):
            continue
        tokens = [re.escape(token) for token in re.split(r"[\s,]+", street) if token]
        pattern = re.compile(r"(?<!\w)" + r"[\s,]+".join(tokens) + r"(?!\w)")
        for match in pattern.finditer(text):
            yield PiiFinding(PiiKind.STREET_ADDRESS, match.start(), match.end())


# --- Presidio's e-mail recogniser, offline --------------------------------------------


def offline_email_recognizer() -> Any:
    """Presidio's ``EmailRecognizer`` validating domains against the bundled suffix list.

    The stock recogniser calls ``tldextract.extract``, whose first use downloads the public
    suffix list (and logs a traceback when it cannot). This one uses tldextract's snapshot
    only: no cache directory, no URL, so no network attempt.

    Returns:
        A recogniser instance to add to a Presidio registry.
    """
    import tldextract
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    extractor = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return bool(extractor(pattern_text).fqdn)

    return OfflineEmailRecognizer()
