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

_NHS_GROUPED = re.compile(
    r"(?<![\w+/])(?<!\d[.\-])([1-9]\d{2})([ \-])(\d{3})\2(\d{4})(?![\w/\-]|\.\d)"
)
# Between two digits of a number after (or before) an NHS label: nothing, a space or two, or
# a dot, dash or slash with a space or two around it ("975 2636 969", "420.281.2662",
# "340–938–2305", "366 - 016 - 9986", "648/375/8588").
_GAP = r"(?:[ \u00a0]{0,2}[.\-\u2013/][ \u00a0]{0,2}|[ \u00a0]{1,2})?"
_NHS_ANY_SPACING = re.compile(
    rf"(?<![\w+/])(?<!\d[.\-\u2013/])(?<!\d[ \u00a0])[1-9](?:{_GAP}\d){{9}}"
    r"(?![\w/\-\u2013]|[ .\-\u2013/]\d)"
)
# The label may be glued to its "no" ("NHSno:"), or followed by "no.", "number:" or "#" and a
# few words ("NHS number, from the GP letter, is"), but not by the end of a sentence (a full
# stop, then a capital: only the label itself is case-insensitive) or of a clause (";"). A
# colon may end a line ("NHS:\n").
_NHS_LABEL = r"(?i:\b(?:nhs(?:no|num|nr|number)?|n\.h\.s\.?|chi|h&c|health\s+and\s+care)(?!\w))"
# The label may be anywhere earlier in the same sentence, up to 120 characters back ("The NHS
# number on the discharge summary, which I need to forward to the new GP, is ..."): the
# modulus 11 check every candidate must pass keeps a long window safe.
_NHS_WINDOW = 120
_NHS_LABEL_RE = re.compile(_NHS_LABEL)
_NHS_TO_NUMBER = re.compile(rf"(?:[^.!?\n;]|\.(?!\s+[A-Z])|:[ \t]*\n){{0,{_NHS_WINDOW}}}")
# The label right after the number: "9434765919 is her NHS number", "9434765919 (NHS no.)".
_NHS_CUE_AFTER = re.compile(
    r"(?i:\s*(?:\(\s*|,\s*|\s-\s*)?(?:(?:is|was|as)\s+(?:(?:her|his|their|my|your|the)\s+)?)?"
    r"(?:nhs|n\.h\.s|chi)\b)"
)
# Beyond the label's first 60 characters, a word naming another kind of number or a way to
# call hands the number to that label ("the NHS trust sent the invoice, whose number you
# asked about, as 3397499607").
_FAR_GAP = 60
_OTHER_NUMBER_WORD = re.compile(
    r"(?i:\b(?:ref|refs|reference|case|crime|incident|log|claim|account|acct|invoice|order"
    r"|policy|serial|batch|ticket|file|voucher|tracking|booking|receipt|cheque|licen[cs]e"
    r"|permit|ucrn|crn|urn|nrm|call|ring|text|phone|tel|mobile|whatsapp|fax|dial|passport"
    r"|visa|bank|sort|meter|parcel|code)\b)"
)
# A number labelled as something else is not an NHS number, even if its digits pass the
# check and an NHS label is near: "NHS trust invoice number 3397499607", "case ref 227 904
# 0069", "the court file number is 933 838 4586"; nor is one to call ("ring 943 476 5919").
_OTHER_NUMBER_LABEL = re.compile(
    r"(?i:\b(?:ref|refs|reference|case|crime|incident|log|claim|account|acct|invoice|order"
    r"|policy|serial|batch|ticket|file|voucher|tracking|booking|receipt|cheque|licen[cs]e"
    r"|permit|ucrn|crn|urn|nrm|(?:case|file|client|record)\s+id"
    r"|call|ring|text|phone|tel|mobile|whatsapp|fax|dial)"
    r"(?:\s+(?:no|num|number|nr|id|code)\b)?\.?(?:\s+(?:is|was))?[\s.:#=\-]*)$"
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


def _nhs_label_before(before: str) -> bool:
    """Whether the nearest NHS label in `before` reaches its end within one sentence."""
    for label in reversed(list(_NHS_LABEL_RE.finditer(before))):
        if _NHS_TO_NUMBER.fullmatch(before, label.end()):
            between = before[label.end() :]
            return len(between) <= _FAR_GAP or not _OTHER_NUMBER_WORD.search(between)
    return False


def find_nhs_numbers(text: str) -> Iterator[PiiFinding]:
    """Find NHS numbers: 3-3-4 groups, or ten digits in any grouping beside an NHS label.

    The label may come first, anywhere earlier in the same sentence up to 120 characters
    back ("NHS no. 943.476.5919", "her NHS number, from the GP letter, is 9434765919"; beyond
    60 characters, with no other number's label or a word to call between), or right after
    ("9434765919 is her NHS number"). A number with a label of its own (case, reference,
    invoice, crime ...) is not one. Every candidate must pass the modulus 11 check.

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
            before = text[max(0, match.start() - _NHS_WINDOW - 20) : match.start()]
            if _DIALLING_CODE.search(before[-40:]):
                continue  # "+1 202 555 0143" is a phone number
            if _OTHER_NUMBER_LABEL.search(before[-40:]):
                continue
            if (
                needs_cue
                and not _nhs_label_before(before)
                and not _NHS_CUE_AFTER.match(text, match.end())
            ):
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
# Day, month and year in the orders and separators people write them, and (after a birth
# label only) a month and a year, "born March 1990", "DOB: 03/1998", or eight digits,
# "DOB 17081990".
_DATE_BODY = (
    r"(?P<day>\d{1,2})(?P<sep>[ \u00a0]?[/.\-][ \u00a0]?|\s)(?P<month>\d{1,2})(?P=sep)"
    r"(?P<year>\d{4}|\d{2})(?!\d)"
    r"|(?P<iso_year>\d{4})(?P<isep>[\-/. ])(?P<iso_month>\d{1,2})(?P=isep)(?P<iso_day>\d{1,2})"
    r"(?![\d/.\-]\d)"
    rf"|(?<![\w'])\d{{1,2}}{_ORDINAL}(?:[\s\-]+(?:of\s+)?|-?){_MONTH}(?:,?[\s\-]+|-?)"
    r"'?(?P<y2>\d{4}|\d{2})(?!\d)"
    rf"|(?<![\w']){_MONTH}\s+(?:the\s+)?\d{{1,2}}{_ORDINAL},?\s+(?P<y3>\d{{4}})(?!\d)"
)
_MONTH_YEAR_BODY = (
    rf"(?<![\w']){_MONTH},?[\s\-]+(?P<y4>\d{{4}})(?!\d)"
    r"|(?<![\d/.])(?P<my_month>\d{1,2})/(?P<y5>\d{4})(?![\d/])"
    r"|(?<!\d)(?P<c_day>\d{2})(?P<c_month>\d{2})(?P<y6>(?:19|20)\d{2})(?!\d)"
)
_DATE = rf"(?P<date>{_DATE_BODY})"
_DATE_OR_MONTH_YEAR = rf"(?P<date>{_DATE_BODY}|{_MONTH_YEAR_BODY})"
_DOB_WORDS = (
    r"d[.\-]?\s?o[.\-]?\s?b\.?|date[\s\-]+of[\s\-]+birth|birth[\s\-]*date|birthday(?:\s+is)?"
)
# A birth label, then a few words without digits or a sentence end ("date of birth, per the
# passport, is", "date of birth recorded as", "birthday is on"), then the date. The label may
# touch the date ("DOB14/03/1990", "dob-14.3.90").
_DOB = re.compile(
    rf"(?i:\b(?P<label>{_DOB_WORDS})(?![A-Za-z])"
    r"(?P<gap>[^\d.!?\n;]{0,60}?(?:\s|:|-|=|\()|\.?[\-:]?)\s*)"
    rf"(?i:{_DATE_OR_MONTH_YEAR})"
)
# "born" takes the date right after it: "born 02/11/2007", "born on the 3rd of March",
# "born in March 1990"; "born out of a meeting on 3 March 2019" is not a birth.
_BORN = re.compile(
    r"(?i:\b(?P<label>born)(?:\s+(?:on|in))?(?:\s+the)?\s*[:\-]?\s*)"
    rf"(?i:{_DATE_OR_MONTH_YEAR})"
)
# "born" a few words before the date, in the same sentence: "born in the spring of '97, 12
# April 1997 to be exact", "born in Leeds on 3 March 1990". Only a full date counts here.
_BORN_GAP = 40
_BORN_THEN_GAP = re.compile(
    rf"(?i:\bborn\b(?P<gap>[^.!?\n;]{{1,{_BORN_GAP}}}?)(?<=[\s,:(\-]))" + rf"(?i:{_DATE})"
)
# ... unless the gap tells of another event: "born in Eritrea and arrived on 12 April 2019",
# "born out of a meeting on 3 March 2019".
_EVENT_WORD = re.compile(
    r"(?i:\b(?:arriv(?:e|ed|es|ing|al)|came|come|comes|moved?|entered|enter|married|marry"
    r"|left|leave|fled|flee|travell?ed|travel|trafficked|rescued|referred|met|meet|meeting"
    r"|started|joined|since|until|till|before|after|out\s+of|hearing|interview|appointment"
    r"|visit|visited|deported|detained|released|removed|returned|reported|registered"
    r"|called|rang|phoned|e-?mailed|contacted|wrote|sent)\b)"
)
# "new born baby unit", "first born", "British born": "born" as part of an adjective.
_BORN_ADJECTIVE = re.compile(
    r"(?i:\b(?:new|newly|first|still|free|well|home|foreign|native|[a-z]+-)\s*$)"
)
_YEAR_IN_GAP = re.compile(r"(?<![\w'’])(?:['’](?P<short>\d{2})|(?P<long>(?:19|20)\d{2}))(?!\d)")


def _born_after_gap(text: str) -> Iterator[re.Match[str]]:
    for match in _BORN_THEN_GAP.finditer(text):
        gap = match.group("gap")
        if _EVENT_WORD.search(gap) or _BORN_ADJECTIVE.search(text, 0, match.start()):
            continue
        # "born in 1994, and on 12 April 2019 ...": a year in the gap is the birth year; a
        # date in another year is something else.
        year = _year(match)
        years = [m.group("long") or m.group("short") for m in _YEAR_IN_GAP.finditer(gap)]
        if year is not None and any(not str(year).endswith(y) for y in years):
            continue
        yield match


# A further date right after a date of birth, joined by a short connector, is a date of birth
# too: "dob 03/10/1991 or possibly 10/03/1991", "the mother's DOB is 6/7/72 and the
# daughter's is 21/1/2009", "DOB 4/5/88, and her son's 2/3/2010", "12/04/1989 / 04/12/1989".
_CHAINED_DATE = re.compile(
    r"(?i:,?\s*(?:or(?:\s+(?:possibly|perhaps|maybe|else))?"
    r"|and(?:\s+(?:the|her|his|their|my|your|our)\s+[a-z\-]+['’]s(?:\s+(?:is|was))?"
    r"|\s+(?:his|hers|theirs)\s+(?:is|was))?"
    r"|/)\s*[:\-]?\s*)" + rf"(?i:{_DATE})"
)


# "b." right before a date, as in "(b. 1990-08-17)", "née Petrova, b. 14.06.1985" — but not a
# list item or a paragraph ("a. 12/03/2025 b. 19/03/2025", "para b. 03.02.2024").
_B_DOT = re.compile(r"(?<![\w.])b\.\s?" + rf"(?i:{_DATE_OR_MONTH_YEAR})")
_LIST_CONTEXT = re.compile(
    r"(?i:(?:(?<![\w.])a[.)]\s.*|\b(?:para(?:graph)?|section|s|item|items|page|p|pp|option"
    r"|options|point|clause|annex|appendix|question|q|step)\.?\s*\(?|\d\s*)$)",
    re.DOTALL,
)
# A birth label right after the date: "12/04/1989 (DOB)", "1990-08-17 is her date of birth",
# "18.07.1992 - that's her DOB".
_DATE_THEN_DOB = re.compile(
    rf"(?i:{_DATE})"
    rf"(?i:\s*\(\s*(?:{_DOB_WORDS})\s*\)|(?:\s*,|\s+[\-\u2013\u2014])?\s+"
    r"(?:is|was|that's|that\s+is|being)\s+(?:(?:her|his|their|my|your|the)\s+)?"
    rf"(?:real\s+|actual\s+|correct\s+|official\s+)?(?:{_DOB_WORDS})(?![A-Za-z]))"
)
# After a birth label, a gap ending in a preposition of time introduces another event:
# "date of birth was disputed at the hearing on 5 May 2024", "birthday cards went out on".
_EVENT_GAP = re.compile(
    r"(?i:\b(?:on|at|by|until|till|before|after|since|from|during|in|for)(?:\s+the)?\s*$)"
)
# "birthday party on 14 March 2019", "birthday cards went out on …": an occasion, not a birth.
_BIRTHDAY_OCCASION = re.compile(
    r"(?i:\s*(?:party|parties|cake|cards?|celebrations?|lunch|dinner|meal|presents?|gifts?"
    r"|trip|outing|event|picnic|do)\b)"
)
_BIRTHDAY_ON = re.compile(r"(?i:^\s*(?:is|was|falls|fell)?\s*(?:on|in)?(?:\s+the)?\s*$)")
_AGE = r"(?:aged?\s+(?P<age>\d{1,2})|(?P<age2>\d{1,2})\s*(?:years?\s+old|yrs?(?:\s+old)?|y/?o)\b)"
# An age right beside a date: "aged 16, 12/01/2009", "17 years old (12.02.2007)".
_AGE_THEN_DATE = re.compile(rf"(?i:{_AGE}[\s,;:(\-]{{1,4}})" + rf"(?i:{_DATE})")
_EARLIEST_BIRTH_YEAR = 1900


def _group(match: re.Match[str], name: str) -> str | None:
    return match.group(name) if name in match.re.groupindex else None


def _year(match: re.Match[str]) -> int | None:
    raw = next(
        (
            value
            for name in ("year", "iso_year", "y2", "y3", "y4", "y5", "y6")
            if (value := _group(match, name))
        ),
        None,
    )
    if raw is None:
        return None
    year = int(raw)
    if len(raw) == 2:  # "12/1/99": the most recent such year that is not in the future
        this_century = date.today().year // 100 * 100
        year += this_century if this_century + year <= date.today().year else this_century - 100
    return year


def _plausible(match: re.Match[str], *, month_first: bool = False) -> bool:
    """Whether a matched date can be a date of birth.

    With `month_first`, a day/month date that is valid only the US way round counts too
    ("DOB: 09/22/1996": 22 cannot be a month).
    """
    if month_first and _group(match, "day") and _group(match, "month"):
        first, second = int(match.group("day")), int(match.group("month"))
        if 1 <= first <= 12 < second <= 31:
            year = _year(match)
            return year is None or _EARLIEST_BIRTH_YEAR <= year <= date.today().year
    day = _group(match, "day") or _group(match, "iso_day") or _group(match, "c_day")
    month = next(
        (
            value
            for name in ("month", "iso_month", "my_month", "c_month")
            if (value := _group(match, name))
        ),
        None,
    )
    if day and not 1 <= int(day) <= 31:
        return False
    if month and not 1 <= int(month) <= 12:
        return False
    year = _year(match)
    return year is None or _EARLIEST_BIRTH_YEAR <= year <= date.today().year


def _labelled_dates(text: str) -> Iterator[re.Match[str]]:
    this_year = date.today().year
    for match in _DOB.finditer(text):
        gap = match.group("gap") or ""
        birthday = match.group("label").lower().startswith("birthday")
        if birthday and _BIRTHDAY_OCCASION.match(text, match.end("label")):
            continue
        if _EVENT_GAP.search(gap) and not (birthday and _BIRTHDAY_ON.match(gap)):
            continue
        year = _year(match)
        if birthday and year is not None and year >= this_year - 1:
            continue  # "the centre's 10th birthday on 4 April 2025" is a celebration
        yield match
    yield from _BORN.finditer(text)
    yield from _born_after_gap(text)
    for match in _B_DOT.finditer(text):
        if not _LIST_CONTEXT.search(text[max(0, match.start() - 80) : match.start()]):
            yield match
    yield from _DATE_THEN_DOB.finditer(text)


def find_dates_of_birth(text: str) -> Iterator[PiiFinding]:
    """Find dates of birth: dates beside a birth label, or right after an age that fits them.

    Labels: "DOB", "d.o.b.", "date of birth", "birth date", "birthday (is)" with at most a
    few words between label and date; "born (on|in)" and "b." right before the date; "(DOB)"
    or "is her date of birth" right after it. A month and a year after a label count ("born
    March 1990"); a year alone does not ("born in 1994"), nor does a bare date (a hearing, a
    deadline) or a date after a label and a preposition of time ("date of birth was disputed
    at the hearing on 5 May 2024"). A date after an age ("aged 16, 12/01/2009") counts only
    when the age fits the year. A "birthday" in this year or the last is a celebration, not
    a birth.

    Args:
        text: The post text.

    Yields:
        DATE_OF_BIRTH findings spanning the date.
    """
    found: set[tuple[int, int]] = set()
    this_year = date.today().year
    for match in _labelled_dates(text):
        if _plausible(match, month_first=True):
            found.add((match.start("date"), match.end("date")))
    for match in _AGE_THEN_DATE.finditer(text):
        year = _year(match)
        age = int(match.group("age") or match.group("age2"))
        if _plausible(match) and year is not None and abs(this_year - year - age) <= 1:
            found.add((match.start("date"), match.end("date")))
    pending = sorted(found)
    while pending:
        _, end = pending.pop()
        chained = _CHAINED_DATE.match(text, end)
        if chained and _plausible(chained, month_first=True):
            span = (chained.start("date"), chained.end("date"))
            if span not in found:
                found.add(span)
                pending.append(span)
    # One date found by two rules (or with and without its ordinal) is reported once.
    kept: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda span: (span[0], -span[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    for start, end in kept:
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
# "@everyone", "@moderators": a mention of a role or a broadcast to a group, not of a person.
# Any other word after "@" stays a handle, unless it names a service (below): a username
# identifies someone.
_ROLE_MENTIONS = frozenset(
    {
        "everyone",
        "here",
        "channel",
        "all",
        "admin",
        "admins",
        "mod",
        "mods",
        "moderator",
        "moderators",
        "staff",
        "team",
    }
)
# "@digest", "@help", "@events": a generic word for a service names a bot, a command or a
# shared inbox, not a person; so does any "@word" right before "bot", "command" or "channel".
_SERVICE_MENTIONS = frozenset(
    {
        "help",
        "helpdesk",
        "info",
        "information",
        "support",
        "digest",
        "events",
        "event",
        "news",
        "newsletter",
        "updates",
        "alerts",
        "announcements",
        "notices",
        "reminders",
        "resources",
        "library",
        "training",
        "jobs",
        "vacancies",
        "feedback",
        "faq",
        "rules",
        "welcome",
        "rota",
        "calendar",
        "bot",
        "start",
        "menu",
        "settings",
        "queue",
        "report",
        "reports",
        "search",
        "subscribe",
        "unsubscribe",
    }
)
_NOT_HANDLES = _ROLE_MENTIONS | _SERVICE_MENTIONS
_SERVICE_AFTER = re.compile(r"(?i:\s+(?:bot|command|channel|feed|inbox|mailbox)\b)")
_PLATFORM_NAME = re.compile(
    r"(?i:\b(?:snapchat|snap|insta(?:gram)?|tiktok|telegram|twitter|kik|facebook|fb|signal"
    r"|discord)\s+(?:username\s+|handle\s+|name\s+|account\s+|id\s+)?(?:is|:|=)\s*)"
    r"(?P<handle>[A-Za-z0-9_][A-Za-z0-9_.]{1,29}[A-Za-z0-9_])"
)


def find_social_handles(text: str) -> Iterator[PiiFinding]:
    """Find profile URLs of social networks, @handles and handles named after a platform.

    "@" before a role or broadcast word (everyone, here, channel, all, admin(s), mod(s),
    moderator(s), staff, team) is a mention of a group, not a handle; before a generic
    service word (help, digest, events, resources, news ...) or before "bot", "command" or
    "channel" it names a bot or a shared inbox.

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
        if handle.casefold() in _NOT_HANDLES:
            continue
        if _SERVICE_AFTER.match(text, match.end()):
            continue
        yield PiiFinding(PiiKind.SOCIAL_HANDLE, match.start(), match.end())
    for match in _PLATFORM_NAME.finditer(text):
        handle = match.group("handle")
        # "her Instagram is private": a handle has a digit, an underscore or a dot in it.
        if not re.search(r"[\d_.]", handle):
            continue
        yield PiiFinding(PiiKind.SOCIAL_HANDLE, match.start("handle"), match.end("handle"))
