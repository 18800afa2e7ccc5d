"""RQ jobs. Each is a plain function taking ids; the runtime is built once per worker process."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

from feedbot.config import Settings, load_settings
from feedbot.conversations import expire_idle_conversations
from feedbot.flows import FlowError
from feedbot.normalize import normalize_pending
from feedbot.runtime import Runtime, build_runtime
from feedbot.services import load_services

log = logging.getLogger(__name__)

# A worker's transaction never waits on anything but its own statements: the longest pause
# between two is a drain building its batch of records (a fraction of a second for 500). One
# idle in a transaction for a minute belongs to a worker that is gone while PostgreSQL still
# sees its socket open (a lost host; a process holding a copy of the socket), and its row
# locks would make every drain's SKIP LOCKED pass its responses over for good: PostgreSQL ends
# such a session, and the next sweep or overdue check queues a drain for them.
IDLE_IN_TRANSACTION_TIMEOUT = "60s"

# This process's worker engines and the PostgreSQL connections they opened, for a process
# forked from it to let go of (release_inherited_connections).
_engines: list[Engine] = []
_connections: weakref.WeakSet[Any] = weakref.WeakSet()
_fork_lock = threading.Lock()
# A sweeper check takes milliseconds; one stuck (Redis unresponsive) must not hold up the
# worker, whose scheduler then starts anyway (it also stops with the worker).
FORK_WAIT_SECONDS = 10.0


def drain_outbox() -> int:
    """Write the A-11 records of every response waiting in the outbox; return how many."""
    from feedbot.queue import drain

    return drain(worker_runtime())


def normalize_batch(conversation_ids: list[int]) -> int:
    """Write the A-11 records of these responses (idempotent); return how many were written.

    Jobs of this kind were queued before `drain_outbox` replaced them; kept so that a deploy
    finds a function for any still waiting in Redis.
    """
    runtime = worker_runtime()
    with runtime.db.transaction() as db:
        return normalize_pending(db, runtime.services, conversation_ids)


def periodic_sweep() -> int:
    """Close idle surveys, enqueue everything waiting in the outbox and queue again the
    invitation jobs Redis lost (`feedbot.sweeper` decides when); return how many responses
    were enqueued."""
    from feedbot.invitation_queue import sweep_invitations
    from feedbot.queue import sweep

    runtime = worker_runtime()
    with runtime.db.transaction() as db:
        expired = expire_idle_conversations(
            db, runtime.settings.now(), runtime.settings.idle_expiry
        )
    swept = sweep(runtime)
    invitations = sweep_invitations(runtime)
    log.info(
        "periodic sweep: %d idle survey(s) closed, %d response(s) enqueued,"
        " %d invitation job(s) queued again",
        len(expired),
        swept,
        invitations,
    )
    return swept


def worker_runtime() -> Runtime:
    """The runtime this worker's environment describes, built once per process, with the
    services and flows its files hold now: a worker reads them again when they change, as a
    HUP makes gunicorn's workers do (left on the old ones, it suppressed the invitations of a
    service added since as "unknown service" and failed its responses' normalization)."""
    return _with_current_services(_runtime_for(load_settings()))


def close_worker_runtimes() -> None:
    """Close the database connections of every runtime `worker_runtime` built, and forget
    them. A worker has one environment, so one runtime; a process whose environment changes
    (each test sets its own) kept every earlier runtime's pool open."""
    for _, runtime in _current.values():
        runtime.db.dispose()
    _current.clear()
    _runtime_for.cache_clear()


# Per worker runtime: the signature of the services and flow files when last read, and the
# runtime with the services read then.
_current: dict[Settings, tuple[tuple[tuple[str, int, int], ...], Runtime]] = {}


def _with_current_services(runtime: Runtime) -> Runtime:
    settings = runtime.settings
    signature = _files_signature(settings)
    known = _current.get(settings)
    if known is None:
        _current[settings] = (signature, runtime)
        return runtime
    seen, current = known
    if signature == seen:
        return current
    try:
        services = load_services(settings.services_file, settings.flows_dir, settings.idle_expiry)
    except Exception as error:
        # The worker goes on with the files it read last, whatever stops it reading these:
        # what start-up would refuse is said in one line; anything else (a mistake in a file
        # the loader does not name yet, as PyYAML's ValueError on 2027-02-30 and a scale's
        # OverflowError on 10**20 were, until they were named) keeps its traceback, which
        # finds it.
        log.error(
            "the services or flow files changed but cannot be read (%s: %s): going on with"
            " those read before; `feedbot check-config` says what to fix",
            type(error).__name__,
            error,
            exc_info=not isinstance(error, FlowError | OSError),
        )
        _current[settings] = (signature, current)
        return current
    current = dataclasses.replace(current, services=services)
    _current[settings] = (signature, current)
    log.info("services and flows read again: %d service(s)", len(services.services))
    return current


