"""Gettext catalogs from translations/, compiled in memory once per language."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"

Gettext = Callable[[str], str]


def _(message: str) -> str:
    """Mark a message for extraction; it is translated later, per conversation."""
    return message


@functools.cache
def translations(code: str) -> NullTranslations:
    """The compiled catalog for a language (English and unknown codes fall back to msgids)."""
    po_path = TRANSLATIONS_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext_for(code: str) -> Gettext:
    return translations(code).gettext


def ngettext_for(code: str) -> Callable[[str, str, int], str]:
    return translations(code).ngettext


@functools.cache
def babel_locale(code: str) -> Locale:
    """The Babel locale used to format numbers and dates for a language code."""
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_local_date(value: date, code: str) -> str:
    """A date as the language writes it ("Jun 30, 2027", "2027. 6. 30.", "30 июн. 2027 г.")."""
    locale = babel_locale(code)
    # Where CLDR has no month names (Haitian Creole: "2027 M06 30"), the ISO date is clearer.
    named_months = locale.months["format"]["abbreviated"][1] != "M01"
    return format_date(value, format="medium" if named_months else "short", locale=locale)
