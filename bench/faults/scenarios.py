"""One scenario = a fresh database, gunicorn and a worker, texters, one fault, then the checks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from redis import Redis
from rq import Worker
from rq.registry import StartedJobRegistry

from bench.faults.check import Verdict, compare, wait_for_drain
from bench.faults.cluster import PostgresCluster
from bench.faults.load import Counters, Load
from bench.infra import feedbot_env, gunicorn
from feedbot.migrations import upgrade
from feedbot.queue import NORMALIZE_QUEUE
from tests.support.services import RedisServer

WEB_WORKERS = (os.cpu_count() or 1) + 1  # gunicorn.conf.py's default
# Seconds after the database is back during which a 503 still counts as the outage's.
RECOVERY_GRACE = 5.0


@dataclass(frozen=True)
class Timing:
    threads: int
    load_seconds: float
    fault_at: float
    outage_seconds: float
    drain_timeout: float
    # FEEDBOT_NORMALIZE_OVERDUE_SECONDS: after a Redis restart takes RQ's scheduler with it,
    # the drain waits this long for the worker's overdue check (production's 15 s in the full
    # run; the quick run checks the same path, sooner).
    overdue_seconds: int


# The quick run's fault comes a second in (texters are mid-survey by then, and the worker
# holds a job within a second of the first closings) and its load goes on 2 s or more after
# Redis or PostgreSQL is back.
QUICK = Timing(
    threads=8, load_seconds=5, fault_at=1, outage_seconds=2, drain_timeout=30, overdue_seconds=3
)
FULL = Timing(
    threads=24,
    load_seconds=45,
    fault_at=15,
    outage_seconds=5,
    drain_timeout=180,
    overdue_seconds=15,
)


@dataclass
class Stage:
    """What a fault acts on during one scenario, and what it noted."""

    postgres: PostgresCluster
    redis: RedisServer
    worker: SupervisedWorker
    timing: Timing
    outage: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)
    # Processes that must have exited by the end of the scenario (a killed worker's children).
    watched_exits: list[int] = field(default_factory=list)


@dataclass
class Row:
    scenario: str
    counters: Counters
    completed: int
    verdict: Verdict
    outage_503: int
    other_5xx: int
    notes: list[str]
    leftovers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.verdict.problems
            and not self.counters.unexpected
            and not self.other_5xx
            and not self.leftovers
        )


def no_fault(stage: Stage) -> None:
    """Baseline: concurrency and duplicates only."""


def restart_redis(stage: Stage) -> None:
    """Redis stopped (it keeps nothing on disk: every queued job is lost) and started again."""
    stage.redis.stop()
    time.sleep(stage.timing.outage_seconds)
    stage.redis.start()
    stage.notes.append(f"Redis down {stage.timing.outage_seconds:.0f} s")


def kill_worker(stage: Stage) -> None:
    """SIGKILL the worker (and its scheduler) while it holds a job; the platform restarts it."""
    _kill_mid_job(stage, stage.worker.kill)


def kill_worker_alone(stage: Stage) -> None:
    """SIGKILL the worker process alone while it holds a job, as the kernel's OOM killer does;
    the platform restarts it. Its scheduler child must not outlive it, nor keep the killed
    job's database session (and the outbox rows it locked) open: checked after the drain."""

    def kill() -> None:
        stage.watched_exits.extend(stage.worker.kill_alone())

    if not stage.worker.wait_for_child():
        stage.notes.append("the worker had no scheduler process to leave behind")
    _kill_mid_job(stage, kill)


def _kill_mid_job(stage: Stage, kill: Callable[[], None]) -> None:
    connection = Redis.from_url(stage.redis.url)
    registry = StartedJobRegistry(NORMALIZE_QUEUE, connection=connection)
    for attempt in range(1, 11):
        # A worker started again takes jobs only once it has registered (its start-up sweep
        # then queues a drain at once): 3 to 6 s on a loaded machine, when a try counted from
        # its start ran out first and killed it before it took anything, ten times over.
        stage.worker.wait_registered(connection)
        deadline = time.monotonic() + 5
        while not registry.get_job_ids() and time.monotonic() < deadline:
            time.sleep(0.001)
        kill()
        if registry.get_job_ids():
            stage.notes.append(f"SIGKILL mid-job on try {attempt}")
            return
    stage.notes.append("SIGKILL: no try landed mid-job")


def restart_postgres(stage: Stage) -> None:
    """PostgreSQL stopped (sessions cut off), left down, then started; gunicorn stays up."""
    stopping = time.monotonic()
    stage.postgres.stop("fast")
    time.sleep(stage.timing.outage_seconds)
    stage.postgres.start()
    stage.outage = (stopping, time.monotonic() + RECOVERY_GRACE)
    stage.notes.append(f"PostgreSQL down {stage.outage[1] - RECOVERY_GRACE - stopping:.1f} s")


# The OOM kill comes before the scenarios that take RQ's scheduler down with them (its lock
# then outlives it for a minute): it needs a worker with its scheduler running.
SCENARIOS: dict[str, Callable[[Stage], None]] = {
    "baseline": no_fault,
    "worker-oom-kill": kill_worker_alone,
    "redis-restart": restart_redis,
    "worker-sigkill": kill_worker,
    "postgres-restart": restart_postgres,
}


