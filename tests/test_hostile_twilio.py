"""Hostile input to every Twilio webhook: unsigned, wrongly signed, and correctly signed but
malformed requests (missing and huge fields, invalid UTF-8, unknown numbers, SQL and script
payloads, odd content types, query-string junk). None may fail with a 5xx or change anything
when refused; a valid, signed conversation still works afterwards."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder

from tests.conftest import make_app, runtime_of
from tests.support.calling import Caller
from tests.support.hostile import (
    HOSTILE_TEXT,
    Answer,
    Probe,
    fuzz_settings,
)
from tests.support.records import add_sent_invitation
from tests.support.texting import TEST_AUTH_TOKEN, Texter, sign

EXAMPLES = 75
# Each example sends the same request unsigned, signed with a wrong token, signed but altered
# after signing, and correctly signed.
REQUESTS_PER_RUN = 4 * EXAMPLES

KNOWN_MESSAGE_SID = "SM" + "a" * 32
SMS_NUMBERS = ("+12025550100", "+12025550101", "+12025550102")
VOICE_NUMBERS = ("+12025550100", "+12025550101")
# Not any service's number, and (unlike the 202-555-01xx test numbers) fine to see in a log.
UNKNOWN_NUMBERS = ("+19995550199", "", "+19995550100x", "+1")
CALLERS = ("+12025550143", "+12025550144", "+12025550145")


def _sometimes(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    """Mostly a plausible value; sometimes missing (None) or hostile."""
    return st.one_of(valid, valid, st.none(), HOSTILE_TEXT)


def _sids(prefix: str, pool: int) -> st.SearchStrategy[str]:
    return st.integers(0, pool).map(lambda n: f"{prefix}{n:032x}")


SMS_TO = st.sampled_from(SMS_NUMBERS + SMS_NUMBERS + UNKNOWN_NUMBERS)
VOICE_TO = st.sampled_from(VOICE_NUMBERS + VOICE_NUMBERS + UNKNOWN_NUMBERS)
FROM = st.sampled_from(CALLERS)
DIGITS = st.sampled_from(["1", "2", "3", "5", "9", "0", "*", "#", "1 3#", "135#", "", "12"])
SPEECH = st.sampled_from(["strongly agree", "it took too long", "skip", "", "español"])
SMS_BODY = st.sampled_from(["Hi", "5", "1 3", "135", "STOP", "START", "HELP", "SKIP", "ES", "4"])
STEP = st.one_of(st.integers(0, 12).map(str), st.sampled_from(["-1", "²", "9" * 5000, "1e3"]))

FIELDS: dict[str, dict[str, st.SearchStrategy[str]]] = {
    "/twilio/sms": {
        "MessageSid": _sids("SM", 2**40),
        "From": FROM,
        "To": SMS_TO,
        "Body": st.one_of(SMS_BODY, SMS_BODY, HOSTILE_TEXT),
    },
    "/twilio/status": {
        "MessageSid": st.one_of(st.just(KNOWN_MESSAGE_SID), _sids("SM", 4)),
        "MessageStatus": st.sampled_from(["queued", "sent", "delivered", "undelivered", "failed"]),
        "ErrorCode": st.sampled_from(["", "30003", "21610", "30005", "0"]),
        "To": FROM,
    },
    "/twilio/voice": {"CallSid": _sids("CA", 6), "From": FROM, "To": VOICE_TO},
    "/twilio/voice/language": {
        "CallSid": _sids("CA", 6),
        "From": FROM,
        "To": VOICE_TO,
        "Digits": DIGITS,
    },
    "/twilio/voice/answer": {
        "CallSid": _sids("CA", 6),
        "From": FROM,
        "To": VOICE_TO,
        "Digits": DIGITS,
        "SpeechResult": SPEECH,
    },
    "/twilio/voice/resume": {
        "CallSid": _sids("CA", 6),
        "From": FROM,
        "To": VOICE_TO,
        "Digits": DIGITS,
        "SpeechResult": st.sampled_from(["continue", "new", "repeat", "stop", "", "uno"]),
    },
    "/twilio/voice/status": {
        "CallSid": _sids("CA", 6),
        "From": FROM,
        "To": VOICE_TO,
        "CallStatus": st.sampled_from(["completed", "busy", "in-progress", "no-answer", "failed"]),
    },
}
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data",
        "text/plain",
        "application/json",
    ]
)


@st.composite
def webhook_requests(draw: st.DrawFn, path: str) -> dict[str, Any]:
    params = {
        name: value
        for name, strategy in FIELDS[path].items()
        if (value := draw(_sometimes(strategy))) is not None
    }
    params.update(draw(st.dictionaries(st.text(min_size=1, max_size=12), HOSTILE_TEXT, max_size=2)))
    names = st.sampled_from(["step", "silence", "language", "x", "'"])
    query = draw(st.dictionaries(names, st.one_of(STEP, st.sampled_from(["es", "zz"])), max_size=2))
    if path == "/twilio/voice/answer" and draw(st.booleans()):
        query.setdefault("step", draw(STEP))
    return {
        "params": params,
        "query": query,
        "content_type": draw(CONTENT_TYPES),
        "wrong_token": draw(
            st.sampled_from(["another-token", TEST_AUTH_TOKEN[:-1], TEST_AUTH_TOKEN.upper()])
        ),
    }


@pytest.fixture
def webhook_app(app):
    """The test app with one invitation already sent, so status callbacks can find it."""
    with runtime_of(app).db.transaction() as db:
        add_sent_invitation(db, KNOWN_MESSAGE_SID)
    return app


@pytest.mark.parametrize("path", list(FIELDS))
def test_hostile_twilio_webhook(webhook_app, path, request):
    probe = Probe(webhook_app, request.node.nodeid)

    @fuzz_settings(EXAMPLES)
    @given(webhook_requests(path))
    def fuzz(hostile: dict[str, Any]) -> None:
        unsigned = _post(probe, path, hostile, signature=None)
        assert unsigned.status == 403
        wrong = _post(probe, path, hostile, signature=hostile["wrong_token"])
        assert wrong.status == 403
        altered = _post(probe, path, hostile, signature=TEST_AUTH_TOKEN, alter=True)
        assert altered.status == 403
        signed = _post(probe, path, hostile, signature=TEST_AUTH_TOKEN)
        if signed.status == 200:
            assert ET.fromstring(signed.body).tag == "Response"
        elif signed.status < 400:
            assert signed.status == 204 and path.endswith("status")

    digest = probe.stored_digest()
    fuzz()
    assert probe.sent >= REQUESTS_PER_RUN
    if path == "/twilio/voice":
        assert probe.stored_digest() == digest, "the language menu stores nothing"
    _still_works(webhook_app)


def _post(
    probe: Probe, path: str, hostile: dict[str, Any], signature: str | None, alter: bool = False
) -> Answer:
    """POST the drawn request; `signature` is the auth token to sign with (None: unsigned);
    `alter` adds a field after signing, as a man in the middle would."""
    query = urlencode(hostile["query"], errors="surrogatepass")
    # Lone surrogates become invalid UTF-8 bytes on the wire.
    body = urlencode(hostile["params"], encoding="utf-8", errors="surrogatepass").encode()
    request = {"query_string": query, "content_type": hostile["content_type"]}
    if hostile["content_type"] == "multipart/form-data":
        request["data"] = {
            name: value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            for name, value in hostile["params"].items()
        }
    else:
        request["data"] = body
    headers = {}
    if signature is not None:
        url, form = _as_the_app_reads_it(path, request)
        headers["X-Twilio-Signature"] = RequestValidator(signature).compute_signature(url, form)
    if alter:
        request["content_type"] = "application/x-www-form-urlencoded"
        request["data"] = body + b"&Body=STOP&AlteredAfterSigning=1"
    return probe.request("POST", path, headers=headers, **request)


def _as_the_app_reads_it(path: str, request: dict[str, Any]) -> tuple[str, MultiDict]:
    # Twilio signs the URL and the form fields it sent; the app checks them as decoded. A
    # multipart part whose name werkzeug cannot read comes out named None: no signer has it.
    decoded = EnvironBuilder(path=path, method="POST", **request).get_request()
    fields = [(name, value) for name, value in decoded.form.items(multi=True) if name is not None]
    return decoded.url, MultiDict(fields)


def _still_works(app) -> None:
    """After the onslaught, a real texter and a real caller still get through a survey."""
    texter = Texter(app.test_client(), phone="+12025550177", to="+12025550102")
    assert "trust" in texter.send("Hi")
    assert texter.send("1")
    caller = Caller(app.test_client(), phone="+12025550178", to="+12025550100")
    menu = caller.dial()
    assert menu.gather is not None
    assert caller.press("1").gather is not None


FORGED = {"MessageSid": "SM" + "b" * 32, "From": "+12025550143", "To": "+12025550100"}


@pytest.mark.parametrize("public_url", [None, "https://feedbot.agency.gov"])
def test_a_wrong_signature_says_so_and_the_log_names_what_to_check(sqlite_url, caplog, public_url):
    app = make_app(sqlite_url, public_url=public_url)
    signature = sign("http://localhost/twilio/sms", {**FORGED, "Body": "STOP"}, "another-token")
    with caplog.at_level(logging.WARNING, logger="channels.twilio_request"):
        refused = app.test_client().post(
            "/twilio/sms",
            data={**FORGED, "Body": "STOP"},
            headers={"X-Twilio-Signature": signature},
        )
    assert refused.status_code == 403
    assert refused.json == {"error": "X-Twilio-Signature does not match this request"}
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith("refused /twilio/sms: X-Twilio-Signature does not match; check that")
    assert "TWILIO_AUTH_TOKEN is the auth token" in line
    assert "FEEDBOT_PUBLIC_URL is the URL Twilio calls" in line
    checked = (
        "FEEDBOT_PUBLIC_URL unset, so the URL as received was checked, at http://localhost/"
        if public_url is None
        else "FEEDBOT_PUBLIC_URL checked against https://feedbot.agency.gov"
    )
    assert checked in line
    assert signature not in caplog.text and TEST_AUTH_TOKEN not in caplog.text


def test_a_missing_signature_says_so(sqlite_app, caplog):
    with caplog.at_level(logging.WARNING, logger="channels.twilio_request"):
        refused = sqlite_app.test_client().post("/twilio/voice", data=FORGED)
    assert refused.status_code == 403
    assert refused.json == {
        "error": "X-Twilio-Signature is missing: only Twilio's signed requests are taken"
    }
    assert [record.getMessage() for record in caplog.records] == [
        "refused /twilio/voice: no X-Twilio-Signature (not sent by Twilio, or a proxy dropped"
        " the header)"
    ]
