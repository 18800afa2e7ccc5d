"""Structured logs: one JSON object a line, with the request's id and route, never its path.

Paths and query strings are the caller's to choose, so a log line names the matched route
pattern instead (`/api/chat/config/<service_id>`). What goes into messages is the callers' business:
keyed ids and public ids only, never a phone number, a token or anything a person wrote.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import g, has_request_context, request
from werkzeug.serving import WSGIRequestHandler

REQUEST_ID_HEADER = "X-Request-Id"


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
    """JSON lines on stderr, unless the host process (gunicorn, pytest) configured logging."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)


def route_name() -> str:
    """The matched route's pattern, or "unmatched": safe to log and to use as a metric label."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _request_fields() -> dict[str, str]:
    if not has_request_context():
        return {}
    fields = {"method": request.method, "route": route_name()}
    if "request_id" in g:
        fields["request_id"] = g.request_id
    return fields


class PathlessRequestHandler(WSGIRequestHandler):
    """The development server's request line without the path, which is the caller's to choose."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", "%s %s", self.command, code)
