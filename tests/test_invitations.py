"""Invitations: sent through Twilio's REST API (a local stand-in) by RQ jobs, never to the
wrong person or at the wrong time."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from redis import Redis
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from feedbot.invitation_queue import invitations_queue
from feedbot.invitations import SENDING_LAPSE, deliver
from feedbot.models import Conversation, Invitation, ResponseRecord
from feedbot.queue import redrive
from feedbot.segments import measure_sms
from feedbot.staff_auth import create_token
from feedbot.worker import PromptSimpleWorker
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of
from tests.support.fake_twilio import fake_twilio
from tests.support.texting import TEST_AUTH_TOKEN, Texter, new_message_sid, sign
from tests.test_key_rotation import NEW_KEY, rotated

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
def inviting(database_url, redis_server, twilio, monkeypatch, unhurried_services):
    """An app and its worker environment on real Redis, with Twilio on loopback."""
    Redis.from_url(redis_server.url).flushdb()
    services = unhurried_services
    env = {
        "DATABASE_URL": database_url,
        "FEEDBOT_SERVICES_FILE": str(services),
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
    app = make_app(database_url, **inviting_settings(redis_server.url, twilio.url, services))
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "caseworker-system", None, ["invite"])
    yield app, token
    runtime_of(app).db.dispose()


@pytest.fixture(scope="session")
def unhurried_services(tmp_path_factory):
    """The test services, each sending up to 1,000 texts a second. A test's clock stands
    still, so every text of it goes at one instant, while a rate lets only a second's worth
    go together (tests of the rate set their own: rate_limited). One file for the session:
    a worker's runtime is kept per settings, and so per services file."""
    import yaml

    document = yaml.safe_load(TEST_SERVICES.read_text())
    for service in document["services"]:
        if service.get("sms_numbers"):
            service["invitations"] = {**service.get("invitations", {}), "rate_per_minute": 60_000}
    path = tmp_path_factory.mktemp("services") / "unhurried-services.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def inviting_without_redis(database_url, twilio):
    """An app without REDIS_URL (development: invitations go out inside the API request),
    Twilio on loopback, and an inviting token for it."""
    app = make_app(database_url, twilio_api_base=twilio.url, fixed_now=NOON)
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "caseworker-system", None, ["invite"])
    return app, token


def inviting_settings(redis_url, twilio_url, services_file):
    """The settings of `inviting`'s app (its worker reads the same from the environment)."""
    return {
        "services_file": services_file,
        "redis_url": redis_url,
        "twilio_api_base": twilio_url,
        "twilio_retry_intervals": (0, 0),
        "fixed_now": NOON,
        "normalize_delay_seconds": 0,
    }


def invite(app, token, **body):
    payload = {"service": "passport", "phone": PHONE, **body}
    return app.test_client().post(
        "/api/invitations", json=payload, headers={"Authorization": f"Bearer {token}"}
    )


def work(app):
    queue = invitations_queue(runtime_of(app))
    PromptSimpleWorker([queue], connection=queue.connection).work(burst=True)


def invitations(app):
    with runtime_of(app).db.transaction() as db:
        return list(db.scalars(select(Invitation).order_by(Invitation.id)))


def kept_for_a_redrive(app):
    """The one invitation Twilio never received: scheduled, its number kept, and its job (the
    try and both retries failed alike) in RQ's failed registry."""
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.phone) == ("scheduled", PHONE)
    assert invitations_queue(runtime_of(app)).failed_job_registry.count == 1


def sent_once_redriven(app, twilio):
    """Once what stopped it is fixed, a redrive sends the invitation, once."""
    assert redrive(runtime_of(app)) == 1
    work(app)
    assert invitations(app)[0].status == "sent" and len(twilio.messages) == 1


def test_invitation_is_sent_by_a_job_and_the_reply_continues_the_survey(inviting, twilio):
    app, token = inviting
    response = invite(
        app,
        token,
        transaction_id="PP-1",
        language="en",
        send_at=(NOON - timedelta(hours=1)).isoformat(),  # due already: sent at once
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
    PromptSimpleWorker([queue], connection=queue.connection).work(burst=True)
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
    # After the invitation's send_at (NOON), which it is never sent before.
    today, tomorrow = NOON.date(), NOON.date() + timedelta(days=1)
    late = datetime.combine(today, time(22, 30), eastern)
    delivery = deliver(runtime_of(app), invitation.id, late.astimezone(UTC))
    assert delivery.status == "deferred"
    assert delivery.retry_at == datetime.combine(tomorrow, time(8, 0), eastern)
    early = datetime.combine(tomorrow, time(6, 0), eastern)
    assert deliver(runtime_of(app), invitation.id, early).retry_at == delivery.retry_at
    assert twilio.requests == []
    from feedbot.invitation_queue import schedule_send

    schedule_send(runtime_of(app), invitation.id, datetime(2099, 1, 1, tzinfo=UTC))
    assert ScheduledJobRegistry(queue=invitations_queue(runtime_of(app))).get_job_ids()
    noon = datetime.combine(tomorrow, time(12, 0), eastern)
    assert deliver(runtime_of(app), invitation.id, noon).status == "sent"
    assert len(twilio.messages) == 1


@pytest.mark.parametrize(
    ("utc_time", "allowed"),
    [
        # 01:24 in New York (the service's zone): 20:24 in Anchorage, 19:24 in Adak. Sent
        # at 08:00 New York time, it reached Anchorage at 04:00.
        ((6, 24), (18, 0)),  # 08:00 in Adak, 09:00 in Anchorage
        ((6, 30), (18, 0)),  # Anchorage closed at 21:00 (06:00 UTC), Adak still open
        ((17, 30), (18, 0)),  # Anchorage open (08:30), Adak not yet (07:30)
        ((20, 0), (20, 0)),  # open in both
    ],
)
def test_a_number_whose_area_code_spans_time_zones_is_texted_only_when_all_allow(
    sqlite_app, utc_time, allowed
):
    from feedbot.invitations import next_allowed_time

    service = runtime_of(sqlite_app).services.get("passport")  # New York, 08:00-21:00
    day = datetime(2026, 11, 27, tzinfo=UTC)
    moment = day.replace(hour=utc_time[0], minute=utc_time[1])
    alaska = "+19073005006"  # America/Anchorage or America/Adak
    assert next_allowed_time(alaska, service, moment) == day.replace(hour=allowed[0])


def test_a_toll_free_number_is_texted_in_the_hours_every_zone_it_may_be_in_allows(sqlite_app):
    """It may be anywhere from Guam to Newfoundland: 08:00-21:00 everywhere is 17:00-19:30 in
    New York; with a window those zones never share, the service's own zone decides."""
    import dataclasses

    from feedbot.invitations import next_allowed_time

    service = runtime_of(sqlite_app).services.get("passport")
    eastern = ZoneInfo("America/New_York")
    morning = datetime(2026, 11, 27, 9, 30, tzinfo=eastern)
    evening = datetime(2026, 11, 27, 17, 0, tzinfo=eastern)  # 08:00 in Guam
    assert next_allowed_time("+18005550100", service, morning) == evening
    assert next_allowed_time("+18005550100", service, evening) == evening
    office_hours = dataclasses.replace(service, invitations={"quiet_hours": ["09:00", "17:00"]})
    assert next_allowed_time("+18005550100", office_hours, morning) == morning


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


@pytest.mark.parametrize("status", [429, 500, (400, 21730)])
def test_twilio_busy_or_failing_is_retried(inviting, twilio, status):
    """21730: Twilio's "system under maintenance, try again later"."""
    app, token = inviting
    twilio.failures = [status]
    status = status[0] if isinstance(status, tuple) else status
    invite(app, token)
    work(app)
    assert [r["_status"] for r in twilio.requests] == [str(status), "201"]
    assert invitations(app)[0].status == "sent"
    with runtime_of(app).db.transaction() as db:  # the refused try left no survey behind
        (conversation,) = db.scalars(select(Conversation)).all()
    assert conversation.invitation_id == invitations(app)[0].id


def test_a_retry_is_one_warning_and_only_giving_up_an_error(inviting, twilio, caplog):
    """Each of Twilio's routine 429s and 500s was an ERROR with a traceback (RQ's), though
    the text went out seconds later: an alert on ERROR lines fired on throttling."""
    app, token = inviting
    twilio.failures = [429]
    invite(app, token)
    work(app)
    assert len(twilio.messages) == 1
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert (warning.levelname, warning.exc_info) == ("WARNING", None)
    assert warning.getMessage() == (
        "invitation 1: Twilio did not take the message (HTTP 429, 20429);"
        " trying again in 0 s (retry 1 of 2)"
    )
    caplog.clear()
    twilio.failures = [500] * 3  # the try and both retries: it gives up
    invite(app, token, phone="+12025550144")
    work(app)
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING] == [
        "WARNING",
        "WARNING",
        "ERROR",
    ]
    assert invitations_queue(runtime_of(app)).failed_job_registry.count == 1


def test_a_retry_count_outlives_retries_a_day_apart(inviting, twilio):
    """Counted for a day only, the tries of retries a day apart were forgotten between
    them, and retried without end."""
    app, token = inviting
    settings = runtime_of(app).settings
    daily = make_app(
        settings.database_url,
        services_file=settings.services_file,
        redis_url=settings.redis_url,
        twilio_api_base=settings.twilio_api_base,
        twilio_retry_intervals=(86400, 86400, 86400),
    )
    twilio.failures = [500]
    invite(app, token)
    (invitation,) = invitations(app)
    assert deliver(runtime_of(daily), invitation.id, NOON).retry_at == NOON + timedelta(days=1)
    count = f"feedbot:invitation-retries:send:{invitation.id}"
    assert Redis.from_url(settings.redis_url).ttl(count) > timedelta(days=3).total_seconds()
    runtime_of(daily).db.dispose()


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


def test_a_delivery_report_made_before_the_sid_is_saved_is_applied_once_it_is(
    inviting, twilio, monkeypatch
):
    """Twilio called back "undelivered" while feedbot still waited for its answer to the send:
    the report was answered 404 and lost, and the person reminded and counted as offered."""
    import threading
    import time as clock
    import types

    import tests.support.fake_twilio as fake_module

    app, token = inviting
    sid = "SM" + "ab" * 16
    monkeypatch.setattr(fake_module, "secrets", types.SimpleNamespace(token_hex=lambda n: "ab" * n))
    invite(app, token, service="benefits")  # reminds those who do not answer
    (invitation,) = invitations(app)
    twilio.delay_seconds = 1.0
    sending = threading.Thread(target=deliver, args=(runtime_of(app), invitation.id, NOON))
    sending.start()
    deadline = clock.monotonic() + 10
    while not twilio.messages and clock.monotonic() < deadline:
        clock.sleep(0.01)  # until Twilio has the message, feedbot not yet its answer
    report = status_callback(app, MessageSid=sid, MessageStatus="undelivered", ErrorCode="30003")
    sending.join()
    assert report.status_code == 204
    invitation = invitations(app)[0]
    assert (invitation.message_sid, invitation.status, invitation.error_code) == (
        sid,
        "undelivered",
        30003,
    )
    assert (invitation.phone, invitation.reminder_due_at) == (None, None)  # no reminder
    # Nothing is in flight now: a report on a message feedbot never sent is refused.
    other = status_callback(app, MessageSid="SM" + "cd" * 16, MessageStatus="delivered")
    assert other.status_code == 404


