"""Screen post text for personal data with rules: phones, e-mails, postcodes, addresses, names.

UK identifiers, dates of birth and social-media handles are in `moderation.pii_ids`; the
named-entity screen that adds names and addresses without a cue is `moderation.ner`.

The screen favours recall on the kinds that identify a survivor directly (phone numbers,
e-mail addresses, postcodes) and stays conservative on free-form kinds (street addresses,
names), which it only finds with a strong textual cue. A finding records a span and a kind,
never the matched text, so findings can be logged and stored without copying the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import phonenumbers

from moderation.pii_ids import (
    find_dates_of_birth,
    find_nhs_numbers,
    find_ni_numbers,
    find_social_handles,
)
from moderation.pii_types import PII_KIND_DESCRIPTIONS, PiiFinding, PiiKind, merge_findings
from moderation.public_references import drop_public

__all__ = ["PII_KIND_DESCRIPTIONS", "PiiFinding", "PiiKind", "find_pii", "redact"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def find_pii(text: str) -> list[PiiFinding]:
    """Find personal data in a post.

    Args:
        text: The post text.

    Returns:
        Findings sorted by start, with no two spans overlapping.
    """
    return drop_public(text, _find_all(text))


def _find_all(text: str) -> list[PiiFinding]:
    return merge_findings(
        [
            *_find_emails(text),
            *find_social_handles(text),
            *find_nhs_numbers(text),
            *find_ni_numbers(text),
            *_find_phones(text),
            *find_dates_of_birth(text),
            *_find_postcodes(text),
            *_find_street_addresses(text),
            *_find_person_names(text),
        ]
    )


def redact(text: str, findings: Sequence[PiiFinding]) -> str:
    """Replace every finding's span with ``[redacted <kind>]``.

    Args:
        text: The text the findings were made on.
        findings: Spans to replace; overlapping spans are merged into the earlier one.

    Returns:
        The redacted text.

    Raises:
        ValueError: If a span lies outside the text.
    """
    pieces: list[str] = []
    cursor = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if not 0 <= finding.start <= finding.end <= len(text):
            raise ValueError(f"finding span {finding.start}..{finding.end} is outside the text")
        if finding.start < cursor:
            continue
        pieces.append(text[cursor : finding.start])
        pieces.append(f"[redacted {finding.kind}]")
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces)


# --- phone numbers ----------------------------------------------------------------------

# A number introduced by one of these words is a reference, not a phone number, even when
# the digits happen to form a valid number ("NRM reference 1234567890").
_REFERENCE_CUE = re.compile(
    r"(?i:\b(?:ref|refs|reference|crime|case|incident|log|claim|account|acct|invoice|policy"
    r"|passport|visa|nrm|crn|urn|ucrn|nino|ni|nhs|hmrc|cheque|order|serial|file)"
    r"\b[\s.:#-]*(?:no\.?|num(?:ber)?\.?|nr\.?|id)?[\s.:#-]*)$"
)


# PhoneNumberMatcher splits two numbers separated only by a space ("07700 900123 07700
# 900456") into fragments; this stricter UK pattern recovers each number whole.
_UK_NUMBER = re.compile(r"(?<![\w+/])\(?0\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?![\w/])")


def _find_phones(text: str) -> Iterator[PiiFinding]:
    matcher = phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE)
    for match in matcher:
        if _looks_like_phone(text, match.start, match.end, match.raw_string, match.number):
            yield PiiFinding(PiiKind.PHONE, match.start, match.end)
    for candidate in _UK_NUMBER.finditer(text):
        try:
            number = phonenumbers.parse(candidate.group(0), "GB")
        except phonenumbers.NumberParseException:
            continue
        if _looks_like_phone(text, candidate.start(), candidate.end(), candidate.group(0), number):
            yield PiiFinding(PiiKind.PHONE, candidate.start(), candidate.end())


def _looks_like_phone(
    text: str, start: int, end: int, raw: str, number: phonenumbers.PhoneNumber
) -> bool:
    # Numbers as people write them start with "+", "00" or the UK trunk "0"; digit runs that
    # do not (years, amounts, reference numbers, dates) are ignored even if they parse.
    lead = raw.lstrip("(")
    digits = sum(ch.isdigit() for ch in raw)
    if lead.startswith(("+", "00")):
        if digits < 9:
            return False
    elif not lead.startswith("0") or digits < 10:
        return False
    if "/" in raw or re.search(r"\d[-.]$", text[max(0, start - 2) : start]):
        return False
    # A short digit group across a slash makes the run part of a reference or a date
    # ("2023/0045123", "01/123456/23"); two full numbers around a slash are still numbers.
    before = re.search(r"(\d+)\s?/\s?$", text[max(0, start - 12) : start])
    after = re.match(r"\s?/\s?(\d+)", text[end : end + 12])
    if (before and len(before.group(1)) < 5) or (after and len(after.group(1)) < 5):
        return False
    if _REFERENCE_CUE.search(text[max(0, start - 40) : start]):
        return False
    if _is_service_line(number):
        return False
    # Drama-reserved and unallocated ranges are not "valid" but are still numbers someone
    # could dial or mistype; a possible number of a full length is enough.
    return bool(phonenumbers.is_valid_number(number) or phonenumbers.is_possible_number(number))


# UK freephone (0800, 0808, 0500) and non-geographic (03xx) numbers belong to organisations
# (helplines, councils, charities), never to a person: a post that gives one is pointing to a
# service. The short service numbers (116 xxx, 111, 999, 112) are too short to be flagged.
_SERVICE_LINE_PREFIXES = ("800", "808", "500", "3")


def _is_service_line(number: phonenumbers.PhoneNumber) -> bool:
    national = phonenumbers.national_significant_number(number)
    return number.country_code == 44 and national.startswith(_SERVICE_LINE_PREFIXES)


# --- e-mail addresses -------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){0,8}\.[A-Za-z]{2,24}(?![\w-])"
)

_BRACKET_AT = r"\s*[(\[{<]\s*at\s*[)\]}>]\s*"
_BRACKET_DOT = r"\s*[(\[{<]\s*dot\s*[)\]}>]\s*"
_WORD_AT = r"\s+at\s+"
_WORD_DOT = r"\s+dot\s+"
_LABEL = r"[a-z0-9](?:[a-z0-9_%+-]{0,62})"
_DOT = rf"(?:{_BRACKET_DOT}|{_WORD_DOT}|\.)"
_OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.+-])(?P<local>{_LABEL}(?:{_DOT}{_LABEL}){{0,4}})"
    rf"(?P<at>{_BRACKET_AT}|{_WORD_AT}|\s+@\s*|\s*@\s+)"
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL}){{1,5}})(?![\w-])",
    re.IGNORECASE,
)
_LAST_LABEL = re.compile(rf"(?:{_DOT})(?P<tld>{_LABEL})$", re.IGNORECASE)
_KNOWN_TLDS = _words(
    "com org net uk gov nhs ac edu info io biz co me eu int mil police sch ltd plc "
    "ro pl lt lv al bg cz sk hu ua ru ng gh vn cn in pk bd ph th ie fr de it es pt nl be "
    "gr tr er et so sd ly sy af ir iq ke ug za us ca au nz"
)
# "meet me at example.org" names a website, not a mailbox; these local parts are ordinary
# words that precede "at" in prose.
_PROSE_BEFORE_AT = _words(
    "me us him her them it this that look looking looked arrive arrived arriving meet met "
    "based work works worked working stay stayed staying live lives lived living available "
    "find found see seen held office online posted published listed"
)


def _find_emails(text: str) -> Iterator[PiiFinding]:
    for match in _EMAIL.finditer(text):
        yield PiiFinding(PiiKind.EMAIL, match.start(), match.end())
    for match in _OBFUSCATED_EMAIL.finditer(text):
        if "@" in match.group(0) and _EMAIL.fullmatch(re.sub(r"\s+", "", match.group(0))):
            # Spaces around a plain "@" are a (weak) obfuscation too.
            yield PiiFinding(PiiKind.EMAIL, match.start(), match.end())
            continue
        tld = _LAST_LABEL.search(match.group("domain"))
        if tld is None or tld.group("tld").lower() not in _KNOWN_TLDS:
            continue
        if re.fullmatch(_WORD_AT, match.group("at"), re.IGNORECASE) and (
            match.group("local").lower() in _PROSE_BEFORE_AT
        ):
            continue
        yield PiiFinding(PiiKind.EMAIL, match.start(), match.end())


# --- postcodes --------------------------------------------------------------------------

_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?P<outward>[A-Za-z]{1,2}[0-9][A-Za-z0-9]?)[ \t\u00a0]{0,2}"
    r"(?P<inward>[0-9][A-Za-z]{2})(?![A-Za-z0-9])"
)
_POSTCODE_AREAS = _words(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN "
    "DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY "
    "L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM "
    "S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN "
    "WR WS WV YO ZE"
)
_OUTWARD_SHAPE = re.compile(r"[A-Z]{1,2}[0-9]{1,2}|[A-Z]{1,2}[0-9][A-Z]")
_INWARD_LETTERS = frozenset("ABDEFGHJLNPQRSTUWXYZ")


def _find_postcodes(text: str) -> Iterator[PiiFinding]:
    for match in _POSTCODE.finditer(text):
        outward = match.group("outward").upper()
        inward = match.group("inward")
        area = outward[:2] if outward[1].isalpha() else outward[:1]
        if area not in _POSTCODE_AREAS or not _OUTWARD_SHAPE.fullmatch(outward):
            continue
        if not set(inward[1:].upper()) <= _INWARD_LETTERS:
            continue
        # "S1 2nd", "B1 1st": an ordinal after a code-like token is prose, unless shouted.
        if inward[1:].lower() in {"st", "nd", "rd", "th"} and not inward[1:].isupper():
            continue
        yield PiiFinding(PiiKind.POSTCODE, match.start(), match.end())


# --- street addresses -------------------------------------------------------------------

_STREET_SUFFIX = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Court|Ct|Crescent|Cres"
    r"|Place|Pl|Grove|Gardens|Gdns|Terrace|Tce|Square|Sq|Hill|Row|Mews|Walk|Park|Parade"
    r"|View|Rise|Green|Gate|Wharf|Yard|Villas|Vale|Parkway|Boulevard|Broadway|Quay|Heights"
    r"|Fields|Meadows?|Chase|Croft|Circus|Embankment|Wynd|Brae)"
)
_UNIT = r"(?:Flat|Apartment|Apt|Unit|Room|Suite|Maisonette)\.?\s+[0-9]{1,4}[A-Za-z]?"
# Three digits at most: a four-digit number before a street name is far more often a year.
_HOUSE_NUMBER = r"[0-9]{1,3}[A-Za-z]?(?:-[0-9]{1,3}[A-Za-z]?)?"
_NOT_AFTER = r"(?<![\w£$€.,/-])"
_ADDRESS = re.compile(
    rf"(?:{_NOT_AFTER}{_UNIT},?\s+(?:{_HOUSE_NUMBER},?\s+)?|{_NOT_AFTER}{_HOUSE_NUMBER},?\s+)"
    rf"(?:(?:St\.?|[A-Z][a-z'’]+)\s+){{1,3}}(?i:{_STREET_SUFFIX})(?!\w)"
)
# Lower-case addresses ("14 orchard close") only count after a cue that announces one.
_CUED_ADDRESS = re.compile(
    r"(?i:\b(?:lives?|living|lived|staying|stays|stayed|address(?:\s+is)?|moved\s+to"
    r"|at|to|from|in)\s+)"
    rf"(?P<address>(?i:(?:{_UNIT},?\s+)?{_HOUSE_NUMBER},?\s+(?:[a-z'’]+\s+){{1,3}}"
    rf"{_STREET_SUFFIX})(?!\w))"
)


# "56 Kingsway", "3 Eastgate": street names that carry their suffix inside one word.
_COMPOUND_STREET = re.compile(
    rf"{_NOT_AFTER}{_HOUSE_NUMBER},?\s+[A-Z][a-z]+(?:way|gate|side|field|fields|bank|wynd)(?!\w)"
)


def _find_street_addresses(text: str) -> Iterator[PiiFinding]:
    for match in _COMPOUND_STREET.finditer(text):
        yield PiiFinding(PiiKind.STREET_ADDRESS, match.start(), match.end())
    for match in _ADDRESS.finditer(text):
        yield PiiFinding(PiiKind.STREET_ADDRESS, match.start(), match.end())
    for match in _CUED_ADDRESS.finditer(text):
        yield PiiFinding(PiiKind.STREET_ADDRESS, match.start("address"), match.end("address"))


# --- names with context -----------------------------------------------------------------

_NAME_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*"
# A lookahead, so that a rejected candidate does not swallow the next cue
# ("a man known as Marek": "man" fails on "known", then "known as" succeeds).
_NAME_CANDIDATE = rf"(?=(?P<name>{_NAME_WORD}(?: {_NAME_WORD}){{0,2}}))"
_NAME_CUE = re.compile(
    r"(?P<cue>(?i:\b(?:(?:her|his|their|my|your|the|whose)\s+"
    r"(?:first\s+|real\s+|full\s+|last\s+|sur)?name\s+(?:is|was)"
    r"|called|named|known\s+as|calls\s+(?:himself|herself|themselves)"
    r"|client|patient|service\s+user|survivor|victim|resident|tenant|mother|father|mum|dad|daughter"
    r"|son|sister|brother|wife|husband|partner|girl|boy|woman|man|child|worker|colleague"
    r"|friend|uncle|aunt|cousin)))\s*[,:]?\s+" + _NAME_CANDIDATE
)
_HONORIFIC_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|MR|MRS|MS)\.?\s+" + _NAME_CANDIDATE)
_STREET_NAME_WORD = re.compile(_STREET_SUFFIX)
# Capitalised words that follow the cues above without being a person's name.
_NOT_NAMES = _words(
    """
    i a an the he she they we you it this that these those his her their our my your its
    who which what when where there here then and or but if so no yes not
    in on at to of for from with by as about into onto over under after before
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december
    home office police nhs gp social services service team support voices network trust
    project council unit programme group centre center hub care aid action alliance
    foundation charity partnership helpline line forum court crown legal immigration border
    national british english modern slavery salvation army red cross citizens advice migrant
    refugee children children's adult adults housing health mental hospital school college
    university church mosque temple government ministry department embassy consulate
    mum dad mother father sister brother god allah jesus christ
    """
)


# "Blessing Adeyoola-Karr", "Comfort Mensah-Doyle": a capitalised word before a double-barrelled
# capitalised surname is a person's full name with no cue needed (the NER model misses many,
# above all after given names that are also words). Organisations and places are left out by
# the words of `_NOT_NAMES` and street suffixes.
_DOUBLE_BARRELLED = re.compile(
    r"(?<![\w'’-])(?P<first>[A-Z][a-z]+)\s(?P<last>[A-Z][a-z]+-[A-Z][a-z]+)(?![\w'’-])"
)


def _double_barrelled_names(text: str) -> Iterator[PiiFinding]:
    for match in _DOUBLE_BARRELLED.finditer(text):
        words = [match.group("first"), *match.group("last").split("-")]
        if any(w.casefold() in _NOT_NAMES or _STREET_NAME_WORD.fullmatch(w) for w in words):
            continue
        yield PiiFinding(PiiKind.PERSON_NAME, match.start(), match.end())


def _find_person_names(text: str) -> Iterator[PiiFinding]:
    yield from _double_barrelled_names(text)
    for match in _NAME_CUE.finditer(text):
        cue = match.group("cue")
        # A capitalised cue mid-sentence is part of a proper noun ("the Boy Scouts").
        if cue[:1].isupper() and text[: match.start()].rstrip()[-1:] not in {"", ".", "!", "?"}:
            continue
        length = _accepted_name_length(match.group("name"))
        if length:
            start = match.start("name")
            yield PiiFinding(PiiKind.PERSON_NAME, start, start + length)
    for match in _HONORIFIC_NAME.finditer(text):
        length = _accepted_name_length(match.group("name"))
        if length:
            yield PiiFinding(PiiKind.PERSON_NAME, match.start(), match.start("name") + length)


def _accepted_name_length(candidate: str) -> int:
    """Length of the prefix of `candidate` made of plausible name words (0 if none)."""
    end = 0
    position = 0
    for token in candidate.split(" "):
        # "Irina's" is Irina; "I've" and "I'm" are the pronoun, not a name.
        word = re.sub(r"['’](?:s|ve|m|ll|d|re)$", "", token)
        if not word[:1].isupper() or (len(word) > 1 and word.isupper()):
            break
        if word.casefold() in _NOT_NAMES:
            break
        end = position + len(word)
        position += len(token) + 1
    return end
