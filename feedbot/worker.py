"""The RQ worker `feedbot worker` runs: jobs in-process, and back at work after a Redis error.

RQ leaves its work loop on a Redis error it does not retry itself, such as a connection cut by
a Redis restart between two jobs: the process then exits with status 0, or with a traceback
when RQ's clean-up cannot reach Redis either. Rather than count on the platform restarting
it (some restart only failed processes, some back off for minutes), the worker is started
again here, in the same process, unless it was asked to stop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 2.0


class FeedbotWorker(SimpleWorker):
    """RQ's SimpleWorker (no fork per job), remembering whether it was asked to stop."""

    asked_to_stop = False

    def handle_warm_shutdown_request(self) -> None:
        self.asked_to_stop = True
        super().handle_warm_shutdown_request()


def run_worker(
    queues: Sequence[str], connection: Redis, burst: bool, maintenance_seconds: int = 60
) -> None:
    """Work the queues with RQ's scheduler until asked to stop (or, with `burst`, until empty).

    RQ's scheduler runs in a child process that exits when Redis restarts; the worker starts it
    again only at its maintenance, so that runs every `maintenance_seconds`, not every 10 min.
    """
    while True:
        worker: FeedbotWorker | None = None
        try:
            worker = FeedbotWorker(
                list(queues), connection=connection, maintenance_interval=maintenance_seconds
            )
            worker.work(with_scheduler=True, burst=burst)
        except RedisError as error:
            # Starting a worker talks to Redis, and so does RQ's clean-up after it quits: both
            # fail while Redis is down.
            if burst or (worker is not None and worker.asked_to_stop):
                raise
            reason = type(error).__name__
        else:
            if burst or worker.asked_to_stop:
                return
            reason = "an error (logged above)"
        log.error(
            "the RQ worker stopped on %s; starting it again in %.0f s",
            reason,
            RESTART_PAUSE_SECONDS,
        )
        time.sleep(RESTART_PAUSE_SECONDS)
