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
from tests.conftest import make_app, runtime_of
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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_requests_on_a_schema_behind_are_told_it_is_being_updated_not_unreachable(
    backend, tmp_path
):
    """With the web on a schema behind its code, chat and the staff API answered 503 "feedbot
    cannot reach its database right now", which it could. Staff are told what to run; a chat
    visitor only that feedbot is being updated. Still 503 with Retry-After, until it has run."""
    with empty_database(backend, tmp_path) as url:
        upgrade(url, "0006_inbound_by_conversation")
        app = make_app(url)
        client = app.test_client()
        origin = {"Origin": "https://studentaid.example.gov"}
        chat = client.post("/api/chat/sessions", json={"service": "webchat"}, headers=origin)
        bearer = {"Authorization": "Bearer not-checked-while-the-tables-are-behind"}
        staff = [client.get(path, headers=bearer) for path in STAFF_PATHS]
        upgrade(url)
        after = client.post("/api/chat/sessions", json={"service": "webchat"}, headers=origin)
        runtime_of(app).db.dispose()
    assert (chat.status_code, chat.headers["Retry-After"]) == (503, "5")
    assert chat.json == {"error": "feedbot is being updated; try again shortly"}
    for answer in staff:
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "5")
        assert answer.json == {
            "error": "feedbot's database tables are missing or older than this feedbot: run"
            " `feedbot db upgrade`, then try again"
        }
    assert after.status_code == 201, after.json


STAFF_PATHS = [
    "/api/exports/responses",
    "/api/exports/a11-quarterly?quarter=FY2027Q1",
    "/api/invitations",
]
