"""Normalization: a finished conversation becomes one record in the standard A-11 schema."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import selectinload

from feedbot.db import upsert_statement
from feedbot.fiscal import fiscal_quarter
from feedbot.flows import Flow
from feedbot.models import DRIVERS, Answer, Conversation, PendingNormalization, ResponseRecord
from feedbot.scrub import PLACEHOLDERS, scrub
from feedbot.services import ServiceRegistry

SCHEMA_VERSION = "1.0.0"
FREE_TEXT_LIMIT = 10_000
# Shown with the character before them though not combining marks: the emoji skin tones, the
# zero-width joiner and the tags of a subdivision flag (🏴 and its letters).
_SHOWN_WITH_PREVIOUS = {
    *map(chr, range(0x1F3FB, 0x1F400)),
    "\u200d",
    *map(chr, range(0xE0020, 0xE0080)),
}
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)

# Touchpoints' channel vocabulary; staff whose guidance differs change it here (README.md,
# "Normalized records, the queue and privacy").
A11_CHANNELS = {"sms": "sms_text_messages", "voice": "automated_phone", "webchat": "chatbot"}


class NormalizationError(Exception):
    """A response cannot be normalized; the message says which and why."""


def normalize_response(
    db: DbSession, services: ServiceRegistry, conversation_id: int
) -> ResponseRecord | None:
    """Write (or rewrite) the A-11 record of a finished response; None if it is still open.

    Running it twice for one response leaves one record: the row is keyed by the conversation.
    """
    if db.get(Conversation, conversation_id) is None:
        raise NormalizationError(f"conversation {conversation_id} does not exist")
    _write_records(db, services, [conversation_id])
    return db.scalars(
        select(ResponseRecord)
        .filter_by(conversation_id=conversation_id)
        .execution_options(populate_existing=True)
    ).one_or_none()


def normalize_pending(db: DbSession, services: ServiceRegistry, conversation_ids: list[int]) -> int:
    """Normalize these responses and clear them from the outbox; return how many records."""
    written = _write_records(db, services, conversation_ids)
    db.execute(
        delete(PendingNormalization).where(
            PendingNormalization.conversation_id.in_(conversation_ids)
        )
    )
    return written


def _write_records(db: DbSession, services: ServiceRegistry, conversation_ids: list[int]) -> int:
    # One query for the conversations, one for their answers, one upsert for all records:
    # per-response round trips would cap a worker far below the queue's arrival rate.
    conversations = db.scalars(
        select(Conversation)
        .where(Conversation.id.in_(conversation_ids), Conversation.status != "active")
        .options(selectinload(Conversation.answers))
    ).all()
    rows = []
    for conversation in conversations:
        service = services.get(conversation.service_id)
        if service is None:
            raise NormalizationError(
                f"conversation {conversation.id} belongs to service {conversation.service_id!r},"
                " which is not in the services file"
            )
        rows.append(
            # The flow the person answered, even if the service has since moved to another.
            build_record(
                conversation,
                conversation.answers,
                services.flows.get(conversation.flow_id, service.flow),
                service.timezone,
                service.scrub_names,
            )
        )
    if rows:
        _upsert(db, rows)
    return len(rows)


def _collected_at(conversation: Conversation, answers: list[Answer]) -> datetime:
    """When the response was given, for its fiscal quarter: a complete one when it was
    completed; one closed as partial or abandoned when its last answer came (or, with none,
    when it began). Such a survey closes a day later, when it has sat idle, and a response
    given on the last day of a quarter was counted in the next. An answer is what the person
    gave, a SKIP included; a question left unanswered (silence on a call, three unreadable
    replies) is recorded when feedbot gave up on it, which may be past midnight."""
    if conversation.status == "complete" and conversation.completed_at:
        return conversation.completed_at
    given = (answer.answered_at for answer in answers if answer.status != "unanswered")
    return max(given, default=conversation.started_at)


def build_record(
    conversation: Conversation,
    answers: list[Answer],
    flow: Flow,
    timezone: str,
    scrub_names: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The record's fields from a conversation and its answers (pure: no I/O); free text is
    scrubbed, with the service's `scrub_names` as well."""
    by_record = {answer.record: answer for answer in answers if answer.record}
    period = fiscal_quarter(_collected_at(conversation, answers), timezone)
    trust = by_record.get("question_1")
    return {
        "conversation_id": conversation.id,
        "external_id": conversation.public_id,
        "schema_version": SCHEMA_VERSION,
        "service_id": conversation.service_id,
        "channel": A11_CHANNELS.get(conversation.channel, "other_digital"),
        "language": conversation.language,
        # The form the rating was given in: the flow may have changed form since (1 was a
        # Strongly disagree, not a thumbs up). A survey begun before migration 0011 kept none.
        "trust_form": conversation.trust_form or flow.trust_form,
        "fiscal_year": period.fiscal_year,
        "quarter": period.quarter,
        "question_1": trust.value if trust is not None and trust.status == "answered" else None,
        **_driver_flags("positive", by_record.get("positive"), flow),
        **_driver_flags("negative", by_record.get("negative"), flow),
        "question_4": _scrubbed(by_record.get("question_4"), scrub_names),
        "other_text": _scrubbed(
            by_record.get("positive_other_text") or by_record.get("negative_other_text"),
            scrub_names,
        ),
        "started_at": conversation.started_at,
        "completed_at": conversation.completed_at,
        "status": conversation.status,
        "invitation_id": getattr(conversation, "invitation_id", None),
        "normalized_at": datetime.now(UTC),
        # The flow the person answered (`flow` is the service's current one when it is gone),
        # which the quarterly export groups by.
        "flow_id": conversation.flow_id,
        "flow_version": conversation.flow_version,
    }


