"""SMS length as carriers bill it: GSM-7 or UCS-2 encoding, split into segments."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# GSM 03.38 basic character set, and its extension table (each extension char costs two).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def measure_sms(text: str) -> SmsLength:
    """How many segments `text` costs: 160/153 septets (GSM-7) or 70/67 units (UCS-2)."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units == 0:
        return SmsLength(encoding, 0, 0)
    segments = 1 if units <= single else -(-units // multi)
    return SmsLength(encoding, units, segments)


def fold_to_gsm7(text: str) -> str:
    """Drop the accents GSM-7 lacks (á → a, ú → u) when that makes the whole text GSM-7.

    One accented letter otherwise turns a message into UCS-2 and more than doubles its
    segments; readers of Latin-script languages read unaccented SMS every day. Text that
    would still need UCS-2 (other scripts, emoji) is returned unchanged.
    """
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        return text
    folded = "".join(_fold_char(char) for char in text)
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in folded):
        return folded
    return text


def _fold_char(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    base = unicodedata.normalize("NFKD", char)
    stripped = "".join(part for part in base if not unicodedata.combining(part))
    return _SUBSTITUTES.get(char, stripped)


_SUBSTITUTES = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "º": "o"}
