"""`feedbot purge`: raw text goes only once the response's record holds its scrubbed copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from feedbot.models import Answer, Conversation, ResponseRecord
from feedbot.normalize import record_as_dict
from feedbot.queue import normalize_queue
from feedbot.worker import PromptSimpleWorker
from tests.conftest import runtime_of
from tests.support.texting import Texter

# A negative rating, "Something else", what else went wrong: the record's `other_text`.
UNHAPPY = ("Hi", "2", "7", "The office closed early, call me at 202-555-0143")


def purge(app):
    result = app.test_cli_runner().invoke(args=["purge", "--older-than", "0h"])
    assert result.exit_code == 0, result.output
    return result.output


def records(app):
    with runtime_of(app).db.transaction() as db:
        return [record_as_dict(r) for r in db.scalars(select(ResponseRecord))]


def raw_texts(app):
    with runtime_of(app).db.transaction() as db:
        return {a.question_id: a.raw_text for a in db.scalars(select(Answer))}


def test_a_survey_still_open_keeps_its_raw_text_until_its_record_is_written(app):
    texter = Texter(app.test_client(), phone="+12025550143", to="+12025550100")
    for body in UNHAPPY:
        texter.send(body)
    output = purge(app)
    assert "purged the raw text of 0 answer(s) older than 0h" in output
    assert "kept the raw text of 1 response(s) still open and 0 waiting to be normalized" in output
    assert raw_texts(app)["negative_other"] == UNHAPPY[-1]

    assert texter.send("Otherwise fine").startswith("Thank you")
    assert "purged the raw text of 4 answer(s)" in (output := purge(app))
    assert "kept" not in output
    assert all(text is None for text in raw_texts(app).values())
    (record,) = records(app)
    assert record["status"] == "complete" and record["negative_other"] == 1
    assert record["other_text"] == "The office closed early, call me at [PHONE]"
    assert record["question_4"] == "Otherwise fine"


def test_a_response_closed_by_idle_expiry_keeps_its_raw_text_while_it_waits_in_the_outbox(
    queued_app,
):
    from feedbot.jobs import periodic_sweep

    texter = Texter(queued_app.test_client(), phone="+12025550144", to="+12025550100")
    for body in UNHAPPY:
        texter.send(body)
    with runtime_of(queued_app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        conversation.last_activity_at = datetime.now(UTC) - timedelta(days=2)
    assert periodic_sweep() == 1  # closed as partial and queued; no worker has run yet
    output = purge(queued_app)
    assert "purged the raw text of 0 answer(s)" in output
    assert "kept the raw text of 0 response(s) still open and 1 waiting to be normalized" in output

    queue = normalize_queue(runtime_of(queued_app))
    PromptSimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert "purged the raw text of 3 answer(s)" in purge(queued_app)
    (record,) = records(queued_app)
    assert record["status"] == "partial" and record["negative_other"] == 1
    assert record["other_text"] == "The office closed early, call me at [PHONE]"
