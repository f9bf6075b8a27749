"""Rules for identifiers: NI and NHS numbers, dates of birth, social-media handles.

Each rule checks structure (a format, a checksum, a label next to the value) rather than
any run of characters of the right length, so reference numbers, dates of hearings and
"meet @ 10am" stay out of the moderator's way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from moderation.pii_types import PiiFinding, PiiKind

_SEP = r"[ .\-\u00a0]?"

# --- National Insurance numbers ---------------------------------------------------------

_NI = re.compile(
    rf"(?<![A-Za-z0-9])(?P<prefix>[A-Za-z]{_SEP}[A-Za-z]){_SEP}"
    rf"(?P<digits>\d(?:{_SEP}\d){{5}})(?:{_SEP}(?P<suffix>[A-Za-z]))?(?![A-Za-z0-9])"
)
_NI_CUE = re.compile(
    r"(?i:\b(?:ni|n\.i\.?|nino|national\s+insurance|insurance\s+number)\b[^.\n]{0,40})$"
)
# HMRC never issues these letters in a prefix, but the reserved, temporary and example
# prefixes (QQ in every leaflet, TN temporary numbers, administrative ones) still appear in
# documents someone could paste, so they are accepted as they are.
_NI_BAD_FIRST = frozenset("DFIQUV")
_NI_BAD_SECOND = frozenset("DFIOQUV")
_NI_SPECIAL_PREFIXES = frozenset({"QQ", "ZZ", "TN", "BG", "GB", "KN", "NK", "NT", "OO", "FY"})
# Two-letter words that could precede six digits in prose; only with a cue.
_NI_WORDS = frozenset(
    [
        "AM",
        "AN",
        "AS",
        "AT",
        "BE",
        "BY",
        "DO",
        "GO",
        "HE",
        "IF",
        "IN",
        "IS",
        "IT",
        "ME",
        "MY",
        "NO",
        "OF",
        "OK",
        "ON",
        "OR",
        "SO",
        "TO",
        "UP",
        "US",
        "WE",
    ]
)


def find_ni_numbers(text: str) -> Iterator[PiiFinding]:
    """Find National Insurance numbers in any spacing and case.

    Args:
        text: The post text.

    Yields:
        NI_NUMBER findings.
    """
    for match in _NI.finditer(text):
        prefix = re.sub(r"[^A-Za-z]", "", match.group("prefix"))
        upper = prefix.upper()
        suffix = (match.group("suffix") or "").upper()
        if upper not in _NI_SPECIAL_PREFIXES and (
            upper[0] in _NI_BAD_FIRST or upper[1] in _NI_BAD_SECOND
        ):
            continue
        valid_suffix = suffix in {"A", "B", "C", "D"} or (upper == "TN" and suffix in {"M", "F"})
        if suffix and not valid_suffix:
            continue
        cued = bool(_NI_CUE.search(text[max(0, match.start() - 60) : match.start()]))
        if (not suffix or not prefix.isupper() or upper in _NI_WORDS) and not cued:
            continue
        yield PiiFinding(PiiKind.NI_NUMBER, match.start(), match.end())


# --- NHS numbers ------------------------------------------------------------------------

_NHS_GROUPED = re.compile(r"(?<![\w+/.\-])([1-9]\d{2})([ \-])(\d{3})\2(\d{4})(?![\w/\-]|\.\d)")
# After an NHS label, ten digits in any grouping ("975 2636 969", "420.281.2662", plain).
_NHS_ANY_SPACING = re.compile(
    r"(?<![\w+/.\-])(?<!\d[ .\-])[1-9](?:[ .\-]?\d){9}(?![\w/\-]|[ .\-]\d)"
)
# The label may be followed by "no.", "number:" or "#", but not by the end of a sentence
# (a full stop, then a capital: only the label itself is case-insensitive).
_NHS_CUE = re.compile(
    r"(?i:\b(?:nhs|chi|h&c|health\s+and\s+care)\b)(?:[^.!?\n]|\.(?!\s+[A-Z])){0,30}$"
)
_DIALLING_CODE = re.compile(r"\+\d{1,3}[ \-]?\(?$")


def nhs_check_digit_ok(digits: str) -> bool:
    """Whether a ten-digit string passes the NHS number modulus 11 check.

    Args:
        digits: Exactly ten digits.

    Returns:
        True if the last digit is the check digit of the first nine.
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def find_nhs_numbers(text: str) -> Iterator[PiiFinding]:
    """Find NHS numbers: 3-3-4 groups, or ten digits in any grouping after an NHS label.

    Every candidate must pass the modulus 11 check.

    Args:
        text: The post text.

    Yields:
        NHS_NUMBER findings.
    """
    seen: set[tuple[int, int]] = set()
    for pattern, needs_cue in ((_NHS_GROUPED, False), (_NHS_ANY_SPACING, True)):
        for match in pattern.finditer(text):
            if (match.start(), match.end()) in seen:
                continue
            before = text[max(0, match.start() - 40) : match.start()]
            if _DIALLING_CODE.search(before):
                continue  # "+1 202 555 0143" is a phone number
            if needs_cue and not _NHS_CUE.search(before):
                continue
            if nhs_check_digit_ok(re.sub(r"\D", "", match.group(0))):
                seen.add((match.start(), match.end()))
                yield PiiFinding(PiiKind.NHS_NUMBER, match.start(), match.end())


