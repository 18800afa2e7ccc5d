"""Terminal play-through of a phone call: what would be spoken is printed, keys are typed.

It drives the real voice webhooks through Flask's test client with correctly signed requests,
following the action URLs of each TwiML answer exactly as Twilio does.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable

from flask import Flask
from twilio.request_validator import RequestValidator

from feedbot.services import Service

BASE_URL = "http://localhost"


def play_call(
    app: Flask,
    service: Service,
    auth_token: str,
    ask: Callable[[], str | None],
    show: Callable[[str], None],
) -> None:
    """Play one call: `ask` returns what the caller types (None hangs up), `show` prints."""
    client = app.test_client()
    validator = RequestValidator(auth_token)
    call = {
        "CallSid": "CA" + secrets.token_hex(16),
        "From": "+10000000000",
        "To": service.voice_numbers[0],
        "CallStatus": "in-progress",
    }

    def post(path: str, extra: dict[str, str]) -> ET.Element:
        params = {**call, **extra}
        signature = validator.compute_signature(BASE_URL + path, params)
        response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        return ET.fromstring(response.data)

    twiml = post("/twilio/voice", {})
    while True:
        for say in twiml.iter("Say"):
            show(say.text or "")
        if twiml.find("Hangup") is not None:
            return
        typed = ask()
        if typed is None:
            post("/twilio/voice/status", {"CallStatus": "completed"})
            return
        twiml = post(*_next_request(twiml, typed.strip()))


def _next_request(twiml: ET.Element, typed: str) -> tuple[str, dict[str, str]]:
    gather = twiml.find("Gather")
    redirect = twiml.find("Redirect")
    if not typed and redirect is not None:
        return redirect.text or "", {}
    action = gather.get("action", "") if gather is not None else ""
    if all(char in "0123456789*#" for char in typed):
        return action, {"Digits": typed.rstrip("#")}
    return action, {"SpeechResult": typed}
