"""`feedbot worker` as the Procfile runs it, a real process on real PostgreSQL and Redis: killed
with SIGKILL mid-job, started while PostgreSQL and Redis are down, left running while Redis
restarts empty. Whatever happens, responses get normalized, the worker stays registered, no
process is left behind and every log line is one JSON object."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Worker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bench.faults.cluster import PostgresCluster
from feedbot.migrations import upgrade
from feedbot.queue import NORMALIZE_QUEUE
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of
from tests.test_queue import complete_survey, pending, records

# Each test starts its own worker processes: under pytest-xdist keep them off the bench runs.
pytestmark = pytest.mark.xdist_group("worker-processes")

ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


class WorkerProcess:
    """`python -m feedbot.cli worker`, its output in a file."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.pid = process.pid
        self.log = log

    def alive(self) -> bool:
        return self.process.poll() is None

    def lines(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if line.strip()]


@contextmanager
def worker_process(log: Path, **env: str) -> Iterator[WorkerProcess]:
    """A worker in a session of its own, as a platform starts one; on the way out it is asked
    to stop, then its whole process group is killed, whatever it left behind included."""
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "feedbot.cli", "worker"],
            env={
                **os.environ,
                # The web app's key (tests.conftest.make_app): the database knows its fingerprint.
                "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
                "FEEDBOT_WORKER_MAINTENANCE_SECONDS": "1",
                # A schema behind is checked again every second, not every 5 s.
                "FEEDBOT_WORKER_SCHEMA_CHECK_SECONDS": "1",
                **env,
            },
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield WorkerProcess(process, log)
        finally:
            process.terminate()
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            state = _stat(int(entry.name))
            if state is not None and state[1] == pid and state[0] != "Z":
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    state = _stat(pid)
    return state is not None and state[0] != "Z"


def _stat(pid: int) -> tuple[str, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[1])


def scheduler_holding_the_lock(connection: Redis, queue: str = NORMALIZE_QUEUE) -> int | None:
    """The PID of the RQ scheduler holding the queue's lock (the normalization queue's by
    default), if any."""
    name = connection.get(f"rq:scheduler-lock:{queue}")
    pid = connection.hget(f"rq:scheduler:{name.decode()}", "pid") if name else None
    return int(pid) if pid else None


def idle(workers: list[Worker]) -> bool:
    """One worker, waiting for jobs: past its start-up and its first maintenance."""
    return len(workers) == 1 and workers[0].get_state() == "idle"


def not_json(lines: list[str]) -> list[str]:
    """The lines that are not one JSON object each."""
    bad = []
    for line in lines:
        try:
            if not isinstance(json.loads(line), dict):
                bad.append(line)
        except ValueError:
            bad.append(line)
    return bad


def waiting_on_a_lock(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
            )
    finally:
        engine.dispose()


def postgres_sockets(pid: int, database_url: str) -> int:
    """How many TCP sockets process `pid` holds to the database's server."""
    port = make_url(database_url).port or 5432
    held = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            held.add(target[len("socket:[") : -1])
    connected = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port:
                connected.add(fields[9])
    return len(held & connected)


