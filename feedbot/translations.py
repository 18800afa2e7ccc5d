"""Checks that every shipped catalog is complete, current and keeps the source's placeholders,
that no catalog is of a language feedbot does not speak, and that each service's flow is
translated into the languages the service offers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from feedbot.i18n import DOMAIN, TRANSLATIONS_DIR
from feedbot.languages import LANGUAGES

if TYPE_CHECKING:
    from feedbot.flows import Flow
    from feedbot.services import Service

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


def untranslated_flow_text(
    services: Iterable[Service], directory: Path = TRANSLATIONS_DIR
) -> list[str]:
    """Per service and language it offers, the texts of its flow that language's catalog does
    not translate, which its respondents would read as the flow writes them, in English. A flow
    of the agency's own is translated only once its texts are in the catalogs."""
    catalogs: dict[str, frozenset[str]] = {}

    def translated_in(code: str) -> frozenset[str]:
        if code not in catalogs:
            catalogs[code] = _translated_ids(directory / code / "LC_MESSAGES" / f"{DOMAIN}.po")
        return catalogs[code]

    return [
        _untranslated(service.id, service.flow, languages, texts)
        for service in services
        for texts, languages in _missing_by_languages(service, translated_in).items()
    ]


def _missing_by_languages(
    service: Service, translated_in: Callable[[str], frozenset[str]]
) -> dict[tuple[str, ...], list[str]]:
    """The texts of the service's flow each language it offers lacks, keyed by those texts, so
    that languages lacking the same ones are named together."""
    texts = tuple(dict.fromkeys(_flow_texts(service.flow)))
    missing: dict[tuple[str, ...], list[str]] = {}
    for code in service.languages:
        if code == "en":  # the flow's own words
            continue
        untranslated = tuple(text for text in texts if text not in translated_in(code))
        if untranslated:
            missing.setdefault(untranslated, []).append(LANGUAGES[code].english_name)
    return missing


def _flow_texts(flow: Flow) -> Iterator[str]:
    """What a respondent reads of a flow, in the order they read it: the texts pybabel
    extracts from it (feedbot.flows.extract_flow_messages)."""
    yield flow.notice
    for question in flow.questions.values():
        yield question.text
        yield from (choice.label for choice in question.choices)
    yield flow.closing


def _translated_ids(path: Path) -> frozenset[str]:
    """The messages a catalog translates as the surveys read it: neither empty nor fuzzy."""
    if not path.exists():
        return frozenset()
    return frozenset(
        str(message.id)
        for message in _read(path)
        if message.id and message.string and not message.fuzzy
    )


def _untranslated(service_id: str, flow: Flow, languages: list[str], texts: tuple[str, ...]) -> str:
    in_languages = " and ".join(filter(None, [", ".join(languages[:-1]), languages[-1]]))
    count, have, are = (
        ("1 text", "has", "is") if len(texts) == 1 else (f"{len(texts)} texts", "have", "are")
    )
    quoted = ", ".join(repr(_shortened(text)) for text in texts)
    return (
        f"service {service_id!r}: in {in_languages}, {count} of flow {flow.id} ({flow.path})"
        f" {have} no translation in feedbot's catalogs and {are} shown in English ({quoted}):"
        ' see README "Translating a flow of your own"'
    )


def _shortened(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


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
