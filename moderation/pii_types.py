"""The vocabulary of the PII screen: kinds of personal data, findings, and merging them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class PiiKind(StrEnum):
    """Kinds of personal data the screen reports."""

    PHONE = "phone"
    EMAIL = "email"
    POSTCODE = "postcode"
    STREET_ADDRESS = "street_address"
    PERSON_NAME = "person_name"
    NI_NUMBER = "ni_number"
    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    SOCIAL_HANDLE = "social_handle"


PII_KIND_DESCRIPTIONS: dict[str, str] = {
    PiiKind.PHONE: "phone number",
    PiiKind.EMAIL: "e-mail address",
    PiiKind.POSTCODE: "postcode",
    PiiKind.STREET_ADDRESS: "street address",
    PiiKind.PERSON_NAME: "person's name",
    PiiKind.NI_NUMBER: "National Insurance number",
    PiiKind.NHS_NUMBER: "NHS number",
    PiiKind.DATE_OF_BIRTH: "date of birth",
    PiiKind.SOCIAL_HANDLE: "social-media handle or profile",
}

# When two candidates overlap, the kind listed first wins: a profile URL can look like an
# obfuscated e-mail ("Telegram at t.me/..."); an e-mail address can contain a digit run
# that looks like a phone number; identifiers with a checksum or a strict format beat the
# looser phone rules; an address line can contain a name.
_KIND_RANK: dict[str, int] = {
    kind: rank
    for rank, kind in enumerate(
        (
            PiiKind.SOCIAL_HANDLE,
            PiiKind.EMAIL,
            PiiKind.NHS_NUMBER,
            PiiKind.NI_NUMBER,
            PiiKind.PHONE,
            PiiKind.DATE_OF_BIRTH,
            PiiKind.POSTCODE,
            PiiKind.STREET_ADDRESS,
            PiiKind.PERSON_NAME,
        )
    )
}


@dataclass(frozen=True)
class PiiFinding:
    """A span of a text that holds personal data.

    Attributes:
        kind: One of the `PiiKind` values, e.g. ``"phone"``.
        start: Index of the first character of the span.
        end: Index one past the last character of the span.
    """

    kind: str
    start: int
    end: int


def merge_findings(candidates: Iterable[PiiFinding]) -> list[PiiFinding]:
    """Resolve overlapping candidates: higher-ranked kind first, then the longer span.

    Args:
        candidates: Findings from any number of recognisers, possibly overlapping.

    Returns:
        Findings sorted by start, with no two spans overlapping.
    """
    ordered = sorted(
        candidates,
        key=lambda f: (_KIND_RANK.get(f.kind, len(_KIND_RANK)), -(f.end - f.start), f.start),
    )
    chosen: list[PiiFinding] = []
    for candidate in ordered:
        if all(candidate.end <= kept.start or candidate.start >= kept.end for kept in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda f: f.start)
