"""Real services for tests: a private redis-server per test session, a fresh PostgreSQL database."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class RedisServer:
    """A redis-server of the test session's own on a free loopback port; can stop and restart."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed: run `bash .ci/services` "
                "(or `apt-get install redis-server`)"
            )
        self.binary = binary
        self.port = _free_port()
        self.directory = tempfile.mkdtemp(prefix="feedbot-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or start again) on this server's port; return once it answers PING."""
        if self.process is not None and self.process.poll() is None:
            return
        log_path = os.path.join(self.directory, "redis.log")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory,
                "--logfile",
                log_path,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        # Short timeouts: if a stranger holds the port, a PING would otherwise hang on its socket.
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
        try:
            while True:
                try:
                    client.ping()
                    return
                except (redis.ConnectionError, redis.TimeoutError):
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError(
                            f"redis-server did not answer on port {self.port}; "
                            f"its log:\n{_tail(log_path)}"
                        ) from None
                    time.sleep(0.02)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                self.process.wait(timeout=10)
            self.process = None

    def __enter__(self) -> RedisServer:
        try:
            self.start()
        except BaseException:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def postgres_base_url() -> str:
    """The server to make test databases on: $FEEDBOT_TEST_POSTGRES_URL, else the local one."""
    return os.environ.get("FEEDBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@contextmanager
def fresh_postgres_database(base_url: str | None = None) -> Iterator[str]:
    """Create a uniquely named database, yield its URL, drop it afterwards."""
    base = make_url(base_url or postgres_base_url())
    name = f"feedbot_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        raise RuntimeError(
            f"PostgreSQL is not reachable at {base.render_as_string(hide_password=True)}: "
            "start it with `bash .ci/services`"
        ) from error
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: str, lines: int = 20) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-lines:])
    except OSError:
        return "(no log written)"


def shut_down_redis(url: str) -> None:
    """An RQ job that takes Redis down under the worker running it (no save, like a crash)."""
    redis.Redis.from_url(url).shutdown(nosave=True)


def set_key(url: str, key: str) -> None:
    """An RQ job whose only effect is a Redis key, to see when (whether) it ran."""
    redis.Redis.from_url(url).set(key, "ran")