@ON_POSTGRES
def test_a_worker_killed_mid_drain_leaves_no_scheduler_and_no_lock_behind(
    queued_app, database_url, redis_server, tmp_path
):
    """SIGKILL of the worker alone (an OOM kill): its scheduler child must not hold the
    worker's database sockets (a killed job's session, and its lock on the outbox row, would
    outlive the worker) and must exit with it; the next worker normalizes the response and
    runs its own scheduler."""
    connection = Redis.from_url(redis_server.url)
    holder = create_engine(database_url)
    with worker_process(tmp_path / "first.log") as first:
        wait_for(lambda: scheduler_holding_the_lock(connection), 20, "the first scheduler")
        scheduler = scheduler_holding_the_lock(connection)
        assert scheduler in children(first.pid)
        wait_for(lambda: postgres_sockets(first.pid, database_url), 20, "the start-up sweep")
        assert postgres_sockets(scheduler, database_url) == 0
        with holder.connect() as blocking, blocking.begin():
            # The drain claims the outbox row, then waits for this lock to write the record.
            blocking.execute(text("LOCK TABLE response_records IN ACCESS EXCLUSIVE MODE"))
            complete_survey(queued_app, phone="+12025550160")
            wait_for(lambda: waiting_on_a_lock(database_url), 20, "the drain to block")
            assert postgres_sockets(scheduler, database_url) == 0
            os.kill(first.pid, signal.SIGKILL)
            first.process.wait()
        wait_for(lambda: not running(scheduler), 10, "the orphaned scheduler to exit")
        with worker_process(tmp_path / "second.log") as second:
            wait_for(lambda: pending(queued_app) == 0, 30, "the response to be normalized")
            assert len(records(queued_app)) == 1
            wait_for(
                lambda: scheduler_holding_the_lock(connection) in children(second.pid),
                20,
                "the new worker's own scheduler",
            )
    holder.dispose()


ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def waiting_for_jobs(connection: Redis) -> bool:
    """Whether a worker waits in Redis for a job (RQ's blocking pop, its last command)."""
    return any(client["cmd"] in {"blpop", "blmove"} for client in connection.client_list())


@ON_SQLITE
def test_a_job_queued_as_a_killed_worker_dies_is_left_for_the_next_worker(
    queued_app, redis_server, tmp_path
):
    """SIGKILL of the worker alone: until its scheduler child noticed and exited (within a
    second), the child's copies of the worker's Redis sockets kept the dead worker's wait for
    a job open in Redis, and Redis handed that wait the next job queued: a job no process ran,
    gone from its queue. The scheduler closes its copies as it starts."""
    from feedbot.queue import normalize_queue

    connection = Redis.from_url(redis_server.url)
    with worker_process(tmp_path / "worker.log") as worker:
        wait_for(lambda: scheduler_holding_the_lock(connection), 20, "its scheduler")
        scheduler = scheduler_holding_the_lock(connection)
        wait_for(lambda: waiting_for_jobs(connection), 20, "its wait for jobs")
        os.kill(scheduler, signal.SIGSTOP)  # as it is before it notices
        os.kill(worker.pid, signal.SIGKILL)
        worker.process.wait()
        queue = normalize_queue(runtime_of(queued_app))
        queue.enqueue("tests.support.services.set_key", redis_server.url, "ran")
        assert queue.count == 1


def _is_socket(descriptor: int) -> bool:
    try:
        socket.socket(fileno=descriptor).detach()
    except OSError:
        return False
    return True


