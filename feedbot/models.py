"""Storage: conversations, their time-stamped answers, processed message ids and opt-outs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("feedbot stores aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Contact(Base):
    """One thread on one channel of one service: a texter's number, a call, a chat session.

    Its row is the lock that puts two messages from the same thread one after the other.
    """

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("service_id", "channel", "thread_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    thread_key: Mapped[str] = mapped_column(String(64))
    # No foreign key: contacts and conversations point at each other, and the pointer
    # here is only "the conversation this thread is in now".
    conversation_id: Mapped[int | None] = mapped_column(Integer)


class Conversation(Base):
    """One survey response in progress or finished."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    sender_key: Mapped[str | None] = mapped_column(String(64), index=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    question: Mapped[str | None] = mapped_column(String(64))
    # The question an unfinished survey was asking when it closed (`question` is then None):
    # the one a call's late answer or a call-back's resumption may still answer.
    question_at_close: Mapped[str | None] = mapped_column(String(64))
    # The form of the trust question as this survey asks it (likert or thumbs), kept once the
    # trust rating is given: the form the rating is exported in, whatever the flow is now.
    # None on a survey begun by a release before migration 0011.
    trust_form: Mapped[str | None] = mapped_column(String(16))
    strikes: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transaction_id: Mapped[str | None] = mapped_column(String(128))
    invitation_id: Mapped[int | None] = mapped_column(Integer, index=True)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="conversation", order_by="Answer.id", cascade="all, delete-orphan"
    )


class Answer(Base):
    """One question's outcome, time-stamped as A-11 asks. `raw_text` is the protected copy."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("conversation_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    record: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    raw_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())

    conversation: Mapped[Conversation] = relationship(back_populates="answers")


class InboundMessage(Base):
    """A delivery already applied, so a second delivery of the same id changes nothing."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "message_id"),
        # "Has this person written in this survey?" (no reminder for them) without a scan.
        Index("ix_inbound_messages_conversation", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OptOut(Base):
    """A number that said STOP: nothing is sent to it again until it says START."""

    __tablename__ = "opt_outs"

    sender_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime())


DRIVERS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")


class ResponseRecord(Base):
    """One response normalized into the standard A-11 record (see feedbot/schemas/)."""

    __tablename__ = "response_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    schema_version: Mapped[str] = mapped_column(String(16))
    service_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    trust_form: Mapped[str] = mapped_column(String(16))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    question_1: Mapped[int | None] = mapped_column(Integer)
    positive_effectiveness: Mapped[int | None] = mapped_column(Integer)
    positive_ease: Mapped[int | None] = mapped_column(Integer)
    positive_efficiency: Mapped[int | None] = mapped_column(Integer)
    positive_transparency: Mapped[int | None] = mapped_column(Integer)
    positive_humanity: Mapped[int | None] = mapped_column(Integer)
    positive_employee: Mapped[int | None] = mapped_column(Integer)
    positive_other: Mapped[int | None] = mapped_column(Integer)
    negative_effectiveness: Mapped[int | None] = mapped_column(Integer)
    negative_ease: Mapped[int | None] = mapped_column(Integer)
    negative_efficiency: Mapped[int | None] = mapped_column(Integer)
    negative_transparency: Mapped[int | None] = mapped_column(Integer)
    negative_humanity: Mapped[int | None] = mapped_column(Integer)
    negative_employee: Mapped[int | None] = mapped_column(Integer)
    negative_other: Mapped[int | None] = mapped_column(Integer)
    question_4: Mapped[str | None] = mapped_column(Text)
    other_text: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    invitation_id: Mapped[int | None] = mapped_column(Integer)
    normalized_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The conversation's flow, copied so the quarterly export groups by it without a join.
    flow_id: Mapped[str | None] = mapped_column(String(64))
    flow_version: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_response_records_period", "service_id", "fiscal_year", "quarter", "channel"),
    )


class StaffToken(Base):
    """An API token for agency staff: stored only as a hash, scoped to services and uses."""

    __tablename__ = "staff_tokens"
    __table_args__ = (
        # Revoking by name revokes every live token with it: two `tokens create` at the same
        # moment must not both pass the check for a live token of that name.
        Index(
            "uq_staff_tokens_live_name",
            "name",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
            sqlite_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    services: Mapped[list[str] | None] = mapped_column(JSON)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffSignOut(Base):
    """A dashboard session signed out before its sign-in lifetime was up. Its cookie (a copy
    too) is refused from then on, while the token's other sessions stay signed in: the
    cookie is all the session there is, so the server keeps this to revoke it. Only a hash
    of the session's sign-in id is kept, and only until the session would have expired."""

    __tablename__ = "staff_sign_outs"

    sign_in_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    signed_out_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PendingNormalization(Base):
    """Transactional outbox: a finished response waiting for its A-11 record.

    Written in the same transaction that closes the conversation and deleted in the one that
    writes the record, so a response is never lost between the two, whatever Redis does.
    """

    __tablename__ = "pending_normalizations"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invitation(Base):
    """An agency's request to survey someone by text after a transaction.

    `phone` is the only clear copy of the number: kept until the invitation and any reminder
    are sent (or can never be), then dropped, leaving the keyed hash.

    `status`: scheduled, then sending (claimed, Twilio being called; `sent_at` is the claim's
    time), then sent, unknown (Twilio's answer was lost: it may have been sent) or failed;
    suppressed when it is never to be sent, expired when it was not sent in time (the
    service's `expire_after_hours` after `send_at`); then Twilio's delivery statuses.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("service_id", "transaction_id"),
        # The sweep's look for reminders that may have been lost: only rows still holding a
        # number can owe one, a small share of a table that keeps every invitation.
        Index(
            "ix_invitations_reminder_pending",
            "reminder_due_at",
            postgresql_where=text("phone IS NOT NULL AND reminded_at IS NULL"),
            sqlite_where=text("phone IS NOT NULL AND reminded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    sender_key: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    transaction_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(64))
    message_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KeyFingerprint(Base):
    """The fingerprint of the FEEDBOT_SECRET_KEY this database's keyed hashes of numbers were
    made with (opt-outs, contacts, invitations): an HMAC of a fixed label under the key, never
    the key. A process started with another key refuses to run (feedbot.identity)."""

    __tablename__ = "key_fingerprints"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
