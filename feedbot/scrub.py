"""Personal-data scrubber for free-text survey answers.

Phone numbers, e-mail addresses, SSNs and ITINs, Chile's RUT and Brazil's CPF, payment cards,
bank accounts, USCIS, passport, Medicare and VA identifiers, case, claim and other reference
numbers, street addresses, dates of birth and names (introduced, after a title or another cue,
or on the service's list of staff names) are replaced by typed placeholders before an answer is
stored or exported. Worded dates are read in English and Spanish, street addresses in every
survey language but Arabic; names, numbers and their cues in all 12.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import phonenumbers

from feedbot.languages import fold

PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "SSN": "[SSN]",
    "CARD": "[CARD]",
    "PHONE": "[PHONE]",
    "ADDRESS": "[ADDRESS]",
    "DOB": "[DOB]",
    "ITIN": "[ITIN]",
    "NATIONAL_ID": "[NATIONAL_ID]",
    "A_NUMBER": "[A_NUMBER]",
    "RECEIPT": "[RECEIPT]",
    "PASSPORT": "[PASSPORT]",
    "MEDICARE": "[MEDICARE]",
    "VA_FILE": "[VA_FILE]",
    "ACCOUNT": "[ACCOUNT]",
    "ROUTING": "[ROUTING]",
    "REFERENCE": "[REFERENCE]",
    "NAME": "[NAME]",
}


# Each reading that finds more replaces digits with placeholders, and no placeholder is ever
# scrubbed, so the readings end; a bound keeps a mistake in that from looping forever.
_MOST_PASSES = 8


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (a key of PLACEHOLDERS) and its span in the text."""

    kind: str
    start: int
    end: int


