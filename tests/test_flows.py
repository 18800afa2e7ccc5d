"""Flow and services files: validated at start-up, with the file, place and problem named."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from feedbot.cli import main
from feedbot.engine import Context
from feedbot.flows import A11_DRIVERS, A11_RECORDS, PLACEHOLDERS, FlowError, load_flow, load_flows
from feedbot.models import DRIVERS, Answer, Conversation, ResponseRecord
from feedbot.normalize import build_record
from feedbot.services import ServiceError, load_services
from tests.conftest import TEST_SERVICES, make_app, runtime_of
from tests.support.config_check import check_config_services_line
from tests.support.flows import HOW_CONTACTED, WHICH_OFFICE, first_asking
from tests.support.texting import Texter

FLOWS = Path(__file__).resolve().parent.parent / "flows"


def a11_document():
    return yaml.safe_load((FLOWS / "a11.yaml").read_text())


def write_flow(tmp_path, document, name="a11.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    return path


def test_shipped_flows_load():
    flows = load_flows(FLOWS)
    assert set(flows) == {"a11", "a11_thumbs"}
    a11 = flows["a11"]
    assert a11.question("trust").record == "question_1"
    assert [c.value for c in a11.question("trust").choices] == [1, 2, 3, 4, 5]
    assert a11.question("made_the_difference").next_after(("ease",)) == "anything_else"
    assert a11.question("made_the_difference").next_after(("ease", "other")) == "positive_other"


def test_a_flow_read_again_is_parsed_once_and_an_edit_is_read_anew(tmp_path):
    """Every app an interpreter makes reads the same flow files: the same text at the same
    path is the same (frozen) Flow; an edit, a broken file and its repair are each read."""
    path = write_flow(tmp_path, a11_document())
    first = load_flow(path)
    assert load_flow(path) is first
    with pytest.raises(TypeError):
        first.questions["trust"] = first.questions[first.start]  # shared, so it cannot change
    edited = a11_document()
    edited["title"] = "Edited survey"
    write_flow(tmp_path, edited)
    assert load_flow(path).title == "Edited survey"
    path.write_text(path.read_text().replace("questions:", "questions: [", 1))
    with pytest.raises(FlowError, match="is not valid YAML"):
        load_flow(path)
    write_flow(tmp_path, a11_document())
    assert load_flow(path) is first
    link = tmp_path / "linked.yaml"
    link.symlink_to(path)
    assert load_flow(link).path == str(link)  # a Flow names the path it was read by


def test_a_new_question_is_a_yaml_change(tmp_path):
    document = a11_document()
    document["questions"]["anything_else"]["next"] = "contact_again"
    document["questions"]["contact_again"] = {
        "type": "scale",
        "text": "Would you use this service again?",
        "choices": [{"value": 1, "label": "No"}, {"value": 2, "label": "Yes"}],
        "next": "end",
    }
    flow = load_flow(write_flow(tmp_path, document))
    assert flow.question("anything_else").next_after("fine") == "contact_again"


@pytest.mark.parametrize(
    ("change", "place", "problem"),
    [
        (
            lambda d: d["questions"]["trust"]["choices"].append({"value": 6, "label": "Wow"}),
            "questions.trust.choices",
            "the trust scale is 1, 2, 3, 4, 5, 6, but a likert flow asks it on 1 to 5",
        ),
        (lambda d: d["questions"]["trust"].pop("text"), "questions.trust", "'text' is a required"),
        (lambda d: d["questions"]["trust"].update(type="slider"), "questions.trust.type", "slider"),
        (
            lambda d: d["questions"]["trust"]["next"][0].update(goto="nowhere"),
            "questions.trust.next",
            "unknown question 'nowhere'",
        ),
        (
            lambda d: d["questions"]["made_the_difference"]["next"][0].update(when=["teleport"]),
            "questions.made_the_difference.next[0].when",
            "not choices",
        ),
        (lambda d: d.update(start="missing"), "start", "names no question"),
        (
            lambda d: d["questions"]["anything_else"].update(next="trust"),
            "questions.",
            "loops back",
        ),
        (
            lambda d: add_question(d, "how_filed", {**HOW_FILED, "choices": choices(1, 2, 4)}),
            "questions.how_filed.choices",
            "scale values must be consecutive",
        ),
        # The check made the list of every number from lowest to highest: 10**20 stopped
        # start-up with a bare OverflowError, and 10**9 asked for 8 GB.
        (
            lambda d: add_question(d, "how_filed", {**HOW_FILED, "choices": choices(1, 2, 10**20)}),
            "questions.how_filed.choices",
            "scale values must be consecutive",
        ),
    ],
)
def test_broken_flow_names_file_place_and_problem(tmp_path, change, place, problem):
    document = a11_document()
    change(document)
    path = write_flow(tmp_path, document)
    with pytest.raises(FlowError) as raised:
        load_flow(path)
    message = str(raised.value)
    assert message.startswith(f"{path}, {place}")
    assert problem in message


def add_question(document, question_id, spec):
    """`spec` asked last, after "Anything else?"."""
    document["questions"]["anything_else"]["next"] = question_id
    document["questions"][question_id] = {**spec, "next": "end"}


HOW_FILED = {
    "type": "scale",
    "optional": True,
    "text": "How did you file your claim?",
    "choices": [
        {"value": 1, "label": "Online"},
        {"value": 2, "label": "By phone"},
        {"value": 3, "label": "In person"},
    ],
}


def choices(*values):
    return [{"value": value, "label": f"Choice {value}"} for value in values]


def trust_choices(*values):
    return lambda d: d["questions"]["trust"].update(
        choices=choices(*values),
        next=[{"when": [values[-1]], "goto": "made_the_difference"}, {"goto": "could_be_better"}],
    )


def a11_thumbs_document():
    return yaml.safe_load((FLOWS / "a11_thumbs.yaml").read_text())


def with_trust_form(form, change):
    def changed(document):
        document["trust_form"] = form
        change(document)

    return changed


@pytest.mark.parametrize(
    ("change", "place", "problem"),
    [
        # H1: a typo, or the line left out, and every exported record had question_1 null.
        (
            lambda d: d["questions"]["trust"].update(record="question_l"),
            "questions.trust.record",
            "no question records question_1, the A-11 trust rating, so every response would be"
            " exported without one: if this is the trust question, write `record: question_1`"
            " (not `record: question_l`)",
        ),
        (
            lambda d: d["questions"]["trust"].pop("record"),
            "questions.trust",
            "no question records question_1, the A-11 trust rating, so every response would be"
            " exported without one: if this is the trust question, add `record: question_1`",
        ),
        # H2: the later answer overwrote the trust rating.
        (
            lambda d: add_question(d, "how_filed", {**HOW_FILED, "record": "question_1"}),
            "questions.how_filed.record",
            "question 'trust' records question_1 already, on the same way through the survey,"
            " and the export keeps one answer per field, so one answer would overwrite the"
            " other: if this question asks for question_1 too, ask for it once on each way"
            " through the survey (questions on branches no survey takes both of may each record"
            " it); if it asks something else, give it a record of its own, such as `record:"
            " how_filed` (stored, in no export)",
        ),
        # Negative drivers recorded as positive ones, on the other branch: no branch asks
        # what could have been better.
        (
            lambda d: d["questions"]["could_be_better"].update(record="positive"),
            "questions",
            "no question records negative, ",
        ),
        # An A-11 field asked by the wrong type of question: a comment stored as "2".
        (
            lambda d: add_question(d, "how_filed", {**HOW_FILED, "record": "question_4"}),
            "questions.how_filed.type",
            "it records question_4, the A-11 closing comment, which a text question asks: write"
            " `type: text`, or give this question a record of its own",
        ),
        # H3: a tick on a misspelt driver was exported as "not asked".
        (
            lambda d: d["questions"]["made_the_difference"]["choices"][2].update(value="efficency"),
            "questions.made_the_difference.choices[2].value",
            "'efficency' is not an A-11 driver, so a tick on it would be lost from the export: a"
            " question recording positive offers effectiveness, ease, efficiency, transparency,"
            " humanity, employee or other (did you mean 'efficiency'?)",
        ),
        (
            lambda d: d["questions"]["could_be_better"]["choices"][5].update(value="staff"),
            "questions.could_be_better.choices[5].value",
            "'staff' is not an A-11 driver",
        ),
        # The branch's record misspelt: every driver of that branch exported as not asked.
        (
            lambda d: d["questions"]["made_the_difference"].update(record="positives"),
            "questions.made_the_difference.record",
            "no question records positive, the A-11 drivers of a positive answer, and"
            " 'positives' is no A-11 field, so these answers would be lost from the export:"
            " write `record: positive`",
        ),
        # A-11's comments under a misspelt record: every one was lost from every export.
        *(
            (
                lambda d, question=question, record=record: d["questions"][question].update(
                    record=record
                ),
                f"questions.{question}.record",
                f"no question records {field}, {meaning}, and {record!r} is no A-11 field, so"
                f" these answers would be lost from the export: write `record: {field}`; for a"
                f" field of your own (stored, in no export), give it a name further from {field}",
            )
            for question, record, field, meaning in [
                ("anything_else", "question4", "question_4", "the A-11 closing comment"),
                ("anything_else", "question_04", "question_4", "the A-11 closing comment"),
                (
                    "positive_other",
                    "positive_other_txt",
                    "positive_other_text",
                    "the words of a positive answer's Something else",
                ),
                (
                    "negative_other",
                    "negative_othertext",
                    "negative_other_text",
                    "the words of a negative answer's Something else",
                ),
            ]
        ),
        # A reply, a client's value and a stored answer name a choice by its text.
        (
            lambda d: add_question(d, "how_filed", {**HOW_FILED, "choices": choices(1, "1")}),
            "questions.how_filed.choices",
            "choice values 1 and '1' are the same answer, as a reply or a stored answer names a"
            " choice by its text: give one another value",
        ),
        # H4 and M4: the trust scale must be the one the flow's trust_form says.
        (
            with_trust_form("thumbs", lambda d: None),
            "questions.trust.choices",
            "the trust choices are 1, 2, 3, 4, 5, but a thumbs flow records 1 = thumbs up and"
            " 0 = thumbs down: give the trust question exactly the choices 1 and 0, or write"
            " `trust_form: likert` for the 1-5 scale",
        ),
        (
            trust_choices(1, 2, 3, 4),
            "questions.trust.choices",
            "the trust scale is 1, 2, 3, 4, but a likert flow asks it on 1 to 5, as A-11 reports"
            " it (1 Strongly disagree to 5 Strongly agree): give the trust question exactly the"
            " choices 1 to 5, or write `trust_form: thumbs` for 1 = thumbs up, 0 = thumbs down",
        ),
        (trust_choices(0, 1), "questions.trust.choices", "the trust scale is 0, 1, but"),
        (trust_choices(0, 2, 3, 4, 5), "questions.trust.choices", "the trust scale is 0, 2, 3,"),
        (
            with_trust_form("thumbs", trust_choices(1, 2)),
            "questions.trust.choices",
            "the trust choices are 1, 2, but a thumbs flow",
        ),
        # M4: what the Paperwork Reduction Act requires the survey to show.
        (
            lambda d: d.update(notice="{agency}: 3 quick questions about {service}."),
            "notice",
            "shows no {omb_control_number} and no {omb_expiration}: a survey must display its"
            " OMB control number and its expiration date (Paperwork Reduction Act): end the"
            ' notice with "OMB {omb_control_number} exp. {omb_expiration}."',
        ),
        (
            lambda d: d.update(notice="{agency}: 3 questions. OMB {omb_control_number}."),
            "notice",
            "shows no {omb_expiration}: a survey must display",
        ),
        # M4: a placeholder feedbot does not fill reached the public as written.
        (
            lambda d: d["questions"]["trust"].update(text="It increased my trust in {agncy}."),
            "questions.trust.text",
            "{agncy} is not a placeholder feedbot fills, so the public would read it as written:"
            " use {agency}, {service}, {omb_control_number} or {omb_expiration} (did you mean"
            " {agency}?)",
        ),
        (
            lambda d: d.update(closing="Thank you. {agency.upper} {0}"),
            "closing",
            "{agency.upper} is not a placeholder feedbot fills",
        ),
        (
            lambda d: d.update(closing="Thank you, {service!r}."),
            "closing",
            "{service!r} is not a placeholder feedbot fills",
        ),
        (
            lambda d: d.update(closing="Thank you {agency"),
            "closing",
            "a { or } opens or closes no placeholder: write {{ or }} for a brace the public"
            " should see",
        ),
        (
            lambda d: d["questions"]["trust"]["choices"][4].update(label="I trust {agency}"),
            "questions.trust.choices[4].label",
            "{agency} would be shown as written: a choice's label fills in no placeholder, so"
            " write the words themselves",
        ),
        # M4: a question no way through the survey reaches is never asked.
        (
            lambda d: d["questions"].update(how_filed={**HOW_FILED, "next": "end"}),
            "questions.how_filed",
            "no way through the survey from its start reaches this question, so it would never"
            " be asked: send a question's next, goto or unanswered to it, or remove it",
        ),
    ],
)
def test_a_flow_that_would_lose_or_break_a11_data_is_refused(tmp_path, change, place, problem):
    document = a11_document()
    change(document)
    path = write_flow(tmp_path, document)
    with pytest.raises(FlowError) as raised:
        load_flow(path)
    assert str(raised.value).startswith(f"{path}, {place}: {problem}")


def test_alternatives_on_branches_no_survey_takes_both_of_may_record_one_field(tmp_path):
    """A flow sending a neutral 3 to its own wording of "what could have been better" was
    refused as if one answer would overwrite the other, which no survey could do."""
    document = a11_document()
    neutral = {**document["questions"]["could_be_better"], "text": "What would have helped?"}
    document["questions"]["could_be_better_neutral"] = neutral
    document["questions"]["trust"]["next"] = [
        {"when": [4, 5], "goto": "made_the_difference"},
        {"when": [3], "goto": "could_be_better_neutral"},
        {"goto": "could_be_better"},
    ]
    flow = load_flow(write_flow(tmp_path, document))
    assert flow.question("could_be_better_neutral").record == "negative"


def test_a_thumbs_flow_on_a_likert_scale_is_refused(tmp_path):
    document = a11_thumbs_document()
    document["trust_form"] = "likert"
    path = write_flow(tmp_path, document, "a11_thumbs.yaml")
    with pytest.raises(FlowError, match=r"questions\.trust\.choices: the trust scale is 0, 1, but"):
        load_flow(path)


def test_a_question_of_its_own_may_record_a_field_of_its_own(tmp_path):
    """Allowed, though no export carries it (the README says so): only A-11 fields are."""
    document = a11_document()
    add_question(document, "how_filed", {**HOW_FILED, "record": "how_filed"})
    document["closing"] = "Thanks from {agency} ({{survey}} {service})."
    flow = load_flow(write_flow(tmp_path, document))
    assert flow.question("how_filed").record == "how_filed"


def test_a_numbered_choice_of_a_multi_question_takes_its_route(tmp_path):
    """A multi answer holds its choices' values as text ("3"): `when: [3]` never matched it."""
    document = a11_document()
    first_asking(("how_filed", HOW_CONTACTED), ("which_office", WHICH_OFFICE))(document)
    how_filed = load_flow(write_flow(tmp_path, document)).question("how_filed")
    assert how_filed.next_after(("3",)) == "which_office"
    assert how_filed.next_after(("1", "3")) == "which_office"
    assert how_filed.next_after(("1", "2")) == "trust"


