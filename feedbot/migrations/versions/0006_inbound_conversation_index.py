"""index of inbound messages by conversation

Revision ID: 0006_inbound_by_conversation
Revises: 0005_reminder_index
Create Date: 2026-11-26 15:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0006_inbound_by_conversation"
down_revision = "0005_reminder_index"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = "nothing (an index)"


def upgrade() -> None:
    op.create_index("ix_inbound_messages_conversation", "inbound_messages", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_conversation", table_name="inbound_messages")
