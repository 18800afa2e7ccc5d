"""The worker's sweeper: the periodic sweep, run by one worker every few minutes and at once
when Redis has lost its data, so the outbox drains without anyone running `feedbot queue sweep`.

Between sweeps it also queues a drain at once for responses whose delayed drain is overdue,
and, every second, queues the invitation jobs due while no RQ scheduler runs.

A sweep that re-schedules itself on RQ dies with the rest of Redis's data when Redis restarts
without persistence, and with a database outage at the moment it runs. The sweeper is a
thread of `feedbot worker` instead; the claim on the next sweep is a Redis key that expires,
so a missing key means either the interval has passed or Redis forgot everything it held.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from feedbot.logs import Outage

if TYPE_CHECKING:
    from feedbot.runtime import Runtime

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
CHECK_EVERY_SECONDS = 5.0
# As often as RQ's scheduler: a text whose job comes more than LATE_TOLERANCE (3 s) late for
# its slot pushes its service's line back.
RELEASE_EVERY_SECONDS = 1.0
CLAIM_KEY = "feedbot:periodic-sweep"


class Sweeper(threading.Thread):
    """A daemon thread of `feedbot worker` that checks every few seconds whether a sweep is due
    and runs it if so; a failure (Redis or the database down) is retried at the next check.

    With `sweep_at_start`, its first check sweeps at once whoever swept last (a worker starting
    after a deploy or a crash: what its killed predecessor's job was normalizing waits in the
    outbox), and so does every check after it until one works: a worker started while the
    database or Redis is down waits for them instead of exiting.

    Every second, too, it queues the invitation jobs due while no RQ scheduler runs (its
    worker killed or stopped, and another worker's scheduler not yet started).

    An outage is logged once when a check starts failing and once when it works again, not
    every few seconds while it lasts; so is a time without RQ's scheduler."""

    def __init__(
        self,
        connection: Redis,
        check_every: float = CHECK_EVERY_SECONDS,
        sweep_at_start: bool = False,
    ) -> None:
        super().__init__(name="feedbot-sweeper", daemon=True)
        self.connection = connection
        self.check_every = check_every
        self._stopped = threading.Event()
        self._start_up: _Check | None = (
            _Check("start-up sweep", lambda: sweep_now(self.connection), check_every)
            if sweep_at_start
            else None
        )
        self._periodic = _Check(
            "periodic sweep", lambda: sweep_if_due(self.connection), check_every
        )
        self._overdue = _Check("overdue-drain check", drain_overdue, check_every)
        self.release_every = min(check_every, RELEASE_EVERY_SECONDS)
        self._release = _Check("invitation job release", self._release_due, self.release_every)
        self._no_scheduler = Outage(
            log,
            logging.WARNING,
            "no RQ scheduler queues the invitation jobs due (%s): the workers' sweepers queue"
            f" them every {self.release_every:g} s until one does",
            "an RQ scheduler queues the invitation jobs again; this worker's sweeper queued"
            " them %d time(s) over %.0f s",
        )

    def run(self) -> None:
        # The start-up sweep runs at once; otherwise the first check comes after an interval.
        next_check = time.monotonic() + (self.check_every if self._start_up is None else 0)
        while not self._stopped.is_set():
            if time.monotonic() >= next_check:
                self._check_once()
                next_check = time.monotonic() + self.check_every
            self._release.attempt()
            self._stopped.wait(self.release_every)

    def _check_once(self) -> None:
        from feedbot.jobs import database_use_off_the_main_thread

        with database_use_off_the_main_thread():
            if self._start_up is None:
                self._periodic.attempt()
            elif self._start_up.attempt():
                self._start_up = None
            self._overdue.attempt()

    def _release_due(self) -> None:
        """Redis alone, no database: it goes on through a database outage."""
        from feedbot.invitation_queue import release_due_jobs

        released = release_due_jobs(self.connection, datetime.now(UTC))
        if released is None:
            self._no_scheduler.worked()
        elif released:
            self._no_scheduler.failed("its worker stopped or was killed")

    def stop(self) -> None:
        self._stopped.set()
        self.join()


class _Check:
    """One of the sweeper's periodic checks, and whether it has been failing."""

    def __init__(self, name: str, run: Callable[[], object], check_every: float) -> None:
        self.run = run
        self.outage = Outage(
            log,
            logging.WARNING,
            f"{name} not run (%s); trying again every {check_every:g} s, logged again when it"
            " works",
            f"{name} works again after %d failed tries over %.0f s",
        )

    def attempt(self) -> bool:
        """Run the check; return whether it worked."""
        try:
            self.run()
        except Exception as error:
            self.outage.failed(type(error).__name__)
            return False
        self.outage.worked()
        return True


def sweep_if_due(connection: Redis) -> int | None:
    """Run the periodic sweep unless some worker ran it within SWEEP_EVERY on this Redis;
    return how many responses it enqueued, or None when it was not due."""
    if not connection.set(CLAIM_KEY, "due again after the interval", nx=True, ex=SWEEP_EVERY):
        return None
    return _sweep_under_claim(connection)


def drain_overdue() -> bool:
    """Queue a drain at once for responses whose delayed drain is overdue (no scheduler)."""
    from feedbot.jobs import worker_runtime
    from feedbot.queue import drain_if_overdue

    return drain_if_overdue(worker_runtime(), datetime.now(UTC), SWEEP_EVERY)


def sweep_before_burst(runtime: Runtime) -> int:
    """`feedbot worker --burst`: the periodic sweep, which a burst worker, having no sweeper,
    would otherwise never run (surveys left idle stayed open); then log how many responses
    waiting in the outbox it enqueued. With the database or Redis unreachable, or the schema
    behind this code, say so in one line and exit with status 1."""
    from feedbot.jobs import periodic_sweep
    from feedbot.migrations import schema_state

    try:
        with runtime.db.engine.connect() as connection:
            state = schema_state(connection)
    except SQLAlchemyError:
        state = None  # unreachable: the sweep says so below
    if state is not None and not state.ready:
        # A long-running worker waits for the upgrade; a burst one would wait for ever.
        log.error(
            "the burst worker takes no job while the database's schema is behind: %s", state.detail
        )
        raise SystemExit(1)
    try:
        swept = periodic_sweep()  # on worker_runtime(), which the command passed as `runtime`
    except (RedisError, SQLAlchemyError) as error:
        log.error("cannot sweep the outbox (%s): the burst worker stops", type(error).__name__)
        raise SystemExit(1) from None
    log.info("%d waiting response(s) enqueued", swept)
    return swept


def sweep_now(connection: Redis) -> int:
    """Run the periodic sweep now (a worker starting up) and claim the next interval."""
    connection.set(CLAIM_KEY, "due again after the interval", ex=SWEEP_EVERY)
    return _sweep_under_claim(connection)


def _sweep_under_claim(connection: Redis) -> int:
    from feedbot.jobs import periodic_sweep

    try:
        return periodic_sweep()
    except BaseException:
        # Nothing was swept: the next check, a few seconds away, tries again.
        connection.delete(CLAIM_KEY)
        raise
