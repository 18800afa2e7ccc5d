"""`feedbot check-config --offline` on a flows directory of a test's own."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from feedbot.cli import main


def check_config_services_line(flows: Path, database_dir: Path) -> tuple[int, list[str]]:
    """Run check-config on `flows` (holding services.yaml) with a SQLite database of its own in
    `database_dir`; return its exit code and its services line's verdict and message."""
    environment = {
        "FEEDBOT_SERVICES_FILE": str(flows / "services.yaml"),
        "FEEDBOT_FLOWS_DIR": str(flows),
        "DATABASE_URL": f"sqlite:///{database_dir / 'db.sqlite3'}",
        "REDIS_URL": None,
    }
    result = CliRunner().invoke(main, ["check-config", "--offline"], env=environment)
    (services_line,) = [line for line in result.output.splitlines() if line.startswith("serv")]
    return result.exit_code, services_line.split(maxsplit=2)[1:]