def test_a_forked_process_lets_go_of_every_socket_to_redis_whatever_holds_it(redis_server):
    """The scheduler's process found the worker's Redis sockets through redis-py's connection
    objects, which hold a socket only once it has connected: one another thread of the worker
    was connecting at the fork (the heartbeat's, after a Redis restart, as the scheduler is
    forked again) stayed open in the child, and with it, once the worker died, that connection's
    wait for a job. Every socket to Redis the child inherits is released, whatever holds it; the
    parent's copies go on, and sockets to anything else stay."""
    from feedbot.worker import release_inherited_redis_sockets

    client = Redis.from_url(redis_server.url)
    port = client.connection_pool.connection_kwargs["port"]
    unheld = socket.create_connection(("127.0.0.1", port))  # no redis-py object holds it
    held = client.connection_pool.get_connection()
    held.connect()
    elsewhere, _peer = socket.socketpair()
    kept = [unheld.fileno(), held._sock.fileno(), elsewhere.fileno()]
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        try:
            release_inherited_redis_sockets(client)
            report = json.dumps([_is_socket(descriptor) for descriptor in kept])
        except BaseException as error:
            report = json.dumps(repr(error))
        os.write(writing, report.encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    with os.fdopen(reading) as pipe:
        assert json.loads(pipe.read()) == [False, False, True]
    unheld.sendall(b"PING\r\n")
    assert unheld.recv(16) == b"+PONG\r\n"
    held.send_command("PING")
    assert held.read_response() in (b"PONG", "PONG")
    client.connection_pool.release(held)
    unheld.close()
    client.close()


@ON_POSTGRES
def test_a_worker_registers_again_when_redis_restarts_empty(queued_app, redis_server, tmp_path):
    """RQ registers a worker only when it starts; one that lives through a Redis restart must
    not read as "no feedbot worker is running" ever after."""
    connection = Redis.from_url(redis_server.url)
    with worker_process(tmp_path / "worker.log") as worker:
        wait_for(lambda: Worker.count(connection=connection) == 1, 20, "the worker")
        redis_server.stop()
        redis_server.start()
        assert Worker.count(connection=connection) == 0
        wait_for(lambda: Worker.count(connection=connection) == 1, 20, "its registration")
        status = queued_app.test_cli_runner().invoke(args=["queue", "status"])
        assert worker.alive()
    assert status.exit_code == 0, status.output
    assert "workers: 1" in status.stdout


@ON_POSTGRES
def test_queue_status_counts_a_killed_worker_out_and_a_busy_one_in(
    queued_app, database_url, redis_server, tmp_path
):
    """A worker killed with SIGKILL (its process group, as a container is killed) keeps its RQ
    registration until it expires: `queue status` counted it as alive for 8 minutes. Only a
    recent heartbeat counts, and a worker held in a long job (blocked on a lock here) beats
    all the same, though RQ's SimpleWorker writes no heartbeat of its own during a job. Beats
    a second apart here (production's are 5 s): silent for three, a worker counts as gone."""
    connection = Redis.from_url(redis_server.url)
    holder = create_engine(database_url)
    app = make_app(database_url, redis_url=redis_server.url, worker_heartbeat_seconds=1)
    beat_every_second = {"FEEDBOT_WORKER_HEARTBEAT_SECONDS": "1"}
    with worker_process(tmp_path / "busy.log", **beat_every_second) as busy:
        wait_for(lambda: Worker.count(connection=connection) == 1, 20, "the first worker")
        with holder.connect() as blocking, blocking.begin():
            blocking.execute(text("LOCK TABLE response_records IN ACCESS EXCLUSIVE MODE"))
            complete_survey(queued_app, phone="+12025550163")
            wait_for(lambda: waiting_on_a_lock(database_url), 20, "the drain to block")
            with worker_process(tmp_path / "killed.log", **beat_every_second) as killed:
                wait_for(lambda: Worker.count(connection=connection) == 2, 20, "the second")
                os.killpg(killed.pid, signal.SIGKILL)
                killed.process.wait()
            time.sleep(5)  # past the 3 s a live worker never stays silent
            status = app.test_cli_runner().invoke(args=["queue", "status"])
            assert busy.alive()
        wait_for(lambda: pending(queued_app) == 0, 30, "the blocked drain to finish")
    holder.dispose()
    assert "workers: 1 (1 more registered, silent for over 3 s" in status.stdout, status.output
    assert status.exit_code == 0, status.output


@ON_POSTGRES
def test_a_worker_back_from_a_redis_outage_works_and_registers_within_seconds(
    queued_app, redis_server, tmp_path
):
    """RQ's job loop retried Redis with a backoff growing to a minute, and the worker
    registered again only at its maintenance: after a minute's outage it took no job for
    56 s, while `queue status` said no worker ran. And RQ logged every retry, from its job
    loop and its pubsub thread: now one line when Redis is lost and one when it is back."""
    connection = Redis.from_url(redis_server.url)
    with worker_process(tmp_path / "worker.log", FEEDBOT_WORKER_MAINTENANCE_SECONDS="60") as worker:
        wait_for(lambda: idle(Worker.all(connection=connection)), 20, "the worker's wait for jobs")
        redis_server.stop()
        complete_survey(queued_app, phone="+12025550164")  # waits in the outbox
        time.sleep(17)  # RQ's retries back off to 16 s by now
        redis_server.start()
        wait_for(lambda: Worker.count(connection=connection) == 1, 5, "its registration")
        status = queued_app.test_cli_runner().invoke(args=["queue", "status"])
        wait_for(lambda: pending(queued_app) == 0, 10, "the response to be normalized")
        assert worker.alive()
    assert "workers: 1\n" in status.stdout, status.output
    logged = [json.loads(line) for line in worker.lines()]
    retries = [e["message"] for e in logged if "could not connect to Redis" in e["message"]]
    assert retries == [], retries
    said = [e["message"] for e in logged if e["logger"] == "feedbot.worker"]
    lost = "Redis cannot be reached (ConnectionError): the worker tries again every 2 s, logged"
    assert len([m for m in said if m.startswith(lost)]) == 1, said
    assert len([m for m in said if m.startswith("the worker reaches Redis again")]) == 1, said
    assert (
        said.count("Redis had lost this worker's registration (restarted empty?): registered again")
        == 1
    )


def test_a_worker_started_while_postgres_and_redis_are_down_waits_for_them(
    redis_server, tmp_path, monkeypatch
):
    """The platform may not restart a worker that exited: one started during an outage logs
    what it waits for (one JSON line each) and starts working when both are back."""
    with PostgresCluster() as postgres:
        database_url = postgres.create_database("feedbot")
        upgrade(database_url)
        app = make_app(database_url, redis_url=redis_server.url)
        redis_server.stop()
        try:
            complete_survey(app, phone="+12025550161")  # Redis is down: it waits in the outbox
            postgres.stop()
            monkeypatch.setenv("DATABASE_URL", database_url)
            monkeypatch.setenv("REDIS_URL", redis_server.url)
            monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(TEST_SERVICES))
            with worker_process(tmp_path / "worker.log") as worker:
                wait_for(lambda: len(worker.lines()) >= 2, 20, "the worker to say why it waits")
                time.sleep(3)  # long enough for a crash, or for a line every retry
                assert worker.alive(), "\n".join(worker.lines())
                waiting = worker.lines()
                postgres.start()
                redis_server.start()
                wait_for(lambda: pending(app) == 0, 30, "the response to be normalized")
                assert len(records(app)) == 1
                assert worker.alive()
        finally:
            redis_server.start()
            runtime_of(app).db.dispose()
    assert not_json(worker.lines()) == []
    retries = [
        entry["message"]
        for entry in map(json.loads, waiting)
        if entry["logger"] in {"feedbot.worker", "feedbot.sweeper"}
    ]
    assert len(set(retries)) == len(retries), retries  # once per outage, not once per try
    assert "start-up sweep not run (ConnectionError)" in " ".join(retries), retries


