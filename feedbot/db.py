"""The database connection: one engine and session factory per app, tuned per dialect."""

from __future__ import annotations

import itertools
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

# A web request must answer within Twilio's 15 s (gunicorn's timeout is the same), and a
# database in trouble must cost it a 503, not the worker. Each way of failing has its bound:
# - it refuses, or accepts TCP but never answers: connect_timeout bounds making a connection;
# - the network drops packets (a partition): tcp_user_timeout drops a connection whose sent
#   data goes unacknowledged, and keepalives find an idle one whose peer is gone. These
#   protect the worker and the CLI too, which have no other bound (their statements may
#   rightly run long: exports, purges);
# - PostgreSQL is alive but blocked or slow: in a request, lock_timeout and statement_timeout
#   make the server cancel the statement itself, which keeps the connection and releases what
#   the transaction held at once;
# - the peer hangs while its kernel still acknowledges (a stopped proxy or postmaster): none of
#   the above fires, so in a request each wait for the server is limited to REQUEST_WAIT_SECONDS
#   of silence, after which the connection is shut down: the failure every layer already
#   handles as a lost connection (SQLAlchemy invalidates it and the pool; the request answers
#   503 with Retry-After).
# Worst case, a pooled connection's pre-ping waits 4 s and the new connection 5 s: a 503 in
# about 9 s. The server's 3 s come before the client's 4 s, so a live server cancels first.
CONNECT_TIMEOUT_SECONDS = 5
TCP_USER_TIMEOUT_MS = 10_000
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
REQUEST_WAIT_SECONDS = 4.0
# Staff pages (a dashboard over years of responses, an export's first rows) may rightly keep the
# database busy for longer, so they run without the server-side timeouts, but a hung database
# still costs them a 503 within gunicorn's 15 s: 8 s of silence, then a 5 s connect.
STAFF_WAIT_SECONDS = 8.0
# A webhook's statements take milliseconds (bench/RESULTS.md: p99 of a whole turn ~30 ms).
REQUEST_STATEMENT_TIMEOUT = "3s"
REQUEST_LOCK_TIMEOUT = "3s"


@dataclass(frozen=True)
class WaitLimit:
    """How a web request bounds its database: seconds of silence, and whether the server-side
    statement and lock timeouts apply."""

    seconds: float
    server_timeouts: bool


PUBLIC_REQUEST = WaitLimit(REQUEST_WAIT_SECONDS, server_timeouts=True)
STAFF_REQUEST = WaitLimit(STAFF_WAIT_SECONDS, server_timeouts=False)

# Set for the length of a web request (feedbot.ops).
_wait_limit: ContextVar[WaitLimit | None] = ContextVar("feedbot_database_wait_limit", default=None)


class Database:
    """An engine and a session factory for one DATABASE_URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._checks: tuple[Callable[[Session], None], ...] = ()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        self.run_checks()
        with self.sessions() as session, session.begin():
            yield session

    def reading(self) -> Session:
        """A session for long reads (exports): on SQLite it does not take the write lock."""
        self.run_checks()
        return Session(self.engine.execution_options(feedbot_reading=True), expire_on_commit=False)

    @contextmanager
    def reading_unchecked(self) -> Iterator[Session]:
        """A session for a read that does not depend on check_before_use's checks, without
        running them: they fail while the schema is behind this code, and a staff token can
        still be looked up then. Never committed: nothing is written through it."""
        with Session(
            self.engine.execution_options(feedbot_reading=True), expire_on_commit=False
        ) as session:
            yield session

    def check_before_use(self, check: Callable[[Session], None]) -> None:
        """Run `check` in a transaction of its own now, or, if the database cannot be reached
        (or is not migrated) yet, before every use until it passes once: what it raises then
        refuses that use. What it raises now (other than a database error) is raised here."""
        self._checks = (*self._checks, check)
        try:
            with waits_limited():
                self.run_checks()
            # No connection is left in the pool: a process forked from this one (gunicorn's
            # --preload) would share its socket with its siblings.
            self.engine.dispose()
        except SQLAlchemyError as error:
            # Tables missing is what `feedbot db upgrade` itself starts with: nothing to say.
            log.log(
                logging.DEBUG if missing_schema(error) else logging.WARNING,
                "start-up check of the database put off (%s): it runs before the first use"
                " that reaches the database",
                type(error).__name__,
            )

    def run_checks(self) -> None:
        """Run the checks of check_before_use that have not passed yet."""
        for check in self._checks:
            with self.sessions() as session, session.begin():
                check(session)
            # A new tuple, so that another thread going through the old one is not disturbed.
            self._checks = tuple(kept for kept in self._checks if kept is not check)

    def dispose(self) -> None:
        self.engine.dispose()


def limit_waits(limit: WaitLimit = PUBLIC_REQUEST) -> Token[WaitLimit | None]:
    """From now on in this context (a web request), every wait for PostgreSQL's answer gives up
    after the limit's seconds of silence, and statements run under the request's server-side
    timeouts if it has them. Hand the token to `end_wait_limit`."""
    return _wait_limit.set(limit)


def end_wait_limit(token: Token[WaitLimit | None]) -> None:
    _wait_limit.reset(token)


@contextmanager
def waits_limited(limit: WaitLimit = PUBLIC_REQUEST) -> Iterator[None]:
    token = limit_waits(limit)
    try:
        yield
    finally:
        end_wait_limit(token)


def missing_schema(error: BaseException) -> bool:
    """Whether a database error says a table or column the code uses does not exist: the
    database was never migrated, or is behind the code (`feedbot db upgrade`)."""
    original = getattr(error, "orig", error)
    if isinstance(original, psycopg.errors.UndefinedTable | psycopg.errors.UndefinedColumn):
        return True
    if isinstance(original, sqlite3.OperationalError):
        message = str(original)
        return message.startswith(("no such table", "no such column")) or (
            " has no column named " in message
        )
    return False


def upsert_statement(session: Session, model: Any) -> Any:
    """An INSERT that can take ON CONFLICT clauses, for the session's dialect."""
    return upsert_dialect(session.get_bind().dialect.name).insert(model)


