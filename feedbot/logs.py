"""Structured logs: one JSON object a line, with the request's id and route, never its path.

gunicorn's master imports this module for its formatter, and the workers a HUP starts inherit
what the master holds: so it imports only the standard library as it loads (Flask when a line
is formatted), or a release that upgrades Flask deployed with a HUP would run the old one.

Paths and query strings are the caller's to choose, so a log line names the matched route
pattern instead (`/api/chat/config/<service_id>`). What goes into messages is the callers' business:
keyed ids and public ids only, never a phone number, a token or anything a person wrote.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-Id"

# alembic (1.18 and later) logs "setup plugin alembic.autogenerate.…" seven times at INFO as it
# is first imported, which every process checking the schema does: seven lines of noise at
# every gunicorn worker's boot. Its warnings still show.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


class JsonFormatter(logging.Formatter):
    """time, level, logger, message (+ request_id, method, route, exception) as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_request_fields())
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr, unless the host process (gunicorn, pytest) configured logging;
    whoever did, Flask-Limiter's lines name no client."""
    logging.getLogger(LIMITER_LOGGER).addFilter(_WITHOUT_CLIENT)
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)


LIMITER_LOGGER = "flask-limiter"
# Flask-Limiter's line for a refused request, whose second value is the key it counted by:
# for a per-address limit, a web chat visitor's IP address.
_LIMIT_EXCEEDED = "ratelimit %s (%s) exceeded at endpoint: %s"
# Its other INFO lines, which name no client.
_LIMITER_LINES_WITHOUT_CLIENT = {
    "Rate limit storage recovered",
    "Storage has been reset and all limits cleared",
}


class _WithoutClient(logging.Filter):
    """Flask-Limiter's lines without the client they limit: a refused request is logged with
    the limit and the endpoint only, and an INFO line it may add in a later version is
    dropped until it is known to name no one (its warnings and errors are about its storage)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.msg == _LIMIT_EXCEEDED
            and isinstance(record.args, tuple)
            and len(record.args) == 3
        ):
            limit, _client, endpoint = record.args
            record.msg, record.args = "rate limit %s exceeded at %s", (limit, endpoint)
            return True
        return record.levelno >= logging.WARNING or record.msg in _LIMITER_LINES_WITHOUT_CLIENT


_WITHOUT_CLIENT = _WithoutClient()


def route_name() -> str:
    """The matched route's pattern, or "unmatched": safe to log and to use as a metric label."""
    from flask import request

    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def request_id() -> str | None:
    from flask import g, has_request_context

    return g.get("request_id") if has_request_context() else None


def _request_fields() -> dict[str, str]:
    # A process that has not imported Flask (gunicorn's master) has no request: its lines
    # must not import it either, or its first line would (see the module's docstring).
    if "flask" not in sys.modules:
        return {}
    from flask import g, has_request_context, request

    if not has_request_context():
        return {}
    fields = {"method": request.method, "route": route_name()}
    if "request_id" in g:
        fields["request_id"] = g.request_id
    return fields


class Outage:
    """Something retried while it fails (one of the sweeper's checks, the worker's start),
    logged once when it starts failing (or fails for another reason) and once when it works
    again, not at every retry while it lasts.

    `failing` is a log message formatted with the reason (an error's type name), `working` one
    formatted with the number of failed tries and the seconds they took."""

    def __init__(self, log: logging.Logger, level: int, failing: str, working: str) -> None:
        self.log, self.level = log, level
        self.failing_message, self.working_message = failing, working
        self.failing: str | None = None  # the reason, while failing
        self.failures = 0
        self.since = 0.0

    def failed(self, reason: str) -> None:
        if self.failing != reason:
            self.log.log(self.level, self.failing_message, reason)
        if self.failing is None:
            self.failures, self.since = 0, time.monotonic()
        self.failing = reason
        self.failures += 1

    def worked(self) -> None:
        if self.failing is not None:
            self.log.info(self.working_message, self.failures, time.monotonic() - self.since)
            self.failing = None
