"""fingerprint of the secret key the keyed hashes of numbers are made with

Revision ID: 0007_key_fingerprint
Revises: 0006_inbound_by_conversation
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedbot.models

revision = "0007_key_fingerprint"
down_revision = "0006_inbound_by_conversation"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = (
    "the recorded fingerprints of FEEDBOT_SECRET_KEY and of the keys it replaced: after the "
    "next upgrade, the first process to start records whatever key it is given, unchecked"
)


def upgrade() -> None:
    op.create_table(
        "key_fingerprints",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_key_fingerprints")),
    )


def downgrade() -> None:
    op.drop_table("key_fingerprints")
