"""The Alembic migrations build exactly the tables, columns and indexes the models declare, and
two of them at once on one database wait for each other."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from feedbot.migrations import alembic_config, upgrade
from feedbot.models import Base
from tests.support.services import fresh_postgres_database

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables at all, on `backend` (sqlite or postgresql)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        with fresh_postgres_database() as url:
            yield url


def versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


def test_migrated_database_matches_the_models(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


# Each process imports feedbot, says so, and migrates when told: all of them at the same moment
# (as a release step and a `feedbot demo` or a second release might), not as they finish
# importing one after the other.
UPGRADE_WHEN_TOLD = """
import sys
from feedbot.migrations import upgrade
print("ready", flush=True)
sys.stdin.readline()
upgrade(sys.argv[1])
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrades_started_together_wait_for_each_other(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", UPGRADE_WHEN_TOLD, url],
                cwd=REPO,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        try:
            for process in processes:
                assert process.stdout.readline() == "ready\n"
            for process in processes:
                process.stdin.write("go\n")
                process.stdin.flush()
            outcomes = [process.communicate(timeout=120) for process in processes]
        finally:
            for process in processes:
                process.kill()
                process.wait()
        errors = [
            err for (_, err), process in zip(outcomes, processes, strict=True) if process.returncode
        ]
        assert not errors, errors[0]
        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        assert versions(url) == [head]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_live_tokens_sharing_a_name_are_renamed_not_refused(backend, tmp_path):
    """0009 makes a live token's name unique; a database with two live "ops" tokens (made
    before the index) keeps the oldest's name and renames the other, whose token still works."""
    with empty_database(backend, tmp_path) as url:
        upgrade(url, "0008_staff_sign_outs")
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                for number, revoked in enumerate([None, "2026-01-02", None]):
                    connection.execute(
                        text(
                            "INSERT INTO staff_tokens (name, token_hash, scopes, created_at,"
                            " revoked_at) VALUES ('ops', :hash, '[\"export\"]', '2026-01-01',"
                            " :revoked)"
                        ),
                        {"hash": f"hash-{number}", "revoked": revoked},
                    )
            upgrade(url)
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT id, name FROM staff_tokens ORDER BY id"))
                assert [tuple(row) for row in rows] == [(1, "ops"), (2, "ops"), (3, "ops #3")]
        finally:
            engine.dispose()
