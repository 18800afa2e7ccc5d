"""The normalization queue: RQ on Redis when REDIS_URL is set, in-process otherwise.

Finished responses reach here only through the outbox (`pending_normalizations`), after the
transaction that closed them has committed.
"""

from __future__ import annotations

import functools
import logging
import os
import traceback
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.registry import FailedJobRegistry
from sqlalchemy import event, exists, func, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session as DbSession

from feedbot.conversations import TO_NORMALIZE
from feedbot.db import missing_schema
from feedbot.models import Conversation, PendingNormalization
from feedbot.normalize import NormalizationError, normalize_pending
from feedbot.runtime import Runtime

log = logging.getLogger(__name__)

NORMALIZE_QUEUE = "feedbot-normalize"
QUEUES = [NORMALIZE_QUEUE, "feedbot-invitations"]
BATCH_SIZE = 500
# A drain job takes at most this many batches, then queues the next one behind other work.
DRAIN_BATCHES = 20
DRAIN_MARK = "feedbot:normalize-drain-queued"
DRAIN_MARK_SECONDS = 60
OVERDUE_MARK = "feedbot:overdue-drain-queued"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
        queue_drain(runtime)
    except RedisError as error:
        log.warning(
            "queue unreachable (%s): %d response(s) wait in the outbox for `feedbot queue sweep`",
            type(error).__name__,
            len(conversation_ids),
        )


def queue_drain(runtime: Runtime, force: bool = False) -> None:
    """Make sure a drain job is waiting on RQ: it normalizes everything in the outbox, so
    responses that close while one waits ride along — one job per burst, not one per response
    (a job costs a worker more than the record does).

    The mark that says one is waiting is deleted when the job starts, before it reads the
    outbox, so a response committed after that read finds no mark and queues the next drain.
    `force` queues one even when the mark says one waits (sweeps: the mark may have outlived
    a job lost with Redis's data), and at once. Otherwise the job waits
    FEEDBOT_NORMALIZE_DELAY_SECONDS on RQ's scheduler, so that under steady load one job
    carries a second's responses, not one or two.
    """
    connection = redis_connection(runtime.settings.redis_url)
    if not connection.set(DRAIN_MARK, 1, nx=True, ex=DRAIN_MARK_SECONDS) and not force:
        return
    retry = Retry(
        max=len(runtime.settings.normalize_retry_intervals),
        interval=list(runtime.settings.normalize_retry_intervals),
    )
    queue = normalize_queue(runtime)
    delay = timedelta(seconds=runtime.settings.normalize_delay_seconds)
    try:
        if force or not delay:
            queue.enqueue("feedbot.jobs.drain_outbox", retry=retry)
        else:
            queue.enqueue_in(delay, "feedbot.jobs.drain_outbox", retry=retry)
    except RedisError:
        connection.delete(DRAIN_MARK)  # best effort: the next response tries again
        raise


def drain_if_overdue(runtime: Runtime, now: datetime, window: timedelta) -> bool:
    """Queue a drain at once if a response closed more than FEEDBOT_NORMALIZE_OVERDUE_SECONDS
    ago (and within `window`) still waits in the outbox; at most one such drain per that
    time. Return whether one was.

    A delayed drain waits on RQ's scheduler, and no scheduler runs for up to two minutes after
    a worker is killed: its scheduler's lock outlives it. Responses older than `window` (the
    periodic sweep's interval) are left to the sweep, so one that cannot be normalized does
    not fail a job every few seconds.
    """
    overdue = timedelta(seconds=runtime.settings.normalize_overdue_seconds)
    waiting = exists().where(
        PendingNormalization.created_at < now - overdue,
        PendingNormalization.created_at > now - window,
    )
    with runtime.db.reading() as db:  # every 5 s: no SQLite write lock for a read
        if not db.scalar(select(waiting)):
            return False
    connection = redis_connection(runtime.settings.redis_url)
    if not connection.set(OVERDUE_MARK, 1, nx=True, ex=overdue):
        return False
    queue_drain(runtime, force=True)
    return True


def drain(runtime: Runtime) -> int:
    """Normalize what waits in the outbox, in batches; return how many records were written.

    Several workers drain side by side: each claims its batch with SKIP LOCKED. Responses of
    a service that left the services file are never claimed (a pile of them would take every
    batch from the responses behind them); they stay in the outbox and the job fails naming
    their service, after the rest are written. A batch that fails anyway, whatever the error
    (a bug, stored answers that do not fit their flow), is retried one response at a time,
    so one bad response holds back only itself: it stays in the outbox, is logged by its
    conversation's id, and fails the job (RQ's retries, then its failed registry) once the
    others are written. Only the database being unreachable, or its schema behind the code,
    stops the drain at once.
    """
    redis_connection(runtime.settings.redis_url).delete(DRAIN_MARK)
    written, failures = 0, []
    for _ in range(DRAIN_BATCHES):
        batch = _claim_batch(runtime, skip=[conversation for conversation, _ in failures])
        if batch is None:
            break
        claimed, batch_written, batch_failures = batch
        written += batch_written
        failures += batch_failures
        if claimed < BATCH_SIZE:
            break  # the outbox is empty as of that read: what closed since queued another drain
    else:
        queue_drain(runtime, force=True)  # more is waiting: another job, after the others
    problems = [problem for _, problem in failures] + _waiting_for_lost_services(runtime)
    if problems:
        raise NormalizationError("; ".join(problems))
    return written


