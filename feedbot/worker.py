"""The RQ worker `feedbot worker` runs: jobs in-process, and back at work after a Redis error.

RQ leaves its work loop on a Redis error it does not retry itself, such as a connection cut by
a Redis restart between two jobs, or Redis down when the worker starts: the process would then
exit with status 0, or with a traceback when RQ's clean-up cannot reach Redis either. Rather
than count on the platform restarting it (some restart only failed processes, some back off
for minutes), the worker is started again here, in the same process, unless it was asked to
stop. A Redis error RQ does retry (its job loop waiting for Redis) is retried every 2 s, not
with RQ's backoff to a minute, and logged once, not at every try.

RQ's scheduler runs in a child process forked from the worker. The child lets go of the
worker's database and Redis connections and stops when the worker is gone: a worker killed
with SIGKILL (an OOM kill) must not leave behind a scheduler that keeps RQ's scheduler lock
and, with copies of the worker's sockets, the killed job's database session and the locks it
held, or the worker's wait for a job, which Redis would hand the next job queued.

A worker takes no job while the database's schema is behind its code (a deploy whose
`feedbot db upgrade` has not run yet): every job would fail on a missing table and spend its
retries. It checks at start-up and whenever a job meets a missing table, says in one line (a
minute apart at most) to run the upgrade, and takes jobs again once the schema is current; the
job that met the missing table goes back to the front of its queue, neither failed nor retried.

A killed worker leaves its registration in Redis too, until it expires. The worker writes its
heartbeat every few seconds whatever it is doing, so that a registration whose heartbeat is
older than that is known to be a worker gone (`live_workers`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker, worker_registration
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.job import Job
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler
from sqlalchemy.exc import SQLAlchemyError

from feedbot.config import Settings
from feedbot.db import missing_schema
from feedbot.logs import Outage
from feedbot.migrations import SchemaState, schema_state

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 2.0
# RQ's worker_ttl: its registration expires 60 s after this without a heartbeat (RQ's default,
# 420, kept a killed worker's for 8 minutes), and an idle worker waits for jobs 15 s at a time
# (worker_ttl - 15), so that its maintenance runs within 15 s of being due, not up to 405 s late.
WORKER_TTL_SECONDS = 30
# While the schema is behind, how often the worker says so (it checks every
# FEEDBOT_WORKER_SCHEMA_CHECK_SECONDS).
SCHEMA_LOG_SECONDS = 60.0


@dataclass(frozen=True)
class LiveWorkers:
    """RQ's registered workers: those that beat lately, and those silent (killed, most likely)."""

    alive: int
    silent: int


def live_workers(connection: Redis, silent_after: timedelta) -> LiveWorkers:
    """Count RQ's registered workers by whether their heartbeat is less than `silent_after`
    old (Settings.worker_silent_after), on the real clock (not Settings.now, which a rehearsal
    may fix). A worker killed with SIGKILL (an OOM kill, a container's end) stays registered
    until its registration expires."""
    now = datetime.now(UTC)
    workers = Worker.all(connection=connection)
    alive = sum(
        1
        for worker in workers
        if worker.last_heartbeat is not None and now - worker.last_heartbeat <= silent_after
    )
    return LiveWorkers(alive=alive, silent=len(workers) - alive)


class WorkerGone(Exception):
    """The worker that started this scheduler process has exited."""


class FeedbotScheduler(RQScheduler):
    """RQ's scheduler, whose process holds nothing of the worker's and does not outlive it.

    It watches for the worker's death by its parent PID, once a second in its loop, rather than
    with Linux's PR_SET_PDEATHSIG: that works everywhere, and ends the scheduler through RQ's
    own stop(), which releases its locks so that the next worker's scheduler takes over at once
    instead of after the locks' minute. A death signal would have to do the same (RQ's SIGTERM
    handler only sets the flag this loop reads), and fires when the forking *thread* ends.
    """

    parent_pid = 0

    def start(self):  # type: ignore[no-untyped-def]
        """In the worker: fork the scheduler's process, which remembers whose child it is."""
        from feedbot.jobs import fork_without_database_work

        self.parent_pid = os.getpid()
        with fork_without_database_work():
            return super().start()

    def work(self) -> None:
        """In the forked process: RQ's scheduler loop, ended by the worker's death; an error
        that stops it is one log line (the worker starts a new scheduler at its maintenance)."""
        from feedbot.jobs import release_inherited_connections

        try:
            release_inherited_connections()
            release_inherited_redis_sockets(self.connection)
            self._check_parent()
            super().work()
        except WorkerGone:
            log.warning("the worker (PID %d) is gone: its scheduler stops", self.parent_pid)
            self._stop_quietly()
        except Exception as error:
            # Raised out of this process, multiprocessing would print the traceback as plain
            # text lines; a Redis outage would write some seventy of them.
            log.error(
                "RQ's scheduler stopped on %s; the worker starts it again at its maintenance",
                type(error).__name__,
                exc_info=not isinstance(error, RedisError),
            )

    def heartbeat(self) -> None:
        self._check_parent()
        super().heartbeat()

    def _check_parent(self) -> None:
        # An orphan is adopted by init (or a subreaper): its parent PID changes for good.
        if os.getppid() != self.parent_pid:
            raise WorkerGone

    def _stop_quietly(self) -> None:
        try:
            self.stop()
        except RedisError as error:
            log.warning("the scheduler's locks are left to expire (%s)", type(error).__name__)


