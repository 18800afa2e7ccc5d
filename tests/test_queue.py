"""The normalization queue on a real Redis: one record per response, retries, redrive, outages,
and the worker's sweeper that drains the outbox by itself after Redis loses its data."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml
from redis import Redis
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from feedbot.models import Answer, Conversation, PendingNormalization, ResponseRecord
from feedbot.normalize import NormalizationError, record_as_dict
from feedbot.queue import (
    OVERDUE_MARK,
    drain,
    drain_if_overdue,
    normalize_queue,
    queue_drain,
    redrive,
    sweep,
)
from feedbot.sweeper import CLAIM_KEY, Sweeper, sweep_if_due, sweep_now
from feedbot.worker import PromptSimpleWorker
from tests.conftest import TEST_SERVICES, make_app, runtime_of
from tests.support.texting import Texter

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parent.parent / "feedbot/schemas/a11_response.schema.json"
    ).read_text()
)
POSITIVE = ("Hi", "5", "1 3 7", "Fast, call me at 202-555-0143", "mail ana@example.com thanks")


def complete_survey(app, phone="+12025550143", answers=POSITIVE):
    texter = Texter(app.test_client(), phone=phone, to="+12025550100")
    replies = [texter.send(body) for body in answers]
    assert replies[-1].startswith("Thank you")
    return replies


def run_worker(app):
    runtime = runtime_of(app)
    queue = normalize_queue(runtime)
    PromptSimpleWorker([queue], connection=queue.connection).work(burst=True)


def records(app):
    with runtime_of(app).db.transaction() as db:
        return [record_as_dict(r) for r in db.scalars(select(ResponseRecord))]


def worker_forgets_passport(tmp_path, monkeypatch):
    """The worker's services file loses the passport service (the web app keeps it)."""
    monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(services_without_passport(tmp_path)))


def services_without_passport(tmp_path):
    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"] = [s for s in document["services"] if s["id"] != "passport"]
    without = tmp_path / "services.yaml"
    without.write_text(yaml.safe_dump(document))
    return without


def pending(app):
    with runtime_of(app).db.transaction() as db:
        return db.scalar(select(func.count()).select_from(PendingNormalization))


