"""A caller for tests: follows the action URLs of each TwiML answer, as Twilio does, signing
every request, and hears what the <Say> verbs would speak."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from flask.testing import FlaskClient

from tests.support.texting import BASE_URL, TEST_AUTH_TOKEN, sign


@dataclass
class Turn:
    """One TwiML answer: what was said, where Twilio goes next, the raw XML."""

    xml: ET.Element
    raw: bytes

    @property
    def spoken(self) -> str:
        return " ".join(say.text or "" for say in self.xml.iter("Say"))

    @property
    def gather(self) -> ET.Element | None:
        return self.xml.find("Gather")

    @property
    def redirect(self) -> str | None:
        element = self.xml.find("Redirect")
        return element.text if element is not None else None

    @property
    def hung_up(self) -> bool:
        return self.xml.find("Hangup") is not None


@dataclass
class Caller:
    """One person calling one service number."""

    client: FlaskClient
    phone: str = "+12025550143"
    to: str = "+12025550100"
    # Random, not counted from 1: the hostile-input suite sends CallSids CA00…00 to CA00…06.
    call_sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    turns: list[Turn] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def dial(self) -> Turn:
        return self.post("/twilio/voice", {})

    def press(self, digits: str) -> Turn:
        return self.post(self._action(), {"Digits": digits})

    def key_in(self, keys: str) -> Turn:
        """Press `keys` one after another, as Twilio's Gather takes them: it sends what was
        pressed when its numDigits are in, or when its finishOnKey is pressed (not sent; "#"
        unless the Gather names another, or none), or else all of them after a pause."""
        gather = self.turns[-1].gather
        assert gather is not None, f"nothing to answer: {self.turns[-1].raw!r}"
        finish = gather.get("finishOnKey", "#")
        limit = int(gather.get("numDigits") or len(keys))
        digits = ""
        for key in keys:
            if key == finish:
                break
            digits += key
            if len(digits) == limit:
                break
        return self.press(digits)

    def say(self, speech: str, confidence: str | None = "0.9") -> Turn:
        """Speak; Twilio sends no Confidence with some speech models (`confidence=None`)."""
        heard = {"SpeechResult": speech}
        if confidence is not None:
            heard["Confidence"] = confidence
        return self.post(self._action(), heard)

    def respond(self, **fields: str) -> Turn:
        """Answer the Gather with exactly these fields (Digits and SpeechResult together,
        an empty SpeechResult…)."""
        return self.post(self._action(), fields)

    def stay_silent(self) -> Turn:
        """Let the Gather time out: Twilio then follows the <Redirect> after it."""
        redirect = self.turns[-1].redirect
        assert redirect, "no Redirect after the Gather"
        return self.post(redirect, {})

    def hang_up(self) -> int:
        return self.status("completed")

    def status(self, call_status: str) -> int:
        params = self._params({"CallStatus": call_status})
        url = BASE_URL + "/twilio/voice/status"
        response = self.client.post(
            "/twilio/voice/status", data=params, headers={"X-Twilio-Signature": sign(url, params)}
        )
        return response.status_code

    def resend_last(self) -> Turn:
        """Twilio delivering the same step again."""
        path, params = self.requests[-1]
        return self._send(path, params)

    def post(self, path: str, extra: dict[str, str]) -> Turn:
        params = self._params(extra)
        self.requests.append((path, params))
        return self._send(path, params)

    def _send(self, path: str, params: dict[str, str]) -> Turn:
        response = self.client.post(
            path,
            data=params,
            headers={"X-Twilio-Signature": sign(BASE_URL + path, params, TEST_AUTH_TOKEN)},
        )
        assert response.status_code == 200, response.data
        turn = Turn(ET.fromstring(response.data), response.data)
        assert_documented_twiml(turn.xml)
        self.turns.append(turn)
        return turn

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.phone,
            "To": self.to,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }

    def _action(self) -> str:
        gather = self.turns[-1].gather
        assert gather is not None, f"nothing to answer: {self.turns[-1].raw!r}"
        return gather.get("action")


# Verbs and attributes as Twilio's TwiML reference documents them; nothing else may appear.
TWIML_VOICE_VOCABULARY: dict[str, set[str]] = {
    "Response": set(),
    "Say": {"voice", "language", "loop"},
    "Gather": {
        "action",
        "actionOnEmptyResult",
        "bargeIn",
        "debug",
        "enhanced",
        "finishOnKey",
        "hints",
        "input",
        "language",
        "method",
        "numDigits",
        "partialResultCallback",
        "partialResultCallbackMethod",
        "profanityFilter",
        "speechModel",
        "speechTimeout",
        "timeout",
    },
    "Redirect": {"method"},
    "Hangup": set(),
    "Pause": {"length"},
}
GATHER_CHILDREN = {"Say", "Play", "Pause"}
ATTRIBUTE_VALUES = {
    "input": {"dtmf", "speech", "dtmf speech", "speech dtmf"},
    "method": {"GET", "POST"},
}


def assert_documented_twiml(root: ET.Element) -> None:
    """Every element is a documented verb with documented attributes and values."""
    assert root.tag == "Response"
    for element in root.iter():
        assert element.tag in TWIML_VOICE_VOCABULARY, element.tag
        unknown = set(element.attrib) - TWIML_VOICE_VOCABULARY[element.tag]
        assert not unknown, f"{element.tag} has undocumented attributes {unknown}"
        for name, allowed in ATTRIBUTE_VALUES.items():
            if name in element.attrib:
                assert element.attrib[name] in allowed, (element.tag, name, element.attrib[name])
        if element.tag == "Gather":
            assert {child.tag for child in element} <= GATHER_CHILDREN
            assert element.attrib.get("timeout", "5").isdigit()
        if element.tag == "Say":
            assert (element.text or "").strip(), "empty Say"
