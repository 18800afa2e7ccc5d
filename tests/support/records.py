"""Small factories for normalized records, for tests of what staff get out."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session as DbSession

from feedbot.models import DRIVERS, Conversation, Invitation, ResponseRecord
from feedbot.normalize import SCHEMA_VERSION

_ids = itertools.count(1)


def add_record(db: DbSession, **fields: Any) -> ResponseRecord:
    """A finished response and its record; `fields` override the record's defaults."""
    number = next(_ids)
    started = fields.pop("started_at", datetime(2026, 11, 2, 15, tzinfo=UTC))
    conversation = Conversation(
        public_id=f"response-{number:06d}-{started:%Y%m%d}",
        service_id=fields.get("service_id", "passport"),
        channel={"sms_text_messages": "sms", "automated_phone": "voice", "chatbot": "webchat"}[
            fields.get("channel", "sms_text_messages")
        ],
        flow_id="a11",
        flow_version=1,
        language=fields.get("language", "en"),
        question=None,
        strikes=0,
        answered=True,
        status=fields.get("status", "complete"),
        started_at=started,
        last_activity_at=started,
        completed_at=started,
    )
    db.add(conversation)
    db.flush()
    positive = fields.pop("positive", ())
    negative = fields.pop("negative", ())
    record = ResponseRecord(
        conversation_id=conversation.id,
        external_id=conversation.public_id,
        schema_version=SCHEMA_VERSION,
        service_id="passport",
        channel="sms_text_messages",
        language="en",
        trust_form="likert",
        fiscal_year=2027,
        quarter=1,
        question_1=5,
        question_4=None,
        other_text=None,
        started_at=started,
        completed_at=started,
        status="complete",
        normalized_at=started,
        flow_id=conversation.flow_id,
        flow_version=conversation.flow_version,
        **{f"positive_{d}": (1 if d in positive else 0) if not negative else None for d in DRIVERS},
        **{f"negative_{d}": (1 if d in negative else 0) if negative else None for d in DRIVERS},
    )
    for key, value in fields.items():
        setattr(record, key, value)
    db.add(record)
    return record


def add_sent_invitation(db: DbSession, message_sid: str) -> Invitation:
    """An invitation Twilio accepted as `message_sid`, for status callbacks to find."""
    now = datetime.now(UTC)
    invitation = Invitation(
        service_id="benefits",
        sender_key="k" * 64,
        status="sent",
        message_sid=message_sid,
        send_at=now,
        created_at=now,
        sent_at=now,
    )
    db.add(invitation)
    return invitation