def test_staff_see_how_many_invitations_came_to_what(inviting, twilio):
    """Staff had only `feedbot queue status`, which counts RQ's jobs ("1996 scheduled" when 400
    had been sent, "0 failed" with 160 failed): no count of invitations anywhere."""
    import schemathesis

    from tests.test_openapi import conform

    app, token = inviting
    Texter(app.test_client(), phone="+12025550146", to="+12025550101").send("STOP")
    for phone in (PHONE, "+12025550144", "+12025550145", "+12025550146"):
        invite(app, token, service="benefits", phone=phone)
    invite(app, token, send_at=(NOON + timedelta(days=1)).isoformat())  # passport, tomorrow
    work(app)
    first, second = invitations(app)[:2]
    status_callback(app, MessageSid=first.message_sid, MessageStatus="delivered")
    status_callback(app, MessageSid=second.message_sid, MessageStatus="failed", ErrorCode="30005")
    cli = app.test_cli_runner()
    status = cli.invoke(args=["invitations", "status"])
    assert status.exit_code == 0, status.output
    assert status.output.splitlines() == [
        "benefits: 1 sent, 1 delivered, 1 failed, 1 suppressed; reminders: 0 sent, 2 owed",
        "passport: 1 scheduled; reminders: 0 sent, 0 owed",
    ]
    assert cli.invoke(args=["invitations", "status", "--service", "thumbs"]).output == (
        "thumbs: no invitations\n"
    )
    queue = cli.invoke(args=["queue", "status"]).output
    assert (
        # Tomorrow's send and three reminders' jobs, one of which will find nothing to do.
        "feedbot-invitations: 0 waiting, 4 scheduled, 0 failed job(s) (each send, retry or"
        " reminder is one; invitations by status: feedbot invitations status)"
    ) in queue
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    bearer = {"Authorization": f"Bearer {token}"}
    answer = conform(
        schema, "/api/invitations", "GET", query={"service": "benefits"}, headers=bearer
    )
    (benefits,) = answer["services"]
    assert {k: n for k, n in benefits["statuses"].items() if n} == {
        "sent": 1,
        "delivered": 1,
        "failed": 1,
        "suppressed": 1,
    }
    assert benefits["reminders"] == {"sent": 0, "owed": 2}
    everything = conform(schema, "/api/invitations", "GET", headers=bearer)["services"]
    assert [s["service"] for s in everything] == ["benefits", "passport"]
    none = conform(schema, "/api/invitations", "GET", query={"service": "thumbs"}, headers=bearer)
    assert none["services"] == [
        {
            "service": "thumbs",
            "statuses": dict.fromkeys(benefits["statuses"], 0),
            "reminders": {"sent": 0, "owed": 0},
        }
    ]
    unknown = conform(schema, "/api/invitations", "GET", query={"service": "x"}, headers=bearer)
    assert unknown == {"error": "service 'x' does not exist"}


def test_reminders_owed_leave_out_those_who_answered_or_opted_out(inviting, twilio):
    """`invitations status` said "4 owed" where 2 reminders were ever sent: it counted every
    invitation whose reminder had not run yet, those who had answered or said STOP since
    included. Only the silent are owed one, as the reminder itself decides."""
    from feedbot.invitations import remind

    app, token = inviting
    answered, stopped, unreadable, silent = (f"+1202555014{n}" for n in (3, 4, 5, 6))
    for phone in (answered, stopped, unreadable, silent):
        invite(app, token, service="benefits", phone=phone)
    work(app)
    Texter(app.test_client(), phone=answered, to="+12025550101").send("5")
    Texter(app.test_client(), phone=stopped, to="+12025550101").send("STOP")
    Texter(app.test_client(), phone=unreadable, to="+12025550101").send("banana")
    cli = app.test_cli_runner()
    before = cli.invoke(args=["invitations", "status", "--service", "benefits"]).output
    assert before == "benefits: 4 sent; reminders: 0 sent, 1 owed\n"
    bearer = {"Authorization": f"Bearer {token}"}
    (counts,) = app.test_client().get("/api/invitations", headers=bearer).json["services"][:1]
    assert counts["reminders"] == {"sent": 0, "owed": 1}
    tomorrow = NOON + timedelta(days=1)
    sent = [remind(runtime_of(app), i.id, tomorrow).status for i in invitations(app)]
    assert sent == ["skipped", "skipped", "skipped", "sent"]
    after = cli.invoke(args=["invitations", "status", "--service", "benefits"]).output
    assert after == "benefits: 4 sent; reminders: 1 sent, 0 owed\n"


def test_redis_lost_while_a_text_is_sent_neither_undoes_it_nor_fails_a_report(
    inviting, twilio, redis_server
):
    """Early delivery reports are kept in Redis: Redis gone made the send that Twilio took
    raise after its success was recorded, and a report on an unknown sid answer 500."""
    import threading
    import time as clock

    app, token = inviting
    invite(app, token)
    (invitation,) = invitations(app)
    twilio.delay_seconds = 1.0
    outcome = {}
    sending = threading.Thread(
        target=lambda: outcome.update(sent=deliver(runtime_of(app), invitation.id, NOON))
    )
    sending.start()
    deadline = clock.monotonic() + 10
    while not twilio.messages and clock.monotonic() < deadline:
        clock.sleep(0.01)
    redis_server.stop()  # while Twilio takes the message
    try:
        report = status_callback(app, MessageSid="SM" + "ef" * 16, MessageStatus="delivered")
        sending.join()
    finally:
        redis_server.start()
    assert report.status_code == 404
    assert outcome["sent"].status == "sent" and invitations(app)[0].status == "sent"


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


def test_no_reminder_for_a_person_who_replied_without_a_readable_answer(inviting, twilio):
    from feedbot.invitations import remind

    app, token = inviting
    invite(app, token, service="benefits")
    work(app)
    (invitation,) = invitations(app)
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550101")
    for _ in range(3):
        texter.send("banana")  # the trust question is given up on: nothing answered
    assert remind(runtime_of(app), invitation.id, NOON + timedelta(days=1)).status == "skipped"
    assert reminders_to(twilio) == []
    assert invitations(app)[0].phone is None


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
    assert "3 row(s): 2 scheduled, 1 refused" in result.output
    assert "row 3: phone" in result.output  # the header is row 1, as a spreadsheet shows
    work(app)
    assert sorted(m["To"] for m in twilio.messages) == ["+12025550181", "+12025550182"]


def test_invite_cli_reads_column_names_in_any_case(inviting, twilio, tmp_path):
    app, _ = inviting
    path = tmp_path / "people.csv"
    path.write_text("Phone, Language ,SERVICE\n+12025550181,es,passport\n")
    result = app.test_cli_runner().invoke(args=["invite", "--csv", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 row(s): 1 scheduled, 0 refused" in result.output
    work(app)
    assert [m["To"] for m in twilio.messages] == ["+12025550181"]


def test_invite_cli_service_option_is_for_rows_that_name_none(inviting, twilio, tmp_path):
    app, _ = inviting
    path = tmp_path / "people.csv"
    path.write_text("phone,service\n+12025550181,\n+12025550182,nope\n")
    result = app.test_cli_runner().invoke(
        args=["invite", "--csv", str(path), "--service", "passport"]
    )
    assert "2 row(s): 1 scheduled, 1 refused" in result.output
    assert "row 3: service 'nope' does not exist" in result.output


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"phone\n+1202555\xe90181\n", "is not UTF-8 text (byte 14): save it as CSV UTF-8"),
        (b"name,tel\nAda,+12025550181\n", "has no phone column (its header row names: name, tel)"),
        (b"", "has no phone column (its header row names: none)"),
        (b"phone\n" + b"9" * 200_000 + b"\n", "is not a readable CSV (field larger than"),
    ],
)
def test_invite_cli_says_in_one_line_why_a_csv_cannot_be_read(sqlite_app, tmp_path, content, said):
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    result = sqlite_app.test_cli_runner().invoke(
        args=["invite", "--csv", str(path), "--service", "passport"]
    )
    assert result.exit_code == 2
    assert f"Invalid value for --csv: {path} {said}" in result.output
    assert "Traceback" not in result.output


def test_quarterly_offered_volume_comes_from_invitations(inviting, twilio):
    app, token = inviting
    invite(app, token)
    work(app)
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    for body in ("4", "1", "Fine"):
        texter.send(body)
    from feedbot.queue import normalize_queue

    queue = normalize_queue(runtime_of(app))
    PromptSimpleWorker([queue], connection=queue.connection).work(burst=True)
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


def rate_limited(app, tmp_path, rate, service_id="passport"):
    """The same app's database, Redis and Twilio, with the service sending `rate` a minute."""
    return with_rules(app, tmp_path, {"rate_per_minute": rate}, service_id)


def with_rules(app, tmp_path, rules, service_id="passport", **settings):
    """The same app's database, Redis and Twilio, with these invitations rules for the
    service (and these settings)."""
    import yaml

    document = yaml.safe_load(TEST_SERVICES.read_text())
    (service,) = [s for s in document["services"] if s["id"] == service_id]
    service["invitations"] = {**service.get("invitations", {}), **rules}
    services = tmp_path / "services-with-rules.yaml"
    services.write_text(yaml.safe_dump(document))
    current = runtime_of(app).settings
    return make_app(
        current.database_url,
        services_file=services,
        redis_url=current.redis_url,
        twilio_api_base=current.twilio_api_base,
        **settings,
    )


def test_a_services_texts_go_one_every_60_over_rate_seconds_each_at_its_slot(
    inviting, twilio, tmp_path
):
    """The rate was a calendar minute's: its 200 texts went out in 3 s, then nothing for 57 s,
    400 within 20 s across the minute's end; and every waiting job ran again each minute."""
    app, _ = inviting
    limited = rate_limited(app, tmp_path, 2)  # one every 30 s
    runtime = runtime_of(limited)
    late_in_the_minute = NOON + timedelta(seconds=50)
    with runtime.db.transaction() as db:
        ids = [create_invitation_row(db, limited, f"+1202555019{n}").id for n in range(4)]
    results = [deliver(runtime, invitation_id, late_in_the_minute) for invitation_id in ids[:3]]
    second, third = late_in_the_minute + timedelta(seconds=30), NOON + timedelta(seconds=110)
    assert [(r.status, r.retry_at) for r in results] == [
        ("sent", None),
        ("deferred", second),  # its job is put back for then, not for a minute later
        ("deferred", third),
    ]
    # A new minute brings no new allowance, and a job run early keeps its slot.
    next_minute = NOON + timedelta(seconds=61)
    assert deliver(runtime, ids[2], next_minute) == results[2]
    assert deliver(runtime, ids[1], second).status == "sent"
    # A newcomer queues after the slot held for the third.
    assert deliver(runtime, ids[3], second).retry_at == third + timedelta(seconds=30)
    assert deliver(runtime, ids[2], third).status == "sent"
    assert len(twilio.messages) == 3
    runtime.db.dispose()


def test_texts_whose_slots_passed_unsent_go_on_at_the_rate_in_their_order(
    inviting, twilio, tmp_path
):
    """Jobs that came late for their slots (RQ's scheduler gone for a minute, Twilio slow)
    all went at once when they ran: 36 texts in one second at a rate of 200 a minute."""
    app, _ = inviting
    limited = rate_limited(app, tmp_path, 60)  # one a second
    runtime = runtime_of(limited)
    with runtime.db.transaction() as db:
        ids = [create_invitation_row(db, limited, f"+1202555019{n}").id for n in range(5)]
    assert deliver(runtime, ids[0], NOON).status == "sent"
    slots = [deliver(runtime, invitation_id, NOON).retry_at for invitation_id in ids[1:4]]
    assert slots == [NOON + timedelta(seconds=n) for n in (1, 2, 3)]
    stalled = NOON + timedelta(seconds=20)  # the jobs run only now
    results = [deliver(runtime, invitation_id, stalled) for invitation_id in ids[1:4]]
    # The line waited: it goes on from now, at its pace and in its order.
    assert [(r.status, r.retry_at) for r in results] == [
        ("sent", None),
        ("deferred", stalled + timedelta(seconds=1)),
        ("deferred", stalled + timedelta(seconds=2)),
    ]
    assert deliver(runtime, ids[4], stalled).retry_at == stalled + timedelta(seconds=3)
    assert deliver(runtime, ids[2], stalled + timedelta(seconds=1)).status == "sent"
    assert len(twilio.messages) == 3
    runtime.db.dispose()


def four_waiting_at_one_a_second(inviting, tmp_path):
    """Four invitations of a service sending one text a second, retried 2 s after Twilio
    failed: its runtime, their numbers and ids."""
    app, _ = inviting
    limited = with_rules(app, tmp_path, {"rate_per_minute": 60}, twilio_retry_intervals=(2,))
    runtime = runtime_of(limited)
    phones = [f"+1202555019{n}" for n in range(4)]
    with runtime.db.transaction() as db:
        ids = [create_invitation_row(db, limited, phone).id for phone in phones]
    return runtime, phones, ids


def second(n):
    return NOON + timedelta(seconds=n)


