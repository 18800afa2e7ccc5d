"""Invitations: sent through Twilio's REST API (a local stand-in) by RQ jobs, never to the
wrong person or at the wrong time."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from redis import Redis
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from feedbot.invitation_queue import invitations_queue
from feedbot.invitations import deliver
from feedbot.models import Conversation, Invitation, ResponseRecord
from feedbot.queue import redrive
from feedbot.staff_auth import create_token
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of
from tests.support.fake_twilio import fake_twilio
from tests.support.texting import TEST_AUTH_TOKEN, Texter, sign

PHONE = "+12025550143"
# Today's noon in Washington: inside quiet hours' window, on today's date (and quarter).
NOON = datetime.now(ZoneInfo("America/New_York")).replace(
    hour=12, minute=0, second=0, microsecond=0
)


@pytest.fixture
def twilio():
    with fake_twilio() as fake:
        yield fake


@pytest.fixture
def inviting(database_url, redis_server, twilio, monkeypatch):
    """An app and its worker environment on real Redis, with Twilio on loopback."""
    Redis.from_url(redis_server.url).flushdb()
    env = {
        "DATABASE_URL": database_url,
        "FEEDBOT_SERVICES_FILE": str(TEST_SERVICES),
        "REDIS_URL": redis_server.url,
        "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "TWILIO_API_BASE": twilio.url,
        "FEEDBOT_TWILIO_RETRY_INTERVALS": "0,0",
        "FEEDBOT_NORMALIZE_RETRY_INTERVALS": "0",
        "FEEDBOT_FIXED_NOW": NOON.isoformat(),
        # Drains at once, for burst workers without RQ's scheduler (see test_queue.py).
        "FEEDBOT_NORMALIZE_DELAY_SECONDS": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = make_app(
        database_url,
        redis_url=redis_server.url,
        twilio_api_base=twilio.url,
        twilio_retry_intervals=(0, 0),
        fixed_now=NOON,
        normalize_delay_seconds=0,
    )
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "caseworker-system", None, ["invite"])
    yield app, token
    runtime_of(app).db.dispose()


def invite(app, token, **body):
    payload = {"service": "passport", "phone": PHONE, **body}
    return app.test_client().post(
        "/api/invitations", json=payload, headers={"Authorization": f"Bearer {token}"}
    )


def work(app):
    queue = invitations_queue(runtime_of(app))
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def invitations(app):
    with runtime_of(app).db.transaction() as db:
        return list(db.scalars(select(Invitation).order_by(Invitation.id)))


def test_invitation_is_sent_by_a_job_and_the_reply_continues_the_survey(inviting, twilio):
    app, token = inviting
    response = invite(
        app, token, transaction_id="PP-1", language="en", send_at="2026-01-01T12:00:00+00:00"
    )
    assert response.status_code == 201 and response.json["status"] == "scheduled"
    assert twilio.requests == []  # not in the request
    work(app)
    (message,) = twilio.messages
    assert message["To"] == PHONE and message["From"] == "+12025550100"
    assert "This interaction increased my trust in U.S. Passport Office." in message["Body"]
    assert message["_path"].endswith("/Messages.json")
    (invitation,) = invitations(app)
    assert invitation.status == "sent" and invitation.phone is None  # no reminder: dropped
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    assert "What about this interaction" in texter.send("5")
    texter.send("SKIP")
    texter.send("Thanks")
    from feedbot.queue import normalize_queue

    queue = normalize_queue(runtime_of(app))
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        record = db.scalars(select(ResponseRecord)).one()
    assert conversation.invitation_id == invitation.id == record.invitation_id
    assert conversation.status == "complete"


def test_messaging_service_sid_is_used_when_the_service_has_one(inviting, twilio):
    app, token = inviting
    invite(app, token, service="benefits")
    work(app)
    (message,) = twilio.messages
    assert message["MessagingServiceSid"] == "MG0123456789abcdef0123456789abcdef"
    assert "From" not in message
    assert "Esta interacci" in message["Body"]  # the service's default language


def test_opted_out_number_is_suppressed_and_never_messaged(inviting, twilio):
    app, token = inviting
    Texter(app.test_client(), phone=PHONE, to="+12025550100").send("STOP")
    response = invite(app, token)
    assert response.status_code == 200
    assert (response.json["status"], response.json["reason"]) == ("suppressed", "opted out")
    work(app)
    assert twilio.requests == []


def test_quiet_hours_defer_to_the_next_allowed_time(inviting, twilio):
    app, token = inviting
    invite(app, token)
    (invitation,) = invitations(app)
    eastern = ZoneInfo("America/New_York")  # a 202 number's own time zone
    late = datetime(2026, 11, 24, 22, 30, tzinfo=eastern)
    delivery = deliver(runtime_of(app), invitation.id, late.astimezone(UTC))
    assert delivery.status == "deferred"
    assert delivery.retry_at == datetime(2026, 11, 25, 8, 0, tzinfo=eastern)
    early = datetime(2026, 11, 25, 6, 0, tzinfo=eastern)
    assert deliver(runtime_of(app), invitation.id, early).retry_at == delivery.retry_at
    assert twilio.requests == []
    from feedbot.invitation_queue import schedule_send

    schedule_send(runtime_of(app), invitation.id, datetime(2099, 1, 1, tzinfo=UTC))
    assert ScheduledJobRegistry(queue=invitations_queue(runtime_of(app))).get_job_ids()
    noon = datetime(2026, 11, 25, 12, 0, tzinfo=eastern)
    assert deliver(runtime_of(app), invitation.id, noon).status == "sent"
    assert len(twilio.messages) == 1


def test_one_invitation_per_transaction_and_per_window(inviting, twilio):
    app, token = inviting
    first = invite(app, token, transaction_id="T-9")
    again = invite(app, token, transaction_id="T-9")
    assert again.json["id"] == first.json["id"]
    assert again.json["reason"] == "duplicate transaction_id"
    other = invite(app, token, transaction_id="T-10")
    assert (other.json["status"], other.json["reason"]) == (
        "suppressed",
        "invited within the window",
    )
    work(app)
    assert len(twilio.messages) == 1
    assert invite(app, token, transaction_id="T-10").json["reason"] == "duplicate transaction_id"
    # The repeated requests changed neither stored invitation.
    assert [(i.status, i.reason) for i in invitations(app)] == [
        ("sent", None),
        ("suppressed", "invited within the window"),
    ]


@pytest.mark.parametrize("status", [429, 500])
def test_twilio_busy_or_failing_is_retried(inviting, twilio, status):
    app, token = inviting
    twilio.failures = [status]
    invite(app, token)
    work(app)
    assert [r["_status"] for r in twilio.requests] == [str(status), "201"]
    assert invitations(app)[0].status == "sent"


def test_permanent_refusal_is_not_retried(inviting, twilio):
    app, token = inviting
    twilio.failures = [400]
    invite(app, token)
    work(app)
    assert len(twilio.requests) == 1
    (invitation,) = invitations(app)
    assert invitation.status == "failed" and invitation.phone is None
    with runtime_of(app).db.transaction() as db:
        assert db.scalars(select(Conversation)).all() == []


def status_callback(app, **params):
    url = "http://localhost/twilio/status"
    return app.test_client().post(
        "/twilio/status", data=params, headers={"X-Twilio-Signature": sign(url, params)}
    )


def test_status_callbacks_change_state(inviting, twilio):
    app, token = inviting
    invite(app, token, service="benefits")
    work(app)
    sid = invitations(app)[0].message_sid
    assert status_callback(app, MessageSid=sid, MessageStatus="delivered").status_code == 204
    assert invitations(app)[0].status == "delivered"
    status_callback(app, MessageSid=sid, MessageStatus="undelivered", ErrorCode="30003")
    invitation = invitations(app)[0]
    assert (invitation.status, invitation.error_code, invitation.phone) == (
        "undelivered",
        30003,
        None,
    )
    assert status_callback(app, MessageSid="SMunknown", MessageStatus="sent").status_code == 404
    unsigned = app.test_client().post("/twilio/status", data={"MessageSid": sid})
    assert unsigned.status_code == 403


def test_reminder_once_then_number_dropped_and_never_after_stop(inviting, twilio):
    from feedbot.invitations import remind

    app, token = inviting
    invite(app, token, service="benefits")
    invite(app, token, service="benefits", phone="+12025550144")
    work(app)
    first, second = invitations(app)
    assert first.phone == PHONE and first.reminder_due_at is not None
    Texter(app.test_client(), phone="+12025550144", to="+12025550101").send("STOP")
    now = NOON + timedelta(days=1)  # inside quiet hours' window
    assert remind(runtime_of(app), first.id, now).status == "sent"
    assert remind(runtime_of(app), first.id, now).status == "skipped"
    assert remind(runtime_of(app), second.id, now).status == "skipped"
    reminders = [m for m in twilio.messages if m["Body"].startswith("Recordatorio")]
    assert len(reminders) == 1 and reminders[0]["To"] == PHONE
    assert all(invitation.phone is None for invitation in invitations(app))


def test_batch_sends_valid_rows_and_reports_invalid_ones(inviting, twilio):
    app, token = inviting
    rows = [
        {"service": "passport", "phone": "+12025550171"},
        {"service": "passport", "phone": "not a number"},
        {"service": "passport", "phone": "202-555-0172", "language": "es"},
        {"service": "passport", "phone": "+12025550173", "language": "xx"},
    ]
    response = app.test_client().post(
        "/api/invitations/batch",
        json={"invitations": rows},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert [e["row"] for e in response.json["errors"]] == [2, 4]
    assert "phone" in response.json["errors"][0]["error"]
    assert [a["row"] for a in response.json["accepted"]] == [1, 3]
    work(app)
    assert sorted(m["To"] for m in twilio.messages) == ["+12025550171", "+12025550172"]


def test_invitations_need_the_invite_scope(inviting):
    app, _ = inviting
    with runtime_of(app).db.transaction() as db:
        exporter = create_token(db, "analyst", None, ["export"])
    assert invite(app, exporter).status_code == 403
    assert invite(app, "fbt_nope").status_code == 401


def test_invite_cli_reads_a_csv(inviting, twilio, tmp_path):
    app, _ = inviting
    path = tmp_path / "people.csv"
    path.write_text(
        "phone,language,transaction_id\n+12025550181,en,A1\n12345,en,A2\n(202) 555-0182,es,A3\n"
    )
    result = app.test_cli_runner().invoke(
        args=["invite", "--csv", str(path), "--service", "passport"]
    )
    assert result.exit_code == 1
    assert "2 invitation(s) accepted, 1 row(s) refused" in result.output
    assert "row 2: phone" in result.output
    work(app)
    assert sorted(m["To"] for m in twilio.messages) == ["+12025550181", "+12025550182"]


def test_quarterly_offered_volume_comes_from_invitations(inviting, twilio):
    app, token = inviting
    invite(app, token)
    work(app)
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    for body in ("4", "1", "Fine"):
        texter.send(body)
    from feedbot.queue import normalize_queue

    queue = normalize_queue(runtime_of(app))
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    with runtime_of(app).db.transaction() as db:
        exporter = create_token(db, "analyst", None, ["export"])
    from feedbot.fiscal import fiscal_quarter

    # The invitation went out at NOON and the survey was answered just now: same quarter.
    quarter = fiscal_quarter(NOON, "America/New_York")
    assert quarter == fiscal_quarter(datetime.now(UTC), "America/New_York")
    response = app.test_client().get(
        "/api/exports/a11-quarterly",
        query_string={"quarter": str(quarter), "format": "json"},
        headers={"Authorization": f"Bearer {exporter}"},
    )
    (row,) = response.json
    assert row["volume_of_customers_provided_survey_opportunity"] == 1
    assert row["volume_of_respondents"] == 1


def test_per_service_rate_limit_defers_the_excess(inviting, twilio, tmp_path):
    import yaml

    app, _ = inviting
    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"][0]["invitations"] = {"rate_per_minute": 2}
    services = tmp_path / "services.yaml"
    services.write_text(yaml.safe_dump(document))
    limited = make_app(
        runtime_of(app).settings.database_url,
        services_file=services,
        redis_url=runtime_of(app).settings.redis_url,
        twilio_api_base=twilio.url,
    )
    with runtime_of(limited).db.transaction() as db:
        ids = [create_invitation_row(db, limited, f"+1202555019{n}").id for n in range(3)]
    results = [deliver(runtime_of(limited), invitation_id, NOON) for invitation_id in ids]
    assert [r.status for r in results] == ["sent", "sent", "deferred"]
    assert results[2].retry_at == NOON + timedelta(seconds=60)
    assert len(twilio.messages) == 2
    runtime_of(limited).db.dispose()


def create_invitation_row(db, app, phone):
    from feedbot.invitations import create_invitation, parse_request

    service = runtime_of(app).services.get("passport")
    request = parse_request(service, {"phone": phone})
    invitation, _new = create_invitation(db, request, TEST_SECRET_KEY, NOON)
    return invitation


def test_late_callbacks_do_not_move_status_backwards_and_21610_opts_out(inviting, twilio):
    from feedbot.models import OptOut

    app, token = inviting
    invite(app, token)
    work(app)
    sid = invitations(app)[0].message_sid
    status_callback(app, MessageSid=sid, MessageStatus="delivered")
    status_callback(app, MessageSid=sid, MessageStatus="sent")
    assert invitations(app)[0].status == "delivered"
    invite(app, token, phone="+12025550145")
    work(app)
    other = invitations(app)[1].message_sid
    status_callback(app, MessageSid=other, MessageStatus="failed", ErrorCode="21610")
    key = invitations(app)[1].sender_key
    with runtime_of(app).db.transaction() as db:
        assert db.scalar(select(OptOut.sender_key)) == key
    again = invite(app, token, phone="+12025550145", transaction_id="again")
    assert again.json["reason"] == "opted out"


def test_twilio_taking_the_message_but_answering_too_late_is_not_sent_twice(
    inviting, twilio, monkeypatch
):
    app, token = inviting
    monkeypatch.setenv("FEEDBOT_TWILIO_TIMEOUT", "0.3")
    twilio.delay_seconds = 1.0
    invite(app, token)
    work(app)
    assert len(twilio.requests) == 1  # one text reached Twilio, and no retry followed it
    (invitation,) = invitations(app)
    assert invitation.status == "failed" and invitation.reason.startswith("no answer from Twilio")


def test_twilio_unreachable_is_retried_then_redriven(inviting, twilio, monkeypatch):
    app, token = inviting
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("TWILIO_API_BASE", closed)
    invite(app, token)
    work(app)
    (invitation,) = invitations(app)
    assert invitation.status == "scheduled"  # nothing was sent; not marked failed
    failed = invitations_queue(runtime_of(app)).failed_job_registry
    assert failed.count == 1 and twilio.requests == []
    monkeypatch.setenv("TWILIO_API_BASE", twilio.url)  # Twilio answers again
    assert redrive(runtime_of(app)) == 1
    work(app)
    assert invitations(app)[0].status == "sent" and len(twilio.messages) == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("transaction_id", "PP\x00-1", "transaction_id must be printable text"),
        ("send_at", "9999-12-31T23:59:59-14:00", "send_at is out of range"),
        ("send_at", "0001-01-01T00:00:00+14:00", "send_at is out of range"),
    ],
)
def test_invitation_no_database_can_store_is_a_422_naming_it(app, field, value, error):
    """These used to be a 500: a NUL on PostgreSQL, a date-time past UTC's range anywhere."""
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "inviter", None, ["invite"])
    response = invite(app, token, **{field: value})
    assert response.status_code == 422
    assert response.json == {"row": 1, "error": error}
    assert invitations(app) == []