OWN_COMMENT = {"type": "text", "optional": True, "text": "Which office was it?"}


def test_a_text_field_of_its_own_named_like_an_a11_field_the_flow_fills_is_kept(tmp_path):
    """`question_5` is a letter from question_4: a misspelling only where no question records
    question_4. Beside the closing comment it is a field of the agency's own."""
    document = a11_document()
    add_question(document, "office", {**OWN_COMMENT, "record": "question_5"})
    assert load_flow(write_flow(tmp_path, document)).question("office").record == "question_5"


def test_a_flow_without_a_closing_comment_refuses_a_text_record_a_letter_from_it(tmp_path):
    """With no question recording question_4, a text question's `question_5` (numbered as the
    flow's fifth question) is most likely the closing comment, whose every answer the export
    would lose: refused, saying how to keep a field of one's own. A name further from it, or
    a question of another type, is kept."""
    document = a11_document()
    document["questions"]["anything_else"]["record"] = "question_5"
    path = write_flow(tmp_path, document)
    with pytest.raises(FlowError) as raised:
        load_flow(path)
    assert str(raised.value) == (
        f"{path}, questions.anything_else.record: no question records question_4, the A-11"
        " closing comment, and 'question_5' is no A-11 field, so these answers would be lost"
        " from the export: write `record: question_4`; for a field of your own (stored, in no"
        " export), give it a name further from question_4, such as `record: anything_else`"
    )
    document["questions"]["anything_else"]["record"] = "office_visited"
    add_question(document, "how_filed", {**HOW_FILED, "record": "question_5"})
    flow = load_flow(write_flow(tmp_path, document))
    assert flow.question("anything_else").record == "office_visited"
    assert flow.question("how_filed").record == "question_5"


