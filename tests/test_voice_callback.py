"""A caller whose call dropped mid-survey and who calls the same service back soon: asked
first, the caller may go on where the survey stopped, as one response (it began again, and
the quarterly export counted the person twice), or begin a new one: the caller may be someone
else on the same phone, who must neither answer another's survey nor go uncounted."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from sqlalchemy import func, select

from feedbot.export import quarterly_rows
from feedbot.fiscal import FiscalQuarter
from feedbot.models import Conversation, PendingNormalization, ResponseRecord
from tests.conftest import TEST_SERVICES, make_app, runtime_of
from tests.support.calling import Caller

OFFER = (
    "A survey started from this phone number earlier was not finished. To continue it where "
    "it stopped, press 1. To start a new survey, press 2."
)
LANGUAGE_MENU = "For English, press 1."
TRUST = "increased my trust"
DRIVERS = "What about this interaction made the difference?"


def stored(app):
    with runtime_of(app).db.transaction() as db:
        return [
            (c.status, c.language, {a.question_id: (a.status, a.value) for a in c.answers})
            for c in db.scalars(select(Conversation).order_by(Conversation.id))
        ]


def respondents(app):
    """The quarterly export's respondents on the passport service's phone row, and how many
    records the response export holds."""
    runtime = runtime_of(app)
    with runtime.db.transaction() as db:
        records = db.scalars(select(ResponseRecord)).all()
        quarters = {FiscalQuarter(r.fiscal_year, r.quarter) for r in records}
        rows = [
            row
            for quarter in quarters
            for row in quarterly_rows(db, runtime.services, quarter, ["passport"])
            if row["channel"] == "automated_phone"
        ]
    return sum(row["volume_of_respondents"] for row in rows), len(records)


def dropped_call(app, *keys, phone="+12025550143"):
    """A call that picked a language, pressed `keys` and hung up."""
    caller = Caller(app.test_client(), phone=phone)
    caller.dial()
    for key in keys:
        caller.press(key)
    assert caller.hang_up() == 204
    return caller


def call_back(app, phone="+12025550143"):
    """A call from the same number that hears the call-back menu and presses 1."""
    caller = Caller(app.test_client(), phone=phone)
    assert caller.dial().spoken == OFFER
    return caller, caller.press("1")


def test_a_call_back_after_a_dropped_call_is_asked_then_resumes_as_one_response(app):
    dropped_call(app, "1", "4")
    assert respondents(app) == (1, 1)  # the hang-up's partial response, normalized
    back = Caller(app.test_client())
    offer = back.dial()
    assert offer.spoken == OFFER  # no language menu, no question yet
    assert offer.gather.get("numDigits") == "1" and offer.gather.get("language") == "en-US"
    assert offer.redirect and "/twilio/voice/resume" in offer.redirect
    resumed = back.press("1")
    assert DRIVERS in resumed.spoken and "then the pound key" in resumed.spoken
    assert TRUST not in resumed.spoken  # nor the trust question
    assert "3 quick questions" not in resumed.spoken  # nor the notice, heard before
    assert resumed.gather.get("finishOnKey") == "#"
    back.press("2")
    done = back.press("0")
    assert "Thank you for your feedback" in done.spoken and done.hung_up
    assert stored(app) == [
        (
            "complete",
            "en",
            {
                "trust": ("answered", 4),
                "made_the_difference": ("answered", ["ease"]),
                "anything_else": ("skipped", None),
            },
        )
    ]
    assert respondents(app) == (1, 1)
    with runtime_of(app).db.transaction() as db:
        record = db.scalars(select(ResponseRecord)).one()
        assert (record.status, record.question_1, record.positive_ease) == ("complete", 4, 1)


def test_a_call_back_is_asked_and_resumes_in_the_language_the_caller_chose(app):
    dropped_call(app, "2", "5")
    back = Caller(app.test_client())
    offer = back.dial()
    assert offer.spoken.startswith("Una encuesta iniciada desde este número")
    assert offer.gather.get("language") == "es-US"
    resumed = back.say("Continuar.")
    assert "¿Qué hizo la diferencia" in resumed.spoken
    assert {say.get("language") for say in resumed.xml.iter("Say")} == {"es-US"}
    assert resumed.gather.get("language") == "es-US"
    assert [(status, language) for status, language, _ in stored(app)] == [("active", "es")]


def test_two_people_on_one_phone_are_two_respondents(app):
    """A lobby or family phone: the second caller presses 2, takes a survey of their own from
    the language menu on, and the first caller's partial response keeps its answers alone."""
    dropped_call(app, "1", "1")
    second = Caller(app.test_client())
    assert second.dial().spoken == OFFER
    assert LANGUAGE_MENU in second.press("2").spoken
    opening = second.press("1")
    assert "3 quick questions" in opening.spoken and TRUST in opening.spoken
    for key in ("5", "2"):
        second.press(key)
    assert "Thank you for your feedback" in second.press("0").spoken
    assert stored(app) == [
        ("partial", "en", {"trust": ("answered", 1)}),
        (
            "complete",
            "en",
            {
                "trust": ("answered", 5),
                "made_the_difference": ("answered", ["ease"]),
                "anything_else": ("skipped", None),
            },
        ),
    ]
    assert respondents(app) == (2, 2)


