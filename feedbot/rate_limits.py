"""The app's one rate limiter (Flask-Limiter): the web chat API, which anyone on the internet
may call, and staff sign-in, where a token could be guessed at.

It counts in Redis when REDIS_URL is set (in each process's memory while Redis is down);
without REDIS_URL, in each process's memory, so each gunicorn worker has its own count.

Twilio's webhooks are signed and staff's API calls carry a token checked first, so nothing
else is limited; those requests skip the limiter's per-request lookup of limits (3 % of an SMS
turn's CPU).
"""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)

# Endpoints with limits: the web chat blueprint's, and the staff sign-in form.
_LIMITED_ENDPOINTS = ("webchat.", "staff.login")


@limiter.request_filter
def _without_limits() -> bool:
    return not (request.endpoint or "").startswith(_LIMITED_ENDPOINTS)