def test_a_flow_that_begins_with_a_question_of_its_own_exports_the_trust_questions_text(tmp_path):
    """The quarterly submission's trust_question_text and q1_text, and the dashboard's heading,
    were the flow's first question: here "How did you file your claim?"."""
    services = services_with(tmp_path)
    document = a11_document()
    document["questions"]["how_filed"] = {**HOW_FILED, "record": "how_filed", "next": "trust"}
    document["start"] = "how_filed"
    write_flow(tmp_path, document)
    service = load_services(services).get("x")
    assert service.flow.start == "how_filed"
    assert service.flow.trust_question.id == "trust"
    assert service.trust_statement == "This interaction increased my trust in A."


@pytest.mark.parametrize(
    ("question", "record", "problem"),
    [
        (
            "trust",
            "question_l",
            "no question records question_1, the A-11 trust rating, so every response would be"
            " exported without one: if this is the trust question, write `record: question_1`"
            " (not `record: question_l`)",
        ),
        # It said ok, and every closing comment was lost from every export.
        (
            "anything_else",
            "question4",
            "no question records question_4, the A-11 closing comment, and 'question4' is no"
            " A-11 field, so these answers would be lost from the export: write `record:"
            " question_4`; for a field of your own (stored, in no export), give it a name further"
            " from question_4, such as `record: anything_else`",
        ),
    ],
)
def test_a_flow_without_an_a11_field_it_asks_for_is_a_problem_for_check_config(
    tmp_path, question, record, problem
):
    flows = tmp_path / "flows"
    flows.mkdir()
    document = a11_document()
    document["questions"][question]["record"] = record
    write_flow(flows, document)
    write_flow(flows, a11_thumbs_document(), "a11_thumbs.yaml")
    services = yaml.safe_load(TEST_SERVICES.read_text())
    for service in services["services"]:
        service["omb_expiration"] = "2099-12-31"
    (flows / "services.yaml").write_text(yaml.safe_dump(services, allow_unicode=True))
    assert check_config_services_line(flows, tmp_path) == (
        1,
        [
            "PROBLEM",
            f"FlowError: {flows / 'a11.yaml'}, questions.{question}.record: {problem}",
        ],
    )