@pytest.mark.parametrize("answer", ["silence", "9", "New survey.", "Dos", "Something else"])
def test_anything_but_continue_begins_a_new_survey(app, answer):
    dropped_call(app, "1", "4")
    back = Caller(app.test_client())
    back.dial()
    heard = back.stay_silent() if answer == "silence" else None
    if answer.isdigit():
        heard = back.press(answer)
    elif heard is None:
        heard = back.say(answer)
    assert LANGUAGE_MENU in heard.spoken
    assert TRUST in back.press("1").spoken
    assert stored(app) == [
        ("partial", "en", {"trust": ("answered", 4)}),
        ("active", "en", {}),
    ]


@pytest.mark.parametrize("said", ["Continue.", "One.", "Uno"])
def test_continue_or_one_said_resumes(app, said):
    dropped_call(app, "1", "4")
    back = Caller(app.test_client())
    back.dial()
    assert DRIVERS in back.say(said).spoken
    assert [status for status, _, _ in stored(app)] == ["active"]


def test_star_repeats_the_offer_and_stop_ends_the_call_with_no_survey(app):
    dropped_call(app, "1", "4")
    back = Caller(app.test_client())
    back.dial()
    assert back.press("*").spoken == OFFER
    assert back.say("Repeat.").spoken == OFFER
    goodbye = back.say("Stop.")
    assert "This survey has closed" in goodbye.spoken and goodbye.hung_up
    assert [status for status, _, _ in stored(app)] == ["partial"]
    # Said stop at the menu, the survey is ended on purpose: no later call-back offers it
    # again (it was offered at every call-back for the 30 minutes).
    again = Caller(app.test_client())
    assert LANGUAGE_MENU in again.dial().spoken


@pytest.mark.parametrize(
    ("query", "digits"), [("language=xx", "1"), ("language=es", "²"), ("language=", "1" * 5000)]
)
def test_odd_call_back_menu_answers_are_a_new_survey_or_go_on_never_a_failure(app, query, digits):
    """The menu's language travels in its signed URL; one that is no language speaks the
    default one, and keys that are no 1 begin a new survey."""
    dropped_call(app, "1", "4")
    back = Caller(app.test_client())
    back.dial()
    heard = back.post(f"/twilio/voice/resume?{query}", {"Digits": digits})
    assert (DRIVERS if digits == "1" else LANGUAGE_MENU) in heard.spoken


def test_a_wrong_language_picked_and_hung_up_on_is_offered_the_menu_again(app):
    """Spanish pressed by mistake, nothing answered, hung up: the abandoned survey has nothing
    to keep, so the call-back hears the language menu, not a Spanish survey."""
    wrong = Caller(app.test_client())
    wrong.dial()
    assert "3 preguntas breves" in wrong.press("2").spoken
    wrong.hang_up()
    back = Caller(app.test_client())
    assert LANGUAGE_MENU in back.dial().spoken
    assert TRUST in back.press("1").spoken
    assert stored(app) == [("abandoned", "es", {}), ("active", "en", {})]


def test_a_call_back_after_a_completed_survey_is_a_new_call(app):
    first = Caller(app.test_client())
    first.dial()
    for key in ("1", "5", "2", "0"):
        first.press(key)
    first.hang_up()
    again = Caller(app.test_client()).dial()
    assert LANGUAGE_MENU in again.spoken and OFFER not in again.spoken
    assert [status for status, _, _ in stored(app)] == ["complete"]


def minutes_pass(app, minutes):
    """Move every survey's times, its answers' too, `minutes` into the past."""
    earlier = timedelta(minutes=minutes)
    with runtime_of(app).db.transaction() as db:
        for survey in db.scalars(select(Conversation)):
            survey.started_at -= earlier
            survey.last_activity_at -= earlier
            survey.completed_at = survey.completed_at and survey.completed_at - earlier
            for answer in survey.answers:
                answer.answered_at -= earlier