def test_a_text_retried_after_twilio_failed_keeps_its_place_in_the_line(inviting, twilio, tmp_path):
    """A text Twilio answered 429 or 500 went, at its retry, to the back of the service's
    line: behind every text that took a slot while it waited, all asked for after it."""
    runtime, phones, ids = four_waiting_at_one_a_second(inviting, tmp_path)

    twilio.failures = [429]
    first = [deliver(runtime, invitation_id, NOON) for invitation_id in ids]
    assert [(d.status, d.retry_at) for d in first] == [
        ("deferred", second(2)),  # the retry
        ("deferred", second(1)),
        ("deferred", second(2)),
        ("deferred", second(3)),
    ]
    assert deliver(runtime, ids[1], second(1)).status == "sent"
    assert deliver(runtime, ids[0], second(2)).status == "sent"  # before those behind it
    assert deliver(runtime, ids[2], second(2)).retry_at == second(3)  # the line one slot on
    assert deliver(runtime, ids[2], second(3)).status == "sent"
    assert deliver(runtime, ids[3], second(3)).retry_at == second(4)
    assert deliver(runtime, ids[3], second(4)).status == "sent"
    assert [m["To"] for m in twilio.messages] == [phones[1], phones[0], phones[2], phones[3]]
    runtime.db.dispose()


def test_texts_retried_one_after_the_other_each_take_a_slot_of_their_own(
    inviting, twilio, tmp_path
):
    runtime, phones, ids = four_waiting_at_one_a_second(inviting, tmp_path)

    twilio.failures = [429, 429]
    assert [deliver(runtime, i, NOON).retry_at for i in ids] == [second(n) for n in (2, 1, 2, 3)]
    assert deliver(runtime, ids[1], second(1)).retry_at == second(3)  # Twilio failed again
    assert deliver(runtime, ids[2], second(2)).status == "sent"  # its job ran first
    assert deliver(runtime, ids[0], second(2)).retry_at == second(3)  # the next slot
    assert deliver(runtime, ids[0], second(3)).status == "sent"
    assert deliver(runtime, ids[1], second(3)).retry_at == second(4)  # the one after it
    assert deliver(runtime, ids[3], second(3)).retry_at == second(5)
    assert deliver(runtime, ids[1], second(4)).status == "sent"
    assert deliver(runtime, ids[3], second(5)).status == "sent"
    assert [m["To"] for m in twilio.messages] == [phones[2], phones[0], phones[1], phones[3]]
    runtime.db.dispose()


def test_a_rate_lets_a_seconds_worth_go_together(inviting, twilio, tmp_path):
    """RQ's scheduler releases jobs by the second: a rate of 120 a minute sends two at once."""
    app, _ = inviting
    limited = rate_limited(app, tmp_path, 120)
    runtime = runtime_of(limited)
    with runtime.db.transaction() as db:
        ids = [create_invitation_row(db, limited, f"+1202555019{n}").id for n in range(3)]
    results = [deliver(runtime, invitation_id, NOON) for invitation_id in ids]
    # The third's slot, half a second on, is kept for it from the next whole second.
    assert [(r.status, r.retry_at) for r in results] == [
        ("sent", None),
        ("sent", None),
        ("deferred", NOON + timedelta(seconds=1)),
    ]
    assert deliver(runtime, ids[2], NOON + timedelta(seconds=1)).status == "sent"
    runtime.db.dispose()


def test_reminders_share_the_services_rate_with_invitations(inviting, twilio, tmp_path):
    """They go from the same number: 600 texts went out in a minute set to 200."""
    from feedbot.invitations import remind

    app, _ = inviting
    limited = rate_limited(app, tmp_path, 1, service_id="benefits")
    runtime = runtime_of(limited)
    with runtime.db.transaction() as db:
        first, second = (
            create_invitation_row(db, limited, phone, service_id="benefits").id
            for phone in (PHONE, "+12025550144")
        )
    assert deliver(runtime, first, NOON).status == "sent"
    assert remind(runtime, first, NOON + timedelta(seconds=10)).status == "deferred"
    assert remind(runtime, first, NOON + timedelta(seconds=60)).status == "sent"
    # The reminder took the minute's text: the next invitation waits.
    assert deliver(runtime, second, NOON + timedelta(seconds=70)).status == "deferred"
    assert [m["To"] for m in twilio.messages] == [PHONE, PHONE]
    runtime.db.dispose()


def release_scheduled(app, monkeypatch, when):
    """What RQ's scheduler does at `when`: queue the jobs due by then, in its order."""
    import rq.scheduler

    queue = invitations_queue(runtime_of(app))
    monkeypatch.setattr(rq.scheduler, "current_timestamp", lambda: int(when.timestamp()))
    scheduler = rq.scheduler.RQScheduler([queue], connection=queue.connection)
    scheduler.acquire_locks()
    try:
        scheduler.enqueue_scheduled_jobs()
    finally:
        scheduler.release_locks()


def work_at(app, monkeypatch, when):
    monkeypatch.setenv("FEEDBOT_FIXED_NOW", when.isoformat())  # the worker's clock
    work(app)


def test_waiting_invitations_go_out_oldest_first(inviting, twilio, tmp_path, monkeypatch):
    """A batch accepted 8 minutes after a CSV went out before 427 of the CSV's rows."""
    app, token = inviting
    limited = rate_limited(app, tmp_path, 60)  # one a second
    monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(runtime_of(limited).settings.services_file))
    ago = [10, 30, 20]  # minutes before now, by row
    rows = [
        {
            "service": "passport",
            "phone": f"+1202555017{n}",
            "send_at": (NOON - timedelta(minutes=m)).isoformat(),
        }
        for n, m in enumerate(ago)
    ]
    batch = {"invitations": rows}
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        app.test_client().post("/api/invitations/batch", json=batch, headers=headers).status_code
        == 200
    )
    work_at(app, monkeypatch, NOON)  # the oldest goes, the others hold the next slots
    later = {"invitations": [{"service": "passport", "phone": "+12025550179"}]}
    app.test_client().post("/api/invitations/batch", json=later, headers=headers)
    work_at(app, monkeypatch, NOON)
    for seconds in (1, 2, 3):
        release_scheduled(app, monkeypatch, NOON + timedelta(seconds=seconds))
        work_at(app, monkeypatch, NOON + timedelta(seconds=seconds))
    assert [m["To"] for m in twilio.messages] == [
        "+12025550171",  # 30 minutes ago
        "+12025550172",  # 20
        "+12025550170",  # 10
        "+12025550179",  # accepted after them
    ]
    runtime_of(limited).db.dispose()


def test_invitations_quiet_hours_held_go_out_oldest_first_when_they_end(
    inviting, twilio, monkeypatch
):
    """RQ's scheduler releases the jobs due in one second (every invitation quiet hours held
    until 08:00) in the order of their ids, which were random."""
    app, token = inviting
    eastern = ZoneInfo("America/New_York")
    night = datetime.combine(NOON.date(), time(22, 0), eastern)
    morning = datetime.combine(NOON.date() + timedelta(days=1), time(8, 0), eastern)
    evening = at(app, night)
    phones = [f"+1202555018{n}" for n in range(6)]
    for minutes, phone in enumerate(phones):  # each one accepted later, for an earlier time
        send_at = night - timedelta(minutes=minutes)
        invite(evening, token, phone=phone, send_at=send_at.isoformat())
    runtime_of(evening).db.dispose()
    work_at(app, monkeypatch, night)
    assert twilio.messages == []
    release_scheduled(app, monkeypatch, morning)
    work_at(app, monkeypatch, morning)
    assert [m["To"] for m in twilio.messages] == phones[::-1]


def scheduled_on_rq(app, phones):
    """Invitations deferred on RQ's schedule (as a rate's slot or quiet hours defer them),
    for an hour after both the app's fixed clock and the real one, which RQ's scheduler
    reads: no scheduler releases them before the test says it is time."""
    from feedbot.invitation_queue import schedule_send

    runtime = runtime_of(app)
    with runtime.db.transaction() as db:
        ids = [create_invitation_row(db, app, phone).id for phone in phones]
    due = max(datetime.now(UTC), NOON).replace(microsecond=0) + timedelta(hours=1)
    for invitation_id in ids:
        schedule_send(runtime, invitation_id, due)
    return due


WORKER_PROCESSES = pytest.mark.xdist_group("worker-processes")
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@WORKER_PROCESSES
@ON_POSTGRES
def test_texts_due_go_on_once_at_the_rate_when_a_worker_dies_with_rqs_scheduler_lock(
    inviting, twilio, redis_server, tmp_path, monkeypatch
):
    """A worker SIGKILLed while its scheduler held the invitations queue's lock: the next
    worker's scheduler took the lock only at its maintenance, and the texts due meanwhile
    waited 45 s (up to 75). The workers' sweepers release them instead, never while a
    scheduler lives, each once, and the service's rate still holds."""
    from feedbot.invitation_queue import INVITATIONS_QUEUE, release_due_jobs
    from tests.test_worker import running, scheduler_holding_the_lock, wait_for, worker_process

    app, _ = inviting
    connection = Redis.from_url(redis_server.url)
    due = scheduled_on_rq(app, [PHONE, "+12025550144"])
    with worker_process(tmp_path / "worker.log") as worker:
        wait_for(
            lambda: scheduler_holding_the_lock(connection, INVITATIONS_QUEUE), 20, "its scheduler"
        )
        scheduler = scheduler_holding_the_lock(connection, INVITATIONS_QUEUE)
        assert release_due_jobs(connection, due) is None  # a live scheduler's to release
        os.kill(worker.pid, signal.SIGKILL)
        worker.process.wait()
        wait_for(lambda: not running(scheduler), 10, "its scheduler to exit")
    assert release_due_jobs(connection, due - timedelta(seconds=1)) == 0  # not due yet
    assert release_due_jobs(connection, due) == 2
    assert release_due_jobs(connection, due) == 0
    limited = rate_limited(app, tmp_path, 1)
    monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(runtime_of(limited).settings.services_file))
    work(app)
    # The first goes; the second's slot is a minute on, and its job waits on RQ's schedule.
    assert [m["To"] for m in twilio.messages] == [PHONE]
    assert [i.status for i in invitations(app)] == ["sent", "scheduled"]
    assert ScheduledJobRegistry(queue=invitations_queue(runtime_of(app))).count == 1
    runtime_of(limited).db.dispose()


@WORKER_PROCESSES
@ON_POSTGRES
def test_texts_due_go_on_once_when_a_worker_dies_with_its_scheduler(
    inviting, twilio, redis_server, tmp_path
):
    """Killed together (a container's end), the worker and its scheduler leave the lock in
    Redis for a minute: the sweepers take it once it has gone 15 s unrenewed."""
    from feedbot.invitation_queue import INVITATIONS_QUEUE, release_due_jobs
    from tests.test_worker import scheduler_holding_the_lock, wait_for, worker_process

    app, _ = inviting
    connection = Redis.from_url(redis_server.url)
    lock = f"rq:scheduler-lock:{INVITATIONS_QUEUE}"
    due = scheduled_on_rq(app, [PHONE])
    with worker_process(tmp_path / "worker.log") as worker:
        wait_for(
            lambda: scheduler_holding_the_lock(connection, INVITATIONS_QUEUE), 20, "its scheduler"
        )
        os.killpg(worker.pid, signal.SIGKILL)
        worker.process.wait()
    assert release_due_jobs(connection, due) is None  # renewed a moment ago: maybe alive
    # 15 s on, unrenewed, the lock has 46 s left: what release_due_jobs reads, set here rather
    # than waited for (nothing is left that could renew it).
    silent = (61 - 15) * 1000
    assert connection.pttl(lock) > silent
    connection.pexpire(lock, silent)
    assert release_due_jobs(connection, due) == 1
    assert release_due_jobs(connection, due) == 0
    work(app)
    assert [m["To"] for m in twilio.messages] == [PHONE]


def test_the_sweeper_releases_invitation_jobs_due_while_no_scheduler_runs(
    inviting, twilio, redis_server
):
    from feedbot.sweeper import Sweeper, sweep_now
    from tests.test_worker import wait_for

    app, _ = inviting
    runtime = runtime_of(app)
    connection = Redis.from_url(redis_server.url)
    sweep_now(connection)  # swept just now: the next sweep (which would queue it) is not due
    with runtime.db.transaction() as db:
        invitation_id = create_invitation_row(db, app, PHONE).id
    queue = invitations_queue(runtime)
    # Due a second ago by the real clock, which the sweeper reads as RQ's scheduler does.
    queue.enqueue_at(
        datetime.now(UTC) - timedelta(seconds=1), "feedbot.jobs.send_invitation", invitation_id
    )
    assert len(queue) == 0
    sweeper = Sweeper(connection, check_every=0.05)
    sweeper.start()
    try:
        wait_for(lambda: len(queue) == 1, 10, "the job to be released")
    finally:
        sweeper.stop()
    work(app)
    assert [m["To"] for m in twilio.messages] == [PHONE]


