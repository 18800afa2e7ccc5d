"""Refusals and failures answer in a form the caller can read: JSON, or TwiML for Twilio."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import make_app
from tests.support.texting import new_message_sid, sign


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
    assert response.status_code == 503
    twiml = ET.fromstring(response.data)
    assert [child.tag for child in twiml] == ["Say", "Hangup"]
    assert "try again later" in twiml.find("Say").text


def test_chat_gets_json_503_while_the_database_is_down(app_without_database):
    client = app_without_database.test_client()
    response = client.post("/api/chat/sessions", json={"service": "benefits"})
    assert response.status_code == 503 and response.is_json
    assert "database" in response.json["error"]
