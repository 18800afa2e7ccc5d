"""Operations: health and readiness, Prometheus metrics, security headers, JSON logs."""

from __future__ import annotations

import json
import logging
import socket
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from rq import Queue

from bench.infra import feedbot_env, fresh_database, gunicorn
from feedbot.config import load_settings
from feedbot.logs import JsonFormatter
from feedbot.queue import NORMALIZE_QUEUE
from tests.conftest import make_app
from tests.test_queue import complete_survey, run_worker


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sample(metrics_text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    for family in text_string_to_metric_families(metrics_text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


def test_healthz_answers_without_the_database():
    app = make_app(f"postgresql+psycopg://root@127.0.0.1:{_closed_port()}/test")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_names_what_is_unreachable(sqlite_url):
    ready = make_app(sqlite_url).test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "redis": "not configured"}
    no_redis = make_app(sqlite_url, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    refused = no_redis.test_client().get("/readyz")
    assert refused.status_code == 503 and refused.json["status"] == "not ready"
    assert refused.json["checks"]["database"] == "ok"
    assert refused.json["checks"]["redis"].startswith("unreachable")
    no_database = make_app(f"postgresql+psycopg://root@127.0.0.1:{_closed_port()}/test")
    down = no_database.test_client().get("/readyz")
    assert down.status_code == 503 and down.json["checks"]["database"].startswith("unreachable")


def test_readyz_with_redis_up(sqlite_url, redis_server):
    app = make_app(sqlite_url, redis_url=redis_server.url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200 and response.json["checks"]["redis"] == "ok"


def test_metrics_count_requests_completions_queue_depth_and_failures(queued_app, redis_server):
    app = queued_app
    client = app.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    complete_survey(app)
    after = client.get("/metrics").get_data(as_text=True)
    completions = ("feedbot_survey_completions_total", {"channel": "sms", "status": "complete"})
    assert sample(after, completions[0], **completions[1]) == (
        sample(before, completions[0], **completions[1]) + 1
    )
    sms = {"route": "/twilio/sms", "status": "200"}
    grew = sample(after, "feedbot_http_requests_total", **sms) - sample(
        before, "feedbot_http_requests_total", **sms
    )
    assert grew == 5  # the five texts of one survey
    assert sample(after, "feedbot_queue_depth", queue=NORMALIZE_QUEUE) == 1
    assert sample(after, "feedbot_outbox_pending") == 1
    assert sample(after, "feedbot_queue_up") == 1

    # A job that cannot run lands in the failed registry, and /metrics says so.
    queue = Queue(NORMALIZE_QUEUE, connection=Redis.from_url(redis_server.url))
    queue.enqueue("feedbot.jobs.normalize_batch", "not a list of ids")
    run_worker(app)
    drained = client.get("/metrics").get_data(as_text=True)
    assert sample(drained, "feedbot_queue_depth", queue=NORMALIZE_QUEUE) == 0
    assert sample(drained, "feedbot_job_failures", queue=NORMALIZE_QUEUE) == 1
    assert sample(drained, "feedbot_outbox_pending") == 0


def test_metrics_token_is_required_when_set_and_in_production(sqlite_url):
    guarded = make_app(sqlite_url, metrics_token="scrape-token-0123456789").test_client()
    assert guarded.get("/metrics").status_code == 401
    wrong = guarded.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.is_json
    ok = guarded.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
    assert ok.status_code == 200 and b"feedbot_http_requests_total" in ok.data
    production = make_app(sqlite_url, env="production").test_client()
    assert production.get("/metrics").status_code == 404


def test_headers_by_area(sqlite_app):
    client = sqlite_app.test_client()
    staff = client.get("/staff")
    assert "style-src 'self'" in staff.headers["Content-Security-Policy"]
    assert "script-src" not in staff.headers["Content-Security-Policy"]
    assert staff.headers["X-Frame-Options"] == "DENY"
    assert staff.headers["Cache-Control"] == "no-store"
    api = client.get("/healthz")
    assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in api.headers  # plain HTTP: HSTS means nothing
    page = client.get("/chat/webchat")
    assert (
        "frame-ancestors 'self' https://studentaid.example.gov"
        in page.headers["Content-Security-Policy"]
    )
    assert "Strict-Transport-Security" in client.get("/healthz", base_url="https://x.gov").headers


def test_hsts_behind_a_tls_proxy_only_when_told_to_trust_it(sqlite_url):
    forwarded = {"X-Forwarded-Proto": "https"}
    untrusting = make_app(sqlite_url).test_client()
    assert "Strict-Transport-Security" not in untrusting.get("/healthz", headers=forwarded).headers
    trusting = make_app(sqlite_url, proxy_hops=1).test_client()
    assert "Strict-Transport-Security" in trusting.get("/healthz", headers=forwarded).headers


def test_request_id_is_kept_when_sane_and_replaced_otherwise(sqlite_app):
    client = sqlite_app.test_client()
    kept = client.get("/healthz", headers={"X-Request-Id": "lb-1234.abc"})
    assert kept.headers["X-Request-Id"] == "lb-1234.abc"
    replaced = client.get("/healthz", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert len(replaced.headers["X-Request-Id"]) == 32


def test_log_lines_are_json_with_the_route_not_the_path(sqlite_app):
    record = logging.LogRecord("feedbot.test", logging.INFO, __file__, 1, "hello %s", ("x",), None)
    path = "/api/chat/config/passport?SECRET-TOKEN"
    with sqlite_app.test_request_context(path):
        sqlite_app.preprocess_request()
        line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "hello x" and entry["level"] == "INFO"
    assert entry["route"] == "/api/chat/config/<service_id>"
    assert "SECRET-TOKEN" not in line and len(entry["request_id"]) == 32


@pytest.mark.postgres
def test_under_gunicorn_metrics_add_up_across_workers_and_no_banner():
    with fresh_database() as url, gunicorn("feedbot:create_app()", _gunicorn_env(url), 2) as base:
        for _ in range(20):
            _get(base + "/healthz")
        with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
            assert response.headers["Server"] == "feedbot"
            metrics = response.read().decode()
        healthz = {"route": "/healthz", "status": "200"}
        assert sample(metrics, "feedbot_http_requests_total", **healthz) == 20


def _gunicorn_env(database_url: str) -> dict[str, str]:
    env = feedbot_env(database_url, FEEDBOT_METRICS_TOKEN="")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["FEEDBOT_ENV"] = "testing"  # /metrics without a token; production is tested above
    return env


def _get(url: str) -> None:
    with urllib.request.urlopen(url, timeout=5) as response:
        response.read()


def test_the_benchmarks_production_environment_passes_the_production_checks():
    settings = load_settings(feedbot_env("postgresql://bench@127.0.0.1/feedbot"))
    assert settings.production and settings.twilio_account_sid


@pytest.mark.parametrize("age", ["99999999d", "99999999999d", "999999999999h"])
def test_purge_refuses_an_age_beyond_the_calendar_in_one_line(sqlite_app, age):
    result = sqlite_app.test_cli_runner().invoke(args=["purge", "--older-than", age])
    assert result.exit_code == 2
    assert f"Invalid value for '--older-than': '{age}' reaches back before the year 1" in (
        result.output
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
