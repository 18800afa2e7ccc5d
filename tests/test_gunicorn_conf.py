"""gunicorn.conf.py: a variable it cannot use stops gunicorn with one line naming it, as
`feedbot check-config` names it beforehand; the metrics directory is made if missing, and
removed at the end when gunicorn made it."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.infra import REPO, free_port, gunicorn
from feedbot.cli import main
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES


def web_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a web process in testing, without Redis."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"REDIS_URL", "PORT", "WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR"}
    }
    env.update(
        FEEDBOT_ENV="testing",
        DATABASE_URL=database_url,
        FEEDBOT_SECRET_KEY=TEST_SECRET_KEY,
        FEEDBOT_SERVICES_FILE=str(TEST_SERVICES),
        **extra,
    )
    return env


def start_gunicorn(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """gunicorn reading gunicorn.conf.py, as far as checking its configuration."""
    command = [sys.executable, "-m", "gunicorn", "--config", str(REPO / "gunicorn.conf.py")]
    return subprocess.run(
        [*command, "--check-config", "feedbot:create_app()"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "0"),
        ("WEB_CONCURRENCY", "0"),
        ("PROMETHEUS_MULTIPROC_DIR", "{tmp}/a-file/metrics"),
    ],
)
def test_a_variable_gunicorn_cannot_use_stops_it_in_one_line_as_check_config_says(
    tmp_path: Path, name: str, value: str
):
    """PORT=abc was refused by gunicorn in its own words; a metrics directory that could not be
    made started workers that answered every request with a 500."""
    (tmp_path / "a-file").write_text("")
    env = web_env(f"sqlite:///{tmp_path / 'none.sqlite3'}", **{name: value.format(tmp=tmp_path)})
    started = start_gunicorn(env)
    assert started.returncode == 1
    assert started.stderr.startswith(f"feedbot: cannot start: {name} ")
    assert len(started.stderr.splitlines()) == 1, started.stderr
    checked = CliRunner().invoke(main, ["check-config", "--offline"], env=env)
    assert checked.exit_code == 1
    assert f"gunicorn  PROBLEM  {name} " in checked.output


def procfile_web() -> list[str]:
    """The Procfile's `web:` command, split as a shell would."""
    (line,) = [
        line for line in (REPO / "Procfile").read_text().splitlines() if line.startswith("web:")
    ]
    return shlex.split(line.removeprefix("web:"))


def serving_web(port: int) -> list[str]:
    """The Procfile's `web:` command serving on `port` with one worker, its python this
    virtualenv's."""
    return [sys.executable, *procfile_web()[1:], "--bind", f"127.0.0.1:{port}", "-w", "1"]