def create_invitation_row(db, app, phone, service_id="passport"):
    from feedbot.invitations import create_invitation, parse_request

    service = runtime_of(app).services.get(service_id)
    request = parse_request(service, {"phone": phone}, NOON)
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
    assert invitation.status == "unknown" and invitation.reason.startswith("no answer from Twilio")
    assert invitation.phone is None
    # It may have reached the person: the window counts it, and so does the offered volume.
    twilio.delay_seconds = 0
    again = invite(app, token, transaction_id="next-visit")
    assert (again.json["status"], again.json["reason"]) == (
        "suppressed",
        "invited within the window",
    )
    work(app)
    assert len(twilio.requests) == 1
    from feedbot.fiscal import fiscal_quarter
    from feedbot.invitations import offered_counts

    with runtime_of(app).db.transaction() as db:
        quarter = fiscal_quarter(NOON, "America/New_York")
        assert offered_counts(db, "passport", quarter, "America/New_York") == 1
    # Its survey was kept: the person's answer continues it, without the notice again.
    reply = Texter(app.test_client(), phone=PHONE, to="+12025550100").send("5")
    assert reply.startswith("What about this interaction")


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
    sent_once_redriven(app, twilio)


@pytest.fixture(scope="module")
def tls_certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and its key, made with openssl."""
    directory = tmp_path_factory.mktemp("tls")
    certificate, key = directory / "certificate.pem", directory / "key.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    command += " -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    return certificate, key


@contextmanager
def tls_server_breaking_its_answer(certificate, key):
    """A TLS server on loopback that reads each request (kept in the list it gives) and answers
    with bytes that are no TLS record: the request was written, and the client's TLS fails on
    the answer. A client that does not trust its certificate fails the handshake instead."""
    received: list[bytes] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(5)
            beneath = connection.dup()  # the TCP connection, written to past TLS
            beneath.settimeout(5)
            try:
                with context.wrap_socket(connection, server_side=True) as tls:
                    received.append(_whole_request(tls))
                    beneath.sendall(b"\x17\x03\x03\x00\x10" + b"x" * 16)
                    # Closed only after the client: closing first could reset the connection
                    # before the client read the bytes.
                    while beneath.recv(4096):
                        pass
            except OSError:  # the handshake the client gave up
                pass
            finally:
                beneath.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        stop.set()
        thread.join()
        listener.close()


def _whole_request(connection: ssl.SSLSocket) -> bytes:
    def more() -> bytes:
        if chunk := connection.recv(65536):
            return chunk
        raise ConnectionError("the client closed the connection mid-request")

    request = b""
    while b"\r\n\r\n" not in request:
        request += more()
    head, _, body = request.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))
    while len(body) < length:
        body += more()
    return head + b"\r\n\r\n" + body


@pytest.mark.parametrize("server", ["plain HTTP", "untrusted certificate"])
def test_a_tls_handshake_that_failed_is_retried_as_nothing_was_sent(
    inviting, twilio, tls_certificate, monkeypatch, server
):
    """A TLS handshake that failed (an out-of-date CA bundle, a TLS-intercepting proxy) was
    taken as an answer lost after sending: the invitation was "unknown", never retried, and
    counted as offered, though Twilio never received it."""
    app, token = inviting
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with tls_server_breaking_its_answer(*tls_certificate) as (tls_url, received):
        https_to_http = twilio.url.replace("http://", "https://")
        base = https_to_http if server == "plain HTTP" else tls_url
        monkeypatch.setenv("TWILIO_API_BASE", base)
        invite(app, token)
        work(app)
    kept_for_a_redrive(app)
    assert twilio.requests == [] and received == []
    monkeypatch.setenv("TWILIO_API_BASE", twilio.url)
    sent_once_redriven(app, twilio)


@contextmanager
def silent_server():
    """An https:// URL on loopback whose connections are taken (by the kernel's backlog) and
    never answered: a TLS handshake with it times out."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"


def test_a_tls_handshake_that_timed_out_is_retried_as_nothing_was_sent(
    inviting, twilio, monkeypatch
):
    """FEEDBOT_TWILIO_TIMEOUT as the README's row says it: its row said a timeout is never
    retried; one in the handshake, before the request is written, sent nothing, and the
    invitation keeps its number and waits to be sent (a timeout while waiting for Twilio's
    answer is not retried: Twilio answering too late, above)."""
    app, token = inviting
    monkeypatch.setenv("FEEDBOT_TWILIO_TIMEOUT", "0.3")
    with silent_server() as url:
        monkeypatch.setenv("TWILIO_API_BASE", url)
        invite(app, token)
        work(app)
    kept_for_a_redrive(app)  # the try and both retries timed out alike
    monkeypatch.setenv("TWILIO_API_BASE", twilio.url)
    sent_once_redriven(app, twilio)


def test_a_tls_error_after_the_request_was_written_is_not_sent_twice(
    inviting, tls_certificate, monkeypatch
):
    """Only a failure while connecting proves nothing was sent: one on the established
    connection, after the request went out, may come after Twilio took the message."""
    app, token = inviting
    certificate, key = tls_certificate
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate))
    with tls_server_breaking_its_answer(certificate, key) as (url, received):
        monkeypatch.setenv("TWILIO_API_BASE", url)
        invite(app, token)
        work(app)
    assert len(received) == 1 and received[0].startswith(b"POST ")  # and no second try
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.reason) == (
        "unknown",
        "no answer from Twilio, may have been sent (SSLError)",
    )


@pytest.mark.parametrize(
    ("proxy", "error"),
    [
        ("socks5://127.0.0.1:1080", "InvalidSchema"),  # PySocks is not installed
        ("http://", "InvalidProxyURL"),
        ("ftp://proxy.agency.gov:21", "InvalidURL"),
    ],
)
def test_a_url_no_request_can_be_made_to_keeps_the_invitation_for_the_fix(
    inviting, twilio, monkeypatch, caplog, proxy, error
):
    """requests refuses such a URL before connecting: the invitation was "unknown" ("may have
    been sent"), never retried, and counted as offered. TWILIO_API_BASE is checked at start-up,
    but a proxy setting the REST client takes from the environment is not."""
    app, token = inviting
    monkeypatch.setenv("HTTP_PROXY", proxy)
    invite(app, token)
    work(app)
    kept_for_a_redrive(app)
    assert twilio.requests == []
    assert (
        f"Twilio's API URL cannot be used ({error}): check TWILIO_API_BASE and the proxy"
        " settings (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY); nothing was sent"
    ) in caplog.text
    monkeypatch.delenv("HTTP_PROXY")
    sent_once_redriven(app, twilio)


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


def twilio_error_says(monkeypatch, code, message):
    """Make the stand-in's error answers carry Twilio's code and wording (which, for 21211,
    quotes the number)."""
    import json
    import types

    import tests.support.fake_twilio as fake_module

    def dumps(body, *args, **kwargs):
        if isinstance(body, dict) and body.get("message") == "try later":
            body = {**body, "code": code, "message": message}
        return json.dumps(body, *args, **kwargs)

    monkeypatch.setattr(fake_module, "json", types.SimpleNamespace(dumps=dumps))


def at(app, when):
    """The same app's database and Redis, its clock (and its worker's) stopped at `when`."""
    settings = runtime_of(app).settings
    return make_app(
        settings.database_url,
        services_file=settings.services_file,
        redis_url=settings.redis_url,
        twilio_api_base=settings.twilio_api_base,
        fixed_now=when,
    )


def reminders_to(twilio, phone=PHONE):
    return [m for m in twilio.messages if m["Body"].startswith("Recordatorio") and m["To"] == phone]


def run_reminder_at(app, monkeypatch, invitation_id, when):
    from feedbot.invitation_queue import schedule_reminder

    monkeypatch.setenv("FEEDBOT_FIXED_NOW", when.isoformat())
    clock = at(app, when)
    try:
        schedule_reminder(runtime_of(clock), invitation_id, when)
        work(app)
    finally:
        runtime_of(clock).db.dispose()


def sweep_an_hour_later(app, monkeypatch, invitation_id, due):
    """The reminder job's mark has lapsed; the periodic sweep looks for reminders owed."""
    from feedbot.invitation_queue import sweep_invitations

    later = due + timedelta(hours=1, minutes=5)
    monkeypatch.setenv("FEEDBOT_FIXED_NOW", later.isoformat())
    runtime = runtime_of(app)
    Redis.from_url(runtime.settings.redis_url).delete(
        f"feedbot:invitation-job:remind:{invitation_id}"
    )
    clock = at(app, later)
    try:
        queued = sweep_invitations(runtime_of(clock))
        work(app)
    finally:
        runtime_of(clock).db.dispose()
    return queued


def test_reminder_twilio_answered_too_late_is_never_sent_again(inviting, twilio, monkeypatch):
    app, token = inviting
    invite(app, token, service="benefits")
    work(app)
    (invitation,) = invitations(app)
    monkeypatch.setenv("FEEDBOT_TWILIO_TIMEOUT", "0.3")
    twilio.delay_seconds = 1.0  # Twilio takes the reminder, its answer comes too late
    run_reminder_at(app, monkeypatch, invitation.id, invitation.reminder_due_at)
    twilio.delay_seconds = 0
    monkeypatch.delenv("FEEDBOT_TWILIO_TIMEOUT")
    (stored,) = invitations(app)
    assert stored.reminded_at == invitation.reminder_due_at and stored.phone is None
    assert invitations_queue(runtime_of(app)).failed_job_registry.count == 0
    assert sweep_an_hour_later(app, monkeypatch, invitation.id, invitation.reminder_due_at) == 0
    assert len(reminders_to(twilio)) == 1


@pytest.mark.parametrize("code", [21211, 21610])
def test_reminder_refused_for_good_drops_the_number_and_is_never_retried(
    inviting, twilio, monkeypatch, code
):
    from feedbot.models import OptOut

    app, token = inviting
    invite(app, token, service="benefits")
    work(app)
    (invitation,) = invitations(app)
    twilio_error_says(monkeypatch, code, f"The 'To' number {PHONE} is not a valid phone number.")
    twilio.failures = [400]
    run_reminder_at(app, monkeypatch, invitation.id, invitation.reminder_due_at)
    (stored,) = invitations(app)
    assert (stored.phone, stored.error_code, stored.reason) == (
        None,
        code,
        f"reminder refused ({code})",
    )
    assert stored.reminded_at is not None
    assert invitations_queue(runtime_of(app)).failed_job_registry.count == 0
    assert sweep_an_hour_later(app, monkeypatch, invitation.id, invitation.reminder_due_at) == 0
    assert [r["_status"] for r in twilio.requests] == ["201", "400"]  # never asked again
    with runtime_of(app).db.transaction() as db:
        opted_out = db.get(OptOut, stored.sender_key) is not None
    assert opted_out == (code == 21610)


def test_twilio_failure_text_quoting_the_number_never_leaves_the_job(inviting, twilio, monkeypatch):
    """Twilio's error text may quote the number; RQ logs a failed job's exception and keeps it
    in Redis. (The autouse fixture fails the test on a log line holding the number.)"""
    app, token = inviting
    twilio_error_says(monkeypatch, 20500, f"Sending to {PHONE} failed, try later")
    twilio.failures = [500, 500, 500]  # the first try and both retries
    invite(app, token)
    work(app)
    assert [r["_status"] for r in twilio.requests] == ["500", "500", "500"]
    queue = invitations_queue(runtime_of(app))
    (job_id,) = queue.failed_job_registry.get_job_ids()
    stored = queue.fetch_job(job_id).latest_result().exc_string
    assert "TwilioNotReached: Twilio did not take the message (HTTP 500, 20500)" in stored
    assert "2025550143" not in stored and "try later" not in stored
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.phone) == ("scheduled", PHONE)  # for a redrive