class Pulse(threading.Thread):
    """A daemon thread that writes its worker's heartbeat every `heartbeat_seconds`: RQ's
    SimpleWorker writes one only between jobs, and none for as long as a job runs."""

    def __init__(self, worker: FeedbotWorker) -> None:
        super().__init__(name="feedbot-heartbeat", daemon=True)
        self.worker = worker
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.worker.heartbeat_seconds):
            # Redis down: the worker's own loop meets the outage too, and says so.
            with suppress(RedisError):
                self.worker.heartbeat()

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive():
            self.join()


class PromptSimpleWorker(SimpleWorker):
    """RQ's SimpleWorker, whose thread reading its command channel ends as it stops.

    RQ unsubscribes and then tells the thread to stop: a thread that had already read the
    unsubscribe's reply went back to a read of up to 60 s, RQ's join gave up after 1 s, and
    the thread went on holding its Redis connection. About every other stop (a burst's end
    among them) took a second more. Told first, the thread reads the reply and ends."""

    def unsubscribe(self) -> None:
        if self.pubsub_thread:
            self.pubsub_thread.stop()
        super().unsubscribe()


class FeedbotWorker(PromptSimpleWorker):
    """RQ's SimpleWorker (no fork per job) with feedbot's scheduler and heartbeat, remembering
    whether it was asked to stop, and registered again when Redis has forgotten it."""

    # RQ's job loop waits for Redis with a backoff that doubles up to this (RQ's: 60 s, which
    # left a worker idle for up to a minute after Redis came back).
    max_connection_wait_time = RESTART_PAUSE_SECONDS
    asked_to_stop = False
    on_started: Callable[[], None] | None = None  # once registered and subscribed
    on_heartbeat: Callable[[], None] | None = None  # each time Redis took its heartbeat
    # run_worker gives them the settings'; here their defaults.
    heartbeat_seconds: int = Settings.worker_heartbeat_seconds
    schema_check_seconds: int = Settings.worker_schema_check_seconds
    _pulse: Pulse | None = None
    # Whether the schema was found current at the last check (at start-up, and after a job
    # met a missing table), and the job to put back in its queue, which met one.
    _schema_current = False
    _put_back: str | None = None

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._beating = threading.Lock()  # the job loop's heartbeat and the pulse's
        self._stopping = threading.Event()

    def handle_warm_shutdown_request(self) -> None:
        self.asked_to_stop = True
        self._stopping.set()
        super().handle_warm_shutdown_request()

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """RQ's wait for a job, once the schema is known to be current."""
        if not self._schema_current:
            self._wait_for_schema()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def _wait_for_schema(self) -> None:
        """Return once the schema is current (or the database cannot say: its outage is the
        jobs' and the sweeper's to meet and log); StopRequested if asked to stop meanwhile."""
        said_at: float | None = None
        since = time.monotonic()
        while (state := _worker_schema()) is not None and not state.ready:
            if said_at is None or time.monotonic() - said_at >= SCHEMA_LOG_SECONDS:
                log.error(
                    "the worker takes no job until the database's schema is current: %s"
                    " (checked again every %g s)",
                    state.detail,
                    self.schema_check_seconds,
                )
                said_at = time.monotonic()
            if self._stopping.wait(self.schema_check_seconds):
                raise StopRequested
        self._schema_current = state is not None
        if said_at is not None and state is not None:
            log.info(
                "the database's schema is current: the worker takes jobs again after %.0f s",
                time.monotonic() - since,
            )

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        """RQ's log line (with the traceback) of a job's error, unless the job met a missing
        table of a schema behind this code: it is put back (handle_job_failure), and the
        worker waits for the schema, saying so."""
        _, error, _ = exc_info
        if missing_schema(error):
            state = _worker_schema()
            if state is not None and not state.ready:
                self._schema_current = False
                self._put_back = job.id
                return
        super().handle_exception(job, *exc_info)

    def handle_job_failure(
        self,
        job: Job,
        queue: Queue,
        started_job_registry: StartedJobRegistry | None = None,
        exc_string: str = "",
    ) -> None:
        """RQ's handling of a failed job (a retry, or its failed registry), except for the job
        that met a schema behind this code: back to the front of its queue, its retries
        untouched, for when the schema is current."""
        if self._put_back != job.id:
            super().handle_job_failure(
                job, queue, started_job_registry=started_job_registry, exc_string=exc_string
            )
            return
        self._put_back = None
        with self.connection.pipeline() as pipeline:
            pipeline.multi()  # before any command: RQ's enqueue_job asks for it
            self.cleanup_execution(job, pipeline=pipeline)
            queue.enqueue_job(job, pipeline=pipeline, at_front=True)
            pipeline.execute()
        log.info("job %s put back in %s until the schema is current", job.id, queue.name)

    def bootstrap(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().bootstrap(*args, **kwargs)
        self._pulse = Pulse(self)
        self._pulse.start()
        if self.on_started is not None:
            self.on_started()

    def work(self, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
        try:
            return super().work(*args, **kwargs)
        finally:
            # RQ's work() ends in teardown() only once its loop has begun: a start that failed
            # after bootstrap (the scheduler's, on a Redis error) must not leave a heartbeat.
            self._stop_pulse()

    def teardown(self) -> None:
        # Before RQ registers the worker's death: a heartbeat after it would register it again.
        self._stop_pulse()
        super().teardown()

    def _stop_pulse(self) -> None:
        if self._pulse is not None:
            self._pulse.stop()

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        """RQ's heartbeat, which also registers the worker again if Redis has forgotten it.

        RQ registers a worker only when it starts: after Redis restarts empty, a worker that
        lived through it would be missing from `rq:workers` for good, and `feedbot queue
        status` would say that no worker runs. The job loop's first heartbeat once Redis is
        back, or the pulse's, notices it (in the same round trip)."""
        if pipeline is not None:  # part of RQ's own transaction as a job starts
            super().heartbeat(timeout, pipeline)
            return
        with self._beating:
            with self.connection.pipeline() as beat:
                super().heartbeat(timeout, beat)
                beat.sismember(self.redis_workers_keys, self.key)
                registered = beat.execute()[-1]
            if not registered:
                self._register_again()
        if self.on_heartbeat is not None:
            self.on_heartbeat()

    def _register_again(self) -> None:
        with self.connection.pipeline() as pipeline:
            pipeline.hset(self.key, mapping={**self.serialize(), "state": self.get_state()})
            pipeline.expire(self.key, self.worker_ttl + 60)
            worker_registration.register(self, pipeline)
            pipeline.execute()
        log.warning(
            "Redis had lost this worker's registration (restarted empty?): registered again"
        )

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        """RQ's own start of its scheduler (rq 2.12's Worker._start_scheduler), with feedbot's
        scheduler class."""
        self.scheduler = FeedbotScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()


def release_inherited_redis_sockets(client: Redis) -> None:
    """In a process forked from the worker (RQ's scheduler's): let go of every socket to
    `client`'s Redis server it inherited, the worker's copies staying open. Kept, one of them
    kept a killed worker's wait for a job open in Redis until this process exited too (up to
    a second later), and Redis handed that wait the next job queued: a job no process ran,
    gone from its queue.

    The sockets are found in the process's descriptors, not through redis-py's connection
    objects: one holds its socket only once connected, so one another thread was connecting
    at the fork would be missed; and walking every object would copy most of the worker's
    memory into this process. Each is replaced by /dev/null rather than closed, so that a
    connection object that still names its number, closing it later, cannot close another
    socket given that number meanwhile. Standard input and output are left alone."""
    redis_peers = _server_addresses(client)
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir(_DESCRIPTORS):
            descriptor = int(name)
            if descriptor > 2 and descriptor != null and _peer(descriptor) in redis_peers:
                os.dup2(null, descriptor)
    finally:
        os.close(null)


# Where this process's open descriptors are listed (Linux; macOS and the BSDs have /dev/fd).
_DESCRIPTORS = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"


def _server_addresses(client: Redis) -> set[object]:
    """The addresses `client`'s connections reach its server at: a Unix socket's path, or
    each (address, port) its host name resolves to."""
    settings = client.connection_pool.connection_kwargs
    if "path" in settings:
        return {settings["path"]}
    host, port = settings.get("host", "localhost"), settings.get("port", 6379)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:  # the name does not resolve now: nor would a new connection
        log.warning("the scheduler keeps the worker's Redis sockets: %s does not resolve", host)
        return set()
    return {tuple(address[:2]) for *_, address in found}


def _peer(descriptor: int) -> object:
    """The address a socket descriptor is connected to ((address, port), or a Unix socket's
    path); None for anything else."""
    try:
        probe = socket.socket(fileno=descriptor)  # its family and type, read from the socket
    except OSError:  # not a socket, or closed since it was listed
        return None
    try:
        peer = probe.getpeername()
    except OSError:  # not connected
        return None
    finally:
        probe.detach()  # the descriptor stays open
    return tuple(peer[:2]) if isinstance(peer, tuple) else peer


def _worker_schema() -> SchemaState | None:
    """The schema state of the worker's database; None when it cannot be read."""
    from feedbot.jobs import worker_runtime

    try:
        with worker_runtime().db.engine.connect() as connection:
            return schema_state(connection)
    except SQLAlchemyError:
        return None


def worker_redis(url: str) -> Redis:
    """A Redis client for RQ's worker alone. RQ raises the socket timeout of the client it is
    given past its blocking wait for jobs (15 s, with WORKER_TTL_SECONDS), by changing the
    pool's settings: on the client the sweeper and the jobs share, that would let a hung Redis
    hold them for as long, and a connection that pool made earlier, with the 5 s timeout, could
    serve the wait and cut it off ("Redis connection timeout, quitting")."""
    return Redis.from_url(url, socket_connect_timeout=2)


def run_worker(queues: Sequence[str], connection: Redis, burst: bool, settings: Settings) -> None:
    """Work the queues with RQ's scheduler until asked to stop (or, with `burst`, until empty).

    RQ's scheduler runs in a child process that exits when Redis restarts; the worker starts it
    again only at its maintenance, so that runs every settings.worker_maintenance_seconds, not
    every 10 min. The worker beats every settings.worker_heartbeat_seconds and, while the
    schema is behind, checks it every settings.worker_schema_check_seconds.
    """
    outage = Outage(
        log,
        logging.ERROR,
        f"the RQ worker stopped on %s; starting it again every {RESTART_PAUSE_SECONDS:.0f} s,"
        " logged again when it works",
        "the RQ worker works again after %d failed start(s) over %.0f s",
    )
    unreachable = Outage(
        log,
        logging.ERROR,
        "Redis cannot be reached (%s): the worker tries again every"
        f" {RESTART_PAUSE_SECONDS:.0f} s, logged again when it works",
        "the worker reaches Redis again after %d failed tries over %.0f s",
    )
    with _rq_redis_retries_logged_by(unreachable):
        while True:
            worker: FeedbotWorker | None = None
            try:
                worker = FeedbotWorker(
                    list(queues),
                    connection=connection,
                    maintenance_interval=settings.worker_maintenance_seconds,
                    worker_ttl=WORKER_TTL_SECONDS,
                )
                worker.heartbeat_seconds = settings.worker_heartbeat_seconds
                worker.schema_check_seconds = settings.worker_schema_check_seconds
                worker.on_started = outage.worked
                worker.on_heartbeat = unreachable.worked
                worker.work(with_scheduler=True, burst=burst)
            except RedisError as error:
                # Starting a worker talks to Redis, and so does RQ's clean-up after it quits:
                # both fail while Redis is down.
                if burst or (worker is not None and worker.asked_to_stop):
                    raise
                reason = type(error).__name__
            else:
                if burst or worker.asked_to_stop:
                    return
                reason = "an error (logged above)"
            outage.failed(reason)
            time.sleep(RESTART_PAUSE_SECONDS)


# RQ's line for each retry while Redis is down, from its job loop and from its pubsub thread.
_RQ_REDIS_RETRY = "Worker %s: could not connect to Redis instance: %s retrying in %d seconds..."


@contextmanager
def _rq_redis_retries_logged_by(outage: Outage) -> Iterator[None]:
    """While the worker runs, RQ's retry lines (one every 1-2 s while Redis is down) are
    replaced by `outage`'s one line; the worker's next heartbeat says when it works again."""
    rq_log = logging.getLogger("rq.worker")
    retries = _RedisRetries(outage)
    rq_log.addFilter(retries)
    try:
        yield
    finally:
        rq_log.removeFilter(retries)


class _RedisRetries(logging.Filter):
    """Drops RQ's retry lines, each counted as a failure of `outage` (logged at the first)."""

    def __init__(self, outage: Outage) -> None:
        super().__init__()
        self.outage = outage

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.msg != _RQ_REDIS_RETRY
            or not isinstance(record.args, tuple)
            or len(record.args) != 3
        ):
            return True
        _name, error, _wait = record.args
        self.outage.failed(type(error).__name__)
        return False
