"""Personal-data scrubber for free-text answers: typed placeholders instead of identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "SSN": "[SSN]",
    "CARD": "[CARD]",
    "PHONE": "[PHONE]",
    "ADDRESS": "[ADDRESS]",
    "DOB": "[DOB]",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


def scrub(text: str, region: str = "US") -> str:
    """The text with every recognised piece of personal data replaced by its placeholder."""
    findings = find_personal_data(text, region)
    pieces, position = [], 0
    for finding in findings:
        pieces.append(text[position : finding.start])
        pieces.append(PLACEHOLDERS[finding.kind])
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def find_personal_data(text: str, region: str = "US") -> list[Finding]:
    """Non-overlapping findings, sorted; earlier detectors win where two overlap."""
    found: list[Finding] = []
    for detector in _DETECTORS:
        for finding in detector(text, region):
            if not any(_overlaps(finding, kept) for kept in found):
                found.append(finding)
    return sorted(found, key=lambda finding: finding.start)


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# People dodge e-mail harvesters by spelling it out: "maria dot lopez at example dot com".
_SPELLED_EMAIL = re.compile(
    r"\b[\w+-]+(?:\s+dot\s+[\w+-]+)*\s+(?:at|arroba)\s+[\w-]+(?:\s+(?:dot|punto)\s+[\w-]+)*"
    r"\s+(?:dot|punto)\s+(?:com|org|net|gov|edu|mil|us|mx)\b",
    re.IGNORECASE,
)
_SSN = re.compile(r"(?<![\d-])(\d{3})[- ](\d{2})[- ](\d{4})(?![\d-])")
_SSN_CUE = re.compile(
    r"(?:ssn|social security(?: number| no\.?| #)?|seguro social|n[uú]mero de seguro)"
    r"[^\d]{0,20}(\d{9})(?!\d)",
    re.IGNORECASE,
)
# The ways card numbers are written: 4-4-4-4(-3) groups, Amex's 4-6-5, or one run of digits.
_CARD = re.compile(
    r"(?<![\d-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{5}|\d{13,19})"
    r"(?![\d-])"
)
_STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl"
    r"|terrace|ter|parkway|pkwy|highway|hwy|circle|cir)"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9][\w'-]*\s+){{1,4}}{_STREET_SUFFIX}\b\.?"
    r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|ste|#)\.?\s*[\w-]+)?",
    re.IGNORECASE,
)
_ADDRESS_ES = re.compile(
    r"\b(?:calle|avenida|av\.|avda\.?|carrera|camino|paseo|boulevard)\s+"
    r"(?:[\wÁÉÍÓÚÑáéíóúñ'.-]+\s+){0,4}?(?:#\s*)?\d{1,6}[A-Za-z]?\b"
    r"(?:\s*(?:#|n[uú]m\.?|no\.?)\s*\d{1,6})?(?:,?\s+(?:apto|apt|depto|int)\.?\s*[\w-]+)?",
    re.IGNORECASE,
)
_PO_BOX = re.compile(r"\b(?:P\.?\s?O\.?\s+Box|apartado postal)\s+\d{1,8}\b", re.IGNORECASE)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril"
    r"|mayo|junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre)"
)
_NUMERIC_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}"
_WORDY_DATE = (
    rf"{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    rf"|\d{{1,2}}(?:\s+de)?\s+{_MONTHS}(?:\s+de)?\s+(?:19|20)\d{{2}}"
)
_DATE = re.compile(rf"(?:{_NUMERIC_DATE}|{_WORDY_DATE})", re.IGNORECASE)
_BIRTH_CUE = re.compile(
    r"\b(?:born|dob|d\.o\.b\.?|date of birth|birth ?date|birthday|nac[ií]|naci[óo]"
    r"|nacimiento|cumplea[ñn]os)\b",
    re.IGNORECASE,
)
_BIRTH_YEARS = re.compile(r"(?:19[0-9]{2}|200[0-9]|201[0-9])$")


def _emails(text: str, region: str) -> list[Finding]:
    return [
        Finding("EMAIL", m.start(), m.end())
        for pattern in (_EMAIL, _SPELLED_EMAIL)
        for m in pattern.finditer(text)
    ]


def _ssns(text: str, region: str) -> list[Finding]:
    found = [
        Finding("SSN", m.start(), m.end())
        for m in _SSN.finditer(text)
        if _valid_ssn(m.group(1), m.group(2), m.group(3))
    ]
    for m in _SSN_CUE.finditer(text):
        digits = m.group(1)
        if _valid_ssn(digits[:3], digits[3:5], digits[5:]):
            found.append(Finding("SSN", m.start(1), m.end(1)))
    return found


def _valid_ssn(area: str, group: str, serial: str) -> bool:
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def _cards(text: str, region: str) -> list[Finding]:
    found = []
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            found.append(Finding("CARD", m.start(), m.end()))
    return found


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _phones(text: str, region: str) -> list[Finding]:
    if sum(char.isdigit() for char in text) < 7:
        return []  # no phone number is shorter; skips the matcher for most answers
    # VALID leniency rejects case numbers and amounts that merely look long enough.
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    return [Finding("PHONE", match.start, match.end) for match in matcher]


def _addresses(text: str, region: str) -> list[Finding]:
    return [
        Finding("ADDRESS", m.start(), m.end())
        for pattern in (_ADDRESS, _ADDRESS_ES, _PO_BOX)
        for m in pattern.finditer(text)
    ]


def _birth_dates(text: str, region: str) -> list[Finding]:
    found = []
    for sentence in _sentences(text):
        has_cue = _BIRTH_CUE.search(text, sentence[0], sentence[1]) is not None
        for m in _DATE.finditer(text, sentence[0], sentence[1]):
            if has_cue or _looks_like_birth_year(m.group()):
                found.append(Finding("DOB", m.start(), m.end()))
    return found


def _looks_like_birth_year(date_text: str) -> bool:
    # A full numeric date in a birth-year range is far more often a birthday than a visit.
    year = re.findall(r"\d+", date_text)
    candidates = [part for part in year if len(part) == 4]
    return bool(candidates) and bool(_BIRTH_YEARS.match(candidates[0]))


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"[.!?\n]+\s|;\s", text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _overlaps(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


_DETECTORS = (_emails, _ssns, _cards, _birth_dates, _phones, _addresses)