def test_answer_to_a_reminder_continues_the_survey(
    inviting, twilio, database_url, redis_server, monkeypatch
):
    """reminder_after_hours 20 and the 24-hour idle expiry: the reminder is activity, so the
    answer it asks for, hours later but over 24 after the invitation, is not met with "this
    survey has closed"."""
    app, _ = inviting
    eastern = ZoneInfo("America/New_York")  # a 202 number's own time zone
    real_now = datetime.now(UTC).replace(microsecond=0)
    # A reminder 4 to 24 hours ago whose invitation, 20 hours before it, was also sent inside
    # the number's 08:00-21:00 (Eastern), whatever the time of day the test runs.
    reminder_at = next(
        moment
        for moment in (real_now - timedelta(hours=4, minutes=m) for m in range(0, 20 * 60, 15))
        if 8 <= moment.astimezone(eastern).hour < 17
    )
    sent_at = reminder_at - timedelta(hours=20)
    monkeypatch.setenv("FEEDBOT_FIXED_NOW", sent_at.isoformat())
    then = at(app, sent_at)
    with runtime_of(then).db.transaction() as db:
        token = create_token(db, "case-system", None, ["invite"])
    invite(then, token, service="benefits", language="en")
    work(then)
    (invitation,) = invitations(then)
    run_reminder_at(app, monkeypatch, invitation.id, invitation.reminder_due_at)
    # In the invitation's language, the agency's name in it too (the service translates it).
    reminders = [m for m in twilio.messages if m["Body"].startswith("Reminder from")]
    assert [m["Body"].split("\n")[0] for m in reminders] == [
        "Reminder from Benefits Administration:"
    ]
    runtime_of(then).db.dispose()
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
    assert conversation.last_activity_at == invitation.reminder_due_at
    today = make_app(database_url, redis_url=redis_server.url, twilio_api_base=twilio.url)
    try:  # the real clock, hours after the reminder
        reply = Texter(today.test_client(), phone=PHONE, to="+12025550101").send("5")
    finally:
        runtime_of(today).db.dispose()
    assert "closed" not in reply and "What about this interaction" in reply


def post_at_once(app, token, bodies):
    """Each body posted by its own client, all released together."""
    import threading

    answers = [None] * len(bodies)
    barrier = threading.Barrier(len(bodies))

    def post(index):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/invitations", json=bodies[index], headers={"Authorization": f"Bearer {token}"}
        )
        answers[index] = (
            response.status_code,
            response.json.get("id"),
            response.json.get("reason"),
        )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_the_same_person_invited_by_requests_at_once_is_texted_once(inviting, twilio):
    app, token = inviting
    for n in range(5):
        answers = post_at_once(
            app, token, [{"service": "passport", "phone": f"+1202555015{n}"}] * 6
        )
        assert sorted(code for code, _, _ in answers) == [200] * 5 + [201]
    work(app)
    assert sorted(m["To"] for m in twilio.messages) == [f"+1202555015{n}" for n in range(5)]
    statuses = [i.status for i in invitations(app)]
    assert statuses.count("sent") == 5 and statuses.count("suppressed") == 25


def test_the_same_transaction_id_at_once_is_one_invitation(inviting, twilio):
    app, token = inviting
    same = {"service": "passport", "phone": PHONE, "transaction_id": "PP-5"}
    # Another number under the same transaction_id is not behind the same person's lock.
    other = {**same, "phone": "+12025550146"}
    answers = post_at_once(app, token, [same] * 4 + [other] * 4)
    (invitation,) = invitations(app)
    first = answers[:4] if invitation.phone == PHONE else answers[4:]
    second = answers[4:] if invitation.phone == PHONE else answers[:4]
    assert sorted(code for code, _, _ in first) == [200, 200, 200, 201]
    assert {invitation_id for _, invitation_id, _ in first} == {invitation.id}
    assert [reason for _, _, reason in first].count("duplicate transaction_id") == 3
    assert [code for code, _, _ in second] == [422] * 4  # the number that lost the race
    work(app)
    assert len(twilio.messages) == 1 and len(invitations(app)) == 1


def test_worker_killed_while_twilio_answers_is_not_sent_again(inviting, twilio, monkeypatch):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from feedbot.invitation_queue import sweep_invitations

    app, token = inviting
    invite(app, token, transaction_id="PP-77")
    twilio.delay_seconds = 3.0  # Twilio takes the message; its answer is slow
    feedbot = Path(sys.executable).with_name("feedbot")
    worker = subprocess.Popen(
        [str(feedbot), "worker", "--burst"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not twilio.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # killed mid-send (a deploy, the OOM killer)
    worker.wait()
    assert len(twilio.messages) == 1
    (invitation,) = invitations(app)
    assert invitation.status == "sending"
    twilio.delay_seconds = 0
    # An hour later the job's mark has lapsed, and the periodic sweep runs.
    Redis.from_url(runtime_of(app).settings.redis_url).delete(
        f"feedbot:invitation-job:send:{invitation.id}"
    )
    later = at(app, NOON + timedelta(hours=1, minutes=5))
    try:
        assert sweep_invitations(runtime_of(later)) == 0
    finally:
        runtime_of(later).db.dispose()
    work(app)
    assert len(twilio.messages) == 1
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.reason, invitation.phone) == (
        "unknown",
        "sending interrupted, may have been sent",
        None,
    )
    # The person got the text: their answer continues its survey.
    reply = Texter(app.test_client(), phone=PHONE, to="+12025550100").send("5")
    assert reply.startswith("What about this interaction")


def test_a_job_finding_its_invitation_mid_send_does_not_send_it_again(inviting, twilio):
    """The job's retry after its worker lost the database while Twilio answered."""
    from sqlalchemy import update

    app, token = inviting
    invite(app, token)
    with runtime_of(app).db.transaction() as db:
        db.execute(update(Invitation).values(status="sending", sent_at=NOON - SENDING_LAPSE))
    work(app)
    assert twilio.requests == []
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.phone) == ("unknown", None)


def test_a_duplicate_job_during_the_send_leaves_it_to_the_worker_calling_twilio(inviting, twilio):
    """A duplicate job (one a hung scheduler released twice) found the send in flight and
    settled it "unknown", dropping the number: the send then succeeded without its reminder."""
    import threading

    app, token = inviting
    invite(app, token, service="benefits")  # reminded after 20 hours
    (invitation,) = invitations(app)
    runtime = runtime_of(app)
    twilio.answer_when = threading.Event()  # Twilio has the message; its answer waits
    first = []
    sender = threading.Thread(target=lambda: first.append(deliver(runtime, invitation.id, NOON)))
    sender.start()
    while not twilio.messages:
        sender.join(0.01)
    assert deliver(runtime, invitation.id, NOON).status == "skipped"
    twilio.answer_when.set()
    sender.join()
    assert [delivery.status for delivery in first] == ["sent"]
    (invitation,) = invitations(app)
    assert invitation.status == "sent" and invitation.phone is not None
    assert invitation.reminder_due_at == NOON + timedelta(hours=20)
    assert len(twilio.messages) == 1


@pytest.mark.parametrize(
    "status, code",
    [
        (401, 20500),
        (403, 20500),
        (404, 20500),
        # The service's sender: an invalid From, not a Twilio number, not SMS-capable, a
        # Messaging Service that does not exist or is malformed. Every number would fail alike.
        (400, 21212),
        (400, 21601),
        (400, 21659),
        (400, 21701),
        (400, 21705),
    ],
)
def test_twilio_refusing_the_account_keeps_invitations_for_a_redrive(
    inviting, twilio, status, code, caplog
):
    app, token = inviting
    twilio.failures = [(status, code)] * 9  # every try and retry of three invitations
    for n in range(3):
        invite(app, token, phone=f"+1202555016{n}")
    work(app)
    assert len(twilio.requests) == 9 and twilio.messages == []
    assert [(i.status, i.phone) for i in invitations(app)] == [
        ("scheduled", f"+1202555016{n}") for n in range(3)
    ]
    with runtime_of(app).db.transaction() as db:
        assert db.scalars(select(Conversation)).all() == []  # none left half-opened
    assert f"Twilio refused feedbot's account (HTTP {status}, {code})" in caplog.text
    assert "check TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN" in caplog.text
    assert redrive(runtime_of(app)) == 3  # the token is fixed: Twilio answers 201 again
    work(app)
    assert sorted(m["To"] for m in twilio.messages) == [f"+1202555016{n}" for n in range(3)]
    assert [i.status for i in invitations(app)] == ["sent"] * 3


def test_without_redis_an_invitation_twilio_cannot_take_stays_scheduled(
    inviting_without_redis, twilio, caplog
):
    """Development mode sends inside the request: Twilio failing is said, not a 500."""
    app, token = inviting_without_redis
    twilio.failures = [500]
    answer = invite(app, token)
    assert answer.status_code == 201
    assert (answer.json["status"], answer.json["reason"]) == (
        "scheduled",
        "Twilio did not take it; no retry without REDIS_URL",
    )
    assert "Twilio did not take the message (HTTP 500, 20500)" in caplog.text
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.phone) == ("scheduled", PHONE)
    twilio.failures = []
    sent = invite(app, token, phone="+12025550144", transaction_id="T-2")
    assert (sent.status_code, sent.json["status"]) == (201, "sent")
    assert [m["To"] for m in twilio.messages] == ["+12025550144"]


def test_without_redis_an_invitation_no_request_could_be_made_for_says_so(
    inviting_without_redis, twilio, monkeypatch, caplog
):
    """A proxy setting requests cannot use: nothing reached Twilio, and trying again would
    change nothing, yet the reason said "Twilio did not take it; no retry without REDIS_URL"
    (and the log that invitations "wait and are retried", which nothing does without Redis)."""
    app, token = inviting_without_redis
    monkeypatch.setenv("HTTP_PROXY", "http://")
    answer = invite(app, token)
    assert (answer.status_code, answer.json["status"]) == (201, "scheduled")
    assert answer.json["reason"] == "not sent: Twilio's API URL or the proxy setting is unusable"
    assert twilio.requests == []
    (invitation,) = invitations(app)
    assert (invitation.reason, invitation.phone) == (answer.json["reason"], PHONE)
    assert "nothing was sent, the invitation stays scheduled, and without REDIS_URL" in caplog.text
    assert "wait and are retried" not in caplog.text


def test_without_redis_an_invitation_twilio_refuses_the_account_for_is_said_to_wait(
    inviting_without_redis, twilio, caplog
):
    """The account refused (a wrong TWILIO_AUTH_TOKEN): the log said invitations "wait and are
    retried", which without Redis nothing does; the invitation stays scheduled, and says so."""
    app, token = inviting_without_redis
    twilio.failures = [(401, 20003)]
    answer = invite(app, token)
    assert (answer.status_code, answer.json["status"]) == (201, "scheduled")
    assert "Twilio refused feedbot's account (HTTP 401, error 20003)" in caplog.text
    assert "the invitation stays scheduled, and without REDIS_URL nothing sends it" in caplog.text
    assert "wait and are retried" not in caplog.text


def test_an_invitation_not_sent_in_time_expires_and_the_person_may_be_invited_again(
    inviting, twilio, monkeypatch
):
    """Twilio unreachable for three days (every try, retry and sweep failed): the survey
    would ask about a transaction the person no longer has in mind, so it is never sent."""
    from feedbot.invitation_queue import schedule_send

    app, token = inviting
    twilio.failures = [500] * 3  # the first try and both retries
    invite(app, token, transaction_id="T-old")
    work(app)
    assert invitations(app)[0].status == "scheduled"
    three_days_later = NOON + timedelta(hours=72, minutes=1)
    monkeypatch.setenv("FEEDBOT_FIXED_NOW", three_days_later.isoformat())
    later = at(app, three_days_later)
    try:
        schedule_send(runtime_of(later), invitations(app)[0].id, three_days_later)
        work(app)
        (invitation,) = invitations(app)
        assert (invitation.status, invitation.reason, invitation.phone) == (
            "expired",
            "not sent within 72 h of its time",
            None,
        )
        assert [r["_status"] for r in twilio.requests] == ["500"] * 3  # no fourth try
        # Never sent, so not "invited within the window": a new transaction invites again.
        again = invite(later, token, transaction_id="T-new")
        assert (again.status_code, again.json["status"]) == (201, "scheduled")
    finally:
        runtime_of(later).db.dispose()


def test_an_invitation_for_a_time_past_the_expiry_is_refused(inviting):
    app, token = inviting
    long_ago = (NOON - timedelta(hours=73)).isoformat()
    answer = invite(app, token, send_at=long_ago)
    assert answer.status_code == 422
    assert answer.json["error"] == (
        "send_at is too far back: by the first time quiet hours allow, it is more than 72"
        " hours ago (the service's invitations.expire_after_hours)"
    )
    recent = invite(app, token, send_at=(NOON - timedelta(hours=71)).isoformat())
    assert (recent.status_code, recent.json["status"]) == (201, "scheduled")


