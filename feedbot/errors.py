"""Every refusal is a clear answer: JSON that says what was wrong, TwiML where Twilio must act.

When feedbot itself fails, a Twilio webhook gets TwiML (for a caller, words to hear, sent with
a 200: Twilio runs no TwiML from an HTTP error). When the database cannot be reached the answer
is otherwise 503 with Retry-After, so Twilio (with a retry policy on the webhook URL) and chat
clients try again later; nothing half-done is stored, because each request's work is one
transaction.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from feedbot.db import missing_schema
from feedbot.logs import route_name
from feedbot.migrations import UPGRADE_HINT
from feedbot.runtime import current_runtime

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "feedbot cannot reach its database right now; try again shortly"
# While the tables are behind the code (a deploy whose `feedbot db upgrade` has not run yet):
# staff, who may be the ones to run it, are told what it takes once their token or sign-in is
# checked (feedbot.staff_auth keeps it in g.staff_token); anyone else only that it passes.
SCHEMA_BEHIND_STAFF = (
    "feedbot's database tables are missing or older than this feedbot:"
    f" {UPGRADE_HINT}, then try again"
)
SCHEMA_BEHIND_PUBLIC = "feedbot is being updated; try again shortly"
# What a caller hears when the call cannot go on; callers get no other explanation.
CALLER_APOLOGY = "Sorry, we cannot take your answers right now. Please try again later. Goodbye."


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _database_unavailable)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected)


def error_response(status: int, message: str) -> Response:
    """The error body for `status`: JSON that says what was wrong; TwiML when Twilio must act.

    A refused request (4xx) is answered in JSON, which Twilio's debugger shows as sent, so the
    person configuring a number reads the reason. When feedbot itself fails (5xx) a Twilio
    webhook gets TwiML: an apology and a hang-up for a caller, an empty reply for a texter;
    a staff page (the dashboard, its sign-in) a page that says it.
    """
    if status >= 500 and _caller_listening():
        twiml = VoiceResponse()
        twiml.say(CALLER_APOLOGY)
        twiml.hangup()
        # Twilio runs no TwiML from an HTTP error (it tries the number's fallback URL, else
        # plays its own "application error"): the apology is only heard with a 200. The
        # failure is in the log line that led here.
        return Response(str(twiml), mimetype="text/xml")
    elif status >= 500 and request.path.startswith("/twilio/"):
        response = Response(str(MessagingResponse()), mimetype="text/xml")
    elif status >= 500 and (request.path == "/staff" or request.path.startswith("/staff/")):
        response = Response(render_template("staff_error.html", message=message))
    else:
        response = jsonify(error=message)
    response.status_code = status
    return response


def _caller_listening() -> bool:
    """Whether a caller is on the line waiting for this request's TwiML: any voice webhook
    but the call's status callback, which only reports."""
    return request.path.startswith("/twilio/voice") and request.path != "/twilio/voice/status"


def retry_later(message: str = UNAVAILABLE) -> Response:
    """A 503 with Retry-After: nothing was stored, and the same request may succeed soon (a
    caller hears an apology instead, see `error_response`)."""
    response = error_response(503, message)
    if response.status_code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _http_error(error: HTTPException) -> Response:
    if error.response is not None:  # a page made for this refusal (staff sign-in's 429)
        return error.response
    response = error_response(error.code or 500, error.description or error.name)
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if error.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="feedbot"'
    return response


def _database_unavailable(error: Exception) -> Response:
    if missing_schema(error):  # SQLite's "no such table" is an OperationalError
        return _schema_behind(error)
    reason = failure_reason(error, current_runtime().settings.database_url)
    log.error("database unreachable on %s: %s: %s", route_name(), type(error).__name__, reason)
    return retry_later()


def _database_error(error: DBAPIError) -> Response:
    # A dropped connection surfaces as DBAPIError with connection_invalidated; the pool has
    # already discarded it, so the next request reconnects.
    if error.connection_invalidated:
        return _database_unavailable(error)
    if missing_schema(error):
        return _schema_behind(error)
    return _unexpected(error)


def _schema_behind(error: Exception) -> Response:
    # A deploy that skipped its release step: every request fails the same way until then.
    log.error(
        "the database's tables are missing or older than this code on %s (%s): %s",
        route_name(),
        failure_reason(error),  # 'relation "contacts" does not exist'
        UPGRADE_HINT,
    )
    return retry_later(SCHEMA_BEHIND_STAFF if "staff_token" in g else SCHEMA_BEHIND_PUBLIC)


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unexpected error on %s %s", request.method, route_name())
    return error_response(500, "feedbot failed to handle this request; staff have the details")


# What a reason may say at most: one line of a log, or of a CLI error.
REASON_LENGTH = 300
_URL_CREDENTIALS = re.compile(r"(\w[\w+.-]*://)[^\s/@]*@")


def failure_reason(error: BaseException, url: str | None = None) -> str:
    """The first line of what the driver said about `error`, for a log line or a CLI error:
    'connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL: database
    "feedbot" does not exist', 'Error 111 connecting to cache:6379. Connection refused.'

    Only the first line: PostgreSQL's DETAIL and the statement's LINE follow it, and the
    first names hosts, users and databases, never a statement's parameters (SQLAlchemy's own
    text, which holds the statement, is left out). A password would still be masked: that of
    `url` (DATABASE_URL or REDIS_URL), and any URL's credentials."""
    cause = getattr(error, "orig", None) or error
    text = str(cause.args[0]) if isinstance(cause, SQLAlchemyError) and cause.args else str(cause)
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    line = _URL_CREDENTIALS.sub(r"\1***@", line)
    password = _password(url)
    for form in {password, unquote(password)} - {""}:
        line = line.replace(form, "***")
    if len(line) > REASON_LENGTH:
        line = line[: REASON_LENGTH - 1] + "…"
    return line or type(cause).__name__


def _password(url: str | None) -> str:
    try:
        return (urlsplit(url).password or "") if url else ""
    except ValueError:  # a port that is no number: config.py refuses such URLs at start-up
        return ""
