"""The database connection: one engine and session factory per app, tuned per dialect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """An engine and a session factory for one DATABASE_URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def reading(self) -> Session:
        """A session for long reads (exports): on SQLite it does not take the write lock."""
        return Session(self.engine.execution_options(feedbot_reading=True), expire_on_commit=False)

    def dispose(self) -> None:
        self.engine.dispose()


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
    # error messages reach logs. A short connect timeout turns an outage into a quick 503.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        hide_parameters=True,
        connect_args={"connect_timeout": 5},
    )


def _ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


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