def test_the_validators_a11_names_are_the_ones_normalize_and_the_engine_use():
    """flows.py cannot import them (the engine would import SQLAlchemy): they are kept equal."""
    context = Context("A", "S", "1234-5678", date(2027, 6, 30))
    assert set(context.placeholders("en")) == PLACEHOLDERS
    assert A11_DRIVERS == DRIVERS
    flow = load_flow(FLOWS / "a11.yaml")
    nothing = build_record(finished_conversation(), [], flow, "America/New_York")
    for record, (question_type, _) in A11_RECORDS.items():
        value = {"scale": 4, "multi": ["ease"], "text": None}[question_type]
        answer = Answer(
            record=record, status="answered", value=value, raw_text="Quick", answered_at=NOW
        )
        built = build_record(finished_conversation(), [answer], flow, "America/New_York")
        assert built != {**nothing, "normalized_at": built["normalized_at"]}, record
    custom = Answer(record="how_filed", status="answered", value=2, raw_text="2", answered_at=NOW)
    built = build_record(finished_conversation(), [custom], flow, "America/New_York")
    assert built == {**nothing, "normalized_at": built["normalized_at"]}


NOW = datetime(2026, 11, 2, 15, tzinfo=UTC)


def finished_conversation():
    return Conversation(
        id=1,
        public_id="response-1",
        service_id="passport",
        channel="sms",
        flow_id="a11",
        language="en",
        status="complete",
        started_at=NOW,
        completed_at=NOW,
    )


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "a11.yaml"
    path.write_text("id: a11\nquestions: [unclosed\n")
    with pytest.raises(FlowError, match=r"a11\.yaml, line \d+, column \d+: is not valid YAML"):
        load_flow(path)