def upsert_dialect(name: str) -> Any:
    """The dialect module whose `insert()` takes ON CONFLICT clauses (PostgreSQL's or SQLite's)
    for a dialect's name."""
    return postgresql if name == "postgresql" else sqlite


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _ensure_sqlite_directory(url)
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
        )
        _serialize_sqlite_writers(engine)
        return engine
    # Parameters are hidden from error messages: they hold answers and keyed sender ids, and
    # error messages reach logs.
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        hide_parameters=True,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
            **KEEPALIVES,
        },
    )
    _bound_postgres_waits(engine)
    return engine


def _bound_postgres_waits(engine: Engine) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        return _WatchedConnection.connect(*cargs, **cparams)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Set once per connection in a web process (and never in a worker), not per transaction.
        limit = _wait_limit.get()
        in_request = limit is not None and limit.server_timeouts
        if dbapi_connection.request_timeouts != in_request:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(_REQUEST_TIMEOUTS if in_request else _DEFAULT_TIMEOUTS)
            dbapi_connection.commit()
            dbapi_connection.request_timeouts = in_request


_REQUEST_TIMEOUTS = (
    f"SET statement_timeout = '{REQUEST_STATEMENT_TIMEOUT}';"
    f" SET lock_timeout = '{REQUEST_LOCK_TIMEOUT}'"
)
_DEFAULT_TIMEOUTS = "RESET statement_timeout; RESET lock_timeout"


class _WatchedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait for the server, within a web request, is watched:
    past the request's limit of silence the watchdog shuts its socket down."""

    request_timeouts = False

    def wait(self, *args: Any, **kwargs: Any) -> Any:
        limit = _wait_limit.get()
        if limit is None:
            return super().wait(*args, **kwargs)
        watch = _WATCHDOG.watch(self, limit.seconds)
        try:
            return super().wait(*args, **kwargs)
        finally:
            # A wait that ended just as its time ran out may have been cut after its answer
            # came (a COMMIT that went through): the next statement then fails as on any
            # dropped connection, and the request answers 503.
            if _WATCHDOG.unwatch(watch):
                log.warning(
                    "the database sent nothing for %g s: its connection was dropped", limit.seconds
                )


class _Watchdog:
    """One thread per process that shuts down the socket of a connection whose wait has
    outlasted its limit. Only the socket is shut down (on a duplicate of its descriptor, from
    this thread): libpq, in the waiting thread, then finds the connection lost and says so."""

    TICK_SECONDS = 0.25  # how late a drop may come: a small part of a 4 s limit

    def __init__(self) -> None:
        self._start_afresh()
        # A child forked while the thread held the lock would wait on it forever; the thread
        # itself does not survive a fork (watch starts another).
        os.register_at_fork(after_in_child=self._start_afresh)

    def _start_afresh(self) -> None:
        self._lock = threading.Lock()
        self._waits: dict[int, tuple[float, psycopg.Connection[Any]]] = {}
        self._dropped: set[int] = set()
        self._numbers = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, connection: psycopg.Connection[Any], seconds: float) -> int:
        number = next(self._numbers)
        with self._lock:
            self._waits[number] = (time.monotonic() + seconds, connection)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="feedbot-database-watchdog", daemon=True
                )
                self._thread.start()
        return number

    def unwatch(self, number: int) -> bool:
        """Stop watching a wait; whether it had been dropped."""
        with self._lock:
            self._waits.pop(number, None)
            if number in self._dropped:
                self._dropped.discard(number)
                return True
            return False

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK_SECONDS)
            now = time.monotonic()
            # Under the lock, so that a wait cannot end, and its connection wait again for
            # something else, between the look at its deadline and the shutdown.
            with self._lock:
                for number, (deadline, connection) in list(self._waits.items()):
                    if deadline <= now:
                        del self._waits[number]
                        self._dropped.add(number)
                        _shut_down(connection)


def _shut_down(connection: psycopg.Connection[Any]) -> None:
    try:
        with socket.socket(fileno=os.dup(connection.fileno())) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except (OSError, psycopg.Error):
        pass  # already closed: the wait ends by itself


_WATCHDOG = _Watchdog()


def _ensure_sqlite_directory(url: str) -> None:
    database = sqlite_file(url)
    if database is not None:
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def sqlite_file(url: str) -> str | None:
    """The file an SQLite URL names; None for another database or one in memory."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return database if database and database != ":memory:" else None


def _serialize_sqlite_writers(engine: Engine) -> None:
    # pysqlite's own BEGIN is deferred, so two writers can both read and then deadlock
    # upgrading their locks. BEGIN IMMEDIATE takes the write lock up front, which is what
    # makes "two messages from one sender" queue behind each other on SQLite too.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A streaming export must not hold the write lock webhooks wait for.
        reading = connection.get_execution_options().get("feedbot_reading", False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
