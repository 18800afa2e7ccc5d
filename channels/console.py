"""Terminal play-through of a phone call: what would be spoken is printed, keys are typed.

It drives the real voice webhooks through Flask's test client with correctly signed requests,
following the action URLs of each TwiML answer exactly as Twilio does.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable

import click
from flask import Flask
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from feedbot.runtime import current_runtime
from feedbot.services import Service

# Where Twilio is taken to call when FEEDBOT_PUBLIC_URL is unset: the URL as received.
BASE_URL = "http://localhost"


def play_call(
    app: Flask,
    service: Service,
    auth_token: str,
    ask: Callable[[], str | None],
    show: Callable[[str], None],
) -> None:
    """Play one call: `ask` returns what the caller types (None hangs up), `show` prints.

    A refused request (a ClickException) ends the call with its reason, not a traceback.
    """
    client = app.test_client()
    validator = RequestValidator(auth_token)
    # Signed as Twilio signs: the URL it calls, which the app checks under
    # FEEDBOT_PUBLIC_URL when that is set (it always is in production).
    with app.app_context():
        base = current_runtime().settings.public_url or BASE_URL
    call = {
        "CallSid": "CA" + secrets.token_hex(16),
        "From": "+10000000000",
        "To": service.voice_numbers[0],
        "CallStatus": "in-progress",
    }

    def post(url: str, extra: dict[str, str]) -> TestResponse:
        params = {**call, **extra}
        full = _absolute(url, base)
        signature = validator.compute_signature(full, params)
        response = client.post(
            full[len(base) :], data=params, headers={"X-Twilio-Signature": signature}
        )
        if response.status_code >= 300:
            raise click.ClickException(f"feedbot refused the call: {_refusal(response)}")
        return response

    twiml = _twiml(post("/twilio/voice", {}))
    while True:
        for say in twiml.iter("Say"):
            show(say.text or "")
        if twiml.find("Hangup") is not None:
            return
        typed = ask()
        if typed is None:
            post("/twilio/voice/status", {"CallStatus": "completed"})
            return
        twiml = _twiml(post(*_next_request(twiml, typed.strip())))


def _absolute(url: str, base: str) -> str:
    """The full URL Twilio would call for a URL in TwiML (absolute under FEEDBOT_PUBLIC_URL,
    or relative to the app's root when it is unset)."""
    full = url if "://" in url else base + url
    if not full.startswith(base + "/"):
        raise click.ClickException(f"the call was sent outside feedbot ({url[:80]})")
    return full


def _twiml(response: TestResponse) -> ET.Element:
    if response.mimetype != "text/xml":
        raise click.ClickException(f"feedbot answered the call with no TwiML: {_refusal(response)}")
    return ET.fromstring(response.data)


def _refusal(response: TestResponse) -> str:
    reason = response.json.get("error", "") if response.is_json and response.json else ""
    return f"{response.status_code} {reason}".strip()


def _next_request(twiml: ET.Element, typed: str) -> tuple[str, dict[str, str]]:
    gather = twiml.find("Gather")
    redirect = twiml.find("Redirect")
    if not typed and redirect is not None:
        return redirect.text or "", {}
    action = gather.get("action", "") if gather is not None else ""
    if all(char in "0123456789*#" for char in typed):
        return action, {"Digits": typed.rstrip("#")}
    return action, {"SpeechResult": typed}