def web_process(env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    """The Procfile's `web:` command, with `options` after it, run as the platform would (its
    `python` or `gunicorn` this virtualenv's)."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [*procfile_web(), *options],
        env={**env, "PATH": path},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("two", "WEB_CONCURRENCY must be a whole number from 1 to 256, got 'two'"),
        ("2.5", "WEB_CONCURRENCY must be a whole number from 1 to 256, got '2.5'"),
        ("", "WEB_CONCURRENCY is set to nothing, which gunicorn cannot read: unset it"),
    ],
)
def test_a_web_concurrency_gunicorn_cannot_read_stops_the_web_process_in_one_line(
    tmp_path: Path, value: str, problem: str
):
    """gunicorn reads WEB_CONCURRENCY itself as it loads its own settings, before any config
    file, and the web process stopped with its traceback (ValueError: invalid literal for
    int()) on WEB_CONCURRENCY=two. The Procfile's web process checks it first."""
    env = web_env(f"sqlite:///{tmp_path / 'none.sqlite3'}", WEB_CONCURRENCY=value)
    started = web_process(env, "--check-config")
    assert (started.returncode, started.stderr) == (1, f"feedbot: cannot start: {problem}\n")


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            {"FEEDBOT_ENV": "production", "FEEDBOT_PUBLIC_URL": "http://feedbot.agency.gov"},
            "ConfigError: FEEDBOT_ENV=production but FEEDBOT_PUBLIC_URL must be an https:// URL"
            " in production",
        ),
        (
            {"FEEDBOT_SERVICES_FILE": "{tmp}/services.yaml"},
            "ServiceError: {tmp}/services.yaml: cannot be read (No such file or directory)",
        ),
    ],
)
def test_settings_the_app_refuses_stop_the_web_process_in_one_line_as_the_worker_s(
    tmp_path: Path, settings: dict[str, str], problem: str
):
    """Each gunicorn worker printed its traceback, and gunicorn stopped with its own
    ("HaltServer 'Worker failed to boot.'"), where `feedbot worker` says one line."""
    production = {
        "FEEDBOT_SECRET_KEY": "k" * 40,
        "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
        "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
        "DATABASE_URL": "postgresql://feedbot@127.0.0.1:1/feedbot",  # nothing listens there
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    env = {
        **web_env(production["DATABASE_URL"]),
        **production,
        **{name: value.format(tmp=tmp_path) for name, value in settings.items()},
    }
    started = web_process(env, "--bind", f"127.0.0.1:{free_port()}", "-w", "2")
    line = f"feedbot: cannot start: {problem.format(tmp=tmp_path)}\n"
    assert (started.returncode, started.stderr) == (1, line)
    worker = CliRunner().invoke(main, ["worker"], env=env)
    assert (worker.exit_code, worker.output) == (2, line)


def test_the_web_process_is_gunicorn_with_this_configuration(tmp_path: Path):
    """Checked, the Procfile's web process goes on as gunicorn itself, reading
    gunicorn.conf.py."""
    env = web_env(f"sqlite:///{tmp_path / 'none.sqlite3'}", WEB_CONCURRENCY="3", PORT="8123")
    printed = web_process(env, "--print-config")
    assert printed.returncode == 0, printed.stderr
    settings = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in printed.stdout.splitlines())
    )
    assert settings["workers"] == "3"
    assert settings["bind"] == "['0.0.0.0:8123']"
    assert settings["timeout"] == "15"
    assert settings["config"].endswith("gunicorn.conf.py")


def test_a_missing_metrics_directory_is_made_and_requests_are_answered(tmp_path, sqlite_url):
    """/healthz, /readyz and every webhook answered 500: prometheus_client could not open its
    counter file in a directory that did not exist."""
    directory = tmp_path / "not" / "yet"
    env = web_env(sqlite_url, PROMETHEUS_MULTIPROC_DIR=str(directory))
    with gunicorn("feedbot:create_app()", env, 1) as base:
        for path in ("/healthz", "/readyz"):
            with urllib.request.urlopen(base + path, timeout=5) as response:
                assert response.status == 200
    assert any(directory.glob("counter_*.db"))


def test_the_metrics_directory_gunicorn_made_is_removed_when_it_stops_after_a_reload(
    tmp_path, sqlite_url
):
    """Every start of the web process left a /tmp/feedbot-metrics-* directory behind, with a
    counter file per worker that ever ran. gunicorn's master removes the one it made as it
    stops, a HUP's reload between (which reads gunicorn.conf.py again) notwithstanding; one
    named by PROMETHEUS_MULTIPROC_DIR stays (test above)."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    port = free_port()
    env = web_env(sqlite_url, TMPDIR=str(temporary))
    with open(tmp_path / "web.log", "wb") as log:
        web = subprocess.Popen(serving_web(port), env=env, cwd=REPO, stderr=log)
    try:
        booted = _logged_lines(tmp_path / "web.log", "Booting worker")
        _wait_for(lambda: booted() == 1 and _answers(port), "gunicorn's worker to answer")
        (made,) = temporary.glob("feedbot-metrics-*")
        web.send_signal(signal.SIGHUP)
        _wait_for(lambda: booted() == 2 and _answers(port), "the reloaded worker to answer")
        assert list(temporary.glob("feedbot-metrics-*")) == [made]
        assert any(made.glob("counter_*.db"))
    finally:
        web.terminate()
        web.wait(timeout=30)
    assert web.returncode == 0
    assert not made.exists()


def _logged_lines(log: Path, start: str) -> Callable[[], int]:
    """How many of gunicorn's log lines (JSON objects) so far begin with `start`."""

    def count() -> int:
        lines = log.read_text().splitlines()
        return sum(json.loads(line)["message"].startswith(start) for line in lines if line)

    return count


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


