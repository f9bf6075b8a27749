"""Names and addresses that are public on purpose: not personal data in a post.

A practitioner who writes that "Theresa May introduced the Modern Slavery Bill" or that
forms go to "2 Marsham Street, London SW1P 4DF" leaks nobody. The NER model cannot tell a
Home Secretary from a client, nor the rules a government building from a refuge, so the PII
screen asks this module before it reports a name or an address.

Two kinds of evidence, both conservative:

- **Public roles.** A name right after a title that only public office or a public honour
  gives (Sir, Dame, Lord, Baroness, King, President, Home Secretary, Commissioner, Judge …)
  or right before one (", MP", "KC") is a public figure; so is a name on the short list of
  public figures this sector keeps quoting (`PUBLIC_FIGURES`). A survivor, a client or a
  trafficker is never introduced by such a title, and "Dr" and "Mr" stay personal.
- **Public buildings.** A postcode, or a street address, of a national public building
  (`PUBLIC_PLACES`: the Home Office, the Royal Courts of Justice, the immigration
  tribunals, Parliament …). Only exact entries count: a refuge or safe house never shares
  a postcode with the Royal Courts of Justice, so every other address is still flagged
  (a refuge's address is the worst leak, and rules cannot tell it from a court's by its words).

Both lists are data, meant to grow when moderators see a public name or building flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from moderation.pii_types import PiiFinding, PiiKind

#: Public figures quoted in this sector's posts: UK heads of government and home
#: secretaries since the Modern Slavery Act's drafting, anti-slavery commissioners,
#: abolitionists and campaigners, authors of the standard texts, heads of state.
PUBLIC_FIGURES = frozenset(
    name.casefold()
    for name in (
        # Prime ministers and home secretaries
        "Margaret Thatcher",
        "John Major",
        "Tony Blair",
        "Gordon Brown",
        "David Cameron",
        "Theresa May",
        "Boris Johnson",
        "Liz Truss",
        "Rishi Sunak",
        "Keir Starmer",
        "Jack Straw",
        "David Blunkett",
        "Charles Clarke",
        "John Reid",
        "Jacqui Smith",
        "Alan Johnson",
        "Amber Rudd",
        "Sajid Javid",
        "Priti Patel",
        "Grant Shapps",
        "Suella Braverman",
        "James Cleverly",
        "Yvette Cooper",
        "Shabana Mahmood",
        # Anti-slavery commissioners and campaigners
        "Kevin Hyland",
        "Sara Thornton",
        "Dame Sara Thornton",
        "Eleanor Lyons",
        "Frank Field",
        "Kevin Bales",
        "Siddharth Kara",
        "Anti-Slavery International",
        # Abolitionists and historical figures
        "William Wilberforce",
        "Wilberforce",
        "Thomas Clarkson",
        "Granville Sharp",
        "Olaudah Equiano",
        "Equiano",
        "Ottobah Cugoano",
        "Mary Prince",
        "Harriet Tubman",
        "Frederick Douglass",
        "Sojourner Truth",
        "Abraham Lincoln",
        "Martin Luther King",
        "Nelson Mandela",
        "Rosa Parks",
        "Elizabeth Fry",
        "Josephine Butler",
        "Emmeline Pankhurst",
        "Florence Nightingale",
        "Mary Seacole",
        # Heads of state and international figures
        "King Charles",
        "Queen Elizabeth",
        "António Guterres",
        "Antonio Guterres",
        "Kofi Annan",
        "Malala Yousafzai",
        "Nadia Murad",
        "Kailash Satyarthi",
        "Pope Francis",
    )
)

# Titles given only by public office or a public honour, right before a name.
_PUBLIC_TITLE_BEFORE = re.compile(
    r"(?:\b(?:Sir|Dame|Lord|Baroness|Baron|Viscount|Earl|Duke|Duchess|King|Queen|Prince"
    r"|Princess|Pope|President|Senator|Chancellor|Archbishop|Bishop|Cardinal|Rabbi"
    r"|Councillor|Cllr|Mayor|Minister|Secretary|Commissioner|Justice|Judge|Ambassador"
    r"|Governor|Premier|Rt\.?\s+Hon\.?|Right\s+Honourable|(?i:prime\s+minister|home\s+secretary"
    r"|foreign\s+secretary|secretary\s+of\s+state|anti-slavery\s+commissioner))"
    r"\s+)$"
)
# Public roles right after a name: "Jess Phillips MP", "Sarah Champion, MP", "X KC".
_PUBLIC_TITLE_AFTER = re.compile(
    r"\s*,?\s*(?:MP|MSP|MLA|MEP|KC|QC|OBE|CBE|DBE|KBE"
    r"|(?i:the\s+(?:former\s+)?(?:prime\s+minister|home\s+secretary|mp|minister)))\b"
)

# A name that begins with its own public title: "Mr Justice Knowles", "Lord Justice Singh".
_PUBLIC_TITLE_START = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Lord|Lady)\.?\s+Justice|Sir|Dame|Lord|Baroness)\s+"
)

#: Addresses of national public buildings: (street address, postcode). A postcode alone is
#: public; a street address is public beside its own postcode or its town.
PUBLIC_PLACES = (
    ("2 Marsham Street", "SW1P 4DF", "London"),  # Home Office
    ("102 Petty France", "SW1H 9AJ", "London"),  # Ministry of Justice
    ("Strand", "WC2A 2LL", "London"),  # Royal Courts of Justice
    ("Parliament Square", "SW1P 3BD", "London"),  # Supreme Court
    ("Parliament Square", "SW1A 0AA", "London"),  # Houses of Parliament
    ("10 Downing Street", "SW1A 2AA", "London"),  # Prime Minister's office
    ("88 Rosebery Avenue", "EC1R 4QU", "London"),  # Taylor House, First-tier Tribunal (IAC)
    ("Bream's Buildings", "EC4A 1DZ", "London"),  # Field House, Upper Tribunal (IAC)
    ("40 Wellesley Road", "CR9 2BY", "Croydon"),  # Lunar House, UK Visas and Immigration
    ("2 Ruskin Square", "CR0 2WF", "Croydon"),  # Home Office, Croydon
    ("Old Bailey", "EC4M 7EH", "London"),  # Central Criminal Court
    ("1 Victoria Street", "SW1H 0ET", "London"),  # Department for Business and Trade
    ("101 Newington Causeway", "SE1 6BN", "London"),  # The Salvation Army headquarters
)
_PUBLIC_POSTCODES = frozenset(re.sub(r"\s+", "", code).upper() for _, code, _ in PUBLIC_PLACES)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip(" .,").casefold()


def is_public_figure(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` names a public figure (see the module)."""
    name = _key(text[start:end])
    if name in PUBLIC_FIGURES or name.removesuffix("'s") in PUBLIC_FIGURES:
        return True
    if _PUBLIC_TITLE_START.match(text, start) or _PUBLIC_TITLE_BEFORE.search(
        text[max(0, start - 40) : start]
    ):
        return True
    return _PUBLIC_TITLE_AFTER.match(text, end) is not None


def is_public_place(text: str, finding: PiiFinding) -> bool:
    """Whether a postcode or street-address finding is a listed public building's."""
    value = text[finding.start : finding.end]
    if finding.kind == PiiKind.POSTCODE:
        return re.sub(r"\s+", "", value).upper() in _PUBLIC_POSTCODES
    if finding.kind != PiiKind.STREET_ADDRESS:
        return False
    folded = _key(text)
    for street, postcode, town in PUBLIC_PLACES:
        if _key(street) in _key(value) and (
            _key(postcode) in folded or re.search(rf"\b{re.escape(_key(town))}\b", folded)
        ):
            return True
    return False


def drop_public(text: str, findings: Iterable[PiiFinding]) -> list[PiiFinding]:
    """The findings that are personal data: public figures' names and buildings left out."""
    kept: list[PiiFinding] = []
    for finding in findings:
        if finding.kind == PiiKind.PERSON_NAME and is_public_figure(
            text, finding.start, finding.end
        ):
            continue
        if finding.kind in {PiiKind.POSTCODE, PiiKind.STREET_ADDRESS} and is_public_place(
            text, finding
        ):
            continue
        kept.append(finding)
    return kept
