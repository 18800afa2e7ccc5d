"""The SQL of a conversation turn: Core statements built once per dialect and run with bound
parameters on the session's connection.

Every text, key press and chat message runs these. Built per request through the ORM (upserts
returning entities, a unit-of-work flush), a turn's statements cost about 2.8 ms of CPU on the
bench machine; built once and run through Core, about 0.8 ms (bench/RESULTS.md).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    CursorResult,
    Executable,
    bindparam,
    delete,
    exists,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session as DbSession

from feedbot.db import upsert_dialect
from feedbot.models import Answer, Contact, Conversation, InboundMessage, OptOut
from feedbot.models import PendingNormalization as Outbox


@dataclass
class ConversationRow:
    """The columns of a conversation a turn reads and writes."""

    id: int
    public_id: str
    channel: str
    flow_id: str
    language: str
    question: str | None
    strikes: int
    answered: bool
    status: str
    last_activity_at: datetime
    completed_at: datetime | None
    flow_version: int
    trust_form: str | None
    question_at_close: str | None


COLUMNS = tuple(Conversation.__table__.c[field.name] for field in fields(ConversationRow))
# What a turn may change; `save` writes all of them back in one UPDATE.
SAVED = (
    "flow_id",
    "flow_version",
    "trust_form",
    "language",
    "question",
    "question_at_close",
    "strikes",
    "answered",
    "status",
    "last_activity_at",
    "completed_at",
)


def run(
    db: DbSession, statement: Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> CursorResult[Any]:
    """Run one of the statements below in the session's transaction (no ORM in between)."""
    return db.connection().execute(statement, params)  # type: ignore[return-value]


def statements(db: DbSession) -> TurnStatements:
    return _for_dialect(db.get_bind().dialect.name)


@functools.cache
def _for_dialect(name: str) -> TurnStatements:
    return TurnStatements(upsert_dialect(name))


class TurnStatements:
    """Each statement's parameters are named `p_<what>` (a bind parameter may not take a
    column's own name in VALUES or SET)."""

    def __init__(self, dialect: Any) -> None:
        sender = bindparam("p_sender")
        opted_out = exists().where(OptOut.sender_key == sender)
        conversation = bindparam("p_conversation")
        self.lock_contact = (
            dialect.insert(Contact)
            .values(
                service_id=bindparam("p_service"),
                channel=bindparam("p_channel"),
                thread_key=bindparam("p_thread"),
            )
            # A no-op write that takes the row lock; the contact's lock is what puts two
            # messages from one thread one after the other.
            .on_conflict_do_update(
                index_elements=["service_id", "channel", "thread_key"],
                set_={"thread_key": bindparam("p_thread")},
            )
            .returning(Contact.id, Contact.conversation_id)
        )
        self.point_contact = (
            update(Contact)
            .where(Contact.id == bindparam("p_contact"))
            .values(conversation_id=conversation)
        )
        self.first_delivery = (
            dialect.insert(InboundMessage)
            .values(
                channel=bindparam("p_channel"),
                message_id=bindparam("p_message"),
                conversation_id=conversation,
                received_at=bindparam("p_received"),
            )
            .on_conflict_do_nothing()
            .returning(InboundMessage.id)
        )
        self.opted_out = select(opted_out)
        senders = bindparam("p_senders", expanding=True)
        self.opted_out_any = select(exists().where(OptOut.sender_key.in_(senders)))
        self.opt_out = (
            dialect.insert(OptOut)
            .values(sender_key=sender, opted_out_at=bindparam("p_at"))
            .on_conflict_do_nothing()
        )
        self.opt_in = delete(OptOut).where(OptOut.sender_key.in_(senders))
        self.conversation = select(*COLUMNS).where(Conversation.id == conversation)
        # A caller's latest survey on a service, which a call-back may resume.
        self.latest_of_sender = (
            select(*COLUMNS)
            .where(
                Conversation.service_id == bindparam("p_service"),
                Conversation.channel == bindparam("p_channel"),
                Conversation.sender_key == sender,
            )
            .order_by(Conversation.id.desc())
            .limit(1)
        )
        self.delivered = select(
            exists().where(
                InboundMessage.channel == bindparam("p_channel"),
                InboundMessage.message_id == bindparam("p_message"),
            )
        )
        # The threads a survey is on, locked before the survey itself, in the order a turn
        # takes them (its thread's contact, then its conversation).
        self.lock_threads = (
            select(Contact.id).where(Contact.conversation_id == conversation).with_for_update()
        )
        self.leave_threads = (
            update(Contact)
            .where(Contact.conversation_id == conversation, Contact.id != bindparam("p_contact"))
            .values(conversation_id=None)
        )
        self.conversation_and_opt_out = select(*COLUMNS, opted_out).where(
            Conversation.id == conversation
        )
        self.stale = (
            select(*COLUMNS)
            .where(
                Conversation.status == "active",
                Conversation.last_activity_at < bindparam("p_before"),
            )
            .with_for_update(skip_locked=True)
        )
        self.new_conversation = (
            insert(Conversation)
            .values(
                _bound(
                    Conversation,
                    (
                        "public_id",
                        "service_id",
                        "channel",
                        "sender_key",
                        "flow_id",
                        "flow_version",
                        "trust_form",
                        "language",
                        "question",
                        "strikes",
                        "answered",
                        "status",
                        "started_at",
                        "last_activity_at",
                        "transaction_id",
                    ),
                )
            )
            .returning(Conversation.id)
        )
        self.save = (
            update(Conversation)
            .where(Conversation.id == conversation)
            .values(_bound(Conversation, SAVED))
        )
        self.add_answer = insert(Answer).values(
            _bound(
                Answer,
                (
                    "conversation_id",
                    "question_id",
                    "record",
                    "status",
                    "value",
                    "raw_text",
                    "answered_at",
                ),
            )
        )
        self.add_to_outbox = insert(Outbox).values(
            conversation_id=conversation, created_at=bindparam("p_at")
        )


def _bound(model: Any, columns: Sequence[str]) -> dict[str, BindParameter[Any]]:
    """Each column's value as the parameter `p_<column>`, of the column's type."""
    table = model.__table__
    return {column: bindparam(f"p_{column}", type_=table.c[column].type) for column in columns}
