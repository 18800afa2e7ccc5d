"""Fixtures: a fresh app per test on real SQLite or PostgreSQL, and signed Twilio texters."""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import create_engine, text

from feedbot import create_app
from feedbot.jobs import close_worker_runtimes
from feedbot.logs import JsonFormatter
from feedbot.migrations import upgrade
from feedbot.models import Base
from feedbot.runtime import Runtime, current_runtime
from tests.support import log_watch
from tests.support.hostile import SENT
from tests.support.services import RedisServer, fresh_postgres_database
from tests.support.texting import TEST_AUTH_TOKEN, Texter

TESTS_DIR = Path(__file__).resolve().parent
TEST_SERVICES = TESTS_DIR / "data" / "services.yaml"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test session's own, migrated once."""
    with fresh_postgres_database() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def empty_postgres(postgres_url: str) -> Iterator[Callable[[], None]]:
    """Empties every table of the session's PostgreSQL database and restarts its ids: DELETE
    on one kept connection pool, ~7 ms a test where TRUNCATE took ~180 ms."""
    engine = create_engine(postgres_url)
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]

    def empty() -> None:
        with engine.begin() as connection:
            # A test that left a transaction open (an unread export stream, say) would
            # otherwise hang every later test here, with no word of why.
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))
            connection.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false)"
                    " FROM pg_sequences WHERE schemaname = current_schema()"
                )
            )

    yield empty
    engine.dispose()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server for this test session (tests may stop and start it)."""
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy (migrating costs ~0.13 s a test)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "feedbot.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend in turn."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    request.getfixturevalue("empty_postgres")()
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def sqlite_url(migrated_sqlite: Path, tmp_path: Path) -> str:
    path = tmp_path / "feedbot.sqlite3"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


def make_app(database_url: str, **settings: Any) -> Flask:
    """A fresh app on `database_url` with the test services and credentials."""
    config = {
        "env": "testing",
        "database_url": database_url,
        "secret_key": TEST_SECRET_KEY,
        "twilio_auth_token": TEST_AUTH_TOKEN,
        "services_file": TEST_SERVICES,
        **settings,
    }
    app = create_app(config)
    app.testing = True
    log_watch.watch(app)
    _APPS_MADE.append(app)
    return app


# Every app make_app made: its database connections are closed when the test ends. Left open
# (and the in-process workers' runtimes, one per test's environment), a pytest process held
# about 40 PostgreSQL connections, and two such processes (`make test`) came close to
# PostgreSQL's default limit of 100.
_APPS_MADE: list[Flask] = []


@pytest.fixture(autouse=True)
def apps_closed() -> Iterator[None]:
    """Closes the database connections of the apps, and of the in-process workers' runtimes,
    a test made."""
    yield
    while _APPS_MADE:
        runtime_of(_APPS_MADE.pop()).db.dispose()
    close_worker_runtimes()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    application = make_app(database_url)
    yield application
    runtime_of(application).db.dispose()


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[Flask]:
    application = make_app(sqlite_url)
    yield application
    runtime_of(application).db.dispose()


def runtime_of(app: Flask) -> Runtime:
    with app.app_context():
        return current_runtime()


@pytest.fixture
def queued_app(database_url, redis_server, monkeypatch):
    """An app on a real Redis queue, and the environment its worker builds a runtime from."""
    Redis.from_url(redis_server.url).flushdb()
    monkeypatch.setenv("DATABASE_URL", database_url)
    # The worker keys phone numbers as the app does: a database refuses a second key.
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(TEST_SERVICES))
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("FEEDBOT_NORMALIZE_RETRY_INTERVALS", "0,0")
    # Drains at once, so a burst worker without RQ's scheduler finds them (the delayed drain
    # has its own tests in test_queue.py).
    monkeypatch.setenv("FEEDBOT_NORMALIZE_DELAY_SECONDS", "0")
    app = make_app(
        database_url,
        redis_url=redis_server.url,
        normalize_retry_intervals=(0, 0),
        normalize_delay_seconds=0,
    )
    yield app
    runtime_of(app).db.dispose()


@pytest.fixture
def texter_factory(app: Flask):  # type: ignore[no-untyped-def]
    def make(phone: str = "+12025550143", to: str = "+12025550100") -> Texter:
        return Texter(app.test_client(), phone=phone, to=to)

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of an xdist_group ("bench", "worker-processes": about 2 minutes each) run one
    after another in one pytest process, so they come first: collected last (test_worker.py),
    a group ran alone at the end while the other process sat idle. Otherwise in file order."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


@pytest.fixture(scope="session", autouse=True)
def browser_stopped() -> Iterator[None]:
    """The Chromium the browser tests share in this process (tests/support/browser.py), closed
    with its Playwright driver once every test has run."""
    yield
    if (browser := sys.modules.get("tests.support.browser")) is not None:
        browser.stop_browser()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist, a worker hands its counts to the controller, which prints them."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["hostile_sent"] = dict(SENT)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    SENT.update(getattr(node, "workeroutput", {}).get("hostile_sent", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many requests the hostile-input tests sent (tests/test_hostile_*.py)."""
    if SENT:
        terminalreporter.write_line(
            f"hostile-input suite: {sum(SENT.values())} requests sent by {len(SENT)} tests"
        )


# Test phone numbers are all (202) 555-01xx or 555-0yyy; none may reach a log line in any form.
_PHONE_IN_LOGS = re.compile(r"(?:\+?1[\s.-]?)?\(?202\)?[\s.-]?555[\s.-]?0\d{3}")


@pytest.fixture(autouse=True)
def nothing_private_in_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every log line of every test, formatted as production writes it (JSON), is checked for a
    test phone number in clear, the test credentials, and any token or free text sent."""
    log_watch.noted.clear()
    log_watch.noted.update({TEST_SECRET_KEY, TEST_AUTH_TOKEN})
    handler = _RecordingHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    leaked = [line for line in handler.lines if _PHONE_IN_LOGS.search(line)]
    assert not leaked, f"phone number in clear in the log: {leaked[:3]}"
    exposed = log_watch.leaks(handler.lines)
    assert not exposed, f"token or free text in the log: {exposed[:3]}"


class _RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        json.loads(line)  # every line is one JSON object
        self.lines.append(line)