def test_a_key_written_twice_in_a_flow_is_refused_naming_both_lines(tmp_path):
    """The last was taken without a word, here a question's text in place of the first."""
    text = FLOWS.joinpath("a11.yaml").read_text()
    written = "    text: This interaction increased my trust in {agency}.\n"
    assert written in text
    line = text[: text.index(written)].count("\n") + 1
    path = tmp_path / "a11.yaml"
    path.write_text(text.replace(written, written + "    text: Did we do well?\n", 1))
    with pytest.raises(FlowError) as refused:
        load_flow(path)
    assert str(refused.value) == (
        f"{path}, line {line + 1}, questions.trust.text: is written twice, on lines {line} and"
        f" {line + 1}: YAML would keep the last alone, without a word; keep one"
    )


def test_an_alias_inside_the_value_it_names_is_refused_not_followed_forever(tmp_path):
    """PyYAML reads "&a [*a]" as a list inside itself: the services file's check stopped with
    json's "Circular reference detected" traceback, and a flow's schema check recursed."""
    flow = tmp_path / "a11.yaml"
    flow.write_text(FLOWS.joinpath("a11.yaml").read_text() + "extra: &loop\n  - *loop\n")
    with pytest.raises(FlowError, match=r"a11\.yaml: has an alias \(\*name\) inside the value"):
        load_flow(flow)
    flow.unlink()
    services = tmp_path / "services.yaml"
    services.write_text("services:\n  - &s\n    id: demo\n    parent: *s\n")
    with pytest.raises(ServiceError, match=r"services\.yaml: has an alias .* makes that value"):
        load_services(services)


def test_an_optional_trust_question_is_refused(tmp_path):
    """A-11's trust question is required; `optional: true` let "skip" export question_1 empty."""
    text = FLOWS.joinpath("a11.yaml").read_text()
    document = yaml.safe_load(text)
    trust = next(
        q for q, spec in document["questions"].items() if spec.get("record") == "question_1"
    )
    document["questions"][trust]["optional"] = True
    flow = tmp_path / "a11.yaml"
    flow.write_text(yaml.safe_dump(document, allow_unicode=True))
    with pytest.raises(FlowError, match=rf"questions\.{trust}\.optional: the trust question is"):
        load_flow(flow)


def test_services_file_is_validated(tmp_path):
    for flow in FLOWS.glob("a11*.yaml"):
        (tmp_path / flow.name).write_text(flow.read_text())
    services = tmp_path / "services.yaml"
    services.write_text(
        "services:\n  - {id: x, agency: A, name: S, omb_control_number: '12-34',"
        " omb_expiration: 2027-01-01, languages: [en], flow: a11}\n"
    )
    with pytest.raises(
        ServiceError,
        match=r"line 2, service 'x', omb_control_number: '12-34' must be an OMB control number,"
        r" NNNN-NNNN with a plain hyphen",
    ):
        load_services(services)
    services.write_text(
        services.read_text().replace("'12-34'", "'1234-5678'").replace("a11}", "nope}")
    )
    with pytest.raises(ServiceError, match=r"line 2, service 'x', flow: no flow 'nope'"):
        load_services(services)


def test_a_translation_into_a_language_the_service_does_not_offer_is_refused(tmp_path):
    offered = ["en", "es"]
    unoffered = {"es": {"name": "T"}, "fr": {"name": "U"}}
    with pytest.raises(
        ServiceError,
        match=r"service 'x', translations.fr: the service does not offer 'fr'"
        r" \(its languages: en, es\)",
    ):
        load_services(services_with(tmp_path, languages=offered, translations=unoffered))
    unknown_field = {"es": {"title": "U"}}
    with pytest.raises(
        ServiceError, match=r"service 'x', translations.es: 'title' is not a setting"
    ):
        load_services(services_with(tmp_path, languages=offered, translations=unknown_field))
    translated = {"es": {"agency": "Agencia", "name": "T"}}
    service = load_services(services_with(tmp_path, languages=offered, translations=translated))
    assert (service.get("x").agency_in("es"), service.get("x").name_in("es")) == ("Agencia", "T")
    assert (service.get("x").agency_in("en"), service.get("x").name_in("en")) == ("A", "S")


