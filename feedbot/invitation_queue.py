"""Putting invitation jobs on RQ: now, at a set time, or in-process without REDIS_URL.

Redis may lose what it holds (a restart without persistence, a failover), and with it every
invitation and reminder waiting for its time. So each job is queued together with a mark —
a Redis key that outlives the job's due time by MARK_GRACE — in one MULTI/EXEC, and the
worker's periodic sweep queues again whatever is due in the database but has no mark: both
were lost together, or the job was never queued because Redis was down. Sending is
idempotent (the invitation's row is locked and its status checked, and a send is claimed in
the database before Twilio is called), so a job queued twice sends once; the sweep also
settles the claims of workers lost mid-send as "unknown", never sending them again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
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
NOT_RETRIED = "Twilio did not take it; no retry without REDIS_URL"
NOT_SCHEDULED = "not due yet; no scheduler without REDIS_URL"


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
                _say_why_unsent(runtime, invitation_id, NOT_RETRIED)
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
