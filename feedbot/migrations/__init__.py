"""Alembic migrations for feedbot's database, run with `feedbot db upgrade`."""

from __future__ import annotations

import fcntl
import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from feedbot.db import missing_schema

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used, not here: importing it (with Mako and Pygments) was
# about 180 ms of the 1.5 s a web worker spends importing feedbot, and a web worker needs it
# only for its first /readyz (the schema's revision), a worker only for its schema check.

MIGRATIONS_DIR = Path(__file__).resolve().parent
UPGRADE_HINT = "run `feedbot db upgrade`"
# pg_advisory_xact_lock's key for "migrating this database" (advisory locks are per database):
# the bytes of "feedbot".
MIGRATION_LOCK_KEY = int.from_bytes(b"feedbot", "big")

log = logging.getLogger(__name__)


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` up to `revision` (one migration at a time per
    database: a second one waits, then finds nothing left to do)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Take the database at `database_url` back to `revision`, undoing every later migration
    (`feedbot db downgrade`, after downgrade_plan)."""
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


class DowngradeRefused(Exception):
    """A downgrade that cannot be what was meant, said so that a person can correct it."""


class Undone(NamedTuple):
    """A migration a downgrade undoes: its revision, its title, and what undoing it loses."""

    revision: str
    title: str
    loses: str


def downgrade_plan(connection: Connection, revision: str) -> tuple[str, list[Undone]]:
    """The revision `revision` names (a prefix of one will do), and the migrations a downgrade
    of the database to it undoes, newest first. DowngradeRefused when this code knows no such
    revision (or several start with it), when it is `base` (every table dropped: no rollback),
    or when the database is not past it."""
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RangeNotAncestorError
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config(""))
    _, known = code_revisions()
    try:
        target = script.get_revision(revision)
    except CommandError:
        # Alembic says the same "Can't locate revision" of the start of several revisions.
        started = sorted(each for each in known if each.startswith(revision))
        if len(started) > 1:
            raise DowngradeRefused(
                f"{revision!r} starts {len(started)} revisions ({', '.join(started)}): give more"
                " of the one meant"
            ) from None
        raise DowngradeRefused(
            f"this feedbot knows no revision {revision!r}: give one of {', '.join(sorted(known))}"
        ) from None
    if target is None:
        raise DowngradeRefused(
            "'base' drops every table, and every response and opt-out with them: give the"
            " revision to go back to"
        )
    current = current_revisions(connection)
    if not current:
        raise DowngradeRefused(f"the database has no feedbot tables: {UPGRADE_HINT}")
    if current - known:
        raise DowngradeRefused(
            f"the database is at {', '.join(sorted(current - known))}, which this feedbot does"
            " not know: downgrade with the release that migrated it there"
        )
    try:
        scripts = list(script.iterate_revisions(tuple(current), target.revision))
    except RangeNotAncestorError:
        raise DowngradeRefused(
            f"the database is at {', '.join(sorted(current))}, not past {target.revision}:"
            " nothing to undo"
        ) from None
    undone = [
        Undone(each.revision, each.doc, each.module.downgrade_loses)
        for each in scripts
        if each.revision != target.revision
    ]
    return target.revision, undone


def make_revision(database_url: str, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(alembic_config(database_url), message=message, autogenerate=True)


@contextmanager
def one_migration_at_a_time(connection: Connection) -> Iterator[None]:
    """Hold this database's migration lock: two `feedbot db upgrade` (or `demo`, `chat`) at once
    would both find a table missing and both create it. On PostgreSQL a transaction-level
    advisory lock, released when the migration's transaction ends (enter inside it); on SQLite
    an flock on a file beside the database's, released on leaving."""
    if connection.dialect.name == "postgresql":
        _postgres_lock(connection)
        yield
        return
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migration-lock", "a") as lock_file:
        _wait_for(lambda blocking: _flock(lock_file, blocking))
        yield  # closing the file releases the lock


def _postgres_lock(connection: Connection) -> None:
    def take(blocking: bool) -> bool:
        function = "pg_advisory_xact_lock" if blocking else "pg_try_advisory_xact_lock"
        taken = connection.scalar(text(f"SELECT {function}(:key)"), {"key": MIGRATION_LOCK_KEY})
        return blocking or bool(taken)

    _wait_for(take)


def _flock(lock_file: IO[str], blocking: bool) -> bool:
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _wait_for(take: Callable[[bool], bool]) -> None:
    """Take a lock, saying so when another migration holds it (`take(blocking)` → taken)."""
    if not take(False):
        log.info("another migration of this database is running: waiting for it to finish")
        take(True)


class SchemaState(NamedTuple):
    ready: bool
    detail: str


def schema_state(connection: Connection) -> SchemaState:
    """Whether the database's schema is what this code needs, in one query (the code's own
    revisions are read once per process). A schema newer than the code is fine: a release step
    migrates before the instances still running the previous code are replaced."""
    current = current_revisions(connection)
    heads, known = code_revisions()
    if current == heads:
        return SchemaState(True, "ok")
    if current - known:
        newer = ", ".join(sorted(current - known))
        return SchemaState(True, f"ok (schema {newer} is newer than this code)")
    if not current:
        return SchemaState(False, f"tables missing: {UPGRADE_HINT}")
    return SchemaState(
        False,
        f"schema at {', '.join(sorted(current))}, this code needs {', '.join(sorted(heads))}:"
        f" {UPGRADE_HINT}",
    )


def current_revisions(connection: Connection) -> frozenset[str]:
    """The database's revisions (none before its first migration)."""
    try:
        return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))
    except DBAPIError as error:
        if missing_schema(error):
            return frozenset()
        raise


@functools.cache
def code_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """This code's head revision(s), and every revision it knows."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(""))
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return frozenset(script.get_heads()), known
