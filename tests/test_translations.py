"""Catalogs: complete, current, placeholders intact; the survey runs in every language."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from feedbot.engine import Reply, parse_answer
from feedbot.flows import load_flow
from feedbot.i18n import TRANSLATIONS_DIR, gettext_for
from feedbot.languages import LANGUAGES, fold
from feedbot.translations import check_catalogs
from tests.conftest import TESTS_DIR, make_app, runtime_of
from tests.support.config_check import check_config_services_line
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


# The staff driver's word for help, where a first translation lent it to other entries: the
# Korean positive question asked "What was helpful?" (무엇이 도움이 되었나요?) and the Chinese
# effectiveness driver said "I got the help I needed" (所需的帮助), both leaning toward "Staff
# were helpful". A-11 words these without help.
HELP_WORDS = {"ko": ("도움",), "zh_Hans": ("帮助",), "zh_Hant": ("幫助", "協助")}
WITHOUT_HELP = (
    "What about this interaction made the difference?",
    "What else made the difference?",
    "I got what I needed",
    "I did not get what I needed",
)


@pytest.mark.parametrize("code", sorted(HELP_WORDS))
def test_only_the_staff_driver_speaks_of_help(code):
    gettext = gettext_for(code)
    assert any(word in gettext("Staff were helpful") for word in HELP_WORDS[code])
    said = {message: gettext(message) for message in WITHOUT_HELP}
    assert {m: t for m, t in said.items() if any(w in t for w in HELP_WORDS[code])} == {}


@pytest.mark.parametrize("code", sorted(LANGUAGES))
@pytest.mark.parametrize("flow_name", ["a11.yaml", "a11_thumbs.yaml"])
def test_every_label_shown_is_read_as_its_own_choice(code, flow_name):
    """A label replied word for word is its choice in its language: a label that opens with
    another's words ("Hindi sang-ayon o hindi rin tutol", neutral, opened with Disagree) must
    not be read as that other."""
    flow = load_flow(REPO_FLOWS / flow_name)
    gettext = gettext_for(code)
    misread = {}
    for question in flow.questions.values():
        for choice in question.choices:
            label = gettext(choice.label)
            expected = choice.value if question.type == "scale" else (choice.value,)
            read = parse_answer(question, Reply(text=label), gettext, (code, *LANGUAGES))
            if read != expected:
                misread[label] = read
    assert misread == {}


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
    opened = texter.send("Hello")
    # English's keyword in a survey already in English is no switch but a reply, asked again
    # (a first question of an agency's own may have a choice named English).
    if code != "en":
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


REPO_ROOT = TESTS_DIR.parent
REPO_FLOWS = REPO_ROOT / "flows"
# An agency's own flow: the shipped A-11 flow with its own wording in four places.
AGENCY_WORDING = {
    "notice": "{agency}: a few quick questions about your {service}. Voluntary; please do not"
    " send your SSN. OMB {omb_control_number} exp. {omb_expiration}.",
    "trust": "Filing my unemployment claim increased my trust in {agency}.",
    "employee": "Our claims staff were helpful",
    "closing": "Thank you. Your answers help {agency} improve unemployment services.",
}


def write_agency_flows(directory):
    """A flows directory as an agency keeps one: the shipped flow its other services use, and
    its own `ui_a11`."""
    import yaml

    directory.mkdir(parents=True)
    shutil.copy(REPO_FLOWS / "a11.yaml", directory)
    flow = yaml.safe_load((REPO_FLOWS / "a11.yaml").read_text())
    flow["id"] = "ui_a11"
    flow["notice"] = AGENCY_WORDING["notice"]
    flow["closing"] = AGENCY_WORDING["closing"]
    flow["questions"]["trust"]["text"] = AGENCY_WORDING["trust"]
    for choice in flow["questions"]["made_the_difference"]["choices"]:
        if choice["value"] == "employee":
            choice["label"] = AGENCY_WORDING["employee"]
    (directory / "ui_a11.yaml").write_text(
        yaml.safe_dump(flow, allow_unicode=True, sort_keys=False)
    )
    services = {
        "services": [
            {
                **AGENCY_SERVICE,
                "id": "ui-claims",
                "sms_numbers": ["+12025550100"],
                "languages": ["en", "es", "vi"],
                "flow": "ui_a11",
            },
            {
                **AGENCY_SERVICE,
                "id": "medicaid",
                "sms_numbers": ["+12025550111"],
                "languages": ["en", "ht", "ru"],
                "flow": "a11",
            },
        ]
    }
    (directory / "services.yaml").write_text(yaml.safe_dump(services, allow_unicode=True))
    return directory


AGENCY_SERVICE = {
    "agency": "State Benefits Agency",
    "name": "unemployment claim",
    "omb_control_number": "1205-0123",
    "omb_expiration": "2099-06-30",
}


def test_check_config_names_the_texts_of_a_services_flow_left_in_english(tmp_path):
    """A service's own flow (FEEDBOT_FLOWS_DIR) with its own English wording was shown in
    English to its Spanish and Vietnamese respondents, and check-config said ok."""
    flows = write_agency_flows(tmp_path / "flows")
    exit_code, services_line = check_config_services_line(flows, tmp_path)
    assert exit_code == 1
    assert services_line == [
        "PROBLEM",
        "service 'ui-claims': in Spanish and Vietnamese, 4 texts of flow ui_a11"
        f" ({flows / 'ui_a11.yaml'}) have no translation in feedbot's catalogs and are shown in"
        " English ('{agency}: a few quick questions about y…', 'Filing my unemployment claim"
        " increased…', 'Our claims staff were helpful', 'Thank you. Your answers help {agency}"
        ' i…\'): see README "Translating a flow of your own"',
    ]


# The Languages section's two commands.
README_EXTRACT = (
    "pybabel -q extract -F babel.cfg -k _ -o translations/messages.pot --project feedbot"
    " --no-location --sort-output --omit-header -w 100 ."
)
README_UPDATE = (
    "pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching -w 100"
)


def test_a_flow_kept_under_flows_is_translated_by_the_pybabel_workflow(tmp_path, monkeypatch):
    """README "Translating a flow of your own", step by step in a copy of the checkout: the
    agency's flows in flows/agency/, the README's extract and update, the new entries
    translated in the languages its services offer."""
    from feedbot.services import load_services
    from feedbot.translations import untranslated_flow_text

    checkout = tmp_path / "feedbot"
    for part in ("feedbot", "channels", "flows", "translations"):
        shutil.copytree(REPO_ROOT / part, checkout / part, ignore=shutil.ignore_patterns("__py*"))
    shutil.copy(REPO_ROOT / "babel.cfg", checkout)
    flows = write_agency_flows(checkout / "flows" / "agency")
    services = load_services(flows / "services.yaml", flows).services.values()
    catalogs = checkout / "translations"
    monkeypatch.chdir(checkout)
    pybabel = CommandLineInterface()
    pybabel.run(README_EXTRACT.split())
    pybabel.run(README_UPDATE.split())
    assert len(untranslated_flow_text(services, catalogs)) == 1  # extracted, not yet translated

    def translate(catalog):
        for text in AGENCY_WORDING.values():
            catalog[text].string = text if catalog.locale.language == "en" else f"«{text}»"

    for code in ("en", "es", "vi"):
        edit(catalogs, code, translate)
    assert untranslated_flow_text(services, catalogs) == []
    # The shipped check knows the texts; the languages no service offers still lack them.
    problems = check_catalogs(catalogs, source=checkout)
    assert {(p.kind, p.message) for p in problems} == {
        ("missing", text) for text in AGENCY_WORDING.values()
    }
    assert {p.language for p in problems} == set(LANGUAGES) - {"en", "es", "vi"}
