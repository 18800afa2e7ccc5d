"""RQ jobs. Each is a plain function taking ids; the runtime is built once per worker process."""

from __future__ import annotations

import functools
import logging

from feedbot.config import Settings, load_settings
from feedbot.conversations import expire_idle_conversations
from feedbot.normalize import normalize_pending
from feedbot.runtime import Runtime, build_runtime

log = logging.getLogger(__name__)


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
    """The runtime this worker's environment describes, built once per process."""
    return _runtime_for(load_settings())


@functools.cache
def _runtime_for(settings: Settings) -> Runtime:
    return build_runtime(settings)


def send_invitation(invitation_id: int) -> str:
    """Send one invitation, or put it back on the schedule for when it may be sent. Twilio
    busy, failing, unreachable or refusing feedbot's account raises, for RQ's retries."""
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
    """The one optional reminder for an unanswered invitation, or put it back on the schedule
    for when it may be sent (quiet hours)."""
    from feedbot.invitation_queue import schedule_reminder
    from feedbot.invitations import remind

    runtime = worker_runtime()
    delivery = remind(runtime, invitation_id, runtime.settings.now())
    if delivery.status == "deferred" and delivery.retry_at is not None:
        schedule_reminder(runtime, invitation_id, delivery.retry_at)
    return delivery.status