def test_broken_flow_stops_feedbot_start_up(tmp_path, monkeypatch):
    document = a11_document()
    document["questions"]["trust"]["choices"].append({"value": 6, "label": "Wow"})
    write_flow(tmp_path, document)
    (tmp_path / "services.yaml").write_text((FLOWS / "services.yaml").read_text())
    monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(tmp_path / "services.yaml"))
    monkeypatch.setenv("FEEDBOT_FLOWS_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "feedbot: cannot start: FlowError:" in result.output
    assert f"{tmp_path / 'a11.yaml'}, questions.trust.choices" in result.output


def test_an_accent_colour_white_text_cannot_be_read_on_is_refused(tmp_path):
    for flow in FLOWS.glob("a11*.yaml"):
        (tmp_path / flow.name).write_text(flow.read_text())
    services = tmp_path / "services.yaml"
    line = (
        "services:\n  - {id: x, agency: A, name: S, omb_control_number: '1234-5678',"
        " omb_expiration: 2027-01-01, languages: [en], flow: a11, accent_color: '#COLOR',"
        " webchat_origins: ['https://agency.example.gov']}\n"
    )
    services.write_text(line.replace("#COLOR", "#ffd700"))  # gold: 1.4:1
    with pytest.raises(ServiceError, match=r"accent_color: #ffd700 .* contrast 1\.4:1"):
        load_services(services)
    services.write_text(line.replace("#COLOR", "#005ea2"))  # USWDS primary: 6.7:1
    assert load_services(services).get("x").accent_color == "#005ea2"


def services_with_invitations(tmp_path, invitations):
    for flow in FLOWS.glob("a11*.yaml"):
        (tmp_path / flow.name).write_text(flow.read_text())
    services = tmp_path / "services.yaml"
    services.write_text(
        "services:\n  - {id: x, agency: A, name: S, omb_control_number: '1234-5678',"
        " omb_expiration: 2027-01-01, sms_numbers: ['+12025550100'], languages: [en], flow: a11,"
        f" invitations: {invitations}}}\n"
    )
    return services


@pytest.mark.parametrize("window", ['["21:00", "08:00"]', '["09:00", "09:00"]'])
def test_quiet_hours_must_be_the_sending_window_in_order(tmp_path, window):
    services = services_with_invitations(tmp_path, f"{{quiet_hours: {window}}}")
    with pytest.raises(
        ServiceError,
        match=r"line 2, service 'x', invitations.quiet_hours: .* must end after it starts:"
        r" quiet_hours is the window invitations may be sent in",
    ):
        load_services(services)
    services = services_with_invitations(tmp_path, '{quiet_hours: ["08:00", "21:00"]}')
    assert load_services(services).get("x").invitations["quiet_hours"] == ["08:00", "21:00"]


@pytest.mark.parametrize("hours", [24, 30.5])
def test_a_reminder_at_or_after_the_idle_expiry_is_refused(tmp_path, hours):
    services = services_with_invitations(tmp_path, f"{{reminder_after_hours: {hours}}}")
    with pytest.raises(ServiceError) as refused:
        load_services(services, idle_expiry=timedelta(hours=24))
    assert str(refused.value) == (
        f"{services}, line 2, service 'x', invitations.reminder_after_hours: a reminder after"
        f" {hours} hours comes when the survey has already closed (FEEDBOT_IDLE_EXPIRY_HOURS is"
        " 24):"
        " remind sooner, or raise FEEDBOT_IDLE_EXPIRY_HOURS"
    )
    assert load_services(services, idle_expiry=timedelta(hours=48)).get("x")


@pytest.mark.parametrize(
    ("rules", "quiet"),
    [
        ("{expire_after_hours: 8}", "12"),  # the default window, 08:00 to 21:00
        ("{expire_after_hours: 11.5}", "12"),  # longer than the clock's night, not the DST one
        ('{expire_after_hours: 12, quiet_hours: ["09:00", "17:30"]}', "16.5"),
    ],
)
def test_invitations_that_would_expire_over_one_quiet_night_are_refused(tmp_path, rules, quiet):
    services = services_with_invitations(tmp_path, rules)
    with pytest.raises(ServiceError) as refused:
        load_services(services)
    assert str(refused.value).endswith(
        f"would never be sent when asked for as quiet hours begin (up to {quiet} quiet hours,"
        f" the night clocks go back): give it more than {quiet}"
    )
    assert load_services(services_with_invitations(tmp_path, "{expire_after_hours: 12.5}"))


def services_with(tmp_path, **settings):
    """A services file of one service "x" with `settings`, beside the A-11 flows."""
    for flow in FLOWS.glob("a11*.yaml"):
        (tmp_path / flow.name).write_text(flow.read_text())
    services = tmp_path / "services.yaml"
    service = {
        "id": "x",
        "agency": "A",
        "name": "S",
        "omb_control_number": "1234-5678",
        "omb_expiration": "2027-01-01",
        "languages": ["en"],
        "flow": "a11",
        "webchat_origins": ["https://agency.example.gov"],  # a service has a channel
        **settings,
    }
    services.write_text(yaml.safe_dump({"services": [service]}, allow_unicode=True))
    return services


def services_with_scrub_names(tmp_path, names):
    return services_with(tmp_path, scrub_names=names)


def test_a_services_scrub_names_are_loaded_and_kept_out_of_its_repr(tmp_path):
    services = services_with_scrub_names(tmp_path, ["Karen", "Mike Jones", "María de la Cruz"])
    service = load_services(services).get("x")
    assert service.scrub_names == ("Karen", "Mike Jones", "María de la Cruz")
    assert "Karen" not in repr(service)
    assert load_services(services_with_scrub_names(tmp_path, [])).get("x").scrub_names == ()


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (" Karina", "has spaces before or after it"),
        ("Karina\n", "has spaces before or after it"),
        ("", "must be 2 to 60 characters long"),
        ("K", "must be 2 to 60 characters long"),
        ("Karina" * 11, "must be 2 to 60 characters long"),
        ("#4417", "has no letters"),
        ("Karina\tSmith", "has a line break or another control character"),
        ("Ana Maria de la Cruz Lopez", "has more than 5 words: give one person's name"),
        ("Grace", "is one word that is also an everyday word"),
        ("al", "is one word that is also an everyday word"),
        ("Will", "is one word that is also an everyday word"),
        ("June", "is one word that is also an everyday word"),
        # Scrubbed wherever it is written, it would erase "I'm Black and was treated
        # differently", "a young man", "Soy Negra".
        ("Black", "is one word that is also an everyday word or says what a person is"),
        ("Young", "is one word that is also an everyday word or says what a person is"),
        ("Negra", "is one word that is also an everyday word or says what a person is"),
    ],
)
def test_a_scrub_name_that_cannot_be_one_is_refused_without_quoting_it(tmp_path, name, problem):
    with pytest.raises(ServiceError) as refused:
        load_services(services_with_scrub_names(tmp_path, ["Karen", name]))
    message = str(refused.value)
    assert f"service 'x', scrub_names item 2: this name {problem}" in message
    assert "Karen" not in message
    if len(name.strip()) >= 3:
        assert name.strip() not in message


