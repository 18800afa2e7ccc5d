"""Checks that every shipped catalog is complete, current and keeps the source's placeholders,
and that no catalog is of a language feedbot does not speak."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from feedbot.i18n import DOMAIN, TRANSLATIONS_DIR
from feedbot.languages import LANGUAGES

REPO = Path(__file__).resolve().parent.parent
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


@dataclass(frozen=True)
class Problem:
    language: str
    kind: str  # missing, stale, placeholder, fuzzy, header, template, language
    message: str
    detail: str = ""

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.language}: {self.kind}: {self.message!r}{detail}"


def check_catalogs(directory: Path = TRANSLATIONS_DIR, source: Path | None = REPO) -> list[Problem]:
    """Every problem of every language's catalog; an empty list means all is well.

    With `source`, the template itself is compared with a fresh extraction of the code.
    """
    template = _read(directory / f"{DOMAIN}.pot")
    problems = _template_problems(template, source) if source else []
    wanted = {message.id: message for message in template if message.id}
    for code in LANGUAGES:
        path = directory / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.exists():
            problems.append(Problem(code, "missing", str(path), "no catalog"))
            continue
        problems += _catalog_problems(code, _read(path), wanted)
    return problems + _unknown_languages(directory)


def _catalog_problems(code: str, catalog: Catalog, wanted: dict) -> list[Problem]:  # type: ignore[type-arg]
    problems = []
    if not catalog.language_team or "LANGUAGE" in catalog.language_team:
        problems.append(Problem(code, "header", "Language-Team", "name the language team"))
    present = {message.id: message for message in catalog if message.id}
    for msgid in wanted:
        message = present.get(msgid)
        if message is None or not message.string:
            problems.append(Problem(code, "missing", str(msgid)))
            continue
        if message.fuzzy:
            problems.append(Problem(code, "fuzzy", str(msgid), "flag review in a comment instead"))
        expected = set(_PLACEHOLDER.findall(str(msgid)))
        found = set(_PLACEHOLDER.findall(str(message.string)))
        if expected != found:
            detail = f"source has {sorted(expected)}, translation has {sorted(found)}"
            problems.append(Problem(code, "placeholder", str(msgid), detail))
    for msgid in present.keys() - wanted.keys():
        problems.append(Problem(code, "stale", str(msgid), "no longer in messages.pot"))
    return problems


def _unknown_languages(directory: Path) -> list[Problem]:
    """Catalogs no survey uses: a language is code (languages, voices, the services schema),
    and a catalog alone does not add one."""
    return [
        Problem(
            path.name,
            "language",
            str(path),
            f"{_language_name(path.name)} is not one of feedbot's languages, so no survey uses"
            ' this catalog; see README "Adding a language"',
        )
        for path in sorted(directory.iterdir())
        if path.is_dir() and not path.name.startswith(".") and path.name not in LANGUAGES
    ]


def _language_name(code: str) -> str:
    try:
        return Locale.parse(code).english_name or repr(code)
    except (UnknownLocaleError, ValueError):
        return repr(code)


def _template_problems(template: Catalog, source: Path) -> list[Problem]:
    with (source / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    extracted = {
        message
        for _, _, message, _, _ in extract_from_dir(str(source), method_map, options_map)
        if isinstance(message, str)
    }
    in_template = {str(message.id) for message in template if message.id}
    problems = [
        Problem("messages.pot", "template", message, "in the code but not extracted")
        for message in sorted(extracted - in_template)
    ]
    problems += [
        Problem("messages.pot", "template", message, "extracted but gone from the code")
        for message in sorted(in_template - extracted)
    ]
    return problems


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)
