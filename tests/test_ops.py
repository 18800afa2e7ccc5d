"""Operations: health and readiness, Prometheus metrics, security headers, JSON logs."""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner, Result
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from rq import Queue
from sqlalchemy import create_engine, text

from bench.infra import feedbot_env, fresh_database, gunicorn
from feedbot.cli import main
from feedbot.config import load_settings
from feedbot.logs import JsonFormatter
from feedbot.migrations import upgrade
from feedbot.queue import NORMALIZE_QUEUE
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of
from tests.support.services import fresh_postgres_database
from tests.support.texting import Texter
from tests.test_migrations import empty_database
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
    assert ready.status_code == 200 and ready.json["status"] == "ready"
    assert ready.json["checks"] == {"database": "ok", "redis": "not configured"}
    no_database = make_app(f"postgresql+psycopg://root@127.0.0.1:{_closed_port()}/test")
    down = no_database.test_client().get("/readyz")
    assert down.status_code == 503 and down.json["status"] == "not ready"
    assert down.json["checks"]["database"].startswith("unreachable")
    # As every 503 of feedbot's: a load balancer or a script may wait that long to ask again.
    assert down.headers["Retry-After"] == "5"
    assert "Retry-After" not in ready.headers


def test_readyz_stays_ready_but_degraded_while_redis_is_down(sqlite_url):
    # Texters still get their replies and answers are stored (normalization and invitations
    # wait for Redis): a load balancer must not take every instance out over it.
    app = make_app(sqlite_url, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    client = app.test_client()
    degraded = client.get("/readyz")
    assert degraded.status_code == 200 and degraded.json["status"] == "degraded"
    assert degraded.json["checks"]["database"] == "ok"
    assert degraded.json["checks"]["redis"].startswith("unreachable")
    texter = Texter(client, phone="+12025550143", to="+12025550100")
    assert texter.send("Hi").startswith("U.S. Passport Office")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_readyz_is_not_ready_until_the_schema_is_at_the_codes_head(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        app = make_app(url)
        client = app.test_client()
        never = client.get("/readyz")
        assert never.status_code == 503 and never.json["status"] == "not ready"
        assert never.headers["Retry-After"] == "5"
        assert "run `feedbot db upgrade`" in never.json["checks"]["database"]
        upgrade(url, "0006_inbound_by_conversation")
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json["checks"]["database"].startswith(
            "schema at 0006_inbound_by_conversation"
        )
        assert "run `feedbot db upgrade`" in behind.json["checks"]["database"]
        upgrade(url)
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json["checks"]["database"] == "ok"
        # A release step migrates before the instances running the previous code are replaced:
        # a schema newer than the code keeps them in service.
        set_version(url, "9999_from_a_later_release")
        newer = client.get("/readyz")
        assert newer.status_code == 200
        assert "newer than this code" in newer.json["checks"]["database"]
        runtime_of(app).db.dispose()


def set_version(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    finally:
        engine.dispose()


def test_readyz_with_redis_up(sqlite_url, redis_server):
    app = make_app(sqlite_url, redis_url=redis_server.url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200 and response.json["checks"]["redis"] == "ok"


def test_metrics_count_requests_completions_queue_depth_and_failures(
    queued_app, redis_server, monkeypatch
):
    app = queued_app
    # The worker's runtime is built from the environment: with the web app's key, or it refuses
    # to start (the key keys every hashed number). Redundant once conftest's queued_app sets it.
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", TEST_SECRET_KEY)
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


VISITOR_ADDRESS = "198.51.100.77"
LIMITED_START = "rate limit 1 per 1 minute exceeded at webchat.start_session"


def test_a_rate_limited_visitors_address_is_not_logged(sqlite_url):
    """Flask-Limiter logged "ratelimit 20 per 1 minute (198.51.100.77) exceeded …": a web chat
    visitor's IP address in clear, where senders appear only as keyed hashes."""
    app = make_app(sqlite_url, chat_start_limit="1 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = VISITOR_ADDRESS
    lines = _log_lines()
    try:
        started = [_start_chat(client).status_code for _ in range(2)]
    finally:
        logging.getLogger().removeHandler(lines)
        runtime_of(app).db.dispose()
    assert started == [201, 429]
    assert not [line for line in lines.lines if VISITOR_ADDRESS in line]
    (limited,) = [json.loads(line) for line in lines.lines if "exceeded" in line]
    assert (limited["logger"], limited["message"]) == ("flask-limiter", LIMITED_START)


@pytest.mark.postgres
def test_under_gunicorn_a_rate_limited_visitors_address_is_not_logged(tmp_path):
    env = _gunicorn_env("")
    log_file = tmp_path / "gunicorn.log"
    with fresh_database() as url, log_file.open("w") as output:
        env.update(
            DATABASE_URL=url,
            FEEDBOT_SERVICES_FILE=str(TEST_SERVICES),
            FEEDBOT_PROXY_HOPS="1",
            FEEDBOT_CHAT_START_LIMIT="1 per minute",
        )
        with gunicorn("feedbot:create_app()", env, 1, output) as base:
            statuses = [_start_chat_at(base) for _ in range(2)]
    log = log_file.read_text()
    # Counted in Redis: a run within the minute before limits both.
    assert statuses[0] in (201, 429) and statuses[1] == 429
    assert VISITOR_ADDRESS not in log
    assert LIMITED_START in log


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _log_lines() -> _Lines:
    handler = _Lines()
    logging.getLogger().addHandler(handler)
    return handler


def _start_chat(client):
    return client.post(
        "/api/chat/sessions",
        json={"service": "webchat"},
        headers={"Origin": "https://studentaid.example.gov"},
    )


def _start_chat_at(base: str) -> int:
    request = urllib.request.Request(
        base + "/api/chat/sessions",
        data=b'{"service": "webchat"}',
        headers={
            "Content-Type": "application/json",
            "Origin": "https://studentaid.example.gov",
            "X-Forwarded-For": VISITOR_ADDRESS,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refusal:
        return refusal.code


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


def _feedbot(args: list[str], **env: str | None) -> Result:
    """`feedbot ARGS` in this process, with make_app's services and key, and `env`."""
    env = {
        "FEEDBOT_SERVICES_FILE": str(TEST_SERVICES),
        "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
        "REDIS_URL": None,
        **env,
    }
    return CliRunner().invoke(main, args, env=env)


def _one_line_error(result: Result, done: tuple[str, ...] = ()) -> str:
    """The error a failed command printed: one line, exit status 1, no traceback; after the
    lines saying what it did first, `done`."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    # Log lines (JSON objects) reach the output too when logging was set up in the command.
    lines = [line for line in result.output.splitlines() if line.strip() and line[0] != "{"]
    assert tuple(lines[: len(done)]) == done, result.output
    [line] = lines[len(done) :]
    return line


@pytest.mark.parametrize(
    "args",
    [
        ["db", "upgrade"],
        ["purge"],
        ["tokens", "list"],
        ["export", "responses"],
        ["export", "quarterly", "--quarter", "FY2027Q1"],
        ["queue", "sweep"],
    ],
)
def test_with_the_database_down_a_command_says_why_in_one_line(args):
    """They printed 70 to 150 lines of traceback around the one line that mattered."""
    port = _closed_port()
    database = f"postgresql://feedbot:hunter2secret@127.0.0.1:{port}/feedbot"
    line = _one_line_error(_feedbot(args, DATABASE_URL=database))
    assert line.startswith("Error: the database cannot be used (connection failed: ")
    assert f"port {port} failed: Connection refused): check DATABASE_URL and that" in line
    assert "hunter2secret" not in line


@pytest.mark.parametrize("args", [["queue", "sweep"], ["queue", "redrive"]])
def test_with_redis_down_a_queue_command_says_why_in_one_line(sqlite_url, args):
    port = _closed_port()
    redis_url = f"redis://:hunter2secret@127.0.0.1:{port}/0"
    # A survey closed while Redis was down waits in the outbox, for the sweep to queue.
    complete_survey(make_app(sqlite_url, redis_url=redis_url))
    # The sweep closes idle surveys first, which takes the database alone, and says so.
    done = ("0 idle survey(s) closed",) if args == ["queue", "sweep"] else ()
    result = _feedbot(args, DATABASE_URL=sqlite_url, REDIS_URL=redis_url)
    line = _one_line_error(result, done)
    assert line.startswith(
        f"Error: Redis cannot be reached (Error 111 connecting to 127.0.0.1:{port}"
    )
    assert line.endswith("): check REDIS_URL and that Redis is running")
    assert "hunter2secret" not in line


def test_an_export_to_a_file_that_cannot_be_written_says_so_in_one_line(sqlite_url, tmp_path):
    missing = tmp_path / "no-such-directory" / "responses.csv"
    result = _feedbot(["export", "responses", "-o", str(missing)], DATABASE_URL=sqlite_url)
    assert _one_line_error(result) == f"Error: {missing}: No such file or directory"


def test_a_services_file_not_in_utf8_is_named_like_any_broken_services_file(tmp_path):
    services = tmp_path / "services.yaml"
    services.write_text(TEST_SERVICES.read_text(encoding="utf-8"), encoding="utf-16")
    result = _feedbot(
        ["db", "upgrade"],
        FEEDBOT_SERVICES_FILE=str(services),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.output == (
        f"feedbot: cannot start: ServiceError: {services}, line 1, column 1: is not UTF-8 text"
        " (byte 0xff): save it as UTF-8\n"
    )


def test_a_bug_in_a_command_keeps_its_traceback(sqlite_url):
    """Only what an operator fixes outside feedbot is shortened to one line."""
    from feedbot.cli import FeedbotGroup

    group = FeedbotGroup(create_app=lambda: make_app(sqlite_url))

    @group.command("broken")
    def broken() -> None:
        raise KeyError("a bug, not the database's or Redis's state")

    @group.command("unreachable")
    def unreachable() -> None:
        app = make_app(f"postgresql+psycopg://root@127.0.0.1:{_closed_port()}/x")
        with runtime_of(app).db.reading() as db:
            db.execute(text("SELECT 1"))

    assert isinstance(CliRunner().invoke(group, ["broken"]).exception, KeyError)
    line = _one_line_error(CliRunner().invoke(group, ["unreachable"]))
    assert line.startswith("Error: the database cannot be used (connection failed: ")


@pytest.mark.postgres
def test_a_database_never_migrated_says_to_run_db_upgrade(tmp_path):
    with fresh_postgres_database() as postgres:
        for database in (postgres, f"sqlite:///{tmp_path / 'empty.sqlite3'}"):
            line = _one_line_error(_feedbot(["tokens", "list"], DATABASE_URL=database))
            assert line.startswith("Error: the database's tables are missing or older than this")
            assert line.endswith("): run `feedbot db upgrade`")


def test_a_process_other_than_gunicorn_makes_the_metrics_directory_it_is_given(tmp_path):
    """Only gunicorn.conf.py made it: a worker started first, with the variable set, failed
    at its first count (a survey it closed), after the commit."""
    import subprocess
    import sys

    directory = tmp_path / "not-yet" / "metrics"
    script = (
        "from feedbot.metrics import COMPLETIONS;"
        " COMPLETIONS.labels(channel='sms', status='complete').inc()"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert any(directory.glob("counter_*.db"))
