"""conversations, answers, inbound messages, opt-outs

Revision ID: 0001
Revises:
Create Date: 2026-11-25 06:56:58.212066
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedbot.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = "every response, answer, opt-out (STOP) and contact"


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("thread_key", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint(
            "service_id", "channel", "thread_key", name=op.f("uq_contacts_service_id")
        ),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("sender_key", sa.String(length=64), nullable=True),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=True),
        sa.Column("strikes", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", feedbot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("transaction_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_conversations_public_id")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversations_sender_key"), ["sender_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conversations_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_conversations_status"), ["status"], unique=False)

    op.create_table(
        "opt_outs",
        sa.Column("sender_key", sa.String(length=64), nullable=False),
        sa.Column("opted_out_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_key", name=op.f("pk_opt_outs")),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("record", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("raw_text", sa.Text(), nullable=True),
        sa.Column("answered_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_answers_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint(
            "conversation_id", "question_id", name=op.f("uq_answers_conversation_id")
        ),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("received_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_inbound_messages_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("channel", "message_id", name=op.f("uq_inbound_messages_channel")),
    )


def downgrade() -> None:
    op.drop_table("inbound_messages")
    op.drop_table("answers")
    op.drop_table("opt_outs")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_status"))
        batch_op.drop_index(batch_op.f("ix_conversations_service_id"))
        batch_op.drop_index(batch_op.f("ix_conversations_sender_key"))

    op.drop_table("conversations")
    op.drop_table("contacts")