@ON_POSTGRES
def test_every_line_a_worker_logs_through_a_redis_outage_is_json(
    queued_app, redis_server, tmp_path
):
    """RQ's scheduler child dies with Redis and is started again when it returns: its
    traceback, like every other line the worker writes, is one JSON object."""
    connection = Redis.from_url(redis_server.url)
    with worker_process(tmp_path / "worker.log") as worker:
        wait_for(lambda: scheduler_holding_the_lock(connection), 20, "the scheduler")
        complete_survey(queued_app, phone="+12025550162")
        wait_for(lambda: pending(queued_app) == 0, 20, "the response to be normalized")
        scheduler = scheduler_holding_the_lock(connection)
        redis_server.stop()
        wait_for(lambda: not running(scheduler), 20, "the scheduler to stop with Redis")
        time.sleep(2)
        redis_server.start()
        wait_for(lambda: scheduler_holding_the_lock(connection), 20, "a new scheduler")
        assert worker.alive()
    lines = worker.lines()
    assert not_json(lines) == []
    assert any("scheduler" in json.loads(line)["message"].lower() for line in lines)


@ON_POSTGRES
def test_a_worker_session_idle_in_a_transaction_is_ended_by_postgresql(queued_app, monkeypatch):
    """Whatever keeps a dead worker's socket open, PostgreSQL ends its transaction (and the
    row locks every drain's SKIP LOCKED would pass over) within IDLE_IN_TRANSACTION_TIMEOUT:
    here shortened to a second, and a transaction left idle for three is ended."""
    import time

    import feedbot.jobs
    from feedbot.jobs import worker_runtime

    assert feedbot.jobs.IDLE_IN_TRANSACTION_TIMEOUT == "60s"
    monkeypatch.setattr(feedbot.jobs, "IDLE_IN_TRANSACTION_TIMEOUT", "1s")
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", TEST_SECRET_KEY)
    runtime = worker_runtime()
    runtime.db.dispose()  # built once per process: a new connection, set anew
    with pytest.raises(DBAPIError) as ended, runtime.db.transaction() as db:
        db.execute(text("SELECT 1"))
        time.sleep(3)
        db.execute(text("SELECT 1"))
    assert "idle-in-transaction timeout" in str(ended.value.orig)
    runtime.db.dispose()
    with runtime_of(queued_app).db.transaction() as db:  # the web app's sessions: unchanged
        assert db.scalar(text("SHOW idle_in_transaction_session_timeout")) == "0"


