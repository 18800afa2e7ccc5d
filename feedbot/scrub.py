"""Personal-data scrubber for free-text survey answers (English and Spanish).

Phone numbers, e-mail addresses, SSNs, payment cards, street addresses and dates of birth are
replaced by typed placeholders before an answer is stored or exported.
"""

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
    """One piece of personal data: its kind (a key of PLACEHOLDERS) and its span in the text."""

    kind: str
    start: int
    end: int


def scrub(text: str, region: str = "US") -> str:
    """The text with every recognised piece of personal data replaced by its placeholder."""
    pieces: list[str] = []
    position = 0
    for finding in find_personal_data(text, region):
        pieces.append(text[position : finding.start])
        pieces.append(PLACEHOLDERS[finding.kind])
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def find_personal_data(text: str, region: str = "US") -> list[Finding]:
    """Non-overlapping findings sorted by position; where two overlap, the earlier detector wins.

    Every detector reads the original text and the text is rewritten once, at the end, so no
    placeholder is ever seen (or rewritten) by a later detector.
    """
    kept: list[Finding] = []
    for detector in _DETECTORS:
        for finding in detector(text, region):
            if not any(_overlaps(finding, other) for other in kept):
                kept.append(finding)
    return sorted(kept, key=lambda finding: finding.start)


# --- patterns -------------------------------------------------------------------------------

# A digit run must not continue into more digits, even across one separator: a 22-digit
# tracking number written in groups must not yield a "card" from its first four groups.
_NOT_AFTER_DIGITS = r"(?<![\d-])(?<!\d[ .])"
_NOT_BEFORE_DIGITS = r"(?![\d-])(?![ .]\d)"
_DIGIT = re.compile(r"\d")
_NON_DIGIT = re.compile(r"\D")
# Idempotence: scrub(scrub(x)) == scrub(x) only if no cue reads the placeholders left by the
# first pass. So a cue that may not reach across other numbers may not reach across a "[" either,
# and cue words that are also placeholder names (SSN, DOB, phone, address) never follow a "[".
_NUMBER_OR_PLACEHOLDER = re.compile(r"[\d\[]")

# A dot with a space before it is how "maria @ example . com" is typed; a space only after it
# ends a sentence ("write me @ home. Then ...").
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+ ?@ ?[A-Za-z0-9-]+(?:(?:\.| \. ?)[A-Za-z0-9-]+)*(?:\.| \. ?)"
    r"[A-Za-z]{2,}\b(?!@)"
)
# People dodge address harvesters by spelling it out: "maria dot lopez at example dot com",
# "maria (at) example [dot] com", "maria.lopez(at)gmail.com", "maria at gmail.com". A bracketed
# word needs no spaces around it.
_SPELLED_DOT = r"(?:\s+(?:dot|punto)\s+|\s*[(\[](?:dot|punto)[)\]]\s*)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])(?P<local>[\w.+-]+(?:{_SPELLED_DOT}[\w+-]+)*)"
    r"(?P<at>\s+(?:at|arroba)\s+|\s*[(\[](?:at|arroba)[)\]]\s*)"
    rf"[\w-]+(?:(?:{_SPELLED_DOT}|\.)[\w-]+)*(?P<last_dot>{_SPELLED_DOT}|\.)"
    r"(?:com|org|net|gov|edu|mil|us|mx)\b",
    re.IGNORECASE,
)
_EMAIL_HINT = re.compile(r"@|\b(?:at|arroba)\b", re.IGNORECASE)
# A bare "at" is also English: "the staff at USCIS dot gov", "I applied at uscis.gov". After a
# determiner the word before it is a noun, not a mailbox.
_DETERMINER_BEFORE = re.compile(r"\b(?:the|this|that|our|their|your)\s+$", re.IGNORECASE)
# So a bare "at" before a written domain ("at gmail.com") needs one more sign of an address:
# a mailbox no English word looks like ("maria.lopez", "jo_lee2"), a cue just before it, or a
# webmail provider's domain.
_MAILBOX_MARK = re.compile(r"\d|\w[._+-]\w|\s")
# Before a .gov or .mil site, digits and hyphens are no such sign ("my I-130 at uscis.gov",
# "$25 at pay.gov", "after 5pm at login.gov"): only a dotted mailbox, a spelled "dot" or a cue.
_GOVERNMENT_MAILBOX_MARK = re.compile(r"\w[._+]\w|\s")
_EMAIL_CUE = re.compile(
    r"\b(?:e-?mail|correo)\b[^\w\n]*(?:(?:is|es|me|at|to|address|electr[oó]nico)\b[^\w\n]*)*$",
    re.IGNORECASE,
)
_WEBMAIL = re.compile(
    r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|aol|icloud|protonmail)\.",
    re.IGNORECASE,
)
_EMAIL_CUE_REACH = 30

