"""Refusals and failures answer in a form the caller can read: JSON, or TwiML for Twilio."""

from __future__ import annotations

import logging
import secrets
import socket
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from feedbot.errors import failure_reason
from feedbot.migrations import upgrade
from tests.conftest import make_app, runtime_of
from tests.support.services import postgres_base_url
from tests.support.texting import new_message_sid, sign
from tests.test_migrations import empty_database


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_without_database():
    return make_app(f"postgresql+psycopg://root@127.0.0.1:{_closed_port()}/test")


def _signed_post(client, path: str, params: dict[str, str]):
    signature = sign(f"http://localhost{path}", params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def test_unknown_path_and_wrong_method_are_json(sqlite_app):
    client = sqlite_app.test_client()
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.is_json and missing.json["error"]
    wrong_method = client.get("/twilio/sms")
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert "POST" in wrong_method.headers["Allow"]


def test_oversized_body_is_a_json_413(sqlite_app):
    params = {"From": "+12025550143", "To": "+12025550100", "Body": "x" * 300_000}
    response = _signed_post(sqlite_app.test_client(), "/twilio/sms", params)
    assert response.status_code == 413 and response.is_json


def test_texter_gets_503_and_retry_after_while_the_database_is_down(app_without_database):
    params = {
        "MessageSid": new_message_sid(),
        "From": "+12025550143",
        "To": "+12025550100",
        "Body": "5",
    }
    response = _signed_post(app_without_database.test_client(), "/twilio/sms", params)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert ET.fromstring(response.data).tag == "Response"  # TwiML, with no message to send


def test_caller_hears_an_apology_while_the_database_is_down(app_without_database):
    params = {
        "CallSid": "CA" + "1" * 32,
        "From": "+12025550143",
        "To": "+12025550100",
        "Digits": "5",
    }
    path = "/twilio/voice/answer?step=1"
    response = _signed_post(app_without_database.test_client(), path, params)
    # With a 503 Twilio would run none of it and play its own "application error".
    assert response.status_code == 200
    twiml = ET.fromstring(response.data)
    assert [child.tag for child in twiml] == ["Say", "Hangup"]
    assert "try again later" in twiml.find("Say").text


def test_a_call_s_status_callback_gets_503_while_the_database_is_down(app_without_database):
    """No one listens to a status callback's answer: it says the hang-up was not recorded."""
    params = {"CallSid": "CA" + "1" * 32, "CallStatus": "completed", "To": "+12025550100"}
    response = _signed_post(app_without_database.test_client(), "/twilio/voice/status", params)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


def test_chat_gets_json_503_while_the_database_is_down(app_without_database):
    client = app_without_database.test_client()
    response = client.post("/api/chat/sessions", json={"service": "benefits"})
    assert response.status_code == 503 and response.is_json
    assert "database" in response.json["error"]


def _why_unreachable(database_url: str, caplog: pytest.LogCaptureFixture) -> str:
    """The error line a text logs while the database at `database_url` cannot be used."""
    app = make_app(database_url)
    params = {"MessageSid": new_message_sid(), "From": "+12025550143", "To": "+12025550100"}
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="feedbot.errors"):
        response = _signed_post(app.test_client(), "/twilio/sms", {**params, "Body": "5"})
    runtime_of(app).db.dispose()
    assert response.status_code == 503
    [line] = [record.getMessage() for record in caplog.records if record.name == "feedbot.errors"]
    return line


@pytest.mark.postgres
def test_the_log_says_why_the_database_cannot_be_reached(caplog):
    """A dropped database, a wrong user and a server that is down all logged the same
    'OperationalError'; the driver's first line tells them apart."""
    base = make_url(postgres_base_url())
    prefix = "database unreachable on /twilio/sms: OperationalError: connection failed: "
    dropped = f"feedbot_dropped_{secrets.token_hex(4)}"
    line = _why_unreachable(base.set(database=dropped).render_as_string(False), caplog)
    assert line.startswith(prefix) and line.endswith(f'database "{dropped}" does not exist')
    line = _why_unreachable(base.set(port=_closed_port()).render_as_string(False), caplog)
    assert line.startswith(prefix) and line.endswith("Connection refused")
    stranger = base.set(username="feedbot_no_such_role", password="hunter2:secret/x")
    line = _why_unreachable(stranger.render_as_string(False), caplog)
    assert line.startswith(prefix) and 'role "feedbot_no_such_role"' in line
    assert "hunter2" not in caplog.text and "secret" not in caplog.text


@pytest.mark.postgres
def test_a_reason_never_holds_the_statements_parameters_or_a_password(postgres_url):
    engine = create_engine(postgres_url)  # without feedbot's hide_parameters
    statement = text("SELECT pg_sleep(5) WHERE CAST(:phone AS text) <> :answer")
    try:
        with engine.connect() as connection, pytest.raises(OperationalError) as cancelled:
            connection.execute(text("SET statement_timeout = 50"))
            connection.execute(statement, {"phone": "+12025550143", "answer": "my SSN"})
    finally:
        engine.dispose()
    assert "+12025550143" in str(cancelled.value)  # SQLAlchemy's own text shows them
    reason = failure_reason(cancelled.value, "postgresql://feedbot:hunter2@db.internal/feedbot")
    assert reason == "canceling statement due to statement timeout"
    quoting = RuntimeError("cannot use postgresql://feedbot:hunter2@db.internal/x, hunter2")
    assert failure_reason(quoting, "postgresql://feedbot:hunter2@db.internal/x") == (
        "cannot use postgresql://***@db.internal/x, ***"
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_database_not_migrated_answers_503_and_the_log_says_to_upgrade(backend, tmp_path, caplog):
    """Every SMS and chat request failed with a 500 and an UndefinedTable traceback (503 and
    "database unreachable" on SQLite), and nothing said what to do."""
    with empty_database(backend, tmp_path) as url:
        app = make_app(url)
        client = app.test_client()
        # Never migrated, then migrated to an older revision than the code's.
        for revision in (None, "0006_inbound_by_conversation"):
            if revision is not None:
                upgrade(url, revision)
            caplog.clear()
            params = {
                "MessageSid": new_message_sid(),
                "From": "+12025550143",
                "To": "+12025550100",
                "Body": "Hi",
            }
            texted = _signed_post(client, "/twilio/sms", params)
            assert texted.status_code == 503 and texted.headers["Retry-After"] == "5"
            chat = client.post("/api/chat/sessions", json={"service": "benefits"})
            assert chat.status_code == 503 and chat.is_json
            errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            assert len(errors) == 2, errors
            assert all(message.endswith("run `feedbot db upgrade`") for message in errors)
            assert not any(record.exc_info for record in caplog.records)
        runtime_of(app).db.dispose()
