"""Operations endpoints: /healthz (the process answers), /readyz (its database answers, with
the schema this code needs; Redis answers or the process runs degraded), /metrics
(Prometheus), and the per-request id, database time limits and counters behind them."""

from __future__ import annotations

import functools
import hmac
import logging
import re
import time
import uuid

from flask import Blueprint, Flask, Response, abort, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from feedbot.db import (
    PUBLIC_REQUEST,
    STAFF_REQUEST,
    end_wait_limit,
    limit_waits,
    missing_schema,
)
from feedbot.errors import RETRY_AFTER_SECONDS, retry_later
from feedbot.identity import SecretKeyChanged, verify_secret_key
from feedbot.logs import REQUEST_ID_HEADER, route_name
from feedbot.metrics import LATENCY, REQUESTS, exposition
from feedbot.migrations import UPGRADE_HINT, schema_state
from feedbot.runtime import Runtime, current_runtime

log = logging.getLogger(__name__)

blueprint = Blueprint("ops", __name__)
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@blueprint.get("/healthz")
def healthz() -> Response:
    """The process is up and serving; says nothing of what it depends on."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> Response:
    """200 when the database answers, its schema is at this code's head and the secret key is
    the database's; 503 naming what is wrong, with Retry-After as every 503 of feedbot's. Redis
    down is "degraded" (still 200): replies are still stored and sent, and normalization and
    invitations wait for it."""
    runtime = current_runtime()
    database, database_ok = _database_check(runtime)
    redis = _redis_check(runtime.settings.redis_url)
    status = "not ready" if not database_ok else "degraded" if redis not in _REDIS_FINE else "ready"
    response = jsonify(status=status, checks={"database": database, "redis": redis})
    if not database_ok:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
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
    """Give every request an id (kept from X-Request-Id when sane) and its database time
    limits, count it when answered, and refuse it (503) while the secret key is not the
    database's."""

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()
        # A hung or blocked database must cost a request a 503 within Twilio's (and gunicorn's)
        # 15 s, not the gunicorn worker (feedbot.db says how each kind of failure is bounded).
        # Staff pages may rightly keep a live database busy for longer.
        limit = STAFF_REQUEST if request.blueprint == "staff" else PUBLIC_REQUEST
        g.database_wait_limit = limit_waits(limit)

    @app.teardown_request
    def _end_wait_limit(_error: BaseException | None) -> None:
        token = g.pop("database_wait_limit", None)
        if token is not None:
            end_wait_limit(token)

    app.register_error_handler(SecretKeyChanged, _refuse_changed_secret_key)

    @app.after_request
    def _finish(response: Response) -> Response:
        route = route_name()
        REQUESTS.labels(route=route, status=str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(route=route).observe(time.perf_counter() - g.started)
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response


def _refuse_changed_secret_key(error: SecretKeyChanged) -> Response:
    log.error("%s", error)
    return retry_later("feedbot is misconfigured; staff have the details")


def _database_check(runtime: Runtime) -> tuple[str, bool]:
    """What /readyz says of the database, and whether requests can be served by it: it answers,
    its schema is at this code's head (one query: the head is read once per process), and the
    secret key's fingerprint is the database's (recorded by the first check that reaches it,
    then read at every call: another process may have rotated or adopted a key since)."""
    settings = runtime.settings
    try:
        with runtime.db.engine.connect() as connection:
            schema = schema_state(connection)
        if schema.ready:
            runtime.db.run_checks()
            with runtime.db.engine.connect() as connection:
                verify_secret_key(connection, settings.secret_key, settings.previous_secret_keys)
    except SecretKeyChanged as error:
        return error.summary, False
    except SQLAlchemyError as error:
        if missing_schema(error):
            return f"tables missing: {UPGRADE_HINT}", False
        return f"unreachable ({type(error).__name__})", False
    return schema.detail, schema.ready


_REDIS_FINE = {"ok", "not configured"}


def _redis_check(url: str | None) -> str:
    if url is None:
        return "not configured"
    try:
        _readiness_redis(url).ping()
    except RedisError as error:
        return f"unreachable ({type(error).__name__})"
    return "ok"


@functools.cache
def _readiness_redis(url: str) -> Redis:
    # Short timeouts: a hung Redis must not hold /readyz past a load balancer's check timeout.
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _bearer_matches(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())