def test_a_call_back_after_the_window_is_a_new_survey(app):
    dropped_call(app, "1", "4")
    minutes_pass(app, 29)
    back = Caller(app.test_client())
    assert back.dial().spoken == OFFER
    back.hang_up()  # that call-back dropped at once, leaving the survey as it was
    minutes_pass(app, 2)
    caller = Caller(app.test_client())
    assert LANGUAGE_MENU in caller.dial().spoken
    assert TRUST in caller.press("1").spoken
    assert [status for status, _, _ in stored(app)] == ["partial", "active"]


def test_the_window_runs_from_the_last_answer_not_from_a_call_back_that_answered_nothing(app):
    """A call-back that resumed the survey and dropped again before answering anything does
    not open the window again: 50 minutes after the last answer is a new survey."""
    dropped_call(app, "1", "4")
    minutes_pass(app, 25)
    back, resumed = call_back(app)
    assert DRIVERS in resumed.spoken
    back.hang_up()
    minutes_pass(app, 25)
    assert LANGUAGE_MENU in Caller(app.test_client()).dial().spoken


def test_a_skip_is_an_answer_given_for_the_window(app):
    """The trust answer is 40 minutes old, the drivers question skipped (0) 20 minutes ago:
    the caller was still answering then, and is offered to go on at "Anything else"."""
    caller = Caller(app.test_client())
    caller.dial()
    caller.press("1")
    caller.press("4")
    minutes_pass(app, 20)
    caller.press("0")
    caller.hang_up()
    minutes_pass(app, 20)
    _, resumed = call_back(app)
    assert "Anything else" in resumed.spoken


def test_a_question_let_pass_in_silence_is_no_answer_for_the_window(app):
    """The drivers question timed out twice (stored as unanswered) 5 minutes ago, the trust
    answer is 35 minutes old: the window has closed."""
    caller = Caller(app.test_client())
    caller.dial()
    caller.press("1")
    caller.press("4")
    minutes_pass(app, 30)
    caller.stay_silent()
    assert "Anything else" in caller.stay_silent().spoken
    caller.hang_up()
    minutes_pass(app, 5)
    assert stored(app) == [
        ("partial", "en", {"trust": ("answered", 4), "made_the_difference": ("unanswered", None)})
    ]
    assert LANGUAGE_MENU in Caller(app.test_client()).dial().spoken


def test_the_window_is_never_longer_than_the_idle_expiry(sqlite_url, tmp_path):
    """With surveys expiring after 10 idle minutes, a call-back 15 minutes after the drop is
    a new survey, as a text would be."""
    document = yaml.safe_load(TEST_SERVICES.read_text())
    services = tmp_path / "services.yaml"  # passport alone: its invitations remind no one
    services.write_text(yaml.safe_dump({**document, "services": document["services"][:1]}))
    app = make_app(sqlite_url, services_file=services, idle_expiry=timedelta(minutes=10))
    dropped_call(app, "1", "4")
    minutes_pass(app, 15)
    assert LANGUAGE_MENU in Caller(app.test_client()).dial().spoken


@pytest.mark.parametrize("withheld", ["+266696687", "Anonymous"])
def test_callers_whose_number_is_withheld_are_never_taken_for_one_another(app, withheld):
    """Twilio writes every withheld caller ID alike ("+266696687" for anonymous): such a
    caller is no one in particular, so a call from one is offered no one's survey."""
    dropped_call(app, "1", "4", phone=withheld)
    other = Caller(app.test_client(), phone=withheld)
    assert LANGUAGE_MENU in other.dial().spoken
    assert [status for status, _, _ in stored(app)] == ["partial"]


def test_a_call_to_another_service_is_another_survey(app):
    dropped_call(app, "1", "4")
    other = Caller(app.test_client(), to="+12025550102").dial()
    assert OFFER not in other.spoken and TRUST in other.spoken
    assert [status for status, _, _ in stored(app)] == ["partial", "active"]


def test_a_repeated_continue_of_the_call_back_resumes_once(app):
    dropped_call(app, "1", "4")
    back, resumed = call_back(app)
    again = back.resend_last()  # Twilio retrying the menu's answer
    assert again.spoken == resumed.spoken
    back.press("2")
    assert [status for status, _, _ in stored(app)] == ["active"]


def test_the_dropped_call_reaches_the_survey_no_more_once_the_call_back_has_it(app):
    """The dropped call's status callback delivered again, or its last answer arriving
    after the call-back began, neither close nor answer the survey the call-back goes on."""
    dropped = dropped_call(app, "1", "4")
    back, _ = call_back(app)
    assert dropped.hang_up() == 204
    late = dropped.press("26")
    assert late.hung_up and late.gather is None
    assert DRIVERS not in late.spoken
    assert "Anything else" in back.press("2").spoken
    assert stored(app) == [
        ("active", "en", {"trust": ("answered", 4), "made_the_difference": ("answered", ["ease"])})
    ]


