"""FEEDBOT_SECRET_KEY keys every hashed phone number: a process started with another key than
the database's refuses to run, instead of silently forgetting every STOP."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from feedbot.cli import main
from feedbot.config import ConfigError
from feedbot.migrations import upgrade
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of
from tests.support.texting import Texter

OTHER_KEY = "another-secret-key-that-is-long-enough-9876543210"


def feedbot(
    args: list[str], database_url: str, secret_key: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`feedbot ARGS` in a process of its own, on `database_url` with `secret_key`."""
    script = Path(sys.executable).with_name("feedbot")
    command = [str(script)] if script.exists() else [shutil.which("feedbot") or "feedbot"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBOT_", "REDIS_"))}
    env.update(
        DATABASE_URL=database_url,
        FEEDBOT_SECRET_KEY=secret_key,
        FEEDBOT_SERVICES_FILE=str(TEST_SERVICES),
        FEEDBOT_ENV="testing",
    )
    return subprocess.run(
        [*command, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def fingerprints(database_url: str) -> list[tuple[str, ...]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [
                tuple(row) for row in connection.execute(text("SELECT * FROM key_fingerprints"))
            ]
    finally:
        engine.dispose()


def test_a_changed_key_refuses_to_start_and_says_what_to_do(database_url):
    app = make_app(database_url)
    Texter(app.test_client(), phone="+12025550143", to="+12025550100").send("STOP")
    runtime_of(app).db.dispose()
    # Before, this app started and treated the number that texted STOP as a stranger.
    with pytest.raises(ConfigError) as refused:
        make_app(database_url, secret_key=OTHER_KEY)
    message = str(refused.value)
    assert "STOP" in message and "Restore the previous FEEDBOT_SECRET_KEY" in message
    assert OTHER_KEY not in message and TEST_SECRET_KEY not in message


def test_the_database_keeps_a_fingerprint_of_the_key_never_the_key(database_url):
    runtime_of(make_app(database_url)).db.dispose()
    [row] = fingerprints(database_url)
    assert not any(TEST_SECRET_KEY in str(value) for value in row)
    # Starting again with the same key changes nothing.
    runtime_of(make_app(database_url)).db.dispose()
    assert fingerprints(database_url) == [row]


def test_a_command_started_with_another_key_refuses_to_run(sqlite_url):
    runtime_of(make_app(sqlite_url)).db.dispose()
    refused = feedbot(["queue", "sweep"], sqlite_url, OTHER_KEY)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "cannot start: SecretKeyChanged" in refused.stderr
    assert "feedbot adopt-secret-key" in refused.stderr and OTHER_KEY not in refused.stderr


def test_adopt_secret_key_records_a_deliberate_change_once_confirmed(sqlite_url):
    runtime_of(make_app(sqlite_url)).db.dispose()

    def sweep(key: str) -> int:
        return in_process(["queue", "sweep"], sqlite_url, key).exit_code

    assert sweep(OTHER_KEY) == 2 and sweep(TEST_SECRET_KEY) == 0
    declined = in_process(["adopt-secret-key"], sqlite_url, OTHER_KEY, stdin="n\n")
    assert declined.exit_code == 1 and "invited again" in declined.output
    assert sweep(OTHER_KEY) == 2
    adopted = in_process(["adopt-secret-key"], sqlite_url, OTHER_KEY, stdin="y\n")
    assert adopted.exit_code == 0, adopted.output
    assert sweep(OTHER_KEY) == 0 and sweep(TEST_SECRET_KEY) == 2


def in_process(args: list[str], database_url: str, secret_key: str, stdin: str = "") -> Result:
    """`feedbot ARGS` in this process (click's runner), as `feedbot` would run it."""
    env = {
        "DATABASE_URL": database_url,
        "FEEDBOT_SECRET_KEY": secret_key,
        "FEEDBOT_SERVICES_FILE": str(TEST_SERVICES),
        "REDIS_URL": None,
    }
    return CliRunner().invoke(main, args, env=env, input=stdin)


def test_a_key_change_found_after_start_refuses_every_request(tmp_path, caplog):
    # The database was not there yet when this process started (not migrated; the same holds
    # for one that could not be reached): the key is checked at its first use instead.
    url = f"sqlite:///{tmp_path / 'late.sqlite3'}"
    started_early = make_app(url, secret_key=OTHER_KEY)
    upgrade(url)
    runtime_of(make_app(url)).db.dispose()  # the database's first start records its key
    client = started_early.test_client()
    texter = Texter(client, phone="+12025550143", to="+12025550100")
    with pytest.raises(AssertionError):
        texter.send("Hi")
    assert texter.last_status == 503
    assert any("Restore the previous" in r.getMessage() for r in caplog.records)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "FEEDBOT_SECRET_KEY" in ready.json["checks"]["database"]
    runtime_of(started_early).db.dispose()


def test_start_up_leaves_no_connection_in_the_pool(database_url):
    """The key's check at start-up left its connection pooled: gunicorn workers forked from a
    preloaded app would all have used that one socket."""
    app = make_app(database_url)
    engine = runtime_of(app).db.engine
    assert engine.pool.checkedin() == 0
    runtime_of(app).db.dispose()
