"""What must never reach a log line, noted while each test runs: the free text people sent, the
tokens that went over the wire, and the test credentials. conftest checks every line against it.
"""

from __future__ import annotations

from flask import Flask, Response, request

# Shorter values ("5", "yes", "STOP") are answers and keywords, too common to look for.
MIN_LENGTH = 8
FREE_TEXT_FIELDS = ("Body", "SpeechResult")
SECRET_FIELDS = ("token", "csrf")

noted: set[str] = set()


def watch(app: Flask) -> None:
    """Note, on every request `app` answers, the values its logs must not contain."""
    app.before_request(_note_request)
    app.after_request(_note_response)


def leaks(lines: list[str]) -> list[str]:
    return [line for line in lines if any(value in line for value in noted)]


def _note_request() -> None:
    try:
        for field in FREE_TEXT_FIELDS + SECRET_FIELDS:
            _note(request.form.get(field))
        body = request.get_json(silent=True)
    except Exception:  # an unreadable body is the app's to refuse, not the watcher's
        return
    if isinstance(body, dict):
        _note(body.get("text"))


def _note_response(response: Response) -> Response:
    # A bearer token the app accepted is a real one (a chat session, a staff token); refused
    # ones are anybody's strings, which may also appear in logged, refused parameters.
    if response.status_code < 400:
        _note(request.headers.get("Authorization", "").partition(" ")[2])
    if response.is_json:
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            _note(body.get("session"))
    return response


def _note(value: object) -> None:
    if isinstance(value, str) and len(value.strip()) >= MIN_LENGTH:
        noted.add(value.strip())
