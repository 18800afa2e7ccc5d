"""index of invitations that may still owe a reminder

Revision ID: 0005_reminder_index
Revises: 0004_invitations
Create Date: 2026-11-26 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_reminder_index"
down_revision = "0004_invitations"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = "nothing (an index)"

PENDING = sa.text("phone IS NOT NULL AND reminded_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_invitations_reminder_pending",
        "invitations",
        ["reminder_due_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_reminder_pending", table_name="invitations")