# --- dates of birth ---------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_DATE = (
    r"(?P<date>"
    r"(?P<day>\d{1,2})(?P<sep>[/.\-]|\s)(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?!\d)"
    r"|(?P<iso_year>\d{4})[\-/](?P<iso_month>\d{2})[\-/](?P<iso_day>\d{2})(?!\d)"
    rf"|\d{{1,2}}{_ORDINAL}[\s\-]+(?:of\s+)?{_MONTH},?[\s\-]+(?P<y2>\d{{4}}|\d{{2}})(?!\d)"
    rf"|{_MONTH}\s+\d{{1,2}}{_ORDINAL},?\s+(?P<y3>\d{{4}})(?!\d)"
    r")"
)
_DOB_LABEL = (
    r"\b(?:d\.?\s?o\.?\s?b\.?|date[\s\-]+of[\s\-]+birth|birth\s*date|born(?:\s+on)?"
    r"|birthday(?:\s+is)?)(?![\w])"
)
# Between the label and the date: a few words without digits or a sentence end ("date of
# birth, per the passport, is", "date of birth recorded as", "birthday is on").
_DOB = re.compile(
    rf"(?i:{_DOB_LABEL}(?P<gap>[^\d.!?\n]{{0,40}}?(?:\s|:|-|=|\())?\s*)" + rf"(?i:{_DATE})"
)
_AGE = r"(?:aged?\s+(?P<age>\d{1,2})|(?P<age2>\d{1,2})\s*(?:years?\s+old|yrs?(?:\s+old)?|y/?o)\b)"
# An age right beside a date: "aged 16, 12/01/2009", "17 years old (12.02.2007)".
_AGE_THEN_DATE = re.compile(rf"(?i:{_AGE}[\s,;:(\-]{{1,4}})" + rf"(?i:{_DATE})")
_EARLIEST_BIRTH_YEAR = 1900


def _year(match: re.Match[str]) -> int | None:
    raw = match.group("year") or match.group("iso_year") or match.group("y2") or match.group("y3")
    if raw is None:
        return None
    year = int(raw)
    if len(raw) == 2:  # "12/1/99": the most recent such year that is not in the future
        this_century = date.today().year // 100 * 100
        year += this_century if this_century + year <= date.today().year else this_century - 100
    return year


def _plausible(match: re.Match[str]) -> bool:
    day = match.group("day") or match.group("iso_day")
    month = match.group("month") or match.group("iso_month")
    if day and month and not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
        return False
    year = _year(match)
    return year is None or _EARLIEST_BIRTH_YEAR <= year <= date.today().year


