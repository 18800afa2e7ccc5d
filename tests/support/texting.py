"""A texter for tests: sends correctly signed Twilio SMS webhooks through Flask's test client."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
BASE_URL = "http://localhost"


def new_message_sid() -> str:
    # Random, not counted: a count from 1 meets the small sids the hostile-input suite sends,
    # and a real text would be dropped as a repeated delivery of one of them.
    return "SM" + secrets.token_hex(16)


def sign(url: str, params: dict[str, str], auth_token: str = TEST_AUTH_TOKEN) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


def reply_texts(twiml: bytes) -> list[str]:
    """The text of every <Message> in a TwiML reply."""
    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    return [message.text or "" for message in root.iter("Message")]


@dataclass
class Texter:
    """One member of the public texting one service number."""

    client: FlaskClient
    phone: str
    to: str
    auth_token: str = TEST_AUTH_TOKEN
    path: str = "/twilio/sms"
    last_status: int = field(default=0, init=False)

    def send(self, body: str, message_sid: str | None = None, **extra: str) -> str:
        """Text `body`; return the reply text ("" when feedbot stays silent)."""
        params = {
            "MessageSid": message_sid or new_message_sid(),
            "AccountSid": "AC" + "0" * 32,
            "From": self.phone,
            "To": self.to,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        response = self.client.post(
            self.path,
            data=params,
            headers={"X-Twilio-Signature": sign(BASE_URL + self.path, params, self.auth_token)},
        )
        self.last_status = response.status_code
        assert response.status_code == 200, response.data
        return "\n".join(reply_texts(response.data))