# "123-45-6789 2 times" is an SSN; "123 45 6789 01" is part of some longer grouped number.
_SSN = re.compile(rf"{_NOT_AFTER_DIGITS}(\d{{3}})([- .])(\d{{2}})\2(\d{{4}})(?![\d-])(?!\2\d)")
# "my social is ...", "my ss number ...": people drop the "security".
_SSN_WORD = (
    r"(?:(?<!\[)ssn|ss ?#|ss (?:number|no\.?)|social security(?: number| no\.?| #)?|social\b"
    r"|seguro social|n[uú]mero de seguro)"
)
# Beside a cue, nine digits count in the groupings people type ("123 456 789", "1234 56789") or
# one at a time, as speech-to-text writes them ("1 2 3 4 5 6 7 8 9"); a grouped run must not go
# on into more digits.
_CUED_SSN_DIGITS = (
    r"(\d{9}(?!\d)|(?<!\d[ -])(?:\d{3}[ -]\d{3}[ -]\d{3}|\d{4}[ -]\d{5}|\d(?: \d){8})(?![ -]?\d))"
)
# Nine bare digits are an SSN only beside a cue, before or after them.
_SSN_CUED = re.compile(
    rf"\b{_SSN_WORD}[^\d\n\[]{{0,20}}?{_CUED_SSN_DIGITS}"
    rf"|(?<!\d){_CUED_SSN_DIGITS}[^\d\n\[]{{0,12}}?\b{_SSN_WORD}",
    re.IGNORECASE,
)

# Card numbers as they are written: 4-4-4-4(-3) groups, Amex's 4-6-5, or one run of digits.
_CARD = re.compile(
    rf"{_NOT_AFTER_DIGITS}(?:\d{{4}}([ -])\d{{4}}\1\d{{4}}\1\d{{4}}(?:\1\d{{1,3}}(?![\d-]))?"
    rf"|\d{{4}}([ -])\d{{6}}\2\d{{4,5}}|\d{{13,19}})(?![\d-])(?![ .]\d{{4}})"
)

# Case, receipt, loan and tracking numbers are long digit runs too; the words before say so.
_REFERENCE_CUE = re.compile(
    r"\b(?:case|receipt|confirmation|tracking|reference|ref|claim|application|ticket|order"
    r"|invoice|loan|caso|recibo|confirmaci[oó]n|referencia|solicitud|rastreo|folio|gu[ií]a"
    r"|expediente|tr[aá]mite|pr[eé]stamo)\.?\s*(?:number|num\.?|no\.?|n[uú]mero|n[oº°]\.?)?"
    r"\s*(?:is|es|de)?\s*[:#]*\s*$",
    re.IGNORECASE,
)
_REFERENCE_REACH = 30

# A seven-digit local number is only a phone number when the writer says so.
_LOCAL_PHONE = re.compile(
    r"\b(?:call|(?<!\[)phone|cell|text|tel|my number|mi n[uú]mero|tel[eé]fono|celular|cel"
    r"|ll[aá]m\w*|whatsapp)\b[^\d\n\[]{0,15}?(?<!\d)(\d{3}[-. ]\d{4})(?![\d-])",
    re.IGNORECASE,
)
# Speech-to-text sometimes writes digits as words: "two oh two five five five ...".
_DIGIT_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|cero|uno|una|dos|tres|cuatro"
    r"|cinco|seis|siete|ocho|nueve)"
)
_SPOKEN_NUMBER = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD}){{6,}}\b", re.IGNORECASE)
_SPOKEN_DIGIT = re.compile(rf"\b{_DIGIT_WORD}\b", re.IGNORECASE)
_SPOKEN_SSN_CUE = re.compile(rf"\b{_SSN_WORD}", re.IGNORECASE)

