"""Putting invitation jobs on RQ: now, at a set time, or in-process without REDIS_URL.

Redis may lose what it holds (a restart without persistence, a failover), and with it every
invitation and reminder waiting for its time. So each job is queued together with a mark —
a Redis key that outlives the job's due time by MARK_GRACE — in one MULTI/EXEC, and the
worker's periodic sweep queues again whatever is due in the database but has no mark: both
were lost together, or the job was never queued because Redis was down. Sending is
idempotent (the invitation's row is locked and its status checked, and a send is claimed in
the database before Twilio is called), so a job queued twice sends once; the sweep also
settles the claims of workers lost mid-send as "unknown", never sending them again.

A job waiting for its time waits on RQ's scheduler, and no scheduler may run for a minute after
a worker dies: each worker's sweeper releases the jobs due meanwhile (release_due_jobs).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler
from rq.scripts import release_lock
from sqlalchemy import select

from feedbot.invitations import TwilioNotReached, deliver, settle_interrupted_sends
from feedbot.models import Invitation
from feedbot.queue import redis_connection
from feedbot.runtime import Runtime

log = logging.getLogger(__name__)

INVITATIONS_QUEUE = "feedbot-invitations"
JOBS = {"send": "feedbot.jobs.send_invitation", "remind": "feedbot.jobs.remind_invitation"}
# How long after its due time a queued job is trusted to be waiting its turn, not lost.
MARK_GRACE = timedelta(hours=1)
SWEEP_BATCH = 1000
NOT_SCHEDULED = "not due yet; no scheduler without REDIS_URL"
# RQ's scheduler takes a queue's lock for 61 s (its interval of 1 s, and 60) and renews it
# every second: a lock SCHEDULER_SILENT unrenewed is a scheduler's that is gone (or hung).
SCHEDULER_LOCK = timedelta(seconds=61)
SCHEDULER_SILENT = timedelta(seconds=15)
# How the lock's holder reads while a sweeper stands in for the scheduler.
STAND_IN = "feedbot-sweeper:"


def dispatch_invitations(runtime: Runtime, invitation_ids: Sequence[int]) -> None:
    """After the request's commit: queue each invitation for its send time.

    Without REDIS_URL (development) each one due is sent here and now; one not yet due (a
    later send_at, quiet hours) or that Twilio does not take stays scheduled with the reason
    saying so: nothing sends or retries it later.
    """
    if runtime.settings.redis_url is None:
        for invitation_id in invitation_ids:
            try:
                delivery = deliver(runtime, invitation_id, runtime.settings.now())
            except TwilioNotReached as error:
                _say_why_unsent(runtime, invitation_id, error.unsent_reason)
                log.warning(
                    "invitation %s: %s; not retried without REDIS_URL", invitation_id, error
                )
                continue
            if delivery.status == "deferred":
                _say_why_unsent(runtime, invitation_id, NOT_SCHEDULED)
                log.warning("invitation %s: %s", invitation_id, NOT_SCHEDULED)
        return
    with runtime.db.transaction() as db:
        rows = db.execute(
            select(Invitation.id, Invitation.send_at)
            .where(Invitation.id.in_(invitation_ids))
            # Queued oldest first, they take the rate's slots in that order.
            .order_by(Invitation.send_at, Invitation.id)
        ).all()
    try:
        for invitation_id, send_at in rows:
            schedule_send(runtime, invitation_id, send_at, send_at)
    except RedisError as error:
        log.warning("queue unreachable (%s): invitations wait for a sweep", type(error).__name__)


def _say_why_unsent(runtime: Runtime, invitation_id: int, reason: str) -> None:
    with runtime.db.transaction() as db:
        db.get_one(Invitation, invitation_id).reason = reason


def schedule_send(
    runtime: Runtime, invitation_id: int, when: datetime, send_at: datetime | None = None
) -> None:
    """Queue the invitation's send for `when`; `send_at`, its own time, is read if not given."""
    send_at = send_at or _send_at(runtime, invitation_id)
    _queue_marked(runtime, "send", invitation_id, when, send_at)


def schedule_reminder(runtime: Runtime, invitation_id: int, when: datetime | None = None) -> None:
    """Queue the reminder for `when`, by default the invitation's reminder time."""
    with runtime.db.transaction() as db:
        due, send_at = db.execute(
            select(Invitation.reminder_due_at, Invitation.send_at).where(
                Invitation.id == invitation_id
            )
        ).one()
    when = when or due
    if when is not None:
        _queue_marked(runtime, "remind", invitation_id, when, send_at)


def sweep_invitations(runtime: Runtime) -> int:
    """Queue every invitation and reminder that is due but whose job Redis no longer holds;
    return how many were queued."""
    now = runtime.settings.now()
    with runtime.db.transaction() as db:
        interrupted = settle_interrupted_sends(db, now)
        due: dict[str, list[int]] = {
            "send": list(
                db.scalars(
                    select(Invitation.id)
                    .where(Invitation.status == "scheduled", Invitation.send_at <= now)
                    .order_by(Invitation.send_at, Invitation.id)
                )
            ),
            # The same predicate as the partial index ix_invitations_reminder_pending.
            "remind": list(
                db.scalars(
                    select(Invitation.id)
                    .where(
                        Invitation.phone.is_not(None),
                        Invitation.reminded_at.is_(None),
                        Invitation.reminder_due_at <= now,
                    )
                    .order_by(Invitation.send_at, Invitation.id)
                )
            ),
        }
    if interrupted:
        log.warning("sweep: %d interrupted send(s) marked unknown, not sent again", interrupted)
    connection = redis_connection(runtime.settings.redis_url)
    queued = 0
    for kind, ids in due.items():
        for invitation_id in _unmarked(connection, kind, ids):
            if kind == "send":
                schedule_send(runtime, invitation_id, now)
            else:
                schedule_reminder(runtime, invitation_id, now)
            queued += 1
    if queued:
        log.warning("sweep: %d invitation job(s) missing from Redis, queued again", queued)
    return queued