@dataclass
class Stack:
    """What every scenario runs against: one database, gunicorn, a supervised worker."""

    postgres: PostgresCluster
    redis: RedisServer
    database_url: str
    base_url: str
    worker: SupervisedWorker


@contextmanager
def stack(
    postgres: PostgresCluster, redis: RedisServer, logs: Path, timing: Timing
) -> Iterator[Stack]:
    """A fresh, migrated database; gunicorn with the production configuration; a worker."""
    database_url = postgres.create_database("faults")
    upgrade(database_url)
    env = feedbot_env(database_url)
    env["REDIS_URL"] = redis.url
    env["FEEDBOT_NORMALIZE_OVERDUE_SECONDS"] = str(timing.overdue_seconds)
    with (
        open(logs / "web.log", "w") as web_log,
        SupervisedWorker(env, logs / "worker.log") as worker,
        gunicorn("feedbot:create_app()", env, WEB_WORKERS, output=web_log) as base,
    ):
        yield Stack(postgres, redis, database_url, base, worker)


def run_scenario(name: str, number: int, stack: Stack, timing: Timing) -> Row:
    """Texters for `timing.load_seconds`, the fault `timing.fault_at` in, then the checks on
    this scenario's texters (their numbers are the scenario's own)."""
    stage = Stage(stack.postgres, stack.redis, stack.worker, timing)
    restarts_before = stack.worker.restarts
    load = Load(stack.base_url, timing.threads, first_number=number * 100_000)
    started = time.monotonic()
    load.start()
    time.sleep(timing.fault_at)
    SCENARIOS[name](stage)
    time.sleep(max(0.0, timing.load_seconds - (time.monotonic() - started)))
    load.stop()
    drained = wait_for_drain(stack.database_url, timing.drain_timeout)
    restarts = stack.worker.restarts - restarts_before
    verdict = compare(stack.database_url, load.ledgers, drained)
    window = stage.outage
    in_outage = [moment for moment in load.counters.times_503 if window and _within(moment, window)]
    notes = [
        *stage.notes,
        f"{load.counters.duplicates} duplicated, {load.counters.pairs} pairs at once",
        f"{load.counters.connection_errors} connection errors",
        f"drained in {drained:.1f} s" if drained is not None else "never drained",
    ]
    if restarts:
        notes.append(f"worker restarted {restarts}×")
    if load.counters.lost_replies:
        notes.append(f"{load.counters.lost_replies} replies lost")
    leftovers = _still_running(stage.watched_exits)
    if stage.watched_exits and not leftovers:
        notes.append("nothing of the killed worker left running")
    return Row(
        scenario=name,
        counters=load.counters,
        completed=sum(ledger.completed for ledger in load.ledgers),
        verdict=verdict,
        outage_503=len(in_outage),
        other_5xx=load.counters.server_errors - len(in_outage),
        notes=notes,
        leftovers=leftovers,
    )


def _still_running(pids: list[int]) -> list[str]:
    """Each of `pids` still running, named and then killed (the bench cleans up after itself)."""
    running = []
    for pid in pids:
        if _process_state(pid) not in (None, "Z"):
            running.append(f"process {pid} of the killed worker still runs")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return running


class SupervisedWorker:
    """`feedbot worker` the way a platform runs it: started again whenever it exits."""

    RESTART_DELAY = 1.0

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.restarts = 0
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> SupervisedWorker:
        self._log = open(self.log_path, "ab")
        self._spawn()
        self._watcher.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        self._watcher.join()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=30)
        if self._log is not None:
            self._log.close()

    def kill(self) -> None:
        """SIGKILL the worker's whole process group, as a platform kills a container."""
        if self._process is not None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def kill_alone(self) -> list[int]:
        """SIGKILL the worker process and nothing else, as an OOM kill does; return the PIDs
        of its children at that moment (RQ's scheduler)."""
        if self._process is None:
            return []
        children = _children(self._process.pid)
        os.kill(self._process.pid, signal.SIGKILL)
        self._process.wait()
        return children

    def wait_for_child(self, timeout: float = 20) -> bool:
        """Wait until the worker has a child process (RQ's scheduler); whether it has."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and _children(self._process.pid):
                return True
            time.sleep(0.05)
        return False

    def wait_registered(self, connection: Redis, timeout: float = 30) -> None:
        """Wait until the running worker process has registered with RQ (it takes jobs from
        then on)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self._process
            running = process is not None and process.poll() is None
            if running and any(w.pid == process.pid for w in Worker.all(connection=connection)):
                return
            time.sleep(0.05)

    def _spawn(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "feedbot.cli", "worker"],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _watch(self) -> None:
        while not self._stopping.wait(0.1):
            if self._process is not None and self._process.poll() is not None:
                time.sleep(self.RESTART_DELAY)
                self.restarts += 1
                self._spawn()


def _within(moment: float, window: tuple[float, float]) -> bool:
    return window[0] <= moment <= window[1]


def _children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (Linux's /proc)."""
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent(int(entry.name)) == pid
    ]


def _parent(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields and fields[0] != "Z" else None


def _process_state(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def _stat_fields(pid: int) -> list[str] | None:
    """State, parent PID, …: /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
