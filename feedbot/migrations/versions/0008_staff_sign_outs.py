"""dashboard sessions signed out, so a copy of their cookie is refused

Revision ID: 0008_staff_sign_outs
Revises: 0007_key_fingerprint
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedbot.models

revision = "0008_staff_sign_outs"
down_revision = "0007_key_fingerprint"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = (
    "which dashboard sessions were signed out: a copy of such a session's cookie is accepted "
    "again until it expires"
)


def upgrade() -> None:
    op.create_table(
        "staff_sign_outs",
        sa.Column("sign_in_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_out_at", feedbot.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sign_in_hash", name=op.f("pk_staff_sign_outs")),
    )


def downgrade() -> None:
    op.drop_table("staff_sign_outs")