def release_due_jobs(connection: Redis, now: datetime) -> int | None:
    """Do RQ's scheduler's work for the invitations queue while no scheduler does it: queue
    the jobs due by `now`, in the order RQ's scheduler would; return how many, or None when
    a live scheduler holds the queue's lock (they are its to queue).

    A worker killed alone lets its scheduler's lock go, but the next worker's scheduler takes
    it only at its maintenance; killed with its scheduler (a container's end), it leaves the
    lock for a minute: texts waited 45 to 75 s. The lock is taken for the release, so no job
    is queued by a scheduler too; and released every second, as RQ's scheduler does, the jobs
    come within LATE_TOLERANCE of their slots, so the services' lines keep their pace.
    """
    registry = ScheduledJobRegistry(INVITATIONS_QUEUE, connection=connection)
    lock = RQScheduler.get_locking_key(INVITATIONS_QUEUE)
    token = f"{STAND_IN}{uuid.uuid4().hex}"
    timestamp = int(now.timestamp())  # RQ's scheduler's whole seconds
    taken = connection.register_script(_TAKE_IDLE_LOCK)(
        keys=[lock, registry.key],
        args=[
            token,
            STAND_IN,
            int(SCHEDULER_LOCK.total_seconds() * 1000),
            int(SCHEDULER_SILENT.total_seconds() * 1000),
            timestamp,
        ],
    )
    if taken != 1:
        return None if taken == -1 else 0
    try:
        job_ids = registry.get_jobs_to_schedule(timestamp)
        queue = Queue(INVITATIONS_QUEUE, connection=connection)
        with connection.pipeline() as pipeline:
            for job in Job.fetch_many(job_ids, connection=connection):
                if job is not None:  # expired meanwhile: RQ's scheduler drops its id too
                    queue.enqueue_job(job, pipeline=pipeline)
            for job_id in job_ids:
                registry.remove(job_id, pipeline=pipeline)
            pipeline.execute()
    finally:
        release_lock(connection, lock, token)
    return len(job_ids)


# Takes RQ's scheduler lock of a queue for a stand-in if jobs are due and no scheduler lives.
# KEYS: the lock and the queue's scheduled registry. ARGV: the stand-in's token, the prefix of
# every stand-in's, the lock's lifetime and how long unrenewed it is a dead scheduler's (ms),
# and now (s). Returns -1 (a live scheduler holds it), 0 (nothing due, or another stand-in
# is at it) or 1 (taken).
_TAKE_IDLE_LOCK = """
local left = redis.call('PTTL', KEYS[1])
if left == -1 or left > tonumber(ARGV[3]) - tonumber(ARGV[4]) then
  local holder = redis.call('GET', KEYS[1])
  if string.sub(holder, 1, #ARGV[2]) == ARGV[2] then
    return 0
  end
  return -1
end
if #redis.call('ZRANGEBYSCORE', KEYS[2], 0, ARGV[5], 'LIMIT', 0, 1) == 0 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"""


def invitations_queue(runtime: Runtime) -> Queue:
    return Queue(INVITATIONS_QUEUE, connection=redis_connection(runtime.settings.redis_url))


def _send_at(runtime: Runtime, invitation_id: int) -> datetime:
    with runtime.db.transaction() as db:
        return db.get_one(Invitation, invitation_id).send_at


def _queue_marked(
    runtime: Runtime,
    kind: str,
    invitation_id: int,
    when: datetime,
    send_at: datetime,
) -> None:
    """Queue the job now or at `when`, and its mark, both or neither."""
    queue = invitations_queue(runtime)
    function = JOBS[kind]
    now = runtime.settings.now()
    job_id = _job_id(kind, invitation_id, send_at)
    with queue.connection.pipeline() as pipeline:
        if when <= now:
            queue.enqueue(function, invitation_id, job_id=job_id, pipeline=pipeline)
        else:
            queue.enqueue_at(when, function, invitation_id, job_id=job_id, pipeline=pipeline)
        lifetime = max(when - now, timedelta(0)) + MARK_GRACE
        pipeline.set(_mark_key(kind, invitation_id), 1, ex=lifetime)
        pipeline.execute()


def _job_id(kind: str, invitation_id: int, send_at: datetime) -> str:
    """A job id that sorts as the invitation's time, then its id, does: RQ's scheduler
    releases the jobs of one second (all those quiet hours held until 08:00) in the order of
    their ids, and they take the rate's slots in that order."""
    milliseconds = int(send_at.timestamp() * 1000)
    return f"invitation-{milliseconds:014d}-{invitation_id:012d}-{kind}-{uuid.uuid4().hex}"


def _unmarked(connection: Redis, kind: str, ids: Sequence[int]) -> list[int]:
    missing: list[int] = []
    for start in range(0, len(ids), SWEEP_BATCH):
        batch = ids[start : start + SWEEP_BATCH]
        with connection.pipeline(transaction=False) as pipeline:
            for invitation_id in batch:
                pipeline.exists(_mark_key(kind, invitation_id))
            found = pipeline.execute()
        missing += [i for i, exists in zip(batch, found, strict=True) if not exists]
    return missing


def _mark_key(kind: str, invitation_id: int) -> str:
    return f"feedbot:invitation-job:{kind}:{invitation_id}"