def test_an_invitation_quiet_hours_would_hold_past_its_expiry_is_refused_not_dropped(
    inviting, twilio, monkeypatch
):
    """At 22:00 in Washington, a send_at 70 hours back would wait for 08:00 and expire
    first: accepted with a 201, it would never have been sent."""
    app, token = inviting
    night = NOON.replace(hour=22)
    monkeypatch.setenv("FEEDBOT_FIXED_NOW", night.isoformat())
    late = at(app, night)
    try:
        answer = invite(late, token, send_at=(night - timedelta(hours=70)).isoformat())
        assert answer.status_code == 422 and answer.json["error"].startswith(
            "send_at is too far back: by the first time quiet hours allow"
        )
        fresh = invite(late, token, send_at=(night - timedelta(hours=50)).isoformat())
        assert (fresh.status_code, fresh.json["status"]) == (201, "scheduled")
    finally:
        runtime_of(late).db.dispose()


def test_a_number_whose_zones_stay_quiet_past_the_expiry_is_refused_not_dropped(inviting, tmp_path):
    """expire_after_hours 16 outlasts the service's quiet night (11 hours, and the hour the
    clocks go back: checked at start-up) but not a toll-free number's, which may be anywhere
    from Guam to Newfoundland: 08:00-21:00 in all of them is 17:00-19:30 in New York.
    Invited at 19:45, it was accepted, and expired unsent at 17:00 the next day."""
    app, token = inviting
    evening = datetime(2026, 11, 27, 19, 45, tzinfo=ZoneInfo("America/New_York"))
    late = with_rules(app, tmp_path, {"expire_after_hours": 16}, fixed_now=evening)
    try:
        now = invite(late, token, phone="+18005550100")
        tomorrow = (evening + timedelta(days=1)).isoformat()
        later = invite(late, token, phone="+18005550101", send_at=tomorrow)
        local = invite(late, token)  # a 202 number: 08:00 tomorrow, in 12 h 15 min
    finally:
        runtime_of(late).db.dispose()
    assert (now.status_code, later.status_code) == (422, 422)
    assert now.json["error"] == (
        "phone is in time zones whose quiet hours let no text go out until 2026-11-28 17:00"
        " (America/New_York), more than 16 hours after it is due (the service's"
        " invitations.expire_after_hours): invite it when they allow"
    )
    assert later.json["error"].endswith(
        "until 2026-11-29 17:00 (America/New_York), more than"
        " 16 hours after it is due (the service's invitations.expire_after_hours): invite it"
        " when they allow"
    )
    assert (local.status_code, local.json["status"]) == (201, "scheduled")


def test_a_newer_invitation_takes_the_place_of_one_still_unsent(inviting, twilio, monkeypatch):
    """Monday's invitation is stuck (Twilio down); Wednesday's, for a new transaction, would
    be suppressed by it, and Monday's would then expire: the person would get neither."""
    app, token = inviting
    twilio.failures = [500] * 3  # the first try and both retries
    invite(app, token, transaction_id="T-monday")
    work(app)
    wednesday = NOON + timedelta(days=2)
    monkeypatch.setenv("FEEDBOT_FIXED_NOW", wednesday.isoformat())
    later = at(app, wednesday)
    try:
        answer = invite(later, token, transaction_id="T-wednesday")
        assert (answer.status_code, answer.json["status"]) == (201, "scheduled")
        work(app)
    finally:
        runtime_of(later).db.dispose()
    assert [(i.transaction_id, i.status, i.reason) for i in invitations(app)] == [
        ("T-monday", "suppressed", "superseded by a newer invitation"),
        ("T-wednesday", "sent", None),
    ]
    assert [m["To"] for m in twilio.messages] == [PHONE]  # one text, the newer survey


