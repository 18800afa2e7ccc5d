"""invitations

Revision ID: 0004_invitations
Revises: 0003_outbox
Create Date: 2026-11-25 07:54:59.791782
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedbot.models

revision = "0004_invitations"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = (
    "every invitation, and which survey each one opened; records keep their invitation ids,"
    " which invitations made after the next upgrade reuse, and past quarters' SMS offered"
    " counts lose the invitations sent"
)


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("sender_key", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("transaction_id", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("send_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", feedbot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminder_due_at", feedbot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", feedbot.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_invitations_message_sid")),
        sa.UniqueConstraint("service_id", "transaction_id", name=op.f("uq_invitations_service_id")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_sender_key"), ["sender_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_status"), ["status"], unique=False)

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_conversations_invitation_id"), ["invitation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_invitation_id"))
        batch_op.drop_column("invitation_id")

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_status"))
        batch_op.drop_index(batch_op.f("ix_invitations_service_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_sender_key"))

    op.drop_table("invitations")
