"""A private PostgreSQL cluster for the fault runs: stopped and started again at will, without
touching the machine's shared server."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.infra import free_port

# initdb refuses to run as root; as root the cluster belongs to this account instead.
CLUSTER_OWNER = "postgres"


class PostgresCluster:
    """initdb + pg_ctl in a temporary directory, on a free loopback port, trust auth."""

    def __init__(self) -> None:
        self.bindir = _postgres_bindir()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="feedbot-faults-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self._owner = pwd.getpwnam(CLUSTER_OWNER) if os.geteuid() == 0 else None
        if self._owner is not None:
            os.chown(self.directory, self._owner.pw_uid, self._owner.pw_gid)
        self._pg(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        # fsync off: these runs restart the server, they never crash the machine, and the
        # shared disk should not pay for them.
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg(
            ["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"]
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `fast` ends open sessions the way a restart in production does."""
        self._pg(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"])

    def create_database(self, name: str) -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def __enter__(self) -> PostgresCluster:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def _pg(self, command: list[str]) -> None:
        command = [str(self.bindir / command[0]), *command[1:]]
        if self._owner is not None:
            command = ["runuser", "-u", CLUSTER_OWNER, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _postgres_bindir() -> Path:
    found = shutil.which("pg_config")
    if found:
        bindir = subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout
        if (Path(bindir.strip()) / "initdb").exists():
            return Path(bindir.strip())
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not candidates:
        raise RuntimeError("PostgreSQL's initdb is not installed: run `bash .ci/services`")
    return Path(candidates[-1]).parent


def _version(path: str) -> int:
    number = Path(path).parent.parent.name
    return int(number) if number.isdigit() else 0