def test_the_same_person_twice_in_one_batch_is_invited_once(inviting, twilio):
    app, token = inviting
    rows = [{"service": "passport", "phone": PHONE, "transaction_id": t} for t in ("A", "B")]
    answer = app.test_client().post(
        "/api/invitations/batch",
        json={"invitations": rows},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [(r["status"], r["reason"]) for r in answer.json["accepted"]] == [
        ("scheduled", None),
        ("suppressed", "invited within the window"),
    ]
    work(app)
    assert len(twilio.messages) == 1


def test_without_redis_a_repeated_transaction_keeps_each_row_its_own_answer(
    inviting_without_redis, twilio
):
    app, token = inviting_without_redis
    twilio.failures = [500]
    row = {"service": "passport", "phone": PHONE, "transaction_id": "T-1"}
    answer = app.test_client().post(
        "/api/invitations/batch",
        json={"invitations": [row, row]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [r["reason"] for r in answer.json["accepted"]] == [
        "Twilio did not take it; no retry without REDIS_URL",
        "duplicate transaction_id",
    ]
    runtime_of(app).db.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_request_that_loses_its_transaction_id_race_supersedes_nothing(
    inviting, twilio, monkeypatch
):
    """Two requests with one transaction_id at once (PostgreSQL's writers run side by side):
    the loser answers with the winner's invitation, and must leave the person's earlier
    invitation scheduled, or nobody would be texted."""
    import threading
    import time

    from feedbot.invitations import InvitationRequest, create_invitation

    app, token = inviting
    assert invite(app, token, transaction_id="E").json["status"] == "scheduled"
    runtime = runtime_of(app)
    an_hour_later = NOON + timedelta(hours=1)
    monkeypatch.setenv("FEEDBOT_FIXED_NOW", an_hour_later.isoformat())
    later = at(app, an_hour_later)
    answers = {}
    with runtime.db.transaction() as db:
        # Another request holds transaction T, for another number, not yet committed.
        other = InvitationRequest(runtime.services.get("passport"), "+12025550188", None, "T")
        create_invitation(db, other, TEST_SECRET_KEY, NOON)
        db.flush()
        racing = threading.Thread(
            target=lambda: answers.update(b=invite(later, token, transaction_id="T"))
        )
        racing.start()
        time.sleep(1.0)  # it waits on the unique index of transaction_id
    racing.join(10)
    runtime_of(later).db.dispose()
    assert answers["b"].status_code == 422  # T is another number's
    assert "'T' was invited before with another phone number" in answers["b"].json["error"]
    assert [(i.transaction_id, i.status) for i in invitations(app)] == [
        ("E", "scheduled"),
        ("T", "scheduled"),
    ]


@pytest.mark.parametrize(
    "send_at", ["9999-12-31T23:00:00+00:00", (NOON + timedelta(days=367)).isoformat()]
)
def test_a_send_at_more_than_a_year_ahead_is_refused_by_row(inviting, send_at):
    """For a number in Paris, 9999-12-31 overflowed working out its quiet hours: a 500 that
    lost the whole batch."""
    app, token = inviting
    rows = [
        {"service": "passport", "phone": "+33612345678", "send_at": send_at},
        {"service": "passport", "phone": PHONE},
    ]
    answer = app.test_client().post(
        "/api/invitations/batch",
        json={"invitations": rows},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert answer.json["errors"] == [{"row": 1, "error": "send_at is more than a year ahead"}]
    assert [r["row"] for r in answer.json["accepted"]] == [2]


def test_invite_cli_counts_each_outcome_as_the_api_answers_it(inviting, twilio, tmp_path):
    """It said "3 invitation(s) accepted" for a person named twice (one suppressed), and
    again for the same file run a second time (nothing new): every row was counted."""
    app, _ = inviting
    path = tmp_path / "people.csv"
    path.write_text(f"phone,transaction_id\n{PHONE},A1\n{PHONE},A2\n+12025550182,A3\n")
    run = app.test_cli_runner().invoke
    first = run(args=["invite", "--csv", str(path), "--service", "passport"])
    assert first.exit_code == 0, first.output
    assert (
        "3 row(s): 2 scheduled, 1 suppressed (invited within the window), 0 refused" in first.output
    )
    again = run(args=["invite", "--csv", str(path), "--service", "passport"])
    assert "3 row(s): 3 already invited (duplicate transaction_id), 0 refused" in again.output
    work(app)
    assert sorted(m["To"] for m in twilio.messages) == [PHONE, "+12025550182"]


def test_invite_cli_names_the_rows_it_sets_aside_and_refuses_a_transaction_for_two_numbers(
    inviting, twilio, tmp_path
):
    """It said "2 already invited (duplicate transaction_id)" for a transaction_id given again
    for another number (a wrong number in the case system), and named no row set aside."""
    app, _ = inviting
    Texter(app.test_client(), phone="+12025550183", to="+12025550100").send("STOP")
    path = tmp_path / "people.csv"
    path.write_text(
        "phone,transaction_id\n"
        "+12023009999,dup-x\n"
        "+12023009998,dup-x\n"
        "+12025550183,S1\n"
        f"{PHONE},A1\n"
        f"{PHONE},A1\n"
        "+12025550182,\n"
        "+12025550182,\n"
    )
    result = app.test_cli_runner().invoke(
        args=["invite", "--csv", str(path), "--service", "passport"]
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[-5:] == [
        "row 3: transaction_id 'dup-x' was invited before with another phone number: a"
        " transaction has one person, so one of the two numbers is wrong",
        "row 4: suppressed (opted out)",
        "row 6: already invited (duplicate transaction_id)",
        "row 8: suppressed (invited within the window)",
        "7 row(s): 3 scheduled, 1 suppressed (opted out), 1 already invited (duplicate"
        " transaction_id), 1 suppressed (invited within the window), 1 refused",
    ]
    work(app)
    assert sorted(m["To"] for m in twilio.messages) == ["+12023009999", PHONE, "+12025550182"]


def test_invite_cli_reads_a_csv_as_a_spreadsheet_saves_it(inviting, twilio, tmp_path):
    """A byte-order mark, CRLF, quoted cells, an empty row, a row of empty cells and cells
    with spaces: errors name the row the spreadsheet shows (the header is row 1)."""
    app, _ = inviting
    path = tmp_path / "people.csv"
    lines = [
        '"phone","service","language","transaction_id"',  # row 1
        '"+12025550151","passport","es"," T 9 "',
        "",
        '"+12025550152","passport","es ",""',  # row 4
        ",,,",
        '"555-0124","passport","",""',  # row 6: not a valid number
        '"+12025550153","nope","",""',  # row 7
        "+12025550154,passport,,,+12025550155",  # row 8: a sixth cell, no column for it
        "+12025550156,passport,,,",  # row 9: trailing empty cells are fine
    ]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    result = app.test_cli_runner().invoke(args=["invite", "--csv", str(path)])
    assert result.exit_code == 1
    assert "None" not in result.output
    refused = [line for line in result.output.splitlines() if line.startswith("row ")]
    assert refused == [
        "row 6: phone is not a valid number",
        "row 7: service 'nope' does not exist",
        "row 8: more cells than the header row's 4 column(s) (a comma inside a cell?)",
    ]
    assert "6 row(s): 3 scheduled, 3 refused" in result.output
    assert [(i.language, i.transaction_id) for i in invitations(app)] == [
        ("es", "T 9"),
        ("es", None),
        (None, None),
    ]
    work(app)
    assert sorted(m["To"] for m in twilio.messages) == [
        "+12025550151",
        "+12025550152",
        "+12025550156",
    ]


@pytest.mark.parametrize(
    ("phone", "error"),
    [
        # phonenumbers reads what follows ';' as a parameter (here an extension): the first
        # number alone was texted.
        ("2025550181;2025550182", "phone has a ';' (two numbers, or parameters, in one cell?)"),
        ("+12025550181;isub=12", "phone has a ';' (two numbers, or parameters, in one cell?)"),
        ("202-555-0181 ext. 5", "phone has an extension, which a text message cannot reach"),
        ("2025550181 x123", "phone has an extension, which a text message cannot reach"),
        ("2025550181 #2", "phone has an extension, which a text message cannot reach"),
        (
            "2.02556E+09",
            "phone is not a phone number; a spreadsheet may have turned it into 2.02556E+09:"
            " format the column as text",
        ),
        (
            "2025550181.0",
            "phone is not a phone number; a spreadsheet may have turned it into 2025550181.0:"
            " format the column as text",
        ),
        ("not a phone", "phone is not a phone number"),
        # phonenumbers reads letters as keypad digits: these masked and placeholder cells were
        # texted to +12025559999, +12025550222, +12025552255 and +12029999999.
        ("202-555-XXXX", "phone has letters in it (a masked or placeholder number?)"),
        ("(202) 555-xxxx", "phone has letters in it (a masked or placeholder number?)"),
        ("2025550abc", "phone has letters in it (a masked or placeholder number?)"),
        ("202555CALL", "phone has letters in it (a masked or placeholder number?)"),
        ("202-XXX-XXXX", "phone has letters in it (a masked or placeholder number?)"),
        ("202555O197", "phone has letters in it (a masked or placeholder number?)"),
        ("2025550181 2025550182", "phone is too long to be one phone number"),
        ("", "phone is missing"),
    ],
)
def test_a_phone_that_is_not_one_textable_number_is_refused_saying_why(app, phone, error):
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "inviter", None, ["invite"])
    response = invite(app, token, phone=phone)
    assert response.status_code == 422
    assert response.json["error"].startswith(error)
    assert "(1)" not in response.json["error"] and "string supplied" not in response.json["error"]
    assert invitations(app) == []


def test_invite_cli_refuses_two_numbers_in_one_phone_cell(sqlite_app, tmp_path):
    path = tmp_path / "household.csv"
    path.write_text("phone\n2025550181;2025550182\n")
    result = sqlite_app.test_cli_runner().invoke(
        args=["invite", "--csv", str(path), "--service", "passport"]
    )
    assert result.exit_code == 1
    assert "row 2: phone has a ';' (two numbers, or parameters, in one cell?)" in result.output
    assert "1 row(s): 1 refused" in result.output
    assert invitations(sqlite_app) == []


def test_invite_cli_refuses_a_phone_cell_with_letters(inviting, twilio, tmp_path):
    """ "202-555-XXXX" was texted to +12025559999, a stranger, as the keypad spells it."""
    app, _ = inviting
    path = tmp_path / "masked.csv"
    path.write_text("phone\n202-555-XXXX\n+12025550181\n")
    result = app.test_cli_runner().invoke(
        args=["invite", "--csv", str(path), "--service", "passport"]
    )
    assert result.exit_code == 1
    assert "row 2: phone has letters in it (a masked or placeholder number?)" in result.output
    assert "2 row(s): 1 scheduled, 1 refused" in result.output
    work(app)
    assert [m["To"] for m in twilio.messages] == ["+12025550181"]


def test_without_redis_an_invitation_not_yet_due_is_not_sent_early(inviting_without_redis, twilio):
    """Development sends during the request: a send_at two days ahead was texted at once."""
    from feedbot.invitation_queue import NOT_SCHEDULED

    app, token = inviting_without_redis
    later = NOON + timedelta(days=2)
    answer = invite(app, token, send_at=later.isoformat())
    assert answer.status_code == 201
    assert (answer.json["status"], answer.json["reason"]) == ("scheduled", NOT_SCHEDULED)
    assert NOT_SCHEDULED == "not due yet; no scheduler without REDIS_URL"
    # Quiet hours the same: not sent at 22:00, and said why.
    night = at(app, NOON.replace(hour=22))
    try:
        held = invite(night, token, phone="+12025550144")
        assert (held.json["status"], held.json["reason"]) == ("scheduled", NOT_SCHEDULED)
    finally:
        runtime_of(night).db.dispose()
    assert twilio.requests == []
    assert [(i.status, i.reason) for i in invitations(app)] == [("scheduled", NOT_SCHEDULED)] * 2
    due = invite(app, token, phone="+12025550145", send_at=NOON.isoformat())
    assert (due.json["status"], due.json["reason"]) == ("sent", None)
    assert [m["To"] for m in twilio.messages] == ["+12025550145"]
    runtime_of(app).db.dispose()


def test_an_invitation_for_later_waits_on_rq_scheduler_and_no_job_sends_it_early(inviting, twilio):
    app, token = inviting
    later = NOON + timedelta(days=2)
    answer = invite(app, token, send_at=later.isoformat())
    assert (answer.status_code, answer.json["status"], answer.json["reason"]) == (
        201,
        "scheduled",
        None,
    )
    queue = invitations_queue(runtime_of(app))
    registry = ScheduledJobRegistry(queue=queue)
    (job_id,) = registry.get_job_ids()
    assert registry.get_scheduled_time(job_id) == later
    work(app)  # a burst worker without the scheduler: nothing due
    (invitation,) = invitations(app)
    # A job run early (a sweep's, a redrive) puts it back for its time instead of sending.
    early = deliver(runtime_of(app), invitation.id, NOON + timedelta(days=1))
    assert (early.status, early.retry_at) == ("deferred", later)
    assert twilio.requests == [] and invitations(app)[0].status == "scheduled"
    assert deliver(runtime_of(app), invitation.id, later).status == "sent"
    assert [m["To"] for m in twilio.messages] == [PHONE]


@pytest.fixture
def rotated_inviting(inviting, monkeypatch):
    """`inviting`'s app after a rotation; its worker (jobs read the environment) too."""
    app, token = inviting
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", NEW_KEY)
    monkeypatch.setenv("FEEDBOT_PREVIOUS_SECRET_KEYS", TEST_SECRET_KEY)
    settings = runtime_of(app).settings
    new = rotated(
        app,
        **inviting_settings(settings.redis_url, settings.twilio_api_base, settings.services_file),
    )
    yield app, new, token
    runtime_of(new).db.dispose()


def test_no_invitation_to_a_number_that_stopped_under_a_replaced_key(rotated_inviting, twilio):
    old, new, token = rotated_inviting
    # The STOP reached an instance still on the old key (before its restart).
    Texter(old.test_client(), phone=PHONE, to="+12025550100").send("STOP")
    response = invite(new, token)
    assert (response.json["status"], response.json["reason"]) == ("suppressed", "opted out")
    work(new)
    assert twilio.requests == []


def test_an_invitation_queued_before_a_key_rotation_is_not_sent_after_a_stop(
    rotated_inviting, twilio
):
    old, new, token = rotated_inviting
    later = (NOON + timedelta(minutes=30)).isoformat()
    assert invite(old, token, send_at=later).json["status"] == "scheduled"
    # Stored under the old key; the person texts STOP to an instance on the new one.
    Texter(new.test_client(), phone=PHONE, to="+12025550100").send("STOP")
    runtime_of(new).db.dispose()
    worker_app = make_app(
        runtime_of(new).settings.database_url,
        secret_key=NEW_KEY,
        previous_secret_keys=(TEST_SECRET_KEY,),
        fixed_now=NOON + timedelta(hours=1),
    )
    (invitation,) = invitations(worker_app)
    delivery = deliver(runtime_of(worker_app), invitation.id, NOON + timedelta(hours=1))
    assert delivery.status == "suppressed"
    assert twilio.requests == []
    (invitation,) = invitations(worker_app)
    assert (invitation.status, invitation.reason) == ("suppressed", "opted out")
    runtime_of(worker_app).db.dispose()


def test_the_window_counts_invitations_made_under_a_replaced_key(rotated_inviting, twilio):
    old, new, token = rotated_inviting
    assert invite(old, token, transaction_id="T-1").json["status"] == "scheduled"
    again = invite(new, token, transaction_id="T-2").json
    assert (again["status"], again["reason"]) == ("suppressed", "invited within the window")
    with runtime_of(new).db.transaction() as db:
        assert len(db.scalars(select(Invitation)).all()) == 2


def test_numbers_that_cannot_receive_texts_are_refused_by_row(inviting, twilio):
    """They were accepted and texted: paid sends that could reach no one."""
    app, token = inviting
    rows = [
        {"service": "passport", "phone": "+442079460018"},  # a London landline
        {"service": "passport", "phone": "+19005550100"},
        {"service": "passport", "phone": "+12025550100"},  # the service's own number
        {"service": "passport", "phone": "+18005550100"},  # toll-free may be text-enabled
    ]
    answer = app.test_client().post(
        "/api/invitations/batch",
        json={"invitations": rows},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert answer.json["errors"] == [
        {"row": 1, "error": "phone is a landline, which cannot receive texts"},
        {"row": 2, "error": "phone is a premium-rate number, which cannot receive texts"},
        {"row": 3, "error": "phone is one of the service's own numbers"},
    ]
    assert [a["row"] for a in answer.json["accepted"]] == [4]


def test_no_invitation_to_a_person_answering_a_survey_of_the_service(inviting, twilio):
    """The invitation opened a second survey on the thread: the one they were answering was
    left unfinished, and their next answer was read as the new survey's first."""
    app, token = inviting
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    texter.send("Hi")
    texter.send("4")
    assert invite(app, token, transaction_id="MID-2").json["status"] == "scheduled"
    work(app)
    assert twilio.requests == []
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.reason) == ("suppressed", "a survey is in progress")
    assert "Anything else" in texter.send("1 3")


def test_an_undelivered_invitation_offered_no_one_and_leaves_no_survey(inviting, twilio):
    from feedbot.fiscal import fiscal_quarter
    from feedbot.invitations import offered_counts

    app, token = inviting
    invite(app, token)
    work(app)
    (invitation,) = invitations(app)
    assert invitation.conversation_id is not None
    status_callback(
        app, MessageSid=invitation.message_sid, MessageStatus="undelivered", ErrorCode="30006"
    )
    with runtime_of(app).db.transaction() as db:
        assert db.scalars(select(Conversation)).all() == []  # never an "abandoned" response
        quarter = fiscal_quarter(NOON, "America/New_York")
        assert offered_counts(db, "passport", quarter, "America/New_York") == 0
    assert invitations(app)[0].conversation_id is None


def test_a_reminder_asks_for_no_delivery_report_its_invitation_does(inviting, twilio):
    """Its sid is not kept, so every report Twilio made of it was a 404 (Twilio's error
    11200 in the agency's console)."""
    from feedbot.invitations import remind

    app, token = inviting
    settings = runtime_of(app).settings
    public = make_app(
        settings.database_url,
        **inviting_settings(settings.redis_url, settings.twilio_api_base, settings.services_file),
        public_url="https://feedbot.example.gov",
    )
    invite(public, token, service="benefits")
    (invitation,) = invitations(public)
    assert deliver(runtime_of(public), invitation.id, NOON).status == "sent"
    assert remind(runtime_of(public), invitation.id, NOON + timedelta(days=1)).status == "sent"
    sent, reminder = twilio.messages
    assert sent["StatusCallback"] == "https://feedbot.example.gov/twilio/status"
    assert reminder["Body"].startswith("Recordatorio") and "StatusCallback" not in reminder
    runtime_of(public).db.dispose()


def test_sending_logs_one_line_not_the_twilio_librarys_request_dump(inviting, twilio, caplog):
    caplog.set_level("DEBUG")
    app, token = inviting
    invite(app, token)
    work(app)
    assert twilio.messages
    assert not [r for r in caplog.records if r.name == "twilio.http_client"]
    assert "invitation 1 sent for service passport" in caplog.messages


def test_stop_in_words_twilio_does_not_know_ends_reminders_and_invitations(inviting, twilio):
    from feedbot.invitations import remind

    app, token = inviting
    invite(app, token, service="benefits", transaction_id="B-1")
    work(app)
    (invitation,) = invitations(app)
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550101")
    assert texter.send("ALTO, por favor") == (
        "No recibira mas mensajes de Administracion de Beneficios. "
        "Responda START para volver a recibirlos."
    )
    assert remind(runtime_of(app), invitation.id, NOON + timedelta(days=1)).status == "skipped"
    again = invite(app, token, service="benefits", transaction_id="B-2").json
    assert (again["status"], again["reason"]) == ("suppressed", "opted out")
    work(app)
    assert len(twilio.messages) == 1  # the first invitation, nothing after the opt-out


def test_a_reminder_says_again_how_to_opt_out(inviting, twilio):
    from feedbot.invitations import remind

    app, token = inviting
    invite(app, token, service="benefits")
    invite(app, token, service="benefits", phone="+12025550144", language="en")
    work(app)
    spanish, english = invitations(app)
    now = NOON + timedelta(days=1)
    assert remind(runtime_of(app), spanish.id, now).status == "sent"
    assert remind(runtime_of(app), english.id, now).status == "sent"
    reminders = [m["Body"] for m in twilio.messages if m["Body"].startswith(("Recor", "Remin"))]
    assert [body.splitlines()[-1] for body in reminders] == [
        "Responda STOP para no recibir mas mensajes.",  # folded to GSM-7, as every text is
        "Reply STOP to opt out.",
    ]
    assert measure_sms(reminders[0]).encoding == "GSM-7"


def test_an_invitation_made_before_a_key_rotation_takes_the_reply_sent_after_it(
    rotated_inviting, twilio
):
    """Its survey was opened on the thread of the old key's hash, the reply reached the new
    one's: the person got the opening again, their "5" was lost, and the reminder went out."""
    from feedbot.invitations import remind

    old, new, token = rotated_inviting
    later = (NOON + timedelta(minutes=30)).isoformat()
    assert invite(old, token, service="benefits", send_at=later).json["status"] == "scheduled"
    (invitation,) = invitations(new)
    now = NOON + timedelta(hours=1)
    assert deliver(runtime_of(new), invitation.id, now).status == "sent"
    texter = Texter(new.test_client(), phone=PHONE, to="+12025550101")
    assert "¿Qué hizo la diferencia" in texter.send("5")
    (invitation,) = invitations(new)
    with runtime_of(new).db.transaction() as db:
        (conversation,) = db.scalars(select(Conversation)).all()
    assert conversation.invitation_id == invitation.id and conversation.answered
    assert remind(runtime_of(new), invitation.id, now + timedelta(days=1)).status == "skipped"


def test_no_reminder_for_an_invitation_sent_before_a_key_rotation(rotated_inviting, twilio):
    """The survey's thread predates the rotation: a reply would begin a new survey, and the
    reminder's question answered there was read as that survey's (an answer of 2 to the trust
    question stored as driver 2)."""
    from feedbot.invitations import remind

    old, new, token = rotated_inviting
    invite(old, token, service="benefits")
    (invitation,) = invitations(old)
    assert deliver(runtime_of(old), invitation.id, NOON).status == "sent"
    assert remind(runtime_of(new), invitation.id, NOON + timedelta(days=1)).status == "skipped"
    assert len(twilio.messages) == 1


def test_no_invitation_to_a_person_who_texted_in_and_has_not_answered_yet(inviting, twilio):
    """They texted "hi" and got the trust question: the invitation sent a second notice and
    trust question, their survey was orphaned (closed abandoned a day later) and their answer
    went to the invitation's; the quarter counted two offered, one respondent."""
    app, token = inviting
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    assert "increased my trust" in texter.send("hi")
    assert invite(app, token).json["status"] == "scheduled"
    work(app)
    assert twilio.requests == []
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.reason) == ("suppressed", "a survey is in progress")
    assert "What about this interaction" in texter.send("5")
    with runtime_of(app).db.transaction() as db:
        (conversation,) = db.scalars(select(Conversation))
    assert conversation.invitation_id is None and conversation.answered


@contextmanager
def text_held_open(app, body, service="passport"):
    """The person's text `body` to `service` applied by the SMS channel's turn, left
    uncommitted (its thread's lock held) until the block ends: another request meeting it then
    must wait."""
    from feedbot.conversations import Inbound, handle_reply
    from feedbot.engine import Reply
    from feedbot.identity import sender_key

    runtime = runtime_of(app)
    key = sender_key(PHONE, runtime.settings.secret_key)
    inbound = Inbound(
        service=runtime.services.get(service),
        channel="sms",
        thread_key=key,
        sender_key=key,
        reply=Reply(text=body),
        received_at=NOON,
        message_id=new_message_sid(),
        honours_carrier_keywords=True,
    )
    with runtime.db.transaction() as db:
        yield handle_reply(db, inbound, runtime.settings.idle_expiry)


def started_and_waiting(thread, database_url):
    """Start `thread` and return once it waits on a lock (True), or has ended without being
    seen waiting (False)."""
    from tests.test_worker import waiting_on_a_lock

    thread.start()
    while thread.is_alive():
        if waiting_on_a_lock(database_url):
            return True
        thread.join(0.01)
    return False


@ON_POSTGRES
def test_an_invitation_job_meeting_the_persons_first_text_leaves_their_survey_alone(
    inviting, twilio, database_url
):
    """The job found no survey, since the "hi" that began one was not committed yet, then
    opened its own on the thread once it was: two notices, and the first survey orphaned."""
    app, token = inviting
    invite(app, token)
    (invitation,) = invitations(app)
    runtime = runtime_of(app)
    deliveries = []
    job = threading.Thread(target=lambda: deliveries.append(deliver(runtime, invitation.id, NOON)))
    with text_held_open(app, "hi") as outcome:
        started_and_waiting(job, database_url)
    job.join()
    assert outcome.disposition == "prompts" and outcome.prompts[0].kind == "notice"
    assert [delivery.status for delivery in deliveries] == ["suppressed"]
    assert twilio.requests == []
    with runtime_of(app).db.transaction() as db:
        (conversation,) = db.scalars(select(Conversation))
    assert (conversation.status, conversation.invitation_id) == ("active", None)
    reply = Texter(app.test_client(), phone=PHONE, to="+12025550100").send("5")
    assert "What about this interaction" in reply


@ON_POSTGRES
def test_an_undelivered_report_meeting_the_persons_reply_keeps_their_survey(
    inviting, twilio, database_url
):
    """The report dropped the survey the reply was being stored in: a foreign key violation,
    answered 500, so Twilio never retried and the invitation stayed 'sent' (offered)."""
    app, token = inviting
    invite(app, token)
    work(app)
    (invitation,) = invitations(app)
    answers = []
    report = {"MessageSid": invitation.message_sid, "MessageStatus": "undelivered"}
    reporter = threading.Thread(
        target=lambda: answers.append(status_callback(app, **report, ErrorCode="30003"))
    )
    with text_held_open(app, "5"):
        started_and_waiting(reporter, database_url)
    reporter.join()
    assert [answer.status_code for answer in answers] == [204]
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.phone) == ("undelivered", None)
    with runtime_of(app).db.transaction() as db:
        (conversation,) = db.scalars(select(Conversation))
    assert conversation.answered and conversation.status == "active"
    reply = Texter(app.test_client(), phone=PHONE, to="+12025550100").send("1 3")
    assert "Anything else" in reply


@ON_POSTGRES
def test_a_reply_meeting_an_undelivered_report_starts_a_survey_afresh(
    inviting, twilio, database_url
):
    """The other order: the report drops the survey first, and the reply waits for it, then
    begins a survey of its own."""
    from feedbot.invitations import record_status

    app, token = inviting
    invite(app, token)
    work(app)
    (invitation,) = invitations(app)
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    replies = []
    replier = threading.Thread(target=lambda: replies.append(texter.send("5")))
    with runtime_of(app).db.transaction() as db:
        assert record_status(db, invitation.message_sid, "undelivered", 30003)
        started_and_waiting(replier, database_url)
    replier.join()
    assert texter.last_status == 200 and "increased my trust" in replies[0]
    with runtime_of(app).db.transaction() as db:
        (conversation,) = db.scalars(select(Conversation))
    assert conversation.invitation_id is None and not conversation.answered


def job_meeting_a_stop_in_words(
    app, invitation_id, database_url, job=deliver, now=NOON, service="passport"
):
    """Run the invitation job (or `job`, such as its reminder's) of `invitation_id` on `app`
    at `now` while the person's "Please stop texting me" to `service` is being stored (its
    turn holding their thread), then let the STOP commit; return the job's delivery."""
    runtime = runtime_of(app)
    deliveries = []
    worker = threading.Thread(target=lambda: deliveries.append(job(runtime, invitation_id, now)))
    with text_held_open(app, "Please stop texting me", service) as outcome:
        started_and_waiting(worker, database_url)
    worker.join()
    assert outcome.disposition == "stopped" and "won't get more messages" in outcome.notes[0]
    (delivery,) = deliveries
    return delivery


@ON_POSTGRES
def test_an_invitation_job_meeting_a_stop_in_words_sends_nothing(inviting, twilio, database_url):
    """The job looked for a STOP before waiting for the person's text being stored, and not
    after: the invitation went out after feedbot had answered "You won't get more messages"
    (4 of 40 in the race test)."""
    app, token = inviting
    invite(app, token)
    (invitation,) = invitations(app)
    assert job_meeting_a_stop_in_words(app, invitation.id, database_url).status == "suppressed"
    assert twilio.requests == []
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.reason) == ("suppressed", "opted out")


@ON_POSTGRES
def test_an_invitation_made_before_a_key_rotation_meeting_a_stop_in_words_sends_nothing(
    rotated_inviting, twilio, database_url
):
    """Made under the replaced key, the person's STOP comes on their thread under the current
    one: that is the thread the job waits for, and its STOP counts."""
    old, new, token = rotated_inviting
    invite(old, token)
    (invitation,) = invitations(new)
    assert job_meeting_a_stop_in_words(new, invitation.id, database_url).status == "suppressed"
    assert twilio.requests == []
    (invitation,) = invitations(new)
    assert (invitation.status, invitation.reason) == ("suppressed", "opted out")


@ON_POSTGRES
def test_a_reminder_job_meeting_a_stop_in_words_sends_nothing(inviting, twilio, database_url):
    """The reminder looked for a STOP without waiting for the person's text being stored:
    the reminder went out after feedbot had answered "You won't get more messages"."""
    from feedbot.invitations import remind

    app, token = inviting
    invite(app, token, service="benefits", language="en")
    work(app)
    (invitation,) = invitations(app)
    assert invitation.status == "sent" and invitation.phone == PHONE
    tomorrow = NOON + timedelta(days=1)
    delivery = job_meeting_a_stop_in_words(
        app, invitation.id, database_url, job=remind, now=tomorrow, service="benefits"
    )
    assert delivery.status == "skipped"
    assert len(twilio.messages) == 1  # the invitation, and no reminder after the STOP
    (invitation,) = invitations(app)
    assert (invitation.phone, invitation.reminded_at) == (None, None)


def job_meeting_a_text(app, job, invitation_id, now, body, service, database_url):
    """Run `job` (deliver or remind) for `invitation_id` at `now` while the person's text
    `body` to `service` is being stored (its turn left uncommitted), then let the text commit.
    Return the text's outcome, the job's delivery, and whether the job was seen waiting on a
    lock (pg_stat_activity) before the text committed."""
    runtime = runtime_of(app)
    deliveries = []
    worker = threading.Thread(target=lambda: deliveries.append(job(runtime, invitation_id, now)))
    with text_held_open(app, body, service) as outcome:
        waited = started_and_waiting(worker, database_url)
    worker.join()
    (delivery,) = deliveries
    return outcome, delivery, waited


# STOP holds across services (opt-outs are the person's, not a thread's), so a job of one
# service waits for a STOP or START being stored to another. On SQLite every write transaction
# begins IMMEDIATE and runs alone, so only PostgreSQL lets the two meet.


@ON_POSTGRES
def test_an_invitation_job_meeting_a_stop_to_another_service_sends_nothing(
    inviting, twilio, database_url
):
    """The job locked the person's thread of its own service, and the STOP held the thread of
    the other: it read no STOP and texted the invitation just after the person was told
    "You won't get more messages"."""
    app, token = inviting
    invite(app, token)  # passport
    (invitation,) = invitations(app)
    stop, delivery, waited = job_meeting_a_text(
        app, deliver, invitation.id, NOON, "Please stop texting me", "benefits", database_url
    )
    assert stop.disposition == "stopped" and stop.notes  # told no more messages will come
    assert (delivery.status, waited) == ("suppressed", True)
    assert twilio.requests == []
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.reason, invitation.phone) == (
        "suppressed",
        "opted out",
        None,
    )


