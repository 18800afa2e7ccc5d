"""The command line's own answers: its version and its help."""

from __future__ import annotations

from importlib.metadata import version

from click.testing import CliRunner

from feedbot.cli import main


def test_version_is_feedbot_s():
    """`feedbot --version` printed the Python, Flask and Werkzeug versions."""
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"feedbot {version('feedbot')}\n"


def test_queue_help_says_it_carries_invitations_too():
    result = CliRunner().invoke(main, ["queue", "--help"])
    assert result.exit_code == 0
    assert "invitations and reminders" in " ".join(result.output.split())