def _files_signature(settings: Settings) -> tuple[tuple[str, int, int], ...]:
    """When and how big the services file and the flow files are: a change, cheaply seen."""
    paths = [settings.services_file, *sorted(settings.flows_dir.glob("*.yaml"))]
    signature = []
    for path in paths:
        with suppress(OSError):
            stat = path.stat()
            signature.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


@functools.cache
def _runtime_for(settings: Settings) -> Runtime:
    runtime = build_runtime(settings)
    _prepare_worker_engine(runtime.db.engine)
    return runtime


def _prepare_worker_engine(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    event.listen(engine, "connect", _on_connect)
    # build_runtime's start-up check leaves no connection in the pool (Database.check_before_use):
    # every connection of this engine is made with these listeners.
    _engines.append(engine)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    _connections.add(dbapi_connection)
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'")
    dbapi_connection.commit()


@contextmanager
def database_use_off_the_main_thread() -> Iterator[None]:
    """Around what a worker's other threads (the sweeper) do with the database: RQ's scheduler
    is not forked meanwhile (fork_without_database_work)."""
    with _fork_lock:
        yield


@contextmanager
def fork_without_database_work() -> Iterator[None]:
    """Around a fork: wait, FORK_WAIT_SECONDS at most, for the worker's other threads to be
    done with the database. A connection they were making at the instant of the fork would be
    copied into the child before release_inherited_connections could know of it."""
    waited = _fork_lock.acquire(timeout=FORK_WAIT_SECONDS)
    try:
        yield
    finally:
        if waited:
            _fork_lock.release()


def release_inherited_connections() -> None:
    """In a process forked from a worker (RQ's scheduler): close this process's copies of the
    worker's database sockets without a word to PostgreSQL, so the worker's sessions go on,
    and give the worker's engines new, empty pools, so nothing here can use those sessions.

    A copy kept open keeps a session alive after the worker dies: a job killed mid-transaction
    would keep its row locks for as long as this process lives. (psycopg never closes, when
    it is garbage collected, a connection that another process opened.)
    """
    for connection in list(_connections):
        with suppress(psycopg.Error, OSError):  # closed by the worker already
            os.close(connection.fileno())
    _connections.clear()
    for engine in _engines:
        engine.dispose(close=False)


def send_invitation(invitation_id: int) -> str:
    """Send one invitation, or put it back on RQ's schedule for when it may be sent: its
    send_at, the end of quiet hours, its slot in the service's rate, or, when Twilio was busy,
    failing, unreachable or refusing feedbot's account, the next of
    FEEDBOT_TWILIO_RETRY_INTERVALS (the tries counted in Redis). Only a failure after the
    last retry raises: RQ logs it and keeps the job in its failed registry for `feedbot queue
    redrive`, which starts the count again."""
    from feedbot.invitation_queue import schedule_reminder, schedule_send
    from feedbot.invitations import deliver

    runtime = worker_runtime()
    delivery = deliver(runtime, invitation_id, runtime.settings.now())
    if delivery.status == "deferred" and delivery.retry_at is not None:
        schedule_send(runtime, invitation_id, delivery.retry_at)
    elif delivery.status == "sent":
        schedule_reminder(runtime, invitation_id)
    return delivery.status


def remind_invitation(invitation_id: int) -> str:
    """The one optional reminder for an unanswered invitation, or put it back on RQ's schedule
    for when it may be sent (quiet hours, the service's rate, a retry as `send_invitation`
    makes one)."""
    from feedbot.invitation_queue import schedule_reminder
    from feedbot.invitations import remind

    runtime = worker_runtime()
    delivery = remind(runtime, invitation_id, runtime.settings.now())
    if delivery.status == "deferred" and delivery.retry_at is not None:
        schedule_reminder(runtime, invitation_id, delivery.retry_at)
    return delivery.status