def test_without_redis_normalization_runs_in_process(sqlite_app):
    complete_survey(sqlite_app)
    (record,) = records(sqlite_app)
    jsonschema.validate(record, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert pending(sqlite_app) == 0


def test_completed_sms_survey_gives_one_valid_record(queued_app):
    complete_survey(queued_app)
    assert records(queued_app) == [] and pending(queued_app) == 1
    run_worker(queued_app)
    (record,) = records(queued_app)
    jsonschema.validate(record, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert record["channel"] == "sms_text_messages"
    assert record["question_1"] == 5
    assert [record[f"positive_{d}"] for d in ("effectiveness", "ease", "efficiency", "other")] == [
        1,
        0,
        1,
        1,
    ]
    assert record["negative_ease"] is None
    assert record["question_4"] == "mail [EMAIL] thanks"
    assert record["other_text"] == "Fast, call me at [PHONE]"
    assert record["status"] == "complete" and record["language"] == "en"
    assert pending(queued_app) == 0


def test_duplicate_enqueues_give_one_record(queued_app):
    complete_survey(queued_app)
    runtime = runtime_of(queued_app)
    queue_drain(runtime)
    queue_drain(runtime, force=True)
    run_worker(queued_app)
    run_worker(queued_app)
    queue_drain(runtime, force=True)
    run_worker(queued_app)
    assert len(records(queued_app)) == 1


def test_responses_closing_together_share_one_drain_job(queued_app):
    for n in range(3):
        complete_survey(queued_app, phone=f"+1202555017{n}")
    assert len(normalize_queue(runtime_of(queued_app))) == 1  # not one job per response
    run_worker(queued_app)
    assert len(records(queued_app)) == 3 and pending(queued_app) == 0


def test_a_drain_waits_a_second_on_the_scheduler_for_the_responses_closing_meanwhile(
    queued_app, database_url, redis_server
):
    # The web app waits a second before each drain (the default); its worker is queued_app's.
    app = make_app(database_url, redis_url=redis_server.url, normalize_delay_seconds=1.0)
    queue = normalize_queue(runtime_of(app))
    before = datetime.now(UTC)
    for n in range(3):
        complete_survey(app, phone=f"+1202555018{n}")
    after = datetime.now(UTC)
    # One job for the three, waiting on RQ's scheduler (none runs until the worker below).
    assert len(queue) == 0
    (job_id,) = queue.scheduled_job_registry.get_job_ids()
    due = queue.scheduled_job_registry.get_scheduled_time(job_id)
    # RQ keeps whole seconds: due is the first close plus a second, rounded down.
    assert before < due <= after + timedelta(seconds=1)
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.1)
    worker = PromptSimpleWorker([queue], connection=queue.connection)
    worker.work(burst=True, with_scheduler=True)  # RQ's scheduler queues the job now due
    assert len(records(app)) == 3 and pending(app) == 0
    runtime_of(app).db.dispose()


def test_a_drain_stuck_without_a_scheduler_is_queued_at_once_when_overdue(
    queued_app, database_url, redis_server
):
    app = make_app(
        database_url,
        redis_url=redis_server.url,
        normalize_delay_seconds=1.0,
        normalize_overdue_seconds=3,
    )
    runtime = runtime_of(app)
    queue = normalize_queue(runtime)
    window = timedelta(minutes=5)
    overdue_after = timedelta(seconds=3)
    complete_survey(app, phone="+12025550190")
    closed = datetime.now(UTC)
    assert len(queue) == 0  # its drain waits for RQ's scheduler, and none is running
    assert not drain_if_overdue(runtime, closed + overdue_after - timedelta(seconds=1), window)
    overdue = closed + overdue_after + timedelta(seconds=1)
    assert drain_if_overdue(runtime, overdue, window)
    assert not drain_if_overdue(runtime, overdue, window)  # one such drain per overdue time
    assert 0 < Redis.from_url(redis_server.url).ttl(OVERDUE_MARK) <= 3
    assert len(queue) == 1
    run_worker(queued_app)  # no scheduler here either
    assert len(records(app)) == 1 and pending(app) == 0
    # A response older than the sweep's interval is the periodic sweep's to retry.
    complete_survey(app, phone="+12025550191")
    Redis.from_url(redis_server.url).delete(OVERDUE_MARK)
    assert not drain_if_overdue(runtime, datetime.now(UTC) + window + overdue_after, window)
    runtime.db.dispose()


def test_a_response_closing_during_a_drain_queues_the_next(queued_app):
    runtime = runtime_of(queued_app)
    complete_survey(queued_app, phone="+12025550175")
    queue = normalize_queue(runtime)
    assert len(queue) == 1
    assert drain(runtime) == 1  # a worker runs the drain: its mark goes before it reads
    complete_survey(queued_app, phone="+12025550176")
    assert len(queue) == 2  # the waiting (now needless) job, and one for the new response
    run_worker(queued_app)
    assert len(records(queued_app)) == 2 and pending(queued_app) == 0


def test_one_response_that_cannot_be_normalized_holds_back_only_itself(
    queued_app, tmp_path, monkeypatch
):
    complete_survey(queued_app, phone="+12025550177")  # passport
    texter = Texter(queued_app.test_client(), phone="+12025550178", to="+12025550101")
    for body in ("Hola", "5", "1", "SKIP", "Gracias"):
        texter.send(body)
    worker_forgets_passport(tmp_path, monkeypatch)
    run_worker(queued_app)
    assert [r["service_id"] for r in records(queued_app)] == ["benefits"]
    assert pending(queued_app) == 1
    queue = normalize_queue(runtime_of(queued_app))
    (job_id,) = FailedJobRegistry(queue=queue).get_job_ids()
    assert "'passport', which is not in the services file" in (
        queue.fetch_job(job_id).latest_result().exc_string
    )


def conversation_ids(app):
    """Every conversation's id, in the order they began."""
    with runtime_of(app).db.transaction() as db:
        return db.scalars(select(Conversation.id).order_by(Conversation.id)).all()


def store_answer_value(app, conversation_id, record, value):
    """Overwrite a stored answer's value, as an older release or a hand edit could leave it."""
    with runtime_of(app).db.transaction() as db:
        db.execute(
            update(Answer)
            .where(Answer.conversation_id == conversation_id, Answer.record == record)
            .values(value=value)
        )


def test_a_response_failing_for_an_unexpected_reason_holds_back_only_itself(queued_app, caplog):
    """Not a NormalizationError: stored answers that do not fit their flow (a driver answer
    that is not a list breaks building the record; a rating stored as a list, as a
    multiple-choice answer is, breaks writing it). Every other response of the batch is
    normalized; each bad one stays in the outbox, named by its conversation, and fails the job
    on its own."""
    caplog.set_level("ERROR", logger="feedbot.queue")
    complete_survey(queued_app, phone="+12025550163")
    complete_survey(queued_app, phone="+12025550164")
    complete_survey(queued_app, phone="+12025550165")
    texter = Texter(queued_app.test_client(), phone="+12025550166", to="+12025550101")
    for body in ("Hola", "5", "1", "SKIP", "Gracias"):
        texter.send(body)  # another service
    _, not_a_list, listed_rating, _ = conversation_ids(queued_app)
    store_answer_value(queued_app, not_a_list, "positive", 3)
    store_answer_value(queued_app, listed_rating, "question_1", [5])
    run_worker(queued_app)
    assert sorted(r["service_id"] for r in records(queued_app)) == ["benefits", "passport"]
    with runtime_of(queued_app).db.transaction() as db:
        waiting = db.scalars(select(PendingNormalization.conversation_id)).all()
    assert sorted(waiting) == sorted([not_a_list, listed_rating])
    logged = [r.getMessage() for r in caplog.records if r.name == "feedbot.queue"]
    assert any(
        m.startswith(f"conversation {not_a_list} could not be normalized: TypeError at feedbot/")
        for m in logged
    ), logged
    assert any(f"conversation {listed_rating} could not be normalized: " in m for m in logged)
    queue = normalize_queue(runtime_of(queued_app))
    (job_id,) = FailedJobRegistry(queue=queue).get_job_ids()
    failure = queue.fetch_job(job_id).latest_result().exc_string
    assert f"conversation {not_a_list} could not be normalized: TypeError" in failure
    assert f"conversation {listed_rating} could not be normalized" in failure
    assert "object is not iterable" not in failure  # the error's own message is left out


def test_responses_of_a_lost_service_never_take_a_batch_from_the_rest(
    queued_app, redis_server, tmp_path, monkeypatch
):
    """More of them than a whole drain claims, ahead of a response that can be normalized:
    it is written in the first drain, and the drain fails naming the lost service."""
    import feedbot.queue

    monkeypatch.setattr(feedbot.queue, "BATCH_SIZE", 2)
    monkeypatch.setattr(feedbot.queue, "DRAIN_BATCHES", 1)
    for phone in ("+12025550171", "+12025550172", "+12025550173"):
        complete_survey(queued_app, phone=phone)  # passport
    texter = Texter(queued_app.test_client(), phone="+12025550178", to="+12025550101")
    for body in ("Hola", "5", "1", "SKIP", "Gracias"):
        texter.send(body)  # benefits, closed last
    worker = make_app(
        runtime_of(queued_app).settings.database_url,
        redis_url=redis_server.url,
        services_file=services_without_passport(tmp_path),
    )
    with pytest.raises(NormalizationError) as failed:
        drain(runtime_of(worker))
    assert str(failed.value) == (
        "3 response(s) of service 'passport', which is not in the services file, wait in the outbox"
    )
    assert [r["service_id"] for r in records(queued_app)] == ["benefits"]
    assert pending(queued_app) == 3


def test_drains_side_by_side_skip_each_others_rows(queued_app):
    runtime = runtime_of(queued_app)
    complete_survey(queued_app, phone="+12025550179")
    if runtime.db.engine.dialect.name == "sqlite":
        # SQLite has one writer at a time: there is no row lock for a second drain to skip.
        assert drain(runtime) == 1
        return
    other = runtime.db.sessions()
    with other.begin():  # another worker, mid-batch, holds the row
        claimed = other.scalars(
            select(PendingNormalization.conversation_id).with_for_update(skip_locked=True)
        ).all()
        assert len(claimed) == 1
        assert drain(runtime) == 0  # skipped, not waited for
    other.close()
    assert pending(queued_app) == 1
    assert drain(runtime) == 1 and pending(queued_app) == 0


def test_failing_job_is_retried_then_failed_then_redriven(
    queued_app, database_url, tmp_path, monkeypatch
):
    complete_survey(queued_app)
    # The worker's services file lost the service: every attempt fails with a clear error.
    worker_forgets_passport(tmp_path, monkeypatch)
    run_worker(queued_app)
    queue = normalize_queue(runtime_of(queued_app))
    failed = FailedJobRegistry(queue=queue)
    (job_id,) = failed.get_job_ids()
    job = queue.fetch_job(job_id)
    assert job.retries_left == 0
    assert "which is not in the services file" in job.latest_result().exc_string
    assert records(queued_app) == [] and pending(queued_app) == 1
    monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(TEST_SERVICES))
    assert redrive(runtime_of(queued_app)) == 1
    run_worker(queued_app)
    assert len(records(queued_app)) == 1 and pending(queued_app) == 0
    assert failed.get_job_ids() == []


