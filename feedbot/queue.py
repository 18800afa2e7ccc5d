"""The normalization queue: RQ on Redis when REDIS_URL is set, in-process otherwise.

Finished responses reach here only through the outbox (`pending_normalizations`), after the
transaction that closed them has committed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.registry import FailedJobRegistry
from sqlalchemy import event, select
from sqlalchemy.orm import Session as DbSession

from feedbot.conversations import TO_NORMALIZE
from feedbot.models import PendingNormalization
from feedbot.normalize import normalize_pending
from feedbot.runtime import Runtime

log = logging.getLogger(__name__)

NORMALIZE_QUEUE = "feedbot-normalize"
QUEUES = [NORMALIZE_QUEUE, "feedbot-invitations"]
BATCH_SIZE = 500


def install_dispatch(runtime: Runtime) -> None:
    """After every commit that closed responses, hand them to the queue (or normalize now)."""

    @event.listens_for(runtime.db.sessions, "after_commit")
    def _after_commit(session: DbSession) -> None:
        ids = session.info.pop(TO_NORMALIZE, None)
        if ids:
            dispatch(runtime, ids)

    @event.listens_for(runtime.db.sessions, "after_rollback")
    def _after_rollback(session: DbSession) -> None:
        session.info.pop(TO_NORMALIZE, None)


def dispatch(runtime: Runtime, conversation_ids: Sequence[int]) -> None:
    """Enqueue normalization; with no REDIS_URL, normalize right here in the same process.

    Never raises: whatever fails, the outbox rows stay and `sweep` picks them up later.
    """
    if runtime.settings.redis_url is None:
        _normalize_in_process(runtime, conversation_ids)
        return
    try:
        enqueue(runtime, conversation_ids)
    except RedisError as error:
        log.warning(
            "queue unreachable (%s): %d response(s) wait in the outbox for `feedbot queue sweep`",
            type(error).__name__,
            len(conversation_ids),
        )


def enqueue(runtime: Runtime, conversation_ids: Sequence[int]) -> None:
    """Put normalization jobs for these responses on RQ, in batches, with retries."""
    queue = normalize_queue(runtime)
    retry = Retry(
        max=len(runtime.settings.normalize_retry_intervals),
        interval=list(runtime.settings.normalize_retry_intervals),
    )
    for batch in _batches(conversation_ids, BATCH_SIZE):
        queue.enqueue("feedbot.jobs.normalize_batch", list(batch), retry=retry)


def sweep(runtime: Runtime) -> int:
    """Enqueue (or normalize) every response still waiting in the outbox; return how many."""
    with runtime.db.transaction() as db:
        waiting = list(db.scalars(select(PendingNormalization.conversation_id)))
    if not waiting:
        return 0
    if runtime.settings.redis_url is None:
        _normalize_in_process(runtime, waiting)
    else:
        enqueue(runtime, waiting)
    return len(waiting)


def redrive(runtime: Runtime) -> int:
    """Re-enqueue every job in RQ's failed registries (normalization and invitations)."""
    connection = redis_connection(runtime.settings.redis_url)
    count = 0
    for name in QUEUES:
        registry = FailedJobRegistry(queue=Queue(name, connection=connection))
        for job_id in registry.get_job_ids():
            registry.requeue(job_id)
            count += 1
    return count


def normalize_queue(runtime: Runtime) -> Queue:
    return Queue(NORMALIZE_QUEUE, connection=redis_connection(runtime.settings.redis_url))


def redis_connection(url: str | None) -> Redis:
    """One pooled client per URL and process, not a new connection per enqueue."""
    if url is None:
        raise ValueError("REDIS_URL is not set: the queue runs in-process")
    return _client(url)


@functools.cache
def _client(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def _normalize_in_process(runtime: Runtime, conversation_ids: Sequence[int]) -> None:
    try:
        for batch in _batches(conversation_ids, BATCH_SIZE):
            with runtime.db.transaction() as db:
                normalize_pending(db, runtime.services, batch)
    except Exception:
        # The person already has their reply; the outbox keeps the response for a sweep.
        log.exception("in-process normalization failed; responses stay in the outbox")


def _batches(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    batch: list[int] = []
    for conversation_id in ids:
        batch.append(conversation_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
