"""Putting invitation jobs on RQ: now, at a set time, or in-process without REDIS_URL."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import select

from feedbot.invitations import deliver
from feedbot.models import Invitation
from feedbot.queue import redis_connection
from feedbot.runtime import Runtime

log = logging.getLogger(__name__)

INVITATIONS_QUEUE = "feedbot-invitations"


def dispatch_invitations(runtime: Runtime, invitation_ids: Sequence[int]) -> None:
    """After the request's commit: queue each invitation for its send time."""
    if runtime.settings.redis_url is None:
        for invitation_id in invitation_ids:
            deliver(runtime, invitation_id, runtime.settings.now())
        return
    with runtime.db.transaction() as db:
        rows = db.execute(
            select(Invitation.id, Invitation.send_at).where(Invitation.id.in_(invitation_ids))
        ).all()
    try:
        for invitation_id, send_at in rows:
            schedule_send(runtime, invitation_id, send_at)
    except RedisError as error:
        log.warning("queue unreachable (%s): invitations wait for a sweep", type(error).__name__)


def schedule_send(runtime: Runtime, invitation_id: int, when: datetime) -> None:
    retry = Retry(
        max=len(runtime.settings.twilio_retry_intervals),
        interval=list(runtime.settings.twilio_retry_intervals),
    )
    queue = invitations_queue(runtime)
    if when <= runtime.settings.now():
        queue.enqueue("feedbot.jobs.send_invitation", invitation_id, retry=retry)
    else:
        queue.enqueue_at(when, "feedbot.jobs.send_invitation", invitation_id, retry=retry)


def schedule_reminder(runtime: Runtime, invitation_id: int) -> None:
    with runtime.db.transaction() as db:
        due = db.scalar(select(Invitation.reminder_due_at).where(Invitation.id == invitation_id))
    if due is not None:
        invitations_queue(runtime).enqueue_at(due, "feedbot.jobs.remind_invitation", invitation_id)


def sweep_invitations(runtime: Runtime) -> int:
    """Queue every invitation still waiting to be sent (after a Redis outage)."""
    with runtime.db.transaction() as db:
        ids = list(db.scalars(select(Invitation.id).where(Invitation.status == "scheduled")))
    dispatch_invitations(runtime, ids)
    return len(ids)


def invitations_queue(runtime: Runtime) -> Queue:
    return Queue(INVITATIONS_QUEUE, connection=redis_connection(runtime.settings.redis_url))
