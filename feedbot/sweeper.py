"""The worker's sweeper: the periodic sweep, run by one worker every few minutes and at once
when Redis has lost its data, so the outbox drains without anyone running `feedbot queue sweep`.

Between sweeps it also queues a drain at once for responses whose delayed drain is overdue.

A sweep that re-schedules itself on RQ dies with the rest of Redis's data when Redis restarts
without persistence, and with a database outage at the moment it runs. The sweeper is a
thread of `feedbot worker` instead; the claim on the next sweep is a Redis key that expires,
so a missing key means either the interval has passed or Redis forgot everything it held.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from redis import Redis

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
CHECK_EVERY_SECONDS = 5.0
CLAIM_KEY = "feedbot:periodic-sweep"


class Sweeper(threading.Thread):
    """A daemon thread of `feedbot worker` that checks every few seconds whether a sweep is due
    and runs it if so; a failure (Redis or the database down) is retried at the next check."""

    def __init__(self, connection: Redis, check_every: float = CHECK_EVERY_SECONDS) -> None:
        super().__init__(name="feedbot-sweeper", daemon=True)
        self.connection = connection
        self.check_every = check_every
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.check_every):
            try:
                sweep_if_due(self.connection)
                drain_overdue()
            except Exception as error:
                log.warning(
                    "periodic sweep not run (%s); trying again in %.0f s",
                    type(error).__name__,
                    self.check_every,
                )

    def stop(self) -> None:
        self._stopped.set()
        self.join()


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