def test_redis_down_loses_nothing(queued_app, redis_server):
    complete_survey(queued_app, phone="+12025550150")
    redis_server.stop()
    try:
        for n in range(3):
            replies = complete_survey(queued_app, phone=f"+1202555016{n}")
            assert "What about this interaction" in replies[1]
    finally:
        redis_server.start()
    # This Redis keeps nothing on disk: the job queued before the outage died with it. The
    # outbox still holds all four responses.
    run_worker(queued_app)
    assert records(queued_app) == []
    assert pending(queued_app) == 4
    assert sweep(runtime_of(queued_app)) == 4
    run_worker(queued_app)
    assert len(records(queued_app)) == 4 and pending(queued_app) == 0


def test_sweep_cli_and_purge(sqlite_app):
    complete_survey(sqlite_app)
    runner = sqlite_app.test_cli_runner()
    assert "0 response(s) swept" in runner.invoke(args=["queue", "sweep"]).output
    result = runner.invoke(args=["purge", "--older-than", "0h"])
    assert "purged the raw text of 4 answer(s)" in result.output
    from feedbot.models import Answer

    with runtime_of(sqlite_app).db.transaction() as db:
        answers = {a.question_id: a for a in db.scalars(select(Answer))}
        assert all(a.raw_text is None for a in answers.values())
        assert answers["trust"].value == 5
        assert answers["anything_else"].value is None
    assert records(sqlite_app)[0]["question_4"] == "mail [EMAIL] thanks"
    bad = runner.invoke(args=["purge", "--older-than", "soon"])
    assert bad.exit_code != 0 and "not an age like 90d" in bad.output


