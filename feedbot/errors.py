"""Every refusal is a clear answer: JSON that says what was wrong, TwiML where Twilio must act.

When feedbot itself fails, a Twilio webhook gets TwiML (for a caller, words to hear). When the
database cannot be reached the answer is 503 with Retry-After, so Twilio (with a retry policy on
the webhook URL) and chat clients try again later; nothing half-done is stored, because each
request's work is one transaction.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from feedbot.logs import route_name

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "feedbot cannot reach its database right now; try again shortly"
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
    webhook gets TwiML: an apology and a hang-up for a caller, an empty reply for a texter.
    """
    if status >= 500 and request.path.startswith("/twilio/voice"):
        twiml = VoiceResponse()
        twiml.say(CALLER_APOLOGY)
        twiml.hangup()
        response = Response(str(twiml), mimetype="text/xml")
    elif status >= 500 and request.path.startswith("/twilio/"):
        response = Response(str(MessagingResponse()), mimetype="text/xml")
    else:
        response = jsonify(error=message)
    response.status_code = status
    return response


def _http_error(error: HTTPException) -> Response:
    response = error_response(error.code or 500, error.description or error.name)
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if error.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="feedbot"'
    return response


def _database_unavailable(error: Exception) -> Response:
    log.error("database unreachable on %s: %s", route_name(), type(error).__name__)
    response = error_response(503, UNAVAILABLE)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _database_error(error: DBAPIError) -> Response:
    # A dropped connection surfaces as DBAPIError with connection_invalidated; the pool has
    # already discarded it, so the next request reconnects.
    if error.connection_invalidated:
        return _database_unavailable(error)
    return _unexpected(error)


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unexpected error on %s %s", request.method, route_name())
    return error_response(500, "feedbot failed to handle this request; staff have the details")