def test_a_full_name_made_of_everyday_words_is_a_scrub_name(tmp_path):
    names = ["Mark Lee", "Will Smith", "Rose Garcia", "June Park", "Karen Black"]
    service = load_services(services_with_scrub_names(tmp_path, names)).get("x")
    assert service.scrub_names == tuple(names)


@pytest.mark.parametrize(
    ("scrub_names", "place"),
    [
        ("Karen", "service 'x', scrub_names"),
        ("[Karen, 12]", "service 'x', scrub_names item 2"),
        ("{Karen: 1}", "service 'x', scrub_names"),
    ],
)
def test_a_scrub_names_of_the_wrong_shape_is_refused_without_quoting_it(
    tmp_path, scrub_names, place
):
    services = services_with_scrub_names(tmp_path, [])
    services.write_text(
        services.read_text().replace("scrub_names: []", f"scrub_names: {scrub_names}")
    )
    with pytest.raises(ServiceError) as refused:
        load_services(services)
    assert f"{place}: must be a list of at most 1000 names, each a string" in str(refused.value)
    assert "Karen" not in str(refused.value)


def test_a_broken_services_file_never_quotes_its_scrub_names(tmp_path):
    services = services_with_scrub_names(tmp_path, ["Karen"])
    # A mapping where the list of services belongs: the schema's message would quote it all.
    services.write_text(services.read_text().replace("services:\n- ", "services:\n  "))
    with pytest.raises(ServiceError) as refused:
        load_services(services)
    assert "Karen" not in str(refused.value)
    # A line PyYAML cannot read: its message would quote the line.
    services.write_text(services.read_text().replace("- Karen", '- "Karen'))
    with pytest.raises(ServiceError, match="is not valid YAML") as refused:
        load_services(services)
    assert "Karen" not in str(refused.value)


def test_a_services_scrub_names_are_scrubbed_from_its_records(tmp_path, sqlite_url, caplog):
    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"][0]["scrub_names"] = ["Karen", "Mike Jones"]
    services = tmp_path / "services.yaml"
    services.write_text(yaml.safe_dump(document, allow_unicode=True))
    caplog.set_level(logging.DEBUG)
    app = make_app(sqlite_url, services_file=services)
    texter = Texter(app.test_client(), phone="+12025550143", to="+12025550100")
    answers = ("Hi", "5", "1 3 7", "Karen at window 4 was quick", "Thanks to mike jones, Ms. Lee")
    replies = [texter.send(body) for body in answers]
    assert replies[-1].startswith("Thank you")
    runtime = runtime_of(app)
    with runtime.db.transaction() as db:
        (record,) = db.scalars(select(ResponseRecord)).all()
        assert record.other_text == "[NAME] at window 4 was quick"
        assert record.question_4 == "Thanks to [NAME], Ms. [NAME]"
    runtime.db.dispose()
    assert not [line for line in caplog.messages if "Karen" in line or "Mike Jones" in line]