def _waiting_for_lost_services(runtime: Runtime) -> list[str]:
    with runtime.db.reading() as db:
        counts = db.execute(
            select(Conversation.service_id, func.count())
            .join(PendingNormalization, PendingNormalization.conversation_id == Conversation.id)
            .where(Conversation.service_id.not_in(list(runtime.services.services)))
            .group_by(Conversation.service_id)
            .order_by(Conversation.service_id)
        ).all()
    return [
        f"{count} response(s) of service {service_id!r}, which is not in the services file,"
        " wait in the outbox"
        for service_id, count in counts
    ]


def _claim_batch(
    runtime: Runtime, skip: list[int]
) -> tuple[int, int, list[tuple[int, str]]] | None:
    """Normalize one batch of the outbox: (claimed, written, failures, each a conversation's id
    and what went wrong); None when nothing (but `skip`) is left."""
    claim = (
        select(PendingNormalization.conversation_id)
        .join(Conversation, Conversation.id == PendingNormalization.conversation_id)
        .where(
            Conversation.service_id.in_(list(runtime.services.services)),
            PendingNormalization.conversation_id.not_in(skip),
        )
        .order_by(PendingNormalization.conversation_id)
        .limit(BATCH_SIZE)
        # Only the outbox row: a webhook may be updating the conversation meanwhile.
        .with_for_update(skip_locked=True, of=PendingNormalization)
    )
    ids: list[int] = []
    try:
        with runtime.db.transaction() as db:
            ids = list(db.scalars(claim))
            if not ids:
                return None
            return len(ids), normalize_pending(db, runtime.services, ids), []
    except Exception as error:
        if not ids or _unreachable(error):
            raise
    written, failures = _normalize_one_at_a_time(runtime, ids)
    return len(ids), written, failures


def _normalize_one_at_a_time(
    runtime: Runtime, conversation_ids: Sequence[int]
) -> tuple[int, list[tuple[int, str]]]:
    """Normalize each response in a transaction of its own: (written, failures)."""
    written, failures = 0, []
    for conversation_id in conversation_ids:
        try:
            with runtime.db.transaction() as db:
                written += normalize_pending(db, runtime.services, [conversation_id])
        except NormalizationError as error:
            log.error("%s; it stays in the outbox", error)
            failures.append((conversation_id, str(error)))
        except Exception as error:
            if _unreachable(error):
                raise
            failures.append((conversation_id, _unexpected_failure(conversation_id, error)))
    return written, failures


def _unreachable(error: BaseException) -> bool:
    """Whether a database error says the database (not this response) is the trouble: lost or
    refused connections, PostgreSQL's transient refusals (deadlock, timeouts, shutdown), and
    a table or column missing from a schema behind the code, which the worker waits out."""
    return (
        isinstance(error, OperationalError | InterfaceError)
        or (isinstance(error, DBAPIError) and error.connection_invalidated)
        or missing_schema(error)
    )


def _unexpected_failure(conversation_id: int, error: BaseException) -> str:
    """Log a response that failed to normalize for a reason no NormalizationError names, and
    return what to say of it. Only the error's type and where it was raised: its message may
    quote what the person wrote."""
    problem = (
        f"conversation {conversation_id} could not be normalized:"
        f" {type(error).__name__} at {_raised_at(error)}"
    )
    log.error("%s; it stays in the outbox", problem)
    return problem


def _raised_at(error: BaseException) -> str:
    """The innermost line of feedbot's own code in the error's traceback, such as
    feedbot/fiscal.py:51 (or the innermost line of all, if none is feedbot's)."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if frame.filename.startswith(_PACKAGE_DIR)]
    if ours:
        return f"{os.path.relpath(ours[-1].filename, _SOURCE_ROOT)}:{ours[-1].lineno}"
    return f"{os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else "?"


def sweep(runtime: Runtime) -> int:
    """Enqueue (or normalize) every response still waiting in the outbox; return how many."""
    if runtime.settings.redis_url is None:
        with runtime.db.transaction() as db:
            waiting = list(db.scalars(select(PendingNormalization.conversation_id)))
        _normalize_in_process(runtime, waiting)
        return len(waiting)
    # The drain reads the outbox itself: here only whether (and how much) anything waits.
    with runtime.db.transaction() as db:
        count = db.scalar(select(func.count()).select_from(PendingNormalization)) or 0
    if count:
        queue_drain(runtime, force=True)
    return count


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
    """Normalize here (no REDIS_URL: development) as a drain does: a batch at a time, and one
    response at a time when a batch fails, so one bad response holds back only itself. Never
    raises: the person already has their reply, and what fails stays in the outbox for the
    next sweep, logged by its conversation's id (never the error's message)."""
    done = 0
    for batch in _batches(conversation_ids, BATCH_SIZE):
        try:
            _normalize_batch(runtime, batch)
        except Exception as error:  # only the database being unreachable gets here
            log.warning(
                "database unreachable (%s): %d response(s) wait in the outbox for"
                " `feedbot queue sweep`",
                type(error).__name__,
                len(conversation_ids) - done,
            )
            return
        done += len(batch)


def _normalize_batch(runtime: Runtime, batch: list[int]) -> None:
    try:
        with runtime.db.transaction() as db:
            normalize_pending(db, runtime.services, batch)
        return
    except Exception as error:
        if _unreachable(error):
            raise
    _normalize_one_at_a_time(runtime, batch)


def _batches(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    batch: list[int] = []
    for conversation_id in ids:
        batch.append(conversation_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
