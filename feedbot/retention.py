"""Retention: raw free text lives only in the protected store, and only for so long."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from feedbot.models import Answer, Conversation
from feedbot.services import ServiceRegistry

_AGE = re.compile(r"^(\d+)([dh])$")


def parse_age(text: str) -> timedelta:
    """'90d' → 90 days, '12h' → 12 hours."""
    match = _AGE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not an age like 90d or 12h")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(days=amount) if unit == "d" else timedelta(hours=amount)


def purge_raw_text(db: DbSession, services: ServiceRegistry, before: datetime) -> int:
    """Null the raw reply of every answer given before `before`, and the value of free-text
    answers (which is the text itself); choices and ratings stay. Return how many answers."""
    rows = db.execute(
        select(Answer, Conversation.flow_id)
        .join(Conversation, Answer.conversation_id == Conversation.id)
        .where(Answer.answered_at < before, Answer.raw_text.is_not(None))
    ).all()
    for answer, flow_id in rows:
        answer.raw_text = None
        flow = services.flows.get(flow_id)
        question = flow.questions.get(answer.question_id) if flow else None
        if question is None or question.type == "text":
            answer.value = None
    return len(rows)
