"""The OpenAPI document at /api/openapi.json: valid OpenAPI 3.1, and true to what the app answers
on every documented operation (schemathesis checks status codes, content types, headers and
bodies against it)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from feedbot.api_spec import openapi_spec
from feedbot.staff_auth import create_token
from tests.conftest import make_app, runtime_of
from tests.support.fake_twilio import fake_twilio
from tests.support.records import add_record

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CHAT_ORIGIN = "https://studentaid.example.gov"


def test_served_document_is_valid_openapi(sqlite_app):
    response = sqlite_app.test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.is_json
    assert response.json == openapi_spec()
    validate(response.json)
    documented = set(response.json["paths"])
    assert documented == {
        "/api/openapi.json",
        "/api/chat/sessions",
        "/api/chat/messages",
        "/api/chat/transcript",
        "/api/chat/config/{service_id}",
        "/api/exports/responses",
        "/api/exports/a11-quarterly",
        "/api/invitations",
        "/api/invitations/batch",
    }


@pytest.fixture
def api(database_url):
    """The schema as schemathesis reads it from the app, staff tokens and a record to export;
    invitations go to a Twilio stand-in (sent during the request: no REDIS_URL), at noon in
    Washington, inside quiet hours' window."""
    noon = datetime.now(ZoneInfo("America/New_York")).replace(hour=12, minute=0, second=0)
    with fake_twilio() as twilio:
        app = make_app(database_url, twilio_api_base=twilio.url, fixed_now=noon)
        with runtime_of(app).db.transaction() as db:
            add_record(db, question_1=4, positive=("ease",), question_4="Quick and kind")
            tokens = {
                "export": create_token(db, "exporter", None, ["export"]),
                "passport": create_token(db, "passport-only", ["passport"], ["export", "invite"]),
                "invite": create_token(db, "inviter", None, ["invite"]),
            }
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", app), tokens
        runtime_of(app).db.dispose()


def conform(schema, path: str, method: str, **case) -> dict | list | bytes:  # type: ignore[type-arg]
    """Send one request built from `case`, check it against the document, return its body."""
    operation = schema[path][method]
    request = operation.Case(**case)
    response = request.call()
    request.validate_response(response, checks=CONFORMANCE)
    if response.headers.get("content-type", [""])[0].startswith("application/json"):
        return response.json()
    return response.content


def test_chat_answers_conform(api):
    schema, _ = api
    origin = {"Origin": CHAT_ORIGIN}
    started = conform(
        schema, "/api/chat/sessions", "POST", body={"service": "webchat"}, headers=origin
    )
    bearer = {"Authorization": f"Bearer {started['session']}"}
    messages = "/api/chat/messages"
    asked = conform(schema, messages, "POST", body={"value": 4}, headers={**origin, **bearer})
    drivers = [choice["value"] for choice in asked["messages"][-1]["choices"]]
    conform(schema, messages, "POST", body={"value": drivers[:2]}, headers=bearer)
    conform(schema, messages, "POST", body={"text": "x" * 2001}, headers=bearer)
    conform(schema, messages, "POST", body={"skip": True}, headers=bearer)
    transcript = conform(schema, "/api/chat/transcript", "GET", headers=bearer)
    assert transcript["done"] is True
    for refused in (
        {"body": {"service": "nope"}},
        {"body": {"service": "webchat"}, "headers": {"Origin": "https://evil.example"}},
        {"body": ["not", "an", "object"]},
    ):
        assert "error" in conform(schema, "/api/chat/sessions", "POST", **refused)
    unknown = {"Authorization": "Bearer no-such-session"}
    assert "error" in conform(schema, "/api/chat/transcript", "GET", headers=unknown)
    assert "error" in conform(schema, "/api/chat/transcript", "GET")  # no token: 401
    config = "/api/chat/config/{service_id}"
    assert conform(schema, config, "GET", path_parameters={"service_id": "webchat"})["strings"]
    assert "error" in conform(schema, config, "GET", path_parameters={"service_id": "nope"})


def test_export_answers_conform(api):
    schema, tokens = api
    bearer = {"Authorization": f"Bearer {tokens['export']}"}
    responses = "/api/exports/responses"
    for fmt in ("csv", "jsonl", "xlsx"):
        assert conform(schema, responses, "GET", query={"format": fmt}, headers=bearer)
    assert "error" in conform(schema, responses, "GET", query={"quarter": "2027"}, headers=bearer)
    assert "error" in conform(schema, responses, "GET")
    wrong_scope = {"Authorization": f"Bearer {tokens['invite']}"}
    assert "error" in conform(schema, responses, "GET", headers=wrong_scope)
    quarterly = "/api/exports/a11-quarterly"
    rows = conform(
        schema, quarterly, "GET", query={"quarter": "FY2027Q1", "format": "json"}, headers=bearer
    )
    assert rows[0]["volume_of_respondents"] == 1
    assert conform(schema, quarterly, "GET", query={"quarter": "FY2027Q1"}, headers=bearer)
    # A reflection too long for a URL goes in the body, in JSON or as a form.
    body = {"quarter": "FY2027Q1", "service": "passport", "reflection_text": "季度" * 5_000}
    as_json = {"media_type": "application/json"}
    posted = conform(
        schema, quarterly, "POST", body={**body, "format": "json"}, headers=bearer, **as_json
    )
    assert [row["reflection_text"] for row in posted] == [body["reflection_text"]]
    form = {"media_type": "application/x-www-form-urlencoded"}
    assert conform(schema, quarterly, "POST", body=body, headers=bearer, **form)
    unknown = {"quarter": "FY2027Q1", "reflection": "x"}
    assert "error" in conform(schema, quarterly, "POST", body=unknown, headers=bearer, **as_json)
    assert "error" in conform(schema, quarterly, "POST", body=body, **as_json)
    other = {"Authorization": f"Bearer {tokens['passport']}"}
    query = {"quarter": "FY2027Q1", "service": "benefits"}
    assert "error" in conform(schema, quarterly, "GET", query=query, headers=other)


def test_invitation_answers_conform(api):
    schema, tokens = api
    bearer = {"Authorization": f"Bearer {tokens['invite']}"}
    one = {"service": "passport", "phone": "+12025550143", "transaction_id": "T-1"}
    created = conform(schema, "/api/invitations", "POST", body=one, headers=bearer)
    assert created["status"] == "sent"
    assert conform(schema, "/api/invitations", "POST", body=one, headers=bearer)["id"]
    invalid = {"service": "passport", "phone": "not a phone"}
    assert conform(schema, "/api/invitations", "POST", body=invalid, headers=bearer)["row"] == 1
    batch = {"invitations": [{**one, "transaction_id": "T-2"}, invalid]}
    mixed = conform(schema, "/api/invitations/batch", "POST", body=batch, headers=bearer)
    assert len(mixed["accepted"]) == 1 and mixed["errors"][0]["row"] == 2
    too_many = {"invitations": [invalid] * 1001}
    assert "error" in conform(
        schema, "/api/invitations/batch", "POST", body=too_many, headers=bearer
    )
    assert "error" in conform(schema, "/api/invitations", "POST", body=one)
