"""normalization outbox

Revision ID: 0003_outbox
Revises: 0002_records_tokens
Create Date: 2026-11-25 07:30:38.452895
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedbot.models

revision = "0003_outbox"
down_revision = "0002_records_tokens"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = (
    "the normalization outbox: responses waiting for their record are no longer queued for it"
)


def upgrade() -> None:
    op.create_table(
        "pending_normalizations",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_pending_normalizations_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_pending_normalizations")),
    )


def downgrade() -> None:
    op.drop_table("pending_normalizations")