_STREET_SUFFIX = (
    r"(?i:street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl"
    r"|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|trail|trl|square|sq|loop|pike|plaza)"
)
_UNIT = (
    r"(?:,?\s+(?i:apt|apartment|unit|suite|ste|fl|floor|rm|room|#)\.?\s*#?"
    r"(?:\d[\w-]*|[A-Za-z]\b))?"
)
_DIRECTION = r"(?:[NSEW]\.?|North|South|East|West|NE|NW|SE|SW)"
# Street names are capitalised ("42 Oak Street"); without that, "took 2 people to drive" would
# be an address. Ordinals ("350 5th Ave") count as names.
_ADDRESS = re.compile(
    rf"(?<![\w$.,])\d{{1,6}}[A-Za-z]?\s+(?:{_DIRECTION}\s+)?"
    rf"(?:(?:[A-Z][\w'.-]*|\d+(?:st|nd|rd|th))\s+){{1,4}}{_STREET_SUFFIX}\b\.?"
    rf"(?:\s+{_DIRECTION}\b)?{_UNIT}"
)
# Lower-case addresses are accepted only after words that announce an address.
_ADDRESS_CUED = re.compile(
    rf"\b(?:live at|living at|(?<!\[)address is|(?<!\[)address:|moved to|send it to"
    rf"|mail it to|mail to|reside at|deliver to)"
    rf"\s+(\d{{1,6}}\s+(?:{_DIRECTION}\s+)?(?:[a-z][\w'.-]*\s+){{1,4}}{_STREET_SUFFIX}\b\.?{_UNIT})",
    re.IGNORECASE,
)
_ES_STREET_WORD = (
    r"(?i:calle|avenida|av\.|avda\.|carrera|camino|paseo|bulevar|boulevard|privada|cerrada"
    r"|callej[oó]n|carretera)"
)
_ES_NAME = r"[A-ZÁÉÍÓÚÑ][\wÁÉÍÓÚÑáéíóúñü'.-]*"
_ES_LINK = r"(?:de|del|la|las|los|y)"
_ES_NUMBER = r"(?:#\s*|(?i:n[uú]m\.?|no\.?|n[oº°]\.?)\s*)"
# "Avenida Juárez 45", "Calle de la Reforma 123", "Calle 5 #123": either a capitalised name and
# a number, or a numbered street and a house number; "la calle 3 horas" is neither.
_ADDRESS_ES = re.compile(
    rf"\b{_ES_STREET_WORD}\s+(?:"
    rf"(?:{_ES_LINK}\s+){{0,2}}{_ES_NAME}\s+(?:(?:{_ES_NAME}|{_ES_LINK})\s+){{0,4}}"
    rf"{_ES_NUMBER}?\d{{1,6}}"
    rf"|\d{{1,4}}[A-Za-z]?\s*{_ES_NUMBER}\d{{1,6}}"
    rf")[A-Za-z]?\b(?:\s*{_ES_NUMBER}\d{{1,6}}[A-Za-z]?\b)?"
    r"(?:,?\s+(?i:apto|apt|apartamento|depto|departamento|int|interior)\.?\s*[\w-]+)?"
)
# The Southwest's "4500 Paseo del Norte NE", "2300 Calle Ocho": a house number, then a Spanish
# street word where English puts its suffix.
_ADDRESS_SW = re.compile(
    rf"(?<![\w$.,])\d{{1,6}}\s+(?:Calle|Camino|Paseo|Avenida|Via|Vía|Rancho|Avenue of)\s+"
    rf"(?:(?:{_ES_NAME}|{_ES_LINK}|el|the)\s+){{0,3}}{_ES_NAME}(?:\s+{_DIRECTION}\b)?{_UNIT}"
)
_PO_BOX = re.compile(
    r"\b(?:P\.?\s?O\.?\s?Box|post office box|apartado postal|apartado)\s+#?\d{1,8}\b",
    re.IGNORECASE,
)

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril"
    r"|mayo|junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre)"
)
_NUMERIC_DATE = re.compile(
    rf"{_NOT_AFTER_DIGITS}(?:(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d{{4}}|\d{{2}})"
    rf"|(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})){_NOT_BEFORE_DIGITS}(?!/)"
)
_WORDY_DATE = re.compile(
    rf"\b(?:{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+de|\s+of)?\s+{_MONTHS}\.?,?(?:\s+de|\s+del)?\s+(?:19|20)\d{{2}}"
    rf"|{_MONTHS}\s+(?:de\s+|of\s+)?(?:19|20)\d{{2}})(?!\d)",
    re.IGNORECASE,
)
# A day and month without a year ("my birthday is March 3").
_DAY_MONTH = re.compile(
    rf"\b(?:{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:\s+de|\s+of)?\s+{_MONTHS})\b",
    re.IGNORECASE,
)
# "born in '85", "nací en el 85": a two-digit birth year, right after the cue.
_BIRTH_YEAR = re.compile(
    r"\b(?:born|nac[ií]|naci[óo]|nacid[oa])\s+(?:in|en)\s+(?:(?:el|the)\s+)?(?:a[ñn]o\s+)?"
    r"('?\d{2}|(?:19|20)\d{2})\b(?![/.-]\d)",
    re.IGNORECASE,
)
# "born 1955", "nací en Ponce en 1950": a four-digit year in the cue's clause.
_YEAR = re.compile(r"(?<![\d/.-])(?:19|20)\d{2}(?![\d/-])")
# A birth certificate ("acta de nacimiento") is a document, not a birth date.
_BIRTH_CUE = re.compile(
    r"\b(?:born|(?<!\[)dob|d\.o\.b\.?|(?:date|year) of birth|birth ?date|birthday|nac[ií]"
    r"|naci[óo]|nacid[oa]s?"
    r"|fecha de nac\.|(?<!acta de )(?<!certificado de )(?<!partida de )nacimiento"
    r"|cumplea[ñn]os)(?!\w)",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"\b(?:and|but|then|when|y|pero|luego|despu[eé]s|cuando)\b", re.IGNORECASE
)
# A single letter before the stop is an initial or "d.o.b.", not the end of a sentence.
_SENTENCE_END = re.compile(r"(?<!\b[A-Za-z])[.!?\n]+\s|;\s")
# A numeric date from these years with no cue is far more often a birth date than a visit.
_FIRST_UNCUED_YEAR, _LAST_UNCUED_YEAR = 1900, 2019
_BIRTH_CUE_REACH = 30


