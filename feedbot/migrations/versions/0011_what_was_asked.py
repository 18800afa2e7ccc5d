"""what a survey asked: its trust question's form, and the question it closed on

Revision ID: 0011_what_was_asked
Revises: 0010_record_flow
Create Date: 2026-11-28 09:00:00

A trust rating was exported in the form of the flow loaded when it was normalized, not the one
it was given in (a flow edited from 1-5 to thumbs turned a Strongly disagree into a thumbs
up), and a call's late answer went to a question worked out again from the flow loaded then.
Both are now stored as they were. Existing surveys get none: they are read as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_what_was_asked"
down_revision = "0010_record_flow"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = (
    "the form each survey's trust rating was given in (records are then normalized in their"
    " flow's current form) and the question each unfinished survey closed on"
)


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_at_close", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("trust_form", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("trust_form")
        batch_op.drop_column("question_at_close")