def _driver_flags(branch: str, answer: Answer | None, flow: Flow) -> dict[str, int | None]:
    """1 = offered and ticked, 0 = offered and not ticked (SKIP is a choice of none), None =
    no choice made: not asked (the other branch), or asked and left unanswered (three
    unreadable replies, silence on a call, an idle or hung-up survey), as an unanswered
    trust question is. 0s there counted people who chose nothing as offered every driver."""
    if answer is None or answer.status == "unanswered":
        return dict.fromkeys((f"{branch}_{driver}" for driver in DRIVERS), None)
    ticked = set(answer.value or ()) if answer.status == "answered" else set()
    # What was ticked was offered, though the flow has been edited since.
    offered = _offered_drivers(flow, branch, answer.question_id) | ticked
    return {
        f"{branch}_{driver}": (1 if driver in ticked else 0) if driver in offered else None
        for driver in DRIVERS
    }


def _offered_drivers(flow: Flow, branch: str, question_id: str) -> set[str]:
    """The drivers the question the person answered offers. Alternatives on branches no
    survey takes both of may record one branch with different choices; a question since
    removed from the flow is taken to have offered what the branch's first question does."""
    question = flow.questions.get(question_id)
    if question is None or question.record != branch:
        question = next((q for q in flow.questions.values() if q.record == branch), None)
    return {str(choice.value) for choice in question.choices} if question else set()


def _scrubbed(answer: Answer | None, scrub_names: tuple[str, ...]) -> str | None:
    if answer is None or answer.status != "answered" or not answer.raw_text:
        return None
    return _cut(scrub(answer.raw_text, staff_names=scrub_names))


def _cut(text: str) -> str:
    """`text` cut to at most FREE_TEXT_LIMIT characters where a reader sees a cut: never inside a
    placeholder ("[REFER" reads as a word and no longer says what was taken out), nor inside
    what shows as one character (a thumb and its skin tone, a flag, an emoji family, a letter
    and its accents). Python counts code points, so no surrogate pair is ever halved."""
    if len(text) <= FREE_TEXT_LIMIT:
        return text
    end = FREE_TEXT_LIMIT
    while end > 0 and _shown_with_previous(text, end):
        end -= 1
    for placeholder in PLACEHOLDERS.values():
        start = text.find(
            placeholder, max(0, end - len(placeholder) + 1), end + len(placeholder) - 1
        )
        if start != -1:
            return text[:start]
    return text[:end]


def _shown_with_previous(text: str, at: int) -> bool:
    """Whether text[at] shows as part of one character with text[at - 1]: a combining mark or
    variation selector, an emoji modifier, what a zero-width joiner joins, or the second
    regional indicator of a flag (they pair from the start of their run)."""
    char = text[at]
    if unicodedata.category(char) in {"Mn", "Mc", "Me"} or char in _SHOWN_WITH_PREVIOUS:
        return True
    if text[at - 1] == "\u200d":
        return True
    if ord(char) not in _REGIONAL_INDICATORS:
        return False
    run = 0
    while at - run > 0 and ord(text[at - run - 1]) in _REGIONAL_INDICATORS:
        run += 1
    return run % 2 == 1


def _upsert(db: DbSession, rows: list[dict[str, Any]]) -> None:
    # On the table, not the mapped class: the ORM's bulk-insert layer took a third of a
    # worker's time for rows that are plain dicts already.
    table = ResponseRecord.__table__
    statement = upsert_statement(db, table)
    updates = {key: statement.excluded[key] for key in rows[0] if key != "conversation_id"}
    # After `feedbot purge` the raw text is gone: normalizing again must keep the scrubbed copy.
    for key in ("question_4", "other_text"):
        updates[key] = func.coalesce(statement.excluded[key], table.c[key])
    db.connection().execute(
        statement.on_conflict_do_update(index_elements=["conversation_id"], set_=updates), rows
    )


def record_as_dict(record: Any) -> dict[str, Any]:
    """The exportable shape of a record (ORM object or row): SUBMISSION.md's columns first."""
    values = {column: getattr(record, column) for column in RECORD_COLUMNS}
    for key in ("started_at", "completed_at"):
        values[key] = iso_timestamp(values[key])
    return values


def iso_timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with microseconds, the same on every database and export path."""
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value else None


TOUCHPOINTS_COLUMNS = (
    "external_id",
    "question_1",
    *(f"positive_{driver}" for driver in DRIVERS),
    *(f"negative_{driver}" for driver in DRIVERS),
    "question_4",
)
FEEDBOT_COLUMNS = (
    "service_id",
    "channel",
    "language",
    "fiscal_year",
    "quarter",
    "started_at",
    "completed_at",
    "status",
    "invitation_id",
    "trust_form",
    "other_text",
    "schema_version",
)
RECORD_COLUMNS = TOUCHPOINTS_COLUMNS + FEEDBOT_COLUMNS