def scrub(text: str, region: str = "US", staff_names: tuple[str, ...] = ()) -> str:
    """The text with every recognised piece of personal data replaced by its placeholder;
    `staff_names` (a service's `scrub_names`) are names to take wherever they appear.

    The text comes back in Unicode's composed form (NFC): some Vietnamese keyboards type "tên"
    as "e", a circumflex and a tone mark, which no cue would match.

    The text is read again while that finds more, so that scrubbing it again changes nothing:
    a detector judges a number by the digits beside it, and digits another detector takes are
    a placeholder only once the text is rewritten. In "2024561111 4111 1111 1111 1111 929" the
    card number goes on from a phone number's digits; beside "[PHONE]" it is a card.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    for _ in range(_MOST_PASSES):
        scrubbed = _scrubbed_once(text, region, staff_names)
        if scrubbed == text:
            break
        text = scrubbed
    return text


def find_personal_data(
    text: str, region: str = "US", staff_names: tuple[str, ...] = ()
) -> list[Finding]:
    """Non-overlapping findings sorted by position; where two overlap, the earlier detector wins.

    Every detector reads the original text and the text is rewritten once, at the end, so no
    placeholder is ever seen (or rewritten) by a later detector. Names come last. These are
    one reading's findings: scrub() reads its rewritten text again (see there).
    """
    text = _fold_separators(text)
    kept: list[Finding] = []
    for detector in _DETECTORS:
        _keep_new(kept, detector(text, region))
    _keep_new(kept, _names(text, staff_names, kept))
    return kept


def _scrubbed_once(text: str, region: str, staff_names: tuple[str, ...]) -> str:
    pieces: list[str] = []
    position = 0
    for finding in find_personal_data(text, region, staff_names):
        pieces.append(text[position : finding.start])
        pieces.append(PLACEHOLDERS[finding.kind])
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def is_everyday_word(name: str) -> bool:
    """Whether a one-word staff name is also a word the scrubber knows as an everyday one in a
    survey language ("an", "le", "will"), which would be scrubbed wherever it is written."""
    lowered, _ = _folded_for_names(unicodedata.normalize("NFC", name.strip()))
    return lowered in _EVERYDAY_WORDS


def _keep_new(kept: list[Finding], findings: list[Finding]) -> None:
    # `kept` stays sorted and without overlaps, so a finding need only be checked against its
    # neighbours: a long answer with hundreds of findings stays linear, not quadratic.
    for finding in findings:
        index = bisect.bisect(kept, finding.start, key=lambda other: other.start)
        if index > 0 and _overlaps(finding, kept[index - 1]):
            continue
        if index < len(kept) and _overlaps(finding, kept[index]):
            continue
        kept.insert(index, finding)


def _fold_separators(text: str) -> str:
    # Word processors and phone keyboards turn "123-45-6789" into "123–45–6789", and put a
    # no-break or thin space (or a tab) between a number's groups: every digit pattern below
    # reads a plain hyphen and a plain space. One character for one, so spans stay the same.
    if text.isascii() and "\t" not in text:
        return text
    return _SPACE_BETWEEN_DIGITS.sub(" ", _DASH_BETWEEN_DIGITS.sub("-", text))


# --- patterns -------------------------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    # A word listed twice is an oversight, in a list people will read to see what is kept.
    listed = words.split()
    unique = frozenset(listed)
    if len(unique) < len(listed):
        repeated = sorted({word for word in listed if listed.count(word) > 1})
        raise ValueError(f"listed twice: {' '.join(repeated)}")
    return unique


_DASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\u2010-\u2015\u2212\ufe58\ufe63\uff0d](?=\d)")
# Spaces but the plain one and line breaks (a line break parts two numbers, as it does a cue).
_SPACE_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000](?=\d)")

# A digit run must not continue into more digits, even across one separator: a 22-digit
# tracking number written in groups must not yield a "card" from its first four groups.
_NOT_AFTER_DIGITS = r"(?<![\d-])(?<!\d[ .])"
_NOT_BEFORE_DIGITS = r"(?![\d-])(?![ .]\d)"
_DIGIT = re.compile(r"\d")
_NON_DIGIT = re.compile(r"\D")
# An SSN has nine digits, however they are grouped.
_SSN_DIGITS = 9
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
# "maria@example", "maria@gmail": the domain cut short. Only with the "@" typed tight, and a
# letter in the mailbox, so "write me @ home" and "2@5" stay.
_EMAIL_WITHOUT_TLD = re.compile(
    r"(?<![\w.%+-])[\w.%+-]*[^\W\d_][\w.%+-]*@[A-Za-z][A-Za-z0-9-]*(?![\w@-]|\.\w)"
)
# Webmail people name without its ending: "maria at gmail", "lupe arroba hotmail".
_WEBMAIL_NAME = r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|icloud|aol|protonmail)"
# People dodge address harvesters by spelling it out: "maria dot lopez at example dot com",
# "maria (at) example [dot] com", "maria.lopez(at)gmail.com", "maria at gmail.com". A bracketed
# word needs no spaces around it.
_SPELLED_DOT = r"(?:\s+(?:dot|punto)\s+|\s*[(\[](?:dot|punto)[)\]]\s*)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])(?P<local>[\w.+-]+(?:{_SPELLED_DOT}[\w+-]+)*)"
    r"(?P<at>\s+(?:at|arroba)\s+|\s*[(\[](?:at|arroba)[)\]]\s*|\s*@\s*)"
    rf"(?:[\w-]+(?:(?:{_SPELLED_DOT}|\.)[\w-]+)*(?P<last_dot>{_SPELLED_DOT}|\.)"
    rf"(?:com|org|net|gov|edu|mil|us|mx|co|io|es|info|biz|ca|uk|fr|de|pt|br|ht|ph|vn|kr|ru|cn"
    rf"|tw|hk)\b|(?P<webmail>{_WEBMAIL_NAME})\b(?!\s*(?:\.|[(\[]?(?:dot|punto)\b)))",
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
# Said aloud, a mailbox may be a name with a space in it: in "Email me at maria lopez at gmail dot
# com" the word between the cue and the address is the address's too.
_EMAIL_CUE_WORDS = r"(?:is|es|me|at|to|address|electr[oó]nico)\b"
_WORD_OF_SPOKEN_MAILBOX = re.compile(
    rf"\b(?:e-?mail|correo)\b[^\w\n]*(?:{_EMAIL_CUE_WORDS}[^\w\n]*)*"
    rf"(?!{_EMAIL_CUE_WORDS})([^\W\d_]+)[ \t]+$",
    re.IGNORECASE,
)
_SPOKEN_MAILBOX_REACH = 60

# "123-45-6789 2 times" is an SSN; "123 45 6789 01" is part of some longer grouped number. As
# for a card, only the number's own separator going on into more digits is a longer number's
# groups: a hyphen before hyphenated groups ("42-123-45-6789"), or after them into a group of
# four or more groups ("123-45-6789-1234", "123-45-6789-12-3"). A short number after its own
# hyphen ("123-45-6789-1", no SSN has more digits) or another separator parts them. A count
# of three digits at most that ends the run ("123 45 6789 3 times") is no group, as after a phone
# number; a count is never written "01", so "123 45 6789 01" stays a longer number.
_COUNT_AFTER_A_SPACE = r" [1-9]\d{0,2}(?![ .-]?\d)"
# After a digit and a space, only a hyphenated SSN starts (a list of them: "123-45-6789
# 234-56-7890"); a spaced or dotted one there is a longer number's groups.
_SSN_STARTS = r"(?<!\d)(?:(?<!\d[ .])|(?<=\d )(?=\d{3}-\d{2}-\d{4}))(?<!\d-(?=\d{3}-))"
_SSN_ENDS = (
    rf"(?!\d)(?:(?={_COUNT_AFTER_A_SPACE})|(?!(?P=separator)(?<=[ .])\d))"
    r"(?!(?P=separator)(?<=-)(?:\d{4}|\d{1,3}-\d))"
)
_SSN = re.compile(rf"{_SSN_STARTS}(\d{{3}})(?P<separator>[- .])(\d{{2}})\2(\d{{4}}){_SSN_ENDS}")
# "my social is ...", "my ss number ...": people drop the "security", but a social worker or
# Social Services is not a social security number.
_SSN_WORD = (
    r"(?:(?<!\[)ssn|ss ?#|ss (?:number|no\.?)|social security(?: number| no\.?| #)?"
    r"|social\b(?![\s-]*(?:workers?|work|services?|media|club|network|studies)\b)"
    r"|seguro social|n[uú]mero de seguro)"
)
# Beside a cue, nine digits count in the groupings people type ("123 456 789", "1234 56789",
# "123 45-6789", "123 - 45 - 6789", "123  45  6789") or one at a time, as speech-to-text writes
# them ("1 2 3 4 5 6 7 8 9"); a grouped run must not go on into more digits but a count ("ssn
# 123 456 789 2 times").
_CUED_SSN_SEPARATOR = r"(?: ?[ -] ?)"
_CUED_SSN_DIGITS = (
    r"(\d{9}(?!\d)|(?<!\d[ -])(?:\d{3}[ -]\d{3}[ -]\d{3}|\d{4}[ -]\d{5}"
    rf"|\d{{3}}{_CUED_SSN_SEPARATOR}\d\d{_CUED_SSN_SEPARATOR}\d{{4}}|\d(?: \d){{8}})"
    rf"(?!-?\d)(?:(?={_COUNT_AFTER_A_SPACE})|(?! \d)))"
)
# Nine bare digits are an SSN only beside a cue, before or after them; most answers have no cue,
# which is far quicker to look for alone than with the digits around it.
_SSN_CUE = re.compile(rf"\b{_SSN_WORD}", re.IGNORECASE)
_SSN_CUED = re.compile(
    rf"\b{_SSN_WORD}[^\d\n\[]{{0,20}}?{_CUED_SSN_DIGITS}"
    rf"|(?<!\d){_CUED_SSN_DIGITS}[^\d\n\[]{{0,12}}?\b{_SSN_WORD}",
    re.IGNORECASE,
)

# Other countries' national identity numbers, as printed on their cards: Chile's RUT
# ("12.345.678-5", its check digit "K" for 10) and Brazil's CPF ("123.456.789-09"). Their check
# digits (modulo 11) tell them from amounts and other dotted numbers; after their name ("RUT
# 12345678-5", "CPF 52998224725") the dots and the hyphen may be left out.
_NATIONAL_ID_STARTS = r"(?<![\d.,/])(?<![\d.,/]-)"
_NATIONAL_ID_ENDS = r"(?!\w)(?![.,/-]\d)"
_RUT = r"[1-9]\d?\.?\d{3}\.?\d{3}-?[\dkK]"
_CPF = r"\d{3}\.?\d{3}\.?\d{3}-?\d\d"
_DOTTED_NATIONAL_ID = r"(?:[1-9]\d?\.\d{3}\.\d{3}-[\dkK]|\d{3}\.\d{3}\.\d{3}-\d\d)"
# Several may be written in a row, a slash or a comma apart with no space ("12.345.670-K/8.765.
# 432-K", a family's), each judged by its own check digits; a slash or comma into other digits
# is still a longer number's ("12.345.670-K/2024").
_JOINED = "[/,]"
_NATIONAL_ID = re.compile(
    rf"{_NATIONAL_ID_STARTS}{_DOTTED_NATIONAL_ID}(?:{_JOINED}{_DOTTED_NATIONAL_ID})*"
    rf"{_NATIONAL_ID_ENDS}"
)
# The name says which number follows: nine digits after "CPF" are no RUT.
_NATIONAL_ID_CUE_WORDS = ("rut", "cpf")
_NATIONAL_ID_CUED = re.compile(
    rf"\brut\b[^\d\n\[]{{0,20}}?{_NATIONAL_ID_STARTS}({_RUT}(?:{_JOINED}{_RUT})*)"
    rf"{_NATIONAL_ID_ENDS}"
    rf"|\bcpf\b[^\d\n\[]{{0,20}}?{_NATIONAL_ID_STARTS}({_CPF}(?:{_JOINED}{_CPF})*)"
    rf"{_NATIONAL_ID_ENDS}",
    re.IGNORECASE,
)
_NATIONAL_ID_IN_A_ROW = re.compile("[^/,]+")
_NATIONAL_ID_MIN_DIGITS = 7
_NATIONAL_ID_SEPARATORS = re.compile("[.-]")
_CPF_DIGITS = 11

# Each identifier shape below starts with its first character and looks behind it after: a
# pattern that starts with a literal is scanned for, one that starts with a look-behind is tried
# at every position.

# An ITIN is shaped like an SSN but starts with 9 and has a group of 50-65, 70-88, 90-92 or
# 94-99; undashed, it needs its name beside it.
_ITIN = re.compile(
    rf"9(?<!\d9)(?<!\d[ .]9)(?<!\d-9(?=\d\d-))\d\d(?P<separator>[- .])(\d\d)\1\d{{4}}{_SSN_ENDS}"
)
_ITIN_CUED = re.compile(
    r"\b(?:itin|taxpayer identification number|n[uú]mero de identificaci[oó]n personal del"
    r" contribuyente)\b[^\d\n\[]{0,20}?(?<!\d)(9\d{8}|9\d\d[ -]\d\d[ -]\d{4})(?![\d-])",
    re.IGNORECASE,
)
_ITIN_GROUP = re.compile(r"5\d|6[0-5]|7\d|8[0-8]|9[0-24-9]")

# USCIS identifiers. An A-number is an "A" and 7-9 digits ("A123456789", "A-123-456-789",
# "A# 123456789"); lower-case "a" only glued by "#" or "-", as "a 12345678" is English, and
# after a space only the 8 or 9 digits of today's numbers ("Building A 2000000" stays).
_A_NUMBER_DIGITS = r"(?:\d{3}[- ]?\d{3}[- ]?\d{3}|\d{7,8})(?![\d-])(?![ .]\d)"
_A_NUMBER = re.compile(
    rf"A(?<![\w#-]A)(?:\s*#\s*|\s*-\s*|\.\s*)?{_A_NUMBER_DIGITS}"
    r"|A(?<![\w#-]A)\s+(?:\d{3}[- ]?\d{3}[- ]?\d{3}|\d{8})(?![\d-])(?![ .]\d)"
    rf"|a(?<![\w#-]a)(?:\s*#\s*|-){_A_NUMBER_DIGITS}"
)
_A_NUMBER_CUED = re.compile(
    r"\b(?:a-?number|alien(?: registration)? (?:number|no\.?|#)|uscis (?:number|#)"
    r"|n[uú]mero (?:a|de extranjero)|num[ée]ro d['’][ée]tranger)\b[^\d\n\[]{0,15}?"
    r"(?<![\w-])((?:a\s*[#-]?\s*)?(?:\d{3}[- ]\d{3}[- ]\d{3}|\d{7,9}))(?![\d-])",
    re.IGNORECASE,
)
# A receipt number is a service centre's three letters and ten digits: "IOE0912345678",
# "EAC-21-900-12345". It looks up the person's case on uscis.gov.
_RECEIPT_CENTRES = "IOE|EAC|WAC|LIN|SRC|NBC|MSC|YSC|CSC|NSC|TSC|VSC"
_RECEIPT = re.compile(
    rf"(?:{_RECEIPT_CENTRES}|{_RECEIPT_CENTRES.lower()})(?<![\w-]...)[- ]?"
    r"\d\d[- ]?\d{3}[- ]?\d{5}(?![\d-])"
)
# A Medicare Beneficiary Identifier: 11 characters in a fixed pattern of digits and letters
# (never S, L, O, I, B or Z), printed as 1EG4-TE5-MK73. The pattern is rare enough not to need
# a cue; the old HICN is an SSN and a letter, and is caught as the SSN.
_MBI_LETTER = "[AC-HJKMNP-RT-Y]"
_MBI_CHAR = "[AC-HJKMNP-RT-Y0-9]"
_MBI = re.compile(
    rf"[1-9](?<![\w-].){_MBI_LETTER}{_MBI_CHAR}\d([- ]?){_MBI_LETTER}{_MBI_CHAR}\d\1"
    rf"{_MBI_LETTER}{{2}}\d\d(?![\w-])"
)
_SHAPED_IDENTIFIERS = (
    ("ITIN", _ITIN),
    ("A_NUMBER", _A_NUMBER),
    ("RECEIPT", _RECEIPT),
    ("MEDICARE", _MBI),
)
# A passport number is 6-9 characters, digits with at most two letters before and one after
# (US "123456789" or "A12345678", Mexico "G12345678", the Philippines "P1234567A") or France's
# "18AB12345"; only right after the word "passport" in one of the survey's languages.
_PASSPORT = re.compile(
    r"(?:\b(?:passport|pasaporte|passeport|passaporte|паспорт\w*|hộ chiếu|paspò)"
    r"|여권|护照|護照|جواز(?: ال)?سفر)"
    r"[^\d\n\[]{0,25}?(?<![\w-])([A-Za-z]{1,2}\d{6,8}[A-Za-z]?|\d\d[A-Za-z]{2}\d{5}|\d{8,9})"
    r"(?![\w-])",
    re.IGNORECASE,
)
# The VA claim file number is 8-9 digits (often the veteran's SSN), sometimes after a "C".
_VA_FILE = re.compile(
    r"\b(?:va\s+(?:claims?\s+)?file|c-?file|claims?\s+file|c-?number|va\s+file)\s*"
    r"(?:number|num\.?|no\.?|#)?[^\d\n\[]{0,12}?(?<![\d-])((?:c[- ]?)?(?:\d{8,9}"
    r"|\d\d[- ]\d{3}[- ]\d{3,4}))(?![\d-])",
    re.IGNORECASE,
)
# Bank account and routing numbers are bare digits; only their names mark them. "Account
# ending in 1234" is four digits, too few to find anyone.
_ACCOUNT = re.compile(
    r"(?:\b(?:(?:bank|checking|savings|deposit)\s+)?(?:account|acct|cuenta|compte|conta"
    r"|сч[её]т\w*|tài khoản|kont)\b\.?|계좌|账号|帳號|账户|帳戶|رقم الحساب)"
    r"\s*(?:number|num\.?|no\.?|#|n[uú]mero|numéro|número|номер|번호|号码|號碼)?"
    r"[^\d\n\[$]{0,15}?(?<![\d.,$-])(\d{6,17})(?![\d.,-]\d|\d)",
    re.IGNORECASE,
)
_ROUTING = re.compile(
    r"\b(?:routing|aba|rtn|n[uú]mero de ruta|ruta bancaria)\b[^\d\n\[]{0,20}?(?<!\d)"
    r"(\d{9})(?!\d)",
    re.IGNORECASE,
)

# Each cued pattern with words (in lower case) that any of its cues contains: most answers
# contain none, and a substring test is far cheaper than a case-blind multilingual pattern.
_CUED_IDENTIFIERS = (
    ("A_NUMBER", _word_set("number alien uscis mero étranger"), _A_NUMBER_CUED),
    ("PASSPORT", _word_set("pass pasap паспорт chiếu paspò 여권 护照 護照 جواز"), _PASSPORT),
    ("VA_FILE", _word_set("file number"), _VA_FILE),
    ("ACCOUNT", _word_set("acc cuenta compte conta сч khoản kont 계좌 账 帳 حساب"), _ACCOUNT),
    ("ROUTING", _word_set("routing aba rtn ruta"), _ROUTING),
    ("ITIN", _word_set("itin taxpayer contribuyente"), _ITIN_CUED),
)
# An MBI has the fewest digits of these identifiers.
_IDENTIFIER_MIN_DIGITS = 5
_CARD_MIN_DIGITS, _CARD_MAX_DIGITS = 13, 19
_CARD_COUNT_AFTER_MOST_DIGITS = 2

# Card numbers as they are written: 4-4-4-4(-3) groups, Amex's 4-6-5, or one run of digits.
# A hyphen that is not the card's own separator may join other digits to it ("4111 1111 1111
# 1111-42", "4111111111111111-0925", "42-4111 1111 1111 1111"): that number is another one,
# not more of the card's. Its own separator going on into more digits is a longer number's
# groups, as a space is; a space after hyphenated groups is not ("4111-1111-1111-1111 6760"),
# nor one beside a card written as one run of digits ("paid 42 4111111111111111", two cards
# "4111111111111111 5500000000000004"), which has no separator. A dot into digits is a longer
# number's or an amount's ("4111111111111111.2024").
_CARD = re.compile(
    r"(?<!\d)(?<!\d[ .])(?<!\d-(?=\d{4}-))"
    r"(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?P<more>\1\d{1,3}(?![\d-]))?"
    r"(?!\1(?<=-)\d)|\d{4}([ -])\d{6}\3\d{4,5}(?!\3(?<=-)\d))(?!\d)"
    r"(?:(?<=-\d)|(?<=-\d\d)|(?<=-\d{3})|(?<=-\d{4})|(?<=-\d{5})|(?![ .]\d{4}))"
    r"|(?<!\d)(?<!\d\.)\d{13,19}(?!\d)(?!\.\d{4})"
)

# Case, claim, receipt, loan and tracking numbers are long digit runs too; the words before say
# so, in any survey language: "case number", "folio", "numéro de dossier", "número do processo",
# "номер дела", "số hồ sơ", "numero ng kaso", "nimewo dosye", "رقم الطلب", "접수번호", "案件编号".
# Such a number finds one person's file at the agency: it is scrubbed as a reference, and no
# other detector takes its digits for a phone, SSN or card number. A phone number its detector
# writes as a phone number, in parentheses or after a "+" ("case (202) 456-1111", "ref +1 …"), is
# read as anywhere else; what the reference detector takes is a reference, however phone-like
# ("ref 202.456.1111").
_REFERENCE_CUE = re.compile(
    r"(?:(?<!\[)\b(?:case|receipt|confirmation|tracking|reference|ref|claim|application|ticket|order"
    r"|invoice|loan|caso|recibo|confirmaci[oó]n|referencia|solicitud|rastreo|folio|gu[ií]a"
    r"|reclamo|reclamaci[oó]n|r[ée]clamation|reclama[cç][aã]o|confirma[cç][aã]o"
    r"|expediente|tr[aá]mite|pr[eé]stamo|dossier|demande|r[ée]f[ée]rence|re[cç]u|processo"
    r"|protocolo|pedido|requerimento|дел[ао]|заявлени[ея]|обращени[ея]|квитанци[ия]"
    r"|hồ\s+sơ|biên\s+nhận|kaso|resibo|aplikasyon|dosye|resi|الطلب|الملف|القضية|الإيصال"
    r"|المرجع)\.?\s*(?:number|num\.?|no\.?|n[uú]mero|num[ée]ro|n[oº°]\.?|номер|số|code"
    r"|c[oó]digo|код|mã)?"
    r"|접수\s*번호|사건\s*번호|신청\s*번호|예약\s*번호|관리\s*번호|등록\s*번호|주문\s*번호"
    r"|案件编号|案件編號|申请号|申請號|编号|編號|受理号|受理號|回执号|回執號|单号|單號)"
    r"\s*(?:is|es|de|est|é|là|ay|se|هو|是|為|为|는|은)?\s*[:#：]*\s*$",
    re.IGNORECASE,
)
_REFERENCE_REACH = 30
# What a cue may name: letters and digits in groups joined by hyphens ("CAS-2024-001234"),
# digits joined by dots or slashes too (Chile's "12.345.678-9", a Brazilian court's
# "0001234-56.2024.8.26.0100", "2024/118345"), and digits after a space before more digits
# ("4829 1034 5521"), one digit alone among them ("12345 4 9198"). A single digit that ends
# the run is a count ("case 12345 3 times"), and a dot or slash before a word is the sentence's
# ("9.ref 12345").
_REFERENCE_GROUPS = r"[A-Za-z\d]+(?:-[A-Za-z\d]+|[./]\d+)*"
_REFERENCE_RUN = re.compile(
    rf"(?<![A-Za-z\d-])(?=[A-Za-z\d-]*\d){_REFERENCE_GROUPS}"
    rf"(?: \d(?:{_REFERENCE_GROUPS}|(?= \d\d)))*(?![A-Za-z\d-])"
)
_SPACE_BEFORE_A_DIGIT = re.compile(r" (?=\d)")
# "claim 1.250,00", "reclamo 12.500,00 pesos": an amount, its thousands parted by dots.
_AMOUNT_WITH_DECIMAL_COMMA = re.compile(r"\d{1,3}(?:\.\d{3})+")
_DECIMAL_COMMA_CENTS = re.compile(r",\d\d(?!\d)")
# Five digits name a file; four are a year or a count ("case 2024", "reference 1234") and a
# ticket at the window has fewer. With fewer digits, a code of six letters and digits or more
# with two digits, in capitals or as a phone keyboard types it ("K7X9QZ42", "k7x9qz42"); not
# words with numbers ("10days", "covid-19", "3pm-5pm", "window12", "2nd").
_REFERENCE_MIN_DIGITS = 5
_REFERENCE_CODE_MIN_LENGTH, _REFERENCE_CODE_MIN_DIGITS = 6, 2
_LETTERS = re.compile(r"[A-Za-z]+")
# Words written on a number; any everyday word of three letters or more is one too.
_WORDS_ON_NUMBERS = _word_set(
    "am pm st nd rd th hr hrs min mins minutes days hours weeks months years times people"
    " calls pages covid form room line window floor dias horas minutos semanas meses anos veces"
    " vezes jours heures semaines mois ans fois noon mg ml kg km lb lbs"
)
_EVERYDAY_WORD_ON_NUMBERS_MIN_LENGTH = 3
# A form's name is not a person's ("application I-485", "DS-2029", "1040-X", the VA's "claim
# 21-526EZ"), nor is a date ("application 05-12-2025", "claim 12 05 2025", "case 2024.11.03",
# "11/03/2024"): a day and a month (either first) and a year of this century or the last.
_DAY_OR_MONTH = r"(?:0?[1-9]|[12]\d|3[01])"
_NOT_A_REFERENCE = re.compile(
    r"[A-Z]{1,3}-?\d{1,4}[A-Z]{0,3}|\d{1,4}-?[A-Z]{1,3}|\d\d-\d{1,4}[A-Z]{0,3}"
    rf"|{_DAY_OR_MONTH}([ ./-]){_DAY_OR_MONTH}\1(?:(?:19|20)\d\d|\d\d)"
    rf"|(?:19|20)\d\d([ ./-]){_DAY_OR_MONTH}\2{_DAY_OR_MONTH}",
    re.IGNORECASE,
)

# No phone number has fewer digits: most answers skip the matcher entirely.
_PHONE_MIN_DIGITS = 7
# The fewest characters a valid U.S. match is written in. With a "+", a country code and a
# subscriber number come to 6 digits at least ("+4930123" is in Berlin); without one, it is a
# U.S. number of 10 digits, or "011" and those 6. The matcher parses every candidate it is given
# (an invalid one costs as much as a valid one), so shorter ones ("45", "I-485", "2024-118")
# are not given to it.
_SHORTEST_US_NUMBER_WITH_PLUS = 7
_SHORTEST_US_NUMBER_WITHOUT_PLUS = 9
_PLUS_SIGN = re.compile("[+\uff0b]")
_NANP_LAST_GROUP_DIGITS = 4
_US_INTERNATIONAL_PREFIX = "011"

# A number is a phone number when the writer says so, in any survey language: "my number is",
# "mon numéro est le", "meu telefone é", "số của tôi là", "мой номер", "전화번호는", "我的电话是"…
# A cue in letters is a whole word; a Korean or Chinese one runs into the words around it ("제
# 전화번호는", "我的电话是").
_PHONE_CUES = (
    r"call|(?<!\[)phone|cell(?:phone)?|mobile|text|tel|whatsapp"  # English
    r"|(?:my|his|her|their|your|['’]s)\s+number",
    r"(?:mi|su|tu)\s+n[uú]mero|tel[eé]fono|celular|cel|m[oó]vil|ll[aá]m\w*",  # Spanish
    r"fono|celu",  # Chile's words for a phone and a mobile one
    r"(?:mon|son|ton|votre)\s+num[ée]ro|t[ée]l[ée]phone|t[ée]l|portable|r?appel\w*|joindre",
    r"(?:meu|seu)\s+n[uú]mero|telefone|celular|whats|zap|lig\w*|contato",  # Portuguese
    r"số\s+(?:điện\s+thoại|đt|của\s+(?:tôi|em|mình)|tôi|em)|điện\s+thoại|sđt|sdt|gọi|zalo",
    r"(?:мой|его|её|ее|наш)\s+номер|номер\s+телефона|телефон\w*|тел|мобильн\w*|звон\w*"
    r"|позвон\w*|ватсап",
    r"numero\s+ko|(?:aking|ang)\s+numero|telepono|cp|tawag\w*",  # Tagalog
    r"nimewo|telef[oò]n|selil[eè]|rele",  # Haitian Creole
    r"رقمي|رقم\s+(?:هاتفي|الهاتف|جوالي|الجوال|موبايلي|تليفوني)|هاتفي|جوالي|موبايلي|تليفوني"
    r"|واتساب|اتصل\w*",
)
_PHONE_CUES_CJK = (
    r"전화번호|전화|휴대폰|핸드폰|휴대전화|연락처|폰번호|(?:제|내)\s*번호"
    r"|电话|電話|手机|手機|联系方式|聯繫方式|聯絡方式|我的号码|我的號碼|微信"
)
# A number as people dial it: digit groups joined by one space, dot or hyphen, or set in
# parentheses: "555-0143", "06 12 34 56 78", "010-1234-5678", "(11) 91234-5678", "8 (912)
# 345-67-89", "+52 1 55 1234 5678". Which of these are phone numbers is decided in code. A
# hyphen before a word ends a run ("202 456 1111 53-times"), and so do digits glued to a word
# after a space ("(646) 805-1403 2x", "202-456-1111 24/7", "3rd", "5pm"): a word of their own.
_DIGITS_GLUED_TO_A_WORD = r" \d+(?:[A-Za-z]|/\d)"
_DIALLED_RUN = re.compile(
    r"(?<![\d+\uff0b])(?:[+\uff0b] ?)?\(?\d+\)?"
    rf"(?:(?:[.-]|(?<=\))|(?!{_DIGITS_GLUED_TO_A_WORD}) )\(?\d+\)?)*(?!\d|-\(?\d)"
)
_GLUED_TO_A_WORD_AFTER = re.compile(_DIGITS_GLUED_TO_A_WORD)
_SPACE_IN_RUN = re.compile(" ")
_HYPHEN = re.compile("-")
_GROUP_IN_RUN = re.compile("[^ -]+")
# A count after a number in the same run: a last group of three digits at most.
_COUNT_ENDING_A_RUN = re.compile(r" \d{1,3}$")
# Speech-to-text and people reading a number out write it a digit or two at a time.
_DIGITS_TYPED_AT_A_TIME = 2
# After a cue a seven-digit local number counts, or a run of digits too short or long to dial
# ("my social worker's number is 123456789"). The cue ends at most 15 characters before the
# number, with no digit, line break or placeholder between. Runs are few, so each is looked
# behind rather than every cue looked for.
_PHONE_CUE_BEFORE = re.compile(
    rf"(?:\b(?:{'|'.join(_PHONE_CUES)})\b|{_PHONE_CUES_CJK})"
    r"[^\d\n\[]{0,15}$",
    re.IGNORECASE,
)
_PHONE_CUE_REACH = 40
_MIN_DIALLED_DIGITS, _MAX_DIALLED_DIGITS, _MAX_INTERNATIONAL_DIGITS = 7, 12, 15
# Digit runs a phone cue may come before that are no phone number: a date ("llamé el
# 15.03.2025"), an amount in thousands ("1.250.000"), office hours ("9.00-17.00") and a year
# before another number ("called about my 2024 1040").
_NOT_DIALLED = re.compile(
    r"\d{1,2}([./ -])\d{1,2}\1\d{2,4}|\d{4}([./ -])\d{1,2}\2\d{1,2}|\d{1,3}(?:\.\d{3})+"
    r"|\d{1,2}[.:]\d\d[ -]+\d{1,2}[.:]\d\d|(?:19|20)\d\d[ .-]\d+"
)
_CURRENCY_SIGNS = "$€₽₫₩¥元원"
_CURRENCY_WORDS = (
    r"euros?|dollars?|d[oó]lares|pesos|reais|r[eé]is|rubles?|рубл\w*|руб"
    r"|đồng|dong|vnd|gourdes?|goud|riyals?|ريال|جنيه"
)
_CURRENCY_CODES = r"usd|eur|mxn|brl|rub|krw|cny|rmb|php|htg|sar|egp"
# An amount has its currency on its digits: "15000 dollars", "50000 €", "15000.00 USD" (one
# before them, "claim $12,000", "claim USD 50000", already parts them from the cue). A currency
# further on is another number's: "claim # 123456789 $50", "case number 123456789, fee $5",
# and so is a sign or code with a number of its own after it ("claim 123456789 USD 50 fee"),
# where a currency's name goes on with a count ("50000 pesos 2 veces").
_CURRENCY_AFTER = re.compile(
    rf"(?:[.,]\d{{1,2}})?\s?(?:(?:[{_CURRENCY_SIGNS}]|(?:{_CURRENCY_CODES})\b)(?!\s?\d)"
    rf"|(?:{_CURRENCY_WORDS})\b)",
    re.IGNORECASE,
)
# A number right after a currency's name is that currency's ("123456789 dollars 5"), unless it
# counts something ("50000 pesos 2 veces").
_NUMBER_AFTER_CURRENCY = re.compile(r"\s?\d+(?:[.,]\d+)?(?:\s*([^\W\d_]+))?")
# ... or before them: "$1 250 000", "USD 1 250 000".
_CURRENCY_BEFORE = re.compile(
    rf"(?:[{_CURRENCY_SIGNS}]|\b(?:{_CURRENCY_CODES}|{_CURRENCY_WORDS}))\s?$", re.IGNORECASE
)
_CURRENCY_BEFORE_REACH = 12
# A grouped number in a national format of the service's regions is a phone number with no
# cue, when `phonenumbers` finds it valid there: Korea's "010-1234-5678", China's "138 1234
# 5678", Taiwan's and Vietnam's "0912 345 678", the Philippines' "0917 123 4567", France's "06 12
# 34 56 78", Brazil's "(11) 91234-5678", Russia's "8 (912) 345-67-89", Mexico's "55 1234 5678",
# Saudi Arabia's "050 123 4567", Egypt's "010 1234 5678". Only written in groups: run together,
# ten or eleven digits are as often an account or order number.
_NATIONAL_FORMATS = (
    (("KR", "EG"), r"01\d[ .-]\d{3,4}[ .-]\d{4}"),
    (("KR",), r"0(?:2|[3-6]\d)[ .-]\d{3,4}[ .-]\d{4}"),
    (("CN",), r"1[3-9]\d[ -]\d{4}[ -]\d{4}"),
    (("TW", "VN"), r"09\d\d[ .-]\d{3}[ .-]\d{3}"),
    (("PH",), r"09\d\d[ .-]\d{3}[ .-]\d{4}"),
    (("VN",), r"0[35789]\d[ .]\d{3}[ .]\d{4}"),
    (("FR",), r"0[1-9](?:[ .-]\d\d){4}"),
    (("BR",), r"\(\d\d\) ?9?\d{4}-?\d{4}|\d\d 9\d{4}-\d{4}"),
    (("RU",), r"8 ?\(9\d\d\) ?\d{3}[ -]?\d\d[ -]?\d\d|8[ -]9\d\d[ -]\d{3}[ -]\d\d[ -]\d\d"),
    (("MX",), r"\d\d \d{4} \d{4}"),
    (("SA",), r"05\d[ -]\d{3}[ -]\d{4}"),
)
# Each format on its own: the formats overlap ("050 123 4567" is Korean in shape, Saudi in
# fact), so a number is tried in every format it fits, not only the first.
_NATIONAL_NUMBERS = tuple((regions, re.compile(shape)) for regions, shape in _NATIONAL_FORMATS)
# Most digit runs fit none: one pattern says so before each is tried.
_NATIONAL_NUMBER = re.compile("|".join(f"(?:{shape})" for _, shape in _NATIONAL_FORMATS))
# Speech-to-text sometimes writes digits as words: "two oh two five five five ...".
_DIGIT_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|cero|uno|una|dos|tres|cuatro"
    r"|cinco|seis|siete|ocho|nueve)"
)
_SPOKEN_NUMBER = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD}){{6,}}\b", re.IGNORECASE)
_SPOKEN_DIGIT = re.compile(rf"\b{_DIGIT_WORD}\b", re.IGNORECASE)

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
# A number after a Spanish or Portuguese street that says how long, how many or when is no
# house number: "Calle Mayor 20 minutos", "Avenida Paulista 2 horas", "Rua Augusta 2 a 3
# horas", "Rua Augusta 15 de março". It follows the number's last digit: were it checked after
# any digit, "20 minutos" would fail at "20" and pass at "2", taken for a house.
_NOT_A_COUNT_ES_PT = (
    r"(?!\d)(?!(?:\s*(?:-|a|o|ou|y|e|até|hasta)\s*\d{1,5})?\s*(?i:"
    r"h|hs|hrs?|horas?|min|mins|minutos?|seg|segundos?|d[ií]as?|semanas?|meses|m[eê]s|a[ñn]os?"
    r"|vez|veces|vezes|personas?|pessoas?|pesos|d[oó]lares|reais|real|cuadras?|quarteir[õo]es"
    r"|quarteir[ãa]o|metros?|km|kil[oó]metros?|quil[ôo]metros?|de\s+(?:enero|febrero|marzo"
    r"|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|janeiro"
    r"|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|novembro|dezembro))\b)"
)
# "Avenida Juárez 45", "Calle de la Reforma 123", "Calle 5 #123": either a capitalised name and
# a number, or a numbered street and a house number; "la calle 3 horas" is neither.
_ADDRESS_ES = re.compile(
    rf"\b{_ES_STREET_WORD}\s+(?:"
    rf"(?:{_ES_LINK}\s+){{0,2}}{_ES_NAME}\s+(?:(?:{_ES_NAME}|{_ES_LINK})\s+){{0,4}}"
    rf"{_ES_NUMBER}?\d{{1,6}}"
    rf"|\d{{1,4}}[A-Za-z]?\s*{_ES_NUMBER}\d{{1,6}}"
    rf"){_NOT_A_COUNT_ES_PT}[A-Za-z]?\b(?:\s*{_ES_NUMBER}\d{{1,6}}[A-Za-z]?\b)?"
    r"(?:,?\s+(?i:apto|apt|apartamento|depto|departamento|int|interior)\.?\s*[\w-]+)?"
)
# The Southwest's "4500 Paseo del Norte NE", "2300 Calle Ocho": a house number, then a Spanish
# street word where English puts its suffix.
_ADDRESS_SW = re.compile(
    rf"(?<![\w$.,])\d{{1,6}}\s+(?:Calle|Camino|Paseo|Avenida|Via|Vía|Rancho|Avenue of)\s+"
    rf"(?:(?:{_ES_NAME}|{_ES_LINK}|el|the)\s+){{0,3}}{_ES_NAME}(?:\s+{_DIRECTION}\b)?{_UNIT}"
)
# The other survey languages' streets, with a house number and a capitalised name ("la rua 3
# horas", "la rue 2 fois" are no address). A capital is any the Latin or Cyrillic alphabets of
# the survey languages write ("Lê Lợi", "Đồng Khởi", "Ленина").
_CAPITAL_LETTERS = "".join(
    char
    for code in (*range(0x41, 0x250), *range(0x400, 0x530), *range(0x1E00, 0x1F00))
    if (char := chr(code)).isupper()
)
_CAPITALISED_WORD = rf"[{_CAPITAL_LETTERS}][\w'’.-]*"
# Portuguese names the street, then its number, often after a comma: "Rua das Flores, 123",
# "Avenida Paulista, nº 1500, apto 12"; not a count ("na Rua Augusta 30 minutos").
_ADDRESS_PT = re.compile(
    r"\b(?i:rua|r\.|avenida|av\.|travessa|tv\.|alameda|al\.|praça|praca|estrada|rodovia"
    r"|largo)\s+(?:(?:da|das|do|dos|de|d['’])\s+)?"
    rf"{_CAPITALISED_WORD}(?:\s+(?:(?:da|das|do|dos|de|e)\s+)?{_CAPITALISED_WORD}){{0,3}}"
    rf",?\s+(?:n[º°o]\.?\s*)?\d{{1,5}}{_NOT_A_COUNT_ES_PT}[A-Za-z]?\b"
    r"(?:,?\s+(?i:apto|ap|apartamento|casa|bloco|bl)\.?\s*[\w-]+)?"
)
# French and Haitian Creole put the number first: "12, rue Victor Hugo", "12 bis avenue de la
# République", "45 Rue Capois", "12 ri Lamarre".
_ADDRESS_FR = re.compile(
    r"\d(?<![\w$.,]\d)\d{0,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|chemin"
    r"|allée|allee|impasse|place|quai|route|cours|ruelle|ri|wout|avni|lari|chemen)\s+"
    r"(?:(?:de\s+la|de\s+l['’]|du|des|de|d['’]|la|le|les|l['’])\s*)?"
    rf"{_CAPITALISED_WORD}(?:\s+(?:(?:de|du|des|la|le)\s+)?{_CAPITALISED_WORD}){{0,3}}"
)
# Vietnamese: "123 đường Lê Lợi", "45/2 hẻm Trần Hưng Đạo".
_ADDRESS_VI = re.compile(
    r"\d(?<![\w$.,/]\d)\d{0,4}[A-Za-z]?(?:/\d{1,4})*\s+(?i:đường|phố|ngõ|ngách|hẻm)"
    rf"\s+{_CAPITALISED_WORD}(?:\s+{_CAPITALISED_WORD}){{0,3}}"
)
# Russian names the street, then the house: "улица Ленина, дом 5", "ул. Ленина д. 5 кв. 12",
# "проспект Мира, 12"; a count or a date after a street is no house ("на улице Ленина 20 минут",
# "2-3 часа", "15 числа", "15 мая"), checked after the number's last digit as in Spanish.
_ADDRESS_RU = re.compile(
    r"(?<!\w)(?i:улиц[аеуыи]|ул\.|проспект[аеу]?|пр-т|переул(?:ок|ке|ка)|пер\.|бульвар[аеу]?"
    r"|б-р|шоссе|площад[ьи]|набережн(?:ая|ой)|проезд[аеу]?)\s*"
    rf"{_CAPITALISED_WORD}(?:\s+{_CAPITALISED_WORD}){{0,2}},?\s+(?:(?i:дом|д\.)\s*)?\d{{1,4}}"
    r"(?!\d)(?!(?:\s*(?:-|до|или)\s*\d{1,4})?\s*(?i:час|ч\.?(?!\w)|мин|сек|раз|дн|день|сут"
    r"|недел|мес|год|лет|числ|январ|феврал|март|апрел|ма[яй](?!\w)|июн|июл|август|сентябр"
    r"|октябр|ноябр|декабр|утра|вечера|ночи|руб|доллар|челов|км|метр|шаг|остановк|квартал|%))"
    r"(?:[а-я](?!\w)|/\d{1,4})?(?:,?\s*(?i:корпус|корп\.|к\.|строение|стр\.)\s*\d{1,4})?"
    r"(?:,?\s*(?i:квартира|кв\.?)\s*\d{1,4})?"
)
# Korean: a road and its number after the district ("서울시 강남구 테헤란로 123"), or a
# neighbourhood and its lot ("강남구 역삼동 123-45"). Without the district, "전화로 3" is "by
# phone 3": (으)로 is also a particle, so the number must not be a count ("3번", "2 시간",
# "3-4시간", "3~4시간").
_ADDRESS_KO = re.compile(
    r"(?:[가-힣]+(?:특별시|광역시|시|도)\s+)?[가-힣]{2,}(?:구|군)\s+"
    r"(?:[가-힣]+(?:대로|로|길)\s?\d{1,4}(?:번길\s?\d{1,4})?|[가-힣]+(?:동|읍|면|리)\s?\d{1,4})"
    r"(?:-\d{1,4})?(?:\s?번지)?"
    r"(?![\d~-]|\s?(?:번(?!지)|시간|시|분|초|일|개|명|원|회|차|살|층|주|달|년|월|건|통|등|km|킬로|미터))"
)
# Chinese: a road or street and a number with 号/號: "中山路123号", "忠孝東路四段100巷5號".
# The road's name is up to four characters, none of them "live", "at" or a pronoun ("我住在").
_ADDRESS_ZH = re.compile(
    r"(?:(?![在住于於到是的我你他她和从從去])[\u4e00-\u9fff]){1,4}(?:大道|路|街)"
    r"(?:[一二三四五六七八九十\d]{1,3}段)?(?:\d{1,4}[巷弄])*\d{1,5}\s*[号號]"
    r"(?:\d{1,4}(?:室|楼|樓))?"
)
_PO_BOX = re.compile(
    r"\b(?:P\.?\s?O\.?\s?Box|post office box|apartado postal|apartado)\s+#?\d{1,8}\b",
    re.IGNORECASE,
)

# A label starts its line or follows punctuation; no other word is glued before it.
_LABEL_START = r"(?<![\w\[])(?<!\w[ \t])"
# A name is taken only right after a self-introduction: "my name is Maria Lopez", "me llamo",
# "je m'appelle", "meu nome é", "меня зовут", "tên tôi là", "mwen rele", "ang pangalan ko ay",
# "اسمي", "제 이름은", "我叫", or a "Name:" label that starts its line or sentence ("Office name:"
# and "User name:" name something else). Up to four capitalised words (with "de", "van", "dela"
# between them) are the name. A writer who does not capitalise gets at most two words (three in
# Vietnamese, whose names have three parts), none of them a common word of the cue's language or
# shaped like an English participle or adverb ("misspelled", "really"), and a lone lower-case
# word only where a name would end: at the end of the text, before punctuation, a number, a line
# break or an "and"/"but". So "my name is on the form", "my name is gibberish on the card" and
# "me llamo la atención" stay, while "my name is maria", "hi my name is james okafor the agent
# ..." and "tôi tên là trần thị hoa tôi chờ" are found. A language or nationality ("My name is
# Spanish") is never the first word of a name. Cues that are also everyday phrases (Haitian
# "rele" for "called", Portuguese "meu nome e" for "my name and") need a capital; "me llamo",
# typed for "me llamó" (called me), needs one or, in lower case, a given name and a surname that
# are no word the scrubber knows, where a name ends: "me llamo juan perez, la espera" but not
# "me llamo el agente", "me llamo por telefono" or "me llamo dos veces". Scripts without
# capitals take the name their own way: up to three Han characters, one Hangul word without its
# ending, one or two Arabic words (held to the word list alone, as an Arabic writer chose no
# case). How a cue's name may be written:
_ANY_CASE, _CAPITALISED, _CAPITALISED_OR_FULL_NAME = "any case", "capitalised", "full name"
_NAME_CUES = (
    # (language, how the name may be written, cue)
    (
        "en",
        _ANY_CASE,
        r"\bmy\s+(?:(?:full|legal|first|last|middle|maiden|married|given|real)\s+)?"
        r"name(?:\s+is|['’]s|\s*:)|\bmy\s+surname\s+is"
        rf"|{_LABEL_START}(?:(?:full|legal|first|last|middle|maiden|married|given|contact"
        r"|applicant)[ \t]+)?name\s*:",
    ),
    (
        "es",
        _ANY_CASE,
        r"\bmi\s+(?:nombre(?:\s+completo)?|apellido)(?:\s+es|\s*:)"
        rf"|{_LABEL_START}nombre(?:\s+completo)?\s*:",
    ),
    ("es", _CAPITALISED_OR_FULL_NAME, r"\bme\s+llamo"),
    (
        "fr",
        _ANY_CASE,
        r"\bje\s+m['’]appelle|\bje\s+me\s+nomme|\bmon\s+(?:nom|pr[ée]nom)(?:\s+complet)?"
        r"\s+(?:est|c['’]est)",
    ),
    ("pt", _ANY_CASE, r"\bmeu\s+nome(?:\s+completo)?\s+é|\b(?:eu\s+)?me\s+chamo|\bchamo-me"),
    ("pt", _CAPITALISED, r"\bmeu\s+nome\s+e"),
    ("ru", _ANY_CASE, r"\bменя\s+зовут|\bмо[её]\s+имя|\bмоя\s+фамилия"),
    (
        "vi",
        _ANY_CASE,
        r"\btên\s+(?:của\s+)?(?:tôi|em|mình|con|cháu)\s+là"
        r"|\b(?:tôi|em|mình|con|cháu)\s+tên(?:\s+là)?",
    ),
    ("ht", _ANY_CASE, r"\bnon\s+(?:mwen|m)\s+se"),
    ("ht", _CAPITALISED, r"\bm(?:wen)?\s+rele"),
    ("tl", _ANY_CASE, r"\b(?:ang\s+)?pangalan\s+ko(?:\s+po)?\s+ay|\bako(?:\s+po)?\s+(?:ay\s+)?si"),
    ("ar", _ANY_CASE, r"(?<!\w)(?:[أا]نا\s+)?[اإ]سمي(?:\s+هو)?"),
    ("ko", _ANY_CASE, r"(?:제|내|저의|나의)\s*이름은"),
    ("zh", _ANY_CASE, r"我叫|我的名字[是叫]|我名叫|本人名叫"),
)
# A cue in letters must end a word ("ako si" but not "ako sinabi"); a CJK cue runs into the name.
_WORD_END = r"(?!\w)"
_NAME_CUE = re.compile(
    "|".join(
        f"(?P<cue{index}>(?:{cue}){'' if language in ('ko', 'zh') else _WORD_END})"
        for index, (language, _, cue) in enumerate(_NAME_CUES)
    ),
    re.IGNORECASE,
)
_NAME_CUE_WORDS = _word_set(
    "name nom apellido llamo appelle chamo зовут имя фамилия tên rele non pangalan ako سمي 이름"
    " 我叫 名字 名叫"
)
_NAME_SEPARATOR = re.compile(r"\s*[:,-]?\s*")
# "My name is Dr. Angela Wu": a title before the name is skipped, not taken for it.
_NAME_TITLE = re.compile(
    r"(?:dr|dra|mr|mrs|ms|miss|mx|sr|sra|srta|mme|mlle|prof|sgt|capt)\.?\s+", re.IGNORECASE
)
_NAME_WORD = re.compile(r"[ \t]*([^\W\d_]+(?:['’-][^\W\d_]+)*)(?![\w/-]|['’]\w)")
_MAX_NAME_WORDS = 4
_NAME_PARTICLES = _word_set(
    "de del della di da das do dos du la le las los van von der den ter dela delos bin binti al"
    " el ibn"
)
# Words that follow the cue when it does not introduce a name ("my name is wrong on the card",
# "me llamo la atención", "mwen rele biwo a"), compared in lower case, for uncapitalised words.
_NOT_NAMES = {
    language: _word_set(words)
    for language, words in {
        "en": "a an the on in at of to for from with by as and or but not no nor so too very"
        " also still now already just only even yet again never always i i'm im me my mine your"
        " his her its our their is was are were be been being has have had it that this there"
        " here what which who wrong wrongly misspelled misspelt spelled spelt incorrect"
        " incorrectly correct correctly right different missing listed written printed shown"
        " showing showed appearing changed long short hard difficult common unusual"
        " hyphenated pronounced mispronounced unknown legally officially please thanks thank ok"
        " okay yes none na nothing cut messed mixed typed weird strange odd unique often"
        " sometimes usually up off down out over",
        "es": "el la los las lo un una unos unas de del en y o pero que no ni mal bien incorrecto"
        " incorrecta correcto correcta diferente distinto distinta mucho muy otro otra está esta"
        " es era fue por para con sin mi su sus ya también tambien igual aparece sale salió tiene"
        " largo larga corto corta raro rara difícil dificil complicado complicada extranjero"
        " extranjera común comun demasiado incompleto incompleta equivocado equivocada cortado"
        " cortada escrito escrita"
        # When and how often, after "me llamo" typed for "me llamó" (called me).
        " ayer hoy anoche anteayer mañana manana tarde temprano pronto luego después despues"
        " antes ahora enseguida vez veces varias varios muchas muchos pocas pocos cada dos tres"
        " cuatro cinco seis siete ocho nueve diez primera primero segunda segundo última ultima"
        " semana semanas mes meses día dia días dias noche hora horas minutos",
        "fr": "le la les un une de du des en et pas est mon ma mes sur dans toujours aussi encore"
        " mal mauvais faux incorrect écrit écrite long longue trop vraiment coupé coupée"
        " différent différente",
        "pt": "o a os as um uma de do da dos das em no na nos nas e não nao errado errada certo"
        " diferente meu minha está foi mal grande longo comprido demais muito escrito escrita"
        " estrangeiro difícil",
        "ru": "не в на и а но это неправильно неверно написано был была было уже указано указан"
        " записано напечатано длинное слишком",
        "vi": "là và của không bị sai đã ở trong cũng",
        "ht": "a la yo li nan pa se ak epi mwen m ou biwo moun lè pou sou",
        "tl": "ay ang ng sa si at po ko mali hindi pa nang",
        "ar": "في على من عن غير ليس خطأ خاطئ خطا غلط مكتوب مكتوبة هو هي كان لم لا طويل ناقص مختلف"
        " صعب",
    }.items()
}
# A capitalised word is a name unless it is one of these.
_CAPITALISED_NOT_NAMES = _word_set("i i'm im the and but not my mi yo je eu")
# Said of a name, not part of it: never its first word ("My name is Spanish so they misspell
# it") nor a word in lower case. "John French" keeps his surname.
_NATIONALITIES = _word_set(
    "spanish english french portuguese russian vietnamese arabic arab chinese korean haitian"
    " creole tagalog filipino mexican american hispanic latino latina african asian indian"
    " german italian polish ukrainian japanese cuban dominican salvadoran guatemalan honduran"
    " colombian venezuelan brazilian nigerian somali ethiopian afghan iranian persian pakistani"
    " muslim jewish hebrew irish greek foreign español española mexicano mexicana hispano"
    " extranjero extranjera français française étranger étrangère estrangeiro brasileiro"
)
# Word endings that describe a name rather than spell one: English participles and adverbs
# ("misspelled", "truncated", "really", "completely", "missing"), Spanish, Portuguese and French
# adverbs ("completamente", "incorrectement"). "-ed" spares Ahmed, Mohamed, Saeed, Jared and
# Sayed (a lone lower-case khaled, rashed or javed is lost; capitalised, they are found); "-ly"
# spares Emily, Kelly, Sally and Beverly; "-ing" spares the Pinyin -bing, -ding, -jing, -ling,
# -ming, -ning, -ping, -qing, -ting, -xing, -ying unless a consonant is doubled ("spelling").
_DESCRIBING_ENDING = {
    "en": re.compile(
        r"\w{2,}[^\Wmery]ed|\w{2,}(?:al|e|nt|ous|ful|ct|ar)ly"
        r"|\w{2,}(?:([^\W\d_])\1|[^\Wbdjlmnpqtxy])ing"
    ),
    "es": re.compile(r"\w{3,}mente"),
    "pt": re.compile(r"\w{3,}mente"),
    "fr": re.compile(r"\w{5,}ment"),
}
# What may follow a name written in lower case, besides punctuation, a number or the end.
_AFTER_NAME_WORDS = {
    language: _word_set(words)
    for language, words in {
        "en": "and but",
        "es": "y e pero",
        "fr": "et mais",
        "pt": "e mas",
        "ru": "и а но",
        "vi": "và nhưng",
        "ht": "ak epi men",
        "tl": "at pero",
    }.items()
}
_NEXT_WORD = re.compile(r"[ \t]*([^\W\d_]+)")
# "m rele IRS twa fwa", "me llamo Juan del IRS": agencies are not names.
_AGENCIES = _word_set(
    "USCIS IRS SSA VA CBP FEMA HUD SBA TSA DMV ICE DHS FBI USPS OPM CMS DOL HHS USDA SNAP WIC"
)
_HAN_RUN = re.compile(r"\s*([\u3400-\u4dbf\u4e00-\u9fff]+)")
# "我叫了三次" is "I called three times", "我的名字是错的" "my name is wrong".
_HAN_NOT_NAME_START = frozenset(
    "了过過着著他她你您它们們人车車不没沒也都就还還再又一是的在被错錯很"
)
_HANGUL_RUN = re.compile(r"\s*([\uac00-\ud7a3]+)")
_HANGUL_ENDING = re.compile(
    r"(?:이?라고\s*합니다|입니다|이에요|예요|이고요|이고|이며|이라고|라고|인데요|인데|이요|이다|고요)$"
)
# "제 이름은 틀렸어요" (my name is wrong), "잘못 나왔어요" (came out wrong).
_HANGUL_NOT_NAME = tuple(
    _word_set("틀 잘못 정확 다르 다릅 다른 없 맞 영어 한국 이상 바뀌 변경 너무 아직 제대로 계속")
)

# Names said without an introduction. A title names the person after it: "Ms. Garcia",
# "Officer Johnson", "Sra. López", "M. Dupont", "Ông Nguyễn", "Mang Juan", "Madan Jean",
# "господин Иванов" (the title stays, the name goes: "Ms. [NAME] at the front desk"). Weaker
# cues name someone only when what follows cannot be read as anything else: an introduction
# ("I'm Maria", "This is John Smith", "Soy María", "je suis Marie"), a thank-you ending where a
# name would end ("Thanks to Mike at window 4") and a person pointed at ("the agent, Karen,", "my
# wife Ana"). A capitalised word is taken, never an acronym ("Agent IRS"), and never a word of
# the cue's language that people capitalise for other reasons: "Dr. Appointment", "Miss
# Universe", "Agent Orange", "Officer Was rude"; after a weak cue also "I'm Happy", "I am
# American", "This is Ridiculous", "This is Social Security", "Je suis Content". After a title
# in English, Spanish, Portuguese or French a word in lower case is taken too ("officer johnson",
# "mr smith", "la señora gonzález") if it is no word the scrubber knows in any language, has no
# verb's or adverb's shape and ends where a name ends ("officer was rude", "officer kindly
# explained" and "nurse case manager" stay). In a message in capitals only a title still counts
# (one word), and a message Written In Title Case gives the weak cues nothing. Up to three name
# words are taken, with "de la", "van" between them and an initial's dot ("Dr. John A.
# Smith"); "'s", "'ll" and "'d" after the name stay ("Officer [NAME]'ll call").
_ABBREVIATION_END = r"(?:\.[ \t]*|[ \t]+)"
_NAMED_AFTER = r"(?:[ \t]*,[ \t]*|[ \t]+)"
_TITLE_WORDS_EN = (
    "officer agent deputy trooper detective sergeant lieutenant captain judge nurse pastor father"
    " sister rabbi imam reverend professor doctor sir madam ma'am maam"
)
_PERSON_CUES = (
    # (kind, language, the cue's words, what follows them); "_" joins the words of a phrase. A
    # "title" names a person in any case; a "Title" only capitalised (in lower case it is an
    # everyday word: "I miss", "don", "mang"). "introduction", "people" (after a determiner:
    # "the clerk", "mi esposa") and "thanks" (with "ask for", "spoke to") are the weak cues;
    # "thanks" also needs its name to end where a thanked name ends.
    ("title", "en", "mrs mr ms mx dr prof sgt lt capt det rev", _ABBREVIATION_END),
    # "Fr." only with its dot: "fr" alone is texting for "from" ("moved here fr Mexico").
    ("title", "en", "fr", r"\.[ \t]*"),
    ("title", "en", _TITLE_WORDS_EN, r"[ \t]+"),
    ("Title", "en", "miss", r"[ \t]+"),
    ("title", "es", "srta sra sr dra lic licda lcda", _ABBREVIATION_END),
    (
        "title",
        "es",
        "señora señorita señor senora senorita senor doctora oficial agente enfermera enfermero"
        " licenciada licenciado profesora profesor padre",
        r"[ \t]+",
    ),
    ("Title", "es", "don doña", r"[ \t]+"),
    ("title", "pt", "senhora senhorita senhor doutora doutor enfermeira enfermeiro", r"[ \t]+"),
    ("Title", "pt", "dona", r"[ \t]+"),
    ("Title", "fr", "m", r"\.[ \t]*"),
    ("title", "fr", "mmes mme mlles mlle", _ABBREVIATION_END),
    (
        "title",
        "fr",
        "monsieur madame mademoiselle docteur maître maitre père pere sœur soeur",
        r"[ \t]+",
    ),
    ("Title", "de", "herr frau", r"[ \t]+"),
    # A dot only after an abbreviation: after a whole word it ends the sentence ("Нужен был
    # врач. Никто не помог").
    ("title", "ru", "г-н г-жа", r"\.?[ \t]+"),
    ("title", "ru", "господин госпожа доктор врач офицер агент инспектор", r"[ \t]+"),
    # Vietnamese titles are also the pronouns "he", "she", "you": only before a capital.
    ("title", "vi", "ông bà chị cô chú bác_sĩ bác thầy anh", r"[ \t]+"),
    ("Title", "tl", "gng bb g", r"\.[ \t]*"),
    ("title", "tl", "ginoong ginang binibining aling kuya manong manang", r"[ \t]+"),
    ("Title", "tl", "mang", r"[ \t]+"),
    ("title", "ht", "mesye madan manzè mamzèl madmwazèl misye doktè dòktè dòk", r"[ \t]+"),
    ("introduction", "en", "i'm im i_am this_is named", r"[ \t]+"),
    ("introduction", "es", "soy yo_soy llamado llamada", r"[ \t]+"),
    ("introduction", "fr", "je_suis", r"[ \t]+"),
    ("introduction", "pt", "eu_sou", r"[ \t]+"),
    ("introduction", "ht", "mwen_se", r"[ \t]+"),
    ("introduction", "vi", "tôi_là", r"[ \t]+"),
    (
        "people",
        "en",
        "clerk lady woman man gentleman guy girl rep representative caseworker worker counselor"
        " counsellor interpreter translator supervisor manager employee receptionist guard"
        " teller examiner adjudicator specialist advisor adviser operator navigator volunteer"
        " person wife husband son daughter mother mom"
        " mum dad brother grandson granddaughter grandmother grandfather grandma grandpa aunt"
        " uncle niece nephew cousin friend neighbor neighbour partner boyfriend girlfriend fiance"
        " fiancé fiancee fiancée caregiver",
        _NAMED_AFTER,
    ),
    ("people", "en", _TITLE_WORDS_EN, r"[ \t]*,[ \t]*"),  # "the agent, Karen, was rude"
    (
        "people",
        "es",
        "agente oficial empleada empleado señorita muchacha muchacho chica chico trabajadora"
        " trabajador intérprete supervisora supervisor gerente doctora doctor enfermera enfermero"
        " esposa esposo hija hijo mamá papá hermana hermano abuela abuelo nieta nieto tía tío"
        " prima primo amiga amigo vecina vecino",
        _NAMED_AFTER,
    ),
    (
        "people",
        "pt",
        "atendente funcionário funcionária funcionario funcionaria servidor servidora moça moço"
        " rapaz recepcionista segurança guarda médico médica marido filha filho mãe pai irmã"
        " irmão avó avô tia tio amiga amigo vizinha vizinho",
        _NAMED_AFTER,
    ),
    (
        "people",
        "fr",
        "guichetier guichetière agent agente employé employée fonctionnaire conseiller"
        " conseillère interprète responsable superviseur superviseure gérant gérante"
        " réceptionniste vigile gardien gardienne médecin infirmier infirmière mari femme fils"
        " fille mère frère ami amie voisin voisine",
        _NAMED_AFTER,
    ),
    (
        "thanks",
        "en",
        "thanks thank thank_you thanks_to thank_you_to thanks_so_much thank_you_so_much"
        " thank_you_very_much kudos_to shout_out_to shoutout_to shout-out_to shoutouts_to",
        _NAMED_AFTER,
    ),
    ("thanks", "en", "ask_for asked_for spoke_to spoke_with talked_to talked_with", r"[ \t]+"),
    ("thanks", "es", "gracias gracias_a muchas_gracias muchas_gracias_a", _NAMED_AFTER),
    (
        "thanks",
        "es",
        "pregunte_por pregunten_por pregunté_por preguntar_por pregunta_por preguntó_por"
        " hablé_con hable_con habló_con hablamos_con",
        r"[ \t]+",
    ),
    ("thanks", "fr", "merci merci_à merci_a merci_beaucoup merci_beaucoup_à", _NAMED_AFTER),
    (
        "thanks",
        "pt",
        "obrigado obrigada obrigado_a obrigada_a obrigado_ao obrigada_ao obrigado_à obrigada_à",
        _NAMED_AFTER,
    ),
)
_DETERMINERS = {
    "en": _word_set("the my our your his her their this that a an"),
    "es": _word_set("el la mi su nuestro nuestra este esta ese esa un una"),
    "pt": _word_set("o a um uma meu minha seu sua nosso nossa este esta esse essa aquele aquela"),
    "fr": _word_set("l le la un une mon ma ton ta son sa notre votre leur ce cet cette"),
    "ru": _word_set("мой моя наш наша ваш ваша этот эта тот та"),
}
_LATIN_DETERMINERS = ("en", "es", "pt", "fr")


def _cue_words(words: str) -> str:
    # Longest first, so "thanks to" is tried before "thanks"; a phrase's words may be spaced
    # more than once and an apostrophe may be curly.
    phrases = sorted(words.split(), key=len, reverse=True)
    return "|".join(
        re.escape(phrase).replace("_", r"[ \t]+").replace("'", "['’]") for phrase in phrases
    )


# A cue starts a word, or follows French "l'" ("l'agent Dupont", "l’infirmière Sophie"); the
# groups are numbered so a match says which cue it was. Only the words a cue can start with are
# tried (_CUE_STARTS): scanning every position is 3 times slower.
_PERSON_CUE = re.compile(
    r"(?:(?<![\w'’.-])|(?<=(?<![\w'’.-])[lL]['’]))(?:"
    + "|".join(
        f"(?P<person{index}>(?:{_cue_words(words)}){after})"
        for index, (_, _, words, after) in enumerate(_PERSON_CUES)
    )
    + ")",
    re.IGNORECASE,
)
_CASED_WORD = re.compile(r"[^\W\d_]+")
_CUE_STARTS = frozenset(
    _CASED_WORD.match(phrase.lower()).group()
    for _, _, words, _ in _PERSON_CUES
    for phrase in words.split()
)
# Whether an answer has a cue word at all; "I'm" and "I am" by their second word, as "I" alone
# is in most English answers.
_CUE_HINTS = (_CUE_STARTS - {"i"}) | {"m", "am"}
# The word before a cue, or French "l'" elided onto it ("l'agent": the determiner le or la).
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[ \t]+$|(?<![\w'’.-])([lL])['’]$")
_STRONG_CUES = frozenset({"title", "Title"})
_WEAK_CUES = frozenset({"introduction", "people", "thanks"})
_MAX_CUED_NAME_WORDS = 3
# "Dr" after a house number and a street name is the street's suffix: "500 Capitol Dr Salem".
_STREET_BEFORE = re.compile(r"(?<![\d/.-])\d{1,6}[A-Za-z]?(?:[ \t]+[\w'.-]+){1,4}[ \t]+$")
# English words a capital may start after a title in a sentence or a title-cased message
# ("Officer Was rude", "Dr. Said to wait"); the other languages' _NOT_NAMES serve them.
_ENGLISH_SMALL_WORDS = _word_set(
    "a an the and or but nor so yet for of to in on at by from with as into onto about after"
    " before behind over under near than then there here this that these those it its is was"
    " are were be been am has have had do does did will would can could should shall might"
    " must not no yes i i'm im me my mine you your yours he him his she her hers we us our"
    " they them their who whom whose which what when where why how all any some every each"
    " both either neither also too very just only even still again never always ever please"
    " thanks thank sorry hello hi hey ok okay today yesterday tomorrow tonight if because"
    " since while until although though however everyone everybody nobody someone somebody"
    " anyone anybody everything something nothing said says told tells asked asks gave gives"
    " took takes got gets went goes came comes made makes let lets saw sees felt feels seemed"
    " kept keeps put puts ran runs sat stood left leaves lives works wrote writes spoke speaks"
    " knew knows thought thinks found finds lost loses sent sends paid pays needs wants helps"
    " calls yelled hung drove rode brought bought fell broke chose forgot understood met heard"
    " held won taught caught meant read led fed hid hurt cut hit set quit spent lent built dealt"
)
# Capitalised words after a title that are a role, a place, a programme or a thing, in any
# language: "Dr. Appointment", "Nurse Practitioner", "Mr. Coffee", "Miss Universe", "Agent
# Orange", "This is Social Security", "Officer Johnson's Office".
_NOT_NAMES_AFTER_TITLES = _word_set(
    "appointment appointments appt appts visit visits office offices note notes letter"
    " letters line hotline advice practice service services program programs programme station"
    " clinic hospital center centre desk department dept team staff orders order referral"
    " referrals records record report reports bills forms form exam exams coffee clean pepper"
    " orange universe america usa world time christmas easter thanksgiving nature right wrong"
    " county city state federal national social security medicare medicaid passport passports"
    " immigration customs border patrol veterans affairs treasury homeland labor health"
    " housing education benefits benefit card cards number account website site online portal"
    " app system phone call email mail text message window counter room help extra assistance"
    " building floor lobby bridge park hall school church library airport tunnel memorial"
    " university college guard citizen citizens god lord allah monday tuesday"
    " wednesday thursday friday saturday sunday january february march july september october"
    " november december oficina cita consulta seguro migración inmigración aduana consulado"
    " embajada departamento centro clínica ventanilla dios lunes martes miércoles jueves"
    " viernes sábado domingo enero febrero marzo junio julio agosto septiembre octubre"
    " noviembre diciembre usted ustedes todos todas información informacion recepción"
    " recepcion atención atencion servicio servicios trámites tramites citas caja seguridad"
    " bureau rendez-vous préfecture mairie ambassade lundi mardi mercredi jeudi vendredi"
    " samedi dimanche dieu vous escritório serviço serviços deus você vocês президент директор"
    " начальник наук giáo thuốc ngoại nội già cụ chủ nhân"
)
# Ranks and offices between a title and the name are passed over: "Deputy Sheriff Johnson",
# "Deputy Director Smith", "Sgt. Major Jones".
_RANKS = _word_set(
    "sheriff director directors manager supervisor assistant general secretary commissioner"
    " administrator chief clerk marshal inspector advocate attorney lawyer officer agent"
    " specialist representative rep registrar warden major governor colonel col commander"
    " president chair speaker practitioner engineer analyst associate technician consultant"
    " coordinator directora gerente supervisora presidente secretario secretaria"
    " directeur directrice diretor diretora"
)
# A title is never a name: "This is Dr. Patel" leaves "Dr." to its own cue, "Ông Bà" (Mr. Mrs.,
# grandparents) is two titles.
_CUE_WORDS = frozenset(
    word
    for kind, _, words, _ in _PERSON_CUES
    if kind in _STRONG_CUES
    for word in words.replace("_", " ").split()
)
# Nor, in lower case, any cue's word: "un señor llamado Pedro", "the officer named".
_ALL_CUE_WORDS = frozenset(
    word for _, _, words, _ in _PERSON_CUES for word in words.replace("_", " ").split()
)
# After a weak cue, what a person says they are rather than who: "I'm Happy", "I'm Retired",
# "Soy Ciudadana", "Je suis Ravie", "Mwen se Ayisyen", "Tôi là Người Mỹ". (A few are also
# names, "Young", "Ravi", "Black": lost only after these cues.)
_NOT_INTRODUCED = {
    language: _word_set(words)
    for language, words in {
        "en": "happy sad glad sorry sure fine good great bad awful terrible nice kind rude slow"
        " fast quick easy crazy insane absurd unreal mad angry upset tired bored scared retired"
        " annoyed unemployed blind deaf sick ill old young poor broke new here back home out"
        " over alone single pregnant afraid stuck lost free done ready able unable lucky proud"
        " aware unaware confident positive certain legal illegal homebound"
        " elderly senior veteran vet citizen resident immigrant refugee student mother mom"
        " father dad parent grandmother grandma grandfather grandpa wife husband widow widower"
        " caregiver customer client patient applicant member beneficiary honestly truly"
        " certainly going doing being coming trying dying christian catholic muslim jewish"
        " hindu buddhist mormon baptist protestant atheist black white latina latino native"
        " indigenous disgusted appalled pissed stressed hurt milk",
        "es": "feliz contenta contento agradecida agradecido triste enojada enojado molesta"
        " molesto cansada cansado jubilada jubilado ciudadana ciudadano residente veterana"
        " veterano madre padre mamá papá abuela abuelo hija hijo persona mayor discapacitada"
        " discapacitado estudiante trabajadora trabajador inmigrante refugiada refugiado pobre"
        " nueva nuevo cliente usuaria usuario paciente beneficiaria beneficiario viuda viudo"
        " soltera soltero casada casado divorciada divorciado yo muy bastante super súper"
        " sorda sordo ciega ciego enferma enfermo embarazada desempleada desempleado latina"
        " latino hispana hispano boricua puertorriqueña puertorriqueño cubana cubano dominicana"
        " dominicano mexicana mexicano guatemalteca guatemalteco salvadoreña salvadoreño"
        " hondureña hondureño venezolana venezolano colombiana colombiano peruana peruano"
        " americana americano estadounidense cristiana cristiano católica católico evangélica"
        " evangélico importante urgente excelente milk sauce beans beverage beverages formula"
        " products",
        "fr": "content contente ravi ravie satisfait satisfaite déçu déçue malade heureux"
        " heureuse triste citoyen citoyenne résident résidente ici là très vraiment toujours"
        " encore venu venue parti partie sorti sortie perdu perdue surpris surprise seul seule"
        " enceinte étudiant étudiante mère père veuve veuf reconnaissant reconnaissante"
        " mécontent mécontente inquiet inquiète sûr sûre prêt prête d'accord haïtien haïtienne"
        " canadien canadienne américain américaine africain africaine congolais congolaise"
        " sénégalais sénégalaise ivoirien ivoirienne camerounais camerounaise malien malienne"
        " marocain marocaine algérien algérienne tunisien tunisienne belge suisse québécois"
        " québécoise anglais anglaise chrétien chrétienne catholique musulman musulmane juif"
        " juive aveugle sourd sourde vieux vieille jeune pauvre nouveau nouvelle client cliente"
        " patient patiente bénéficiaire allocataire",
        "pt": "contente feliz satisfeito satisfeita triste grato grata cidadão cidadã residente"
        " brasileiro brasileira muito mãe pai avó avô viúva viúvo estudante paciente cliente"
        " idoso idosa pobre novo nova",
        "ht": "ayisyen ayisyèn ameriken manman papa etidyan veteran sitwayen rezidan granmoun"
        " kontan tris fatige malad pòv",
        "vi": "người khách cựu một công sinh bệnh mẹ cha bố con vợ chồng học rất",
    }.items()
}
# Endings of what a person is or feels, after a weak cue: "Frustrated", "Furious", "Grateful",
# "Unacceptable", "Waiting"; French participles ("Je suis Allée", "Désolé"; Chloé and René
# are lost with them), Portuguese ones ("Aposentado").
_INTRODUCED_ENDING = {
    "en": re.compile(r"\w{4,}(?:ment|ness)|\w{3,}(?:ing|ous|ful|less|able|ible|tion|sion|ive)"),
    "es": re.compile(r"\w{3,}mente"),
    "fr": re.compile(r"\w+(?:é|ée|és|ées)|\w{2,}(?:eux|euse)|\w{5,}ment"),
    "pt": re.compile(r"\w{3,}(?:ado|ada|ido|ida|mente)"),
}


def _folded_word_set(words: str) -> frozenset[str]:
    return frozenset(fold(word) for word in _word_set(words))


# What a person says they are, in any survey language written in letters: race, ethnicity,
# nation or tribe, religion, sexuality and gender, disability and health, age, family, work,
# housing, money and immigration status, and how they feel. A weak cue ("I'm", "This is", "Soy",
# "Je suis", "Eu sou", "Mwen se", "Tôi là", "my wife", "Thanks to") never takes one for a name,
# capitalised or not, so "I'm Black and was treated differently", "I'm Deaf", "Soy Negra", "Je
# suis Sourde", "Eu sou Negro" and "Mwen se Nwa" stay; a title still takes one ("Officer Black").
# Compared accent-folded ("Indigena", "Catolico"). Words that are mostly given names are left
# out (Blanca, Dakota, Georgia, Angel, Cristiano): "Soy Blanca" is taken. One of these is never
# a one-word scrub_names entry either: it would be scrubbed wherever it is written.
_ENGLISH_DESCRIPTIONS = _folded_word_set(
    # Race, ethnicity, nation, tribe.
    "black brown white asian african afro native indigenous aboriginal hispanic latina latino"
    " latinx latine chicana chicano boricua mestiza mestizo biracial multiracial mixed creole"
    " arab arabic middle pacific islander hawaiian samoan tongan chamorro guamanian micronesian"
    " marshallese fijian hmong cambodian khmer lao laotian thai burmese vietnamese chinese"
    " korean japanese taiwanese filipino filipina pinoy pinay indian pakistani bangladeshi"
    " nepali nepalese tibetan afghan iranian persian iraqi syrian lebanese palestinian"
    " jordanian egyptian yemeni somali ethiopian eritrean sudanese nigerian ghanaian kenyan"
    " congolese cameroonian liberian senegalese haitian jamaican trinidadian barbadian"
    " bahamian dominican cuban puerto mexican guatemalan salvadoran salvadorean honduran"
    " nicaraguan panamanian venezuelan colombian peruvian ecuadorian bolivian brazilian"
    " argentinian argentine chilean paraguayan uruguayan canadian ukrainian russian polish"
    " irish italian german greek armenian albanian bosnian romanian turkish kurdish"
    " cherokee navajo dine hopi lakota ojibwe chippewa apache comanche cree sioux choctaw"
    " chickasaw seminole muscogee iroquois mohawk oneida pueblo zuni tlingit yupik inupiat"
    " aleut alaskan blackfeet cheyenne arapaho shoshone paiute lumbee"
    # Sexuality and gender.
    " gay lesbian bisexual bi queer trans transgender transgendered transsexual nonbinary"
    " non-binary enby genderqueer genderfluid intersex asexual pansexual two-spirit straight"
    " heterosexual homosexual cis cisgender female male woman man feminine masculine"
    # Religion.
    " christian catholic muslim moslem jewish jew hindu buddhist sikh jain mormon baptist"
    " methodist lutheran presbyterian episcopalian pentecostal evangelical orthodox protestant"
    " quaker amish mennonite adventist rastafarian atheist agnostic pagan wiccan spiritual"
    " religious devout"
    # Disability and health.
    " deaf blind deafblind disabled handicapped impaired mute nonverbal autistic"
    " neurodivergent dyslexic epileptic diabetic asthmatic bipolar schizophrenic depressed"
    " anxious paralyzed paralysed paraplegic quadriplegic tetraplegic amputee wheelchair"
    " immunocompromised chronically terminally sick ill injured wounded pregnant expecting"
    " nursing breastfeeding hard hearing visually partially legally frail bedridden"
    " housebound homebound sober recovering addicted positive diagnosed hospitalized"
    # Age, family, work, housing, money, immigration.
    " young old older elderly aged senior minor adult teen teenager veteran vet retired"
    " unemployed employed underemployed self-employed jobless homeless unhoused houseless"
    " poor broke low-income low uninsured underinsured insured undocumented documented"
    " naturalized naturalised citizen resident immigrant migrant refugee asylee stateless"
    " foreign single married divorced separated widowed widow widower engaged orphan"
    " orphaned adopted student illiterate bilingual monolingual essential frontline"
    " incarcerated working rural permanent temporary"
    # How they feel.
    " frustrated furious livid heartbroken devastated overwhelmed exhausted desperate"
    " confused hungry worried nervous stressed embarrassed humiliated offended insulted"
    " disrespected ignored mistreated discriminated harassed traumatized traumatised"
    " terrified frightened ashamed alarmed overjoyed thrilled relieved satisfied"
    " dissatisfied pleased displeased impressed unimpressed disappointed appalled outraged"
    " shocked stunned speechless hopeful hopeless helpless powerless baffled grateful"
    " thankful blessed sorry gen boomer millennial zoomer overweight obese fat skinny short"
    " tall heavy"
)
_OTHER_DESCRIPTIONS = (
    _folded_word_set(  # Spanish
        "negra negro morena moreno prieta prieto indígena afroamericana afroamericano"
        " afrolatina afrolatino afrodescendiente latinoamericana latinoamericano nicaragüense"
        " ecuatoriana ecuatoriano argentina chilena chileno boliviana boliviano panameña"
        " panameño costarricense paraguaya paraguayo uruguaya uruguayo española español"
        " haitiana haitiano gay lesbiana bisexual trans transgénero musulmana musulmán judía"
        " judío testigo mormona mormón evangélica evangélico diabética diabético indocumentada"
        " indocumentado anciana anciano joven vieja viejo mujer hombre sordomuda sordomudo"
        " discapacitada discapacitado minusválida minusválido inválida inválido autista"
        " epiléptica epiléptico desempleada desempleado pensionada pensionado campesina"
        " campesino inquilina inquilino sin chicana chicano nativa nativo asiática asiático árabe"
        " queer pentecostal atea ateo budista hindú bipolar racista machista clasista grosera"
        " grosero maleducada maleducado prepotente arrogante"
    )
    | _folded_word_set(  # French
        "noire noir blanche blanc métisse créole arabe antillaise antillais guinéenne guinéen"
        " malienne française français juive juif musulmane musulman homosexuelle homosexuel"
        " lesbienne handicapée handicapé malentendante malentendant diabétique autiste"
        " chômeuse chômeur retraitée retraité sans-papiers âgée âgé femme homme gay trans queer"
        " bisexuelle bisexuel asiatique africaine africain amérindienne amérindien autochtone"
        " sans-abri immigrée immigré réfugiée réfugié bouddhiste hindoue hindou athée"
        " protestante protestant évangélique bipolaire raciste impolie impoli méprisante"
        " méprisant"
    )
    | _folded_word_set(  # Portuguese
        "negra negro preta preto parda pardo branca branco indígena surda surdo cega cego"
        " deficiente muçulmana muçulmano católica católico evangélica evangélico judia judeu"
        " imigrante portuguesa português angolana angolano cabo-verdiana cabo-verdiano"
        " doente grávida diabética diabético mulher homem idosa idoso gay trans queer lésbica"
        " bissexual asiática asiático árabe autista bipolar budista ateia ateu sem-teto"
        " desempregada desempregado refugiada refugiado aposentada aposentado racista grosseira"
        " grosseiro mal-educada mal-educado"
    )
    | _folded_word_set(  # Haitian Creole
        "nwa blan avèg soud bèbè andikape enfim imigran refijye katolik kretyen pwotestan"
        " advantis batis mizilman fanm gason vèv jèn ansent chomè fache dekouraje bouke"
        " pasyan kliyan etranje"
    )
)
_PERSON_DESCRIPTIONS = _ENGLISH_DESCRIPTIONS | _OTHER_DESCRIPTIONS
# Vietnamese, the first word of "phụ nữ", "đàn ông", "khuyết tật", "Phật tử"…, compared with its
# marks only: folded, "phụ" would be Phú and "già" Gia.
_VIETNAMESE_DESCRIPTIONS = _word_set("phụ đàn phật khuyết khiếm mù điếc già lính giáo")
# What else a weak cue may point at that is not a person: "This is Fraud", "This is Texas",
# "Thanks to Covid", "Thanks to Jesus", "Thanks Guys", "spoke with Someone".
_NOT_PEOPLE = _folded_word_set(
    "bullshit garbage nonsense crap trash joke racism racist sexist sexism ageism ageist ableism"
    " ableist homophobic homophobia transphobic transphobia xenophobic xenophobia bias biased"
    " prejudice prejudiced abuse fraud theft scam robbery extortion corruption negligence"
    " neglect harassment pathetic stupid dumb silly awesome excellent fantastic perfect"
    " urgent important critical criminal unfair unjust inhumane cruel nuts chaos hell torture"
    " madness insanity typical normal standard usual unprofessional unprecedented kafkaesque"
    " first second third fourth fifth sixth seventh eighth ninth tenth last final day week"
    " month year time attempt feedback complaint emergency re"
    " covid corona coronavirus pandemic virus obamacare congress government technology science"
    " medicine internet zoom google uber lyft amazon facebook walmart insulin chemo ozempic"
    " vaccine vaccines hurricane storm flood inflation whoever whomever y'all yall guys folks"
    " team crew gang people bye"
    " much anyway anyways dear honey hun hon sweetie sweetheart babe baby love luv buddy bro"
    " brother sis lady man dude friend friends pal mate boss chief doc ya someone somebody"
    " alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii"
    " idaho illinois iowa kansas kentucky louisiana maine maryland massachusetts michigan"
    " minnesota mississippi missouri nebraska nevada hampshire jersey ohio oklahoma oregon"
    " pennsylvania rhode tennessee texas utah vermont wisconsin wyoming guam mexico guatemala"
    " honduras cuba haiti jamaica pakistan vietnam korea japan philippines nigeria somalia"
    " ethiopia ukraine russia iran iraq syria afghanistan canada venezuela colombia peru"
    " ecuador brazil snap protein yogurt yoghurt cheese allergy allergies free based flour"
    " oil lecithin tofu"
)
# Capitalised after a role word or a title, these say which office or what kind of post, not
# who: "O funcionário Público" (a civil servant), "le conseiller Pôle emploi", "la trabajadora
# Social". Never a name, they are passed over like a rank: "el agente Municipal Gómez".
# Compared accent-folded, in the cue's language.
_POST_WORDS = {
    "es": _folded_word_set("público pública municipal federal estatal social consular"),
    "pt": _folded_word_set("público pública municipal federal estadual social consular"),
    "fr": _folded_word_set(
        "public publique municipal municipale social sociale pôle emploi consulaire"
    ),
}
_SKIPPED_AFTER_TITLES = {language: _RANKS | words for language, words in _POST_WORDS.items()}
# A weak cue of another language reads only that language's words and the things that are not
# people: "Gracias a Young por su paciencia" thanks someone, "I'm Young" says how old.
_NOT_NAMES_AFTER_WEAK_CUES = {
    "en": _PERSON_DESCRIPTIONS | _NOT_PEOPLE,
    "other": _OTHER_DESCRIPTIONS | _NOT_PEOPLE,
}
# Thanked in English, not a person: "Thanks to Jesus!" (but "the agent, Jesus, was kind" and
# "Gracias a Jesús por su ayuda" name someone).
_THANKED_NOT_PEOPLE = _word_set(
    "jesus jesús christ jehovah yahweh buddha heaven heavens goodness lord"
)
_AFTER_A_THANKED_WORKER = _word_set("at in from on en de del")
# Words that go on with the sentence after a title or another cue, never a name: English
# verbs and pronouns ("Officer Screamed at me", "The nurse Didn't call back", "my dad Died"),
# Spanish, Portuguese and French ones ("El agente Me trató mal", "A senhora Gritou comigo",
# "Monsieur Ne parle pas"), Russian ("врач Сказал"), Vietnamese ("Anh Ấy", "Cô Ấy": he, she)
# and Arabic adjectives and verbs, which follow a title as its predicate ("الدكتور ممتاز", the
# doctor is excellent). English ones count after the other Latin-script languages' cues too
# after a one-letter title ("Plan G. It costs less", "Sarah M. She was great").
_ENGLISH_VERBS = _word_set(
    "screamed shouted slammed ignored refused denied rejected lied laughed mocked threatened"
    " grabbed pushed shoved tased tasered arrested detained searched handcuffed insulted"
    " harassed humiliated discriminated stopped pulled cursed swore spit spat kicked punched"
    " slapped struck choked tackled assaulted attacked stole shot beat threw transferred"
    " referred answered ordered offered covered required hired fired entered delivered"
    " considered registered stared glared cleared declared compared prepared cured secured"
    " assured insured injured informed performed confirmed claimed blamed assumed welcomed"
    " named formed harmed alarmed played stayed delayed prayed annoyed employed destroyed"
    " enjoyed obeyed betrayed agreed freed died tied tried cried replied applied relied"
    " fought sought helped explained called treated talked smiled waited walked worked looked"
    " listened rushed rolled sighed shrugged scoffed snapped barked muttered mumbled"
    " whispered interrupted dismissed patronized belittled lectured scolded accused"
    " questioned interrogated profiled followed watched cancelled canceled"
    " rescheduled retired quit passed recommended recommends treats talks listens answers"
    " explains cares understands deserves refuses denies lies tries cries hates loves likes"
    " seems looks yells screams ignores rocks rocked rules ruled saved saves fixed fixes"
    " solved solves handled handles processed processes approved approves signed signs"
    " checked checks gets got went came prescribed misunderstood organized organised"
    " frisked patted cuffed pepper-sprayed shouts insults lectures accuses"
    " demanded demands charged charges billed bills wanted needed asked took made kept"
    " sent showed shows told tells gave gives let lets"
)
_VERBS = {
    "en": _ENGLISH_VERBS,
    "es": _word_set(
        "me nos se le les te lo los nunca siempre tampoco solo sólo dijo hizo puso tuvo vino"
        " quiso pudo trajo dio vio estaba estuvo tenía decía sabía quería podía hacía había"
        " trabaja vive necesita quiere puede sabe habla dice va viene llama espera sigue"
        " ayuda atiende grita miente para por con sin sobre entre hasta desde hacia como"
        " cuando donde porque quien todo todos toda todas nada nadie algo alguien poco usted"
        " ustedes él ella ellos ellas yo tú nosotros"
    ),
    "pt": _word_set(
        "me nos se lhe te o nunca sempre já também disse fez pôs teve veio quis pôde trouxe"
        " deu viu estava esteve é trabalha vive precisa quer pode sabe fala diz vai vem"
        " liga espera tem bateu atendeu respondeu morreu recebeu escreveu entendeu perdeu"
        " resolveu esqueceu ofereceu pareceu mexeu correu para pelo pela com sem sobre entre"
        " até desde como quando onde porque mas ele ela eles elas eu você vocês nós nada"
        " ninguém alguém todo todos toda todas"
    ),
    "fr": _word_set(
        "ne n'a n'est n'était n'avait n'ont me m'a m'ont m'avait se s'est s'était j'ai qu'il"
        " qu'elle le la les lui leur il elle on y a avait était été refuse dit parle fait va"
        " vient peut veut sait attend appelle jamais très au aux pour par avec chez sans"
        " sous vers votre vos notre nos son sa ses leurs cette ces qui que quoi où quand"
        " comment pourquoi mais ou donc car ni tout tous toute toutes rien personne"
    ),
    "ru": _word_set(
        "не ни он она они мне меня нам нас мы вы я ты тоже потом никто ничего всё все очень там"
        " тут здесь сегодня вчера завтра уже ещё еще только даже сказал сказала ответил"
        " ответила отказал отказала отказался отказалась помог помогла объяснил объяснила"
        " нагрубил нагрубила кричал кричала накричал накричала попросил попросила дал дала был"
        " была было были звонил звонила позвонил позвонила принял приняла посмотрел"
        " посмотрела велел велела говорит говорил говорила спасибо пожалуйста да нет"
    ),
    "ht": _word_set(
        "yon ki te t ap pral gen pat fè di ede vle kapab konn tou toujou janm mèsi pou"
    ),
    "vi": _word_set(
        "ấy tôi em mình họ nó ta chúng các những mọi này đó kia đây rất không đã đang sẽ có ở"
        " cũng là và của bị sai trong thì mà nhưng vì nên cho với lại ra vào đi về được làm"
        " giúp gọi hỏi nói quá lắm theo"
    ),
    "ar": _word_set(
        "ممتاز ممتازة رائع رائعة مشغول مشغولة غائب غائبة متعاون متعاونة محترم محترمة سيء سيئ"
        " سيئة وقح وقحة عنصري عنصرية مهذب مهذبة صبور صبورة متفهم متفهمة متعب متعبة غاضب غاضبة"
        " جيد جيدة فظ فظة بطيء بطيئة سريع سريعة مفيد مفيدة ودود ودودة متعجرف متعجرفة متكبر"
        " متكبرة مهمل مهملة كسول كسولة طيب طيبة محترف محترفة خلوق خلوقة متعاطف متعاطفة"
        " موجود موجودة يتكلم يتحدث يعمل يساعد يرد يجيب يفهم يعرف يقول يريد يحتاج تتكلم تتحدث"
        " تعمل تساعد ترد تجيب تفهم تعرف تقول تريد تكلم تحدث فهم عرف صرخ تجاهل تجاهلني أهان"
        " أهانني صاح"
    ),
}
# An English past tense after a title used as a noun ("My Sister Translated for me"); as in
# _DESCRIBING_ENDING, -med, -eed, -red and -yed are left to names (Ahmed, Saeed, Jared, Sayed),
# and these names are not taken for verbs.
_PAST_TENSE = re.compile(r"\w{2,}[^\Wmery]ed")
_NAMES_ENDING_IN_ED = _word_set(
    "khaled javed naved sajed majed amjed zahed fahed rashed wajed mohaned mujahed abed obed"
    " olmsted halsted hempstead siegfried gottfried winfried wilfried"
    # In lower case every -ed is read as a past tense ("officer bothered me"), so these too.
    " ahmed mohamed mohammed muhammed hamed saeed sayed zayed jared fred alfred manfred wilfred"
    " mildred reed"
)
# Spanish and Portuguese past tenses after a title: "Mi padre Murió", "el oficial Gritó",
# "A senhora Gritou", "O doutor Pediu", "La señora Esperaba". (Tadeu, Romeu and Abreu end in
# -eu, so Portuguese -eu verbs are listed instead.)
_VERB_ENDING = {
    "es": re.compile(r"\w{2,}ó|\w{2,}aba"),
    "pt": re.compile(r"\w{2,}(?:ou|iu)|\w{2,}ava"),
}
# "n't", "'re", "'ve", "'ll", "'d", "'m" make a verb or a pronoun: "Nurse Didn't call back",
# "Officer Can't be bothered". O'Brien, D'Angelo and N'Diaye keep their apostrophes (French
# elisions are listed: "Monsieur N'a pas répondu").
_CONTRACTION = re.compile(r"\w+(?:n't|'(?:re|ve|ll|d|m))")
# After a name, "'s" (its possessive, or "is"), "'ll", "'d", "'ve" and "'re" end it and stay:
# "Officer Johnson's badge", "Officer Smith'll call", "Ms. Lee'd said". A pronoun or a verb
# before them is still the sentence going on ("Officer He'll call", "Nurse Would've"), and
# "n't" never follows a name.
_APOSTROPHE_ENDING = re.compile(r"['’](?:s|ll|d|ve|re)$")
# A capitalised word after a cue goes on with the sentence in that cue's language.
_SENTENCE_WORDS = {
    language: frozenset().union(
        _ENGLISH_SMALL_WORDS if language == "en" else _NOT_NAMES.get(language, frozenset()),
        _VERBS.get(language, frozenset()),
    )
    for language in ("en", "es", "pt", "fr", "de", "ru", "vi", "tl", "ht", "ar")
}
# After a one-letter title in English too: "M." and "G." are also letters in English text.
_SENTENCE_WORDS_WITH_ENGLISH = {
    language: words | _SENTENCE_WORDS["en"] for language, words in _SENTENCE_WORDS.items()
}
# A name in lower case after a title is read only in these languages, whose word lists tell the
# sentence going on from a name. Elsewhere a title is also a pronoun or a common noun ("anh",
# "misye": he; "kuya": big brother; "врач": doctor), and German capitalises every noun.
_LOWER_CASE_NAME_LANGUAGES = frozenset({"en", "es", "pt", "fr"})
# Typed without its accents, a listed word is still that word: "tambien", "despues".
_FOLDED_SENTENCE_WORDS = {
    language: frozenset(map(fold, _SENTENCE_WORDS_WITH_ENGLISH[language]))
    for language in _LOWER_CASE_NAME_LANGUAGES
}
# Words that follow a title written in lower case and are no name: English compounds ("officer
# training", "sr discount", "ms word"). Compared accent-folded.
_NOT_NAMES_IN_LOWER_CASE = _folded_word_set(
    "name training safety badge car uniform shift discount discounts word teams excel"
    " shortage fee fees obvious figure act emeritus others"
)
# What an answer says of the staff it names, which is what it is read for: the adjectives
# Spanish, Portuguese and French put after a title used as a noun ("la señora amable", "a
# senhora simpática", "le docteur gentil"), the telegraphic English of a survey ("officer
# polite", "agent helpful and quick", "judge fair") and the words that strengthen them
# ("officer very rude", "el oficial muy amable"). Neither these nor the shapes below are taken
# for a name in lower case, in any of the four languages (Spanglish is common: "officer muy
# amable"). A lower-case name after a title is a weak reading, and losing the word an agency
# reads the answer for is worse than missing a name: a few of these are also surnames (Moody,
# Bright, Sweet, Fair), lost in lower case and found capitalised. Nor do they end a name in
# lower case: "officer johnson rude" keeps its name, as "officer attitude rude" keeps its
# noun. Compared accent-folded.
_DESCRIBES_STAFF_IN_LOWER_CASE = _folded_word_set(
    # English: how they were, and the words that strengthen it.
    "fair unfair calm cold warm sweet honest dishonest smart clear unclear gentle lazy mean"
    " polite impolite kind unkind nice rude quick slow great good bad fast firm strict stern"
    " harsh curt gruff abrupt brusque blunt loud quiet busy tired angry happy unhappy sad cruel"
    " cool awesome awful thorough corrupt nasty grumpy moody bossy pushy cocky snappy snippy"
    " snotty snooty cranky grouchy sassy sketchy shady sloppy messy chatty crabby creepy touchy"
    " testy jumpy edgy shifty snarky flaky goofy funny witty bubbly perky peppy cheery lovely"
    " friendly unfriendly silly jolly surly ugly pretty tidy neat stupid dumb weird odd strange"
    " fake fine okay ok alright perfect best worst better worse nicer nicest ruder rudest"
    " kinder kindest prompt humble sincere genuine tender mad upset evil wicked vile crude crass"
    " brash rough tough soft aloof bitter sour stingy picky fussy cheeky chirpy sleepy hasty"
    " tardy sneaky wary weary wordy mouthy salty catty whiny tricky scary spacey flighty haughty"
    " naughty feisty classy savvy nerdy hostile docile servile futile childish selfish snobbish"
    " foolish sluggish standoffish boorish prudish churlish peevish sheepish brutish skittish"
    " stylish squeamish amateurish lonely lively timely motherly fatherly orderly cowardly"
    " bright dull slick chill lax stubborn clever smug vain considerate inconsiderate"
    " compassionate passionate affectionate articulate accurate inaccurate bit"
    " very so super really too quite rather kinda sorta extra truly most more less least"
    # Spanish.
    " amable amables simpática simpático antipática antipático encargada encargado asignada"
    " asignado educada educado atenta atento servicial buena bueno mala malo rubia rubio güera"
    " güero gorda gordo flaca flaco alta alto baja bajo bajita bajito guapa guapo linda lindo"
    " bonita bonito sentada sentado ocupada ocupado gringa gringo rápido rápida lento lenta"
    " justo injusto injusta honesto honesta deshonesto tranquilo tranquila serio seria cortés"
    " descortés dulce tonto tonta inútil flojo floja majo maja chévere pésimo pésima fatal frío"
    " fría cálido cálida seco seca borde pesado pesada eficaz ineficaz capaz incapaz molesto"
    " molesta cansado cansada enojado"
    " enojada enfadado enfadada equivocado equivocada amargado amargada malhumorado"
    " malhumorada apurado apurada preparado preparada capacitado capacitada interesado"
    " desinteresado estresado estresada frustrado frustrada distraído distraída despistado"
    " despistada aburrido aburrida atrevido atrevida creído creída presumido presumida"
    " divertido divertida dedicado dedicada mandón mandona gritón gritona contestón contestona"
    " burlón burlona sangrón sangrona claro limpio limpia sucio sucia muy tan súper bastante"
    " demasiado poco algo nada re bien"
    # Portuguese.
    " boa bom ruim grosso grossa ótimo ótima legal bacana chato chata calmo esperto esperta"
    " burro burra lerdo lerda mole fofo fofa querido querida sério frio fria estressado irritado"
    " irritada atrapalhado enrolado despreparado desinteressado apressado apressada chateado"
    " chateada zangado zangada aborrecido muito tão bem meio"
    # French.
    " gentil gentille sympa poli polie désagréable rapide lent lente nul nulle bon bonne"
    " mauvais mauvaise honnête efficace courtois courtoise impoli impolie malpoli malpolie"
    " grossier grossière calme doux douce drôle sec sèche froid froide dur dure stricte juste"
    " injuste correct correcte professionnel professionnelle parfait parfaite top"
    " énervé énervée pressé pressée occupé occupée fatigué fatiguée distrait distraite"
    " débordé débordée stressé stressée agacé agacée hautain hautaine très trop assez vraiment"
    " plutôt hyper"
)
# Shapes of an adjective, in English and in Spanish, Portuguese or French: "helpful",
# "careless", "courteous", "dismissive", "efficient", "arrogant", "reliable", "professional",
# "sarcastic"; "respetuoso", "agresivo", "paciente", "arrogante", "increíble", "amável",
# "simpático", "buenísimo"; "chaleureux", "attentif", "charmant", "serviable", "génial",
# "sympathique". The shapes surnames share are left out: -y (Daly, Kelly, Murphy), -ado/-ido
# (Machado, Prado, Hurtado, Garrido, Almeida), -ish (Satish, Parrish), -ic before a Slavic -ić
# (Babic, Kostic), -al after any but these few letters (Vidal, Cabral, Pascal), and -ico/-ica
# without an accent (Federico, Monica); a prefix of three letters spares Grant, Brant, Kent and
# Dante, and of two Clive, Olive, Oliva, Gable and Latif.
_ADJECTIVE_SHAPE = re.compile(
    r"\w{3,}(?:ful|less|ous|ive|[ae]nt(?:e|es|s)?|eux|euse|[st]if)|\w{4,}ique"
    r"|\w{2,}(?:[aií]ble|[áí]vel)s?"
    r"|\w{2,}(?:ion|ic|[^\Wr]i|u|nt|rm)al(?:es|s)?"
    r"|\w{3,}(?:at|et|ot|st|nt|ct)ic"
    r"|\w{3,}(?:os[oa]|[^\Wa]iv[oa])s?"
    r"|\w*[áéí]\w{0,3}ic[oa]s?|\w{2,}ísim[oa]s?"
)
# Surnames of those shapes, in lower case still names ("officer bryant", "el oficial vicente",
# "monsieur laurent"), compared accent-folded. Others are lost in lower case after a title.
_NAMES_SHAPED_LIKE_ADJECTIVES = _folded_word_set(
    "bryant durant morant parent tennant conant vincent laurent clement constant florent"
    " vaillant gallant sargent sergent argent marchant lenfant bessant vicente clemente valente"
    " morante infante durante cavalcante bustamante escalante benavente galante amante"
    " lafuente cifuentes cervantes lorente llorente parente cardoso barroso raposo fragoso"
    " pedroso veloso matoso espinosa hinojosa barbosa feitosa reynoso reinoso donoso lawless"
    " bayless corless yousif lemieux dominique véronique angélique frédérique angélica érica"
    " jéssica américa marcial pascual martial chantal quintal grable clements delarosa"
)
# Words that go on with the sentence after a name in lower case, besides the listed verbs and
# pronouns: contractions typed without their apostrophe ("agent couldnt find it"), reflexives,
# and verbs in the present tense ("mr smith arrives late", "officer jones sounds tired", "la
# señora lópez contesta rápido"), as people say what a member of staff always does.
_GOES_ON_IN_LOWER_CASE = _folded_word_set(
    "didnt doesnt dont wont cant couldnt wouldnt shouldnt isnt wasnt arent werent hasnt havent"
    " hadnt aint himself herself themselves myself yourself ourselves late early"
    " arrives sounds smiles acts means sits stands stays waits walks laughs argues insists"
    " claims responds replies returns remembers forgets follows wins learns reads hears starts"
    " stops tends uses offers reminds manages deals greets welcomes respects assists serves"
    " supports guides communicates"
    " contesta explica escucha entiende resuelve trata llega sale tarda responde pregunta"
    " revisa atende ajuda explique répond aide traite"
)
# Shapes no name has in lower case: an English past tense, present participle, adverb or
# abstract noun ("bothered", "standing", "kindly", "training", "kindness"; not Emily, Kelly or
# Beverly) and a French elision ("s'il", "l'agent").
_NOT_A_NAME_IN_LOWER_CASE = re.compile(
    r"\w{2,}ed|\w{3,}ing|\w{2,}[^\W\daeilory]ly|\w{2,}(?:tion|sion|ness)|(?:qu|[cdjlmnst])['’]\w+"
)
# A one-letter title (French "M.", Tagalog "G.") after a number or a label is a letter: "Plan
# G", "Medigap Plan M", "Section M", "Gate G", "3 M." (millions, metres).
_LETTER_LABELS = _word_set(
    "plan plans part parte section sección seccion gate terminal form formulario row lot"
    " building edificio wing level floor piso zone zona room sala hall window ventanilla"
    " counter door puerta booth line fila group grupo class clase grade type tipo vitamin"
    " vitamina appendix annex schedule exhibit unit apt apartment box item category medigap"
    " letter size"
)
_NUMBER_BEFORE = re.compile(r"(?:\d|\[[A-Z_]+\])[ \t]*$")  # or a number's placeholder
# A titled name that names a place is not that person: "Doña Ana County", "Dr. King Blvd".
_PLACES_NAMED_AFTER_PEOPLE = _word_set(
    "county parish street avenue ave boulevard blvd road highway hwy courthouse elementary"
    " expressway parkway pkwy freeway"
)
# Letters only Vietnamese writes: "Mang Hộ chiếu" is "bring your passport", not Tagalog's
# "Mang Jose".
_VIETNAMESE_LETTERS = re.compile("[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
# "Thanks to Login.gov": a web address is not a name.
_WEB_SUFFIX = re.compile(r"\.(?:gov|com|org|net|edu|mil|us|me|io|info|app)\b", re.IGNORECASE)
# What may follow a thanked name, besides punctuation or the end: "Thanks to Mike at window 4",
# "thank you Maria for", but not "thanks to Houston staff".
_AFTER_THANKED_NAME = {
    language: _word_set(words)
    for language, words in {
        "en": "at for from who in on and with again too so very of here there",
        "es": "por en de del que y quien",
        "fr": "pour à de du qui et",
        "pt": "por pela pelo na no da do que e",
    }.items()
}
# Chinese puts the title after the surname: 王先生, 李女士, 张小姐, 陈医生 (the surname, or the
# whole name of two or three characters, is taken). Only the commoner surnames count, and not
# the ones that are also everyday words before a title (于, 向, 万, 付); 谢 only when it is not
# "thanks" (谢谢王先生, 感谢李女士).
_HAN_TITLE = re.compile("先生|女士|小姐|太太|医生|醫生|老师|老師|警官")
_HAN_SURNAMES = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧"
    "曹彭曾肖蕭田董袁潘蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋"
    "方白邹鄒孟熊秦邱江尹薛闫閆阎閻段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵钱錢严嚴覃武戴莫孔汤湯"
)
_HAN_THANKS_BEFORE = frozenset("谢謝感多致答道鸣鳴")
_HAN_NOT_GIVEN_NAME = frozenset(
    "了过過着著他她你您它们們人不没沒也都就还還再又一是的在被错錯很和与與跟对對给給叫让讓请請找问"
    "問把说說个個位这這那哪地得有我谢謝感"
)
# Korean puts 씨 or 님 after the name: 김민수 씨, 민수씨, 김민수님, 김 선생님, 김과장님. 씨 follows
# little but names; 님 follows roles too (고객님, 선생님, 하나님), so before 님 the name must
# start with a surname and not be one of those words. A role between name and 님 is kept.
# A particle may follow (김민수 씨가, 김민수님께서); 씨앗 (seed) and 씨름 are other words.
_HANGUL_HONORIFIC = re.compile(
    r"(?<![\uac00-\ud7a3])([\uac00-\ud7a3]*?)(씨|님)(?=[^\uac00-\ud7a3]|$|께|에게|한테|가|는|은|를|을|의|도|만|이|랑|와|과"
    r"|요|입니|였|세요)"
)
_HANGUL_WORD_BEFORE = re.compile(r"(?<![\uac00-\ud7a3])([\uac00-\ud7a3]{1,4}) $")
_HANGUL_SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나지엄채원천"
    "방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉"
)
_HANGUL_ROLES = tuple(
    sorted(
        _word_set(
            "선생 과장 팀장 부장 대리 주임 실장 차장 주무관 상담원 상담사 교수 원장 소장 박사 사장"
            " 간호사 기사 사무관 국장 센터장 대표"
        ),
        key=len,
        reverse=True,
    )
)
_HANGUL_NOT_NAMES = _word_set(
    "고객 하나 하느 부모 어머 아버 사모 기사 원장 주무관 소장 차장 부장 반장 안내 사장 공무원 신부"
    " 변호사 장관 도지사 구청장 국장 경찰 조교 조사관 심사관 전문가 사무관 서기관 주임 주사 선생"
    " 선배 여사 이사 이장 임원 주인 주치의 지점장 진행자 천사 하사 원사 박사 방장 연구원 이용자"
    " 시민 주민 국민 어르신 손자 손녀 남편 부인 장모 장인 고모 이모 동생 마음 사람 우리 모두"
    " 여러분 기관 정부 공단 구청 시청 주민센터 안내원 민원 민원인 유저 하루 오늘 어제 아저 아가"
    " 말솜 손글"
)
# Arabic: السيد / السيدة (Mr. / Mrs.), الدكتور, الأستاذ, الآنسة and "د." before one name word.
# Arabic has no capitals, so only the word list decides: a word with the article (السيد المدير,
# "the director") is a title, and after a feminine title a word ending in ت is her verb
# (السيدة كانت, "the lady was").
_ARABIC_TITLE = re.compile(
    r"(?<!\w)(?:[وف]?(?:ال|لل|بال)(?P<title>سيدة|سيد|دكتورة|دكتور|أستاذة|أستاذ|آنسة)\s+|د\.\s*)"
    r"(?P<name>[\u0621-\u064a]+)(?!\w)"
)
_ARABIC_NOT_NAMES = _word_set(
    "كانت كان قال قالت ساعد ساعدت ساعدني ساعدتني رفض رفضت طلب طلبت اتصل اتصلت أعطى أعطت"
    " أخبر أخبرني أخبرتني شرح شرحت أجاب أجابت رد ردت جاء جاءت ذهب قام قامت لطيف لطيفة جدا"
    " هناك هنا الذي التي"
)
_ASCII_OR_NOT = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")
# A staff name that is one everyday word of a survey language ("an", "le", "will", "sol") would
# be scrubbed wherever the word is written: a service must list that person's full name.
# Identities and self-descriptions too ("Young", "Black", "Christian", "Negra", "Deaf"): a staff
# name "Black" would turn "I'm Black and was treated differently" into "I'm [NAME] and…". The
# words are compared as a staff name is, folded ("Sorda", "Indigena").
_GIVEN_NAMES_THAT_ARE_WORDS = _word_set(
    "will bill mark grace hope joy may june april august rose faith summer dawn drew pat sue rob"
    " art guy jack frank gene ray chase chance ruby pearl lily iris holly sky rich penny sandy"
    " rusty bud buck rocky red jay wade carol angel don al ao au aux sol luz paz rosa blanca"
    " dolores pilar amparo consuelo esperanza mercedes soledad"
)
_EVERYDAY_WORDS = (
    _folded_word_set(
        " ".join(
            _ENGLISH_SMALL_WORDS
            | _CAPITALISED_NOT_NAMES
            | frozenset().union(
                *(words for language, words in _NOT_NAMES.items() if language != "en")
            )
            | frozenset().union(
                *(words for language, words in _NOT_INTRODUCED.items() if language != "vi")
            )
            | _NATIONALITIES
            | _GIVEN_NAMES_THAT_ARE_WORDS
        )
    )
    | _PERSON_DESCRIPTIONS
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
# Chinese, Japanese and Korean write a date in numbers and units: 1985年3月4日, 1985년 3월 4일.
# Only beside a birth cue: written this way, "我在2019年3月4日申请的" (I applied on ...) is as
# likely as a birth date.
_CJK_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\s*[年년]\s*\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일号號]?"
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
# A birth certificate ("acta de nacimiento") is a document, not a birth date. The other survey
# languages' cues find numeric dates of birth; their worded dates are not read.
_BIRTH_CUE = re.compile(
    r"\b(?:born|(?<!\[)dob|d\.o\.b\.?|(?:date|year) of birth|birth ?date|birthday|nac[ií]"
    r"|naci[óo]|nacid[oa]s?"
    r"|fecha de nac\.|(?<!acta de )(?<!certificado de )(?<!partida de )nacimiento"
    r"|cumplea[ñn]os"
    r"|née?|date de naissance|nasci(?:d[oa])?|data de nascimento|дата рождения"
    r"|родил(?:ся|ась)|ngày sinh|sinh (?:ngày|năm)|dat (?:de )?nesans|(?:mwen|m) fèt|kaarawan"
    r"|ipinanganak|petsa ng kapanganakan|تاريخ (?:الميلاد|ميلادي)|مواليد|ولدت)(?!\w)"
    r"|出生|生日|생년월일|생일|태어났",
    re.IGNORECASE,
)
_BIRTH_CUE_WORDS = _word_set(
    "born dob d.o.b birth nac cumplea né naissance nasc рожд родил sinh nesans fèt kaarawan"
    " ipinanganak kapanganakan ميلاد مواليد ولدت 出生 生日 생년 생일 태어"
)
_CLAUSE_BREAK = re.compile(
    r"\b(?:and|but|then|when|y|pero|luego|despu[eé]s|cuando)\b", re.IGNORECASE
)
# A single letter before the stop is an initial or "d.o.b.", not the end of a sentence.
_SENTENCE_END = re.compile(r"(?<!\b[A-Za-z])[.!?\n]+\s|;\s|[。！？]")
# A numeric date from these years with no cue is far more often a birth date than a visit.
_FIRST_UNCUED_YEAR, _LAST_UNCUED_YEAR = 1900, 2019
_BIRTH_CUE_REACH = 30


# --- detectors: each reads the original text ------------------------------------------------


def _emails(text: str, region: str) -> list[Finding]:
    if not _EMAIL_HINT.search(text):
        return []
    # Most hints are the English "at"; only the spelled-out forms are read then.
    written = "@" in text
    found = [Finding("EMAIL", m.start(), m.end()) for m in _EMAIL.finditer(text)] if written else []
    found += [
        Finding("EMAIL", m.start(), m.end())
        for m in _SPELLED_EMAIL.finditer(text)
        if _spelled_email_is_address(text, m)
    ]
    if written:
        found += [Finding("EMAIL", m.start(), m.end()) for m in _EMAIL_WITHOUT_TLD.finditer(text)]
    return [_with_spoken_mailbox(text, finding) for finding in found]


def _with_spoken_mailbox(text: str, finding: Finding) -> Finding:
    before = max(0, finding.start - _SPOKEN_MAILBOX_REACH)
    word = _WORD_OF_SPOKEN_MAILBOX.search(text, before, finding.start)
    if word is None:
        return finding
    return Finding("EMAIL", word.start(1), finding.end)


def _spelled_email_is_address(text: str, m: re.Match[str]) -> bool:
    # Nobody writes "@", "(at)", "[at]" or "arroba" in a sentence; only a bare "at" can be English.
    if m["at"].strip().lower() != "at":
        return True
    before = max(0, m.start() - _EMAIL_CUE_REACH)
    if _DETERMINER_BEFORE.search(text, before, m.start()):
        return False
    cued = (
        _EMAIL_CUE.search(text, before, m.start()) is not None
        or _WORD_OF_SPOKEN_MAILBOX.search(
            text, max(0, m.start() - _SPOKEN_MAILBOX_REACH), m.start()
        )
        is not None
    )
    government = m.group(0).lower().endswith(("gov", "mil"))
    mark = _GOVERNMENT_MAILBOX_MARK if government else _MAILBOX_MARK
    if m["webmail"]:
        # "my account at gmail": with no domain ending, only a mailbox mark or a cue says so.
        return cued or _MAILBOX_MARK.search(m["local"]) is not None
    return (
        m["last_dot"] != "."
        or mark.search(m["local"]) is not None
        or cued
        or _WEBMAIL.match(text, m.end("at")) is not None
    )


def _ssns(text: str, region: str) -> list[Finding]:
    if _fewer_digits(text, _SSN_DIGITS):
        return []
    found = [
        Finding("SSN", m.start(), m.end())
        for m in _SSN.finditer(text)
        if _valid_ssn(m.group(1) + m.group(3) + m.group(4))
    ]
    if not _SSN_CUE.search(text):
        return found
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


def _identifiers(text: str, region: str) -> list[Finding]:
    """ITINs, USCIS, passport, Medicare, VA and bank numbers: by their shape or their cue."""
    if _fewer_digits(text, _IDENTIFIER_MIN_DIGITS):
        return []
    # A cue names the number ("passport A12345678"); only without one does its shape. A
    # reference cue right before the digits names them last: "my passport application number
    # 123456789" is an application's, scrubbed as a reference.
    lowered = text.lower()
    found = [
        Finding(kind, m.start(1), m.end(1))
        for kind, words, pattern in _CUED_IDENTIFIERS
        if any(word in lowered for word in words)
        for m in pattern.finditer(text)
        if (kind != "ROUTING" or _aba_checksum(m.group(1)))
        and not _after_reference_cue(text, m.start(1))
    ]
    found += [
        Finding(kind, m.start(), m.end())
        for kind, pattern in _SHAPED_IDENTIFIERS
        for m in pattern.finditer(text)
        if kind != "ITIN" or _ITIN_GROUP.fullmatch(m.group(2))
    ]
    return found


def _aba_checksum(digits: str) -> bool:
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def _national_ids(text: str, region: str) -> list[Finding]:
    """Chile's RUT and Brazil's CPF: by their dotted shape, or after their name. Read after the
    references: a number right after a case or file cue is that file's, as an SSN is
    ("protocolo 123.456.789-09")."""
    if _fewer_digits(text, _NATIONAL_ID_MIN_DIGITS):
        return []
    found = [
        number
        for m in _NATIONAL_ID.finditer(text)
        for number in _valid_national_ids(text, m.span())
    ]
    lowered = text.lower()
    if any(word in lowered for word in _NATIONAL_ID_CUE_WORDS):
        found += [
            number
            for m in _NATIONAL_ID_CUED.finditer(text)
            for number in _valid_national_ids(text, m.span(m.lastindex))
        ]
    return found


def _valid_national_ids(text: str, span: tuple[int, int]) -> list[Finding]:
    """The numbers with right check digits among those written in a row at `span`."""
    return [
        Finding("NATIONAL_ID", m.start(), m.end())
        for m in _NATIONAL_ID_IN_A_ROW.finditer(text, *span)
        if _valid_national_id(m.group())
    ]


def _valid_national_id(number: str) -> bool:
    characters = _NATIONAL_ID_SEPARATORS.sub("", number).upper()
    if len(characters) == _CPF_DIGITS:
        return _valid_cpf(characters)
    return _valid_rut(characters)


def _valid_rut(characters: str) -> bool:
    body, check = characters[:-1], characters[-1]
    weights = itertools.cycle(range(2, 8))
    total = sum(int(digit) * weight for digit, weight in zip(reversed(body), weights, strict=False))
    return "0123456789K"[-total % 11] == check


def _valid_cpf(digits: str) -> bool:
    # "111.111.111-11" passes both checks, but no CPF repeats one digit.
    if len(set(digits)) == 1:
        return False
    numbers = [int(digit) for digit in digits]
    for checked in (9, 10):
        total = sum(n * w for n, w in zip(numbers, range(checked + 1, 1, -1), strict=False))
        if total * 10 % 11 % 10 != numbers[checked]:
            return False
    return True


def _references(text: str, region: str) -> list[Finding]:
    """Case, claim, application, confirmation and other reference numbers after their cue."""
    if _fewer_digits(text, _REFERENCE_CODE_MIN_DIGITS):
        return []
    return [
        Finding("REFERENCE", m.start(), m.end())
        for run in _REFERENCE_RUN.finditer(text)
        if (m := _run_after_a_cue(text, run)) is not None
        and _names_a_file(m.group())
        and not _currency_on_digits(text, m.end())
        and not _amount_with_decimal_comma(text, m)
    ]


def _run_after_a_cue(text: str, run: re.Match[str]) -> re.Match[str] | None:
    """The run, or its part after a cue within it: a run goes on over a space into digits, so
    in "755-case 202-456-1111" the cue and its number are one run, starting before the cue."""
    if len(run.group()) < min(_REFERENCE_MIN_DIGITS, _REFERENCE_CODE_MIN_LENGTH):
        return None  # most runs are a count or a time, too short to name a file
    if _after_reference_cue(text, run.start()):
        return run
    if " " not in run.group():
        return None
    for space in _SPACE_BEFORE_A_DIGIT.finditer(text, run.start(), run.end()):
        if _after_reference_cue(text, space.end()):
            return _REFERENCE_RUN.match(text, space.end(), run.end())
    return None


def _amount_with_decimal_comma(text: str, run: re.Match[str]) -> bool:
    return (
        _AMOUNT_WITH_DECIMAL_COMMA.fullmatch(run.group()) is not None
        and _DECIMAL_COMMA_CENTS.match(text, run.end()) is not None
    )


def _currency_on_digits(text: str, end: int) -> bool:
    """Whether the digits ending at `end` are an amount by the currency after them."""
    currency = _CURRENCY_AFTER.match(text, end)
    if currency is None:
        return False
    number = _NUMBER_AFTER_CURRENCY.match(text, currency.end())
    return number is None or (number.group(1) or "").lower() in _WORDS_ON_NUMBERS


def _names_a_file(run: str) -> bool:
    # Most runs are a count or a time, too short to be either kind of reference.
    if len(run) < min(_REFERENCE_MIN_DIGITS, _REFERENCE_CODE_MIN_LENGTH):
        return False
    digits = len(_DIGIT.findall(run))
    if digits < _REFERENCE_CODE_MIN_DIGITS or _NOT_A_REFERENCE.fullmatch(run):
        return False
    if digits >= _REFERENCE_MIN_DIGITS:
        return True
    characters = len(run.replace("-", "").replace(" ", ""))
    return characters >= _REFERENCE_CODE_MIN_LENGTH and not all(
        map(_word_on_numbers, _LETTERS.findall(run.lower()))
    )


def _word_on_numbers(letters: str) -> bool:
    return letters in _WORDS_ON_NUMBERS or (
        len(letters) >= _EVERYDAY_WORD_ON_NUMBERS_MIN_LENGTH and letters in _EVERYDAY_WORDS
    )


def _cards(text: str, region: str) -> list[Finding]:
    if _fewer_digits(text, _CARD_MIN_DIGITS):
        return []
    found = []
    for m in _CARD.finditer(text):
        end, digits = m.end(), _NON_DIGIT.sub("", m.group())
        if m.group("more") and (not _luhn(digits) or _count_after_a_card(text, m)):
            # Not a card of 19 digits: one of 16 and a number after it, a space or hyphen apart
            # ("4111 1111 1111 1111 202 456 1111", a card and a phone number).
            end, digits = m.start("more"), _NON_DIGIT.sub("", text[m.start() : m.start("more")])
        if (
            _CARD_MIN_DIGITS <= len(digits) <= _CARD_MAX_DIGITS
            and _luhn(digits)
            and not _after_reference_cue(text, m.start())
        ):
            found.append(Finding("CARD", m.start(), end))
    return found


def _count_after_a_card(text: str, m: re.Match[str]) -> bool:
    """Whether the group after a card's four spaced groups is a count of one or two digits
    ("4111 1111 1111 1111 3 times") after a card of 16 that passes the check: no card is
    grouped 4-4-4-4-1 or 4-4-4-4-2 (one of 19 is 4-4-4-4-3)."""
    more = m.group("more")
    return (
        more[0] == " "
        and len(more) <= _CARD_COUNT_AFTER_MOST_DIGITS + 1
        and more[1] != "0"
        and _luhn(_NON_DIGIT.sub("", text[m.start() : m.start("more")]))
    )


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _phones(text: str, region: str) -> list[Finding]:
    if _fewer_digits(text, _PHONE_MIN_DIGITS):
        return []
    # A number its writer calls one, or one in a national format, is read whole before the
    # matcher reads a U.S. number inside it: "8 (912) 345-67-89" is Russian, not (912) 345-6789.
    found = _cued_phones(text, region)
    # VALID: the number must be a real, dialable number for its region, and not glued to
    # letters, which rejects receipt numbers like IOE0912345678 and amounts like $1,250.00.
    matcher = phonenumbers.PhoneNumberMatcher(
        text,
        region,
        leniency=phonenumbers.Leniency.VALID,
        min_candidate_length=_shortest_candidate(text, region),
    )
    found += [
        Finding("PHONE", match.start, match.end)
        for match in matcher
        if not _counts_by_one(text, match.start, match.end)
    ]
    return found


def _counts_by_one(text: str, start: int, end: int) -> bool:
    """Whether digit groups count up or down by one ("1 2 3 4 5 6 7 8 9 10"): no number is
    written so, and a number typed a digit at a time has no group of two digits."""
    groups = text[start:end].split(" ")
    if len(groups) < 3 or not all(group.isdigit() for group in groups):
        return False
    steps = {int(b) - int(a) for a, b in itertools.pairwise(groups)}
    return steps in ({1}, {-1})


def _cued_phones(text: str, region: str) -> list[Finding]:
    """Digit runs a cue calls a phone number, and runs in a national format (no letter glued
    to them: "IOE0912345678" is a receipt number)."""
    found = []
    # A card or a reference number that starts a run is its detector's: what follows it is read
    # as a run of its own ("4111 1111 1111 1111 202 456 1111", "claim # 3417 344 5 202 456
    # 1111"), as it is after "[CARD] " or "[REFERENCE] " when scrubbed again.
    number_ends = {
        number.start: number.end for number in (*_cards(text, region), *_references(text, region))
    }
    for m in _DIALLED_RUN.finditer(text):
        start, end = m.span()
        after_number = start in number_ends
        if after_number:
            start = number_ends[start] + 1
            if start >= end:
                continue
        if _cued_phone(text, start, end):
            found.append(Finding("PHONE", start, end))
        else:
            misread = after_number or _GLUED_TO_A_WORD_AFTER.match(text, end) is not None
            found += _phones_in_run(text, start, end, region, misread)
    return found


def _phones_in_run(
    text: str, start: int, end: int, region: str, misread: bool = False
) -> list[Finding]:
    """The phone numbers in a run of digit groups that is none as a whole: numbers side by
    side, or a number beside digits that are none ("202 456 1111 999 000 0000", "202 456 1111
    5 times"). A run that is one is read here when the matcher misreads it (`misread`): after a
    card or a reference it reads their digits into it, and before digits glued to a word
    ("(646) 805-1403 2x") it reads those and finds no number."""
    digits = len(_DIGIT.findall(text, start, end))
    if digits > _MAX_INTERNATIONAL_DIGITS:
        side_by_side = _valid_side_by_side(text, start, end, region)
        if side_by_side:
            return side_by_side
        # What a cue or a national format reads first, as before numbers were read here.
        return (
            _phones_side_by_side(text, start, end)
            + _grouped_phones_in_run(text, start, end, region)
            + _phones_typed_apart(text, start, end, region)
            + _phones_joined_by_hyphens(text, start, end, region)
        )
    if digits < _MIN_DIALLED_DIGITS:
        return []
    if not misread and _SPACE_IN_RUN.search(text, start, end) is None:
        if _HYPHEN.search(text, start, end) is None or _valid_in_region(text[start:end], region):
            return []
        return _phones_joined_by_hyphens(text, start, end, region)
    if _valid_in_region(text[start:end], region):
        # The matcher's to read, unless it misreads the digits beside it.
        whole = not _glued_to_letters(text, start, end) and not _counts_by_one(text, start, end)
        return [Finding("PHONE", start, end)] if misread and whole else []
    return (
        _grouped_phones_in_run(text, start, end, region)
        or _phone_before_a_count(text, start, end, region)
        or _phones_typed_apart(text, start, end, region)
        or _phones_joined_by_hyphens(text, start, end, region)
    )


def _phone_before_a_count(text: str, start: int, end: int, region: str) -> list[Finding]:
    """A number typed a digit or a few at a time, in no grouping numbers are written in, and
    a count after it ("2 0 2 4 5 6 1 1 1 1 3 times"): the run but its last group, when that
    is a count and the rest is a valid number."""
    count = _COUNT_ENDING_A_RUN.search(text, start, end)
    if (
        count is None
        or _glued_to_letters(text, start, end)
        or not _valid_in_region(text[start : count.start()], region)
        or _counts_by_one(text, start, count.start())
    ):
        return []
    return [Finding("PHONE", start, count.start())]


def _phones_typed_apart(text: str, start: int, end: int, region: str) -> list[Finding]:
    """Numbers typed a digit or two at a time beside other digits ("54274 2 0 2 4 5 6 1 1 1 1
    12 times", "54274 20 24 56 11 11 3 times", "42-2 0 2 4 5 6 1 1 1 1"), which make one run
    with them: each stretch of groups (between spaces and hyphens) of one digit, or of two, is
    read as a run of its own, a valid number whole or but for a stray group before it ("9 2 0
    2 4 5 6 1 1 1 1") or, where it ends the run, a count after it ("… 1 1 1 1 3 times"). A
    number in a national format of such groups ("06 12 34 56 78") is read as one first; digits
    that count by one stay, as do ratings and counts of mixed sizes ("10 9 8 10 9 8 7")."""
    if _glued_to_letters(text, start, end):
        return []
    groups = [m.span() for m in _GROUP_IN_RUN.finditer(text, start, end)]
    digits_before = _digits_before(text, groups)
    sizes = [b - a for a, b in itertools.pairwise(digits_before)]
    count = len(groups)
    found: list[Finding] = []
    first = 0
    while first < count:
        if sizes[first] > _DIGITS_TYPED_AT_A_TIME:
            first += 1
            continue
        after = first + 1
        while after < count and sizes[after] == sizes[first]:
            after += 1
        lasts = (after - 1, after - 2) if after == count else (after - 1,)
        # A stray digit typed before a number typed a digit at a time is read apart from it.
        begins = (first, first + 1) if sizes[first] == 1 else (first,)
        for begin, last in itertools.product(begins, lasts):
            if (
                digits_before[last + 1] - digits_before[begin] >= _MIN_DIALLED_DIGITS
                and _valid_in_region(text[groups[begin][0] : groups[last][1]], region)
                and not _counts_by_one(text, groups[begin][0], groups[last][1])
            ):
                found.append(Finding("PHONE", groups[begin][0], groups[last][1]))
                break
        first = after
    return found


def _phones_joined_by_hyphens(text: str, start: int, end: int, region: str) -> list[Finding]:
    """Numbers a hyphen joins to other digits ("202-456-1111-4", "42-202 456 1111", "96389
    202 456 1111-42"), which make one run with them, no number as a whole: from each of the
    run's groups between its spaces and hyphens, the longest stretch of groups with a hyphen
    on one side at least, short of the whole run, that is a number valid in the service's
    region and grouped as numbers are, so that a longer number's own hyphens ("112-4567890-
    1234567", a date) yield none."""
    if _glued_to_letters(text, start, end):
        return []
    groups = [m.span() for m in _GROUP_IN_RUN.finditer(text, start, end)]
    digits_before = _digits_before(text, groups)
    count = len(groups)
    found: list[Finding] = []
    i = 0
    while i < count:
        hyphen_before = text[groups[i][0] - 1] == "-" if i else False
        for j in reversed(range(i, _groups_of_a_number(digits_before, i))):
            hyphen_after = j + 1 < count and text[groups[j][1]] == "-"
            number = text[groups[i][0] : groups[j][1]]
            last_group_digits = digits_before[j + 1] - digits_before[j]
            if (
                (hyphen_before or hyphen_after)
                and digits_before[j + 1] - digits_before[i] >= _MIN_DIALLED_DIGITS
                and _may_be_grouped(number, 0, len(number), last_group_digits, region)
                and _valid_and_grouped(number, region)
            ):
                found.append(Finding("PHONE", groups[i][0], groups[j][1]))
                i = j
                break
        i += 1
    return found


def _cued_phone(text: str, start: int, end: int) -> bool:
    return _in_national_format(text, start, end) or _dialled_after_cue(text, start, end)


def _phones_side_by_side(text: str, start: int, end: int) -> list[Finding]:
    """Numbers written one after another with only a space between ("010-1234-5678
    010-9876-5432", "06 12 34 56 78 06 98 76 54 32") make one run too long for one number,
    which no format fits: from each place, the longest part that is a number. After one, the
    next is cued by it ("call me 202 555 0143 202 555 0199")."""
    starts, ends, digits_before = _run_groups(text, start, end)
    found: list[Finding] = []
    i = 0
    while i < len(starts):
        # Only parts of a number's length are tried: every one of a long run's was read
        # (5,000 characters of "010-1234-5678 " took 7 s). No cue reaches across a digit, so
        # one is looked for only before the run's first digits (looking before every place
        # took 5,000 characters of "1 " 0.75 s).
        for j in reversed(range(i, _groups_of_a_number(digits_before, i))):
            if (
                _cued_phone(text, starts[i], ends[j])
                if digits_before[i] == 0
                else _in_national_format(text, starts[i], ends[j])
            ) or (found and _dialled(text, starts[i], ends[j])):
                found.append(Finding("PHONE", starts[i], ends[j]))
                i = j + 1
                break
        else:
            i += 1
    return found


def _valid_side_by_side(text: str, start: int, end: int, region: str) -> list[Finding]:
    """Numbers of the service's region side by side with no cue ("202 456 1111 202 456 1414"),
    which the matcher reads as one invalid number: the run's parts between its spaces, when the
    whole run splits into numbers valid there. A list of years or rooms does not ("In 2021 2022
    2023 2024 2025"); from a run that does not, only numbers grouped as they are dialled are
    read (`_grouped_phones_in_run`)."""
    if _glued_to_letters(text, start, end):
        return []
    starts, ends, digits_before = _run_groups(text, start, end)
    count = len(starts)
    # Read from the run's end: splits[i], whether the groups from i on split into valid numbers,
    # and part_end[i], the group ending the first of them (the longest that can).
    splits = [False] * count + [True]
    part_end = [0] * count
    for i in reversed(range(count)):
        for j in range(i, _groups_of_a_number(digits_before, i)):
            if (
                splits[j + 1]
                and digits_before[j + 1] - digits_before[i] >= _MIN_DIALLED_DIGITS
                and _valid_in_region(text[starts[i] : ends[j]], region)
            ):
                splits[i], part_end[i] = True, j
    if not splits[0]:
        return []
    found: list[Finding] = []
    i = 0
    while i < count:
        found.append(Finding("PHONE", starts[i], ends[part_end[i]]))
        i = part_end[i] + 1
    return found


def _grouped_phones_in_run(text: str, start: int, end: int, region: str) -> list[Finding]:
    """The numbers in a run that does not split into numbers, written as numbers are: in a
    national format, or valid in the service's region and grouped as it writes its numbers
    ("202 456 1111 999 000 0000"; from each place the longest), so that no count, year or
    single digit beside them is read into one ("5 4 3 2 1 5 4 3 2 1 0", "In 2021 2022 2023 2024
    2025"). A group after a number's first has two digits at least, as in every region's
    format: most parts of a run are not parsed."""
    if _glued_to_letters(text, start, end):
        return []
    starts, ends, digits_before = _run_groups(text, start, end)
    count = len(starts)
    # after_single[i]: the first group after group i with a single digit (or the run's end).
    after_single = [count] * count
    for i in reversed(range(count - 1)):
        single = digits_before[i + 2] - digits_before[i + 1] == 1
        after_single[i] = i + 1 if single else after_single[i + 1]
    found: list[Finding] = []
    i = 0
    while i < count:
        last = min(_groups_of_a_number(digits_before, i), after_single[i])
        for j in reversed(range(i, last)):
            if digits_before[j + 1] - digits_before[i] < _MIN_DIALLED_DIGITS:
                break
            last_group_digits = digits_before[j + 1] - digits_before[j]
            if _in_national_format(text, starts[i], ends[j]) or (
                _may_be_grouped(text, starts[i], ends[j], last_group_digits, region)
                and _valid_and_grouped(text[starts[i] : ends[j]], region)
            ):
                # A "+" typed apart ("+ 1 202 555 0143") is the number's too.
                plus_apart = i == 1 and digits_before[1] == 0
                found.append(Finding("PHONE", starts[0 if plus_apart else i], ends[j]))
                i = j
                break
        i += 1
    return found


def _may_be_grouped(text: str, start: int, end: int, last_group_digits: int, region: str) -> bool:
    # Read in the U.S. without "+" or "011", a number is one of the NANP's, which end in four
    # digits together however they are grouped ("202 456 1111", "(202) 456-1111"): a part that
    # ends in fewer is not parsed (5,000 characters of two-digit groups parsed 6,650 parts).
    return (
        region != "US"
        or last_group_digits >= _NANP_LAST_GROUP_DIGITS
        or _PLUS_SIGN.match(text, start) is not None
        or phonenumbers.normalize_digits_only(text[start:end]).startswith(_US_INTERNATIONAL_PREFIX)
    )


@functools.lru_cache(maxsize=1024)
def _valid_and_grouped(number: str, region: str) -> bool:
    # A run of one group repeated ("12 12 12 …") asks again and again.
    return _valid_in_region(number, region) and any(
        match.start == 0 and match.end == len(number)
        for match in phonenumbers.PhoneNumberMatcher(
            number, region, leniency=phonenumbers.Leniency.STRICT_GROUPING
        )
    )


def _run_groups(text: str, start: int, end: int) -> tuple[list[int], list[int], list[int]]:
    """A dialled run's groups between its spaces: where each starts and ends, and how many
    digits come before each (and, last, in the whole run). Only a "+" stands without one."""
    starts = [start] + [m.end() for m in _SPACE_IN_RUN.finditer(text, start, end)]
    ends = [group_start - 1 for group_start in starts[1:]] + [end]
    return starts, ends, _digits_before(text, zip(starts, ends, strict=True))


def _digits_before(text: str, groups: Iterable[tuple[int, int]]) -> list[int]:
    """How many digits come before each of a run's groups (spans), and, last, in them all."""
    digits_before = [0]
    for group_start, group_end in groups:
        digits_before.append(digits_before[-1] + len(_DIGIT.findall(text, group_start, group_end)))
    return digits_before


def _groups_of_a_number(digits_before: list[int], first: int) -> int:
    """The end (exclusive) of the groups from `first` on that together have no more digits
    than an international number."""
    return bisect.bisect_right(digits_before, digits_before[first] + _MAX_INTERNATIONAL_DIGITS) - 1


def _valid_in_region(number: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False


def _in_national_format(text: str, start: int, end: int) -> bool:
    """Whether a digit run fits a national format and is a valid number in one of the regions
    of a format it fits."""
    if _NATIONAL_NUMBER.fullmatch(text, start, end) is None or _glued_to_letters(text, start, end):
        return False
    # Some numbers fit a shape and are no number of its region at all: phonenumbers refuses to
    # parse Mexico's "09 2892 3817" rather than call it invalid.
    return any(
        _valid_in_region(text[start:end], region)
        for regions, shape in _NATIONAL_NUMBERS
        if shape.fullmatch(text, start, end) is not None
        for region in regions
    )


def _glued_to_letters(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())


def _dialled_after_cue(text: str, start: int, end: int) -> bool:
    return (
        _dialled(text, start, end)
        and _PHONE_CUE_BEFORE.search(text, max(0, start - _PHONE_CUE_REACH), start) is not None
    )


def _dialled(text: str, start: int, end: int) -> bool:
    """Whether a digit run after a phone cue is written as a phone number is: 7-12 digits (up
    to 15 after a "+"), its parentheses paired, and no date, amount, time or year. An amount
    has its currency on its digits ("$1 250 000", "1 250 000 pesos"); one a few words away is
    another number's ("call me at 456-1111, paid $20")."""
    run = text[start:end]
    digits = len(_DIGIT.findall(run))
    most = _MAX_INTERNATIONAL_DIGITS if _PLUS_SIGN.match(run) else _MAX_DIALLED_DIGITS
    return (
        _MIN_DIALLED_DIGITS <= digits <= most
        and run.count("(") == run.count(")")
        and _NOT_DIALLED.fullmatch(run) is None
        and not _currency_on_digits(text, end)
        and _CURRENCY_BEFORE.search(text, max(0, start - _CURRENCY_BEFORE_REACH), start) is None
    )


def _shortest_candidate(text: str, region: str) -> int:
    # Elsewhere the shortest number depends on the region's plan: every candidate is tried.
    if region != "US":
        return 1
    if _PLUS_SIGN.search(text):
        return _SHORTEST_US_NUMBER_WITH_PLUS
    return _SHORTEST_US_NUMBER_WITHOUT_PLUS


def _after_reference_cue(text: str, start: int) -> bool:
    return _REFERENCE_CUE.search(text, max(0, start - _REFERENCE_REACH), start) is not None


def _spoken_numbers(text: str, region: str) -> list[Finding]:
    found = []
    for m in _SPOKEN_NUMBER.finditer(text):
        digits = len(_SPOKEN_DIGIT.findall(m.group()))
        nearby = text[max(0, m.start() - 30) : m.end() + 30]
        kind = "SSN" if digits == 9 and _SSN_CUE.search(nearby) else "PHONE"
        found.append(Finding(kind, m.start(), m.end()))
    return found


def _addresses(text: str, region: str) -> list[Finding]:
    if _fewer_digits(text, 1):
        return []  # every address here has a house, street or box number
    lowered = text.lower()
    streets = (_PORTUGUESE_STREET_WORDS,)
    if not text.isascii():
        streets += _NON_ASCII_STREET_WORDS
    patterns = _ADDRESS_PATTERNS + tuple(
        pattern for words, pattern in streets if any(word in lowered for word in words)
    )
    found = [_address(text, m.start(), m.end()) for p in patterns for m in p.finditer(text)]
    found += [_address(text, m.start(1), m.end(1)) for m in _ADDRESS_CUED.finditer(text)]
    return found


def _address(text: str, start: int, end: int) -> Finding:
    """An address found, without the full stop it may end with ("42 Oak St." is also the
    end of a sentence): the placeholder took the sentence's full stop with it."""
    return Finding("ADDRESS", start, end - text.endswith(".", start, end))


_ADDRESS_PATTERNS = (
    _ADDRESS,
    _ADDRESS_ES,
    _ADDRESS_SW,
    _PO_BOX,
    _ADDRESS_FR,
)
# Each pattern with words (in lower case) that any of its street words contains: most answers
# name none of these streets, which a substring test sees far quicker than a pattern. Only the
# Portuguese ones are written in ASCII.
_PORTUGUESE_STREET_WORDS = (
    _word_set("rua r. av. avenida tv. travessa alameda al. praça praca estrada rodovia largo"),
    _ADDRESS_PT,
)
_NON_ASCII_STREET_WORDS = (
    (_word_set("đường phố ngõ ngách hẻm"), _ADDRESS_VI),
    (_word_set("ул просп пр-т переул пер. бульв б-р шоссе площад набережн проезд"), _ADDRESS_RU),
    (_word_set("구 군"), _ADDRESS_KO),
    (_word_set("号 號"), _ADDRESS_ZH),
)


def _names(text: str, staff_names: tuple[str, ...], found: list[Finding]) -> list[Finding]:
    """Self-introduced names, names after a title or another cue, and the service's staff.
    `found` are the other detectors' findings: only the rest of the text says whether the
    answer is written in capitals or in Title Case."""
    introduced = _self_introduced_names(text)
    spans = introduced + _person_names(text, found, introduced)
    if not text.isascii():
        spans += _han_titled_names(text) + _hangul_titled_names(text) + _arabic_titled_names(text)
    if staff_names:
        spans += _staff_names(text, staff_names)
    return [Finding("NAME", start, end) for start, end in _merged(spans)]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # Two cues may find one name, or overlapping parts of it ("Ms. Karen Smith" and the staff
    # name "Karen"): one placeholder covers them all.
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _self_introduced_names(text: str) -> list[tuple[int, int]]:
    lowered = text.lower()
    if not any(word in lowered for word in _NAME_CUE_WORDS):
        return []
    found = []
    for cue in _NAME_CUE.finditer(text):
        language, case, _ = _NAME_CUES[int(cue.lastgroup.removeprefix("cue"))]
        start = _NAME_SEPARATOR.match(text, cue.end()).end()
        if title := _NAME_TITLE.match(text, start):
            start = title.end()
        if language == "zh" and _HAN_RUN.match(text, start):
            span = _han_name(text, start)
        elif language == "ko" and _HANGUL_RUN.match(text, start):
            span = _hangul_name(text, start)
        else:
            after_label = ":" in text[cue.end() - 1 : start]
            span = _worded_name(text, start, language, case, after_label)
        if span is not None:
            found.append(span)
    return found


def _worded_name(
    text: str, position: int, language: str, case: str, after_label: bool
) -> tuple[int, int] | None:
    lowercase_limit = 3 if language == "vi" else 2
    # In a message typed all in capitals a capital says nothing.
    shouting = not any(char.islower() for char in text)

    def fits(m: re.Match[str], lowered: str, start: int | None, words: int) -> bool:
        word = m.group(1)
        first = start is None
        capital = word[0].isupper() and not shouting
        if word in _AGENCIES or ((first or not capital) and lowered in _NATIONALITIES):
            return False
        if capital:
            return lowered not in _CAPITALISED_NOT_NAMES and not (
                first and after_label and _common_word_after_label(text, m.end(), lowered, language)
            )
        if case == _CAPITALISED_OR_FULL_NAME and not _could_be_a_name_in_lower_case(
            lowered, language
        ):
            return False
        return not (
            _describes_a_name(lowered, language)
            or words >= lowercase_limit
            or (case == _CAPITALISED and first)
        )

    name = _name_words(text, position, fits, _MAX_NAME_WORDS)
    if name is None:
        return None
    start, end, words = name
    in_lower_case = _written_in_lower_case(text[start], shouting)
    # One word in lower case may say what the name is like ("my name is gibberish on the card");
    # a given name and a surname, or a word where a name ends, is a name.
    if in_lower_case and words == 1 and not _name_ends(text, end, language):
        return None
    # "me llamo juan perez, la espera fue larga", not "me llamo maria y me dijo" (called me).
    if in_lower_case and case == _CAPITALISED_OR_FULL_NAME:
        return (start, end) if words == 2 and _name_ends(text, end, language) else None
    return start, end


def _name_words(
    text: str,
    position: int,
    fits: Callable[[re.Match[str], str, int | None, int], bool],
    max_words: int,
    *,
    skips: frozenset[str] = frozenset(),
    reads_apostrophe_endings: bool = False,
    reads_initials: bool = False,
) -> tuple[int, int, int] | None:
    """Start, end and number of words of the name at `position`: words that `fits`, with up to
    two particles ("de la", "van") between them, after up to two `skips` words (compared
    accent-folded: "Deputy Sheriff Johnson").

    A name after a self-introduction and one after a title or another cue are walked alike; what
    differs is passed in. `fits(m, lowered, start, words)` judges one word, given in lower case
    (without its "'s", "'ll" or "'d" when those are read), with where the name taken so far
    starts (None for its first word) and how many words are taken already.
    """
    first = last = None
    words = particles = ranks = 0
    while words < max_words:
        m = _NAME_WORD.match(text, position)
        if m is None:
            break
        word = m.group(1)
        lowered = word.lower()
        if first is not None and lowered in _NAME_PARTICLES and particles < 2:
            particles += 1
            position = m.end()
            continue
        ending = _APOSTROPHE_ENDING.search(lowered) if reads_apostrophe_endings else None
        if ending:
            lowered = lowered[: ending.start()]
        if first is None and ranks < 2 and not ending and skips and fold(lowered) in skips:
            ranks += 1  # "Deputy Sheriff Johnson", "el agente Municipal Gómez"
            position = m.end()
            continue
        dotted = reads_initials and len(word) == 1 and text.startswith(".", m.end())
        initial = dotted and first is not None
        if not initial and not fits(m, lowered, first, words):
            break
        if first is None:
            first = m.start(1)
        last = m.end(1) - (len(ending.group()) if ending else 0)
        words += 1
        particles = 0
        if ending:
            break  # "Officer Johnson's badge", "Officer Smith'll call"
        # An initial's dot does not end the name: "Dr. John A. Smith".
        position = m.end() + 1 if dotted else m.end()
    if first is None or last is None:
        return None
    return first, last, words


def _written_in_lower_case(initial: str, shouting: bool) -> bool:
    # Arabic has no case: its writer chose nothing, so only the word list applies to it.
    return initial.islower() or (shouting and initial.isupper())


def _describes_a_name(lowered: str, language: str) -> bool:
    ending = _DESCRIBING_ENDING.get(language)
    return lowered in _NOT_NAMES.get(language, frozenset()) or (
        ending is not None and ending.fullmatch(lowered) is not None
    )


def _common_word_after_label(text: str, end: int, lowered: str, language: str) -> bool:
    # After "Name:" a capital starts the sentence, so "Name: None given" is no name; a second
    # capitalised word still makes one ("Name: Long Nguyen").
    following = _NAME_WORD.match(text, end)
    return _describes_a_name(lowered, language) and (
        following is None or not following.group(1)[0].isupper()
    )


def _name_ends(text: str, end: int, language: str) -> bool:
    following = _NEXT_WORD.match(text, end)
    return following is None or following.group(1).lower() in _AFTER_NAME_WORDS.get(
        language, frozenset()
    )


def _han_name(text: str, position: int) -> tuple[int, int] | None:
    # Chinese runs words together and a name is two or three characters, so three are taken
    # even when the third begins what follows.
    m = _HAN_RUN.match(text, position)
    if m is None or m.group(1)[0] in _HAN_NOT_NAME_START:
        return None
    return m.start(1), min(m.end(1), m.start(1) + 3)


def _hangul_name(text: str, position: int) -> tuple[int, int] | None:
    m = _HANGUL_RUN.match(text, position)
    if m is None:
        return None
    name = _HANGUL_ENDING.sub("", m.group(1))
    if not 2 <= len(name) <= 4 or name.startswith(_HANGUL_NOT_NAME):
        return None
    return m.start(1), m.start(1) + len(name)


def _person_names(
    text: str, found: list[Finding], introduced: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    if _CUE_HINTS.isdisjoint(_CASED_WORD.findall(text.lower())):
        return []  # most answers: no cue word at all
    cues = _cues(text)
    # In a message in capitals a capital says nothing: only a title still names someone, and in
    # one Written In Title Case the weak cues are not read. What is found already counts as one
    # word in capitals, as its placeholder will ("MR. JONES WAS RUDE a@b.com" is in capitals,
    # before it is scrubbed and after); so does a capitalised word after a title not itself in
    # capitals, which may be a name ("MR. JONES WAS RUDE, Dr. Smith"; but "MS Word" is not in
    # capitals), and a name found after a title.
    taken = [(finding.start, finding.end) for finding in found] + introduced
    after_titles = [
        m.span(1)
        for cue, kind, _ in cues
        if kind in _STRONG_CUES
        and not cue.group(0)[1:2].isupper()
        and (m := _NAME_WORD.match(text, cue.end())) is not None
        and m.group(1)[0].isupper()
    ]
    shouting = _rest_of_text(text, taken + after_titles).isupper()
    spans = _names_after(text, cues, _STRONG_CUES, shouting, taken)
    if not shouting and not _written_in_title_case(_rest_of_text(text, taken + spans)):
        spans += _names_after(text, cues, _WEAK_CUES, shouting, taken)
    return spans


def _cues(text: str) -> list[tuple[re.Match[str], str, str]]:
    """Each cue in the text, with its kind and language; cues do not overlap."""
    cues = []
    cue_end = 0
    for word in _CASED_WORD.finditer(text):
        if word.start() < cue_end or word.group().lower() not in _CUE_STARTS:
            continue
        cue = _PERSON_CUE.match(text, word.start())
        if cue is None:
            continue
        cue_end = cue.end()
        kind, language, _, _ = _PERSON_CUES[int(cue.lastgroup.removeprefix("person"))]
        cues.append((cue, kind, language))
    return cues


def _names_after(
    text: str,
    cues: list[tuple[re.Match[str], str, str]],
    kinds: frozenset[str],
    shouting: bool,
    taken: list[tuple[int, int]],
) -> list[tuple[int, int]]:
    spans = []
    for cue, kind, language in cues:
        if kind not in kinds:
            continue
        reading = _cue_reading(text, cue, kind, language, shouting)
        if reading is None:
            continue
        reading, language = reading
        span = _person_name(text, cue, kind, language, shouting, reading, taken)
        if span is not None and (
            kind != "thanks" or _thanked_person(text, cue, span, language, taken)
        ):
            spans.append(span)
    return spans


def _rest_of_text(text: str, taken: list[tuple[int, int]]) -> str:
    # The text with each finding and each placeholder as one word in capitals.
    if not taken and "[" not in text:
        return text
    pieces = []
    position = 0
    for start, end in sorted(taken):
        if start >= position:
            pieces.append(text[position:start])
            pieces.append(" X ")
        position = max(position, end)
    pieces.append(text[position:])
    return _PLACEHOLDER_TOKEN.sub(" X ", "".join(pieces))


_PLACEHOLDER_TOKEN = re.compile("|".join(re.escape(token) for token in PLACEHOLDERS.values()))


def _written_in_title_case(text: str) -> bool:
    # Six words at least: "Tôi là Nguyễn Thị Mai" is a sentence with a name in it.
    words = _CASED_WORD.findall(text)
    capitalised = sum(word[0].isupper() for word in words)
    return len(words) >= 6 and capitalised >= 0.7 * len(words)


# How a cue reads: as a title before a name, as a one-letter title ("M.", "G."), as a common
# noun ("the officer", "my doctor", "el agente": what follows must not be a verb or, in the
# languages that put adjectives after the noun, a word that describes a person: "el oficial
# Racista"), or not as a cue at all (None).
_AS_TITLE, _AS_LETTER, _AS_NOUN = "title", "letter", "noun"


def _cue_reading(
    text: str, cue: re.Match[str], kind: str, language: str, shouting: bool
) -> tuple[str, str] | None:
    cue_word = _CASED_WORD.match(cue.group()).group()
    if kind == "Title" and not cue_word[0].isupper():
        return None  # "I miss you", "mang" in Vietnamese
    if not shouting and len(cue_word) > 1 and cue_word.isupper():
        return None  # "MS Word", "THIS IS" typed for emphasis
    before = _WORD_BEFORE.search(text, max(0, cue.start() - 12), cue.start())
    word_before = (before.group(1) or before.group(2)).lower() if before else ""
    if kind == "people":
        # A role word shared by Latin languages ("agente", "supervisor", "amigo") is read in
        # the language its determiner says: "o agente", "el agente".
        for determiners_language in _languages_of_a_cue(language):
            if word_before in _DETERMINERS[determiners_language]:
                return _AS_TITLE, determiners_language
        return None
    lowered = cue_word.lower()
    if lowered == "anh" and word_before == "tiếng":
        return None  # "tiếng Anh" is English, the language
    if lowered == "dr" and _STREET_BEFORE.search(text, max(0, cue.start() - 40), cue.start()):
        return None  # "500 Capitol Dr Salem"
    if kind == "Title" and len(cue.group().strip().rstrip(".")) == 1:
        if word_before in _LETTER_LABELS or _NUMBER_BEFORE.search(
            text, max(0, cue.start() - 16), cue.start()
        ):
            return None  # "Plan G. It costs less", "3 M. Après"
        return _AS_LETTER, language
    if lowered == "mang" and _VIETNAMESE_LETTERS.search(text):
        return None  # "Mang Hộ chiếu": bring your passport
    if kind == "title" and (cue_word.islower() or not cue.group().rstrip().endswith(".")):
        # "the officer Screamed at me", "my dr. Cancelled", "The Doctor Said"; the determiner
        # says the language where a cue is shared ("El doctor Nunca me llamó").
        for determiners_language in _languages_of_a_cue(language):
            if word_before in _DETERMINERS.get(determiners_language, ()):
                return _AS_NOUN, determiners_language
    return _AS_TITLE, language


def _languages_of_a_cue(language: str) -> tuple[str, ...]:
    # The cue's own language first; a Latin language's cue word may be another's too.
    return (language, *_LATIN_DETERMINERS) if language in _LATIN_DETERMINERS else (language,)


def _takes_a_name_in_lower_case(
    text: str, cue: re.Match[str], kind: str, language: str, reading: str
) -> bool:
    """Whether a title names someone written in lower case after it: "officer johnson", "mr
    smith", "la señora gonzález". Weaker cues need a capital, as do the titles that are titles
    only capitalised ("Miss", "Don"), a one-letter title (an initial: "Sarah M. said") and a
    title that an article makes a common noun in English ("the officer said"); Spanish,
    Portuguese and French put an article before a title. An English title after another
    language's article is that language's role word, which needs a capital too: "l'agent
    chargé de mon dossier", "cet agent immobilier"."""
    if kind != "title" or language not in _LOWER_CASE_NAME_LANGUAGES:
        return False
    if reading == _AS_LETTER or (reading == _AS_NOUN and "en" in (language, _cue_language(cue))):
        return False
    # Without its article "oficial" is the adjective: "identificación oficial vigente".
    return reading != _AS_TITLE or _CASED_WORD.match(cue.group()).group().lower() != "oficial"


def _cue_language(cue: re.Match[str]) -> str:
    return _PERSON_CUES[int(cue.lastgroup.removeprefix("person"))][1]


def _could_be_a_name_in_lower_case(lowered: str, language: str) -> bool:
    # Nothing marks a word in lower case as a name, so it is one only where it is no word the
    # scrubber knows, in any survey language (accents or not).
    folded = fold(lowered)
    return not (
        _goes_on_in_lower_case(lowered, language)
        or lowered in _ALL_CUE_WORDS
        or lowered.upper() in _AGENCIES
        or lowered in _NOT_NAMES_AFTER_TITLES
        or lowered in _RANKS
        or folded in _EVERYDAY_WORDS
        or folded in _NOT_PEOPLE
        or folded in _NOT_NAMES_IN_LOWER_CASE
        or _describes_staff_in_lower_case(lowered)
    )


def _describes_staff_in_lower_case(lowered: str) -> bool:
    """Whether a word in lower case says how someone was rather than who: a listed adjective or
    intensifier, or one shaped like an adjective and no listed surname ("officer helpful",
    "el oficial respetuoso", "le docteur chaleureux"; not "officer bryant"). A hyphenated word
    does if any part does: "helpful-ish", "super-nice"."""
    for part in lowered.split("-"):
        folded = fold(part)
        if folded in _DESCRIBES_STAFF_IN_LOWER_CASE or (
            _ADJECTIVE_SHAPE.fullmatch(part) is not None
            and folded not in _NAMES_SHAPED_LIKE_ADJECTIVES
        ):
            return True
    return False


def _goes_on_in_lower_case(lowered: str, language: str) -> bool:
    """Whether a word in lower case goes on with the sentence in the title's language or in
    English: a listed word, typed with its accents or without, or one shaped like a verb, an
    adverb, an abstract noun or a French elision ("bothered", "kindly", "training", "s'il")."""
    sentence_words = _SENTENCE_WORDS_WITH_ENGLISH[language]
    folded = fold(lowered)
    return (
        lowered in sentence_words
        or folded in _FOLDED_SENTENCE_WORDS[language]
        or folded in _GOES_ON_IN_LOWER_CASE
        or _describes_a_name(lowered, language)
        or _goes_on_with_the_sentence(lowered, language, sentence_words)
        or (
            _NOT_A_NAME_IN_LOWER_CASE.fullmatch(lowered) is not None
            and lowered not in _NAMES_ENDING_IN_ED
        )
    )


def _name_ends_in_lower_case(
    text: str, end: int, language: str, taken: list[tuple[int, int]]
) -> bool:
    # Where a name in lower case ends, the text, the line or the clause ends, or the sentence
    # goes on ("officer johnson was rude", "la señora gonzález me ayudó"); a noun after it
    # makes it part of something else ("nurse case manager", "officer cell phone"). What is
    # found already ends it, as its placeholder will: "officer lee maria@example.com", and so
    # does another title: "officer johnson officer johnson", "mr smith mrs jones".
    following = _NAME_WORD.match(text, end)
    if following is None or not following.group(1)[0].islower():
        return True
    if _inside(following.start(1), taken) or _title_at(text, following.start(1)):
        return True
    return _goes_on_in_lower_case(following.group(1), language)


def _title_at(text: str, position: int) -> bool:
    cue = _PERSON_CUE.match(text, position)
    return cue is not None and _PERSON_CUES[int(cue.lastgroup.removeprefix("person"))][0] in (
        _STRONG_CUES
    )


def _person_name(
    text: str,
    cue: re.Match[str],
    kind: str,
    language: str,
    shouting: bool,
    reading: str,
    taken: list[tuple[int, int]],
) -> tuple[int, int] | None:
    def fits(m: re.Match[str], lowered: str, start: int | None, words: int) -> bool:
        word = m.group(1)
        if _WEB_SUFFIX.match(text, m.end()):
            return False
        if shouting or not word[0].islower():
            return _could_be_a_name(word, lowered, kind, language, start is None, shouting, reading)
        # A name in lower case is so throughout ("Dr. Patel kindly explained" ends at Patel) and
        # stops at what is found already ("officer lee maria@example.com").
        return (
            (start is None or text[start].islower())
            and not _inside(m.start(1), taken)
            and _takes_a_name_in_lower_case(text, cue, kind, language, reading)
            and _could_be_a_name_in_lower_case(lowered, language)
        )

    name = _name_words(
        text,
        cue.end(),
        fits,
        1 if shouting else _MAX_CUED_NAME_WORDS,
        skips=_words_skipped_before_a_name(kind, language),
        reads_apostrophe_endings=True,
        reads_initials=True,
    )
    if name is None:
        return None
    start, end, _ = name
    if (
        not shouting
        and text[start].islower()
        and not _name_ends_in_lower_case(text, end, language, taken)
    ):
        return None
    following = _NEXT_WORD.match(text, end)
    if following is not None and following.group(1).lower() in _PLACES_NAMED_AFTER_PEOPLE:
        return None  # "Doña Ana County"
    return start, end


def _words_skipped_before_a_name(kind: str, language: str) -> frozenset[str]:
    if kind in _STRONG_CUES:
        return _SKIPPED_AFTER_TITLES.get(language, _RANKS)
    return _POST_WORDS.get(language, frozenset())


def _could_be_a_name(
    word: str, lowered: str, kind: str, language: str, first: bool, shouting: bool, reading: str
) -> bool:
    if not shouting and (not word[0].isupper() or (len(word) > 1 and word.isupper())):
        return False  # not capitalised, or an acronym ("Agent IRS")
    sentence_words = (_SENTENCE_WORDS_WITH_ENGLISH if reading == _AS_LETTER else _SENTENCE_WORDS)[
        language
    ]
    if (
        lowered in sentence_words
        or lowered in _CUE_WORDS
        or lowered in _NOT_NAMES_AFTER_TITLES
        or lowered in _RANKS
        or lowered in _CAPITALISED_NOT_NAMES
        or word in _AGENCIES
        or fold(lowered) in _POST_WORDS.get(language, ())
        or _goes_on_with_the_sentence(lowered, language, sentence_words)
    ):
        return False
    # After a title the first word is a name unless listed ("Dr. Ahmed", "Officer Manning");
    # after a title used as a noun ("the officer", "el agente") not one that describes a person
    # either ("el oficial Racista"); a later word may be the sentence going on ("Officer
    # Johnson Helped me").
    strong = kind in _STRONG_CUES
    if strong and first and not shouting:
        if reading != _AS_NOUN:
            return True
        if language == "en":
            # English puts its adjectives before the noun: "the officer Black" is a name.
            return not _is_a_past_tense(lowered)
        return not _says_what_a_person_is(lowered, language, _OTHER_DESCRIPTIONS)
    if lowered not in _NAMES_ENDING_IN_ED and _describes_a_name(lowered, language):
        return False
    if strong or not first:
        return True
    ending = _INTRODUCED_ENDING.get(language)
    return not (
        lowered in _NOT_NAMES.get(language, ())
        or _says_what_a_person_is(
            lowered, language, _NOT_NAMES_AFTER_WEAK_CUES["en" if language == "en" else "other"]
        )
        or (ending is not None and ending.fullmatch(lowered) is not None)
    )


def _is_a_past_tense(lowered: str) -> bool:
    # "My Sister Translated for me", "the officer Frisked me"; not Khaled or Siegfried.
    return lowered not in _NAMES_ENDING_IN_ED and _PAST_TENSE.fullmatch(lowered) is not None


def _says_what_a_person_is(lowered: str, language: str, descriptions: frozenset[str]) -> bool:
    return (
        lowered in _NATIONALITIES
        or lowered in _NOT_INTRODUCED.get(language, ())
        or _describes_a_person(lowered, descriptions)
    )


def _goes_on_with_the_sentence(lowered: str, language: str, sentence_words: frozenset[str]) -> bool:
    if "'" in lowered or "’" in lowered:
        lowered = lowered.replace("’", "'")
        return lowered in sentence_words or _CONTRACTION.fullmatch(lowered) is not None
    ending = _VERB_ENDING.get(language)
    return ending is not None and ending.fullmatch(lowered) is not None


def _describes_a_person(lowered: str, descriptions: frozenset[str]) -> bool:
    # Vietnamese words with their marks; the others folded, so "Indigena" is "Indígena".
    if lowered in _VIETNAMESE_DESCRIPTIONS:
        return True
    if _VIETNAMESE_LETTERS.search(lowered):
        return False
    return fold(lowered) in descriptions


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _thanked_person(
    text: str,
    cue: re.Match[str],
    span: tuple[int, int],
    language: str,
    taken: list[tuple[int, int]],
) -> bool:
    if not _thanked_name_ends(text, span[1], language, taken):
        return False
    # "Thanks to Jesus!", "Thank God for this office", but "Thanks to Jesus at window 4".
    if (
        cue.group()[:5].lower() == "thank"
        and text[span[0] : span[1]].lower() in _THANKED_NOT_PEOPLE
    ):
        following = _NEXT_WORD.match(text, span[1])
        return following is not None and following.group(1) in _AFTER_A_THANKED_WORKER
    return True


def _thanked_name_ends(text: str, end: int, language: str, taken: list[tuple[int, int]]) -> bool:
    following = _NEXT_WORD.match(text, end)
    if following is None:
        return True  # the end, punctuation or a number
    if _inside(following.start(1), taken):
        return True  # an e-mail address or a number, found already: "Thanks Karen a@b.com"
    word = following.group(1)
    return word.islower() and word in _AFTER_THANKED_NAME[language]


def _han_titled_names(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _HAN_TITLE.finditer(text):
        # The longest name wins: 王小明先生 is Wang Xiaoming, not Mr. Ming.
        for length in (3, 2, 1):
            start = m.start() - length
            if start >= 0 and _han_name_before_title(text, start, m.start()):
                spans.append((start, m.start()))
                break
    return spans


def _han_name_before_title(text: str, start: int, end: int) -> bool:
    surname, given = text[start], text[start + 1 : end]
    if surname not in _HAN_SURNAMES or any(char in _HAN_NOT_GIVEN_NAME for char in given):
        return False
    if surname in "谢謝" and (
        given.startswith(("谢", "謝")) or (start > 0 and text[start - 1] in _HAN_THANKS_BEFORE)
    ):
        return False
    return all("\u4e00" <= char <= "\u9fff" for char in given)


def _hangul_titled_names(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _HANGUL_HONORIFIC.finditer(text):
        stem_start, stem_end = m.span(1)
        role = next((role for role in _HANGUL_ROLES if m.group(1).endswith(role)), "")
        stem_end -= len(role)
        if stem_end > stem_start:
            start, end, spaced = stem_start, stem_end, False
        else:
            # "김민수 씨", "김 선생님": the name is the word before.
            before = _HANGUL_WORD_BEFORE.search(text, max(0, stem_start - 6), stem_start)
            if before is None:
                continue
            start, end, spaced = before.start(1), before.end(1), True
        if _hangul_name_before_honorific(text[start:end], after_role=bool(role), spaced=spaced):
            spans.append((start, end))
    return spans


def _hangul_name_before_honorific(name: str, after_role: bool, spaced: bool) -> bool:
    if len(name) == 1:
        # A surname alone before a role or a spaced 씨 ("김 선생님", "박 씨"); "이" is also
        # "this" ("이 선생님", this teacher).
        return (after_role or spaced) and name in _HANGUL_SURNAMES and name != "이"
    return len(name) <= 4 and name[0] in _HANGUL_SURNAMES and name not in _HANGUL_NOT_NAMES


def _arabic_titled_names(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _ARABIC_TITLE.finditer(text):
        name = m.group("name")
        feminine = m.group("title") is not None and m.group("title").endswith("ة")
        if (
            name.startswith("ال")
            or name in _NOT_NAMES["ar"]
            or name in _ARABIC_NOT_NAMES
            or name in _VERBS["ar"]
            or (feminine and name.endswith("ت"))
        ):
            continue
        spans.append(m.span("name"))
    return spans


def _staff_names(text: str, staff_names: tuple[str, ...]) -> list[tuple[int, int]]:
    folded, positions = _folded_for_names(text)
    spans = []
    for m in _staff_name_pattern(tuple(staff_names)).finditer(folded):
        if positions is None:
            spans.append(m.span())
        else:
            spans.append((positions[m.start()], positions[m.end() - 1] + 1))
    return spans


@functools.lru_cache(maxsize=256)
def _staff_name_pattern(staff_names: tuple[str, ...]) -> re.Pattern[str]:
    """The service's staff names as one pattern over folded text: whole words, any case and
    accents ("Lopez" finds "López"), any spacing or hyphen between a name's words."""
    alternatives = sorted({_fold_name(name) for name in staff_names}, key=len, reverse=True)
    # Never a word inside a placeholder: a name "Name" would turn "[NAME]" into "[[NAME]]".
    return re.compile("(?:" + "|".join(map(_whole_words, alternatives)) + r")(?![\w\]])")


def _whole_words(name: str) -> str:
    words = r"[\s\-‐]+".join(_apostrophe_blind(part) for part in re.split(r"[\s\-‐]+", name))
    # The first letter comes first and looks behind it after, so the pattern is scanned for,
    # not tried at every position.
    first = re.escape(name[0])
    if not words.startswith(first):
        return rf"(?<![\w\[]){words}"
    return rf"{first}(?<![\w\[]{first}){words[len(first) :]}"


def _fold_name(name: str) -> str:
    folded, _ = _folded_for_names(unicodedata.normalize("NFC", name.strip()))
    return folded


def _apostrophe_blind(word: str) -> str:
    return "['’]".join(re.escape(piece) for piece in re.split("['’]", word))


def _folded_for_names(text: str) -> tuple[str, list[int] | None]:
    # Each character folded on its own (as feedbot.languages.fold folds a reply), with where
    # each folded character came from, so a match maps back to the original text.
    if text.isascii():
        return text.lower(), None
    pieces: list[str] = []
    positions: list[int] = []
    for run in _ASCII_OR_NOT.finditer(text):
        if run.group().isascii():
            pieces.append(run.group().lower())
            positions.extend(range(run.start(), run.end()))
            continue
        for index, char in enumerate(run.group(), run.start()):
            piece = _folded_char(char)
            pieces.append(piece)
            positions.extend([index] * len(piece))
    return "".join(pieces), positions


@functools.lru_cache(maxsize=4096)
def _folded_char(char: str) -> str:
    return " " if char.isspace() else fold(char)


def _birth_dates(text: str, region: str) -> list[Finding]:
    if _fewer_digits(text, 1):
        return []
    lowered = text.lower()
    mentioned = any(word in lowered for word in _BIRTH_CUE_WORDS)
    found = []
    for start, end in _sentences(text):
        cues = [m.span() for m in _BIRTH_CUE.finditer(text, start, end)] if mentioned else []
        found += _numeric_birth_dates(text, start, end, bool(cues), mentioned)
        if cues:
            found += [
                Finding("DOB", m.start(), m.end()) for m in _CJK_DATE.finditer(text, start, end)
            ]
            found += _cued_birth_dates(text, start, end, cues)
    return found


def _numeric_birth_dates(
    text: str, start: int, end: int, cued_sentence: bool, mentioned: bool
) -> list[Finding]:
    found = []
    for m in _NUMERIC_DATE.finditer(text, start, end):
        day_and_month = (m.group(1), m.group(3)) if m.group(1) else (m.group(7), m.group(6))
        if not _plausible_day_month(*day_and_month):
            continue
        year = m.group(4) or m.group(5)
        cued = cued_sentence or (mentioned and _cue_just_before(text, m.start()))
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


def _fewer_digits(text: str, count: int) -> bool:
    # A detector whose numbers have more digits than the whole answer need not read it.
    return _digit_count(text) < count


@functools.lru_cache(maxsize=1)
def _digit_count(text: str) -> int:
    # The detectors ask in turn, of the same answer.
    return len(_DIGIT.findall(text))


def _overlaps(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


# Order matters where detectors compete for the same digits: an SSN or a card number also
# parses as a phone number, and a birth date such as 1985-04-12 as a phone-like digit run. A
# number its cue names (an account, an A-number, a case) is that, whatever else its digits
# could be; a receipt or A-number's own shape says more than a reference cue before it.
_DETECTORS = (
    _emails,
    _identifiers,
    _references,
    _national_ids,
    _ssns,
    _cards,
    _birth_dates,
    _phones,
    _spoken_numbers,
    _addresses,
)