def find_dates_of_birth(text: str) -> Iterator[PiiFinding]:
    """Find dates of birth: dates after a birth label, or right after an age that fits them.

    Labels: "DOB", "d.o.b.", "date of birth", "birth date", "born (on)", "birthday (is)", with
    at most a few words between label and date. A bare date is a hearing or a deadline, and
    "born in 1994" is only a year: neither is reported. A date after an age ("aged 16,
    12/01/2009") counts only when the age fits the year. A "birthday" in this year or the
    last is a celebration ("the centre's 10th birthday on 4 April 2025"), not a birth.

    Args:
        text: The post text.

    Yields:
        DATE_OF_BIRTH findings spanning the date.
    """
    found: set[tuple[int, int]] = set()
    this_year = date.today().year
    for match in _DOB.finditer(text):
        if not _plausible(match):
            continue
        year = _year(match)
        label = match.group(0)[: match.start("date") - match.start()].lower()
        if "birthday" in label and year is not None and year >= this_year - 1:
            continue
        found.add((match.start("date"), match.end("date")))
    for match in _AGE_THEN_DATE.finditer(text):
        year = _year(match)
        age = int(match.group("age") or match.group("age2"))
        if _plausible(match) and year is not None and abs(this_year - year - age) <= 1:
            found.add((match.start("date"), match.end("date")))
    for start, end in sorted(found):
        yield PiiFinding(PiiKind.DATE_OF_BIRTH, start, end)


# --- social-media handles and profiles --------------------------------------------------

_PROFILE_URL = re.compile(
    r"(?i:(?<![\w.@/])(?:https?://)?(?:www\.|m\.|mobile\.|web\.)?"
    r"(?:facebook\.com|fb\.com|fb\.me|instagram\.com|instagr\.am|tiktok\.com|twitter\.com|x\.com"
    r"|t\.me|telegram\.me|linkedin\.com|snapchat\.com|youtube\.com|threads\.net|vk\.com|ok\.ru"
    r"|onlyfans\.com|wa\.me)"
    r"/[^\s<>()\[\]{}\"'`]+)"
)
_HANDLE = re.compile(
    r"(?<![\w.@/+\-])@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)"
)
_TIME = re.compile(r"\d{1,2}(?:[:.]\d{2})?(?:am|pm)?", re.IGNORECASE)
_PLATFORM_NAME = re.compile(
    r"(?i:\b(?:snapchat|snap|insta(?:gram)?|tiktok|telegram|twitter|kik|facebook|fb|signal"
    r"|discord)\s+(?:username\s+|handle\s+|name\s+|account\s+|id\s+)?(?:is|:|=)\s*)"
    r"(?P<handle>[A-Za-z0-9_][A-Za-z0-9_.]{1,29}[A-Za-z0-9_])"
)


def find_social_handles(text: str) -> Iterator[PiiFinding]:
    """Find profile URLs of social networks, @handles and handles named after a platform.

    Args:
        text: The post text.

    Yields:
        SOCIAL_HANDLE findings.
    """
    for match in _PROFILE_URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:!?":
            end -= 1
        yield PiiFinding(PiiKind.SOCIAL_HANDLE, match.start(), end)
    for match in _HANDLE.finditer(text):
        handle = match.group("handle")
        if _TIME.fullmatch(handle) or not any(ch.isalpha() for ch in handle):
            continue
        yield PiiFinding(PiiKind.SOCIAL_HANDLE, match.start(), match.end())
    for match in _PLATFORM_NAME.finditer(text):
        handle = match.group("handle")
        # "her Instagram is private": a handle has a digit, an underscore or a dot in it.
        if not re.search(r"[\d_.]", handle):
            continue
        yield PiiFinding(PiiKind.SOCIAL_HANDLE, match.start("handle"), match.end("handle"))
