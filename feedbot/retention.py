"""Retention: raw free text lives only in the protected store, and only for so long."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session as DbSession

from feedbot.models import Answer, Conversation, PendingNormalization, ResponseRecord
from feedbot.services import ServiceRegistry

log = logging.getLogger(__name__)

_AGE = re.compile(r"^(\d+)([dh])$")


@dataclass(frozen=True)
class PurgeResult:
    """What one purge did: answers purged, and responses whose old raw text it had to keep."""

    purged: int
    still_open: int
    not_normalized: int


def parse_age(text: str) -> timedelta:
    """'90d' → 90 days, '12h' → 12 hours."""
    match = _AGE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not an age like 90d or 12h")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(days=amount) if unit == "d" else timedelta(hours=amount)


def purge_raw_text(db: DbSession, services: ServiceRegistry, before: datetime) -> PurgeResult:
    """Null the raw reply of every answer given before `before` in a response already closed
    and normalized, and the value of free-text answers (which is the text itself); choices and
    ratings stay.

    The record's scrubbed comment is made from the raw text when the response is normalized,
    so a response still open, or closed but still waiting in the outbox, keeps its raw text
    until its record is written; those responses are counted, not purged.
    """
    old_text = (Answer.answered_at < before, Answer.raw_text.is_not(None))
    ready = and_(
        Conversation.status != "active",
        exists().where(ResponseRecord.conversation_id == Conversation.id),
        ~exists().where(PendingNormalization.conversation_id == Conversation.id),
    )
    kept = _kept_responses(db, old_text, ready)
    rows = db.execute(
        select(Answer, Conversation.flow_id)
        .join(Conversation, Answer.conversation_id == Conversation.id)
        .where(*old_text, ready)
    ).all()
    for answer, flow_id in rows:
        answer.raw_text = None
        flow = services.flows.get(flow_id)
        question = flow.questions.get(answer.question_id) if flow else None
        if question is None or question.type == "text":
            answer.value = None
    result = PurgeResult(
        purged=len(rows),
        still_open=kept.get("active", 0),
        not_normalized=sum(n for status, n in kept.items() if status != "active"),
    )
    log.info(
        "purge: raw text of %d answer(s) deleted; kept for %d open response(s) and %d"
        " waiting to be normalized",
        result.purged,
        result.still_open,
        result.not_normalized,
    )
    return result


def _kept_responses(
    db: DbSession, old_text: tuple[ColumnElement[bool], ...], ready: ColumnElement[bool]
) -> dict[str, int]:
    """Responses with raw text old enough to purge that must keep it, counted by status."""
    rows = db.execute(
        select(Conversation.status, func.count(func.distinct(Conversation.id)))
        .join(Answer, Answer.conversation_id == Conversation.id)
        .where(*old_text, ~ready)
        .group_by(Conversation.status)
    ).all()
    return {status: count for status, count in rows}
