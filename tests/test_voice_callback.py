"""A caller whose call dropped mid-survey and who calls the same service back soon: the survey
goes on where it stopped, as one response (it began again, and the quarterly export counted
the person twice)."""

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

WELCOME_BACK = "Welcome back. Let's continue where we left off."
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


def test_a_call_back_after_a_dropped_call_resumes_its_survey_as_one_response(app):
    dropped_call(app, "1", "4")
    assert respondents(app) == (1, 1)  # the hang-up's partial response, normalized
    back = Caller(app.test_client())
    resumed = back.dial()
    assert resumed.spoken.startswith(WELCOME_BACK)
    assert DRIVERS in resumed.spoken and "then the pound key" in resumed.spoken
    assert "For English, press 1." not in resumed.spoken  # no language menu again
    assert "increased my trust" not in resumed.spoken  # nor the trust question
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


def test_a_call_back_resumes_in_the_language_the_caller_chose(app):
    dropped_call(app, "2", "5")
    resumed = Caller(app.test_client()).dial()
    assert resumed.spoken.startswith(
        "Le damos la bienvenida de nuevo. Continuemos donde lo dejamos."
    )
    assert "¿Qué hizo la diferencia" in resumed.spoken
    assert {say.get("language") for say in resumed.xml.iter("Say")} == {"es-US"}
    assert resumed.gather.get("language") == "es-US"
    assert [(status, language) for status, language, _ in stored(app)] == [("active", "es")]


def test_a_call_back_after_nothing_was_answered_hears_the_notice_again(app):
    """The first call dropped during the notice or the first question: the call-back is the
    same (abandoned) survey, and hears the notice it may not have heard."""
    dropped_call(app, "1")
    resumed = Caller(app.test_client()).dial()
    assert resumed.spoken.startswith(WELCOME_BACK)
    assert "3 quick questions" in resumed.spoken and "increased my trust" in resumed.spoken
    assert [status for status, _, _ in stored(app)] == ["active"]


def test_a_call_back_after_a_completed_survey_is_a_new_call(app):
    first = Caller(app.test_client())
    first.dial()
    for key in ("1", "5", "2", "0"):
        first.press(key)
    first.hang_up()
    again = Caller(app.test_client()).dial()
    assert "For English, press 1." in again.spoken and WELCOME_BACK not in again.spoken
    assert [status for status, _, _ in stored(app)] == ["complete"]


def dropped_minutes_ago(app, minutes):
    """Move the dropped call's last answer and its hang-up `minutes` into the past."""
    earlier = timedelta(minutes=minutes)
    with runtime_of(app).db.transaction() as db:
        survey = db.scalars(select(Conversation)).one()
        survey.last_activity_at -= earlier
        survey.completed_at -= earlier


def test_a_call_back_after_the_window_is_a_new_survey(app):
    dropped_call(app, "1", "4")
    dropped_minutes_ago(app, 29)
    back = Caller(app.test_client())
    assert back.dial().spoken.startswith(WELCOME_BACK)
    back.hang_up()  # that call-back dropped at once, leaving the survey as it was
    dropped_minutes_ago(app, 31)
    caller = Caller(app.test_client())
    assert "For English, press 1." in caller.dial().spoken
    assert "increased my trust" in caller.press("1").spoken
    assert [status for status, _, _ in stored(app)] == ["partial", "active"]


def test_the_window_is_never_longer_than_the_idle_expiry(sqlite_url, tmp_path):
    """With surveys expiring after 10 idle minutes, a call-back 15 minutes after the drop is
    a new survey, as a text would be."""
    document = yaml.safe_load(TEST_SERVICES.read_text())
    services = tmp_path / "services.yaml"  # passport alone: its invitations remind no one
    services.write_text(yaml.safe_dump({**document, "services": document["services"][:1]}))
    app = make_app(sqlite_url, services_file=services, idle_expiry=timedelta(minutes=10))
    dropped_call(app, "1", "4")
    dropped_minutes_ago(app, 15)
    assert "For English, press 1." in Caller(app.test_client()).dial().spoken


@pytest.mark.parametrize("withheld", ["+266696687", "Anonymous"])
def test_callers_whose_number_is_withheld_are_never_taken_for_one_another(app, withheld):
    """Twilio writes every withheld caller ID alike ("+266696687" for anonymous): such a
    caller is no one in particular, so a call from one resumes no one's survey."""
    dropped_call(app, "1", "4", phone=withheld)
    other = Caller(app.test_client(), phone=withheld)
    assert "For English, press 1." in other.dial().spoken
    assert [status for status, _, _ in stored(app)] == ["partial"]


def test_a_call_to_another_service_is_another_survey(app):
    dropped_call(app, "1", "4")
    other = Caller(app.test_client(), to="+12025550102").dial()
    assert WELCOME_BACK not in other.spoken and "increased my trust" in other.spoken
    assert [status for status, _, _ in stored(app)] == ["partial", "active"]


def test_a_repeated_first_webhook_of_the_call_back_resumes_once(app):
    dropped_call(app, "1", "4")
    back = Caller(app.test_client())
    resumed = back.dial()
    again = back.resend_last()  # Twilio retrying the call's first webhook
    assert again.spoken == resumed.spoken
    back.press("2")
    assert [status for status, _, _ in stored(app)] == ["active"]


def test_the_dropped_call_reaches_the_survey_no_more_once_the_call_back_has_it(app):
    """The dropped call's status callback delivered again, or its last answer arriving
    after the call-back began, neither close nor answer the survey the call-back goes on."""
    dropped = dropped_call(app, "1", "4")
    back = Caller(app.test_client())
    back.dial()
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
    back = Caller(app.test_client())
    back.dial()
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
    from rq import SimpleWorker

    from feedbot.queue import normalize_queue

    def run_worker():
        queue = normalize_queue(runtime_of(queued_app))
        SimpleWorker([queue], connection=queue.connection).work(burst=True)

    dropped_call(queued_app, "1", "4")
    if drained_first:
        run_worker()
        assert respondents(queued_app) == (1, 1)
    back = Caller(queued_app.test_client())
    back.dial()
    back.press("2")
    back.press("0")
    run_worker()
    assert respondents(queued_app) == (1, 1)
    with runtime_of(queued_app).db.transaction() as db:
        record = db.scalars(select(ResponseRecord)).one()
        assert (record.status, record.question_1, record.positive_ease) == ("complete", 4, 1)
        assert db.scalar(select(func.count()).select_from(PendingNormalization)) == 0


def test_a_caller_who_said_stop_and_calls_back_goes_on_too(app):
    caller = Caller(app.test_client())
    caller.dial()
    caller.press("1")
    caller.press("4")
    assert "This survey has closed" in caller.say("Stop.").spoken
    resumed = Caller(app.test_client()).dial()
    assert resumed.spoken.startswith(WELCOME_BACK) and DRIVERS in resumed.spoken
    assert [status for status, _, _ in stored(app)] == ["active"]
