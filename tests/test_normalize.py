"""Normalization's free text: scrubbed, then cut to FREE_TEXT_LIMIT where a reader sees a cut."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
import yaml

from feedbot.flows import load_flow
from feedbot.models import Answer, Conversation
from feedbot.normalize import FREE_TEXT_LIMIT, build_record
from feedbot.scrub import scrub
from tests.test_engine import FLOWS

A11 = load_flow(FLOWS / "a11.yaml")
NOW = datetime(2026, 11, 2, 15, tzinfo=UTC)


def a_response(**fields) -> Conversation:
    """A finished response of the passport service, with `fields` in place of the defaults."""
    defaults = {
        "id": 1,
        "public_id": "response-1",
        "service_id": "passport",
        "channel": "sms",
        "flow_id": "a11",
        "language": "en",
        "status": "complete",
        "started_at": NOW,
        "completed_at": NOW,
    }
    return Conversation(**{**defaults, **fields})


def exported_comment(raw_text: str) -> str:
    """question_4 of the record of a survey whose comment was `raw_text`."""
    conversation = a_response(channel="webchat")
    comment = Answer(
        record="question_4", status="answered", value=raw_text, raw_text=raw_text, answered_at=NOW
    )
    return build_record(conversation, [comment], A11, "America/New_York")["question_4"]


def filler(length: int) -> str:
    return ("It was slow. " * (length // 13 + 1))[:length]


@pytest.mark.parametrize(
    ("said", "scrubbed"),
    [
        ("a@example.com", "[EMAIL]"),
        ("202-555-0143", "[PHONE]"),
        ("my case number is 123456789", "my case number is [REFERENCE]"),
    ],
)
@pytest.mark.parametrize("inside", [1, 3, 6])
def test_the_cut_falls_before_a_placeholder_it_would_split(said, scrubbed, inside):
    """A comment scrubbed to more than FREE_TEXT_LIMIT characters (a placeholder can be
    longer than what it replaces) was cut with a plain slice: "… [REFER", which reads as a
    word and no longer says what was taken out. The cut now falls before the placeholder."""
    at = scrubbed.index("[")
    before = filler(FREE_TEXT_LIMIT - inside - at - 1) + " "
    raw = before + said + " and then it was fine"
    assert scrub(raw).startswith(before + scrubbed)  # the limit falls `inside` its placeholder
    assert exported_comment(raw) == before + scrubbed[:at]


@pytest.mark.parametrize(
    ("shown", "inside"),
    [
        ("👍🏽", 1),  # a thumb and its skin tone
        ("🇺🇸", 1),  # a flag: two regional indicators
        ("👩‍👩‍👧", 1),  # a family: women and a girl joined by zero-width joiners
        ("👩‍👩‍👧", 2),
        ("👩‍👩‍👧", 4),
        ("5️⃣", 2),  # a keycap: a digit, a variation selector and an enclosing key
        ("ą́", 1),  # Lithuanian: a, ogonek, acute; no precomposed form
        ("g̃", 1),  # Guarani
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 3),  # Scotland
    ],
)
def test_the_cut_falls_between_characters_a_reader_sees(shown, inside):
    """A plain slice could leave a thumb without its skin tone, half a flag (a letter in a
    box), part of a family, or a letter without its accent."""
    before = filler(FREE_TEXT_LIMIT - inside)
    assert exported_comment(before + shown + " ok") == before


def test_a_flag_after_a_flag_is_cut_between_the_two():
    """Regional indicators pair from the start of the run: the third starts the second flag."""
    before = filler(FREE_TEXT_LIMIT - 3)
    assert exported_comment(before + "🇺🇸🇫🇷 ok") == before + "🇺🇸"


def test_elsewhere_the_cut_stays_at_the_limit():
    raw = filler(FREE_TEXT_LIMIT + 100)
    assert exported_comment(raw) == raw[:FREE_TEXT_LIMIT]
    assert exported_comment(filler(FREE_TEXT_LIMIT)) == filler(FREE_TEXT_LIMIT)
    ending_at_the_limit = filler(FREE_TEXT_LIMIT - len("[EMAIL]") - 1) + " "
    raw = ending_at_the_limit + "a@example.com and then it was fine"
    assert exported_comment(raw) == ending_at_the_limit + "[EMAIL]"


def drivers_of(flow, question_id, ticked, branch="positive"):
    """The positive (or negative) driver cells of a response that ticked `ticked` at
    `question_id`: 1, 0 or None (not offered)."""
    conversation = a_response(flow_id=flow.id)
    answer = Answer(
        question_id=question_id,
        record=branch,
        status="answered",
        value=ticked,
        raw_text=" ".join(ticked),
        answered_at=NOW,
    )
    record = build_record(conversation, [answer], flow, "America/New_York")
    return {key: value for key, value in record.items() if key.startswith(f"{branch}_")}


def test_the_drivers_offered_are_those_of_the_question_answered(tmp_path):
    """Alternatives on branches may record one branch with different choices: here a 5 asks
    three drivers, a 4 all seven. The cells came from whichever of the two the file listed
    first, so a tick on the other's drivers was lost (empty) and drivers never offered were
    0s."""
    document = yaml.safe_load((FLOWS / "a11.yaml").read_text())
    questions = document["questions"]
    digital = {**questions["made_the_difference"], "text": "What made the difference online?"}
    digital["choices"] = [
        choice
        for choice in digital["choices"]
        if choice["value"] in {"effectiveness", "ease", "other"}
    ]
    # Listed first, whichever way a YAML writer orders the keys.
    document["questions"] = {"a_digital_difference": digital, **questions}
    document["questions"]["trust"]["next"] = [
        {"when": [5], "goto": "a_digital_difference"},
        {"when": [4], "goto": "made_the_difference"},
        {"when": [1, 2, 3], "goto": "could_be_better"},
    ]
    path = tmp_path / "a11.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    flow = load_flow(path)
    assert drivers_of(flow, "made_the_difference", ["humanity", "employee"]) == {
        "positive_effectiveness": 0,
        "positive_ease": 0,
        "positive_efficiency": 0,
        "positive_transparency": 0,
        "positive_humanity": 1,
        "positive_employee": 1,
        "positive_other": 0,
    }
    assert drivers_of(flow, "a_digital_difference", ["effectiveness"]) == {
        "positive_effectiveness": 1,
        "positive_ease": 0,
        "positive_efficiency": None,
        "positive_transparency": None,
        "positive_humanity": None,
        "positive_employee": None,
        "positive_other": 0,
    }


def test_a_driver_ticked_before_the_flow_dropped_it_stays_ticked():
    """A survey open while its flow was edited goes on where it is (README): a driver ticked
    under the old version was exported empty once the new one no longer offered it."""
    document = yaml.safe_load((FLOWS / "a11.yaml").read_text())
    assert "employee" in {c["value"] for c in document["questions"]["could_be_better"]["choices"]}
    cells = drivers_of(A11, "could_be_better", ["efficiency", "employee"], branch="negative")
    assert (cells["negative_efficiency"], cells["negative_employee"]) == (1, 1)
    without = {**A11.questions}
    without["could_be_better"] = dataclasses.replace(
        A11.question("could_be_better"),
        choices=tuple(
            choice
            for choice in A11.question("could_be_better").choices
            if choice.value != "employee"
        ),
    )
    edited = dataclasses.replace(A11, questions=without)
    cells = drivers_of(edited, "could_be_better", ["efficiency", "employee"], branch="negative")
    assert (cells["negative_efficiency"], cells["negative_employee"]) == (1, 1)
    assert cells["negative_ease"] == 0
    # A question removed altogether: the branch's remaining question says what was offered.
    gone = drivers_of(A11, "a_question_since_removed", ["ease"], branch="negative")
    assert (gone["negative_ease"], gone["negative_employee"]) == (1, 0)


def test_a_rating_keeps_the_form_it_was_given_in_after_its_flow_is_edited_in_place():
    """A Strongly disagree given under a 1-5 flow since edited in place to thumbs: the record
    took the loaded flow's form and a 1 became a thumbs up. A survey begun before migration
    0011 kept no form, and takes its flow's, as before."""
    thumbs = load_flow(FLOWS / "a11_thumbs.yaml")
    edited = dataclasses.replace(thumbs, id="a11", version=2)
    rating = Answer(
        question_id="trust", record="question_1", status="answered", value=1, answered_at=NOW
    )
    given = a_response(flow_version=1, trust_form="likert", status="partial")
    record = build_record(given, [rating], edited, "America/New_York")
    assert (record["trust_form"], record["question_1"]) == ("likert", 1)
    given.trust_form = None
    assert build_record(given, [rating], edited, "America/New_York")["trust_form"] == "thumbs"