# What gunicorn's master holds of feedbot once it has read this file and set up its logging.
MASTER_MODULES = """
import logging.config, runpy, sys
settings = runpy.run_path("gunicorn.conf.py")
logging.config.dictConfig(settings["logconfig_dict"])
logging.getLogger("gunicorn.error").info("Starting gunicorn")  # its first line, formatted
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in {"feedbot", "channels"})))
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in APP_LIBRARIES)))
"""
# What the app imports that a release may upgrade (and the standard library does not hold).
APP_LIBRARIES = {"flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker"}


def test_gunicorn_s_master_holds_none_of_the_app_s_code():
    """A HUP starts new workers from the master, which load the app again, so a release
    reloaded with a HUP runs its new code (gunicorn's promise without preload_app). But the
    master had imported the whole feedbot package (18 modules, channels' among them) for its
    logging's JSON formatter, and each new worker found the old code already imported: a
    release deployed with a HUP went on running the previous one. Now only the package's
    entry point and its log formatter, which imports none of the libraries the app does: it
    imported Flask (and Werkzeug, Jinja2, click...), so a release upgrading them and deployed
    with a HUP ran the old ones, mixed with any of their modules first imported after it."""
    loaded = subprocess.run(
        [sys.executable, "-c", f"APP_LIBRARIES = {APP_LIBRARIES!r}\n{MASTER_MODULES}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    ours, libraries = loaded.stdout.split("\n")[:2]
    assert ours.split() == ["feedbot", "feedbot.logs"]
    assert libraries.split() == []


def test_a_usr2_upgrade_of_the_web_process_starts_a_master_that_answers(tmp_path, sqlite_url):
    """A USR2 (gunicorn's binary upgrade: a new master beside the old, then the old one told
    to stop) re-executes the master's own command line. The Procfile's web process became
    `python -m gunicorn`, whose command line names gunicorn/__main__.py: run again as a
    script, gunicorn's package directory came first on sys.path, its `http` hid the standard
    library's, and the new master stopped at once ("Unable to configure formatter 'json'")."""
    port = free_port()
    with open(tmp_path / "web.log", "wb") as log:
        web = subprocess.Popen(serving_web(port), env=web_env(sqlite_url), cwd=REPO, stderr=log)
    try:
        # Counted in the text: the failed master's line is gunicorn's own, not JSON.
        booted = lambda: _log_text(tmp_path).count("Booting worker")  # noqa: E731
        _wait_for(lambda: booted() == 1 and _answers(port), "gunicorn's worker to answer")
        web.send_signal(signal.SIGUSR2)
        _wait_for(
            lambda: booted() == 2 or web.poll() is not None or "Error" in _log_text(tmp_path),
            "the new master's worker to boot",
        )
        assert booted() == 2, _log_text(tmp_path)
        # Nor, at each boot, alembic's seven lines naming its plugins.
        assert "setup plugin" not in _log_text(tmp_path)
        assert _masters(tmp_path)[0] == web.pid
        web.terminate()  # the old master goes; the new one serves on
        assert web.wait(timeout=30) == 0
        # Its worker says it boots before it has built the app (seconds on a loaded machine).
        _wait_for(lambda: _answers(port), "the new master's worker to answer")
    finally:
        if web.poll() is None:
            web.terminate()
            web.wait(timeout=30)
        for upgraded in _masters(tmp_path)[1:]:  # stopped whatever failed above
            with suppress(ProcessLookupError):
                os.kill(upgraded, signal.SIGTERM)
            _wait_for(lambda: not _alive(upgraded), "the new master to stop")  # noqa: B023


def _masters(directory: Path) -> list[int]:
    """Each master's pid, as it names itself: "Listening at: http://127.0.0.1:PORT (PID)"."""
    return [int(pid) for pid in re.findall(r"Listening at: \S+ \((\d+)\)", _log_text(directory))]


def _log_text(directory: Path) -> str:
    return (directory / "web.log").read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
