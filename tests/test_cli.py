"""The command line's own answers: its version and its help."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib.metadata import requires, version
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from feedbot.cli import main
from feedbot.migrations import upgrade
from feedbot.models import Conversation, ResponseRecord
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of
from tests.support.texting import Texter
from tests.test_migrations import empty_database


def test_version_is_feedbot_s():
    """`feedbot --version` printed the Python, Flask and Werkzeug versions."""
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"feedbot {version('feedbot')}\n"


def test_queue_help_says_it_carries_invitations_too():
    result = CliRunner().invoke(main, ["queue", "--help"])
    assert result.exit_code == 0
    assert "invitations and reminders" in " ".join(result.output.split())


def offline_check(tmp_path: Path, *options: str) -> dict[str, str]:
    """`feedbot [OPTIONS] check-config --offline` run in `tmp_path`, on the settings of a bare
    environment (and what OPTIONS add): each finding's subject and the rest of its line."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "feedbot.cli", *options, "check-config", "--offline"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(line.split(maxsplit=1) for line in result.stdout.splitlines())


def test_env_file_option_loads_the_settings_of_the_file_it_names(tmp_path):
    """`feedbot -e prod.env check-config` failed: "python-dotenv must be installed to load an
    env file", which no install of feedbot's own dependencies had."""
    (tmp_path / "prod.env").write_text(f"FEEDBOT_SERVICES_FILE={TEST_SERVICES}\n")
    found = offline_check(tmp_path, "-e", "prod.env")
    assert found["services"].startswith(f"ok       {TEST_SERVICES}: ")
    assert any(r.split(";")[0].startswith("python-dotenv") for r in requires("feedbot") or [])


def test_a_dotenv_file_in_the_working_directory_is_not_read(tmp_path):
    """With python-dotenv installed, Flask's command line reads .env and .flaskenv from the
    working directory: a file left there changed a production host's settings unseen."""
    for name in (".env", ".flaskenv"):
        (tmp_path / name).write_text(f"FEEDBOT_SERVICES_FILE={TEST_SERVICES}\n")
    found = offline_check(tmp_path)
    assert str(TEST_SERVICES) not in found["services"]
    assert found["services"].startswith("ok       ")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_queue_status_on_a_schema_behind_says_to_run_db_upgrade(backend, tmp_path):
    """It said "the database cannot be reached (ProgrammingError: relation
    "key_fingerprints" does not exist)", where every other command says to migrate."""
    with empty_database(backend, tmp_path) as url:
        upgrade(url, "0006_inbound_by_conversation")
        env = {
            "DATABASE_URL": url,
            "FEEDBOT_SERVICES_FILE": str(TEST_SERVICES),
            "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
            "REDIS_URL": None,
        }
        result = CliRunner().invoke(main, ["queue", "status"], env=env)
    assert result.exit_code == 1, result.output
    [attention] = [line for line in result.output.splitlines() if line.startswith("attention")]
    assert attention.startswith(
        "attention: the database's tables are missing or older than this feedbot ("
    ), attention
    assert attention.endswith("): run `feedbot db upgrade`"), attention


def test_queue_sweep_closes_idle_surveys_as_the_workers_sweep_does(sqlite_url):
    """It only enqueued what waited in the outbox: with no worker running, nothing closed a
    survey left idle, though the README's sentence on sweeps read as if it did."""
    app = make_app(sqlite_url)
    Texter(app.test_client(), phone="+12025550177", to="+12025550100").send("Hi")
    Texter(app.test_client(), phone="+12025550178", to="+12025550100").send("Hi")
    env = {
        "DATABASE_URL": sqlite_url,
        "FEEDBOT_SERVICES_FILE": str(TEST_SERVICES),
        "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
        "REDIS_URL": None,
        "FEEDBOT_FIXED_NOW": None,
    }
    result = CliRunner().invoke(main, ["queue", "sweep"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["0 idle survey(s) closed", "0 response(s) swept"]
    a_day_later = (datetime.now(UTC) + timedelta(hours=25)).isoformat()
    result = CliRunner().invoke(
        main, ["queue", "sweep"], env={**env, "FEEDBOT_FIXED_NOW": a_day_later}
    )
    assert result.exit_code == 0, result.output
    # Closed, and (with no REDIS_URL) normalized as they closed: nothing is left to sweep.
    assert result.output.splitlines() == ["2 idle survey(s) closed", "0 response(s) swept"]
    with runtime_of(app).db.transaction() as db:
        assert set(db.scalars(select(Conversation.status))) == {"abandoned"}
        assert len(db.scalars(select(ResponseRecord)).all()) == 2


def test_chat_takes_the_only_service_when_none_is_named(sqlite_url, tmp_path):
    """Without --service it took "demo", and failed with "no service 'demo'" on a services
    file whose one service has another id."""
    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"] = [s for s in document["services"] if s["id"] == "passport"]
    (tmp_path / "services.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    app = make_app(sqlite_url, services_file=tmp_path / "services.yaml")
    result = app.test_cli_runner().invoke(args=["chat"], input="")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Texting U.S. Passport Office (passport renewal).")
    assert "This interaction increased my trust in U.S. Passport Office." in result.output


def test_chat_without_service_names_the_services_to_choose_from(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(args=["chat"], input="")
    assert result.exit_code == 2, result.output
    assert result.output.endswith(
        "Error: the services file has 4 services (passport, benefits, thumbs, webchat): pass one"
        " with --service\n"
    )
    unknown = sqlite_app.test_cli_runner().invoke(args=["chat", "--service", "demo"], input="")
    assert unknown.exit_code == 2, unknown.output
    assert "no service 'demo' (the services file has passport, benefits, thumbs, webchat)" in (
        unknown.output
    )
