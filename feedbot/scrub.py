"""Personal-data scrubber for free-text survey answers.

Phone numbers, e-mail addresses, SSNs and ITINs, payment cards, bank accounts, USCIS, passport,
Medicare and VA identifiers, street addresses, dates of birth and self-introduced names are
replaced by typed placeholders before an answer is stored or exported. Addresses and worded
dates are read in English and Spanish; names, numbers and their cues in all 12 survey languages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "SSN": "[SSN]",
    "CARD": "[CARD]",
    "PHONE": "[PHONE]",
    "ADDRESS": "[ADDRESS]",
    "DOB": "[DOB]",
    "ITIN": "[ITIN]",
    "A_NUMBER": "[A_NUMBER]",
    "RECEIPT": "[RECEIPT]",
    "PASSPORT": "[PASSPORT]",
    "MEDICARE": "[MEDICARE]",
    "VA_FILE": "[VA_FILE]",
    "ACCOUNT": "[ACCOUNT]",
    "ROUTING": "[ROUTING]",
    "NAME": "[NAME]",
}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (a key of PLACEHOLDERS) and its span in the text."""

    kind: str
    start: int
    end: int


def scrub(text: str, region: str = "US") -> str:
    """The text with every recognised piece of personal data replaced by its placeholder.

    The text comes back in Unicode's composed form (NFC): some Vietnamese keyboards type "tên"
    as "e", a circumflex and a tone mark, which no cue would match.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
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
    text = _fold_dashes(text)
    kept: list[Finding] = []
    for detector in _DETECTORS:
        for finding in detector(text, region):
            if not any(_overlaps(finding, other) for other in kept):
                kept.append(finding)
    return sorted(kept, key=lambda finding: finding.start)


def _fold_dashes(text: str) -> str:
    # Word processors and phone keyboards turn "123-45-6789" into "123–45–6789"; every digit
    # pattern below reads a plain hyphen. One character for one, so spans stay the same.
    if text.isascii():
        return text
    return _DASH_BETWEEN_DIGITS.sub("-", text)


# --- patterns -------------------------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_DASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\u2010-\u2015\u2212\ufe58\ufe63\uff0d](?=\d)")

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

# "123-45-6789 2 times" is an SSN; "123 45 6789 01" is part of some longer grouped number.
_SSN = re.compile(rf"{_NOT_AFTER_DIGITS}(\d{{3}})([- .])(\d{{2}})\2(\d{{4}})(?![\d-])(?!\2\d)")
# "my social is ...", "my ss number ...": people drop the "security", but a social worker or
# Social Services is not a social security number.
_SSN_WORD = (
    r"(?:(?<!\[)ssn|ss ?#|ss (?:number|no\.?)|social security(?: number| no\.?| #)?"
    r"|social\b(?![\s-]*(?:workers?|work|services?|media|club|network|studies)\b)"
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

# Each identifier shape below starts with its first character and looks behind it after: a
# pattern that starts with a literal is scanned for, one that starts with a look-behind is tried
# at every position.

# An ITIN is shaped like an SSN but starts with 9 and has a group of 50-65, 70-88, 90-92 or
# 94-99; undashed, it needs its name beside it.
_ITIN = re.compile(r"9(?<![\d-]9)(?<!\d[ .]9)\d\d([- .])(\d\d)\1\d{4}(?![\d-])(?!\1\d)")
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

# A seven-digit local number, or a run of digits too short or long to dial ("my social
# worker's number is 123456789"), is only a phone number when the writer says so.
_LOCAL_PHONE = re.compile(
    r"\b(?:call|(?<!\[)phone|cell|text|tel|(?:my|his|her|their|your|['’]s) number|mi n[uú]mero"
    r"|tel[eé]fono|celular|cel|ll[aá]m\w*|whatsapp)\b[^\d\n\[]{0,15}?(?<!\d)"
    r"(\d{3}[-. ]\d{4}|\d{7,12})(?![\d-])",
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
# Spanish") is never the first word of a name. Cues that are also everyday phrases ("me llamo"
# typed for "me llamó", Haitian "rele" for "called", Portuguese "meu nome e" for "my name and")
# need a capital. Scripts without capitals take the name their own way: up to three Han characters,
# one Hangul word without its ending, one or two Arabic words (held to the word list alone, as
# an Arabic writer chose no case).
_NAME_CUES = (
    # (language, the name must be capitalised, cue)
    (
        "en",
        False,
        r"\bmy\s+(?:(?:full|legal|first|last|middle|maiden|married|given|real)\s+)?"
        r"name(?:\s+is|['’]s|\s*:)|\bmy\s+surname\s+is"
        rf"|{_LABEL_START}(?:(?:full|legal|first|last|middle|maiden|married|given|contact"
        r"|applicant)[ \t]+)?name\s*:",
    ),
    (
        "es",
        False,
        r"\bmi\s+(?:nombre(?:\s+completo)?|apellido)(?:\s+es|\s*:)"
        rf"|{_LABEL_START}nombre(?:\s+completo)?\s*:",
    ),
    ("es", True, r"\bme\s+llamo"),
    (
        "fr",
        False,
        r"\bje\s+m['’]appelle|\bje\s+me\s+nomme|\bmon\s+(?:nom|pr[ée]nom)(?:\s+complet)?"
        r"\s+(?:est|c['’]est)",
    ),
    ("pt", False, r"\bmeu\s+nome(?:\s+completo)?\s+é|\b(?:eu\s+)?me\s+chamo|\bchamo-me"),
    ("pt", True, r"\bmeu\s+nome\s+e"),
    ("ru", False, r"\bменя\s+зовут|\bмо[её]\s+имя|\bмоя\s+фамилия"),
    (
        "vi",
        False,
        r"\btên\s+(?:của\s+)?(?:tôi|em|mình|con|cháu)\s+là"
        r"|\b(?:tôi|em|mình|con|cháu)\s+tên(?:\s+là)?",
    ),
    ("ht", False, r"\bnon\s+(?:mwen|m)\s+se"),
    ("ht", True, r"\bm(?:wen)?\s+rele"),
    ("tl", False, r"\b(?:ang\s+)?pangalan\s+ko(?:\s+po)?\s+ay|\bako(?:\s+po)?\s+(?:ay\s+)?si"),
    ("ar", False, r"(?<!\w)(?:[أا]نا\s+)?[اإ]سمي(?:\s+هو)?"),
    ("ko", False, r"(?:제|내|저의|나의)\s*이름은"),
    ("zh", False, r"我叫|我的名字[是叫]|我名叫|本人名叫"),
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
_NAME_WORD = re.compile(r"[ \t]*([^\W\d_]+(?:['’-][^\W\d_]+)*)(?![\w'’/-])")
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
        " cortada escrito escrita",
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
    found = [Finding("EMAIL", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    found += [
        Finding("EMAIL", m.start(), m.end())
        for m in _SPELLED_EMAIL.finditer(text)
        if _spelled_email_is_address(text, m)
    ]
    if "@" in text:
        found += [Finding("EMAIL", m.start(), m.end()) for m in _EMAIL_WITHOUT_TLD.finditer(text)]
    return found


def _spelled_email_is_address(text: str, m: re.Match[str]) -> bool:
    # Nobody writes "@", "(at)", "[at]" or "arroba" in a sentence; only a bare "at" can be English.
    if m["at"].strip().lower() != "at":
        return True
    before = max(0, m.start() - _EMAIL_CUE_REACH)
    if _DETERMINER_BEFORE.search(text, before, m.start()):
        return False
    cued = _EMAIL_CUE.search(text, before, m.start()) is not None
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


def _identifiers(text: str, region: str) -> list[Finding]:
    """ITINs, USCIS, passport, Medicare, VA and bank numbers: by their shape or their cue."""
    if len(_DIGIT.findall(text)) < _IDENTIFIER_MIN_DIGITS:
        return []
    # A cue names the number ("passport A12345678"); only without one does its shape. A
    # reference cue right before the digits names them last: "my passport application number
    # 123456789" is an application, kept like a case number.
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
    found += [
        Finding("PHONE", m.start(1), m.end(1))
        for m in _LOCAL_PHONE.finditer(text)
        if not _after_reference_cue(text, m.start(1))
    ]
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


def _names(text: str, region: str) -> list[Finding]:
    lowered = text.lower()
    if not any(word in lowered for word in _NAME_CUE_WORDS):
        return []
    found = []
    for cue in _NAME_CUE.finditer(text):
        language, capital_required, _ = _NAME_CUES[int(cue.lastgroup.removeprefix("cue"))]
        start = _NAME_SEPARATOR.match(text, cue.end()).end()
        if title := _NAME_TITLE.match(text, start):
            start = title.end()
        if language == "zh" and _HAN_RUN.match(text, start):
            span = _han_name(text, start)
        elif language == "ko" and _HANGUL_RUN.match(text, start):
            span = _hangul_name(text, start)
        else:
            after_label = ":" in text[cue.end() - 1 : start]
            span = _worded_name(text, start, language, capital_required, after_label)
        if span is not None:
            found.append(Finding("NAME", *span))
    return found


def _worded_name(
    text: str, position: int, language: str, capital_required: bool, after_label: bool
) -> tuple[int, int] | None:
    lowercase_limit = 3 if language == "vi" else 2
    # In a message typed all in capitals a capital says nothing.
    shouting = not any(char.islower() for char in text)
    first = last = None
    words = particles = 0
    while words < _MAX_NAME_WORDS:
        m = _NAME_WORD.match(text, position)
        if m is None:
            break
        word = m.group(1)
        lowered = word.lower()
        if first is not None and lowered in _NAME_PARTICLES and particles < 2:
            particles += 1
            position = m.end()
            continue
        capital = word[0].isupper() and not shouting
        if word in _AGENCIES or ((first is None or not capital) and lowered in _NATIONALITIES):
            break
        if capital:
            if lowered in _CAPITALISED_NOT_NAMES or (
                first is None
                and after_label
                and _common_word_after_label(text, m.end(), lowered, language)
            ):
                break
        elif (
            _describes_a_name(lowered, language)
            or words >= lowercase_limit
            or (capital_required and first is None)
        ):
            break
        if first is None:
            first = m.start(1)
        last = m.end(1)
        words += 1
        particles = 0
        position = m.end()
    if first is None or last is None:
        return None
    # One word in lower case may say what the name is like ("my name is gibberish on the card");
    # a given name and a surname, or a word where a name ends, is a name.
    if (
        words == 1
        and _written_in_lower_case(text[first], shouting)
        and not _name_ends(text, last, language)
    ):
        return None
    return first, last


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


def _birth_dates(text: str, region: str) -> list[Finding]:
    if not _DIGIT.search(text):
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


def _overlaps(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


# Order matters where detectors compete for the same digits: an SSN or a card number also
# parses as a phone number, and a birth date such as 1985-04-12 as a phone-like digit run. A
# number its cue names (an account, an A-number) is that, whatever else its digits could be.
_DETECTORS = (
    _emails,
    _identifiers,
    _ssns,
    _cards,
    _birth_dates,
    _phones,
    _spoken_numbers,
    _addresses,
    _names,
)
