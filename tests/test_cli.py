"""The command line's own answers: its version and its help."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from click.testing import CliRunner

from feedbot.cli import main
from feedbot.migrations import upgrade
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES
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