def test_which_questions_every_response_comes_to():
    """The dashboard counts drop-off only at questions on every way through the survey."""
    flow = load_flow(FLOWS / "a11.yaml")
    every = [q for q in flow.questions if flow.on_every_path(q)]
    assert every == ["trust", "anything_else"]


def services_with_timezone(tmp_path, timezone):
    return services_with(tmp_path, timezone=timezone)


@pytest.mark.parametrize(
    "timezone",
    ["America/Nowhere", "america/new_york", "America", "EST5EDT ", "", "../etc/passwd", "zone.tab"],
)
def test_a_time_zone_the_database_lacks_is_refused_at_start_up(tmp_path, timezone):
    """Accepted, it failed every normalization drain (ZoneInfoNotFoundError) and /staff."""
    services = services_with_timezone(tmp_path, timezone)
    with pytest.raises(ServiceError) as refused:
        load_services(services)
    assert str(refused.value) == (
        f"{services}, line 10, service 'x', timezone: no time zone {timezone!r} in the time"
        " zone database: give an IANA name such as America/New_York, America/Chicago or"
        " Pacific/Honolulu"
    )


@pytest.mark.parametrize("timezone", ["America/Chicago", "Pacific/Guam", "UTC", "EST5EDT"])
def test_iana_time_zones_are_accepted(tmp_path, timezone):
    assert load_services(services_with_timezone(tmp_path, timezone)).get("x").timezone == timezone


def test_invitations_from_a_number_no_service_answers_on_are_refused(tmp_path):
    """Accepted, every reply to an invitation went to a number no service owns (404)."""
    services = services_with(tmp_path, sms_numbers=["+12025550100"], from_number="+12025559999")
    with pytest.raises(ServiceError) as refused:
        load_services(services)
    assert str(refused.value) == (
        f"{services}, line 4, service 'x', from_number: +12025559999 is not one of the"
        " service's sms_numbers, so replies to invitations sent from it would reach no service:"
        " add it to sms_numbers, or send from one of them"
    )
    with pytest.raises(
        ServiceError, match=r"service 'x', from_number: .* not one of the service's sms_n"
    ):
        load_services(services_with(tmp_path, from_number="+12025550100"))
    own = services_with(tmp_path, sms_numbers=["+12025550100"], from_number="+12025550100")
    assert load_services(own).get("x").from_number == "+12025550100"


def test_a_messaging_service_and_a_from_number_together_are_refused(tmp_path):
    """Accepted, the Messaging Service silently won and from_number was never used."""
    services = services_with(
        tmp_path,
        sms_numbers=["+12025550100"],
        from_number="+12025550100",
        messaging_service_sid="MG0123456789abcdef0123456789abcdef",
    )
    with pytest.raises(ServiceError) as refused:
        load_services(services)
    assert str(refused.value) == (
        f"{services}, line 4, service 'x', from_number: give messaging_service_sid or"
        " from_number, not both (invitations go out through the Messaging Service, from one of"
        " its numbers, or from from_number)"
    )


def test_an_expired_omb_control_number_is_logged_at_start_up_not_refused(
    tmp_path, sqlite_url, caplog
):
    """The survey shows the expiration date; a renewal may be pending, so feedbot still runs."""
    from tests.conftest import make_app, runtime_of

    caplog.set_level(logging.WARNING, logger="feedbot.runtime")
    services = services_with(tmp_path, omb_expiration="2020-12-31")
    assert load_services(services).get("x").omb_expiration.isoformat() == "2020-12-31"
    assert caplog.messages == []  # loading alone (check-config) says it once, itself
    runtime_of(make_app(sqlite_url, services_file=services)).db.dispose()
    assert caplog.messages == [
        f"{services}: service 'x': its OMB control number 1234-5678 expired on 2020-12-31,"
        " which the survey shows: once OMB renews it, update omb_expiration"
    ]
    caplog.clear()
    current = services_with(tmp_path, omb_expiration="2099-12-31")
    runtime_of(make_app(sqlite_url, services_file=current)).db.dispose()
    assert caplog.messages == []


def test_the_catalog_extractor_reads_a_flow_as_the_app_does():
    """The app reads flows with libyaml's parser, which takes a tab where YAML allows
    whitespace inside brackets; the extractor for messages.pot used PyYAML's own parser, which
    refused it, so a flow the app served broke `feedbot translations` ("found character
    '\\t' that cannot start any token")."""
    import io

    from feedbot.flows import extract_flow_messages

    flow = b"questions:\n  - {id: q1,\ttext: How was it?}\n"
    found = list(extract_flow_messages(io.BytesIO(flow), None, None, None))
    assert found == [(2, "gettext", "How was it?", [])]