def test_worker_command_sweeps_and_drains(queued_app, redis_server, caplog):
    caplog.set_level("INFO", logger="feedbot.sweeper")
    redis_server.stop()
    try:
        complete_survey(queued_app)
    finally:
        redis_server.start()
    result = queued_app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "1 waiting response(s) enqueued" in _logged(caplog, "enqueued")
    assert len(records(queued_app)) == 1


def test_a_burst_worker_that_cannot_reach_the_database_says_so_in_one_line(
    queued_app, monkeypatch, caplog
):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/unreachable")
    result = queued_app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cannot sweep the outbox (OperationalError): the burst worker stops" in _logged(
        caplog, "cannot sweep"
    )


def test_periodic_sweep_closes_idle_surveys(queued_app):
    from datetime import UTC, datetime, timedelta

    from feedbot.jobs import periodic_sweep
    from feedbot.models import Conversation

    texter = Texter(queued_app.test_client(), phone="+12025550170", to="+12025550100")
    texter.send("Hi")
    texter.send("4")
    with runtime_of(queued_app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        conversation.last_activity_at = datetime.now(UTC) - timedelta(days=2)
    assert periodic_sweep() == 1
    run_worker(queued_app)
    (record,) = records(queued_app)
    assert record["status"] == "partial" and record["question_1"] == 4


def test_normalizing_again_after_purge_keeps_the_scrubbed_text(sqlite_app):
    from feedbot.normalize import normalize_response

    complete_survey(sqlite_app)
    sqlite_app.test_cli_runner().invoke(args=["purge", "--older-than", "0h"])
    runtime = runtime_of(sqlite_app)
    with runtime.db.transaction() as db:
        conversation_id = db.scalars(select(ResponseRecord.conversation_id)).one()
        normalize_response(db, runtime.services, conversation_id)
    (record,) = records(sqlite_app)
    assert record["question_4"] == "mail [EMAIL] thanks"
    assert record["other_text"] == "Fast, call me at [PHONE]"


def test_one_sweep_per_interval(queued_app, redis_server):
    redis_server.stop()
    try:
        complete_survey(queued_app, phone="+12025550180")
    finally:
        redis_server.start()
    connection = Redis.from_url(redis_server.url)
    assert sweep_if_due(connection) == 1
    assert sweep_if_due(connection) is None
    run_worker(queued_app)
    assert len(records(queued_app)) == 1 and pending(queued_app) == 0


def test_redis_restarted_empty_is_swept_at_the_next_check(queued_app, redis_server):
    connection = Redis.from_url(redis_server.url)
    assert sweep_now(connection) == 0
    complete_survey(queued_app, phone="+12025550181")
    assert len(normalize_queue(runtime_of(queued_app))) == 1
    # Redis keeps nothing on disk: the queued job and the claim on the next sweep are gone.
    redis_server.stop()
    redis_server.start()
    assert len(normalize_queue(runtime_of(queued_app))) == 0
    assert sweep_if_due(connection) == 1
    run_worker(queued_app)
    assert len(records(queued_app)) == 1 and pending(queued_app) == 0


def test_the_sweeper_thread_re_enqueues_what_a_redis_restart_lost(queued_app, redis_server):
    connection = Redis.from_url(redis_server.url)
    sweep_now(connection)
    sweeper = Sweeper(connection, check_every=0.05)
    sweeper.start()
    try:
        complete_survey(queued_app, phone="+12025550182")
        redis_server.stop()
        redis_server.start()
        queue = normalize_queue(runtime_of(queued_app))
        deadline = time.monotonic() + 10
        while len(queue) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sweeper.stop()
    run_worker(queued_app)
    assert len(records(queued_app)) == 1 and pending(queued_app) == 0


def test_a_failed_sweep_leaves_the_next_check_free_to_try(queued_app, redis_server, monkeypatch):
    connection = Redis.from_url(redis_server.url)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/unreachable")
    with pytest.raises(OperationalError):
        sweep_if_due(connection)
    assert not connection.exists(CLAIM_KEY)


def test_the_sweeper_logs_an_outage_once_and_its_end(queued_app, redis_server, monkeypatch, caplog):
    import os

    caplog.set_level("INFO", logger="feedbot.sweeper")
    database_url = os.environ["DATABASE_URL"]
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/unreachable")
    sweeper = Sweeper(Redis.from_url(redis_server.url), check_every=0.02)
    sweeper.start()
    try:
        _wait_for(lambda: len(_logged(caplog, "not run")) == 2)
        time.sleep(0.5)  # more failed tries of each check, none of them logged
        down = _logged(caplog, "not run")
        monkeypatch.setenv("DATABASE_URL", database_url)
        _wait_for(lambda: len(_logged(caplog, "works again")) == 2)
    finally:
        sweeper.stop()
    assert down == [
        "periodic sweep not run (OperationalError); trying again every 0.02 s,"
        " logged again when it works",
        "overdue-drain check not run (OperationalError); trying again every 0.02 s,"
        " logged again when it works",
    ]
    again = dict(message.split(" works again after ") for message in _logged(caplog, "works again"))
    assert sorted(again) == ["overdue-drain check", "periodic sweep"]
    assert all(int(tries.split()[0]) >= 3 for tries in again.values())  # failed tries counted


def _logged(caplog, part: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if part in record.getMessage()]


def _wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_worker_carries_on_after_redis_cuts_it_off_mid_job(queued_app, redis_server):
    import os
    import subprocess
    import sys

    worker = subprocess.Popen(
        [sys.executable, "-m", "feedbot.cli", "worker"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        queue = normalize_queue(runtime_of(queued_app))
        queue.enqueue("tests.support.services.shut_down_redis", redis_server.url)
        deadline = time.monotonic() + 20
        while redis_server.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        # Down long enough for RQ's clean-up after it quits, and the next worker's start, to
        # fail too.
        time.sleep(4)
        redis_server.start()
        complete_survey(queued_app, phone="+12025550183")
        deadline = time.monotonic() + 30
        while not records(queued_app) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert worker.poll() is None, worker.stdout.read().decode()
        assert len(records(queued_app)) == 1 and pending(queued_app) == 0
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
    assert "starting it again" in output


def test_jobs_scheduled_after_a_redis_restart_run_on_time(queued_app, redis_server):
    """RQ's scheduler dies with a Redis restart; the worker starts it again within a minute
    (here, FEEDBOT_WORKER_MAINTENANCE_SECONDS=1, within seconds), not ten minutes."""
    import os
    import subprocess
    import sys
    from datetime import timedelta

    env = {**os.environ, "FEEDBOT_WORKER_MAINTENANCE_SECONDS": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "feedbot.cli", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    connection = Redis.from_url(redis_server.url)
    try:
        deadline = time.monotonic() + 20
        while not connection.keys("rq:scheduler-lock:*") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert connection.keys("rq:scheduler-lock:*"), "the worker's scheduler never started"
        redis_server.stop()
        time.sleep(1)
        redis_server.start()
        queue = normalize_queue(runtime_of(queued_app))
        queue.enqueue_in(
            timedelta(seconds=1), "tests.support.services.set_key", redis_server.url, "ran"
        )
        deadline = time.monotonic() + 20
        while connection.get("ran") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert connection.get("ran") == b"ran"
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.communicate(timeout=30)


def test_staff_are_told_of_responses_a_stopped_worker_has_not_normalized(queued_app):
    """No worker runs: the finished survey waits in the outbox. Every export and the dashboard
    say how many of the staff's services are missing, until a worker has normalized them."""
    from feedbot.fiscal import fiscal_quarter
    from feedbot.staff_auth import create_token

    complete_survey(queued_app)
    with runtime_of(queued_app).db.transaction() as db:
        token = create_token(db, "ana", ["passport"], ["export"])
        other = create_token(db, "ben", ["benefits"], ["export"])
    quarter = str(fiscal_quarter(datetime.now(UTC), "America/New_York"))
    client = queued_app.test_client()

    def exported(bearer=token):
        headers = {"Authorization": f"Bearer {bearer}"}
        responses = client.get("/api/exports/responses", headers=headers)
        quarterly = client.get(f"/api/exports/a11-quarterly?quarter={quarter}", headers=headers)
        waiting = {r.headers["Feedbot-Not-Yet-Normalized"] for r in (responses, quarterly)}
        return responses.get_data(as_text=True).count("\n") - 1, waiting

    def cli_warning():
        result = queued_app.test_cli_runner().invoke(
            args=["export", "responses", "-o", "/dev/null"]
        )
        assert result.exit_code == 0, result.output
        return [line for line in result.stderr.splitlines() if line.startswith("warning:")]

    def dashboard(minutes_later):
        later = make_app(
            runtime_of(queued_app).settings.database_url,
            redis_url=runtime_of(queued_app).settings.redis_url,
            fixed_now=datetime.now(UTC) + timedelta(minutes=minutes_later),
        )
        browser = later.test_client()
        page = browser.get("/staff").get_data(as_text=True)
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        browser.post("/staff/login", data={"token": token, "csrf": csrf})
        shown = browser.get("/staff").get_data(as_text=True)
        runtime_of(later).db.dispose()
        return 'id="not-yet-normalized"' in shown, shown

    assert exported() == (0, {"1"})
    assert exported(other) == (0, {"0"})  # the waiting response is not of their service
    (warning,) = cli_warning()
    assert "1 closed response(s) of these services are not yet normalized" in warning
    assert "is a feedbot worker running? `feedbot queue sweep` queues them again" in warning
    assert dashboard(minutes_later=0)[0] is False  # seconds old: a drain takes that long
    late, page = dashboard(minutes_later=2)
    assert late and "1 closed response(s) of this service are not yet normalized" in page

    run_worker(queued_app)
    assert exported() == (1, {"0"})
    assert cli_warning() == []
    assert dashboard(minutes_later=2)[0] is False


def test_queue_status_says_what_waits_and_when_a_person_is_needed(queued_app, redis_server):
    from rq import Worker

    def status(app=queued_app):
        result = app.test_cli_runner().invoke(args=["queue", "status"])
        return result.exit_code, result.stdout, result.stderr

    code, out, err = status()
    assert code == 1 and "responses waiting to be normalized: 0" in out and "workers: 0" in out
    assert "attention: no feedbot worker is running" in err
    queue = normalize_queue(runtime_of(queued_app))
    alive = Worker([queue], connection=queue.connection)
    alive.register_birth()  # as `feedbot worker` does when it starts
    try:
        assert status()[0] == 0
        complete_survey(queued_app)
        code, out, _ = status()
        assert code == 0 and "responses waiting to be normalized: 1 (oldest closed" in out
        assert "feedbot-normalize: 1 waiting, 0 scheduled, 0 failed" in out
        later = make_app(
            runtime_of(queued_app).settings.database_url,
            redis_url=redis_server.url,
            fixed_now=datetime.now(UTC) + timedelta(minutes=2),
        )
        code, _, err = status(later)
        runtime_of(later).db.dispose()
        assert code == 1 and "responses have waited over a minute to be normalized" in err
        redis_server.stop()
        try:
            code, out, err = status()
        finally:
            redis_server.start()
        assert code == 1 and "attention: Redis cannot be reached (ConnectionError)" in err
        assert "workers: unknown" in out and "no feedbot worker" not in err
    finally:
        alive.register_death()


def test_queue_status_counts_a_silent_registration_apart(queued_app):
    """RQ keeps a killed worker's registration until it expires (8 minutes for RQ's own
    workers): the status said `workers: 1` with no worker left, and exited 0. A registration
    whose heartbeat is a minute old is a worker gone without a word."""
    from rq import Worker
    from rq.utils import now, utcformat

    def status():
        result = queued_app.test_cli_runner().invoke(args=["queue", "status"])
        return result.exit_code, result.stdout, result.stderr

    queue = normalize_queue(runtime_of(queued_app))
    killed, alive = (Worker([queue], connection=queue.connection) for _ in range(2))
    killed.register_birth()
    queue.connection.hset(
        killed.key, "last_heartbeat", utcformat(now() - timedelta(minutes=1))
    )  # as RQ wrote it a minute ago, when this worker last beat
    alive.register_birth()
    try:
        code, out, err = status()
        assert (code, err) == (0, "")
        assert "workers: 1 (1 more registered, silent for over 15 s: stopped or killed)" in out
        alive.register_death()
        code, out, err = status()
        assert code == 1 and "workers: 0 (1 more registered, silent for over" in out
        assert "attention: no feedbot worker is running" in err
    finally:
        killed.register_death()


def test_a_response_of_a_service_gone_from_the_file_is_named_apart(
    queued_app, redis_server, tmp_path
):
    """No worker can normalize it, so it must not keep the exports' warning up; the status
    names it as what it is."""
    from rq import Worker

    from feedbot.staff_auth import create_token

    complete_survey(queued_app)
    app = make_app(
        runtime_of(queued_app).settings.database_url,
        redis_url=redis_server.url,
        services_file=services_without_passport(tmp_path),
    )
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "all", None, ["export"])
    with app.test_client().get(
        "/api/exports/responses", headers={"Authorization": f"Bearer {token}"}
    ) as exported:  # closed: an unread COPY stream would hold its transaction open
        assert exported.headers["Feedbot-Not-Yet-Normalized"] == "0"
    queue = normalize_queue(runtime_of(app))
    alive = Worker([queue], connection=queue.connection)
    alive.register_birth()
    try:
        status = app.test_cli_runner().invoke(args=["queue", "status"])
    finally:
        alive.register_death()
        runtime_of(app).db.dispose()
    assert status.exit_code == 1
    assert "responses waiting to be normalized: 0" in status.stdout
    assert status.stderr.splitlines() == [
        "attention: 1 response(s) of services no longer in the services file wait in the"
        " outbox: they are normalized once their service is back"
    ]


def test_queue_status_goes_on_when_the_database_is_down(queued_app):
    app = make_app(
        "postgresql+psycopg://postgres@127.0.0.1:1/test",
        redis_url=runtime_of(queued_app).settings.redis_url,
    )
    status = app.test_cli_runner().invoke(args=["queue", "status"])
    runtime_of(app).db.dispose()
    assert status.exit_code == 1 and "Traceback" not in status.output
    assert "attention: the database cannot be reached (OperationalError: " in status.stderr
    assert "port 1 failed: Connection refused" in status.stderr  # the driver's reason
    assert "feedbot-normalize: 0 waiting" in status.stdout  # Redis is still reported


def test_without_redis_one_bad_response_holds_back_only_itself(sqlite_app, caplog):
    """In-process normalization (no REDIS_URL) retries a failed batch one response at a time,
    as a drain does: the others are written and the bad one waits, named in the log."""
    caplog.set_level("ERROR", logger="feedbot.queue")
    for phone in ("+12025550171", "+12025550172", "+12025550173"):
        complete_survey(sqlite_app, phone=phone)
    first, bad, last = conversation_ids(sqlite_app)
    with runtime_of(sqlite_app).db.transaction() as db:  # back in the outbox, records gone
        db.execute(ResponseRecord.__table__.delete())
        db.add_all(
            PendingNormalization(conversation_id=c, created_at=datetime.now(UTC))
            for c in (first, bad, last)
        )
    store_answer_value(sqlite_app, bad, "positive", 3)
    assert sweep(runtime_of(sqlite_app)) == 3
    assert len(records(sqlite_app)) == 2
    with runtime_of(sqlite_app).db.transaction() as db:
        assert db.scalars(select(PendingNormalization.conversation_id)).all() == [bad]
    logged = [r.getMessage() for r in caplog.records if r.name == "feedbot.queue"]
    assert f"conversation {bad} could not be normalized: TypeError at feedbot/" in logged[0]
    assert "object is not iterable" not in " ".join(logged)


def test_a_drain_meeting_a_schema_behind_fails_no_response(redis_server, caplog):
    """A column missing after the outbox claim (the schema moved back under a running worker,
    here to before 0004's conversations.invitation_id) failed every response of the batch as
    a normalization error, so the job failed and spent its retries; the drain now stops as
    for an unreachable database, with the error the worker recognises to wait for the
    schema, and every response stays in the outbox."""
    from feedbot.db import missing_schema
    from feedbot.migrations import downgrade, upgrade
    from tests.support.services import fresh_postgres_database

    Redis.from_url(redis_server.url).flushdb()
    with fresh_postgres_database() as database_url:
        upgrade(database_url)
        app = make_app(database_url, redis_url=redis_server.url)
        complete_survey(app)
        runtime_of(app).db.dispose()
        downgrade(database_url, "0003_outbox")  # the outbox stays
        with pytest.raises(Exception) as stopped:
            drain(runtime_of(app))
        assert missing_schema(stopped.value), stopped.value
        assert _logged(caplog, "could not be normalized") == []
        upgrade(database_url)
        assert pending(app) == 1
        assert drain(runtime_of(app)) == 1 and pending(app) == 0
        runtime_of(app).db.dispose()


def test_a_worker_s_command_channel_reader_ends_with_it(redis_server):
    """RQ's worker reads its command channel in a thread, and stopping unsubscribed before it
    told the thread to stop: a thread that had read the unsubscribe's reply went back to a
    read of up to 60 s, holding its Redis connection, and RQ's join gave up after 1 s (a
    second more at about every other stop, a burst's end among them)."""
    from rq import Queue

    connection = Redis.from_url(redis_server.url)
    queue = Queue("command-channel", connection=connection)
    for _ in range(8):
        queue.enqueue("time.sleep", 0)
        worker = PromptSimpleWorker([queue], connection=connection)
        worker.work(burst=True)
        assert not worker.pubsub_thread.is_alive()