# --- detectors: each reads the original text ------------------------------------------------


def _emails(text: str, region: str) -> list[Finding]:
    if not _EMAIL_HINT.search(text):
        return []
    found = [Finding("EMAIL", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    found += [
        Finding("EMAIL", m.start(), m.end())
        for m in _SPELLED_EMAIL.finditer(text)
        if _spelled_email_is_address(text, m)
    ]
    return found


def _spelled_email_is_address(text: str, m: re.Match[str]) -> bool:
    # Nobody writes "(at)", "[at]" or "arroba" in a sentence; only a bare "at" can be English.
    if m["at"].strip().lower() != "at":
        return True
    before = max(0, m.start() - _EMAIL_CUE_REACH)
    if _DETERMINER_BEFORE.search(text, before, m.start()):
        return False
    cued = _EMAIL_CUE.search(text, before, m.start()) is not None
    government = m.group(0).lower().endswith(("gov", "mil"))
    mark = _GOVERNMENT_MAILBOX_MARK if government else _MAILBOX_MARK
    return (
        m["last_dot"] != "."
        or mark.search(m["local"]) is not None
        or cued
        or _WEBMAIL.match(text, m.end("at")) is not None
    )


def _ssns(text: str, region: str) -> list[Finding]:
    found = [
        Finding("SSN", m.start(), m.end())
        for m in _SSN.finditer(text)
        if _valid_ssn(m.group(1) + m.group(3) + m.group(4))
    ]
    # "Social Services case number 123456789": a reference cue right before the digits wins.
    for m in _SSN_CUED.finditer(text):
        group = 1 if m.group(1) else 2
        digits = _NON_DIGIT.sub("", m.group(group))
        if _valid_ssn(digits) and not _after_reference_cue(text, m.start(group)):
            found.append(Finding("SSN", m.start(group), m.end(group)))
    return found


def _valid_ssn(digits: str) -> bool:
    # The SSA never issues area 000, 666 or 9xx (those are ITINs), group 00 or serial 0000.
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def _cards(text: str, region: str) -> list[Finding]:
    found = []
    for m in _CARD.finditer(text):
        digits = _NON_DIGIT.sub("", m.group())
        if 13 <= len(digits) <= 19 and _luhn(digits) and not _after_reference_cue(text, m.start()):
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
    if len(_DIGIT.findall(text)) < 7:
        return []  # no phone number is shorter; most answers skip the matcher entirely
    # VALID: the number must be a real, dialable number for its region, and not glued to
    # letters, which rejects receipt numbers like IOE0912345678 and amounts like $1,250.00.
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    found = [
        Finding("PHONE", match.start, match.end)
        for match in matcher
        if not _after_reference_cue(text, match.start)
    ]
    found += [Finding("PHONE", m.start(1), m.end(1)) for m in _LOCAL_PHONE.finditer(text)]
    return found


def _after_reference_cue(text: str, start: int) -> bool:
    return _REFERENCE_CUE.search(text, max(0, start - _REFERENCE_REACH), start) is not None


def _spoken_numbers(text: str, region: str) -> list[Finding]:
    found = []
    for m in _SPOKEN_NUMBER.finditer(text):
        digits = len(_SPOKEN_DIGIT.findall(m.group()))
        nearby = text[max(0, m.start() - 30) : m.end() + 30]
        kind = "SSN" if digits == 9 and _SPOKEN_SSN_CUE.search(nearby) else "PHONE"
        found.append(Finding(kind, m.start(), m.end()))
    return found


def _addresses(text: str, region: str) -> list[Finding]:
    found = [
        Finding("ADDRESS", m.start(), m.end())
        for pattern in (_ADDRESS, _ADDRESS_ES, _ADDRESS_SW, _PO_BOX)
        for m in pattern.finditer(text)
    ]
    found += [Finding("ADDRESS", m.start(1), m.end(1)) for m in _ADDRESS_CUED.finditer(text)]
    return found


def _birth_dates(text: str, region: str) -> list[Finding]:
    if not _DIGIT.search(text):
        return []
    found = []
    for start, end in _sentences(text):
        cues = [m.span() for m in _BIRTH_CUE.finditer(text, start, end)]
        found += _numeric_birth_dates(text, start, end, bool(cues))
        if cues:
            found += _cued_birth_dates(text, start, end, cues)
    return found


def _numeric_birth_dates(text: str, start: int, end: int, cued_sentence: bool) -> list[Finding]:
    found = []
    for m in _NUMERIC_DATE.finditer(text, start, end):
        day_and_month = (m.group(1), m.group(3)) if m.group(1) else (m.group(7), m.group(6))
        if not _plausible_day_month(*day_and_month):
            continue
        year = m.group(4) or m.group(5)
        cued = cued_sentence or _cue_just_before(text, m.start())
        if cued or (len(year) == 4 and _FIRST_UNCUED_YEAR <= int(year) <= _LAST_UNCUED_YEAR):
            found.append(Finding("DOB", m.start(), m.end()))
    return found


def _plausible_day_month(first: str, second: str) -> bool:
    # Either order (U.S. month/day, Spanish day/month): one is a month, both are days.
    a, b = int(first), int(second)
    return 1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12)


def _cued_birth_dates(
    text: str, start: int, end: int, cues: list[tuple[int, int]]
) -> list[Finding]:
    found = [Finding("DOB", m.start(), m.end()) for m in _WORDY_DATE.finditer(text, start, end)]
    found += [Finding("DOB", m.start(1), m.end(1)) for m in _BIRTH_YEAR.finditer(text, start, end)]
    found += [
        Finding("DOB", m.start(), m.end())
        for m in _YEAR.finditer(text, start, end)
        if any(_same_clause(text, m.span(), cue, digits_between=False) for cue in cues)
    ]
    # Without a year, "March 3" is a birthday only right beside the cue: in "my birthday is
    # March 3 and I called May 5" the second date is a visit.
    found += [
        Finding("DOB", m.start(), m.end())
        for m in _DAY_MONTH.finditer(text, start, end)
        if any(_same_clause(text, m.span(), cue) for cue in cues)
    ]
    return found


def _same_clause(
    text: str, date: tuple[int, int], cue: tuple[int, int], digits_between: bool = True
) -> bool:
    # A bare year must be the first number after its cue: in "date of birth 1979-11-02 was
    # entered as 1997" the 1997 is not the birth date. No new clause may start in between.
    gap = (cue[1], date[0]) if date[0] >= cue[1] else (date[1], cue[0])
    return (
        gap[1] - gap[0] <= _BIRTH_CUE_REACH
        and _CLAUSE_BREAK.search(text, gap[0], gap[1]) is None
        and (digits_between or _NUMBER_OR_PLACEHOLDER.search(text, gap[0], gap[1]) is None)
    )


def _cue_just_before(text: str, position: int) -> bool:
    window = text[max(0, position - _BIRTH_CUE_REACH) : position]
    return _BIRTH_CUE.search(window) is not None


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _overlaps(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


# Order matters where detectors compete for the same digits: an SSN or a card number also
# parses as a phone number, and a birth date such as 1985-04-12 as a phone-like digit run.
_DETECTORS = (_emails, _ssns, _cards, _birth_dates, _phones, _spoken_numbers, _addresses)