def test_a_worker_reads_the_services_file_again_when_it_changes(
    sqlite_url, tmp_path, monkeypatch, caplog
):
    """A HUP reloads gunicorn's workers, not feedbot's: a worker went on with the old file,
    suppressed the invitations of a service added since as "unknown service" and failed its
    responses' normalization."""
    import yaml

    from feedbot.jobs import worker_runtime
    from tests.test_queue import services_without_passport

    services = services_without_passport(tmp_path)
    for name, value in {
        "DATABASE_URL": sqlite_url,
        "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
        "FEEDBOT_SERVICES_FILE": str(services),
        "FEEDBOT_ENV": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert worker_runtime().services.get("passport") is None
    services.write_text(TEST_SERVICES.read_text())  # the agency adds the service
    assert worker_runtime().services.get("passport") is not None
    caplog.set_level("INFO", logger="feedbot.jobs")
    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"][0]["timezone"] = "Mars/Olympus_Mons"
    services.write_text(yaml.safe_dump(document))  # a mistake: kept out, logged
    runtime = worker_runtime()
    assert runtime.services.get("passport").timezone == "America/New_York"
    assert "cannot be read (ServiceError" in caplog.text
    runtime.db.dispose()


def _worker_reads(services: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "DATABASE_URL": sqlite_url,
        "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
        "FEEDBOT_SERVICES_FILE": str(services),
        "FEEDBOT_ENV": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)


def test_a_worker_goes_on_with_its_services_when_a_date_does_not_exist(
    sqlite_url, tmp_path, monkeypatch, caplog
):
    """omb_expiration: 2027-02-30 raised PyYAML's bare ValueError out of every job (the drain
    failed, the sweeper's overdue check did not run): the worker now logs why and goes on
    with the files it read before, as the README says."""
    from feedbot.jobs import worker_runtime

    services = tmp_path / "services.yaml"
    services.write_text(TEST_SERVICES.read_text())
    _worker_reads(services, sqlite_url, monkeypatch)
    assert worker_runtime().services.get("passport") is not None
    caplog.set_level("INFO", logger="feedbot.jobs")
    services.write_text(TEST_SERVICES.read_text().replace("2027-06-30", "2027-02-30"))
    runtime = worker_runtime()
    assert runtime.services.get("passport").omb_expiration.isoformat() == "2027-06-30"
    (logged,) = [record for record in caplog.records if record.levelname == "ERROR"]
    assert f"cannot be read (ServiceError: {services}, " in logged.getMessage()
    assert "'2027-02-30'" in logged.getMessage() and not logged.exc_info
    runtime.db.dispose()


def test_a_worker_goes_on_with_its_services_when_a_flow_file_breaks(
    sqlite_url, tmp_path, monkeypatch, caplog
):
    """A flow file broken as the worker runs (a date that does not exist, which the flow
    reader let through as PyYAML's bare ValueError until it named it) kept failing every job;
    the worker says what is wrong in one line and goes on with the flows read before."""
    from feedbot.config import REPO_ROOT
    from feedbot.jobs import worker_runtime

    flows = tmp_path / "flows"
    flows.mkdir()
    for flow in (REPO_ROOT / "flows").glob("a11*.yaml"):
        (flows / flow.name).write_text(flow.read_text(encoding="utf-8"), encoding="utf-8")
    services = tmp_path / "services.yaml"
    services.write_text(TEST_SERVICES.read_text())
    _worker_reads(services, sqlite_url, monkeypatch)
    monkeypatch.setenv("FEEDBOT_FLOWS_DIR", str(flows))
    assert worker_runtime().services.get("passport") is not None
    caplog.set_level("INFO", logger="feedbot.jobs")
    flow = flows / "a11.yaml"
    text = flow.read_text(encoding="utf-8")
    assert "\nversion: 1\n" in text
    flow.write_text(text.replace("\nversion: 1\n", "\nversion: 2027-02-30\n"), encoding="utf-8")
    runtime = worker_runtime()
    assert runtime.services.get("passport") is not None
    (logged,) = [record for record in caplog.records if record.levelname == "ERROR"]
    assert logged.getMessage().startswith(
        f"the services or flow files changed but cannot be read (FlowError: {flow}, line "
    )
    assert "is not a date (or date and time) that exists" in logged.getMessage()
    assert not logged.exc_info
    runtime.db.dispose()


WAITING_FOR_THE_SCHEMA = "the worker takes no job until the database's schema is current: "


@contextmanager
def database_of_its_own(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh PostgreSQL database at this code's head, and the worker's environment for it."""
    from tests.support.services import fresh_postgres_database

    with fresh_postgres_database() as database_url:
        upgrade(database_url)
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("REDIS_URL", redis_url)
        monkeypatch.setenv("FEEDBOT_SERVICES_FILE", str(TEST_SERVICES))
        monkeypatch.setenv("FEEDBOT_NORMALIZE_DELAY_SECONDS", "0")
        yield database_url


def failed_jobs(connection: Redis) -> int:
    from rq import Queue

    from feedbot.queue import QUEUES

    return sum(Queue(name, connection=connection).failed_job_registry.count for name in QUEUES)


def tracebacks(worker: WorkerProcess) -> list[str]:
    return [line for line in worker.lines() if "Traceback" in line]


def test_a_worker_started_before_db_upgrade_takes_no_job_until_it_has_run(
    redis_server, tmp_path, monkeypatch
):
    """Started before `feedbot db upgrade` (data of a release before 0007 kept), the worker
    took its jobs and failed each with a traceback (`relation "key_fingerprints" does not
    exist`), none saying what to run, spending their retries. It now waits, saying so in one
    line, and works once the schema is current: nothing it was given failed meanwhile."""
    from feedbot.migrations import downgrade

    connection = Redis.from_url(redis_server.url)
    connection.flushdb()
    with database_of_its_own(redis_server.url, monkeypatch) as database_url:
        app = make_app(database_url, redis_url=redis_server.url, normalize_delay_seconds=0)
        complete_survey(app, phone="+12025550169")  # its drain job waits in Redis
        runtime_of(app).db.dispose()
        downgrade(database_url, "0006_inbound_by_conversation")  # the release before's schema
        with worker_process(tmp_path / "worker.log") as worker:
            wait_for(
                lambda: any(WAITING_FOR_THE_SCHEMA in line for line in worker.lines()),
                20,
                "the worker to say it waits for the schema",
            )
            time.sleep(2)  # a check or two more
            assert pending(app) == 1 and failed_jobs(connection) == 0
            upgrade(database_url)
            wait_for(lambda: pending(app) == 0, 30, "the response to be normalized")
            assert len(records(app)) == 1
            assert worker.alive()
    assert tracebacks(worker) == [] and failed_jobs(connection) == 0
    said = [json.loads(line) for line in worker.lines()]
    waiting = [e for e in said if e["message"].startswith(WAITING_FOR_THE_SCHEMA)]
    assert len(waiting) == 1, waiting  # once a minute at most, not once a check
    assert waiting[0]["message"] == (
        WAITING_FOR_THE_SCHEMA + "schema at 0006_inbound_by_conversation, this code needs"
        " 0011_what_was_asked: run `feedbot db upgrade` (checked again every 1 s)"
    )
    assert any(e["message"].startswith("the database's schema is current") for e in said)
    assert not_json(worker.lines()) == []


def test_a_burst_worker_on_a_schema_behind_says_so_and_stops(redis_server, monkeypatch):
    """`feedbot worker --burst` on a schema a migration or two behind (its sweep finds its
    tables) waited for the upgrade for ever, as a long-running worker does."""
    from feedbot.migrations import downgrade

    with database_of_its_own(redis_server.url, monkeypatch) as database_url:
        downgrade(database_url, "0008_staff_sign_outs")
        finished = subprocess.run(
            [sys.executable, "-m", "feedbot.cli", "worker", "--burst"],
            env={**os.environ, "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert finished.returncode == 1
    said = [json.loads(line)["message"] for line in finished.stderr.splitlines() if line]
    assert said[-1] == (
        "the burst worker takes no job while the database's schema is behind: schema at"
        " 0008_staff_sign_outs, this code needs 0011_what_was_asked: run `feedbot db upgrade`"
    )


def test_a_burst_worker_closes_idle_surveys_as_a_long_running_worker_does(
    redis_server, monkeypatch
):
    """`feedbot worker --burst` (run from a scheduler instead of a worker always running)
    enqueued only what waited in the outbox: nothing closed a survey left idle past the
    expiry, which only the long-running worker's periodic sweep did. It runs that sweep as it
    starts, so the closed surveys' responses are normalized before it stops."""
    from sqlalchemy import select

    from feedbot.models import Conversation
    from tests.support.texting import Texter

    Redis.from_url(redis_server.url).flushdb()
    with database_of_its_own(redis_server.url, monkeypatch) as database_url:
        app = make_app(database_url, redis_url=redis_server.url, normalize_delay_seconds=0)
        Texter(app.test_client(), phone="+12025550179", to="+12025550100").send("Hi")
        a_day_later = (datetime.now(UTC) + timedelta(hours=25)).isoformat()
        finished = subprocess.run(
            [sys.executable, "-m", "feedbot.cli", "worker", "--burst"],
            env={
                **os.environ,
                "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
                "FEEDBOT_FIXED_NOW": a_day_later,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert finished.returncode == 0, finished.stderr
        with runtime_of(app).db.transaction() as db:
            assert list(db.scalars(select(Conversation.status))) == ["abandoned"]
        assert pending(app) == 0 and len(records(app)) == 1
        runtime_of(app).db.dispose()
    said = [json.loads(line)["message"] for line in finished.stderr.splitlines() if line]
    assert "periodic sweep: 1 idle survey(s) closed, 1 response(s) enqueued," in " ".join(said)


def test_a_job_meeting_a_schema_behind_goes_back_to_its_queue_until_it_is_current(
    redis_server, tmp_path, monkeypatch
):
    """A job that meets a table missing because the schema went behind the running worker
    (a database restored from an older backup) waits at the front of its queue, not failed
    and retried away."""
    from rq import Queue

    from feedbot.jobs import drain_outbox
    from feedbot.migrations import downgrade

    connection = Redis.from_url(redis_server.url)
    connection.flushdb()
    with (
        database_of_its_own(redis_server.url, monkeypatch) as database_url,
        worker_process(tmp_path / "worker.log") as worker,
    ):
        wait_for(lambda: idle(Worker.all(connection=connection)), 20, "the worker to idle")
        downgrade(database_url, "0002_records_tokens")  # no outbox table
        queue = Queue(NORMALIZE_QUEUE, connection=connection)
        job = queue.enqueue(drain_outbox)
        wait_for(
            lambda: any(WAITING_FOR_THE_SCHEMA in line for line in worker.lines()),
            20,
            "the worker to say it waits for the schema",
        )
        assert job.get_status(refresh=True) == "queued" and queue.job_ids == [job.id]
        upgrade(database_url)
        wait_for(lambda: job.get_status(refresh=True) == "finished", 30, "the job to run")
        assert worker.alive()
    assert tracebacks(worker) == [] and failed_jobs(connection) == 0
    assert not_json(worker.lines()) == []
