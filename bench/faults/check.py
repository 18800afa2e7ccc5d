"""What the database holds after a run, against what the texters' ledger proves was sent."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from bench.faults.load import TexterLedger
from bench.infra import BENCH_SECRET_KEY
from feedbot.identity import sender_key
from feedbot.models import Answer, Conversation, PendingNormalization, ResponseRecord


@dataclass
class Verdict:
    stored_complete: int
    normalized: int
    pending: int
    drained_seconds: float | None
    problems: list[str] = field(default_factory=list)


def wait_for_drain(database_url: str, timeout: float) -> float | None:
    """Seconds until the outbox is empty and every finished response has its record."""
    engine = create_engine(database_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            pending, finished, normalized = _queue_counts(engine)
            if pending == 0 and normalized == finished:
                return time.monotonic() - started
            time.sleep(0.1)
        return None
    finally:
        engine.dispose()


def compare(database_url: str, ledgers: list[TexterLedger], drained: float | None) -> Verdict:
    """For these texters: stored answers == answers the ledger accepted, per conversation,
    exactly; completed surveys == complete responses == normalized records; and nothing is
    left in the outbox."""
    expected = {sender_key(ledger.phone, BENCH_SECRET_KEY): ledger for ledger in ledgers}
    engine = create_engine(database_url)
    try:
        pending, _, _ = _queue_counts(engine)
        stored, normalized = _stored_conversations(engine, set(expected))
    finally:
        engine.dispose()
    verdict = Verdict(
        stored_complete=sum(status == "complete" for status, _ in _flatten(stored)),
        normalized=normalized,
        pending=pending,
        drained_seconds=drained,
    )
    for key, ledger in expected.items():
        conversations = stored.get(key, [])
        if len(conversations) != 1:
            verdict.problems.append(f"{ledger.phone}: {len(conversations)} conversations, not 1")
            continue
        status, answers = conversations[0]
        if answers != ledger.answers:
            verdict.problems.append(f"{ledger.phone}: stored {answers} != sent {ledger.answers}")
        if (status == "complete") != ledger.completed:
            verdict.problems.append(
                f"{ledger.phone}: stored as {status}, texter saw the closing: {ledger.completed}"
            )
    completed = sum(ledger.completed for ledger in ledgers)
    if not verdict.stored_complete == completed == normalized:
        verdict.problems.append(
            f"complete responses {verdict.stored_complete}, surveys the texters completed "
            f"{completed}, normalized records {normalized}"
        )
    if pending:
        verdict.problems.append(f"{pending} response(s) still wait in the outbox")
    return verdict


Stored = dict[str, list[tuple[str, dict[str, tuple[str, object, str]]]]]


def _stored_conversations(engine: Engine, senders: set[str]) -> tuple[Stored, int]:
    """These senders' conversations with their answers, and how many have a record."""
    with engine.connect() as connection:
        conversations = connection.execute(
            select(Conversation.id, Conversation.sender_key, Conversation.status).where(
                Conversation.sender_key.in_(senders)
            )
        ).all()
        ids = [row.id for row in conversations]
        answers: dict[int, dict[str, tuple[str, object, str]]] = defaultdict(dict)
        for row in connection.execute(
            select(
                Answer.conversation_id,
                Answer.question_id,
                Answer.status,
                Answer.value,
                Answer.raw_text,
            ).where(Answer.conversation_id.in_(ids))
        ):
            answers[row.conversation_id][row.question_id] = (row.status, row.value, row.raw_text)
        normalized = connection.scalar(
            select(func.count())
            .select_from(ResponseRecord)
            .where(ResponseRecord.conversation_id.in_(ids))
        )
    stored: Stored = defaultdict(list)
    for conversation_id, key, status in conversations:
        stored[key].append((status, dict(answers[conversation_id])))
    return stored, normalized or 0


def _flatten(stored: Stored) -> list[tuple[str, dict[str, tuple[str, object, str]]]]:
    return [conversation for conversations in stored.values() for conversation in conversations]


def _queue_counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        pending = connection.scalar(select(func.count()).select_from(PendingNormalization))
        finished = connection.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.status != "active")
        )
        normalized = connection.scalar(select(func.count()).select_from(ResponseRecord))
    return pending or 0, finished or 0, normalized or 0
