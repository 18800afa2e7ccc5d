"""A stand-in for Twilio's Messages API on loopback: records each request, answers as Twilio
documents (201 with a message resource), and can be told to answer errors first (an HTTP
status, or a status and Twilio error code), or to take a message and answer too late."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from tests.support.browser import serve


@dataclass
class FakeTwilio:
    url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    # Answers before succeeding: an HTTP status, or (status, Twilio error code).
    failures: list[int | tuple[int, int]] = field(default_factory=list)
    delay_seconds: float = 0.0  # how long to wait before answering a message it took
    # When given, a message taken is answered only once this is set: a send held in flight.
    answer_when: threading.Event | None = None

    @property
    def messages(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r.get("_status") == "201"]

    def wsgi(self, environ, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        form["_path"] = request.path
        if self.failures:
            failure = self.failures.pop(0)
            status, code = failure if isinstance(failure, tuple) else (failure, None)
            form["_status"] = str(status)
            self.requests.append(form)
            body = {
                "code": code or (20429 if status == 429 else 20500),
                "message": "try later",
                "status": status,
                "more_info": "https://www.twilio.com/docs/errors",
            }
            return Response(json.dumps(body), status, mimetype="application/json")(
                environ, start_response
            )
        form["_status"] = "201"
        self.requests.append(form)
        time.sleep(self.delay_seconds)
        if self.answer_when is not None:
            self.answer_when.wait(timeout=60)
        sid = "SM" + secrets.token_hex(16)
        resource = {
            "sid": sid,
            "status": "queued",
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "num_segments": "1",
            "direction": "outbound-api",
            "error_code": None,
            "account_sid": "AC" + "0" * 32,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/AC{'0' * 32}/Messages/{sid}.json",
        }
        return Response(json.dumps(resource), 201, mimetype="application/json")(
            environ, start_response
        )


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    twilio = FakeTwilio()
    with serve(twilio.wsgi) as url:
        twilio.url = url
        yield twilio
