"""What the benchmarks start: a fresh PostgreSQL database, gunicorn servers, wrk."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "FEEDBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BENCH_SECRET_KEY = "bench-secret-key-" + "x" * 32
BENCH_AUTH_TOKEN = "bench-auth-token-0123456789"
# Production requires an account; the benchmarks never send an invitation, so never use it.
BENCH_ACCOUNT_SID = "AC" + "0" * 32


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database for one benchmark run, dropped afterwards."""
    from feedbot.migrations import upgrade

    admin_url = make_url(POSTGRES_ADMIN_URL)
    name = f"feedbot_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def redis_url() -> str:
    """The Redis the benchmarks queue on (and flush): FEEDBOT_BENCH_REDIS_URL, read at each
    run (tests/test_bench.py gives each pytest process its own), else db 14 of the local one."""
    return os.environ.get("FEEDBOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def feedbot_env(database_url: str, **extra: str) -> dict[str, str]:
    """The production configuration, on loopback."""
    env = dict(os.environ)
    env.update(
        FEEDBOT_ENV="production",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url(),
        FEEDBOT_SECRET_KEY=BENCH_SECRET_KEY,
        TWILIO_AUTH_TOKEN=BENCH_AUTH_TOKEN,
        TWILIO_ACCOUNT_SID=BENCH_ACCOUNT_SID,
        FEEDBOT_SERVICES_FILE=str(REPO / "bench" / "services.yaml"),
        **extra,
    )
    return env


@contextmanager
def gunicorn(
    app: str, env: dict[str, str], workers: int, output: IO[str] | None = None
) -> Iterator[str]:
    """Serve `app` with gunicorn on a free loopback port; yield its base URL once it answers
    (the port opens before any worker has built the app: on a loaded machine a request with a
    5 s timeout sent then went unanswered).

    Its log goes to `output` when given, else to this process's stderr."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(REPO / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        app,
    ]
    process = subprocess.Popen(command, env=env, cwd=REPO, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(port, process)
        _wait_for_an_answer(base, workers)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_an_answer(base: str, workers: int) -> None:
    """Each gunicorn worker builds its app after the port opens (3 s and more on a loaded
    machine) and only then takes connections: a load sent before is answered late, or not at
    all. Two requests a worker at once, each answered: at least one worker is ready (a sync
    worker that is may answer them all), most often each is."""
    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        list(pool.map(_any_answer, [base + "/twilio/sms"] * workers * 2))


def _any_answer(url: str) -> None:
    # An error status is an answer too (feedbot's webhook refuses a GET with 405): the worker
    # that gave it is ready.
    with suppress(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=60)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on {port}")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()