def test_invitation_json_nested_too_deeply_is_a_400(app):
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "inviter", None, ["invite"])
    response = app.test_client().post(
        "/api/invitations",
        data="{" + '"a":[' * 50_000,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400 and response.json["error"] == "send a JSON object"


def test_invitation_jobs_redis_lost_are_queued_again_once(
    inviting, twilio, redis_server, database_url
):
    from feedbot.invitation_queue import sweep_invitations
    from feedbot.jobs import periodic_sweep

    app, token = inviting
    runtime = runtime_of(app)
    invite(app, token, service="benefits")
    assert sweep_invitations(runtime) == 0  # queued with its mark
    redis_server.stop()  # Redis keeps nothing on disk: the job is gone with the restart
    redis_server.start()
    assert len(invitations_queue(runtime)) == 0
    periodic_sweep()  # the worker's sweeper runs this every few minutes
    assert len(invitations_queue(runtime)) == 1
    assert sweep_invitations(runtime) == 0  # not twice
    work(app)
    assert len(twilio.messages) == 1
    (invitation,) = invitations(app)
    assert invitation.status == "sent" and invitation.reminder_due_at is not None
    # The reminder waits in RQ's schedule for tomorrow, and a restart loses it too.
    assert ScheduledJobRegistry(queue=invitations_queue(runtime)).get_job_ids()
    redis_server.stop()
    redis_server.start()
    assert sweep_invitations(runtime) == 0  # not due yet
    tomorrow = make_app(
        database_url,
        redis_url=redis_server.url,
        twilio_api_base=twilio.url,
        fixed_now=invitation.reminder_due_at + timedelta(minutes=1),
    )
    try:
        assert sweep_invitations(runtime_of(tomorrow)) == 1
        assert sweep_invitations(runtime_of(tomorrow)) == 0
        work(app)
        assert sweep_invitations(runtime_of(tomorrow)) == 0  # reminded: nothing owed
    finally:
        runtime_of(tomorrow).db.dispose()
    _invitation, reminder = twilio.messages
    assert reminder["Body"].startswith("Recordatorio") and reminder["To"] == PHONE
    assert invitations(app)[0].phone is None


def test_invitation_made_while_redis_is_down_is_sent_after_a_sweep(inviting, twilio, redis_server):
    app, token = inviting
    redis_server.stop()
    try:
        response = invite(app, token, transaction_id="PP-during-outage")
    finally:
        redis_server.start()
    assert response.status_code == 201 and response.json["status"] == "scheduled"
    assert len(invitations_queue(runtime_of(app))) == 0
    result = app.test_cli_runner().invoke(args=["queue", "sweep"])
    assert "1 invitation job(s) queued again" in result.output
    work(app)
    (message,) = twilio.messages
    assert message["To"] == PHONE and invitations(app)[0].status == "sent"


def test_reminder_waits_for_the_end_of_quiet_hours(inviting, twilio, monkeypatch):
    from feedbot.invitation_queue import schedule_reminder

    app, token = inviting
    invite(app, token, service="benefits")
    work(app)
    (invitation,) = invitations(app)
    eastern = ZoneInfo("America/New_York")  # a 202 number's own time zone
    night = datetime(2026, 11, 24, 23, 0, tzinfo=eastern)
    schedule_reminder(runtime_of(app), invitation.id, NOON)  # due: queued now
    monkeypatch.setenv("FEEDBOT_FIXED_NOW", night.isoformat())  # the worker's clock
    work(app)
    assert len(twilio.messages) == 1  # the invitation only
    queue = invitations_queue(runtime_of(app))
    scheduled = ScheduledJobRegistry(queue=queue)
    reminders = {
        scheduled.get_scheduled_time(job.id)
        for job in map(queue.fetch_job, scheduled.get_job_ids())
        if job.func_name == "feedbot.jobs.remind_invitation" and job.args == (invitation.id,)
    }
    # The one queued when the invitation went out, and the one the night's job put back.
    assert reminders == {invitation.reminder_due_at, datetime(2026, 11, 25, 8, 0, tzinfo=eastern)}
    assert invitations(app)[0].phone == PHONE  # kept until the reminder goes
