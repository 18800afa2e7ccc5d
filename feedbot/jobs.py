"""RQ jobs. Each is a plain function taking ids; the runtime is built once per worker process."""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime, timedelta

from feedbot.config import load_settings
from feedbot.conversations import expire_idle_conversations
from feedbot.normalize import normalize_pending
from feedbot.runtime import Runtime, build_runtime

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)


def normalize_batch(conversation_ids: list[int]) -> int:
    """Write the A-11 records of these responses (idempotent); return how many were written."""
    runtime = worker_runtime()
    with runtime.db.transaction() as db:
        return normalize_pending(db, runtime.services, conversation_ids)


def periodic_sweep() -> int:
    """Close idle surveys, enqueue everything waiting in the outbox, and come back later."""
    from feedbot.queue import normalize_queue, sweep

    runtime = worker_runtime()
    with runtime.db.transaction() as db:
        expired = expire_idle_conversations(db, datetime.now(UTC), runtime.settings.idle_expiry)
    swept = sweep(runtime)
    normalize_queue(runtime).enqueue_in(SWEEP_EVERY, "feedbot.jobs.periodic_sweep")
    log.info(
        "periodic sweep: %d idle survey(s) closed, %d response(s) enqueued", len(expired), swept
    )
    return swept


def worker_runtime() -> Runtime:
    settings = load_settings()
    return _runtime_for(
        settings.database_url,
        settings.redis_url,
        str(settings.services_file),
        str(settings.flows_dir),
    )


@functools.cache
def _runtime_for(
    database_url: str, redis_url: str | None, services_file: str, flows_dir: str
) -> Runtime:
    # Keyed by what the environment says, so one worker process builds it once.
    return build_runtime(load_settings())