@ON_POSTGRES
def test_a_reminder_job_meeting_a_stop_to_another_service_sends_nothing(
    inviting, twilio, database_url
):
    from feedbot.invitations import remind

    app, token = inviting
    invite(app, token, service="benefits", language="en")  # benefits sends a reminder
    work(app)
    (invitation,) = invitations(app)
    assert invitation.status == "sent" and invitation.phone == PHONE
    tomorrow = NOON + timedelta(days=1)
    stop, delivery, waited = job_meeting_a_text(
        app, remind, invitation.id, tomorrow, "Please stop texting me", "passport", database_url
    )
    assert stop.disposition == "stopped" and "won't get more messages" in stop.notes[0]
    assert (delivery.status, waited) == ("skipped", True)
    assert len(twilio.messages) == 1  # the invitation, and no reminder after the STOP
    (invitation,) = invitations(app)
    assert (invitation.phone, invitation.reminded_at) == (None, None)


@ON_POSTGRES
def test_an_invitation_job_meeting_a_start_to_another_service_sends_it(
    inviting, twilio, database_url
):
    """Invited, then STOP and START to another service's number: the job waits for the START
    being stored and, the person back in, texts the invitation. It read the STOP not yet
    deleted and dropped the invitation for good."""
    app, token = inviting
    invite(app, token)  # passport
    Texter(app.test_client(), phone=PHONE, to="+12025550101").send("Please stop texting me")
    (invitation,) = invitations(app)
    start, delivery, waited = job_meeting_a_text(
        app, deliver, invitation.id, NOON, "START", "benefits", database_url
    )
    assert start.disposition == "prompts"  # back in: the benefits survey begins
    assert (delivery.status, waited) == ("sent", True)
    assert [message["To"] for message in twilio.messages] == [PHONE]
    reply = Texter(app.test_client(), phone=PHONE, to="+12025550100").send("5")
    assert "What about this interaction" in reply  # the invitation's survey goes on
