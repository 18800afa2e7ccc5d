"""normalized A-11 records and staff tokens

Revision ID: 0002_records_tokens
Revises: 0001
Create Date: 2026-11-25 07:05:14.883613
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedbot.models

revision = "0002_records_tokens"
down_revision = "0001"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = "the normalized A-11 records and every staff token"


def upgrade() -> None:
    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("services", sa.JSON(), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", feedbot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", feedbot.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_tokens_token_hash")),
    )
    op.create_table(
        "response_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("schema_version", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("trust_form", sa.String(length=16), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("question_1", sa.Integer(), nullable=True),
        sa.Column("positive_effectiveness", sa.Integer(), nullable=True),
        sa.Column("positive_ease", sa.Integer(), nullable=True),
        sa.Column("positive_efficiency", sa.Integer(), nullable=True),
        sa.Column("positive_transparency", sa.Integer(), nullable=True),
        sa.Column("positive_humanity", sa.Integer(), nullable=True),
        sa.Column("positive_employee", sa.Integer(), nullable=True),
        sa.Column("positive_other", sa.Integer(), nullable=True),
        sa.Column("negative_effectiveness", sa.Integer(), nullable=True),
        sa.Column("negative_ease", sa.Integer(), nullable=True),
        sa.Column("negative_efficiency", sa.Integer(), nullable=True),
        sa.Column("negative_transparency", sa.Integer(), nullable=True),
        sa.Column("negative_humanity", sa.Integer(), nullable=True),
        sa.Column("negative_employee", sa.Integer(), nullable=True),
        sa.Column("negative_other", sa.Integer(), nullable=True),
        sa.Column("question_4", sa.Text(), nullable=True),
        sa.Column("other_text", sa.Text(), nullable=True),
        sa.Column("started_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", feedbot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("normalized_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_response_records_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_records")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_response_records_conversation_id")),
        sa.UniqueConstraint("external_id", name=op.f("uq_response_records_external_id")),
    )
    with op.batch_alter_table("response_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_records_period",
            ["service_id", "fiscal_year", "quarter", "channel"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("response_records", schema=None) as batch_op:
        batch_op.drop_index("ix_response_records_period")

    op.drop_table("response_records")
    op.drop_table("staff_tokens")
