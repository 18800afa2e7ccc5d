"""Operations endpoints: /healthz (the process answers), /readyz (its database and Redis
answer), /metrics (Prometheus), and the per-request id and counters behind them."""

from __future__ import annotations

import hmac
import re
import time
import uuid

from flask import Blueprint, Flask, Response, abort, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from feedbot.logs import REQUEST_ID_HEADER, route_name
from feedbot.metrics import LATENCY, REQUESTS, exposition
from feedbot.runtime import current_runtime

blueprint = Blueprint("ops", __name__)
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@blueprint.get("/healthz")
def healthz() -> Response:
    """The process is up and serving; says nothing of what it depends on."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> Response:
    """200 when the database (and Redis, when configured) answer; 503 naming what does not."""
    runtime = current_runtime()
    checks = {"database": _database_check(), "redis": _redis_check(runtime.settings.redis_url)}
    ready = all(state in {"ok", "not configured"} for state in checks.values())
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    return response


@blueprint.get("/metrics")
def metrics() -> Response:
    """Prometheus text format; needs `Authorization: Bearer $FEEDBOT_METRICS_TOKEN` when set."""
    runtime = current_runtime()
    token = runtime.settings.metrics_token
    if token is None and runtime.settings.production:
        abort(404, "set FEEDBOT_METRICS_TOKEN to serve /metrics in production")
    if token is not None and not _bearer_matches(token):
        abort(401, "send Authorization: Bearer with the metrics token")
    body = exposition(runtime)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def install_request_hooks(app: Flask) -> None:
    """Give every request an id (kept from X-Request-Id when sane) and count it when answered."""

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        route = route_name()
        REQUESTS.labels(route=route, status=str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(route=route).observe(time.perf_counter() - g.started)
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response


def _database_check() -> str:
    try:
        with current_runtime().db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return f"unreachable ({type(error).__name__})"
    return "ok"


def _redis_check(url: str | None) -> str:
    if url is None:
        return "not configured"
    from feedbot.queue import redis_connection

    try:
        redis_connection(url).ping()
    except RedisError as error:
        return f"unreachable ({type(error).__name__})"
    return "ok"


def _bearer_matches(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())
