"""Catalogs: complete, current, placeholders intact; the survey runs in every language."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from feedbot.i18n import TRANSLATIONS_DIR
from feedbot.languages import LANGUAGES, fold
from feedbot.translations import check_catalogs
from tests.conftest import make_app, runtime_of
from tests.support.texting import Texter


def test_shipped_catalogs_pass_the_check():
    assert check_catalogs() == []


def test_check_command_passes(app):
    result = app.test_cli_runner().invoke(args=["translations", "check"])
    assert result.exit_code == 0 and "all catalogs complete and current" in result.output


@pytest.fixture
def catalogs(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, copy)
    return copy


def edit(catalogs, code, change):
    path = catalogs / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    change(catalog)
    with path.open("wb") as handle:
        write_po(handle, catalog)


def test_check_fails_on_a_missing_message(catalogs):
    edit(catalogs, "ko", lambda c: c.delete("Strongly agree"))
    problems = check_catalogs(catalogs, source=None)
    assert [(p.language, p.kind, p.message) for p in problems] == [
        ("ko", "missing", "Strongly agree")
    ]


def test_check_fails_on_a_broken_placeholder(catalogs):
    def break_it(catalog):
        catalog["This interaction increased my trust in {agency}."].string = "信任 {agencia}"

    edit(catalogs, "zh_Hans", break_it)
    (problem,) = check_catalogs(catalogs, source=None)
    assert (problem.language, problem.kind) == ("zh_Hans", "placeholder")
    assert "source has ['agency'], translation has ['agencia']" in problem.detail


def test_check_fails_on_a_stale_message_and_on_fuzzy(catalogs):
    def stale(catalog):
        catalog.add("An old question nobody asks", "Une vieille question")
        catalog["Agree"].flags.add("fuzzy")

    edit(catalogs, "fr", stale)
    kinds = {(p.kind, p.message) for p in check_catalogs(catalogs, source=None)}
    assert kinds == {("stale", "An old question nobody asks"), ("fuzzy", "Agree")}


def test_check_names_a_catalog_of_a_language_feedbot_does_not_speak(catalogs):
    """`pybabel init -l so` made a Somali catalog, which no survey can use, and the check still
    said all catalogs were complete."""
    pot = catalogs / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "init", "-i", str(pot), "-d", str(catalogs), "-l", "so"]
    )
    (problem,) = check_catalogs(catalogs, source=None)
    assert str(problem) == (
        f"so: language: '{catalogs / 'so'}' (Somali is not one of feedbot's languages, so no"
        ' survey uses this catalog; see README "Adding a language")'
    )


def test_machine_assisted_entries_are_flagged_for_review():
    for code in LANGUAGES:
        if code in {"en", "es"}:
            continue
        path = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle)
        assert catalog.language_team and code.split("_")[0] in catalog.language_team.lower()
        for message in catalog:
            if message.id:
                assert any("needs review by a fluent speaker" in c for c in message.user_comments)


# A positive or negative path per language: the words the texter sees in their language.
SURVEY_BY_LANGUAGE = {
    "en": ("EN", "This interaction increased my trust", ("5", "2", "Great")),
    "es": ("ES", "Esta interaccion aumento mi confianza", ("1", "3", "Lento")),
    "zh_Hans": ("中文", "这次办理增加了我对", ("非常同意", "1 2", "很好")),
    "zh_Hant": ("繁體", "這次辦理增加了我對", ("4", "6", "很好")),
    "vi": ("VI", "Lần giao dịch này làm tăng niềm tin", ("Hoàn toàn đồng ý", "1", "Tốt")),
    "ko": ("한국어", "이번 이용으로", ("2", "3", "느렸어요")),
    "tl": ("TL", "lumaki ang tiwala ko", ("5", "1 2", "Salamat")),
    "ru": ("РУССКИЙ", "Это обращение повысило моё доверие", ("не согласен", "3", "Долго")),
    "ar": ("العربية", "زادت هذه المعاملة من ثقتي", ("أوافق بشدة", "2", "شكرا")),
    "ht": ("KREYOL", "Tranzaksyon sa a ogmante konfyans mwen", ("5", "2", "Mesi")),
    "fr": (
        "FRANÇAIS",
        "Cette demarche a renforce ma confiance",
        ("pas du tout d'accord", "3", "Lent"),
    ),
    "pt": ("PT", "Este atendimento aumentou minha confianca", ("concordo totalmente", "1", "Bom")),
}


@pytest.mark.parametrize("code", sorted(SURVEY_BY_LANGUAGE))
def test_sms_survey_in_every_language(sqlite_url, tmp_path, code):
    import yaml

    from tests.conftest import TEST_SERVICES

    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"][0]["languages"] = ["en", *sorted(set(LANGUAGES) - {"en"})]
    services = tmp_path / "services.yaml"
    services.write_text(yaml.safe_dump(document, allow_unicode=True))
    app = make_app(sqlite_url, services_file=services)
    keyword, trust_text, answers = SURVEY_BY_LANGUAGE[code]
    texter = Texter(app.test_client(), phone="+12025550143", to="+12025550100")
    texter.send("Hello")
    opened = texter.send(keyword)
    # Accents may be folded away for GSM-7 when every offered language allows it.
    assert fold(trust_text) in fold(opened), opened
    for answer in answers:
        last = texter.send(answer)
    assert "STOP" in opened
    from sqlalchemy import select

    from feedbot.models import Conversation

    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        statuses = [a.status for a in conversation.answers]
    assert (conversation.language, conversation.status) == (code, "complete"), last
    assert statuses == ["answered", "answered", "answered"]
    runtime_of(app).db.dispose()
