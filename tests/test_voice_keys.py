"""The keypad on flows an agency may write that the shipped A-11 flows never ask: a scale past
9 (0 to 10), 0 or 9 as choices of an optional question, a list of ten choices or more. The
caller presses keys as Twilio's Gather takes them (`Caller.key_in`)."""

from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import select

from feedbot.config import REPO_ROOT
from feedbot.models import Conversation
from tests.conftest import TEST_SERVICES, make_app, runtime_of
from tests.support.calling import Caller

PILOT_NUMBER = "+12025550109"
SERVICES_USED = (
    "Passport card",
    "Passport book",
    "Name change",
    "Lost passport",
    "Child passport",
    "Expedited service",
    "Travel letter",
    "Photo check",
    "Fee waiver",
    "Appointment",
    "Status check",
    "Something else",
)


@pytest.fixture
def pilot(sqlite_url, tmp_path):
    """An app whose pilot service asks, before the A-11 questions, an optional 0-to-10 rating
    (so 0 and 9 are choices of the question read after the notice) and an optional list of
    twelve services."""
    flows = tmp_path / "flows"
    shutil.copytree(REPO_ROOT / "flows", flows)
    flow = yaml.safe_load((flows / "a11.yaml").read_text())
    flow["id"] = "pilot"
    flow["start"] = "recommend"
    flow["questions"] = {
        "recommend": {
            "type": "scale",
            "optional": True,
            "record": "recommend",
            "text": "How likely are you to recommend us to a friend?",
            "choices": [{"value": n, "label": str(n)} for n in range(11)],
            "next": "services_used",
        },
        "services_used": {
            "type": "multi",
            "optional": True,
            "record": "services_used",
            "text": "Which services did you use today?",
            "choices": [
                {"value": f"s{n}", "label": label} for n, label in enumerate(SERVICES_USED, start=1)
            ],
            "next": "trust",
        },
        **flow["questions"],
    }
    (flows / "pilot.yaml").write_text(yaml.safe_dump(flow, allow_unicode=True, sort_keys=False))
    services = yaml.safe_load(TEST_SERVICES.read_text())
    services["services"].append(
        {
            **services["services"][0],
            "id": "pilot",
            "sms_numbers": [],
            "voice_numbers": [PILOT_NUMBER],
            "languages": ["en", "es"],
            "flow": "pilot",
        }
    )
    services["services"][0].pop("webchat_origins", None)
    services_file = tmp_path / "services.yaml"
    services_file.write_text(yaml.safe_dump(services, allow_unicode=True))
    app = make_app(sqlite_url, services_file=services_file, flows_dir=flows)
    yield app
    runtime_of(app).db.dispose()


def answers(app):
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation).order_by(Conversation.id)).first()
        return {a.question_id: (a.status, a.value) for a in conversation.answers}


def call(app, language_key="1"):
    caller = Caller(app.test_client(), to=PILOT_NUMBER)
    caller.dial()
    return caller, caller.press(language_key)


def test_a_rating_of_ten_takes_two_keys(pilot):
    caller, first = call(pilot)
    assert "Press 10 for 10." in first.spoken
    assert "Which services did you use today?" in caller.key_in("10").spoken
    assert answers(pilot) == {"recommend": ("answered", 10)}


def test_a_one_digit_rating_on_a_two_digit_scale_is_taken_after_pound(pilot):
    caller, _ = call(pilot)
    caller.key_in("1#")
    assert answers(pilot) == {"recommend": ("answered", 1)}


def test_a_rating_of_ten_said_back_is_confirmed_with_two_keys(pilot):
    caller, _ = call(pilot)
    heard = caller.say("Ten.", confidence="0.3")
    assert "I heard: 10. If that is right, press 10." in heard.spoken
    caller.key_in("10")
    assert answers(pilot) == {"recommend": ("answered", 10)}


def test_pound_skips_where_zero_is_a_choice(pilot):
    caller, first = call(pilot)
    assert "Press 0 for 0." in first.spoken
    assert "To skip, press 0." not in first.spoken
    assert "To skip, press the pound key." in first.spoken
    listed = caller.key_in("#")
    assert "Which services did you use today?" in listed.spoken
    assert answers(pilot) == {"recommend": ("skipped", None)}


def test_zero_pressed_is_a_rating_where_zero_is_a_choice(pilot):
    caller, _ = call(pilot)
    caller.key_in("0")
    assert answers(pilot) == {"recommend": ("answered", 0)}


def test_the_notice_is_heard_again_by_star_where_nine_is_a_choice(pilot):
    caller, first = call(pilot)
    assert "To hear this again, press 9." not in first.spoken
    assert "To hear this again, press star." in first.spoken
    notice = caller.key_in("*")
    assert "3 quick questions about passport renewal" in notice.spoken
    assert "How likely are you to recommend us" in notice.spoken
    caller.key_in("9")
    assert answers(pilot) == {"recommend": ("answered", 9)}


def test_nine_on_a_list_of_nine_choices_or_more_is_the_ninth(pilot):
    caller, _ = call(pilot)
    caller.key_in("10")
    notice = caller.key_in("9#")
    assert "3 quick questions about passport renewal" not in notice.spoken
    assert answers(pilot)["services_used"] == ("answered", ["s9"])


def test_ten_choices_or_more_are_pressed_with_star_between_them(pilot):
    caller, _ = call(pilot)
    listed = caller.key_in("10")
    assert "with the star key between numbers, then the pound key" in listed.spoken
    assert "12: Something else." in listed.spoken
    assert "This interaction increased my trust" in caller.key_in("1*3#").spoken
    assert answers(pilot)["services_used"] == ("answered", ["s1", "s3"])


def test_twelve_pressed_on_a_long_list_is_the_twelfth_choice(pilot):
    caller, _ = call(pilot)
    caller.key_in("10")
    caller.key_in("12#")
    assert answers(pilot)["services_used"] == ("answered", ["s12"])


def test_star_alone_repeats_a_long_list(pilot):
    caller, _ = call(pilot)
    caller.key_in("10")
    again = caller.key_in("*#")
    assert again.spoken.startswith("Which services did you use today?")
    assert "services_used" not in answers(pilot)
    caller.key_in("2*11*12#")
    assert answers(pilot)["services_used"] == ("answered", ["s2", "s11", "s12"])


def test_a_long_list_is_explained_in_spanish(pilot):
    caller, _ = call(pilot, "2")
    listed = caller.key_in("10")
    assert "con la tecla de asterisco entre los números" in listed.spoken