def test_a_call_back_that_drops_again_leaves_one_partial_response(app):
    dropped_call(app, "1", "4")
    back, _ = call_back(app)
    back.press("2")
    assert back.hang_up() == 204
    assert [status for status, _, _ in stored(app)] == ["partial"]
    assert respondents(app) == (1, 1)
    with runtime_of(app).db.transaction() as db:
        assert db.scalars(select(ResponseRecord.positive_ease)).one() == 1


@pytest.mark.parametrize("drained_first", [False, True])
def test_a_resumed_survey_is_normalized_once_whether_or_not_the_partial_was_written(
    queued_app, drained_first
):
    """The hang-up queued the partial response: its outbox row may still wait when the
    caller calls back, or the worker may have written the partial record already."""
    from feedbot.queue import normalize_queue
    from feedbot.worker import PromptSimpleWorker

    def run_worker():
        queue = normalize_queue(runtime_of(queued_app))
        PromptSimpleWorker([queue], connection=queue.connection).work(burst=True)

    dropped_call(queued_app, "1", "4")
    if drained_first:
        run_worker()
        assert respondents(queued_app) == (1, 1)
    back, _ = call_back(queued_app)
    back.press("2")
    back.press("0")
    run_worker()
    assert respondents(queued_app) == (1, 1)
    with runtime_of(queued_app).db.transaction() as db:
        record = db.scalars(select(ResponseRecord)).one()
        assert (record.status, record.question_1, record.positive_ease) == ("complete", 4, 1)
        assert db.scalar(select(func.count()).select_from(PendingNormalization)) == 0


def test_a_caller_who_said_stop_and_calls_back_begins_a_new_survey(app):
    """ "Stop" said ended the survey on purpose: the call-back is not offered to go on with it."""
    caller = Caller(app.test_client())
    caller.dial()
    caller.press("1")
    caller.press("4")
    assert "This survey has closed" in caller.say("Stop.").spoken
    caller.hang_up()
    again = Caller(app.test_client()).dial()
    assert LANGUAGE_MENU in again.spoken and OFFER not in again.spoken
    assert [status for status, _, _ in stored(app)] == ["partial"]


def test_a_call_back_before_the_dropped_calls_status_callback_is_asked_and_resumes(app):
    """Twilio sends the dropped call's status callback as the caller dials again, and another
    web worker may take the new call first: the survey, still active, was not offered, the
    call-back began a second survey, and trust counted twice (6 of 20 tries in a race test)."""
    first = Caller(app.test_client())
    first.dial()
    first.press("1")
    first.press("4")  # the line drops here; its status callback is on its way
    back = Caller(app.test_client())
    assert back.dial().spoken == OFFER
    assert first.hang_up() == 204  # the status callback, while the menu plays
    assert DRIVERS in back.press("1").spoken
    back.press("2")
    assert "Thank you for your feedback" in back.press("0").spoken
    assert [(status, answers["trust"]) for status, _, answers in stored(app)] == [
        ("complete", ("answered", 4))
    ]
    assert respondents(app) == (1, 1)


def test_a_second_call_from_the_number_never_takes_a_survey_still_being_answered(app):
    """A switchboard's shared caller id: caller B pressed 1 at the menu and took over the
    survey caller A was still answering (A then heard "This survey has closed")."""
    first = Caller(app.test_client())
    first.dial()
    first.press("1")
    first.press("4")  # A is still on the line
    second = Caller(app.test_client())
    assert second.dial().spoken == OFFER
    assert LANGUAGE_MENU in second.press("1").spoken  # a survey of B's own
    assert "has closed" not in first.press("2").spoken  # A goes on
    [(status, _, answers)] = stored(app)
    assert status == "active"
    assert answers == {
        "trust": ("answered", 4),
        "made_the_difference": ("answered", ["ease"]),
    }


def test_a_call_back_that_starts_anew_while_the_dropped_call_is_open_leaves_it_to_close(app):
    """Pressed 2, the new caller's survey is their own; the first closes by its callback."""
    first = Caller(app.test_client())
    first.dial()
    first.press("1")
    first.press("2")
    second = Caller(app.test_client())
    assert second.dial().spoken == OFFER
    assert LANGUAGE_MENU in second.press("2").spoken
    assert TRUST in second.press("1").spoken
    assert first.hang_up() == 204
    assert [status for status, _, _ in stored(app)] == ["partial", "active"]
