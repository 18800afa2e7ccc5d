"""the flow each normalized record was given under, on the record

Revision ID: 0010_record_flow
Revises: 0009_live_token_names
Create Date: 2026-11-27 10:50:00

The quarterly export groups records by the flow their response was given under; reading it
from conversations took a join that more than doubled the aggregation (0.49 -> 1.15 s on a
million records). Existing records get their conversation's flow here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_record_flow"
down_revision = "0009_live_token_names"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = "nothing (records' copy of their conversation's flow id and version)"


def upgrade() -> None:
    with op.batch_alter_table("response_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flow_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("flow_version", sa.Integer(), nullable=True))
    # A correlated subquery, not UPDATE … FROM: SQLite before 3.33 has no FROM in an UPDATE.
    op.execute(
        "UPDATE response_records SET"
        " flow_id = (SELECT c.flow_id FROM conversations c"
        " WHERE c.id = response_records.conversation_id),"
        " flow_version = (SELECT c.flow_version FROM conversations c"
        " WHERE c.id = response_records.conversation_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("response_records", schema=None) as batch_op:
        batch_op.drop_column("flow_version")
        batch_op.drop_column("flow_id")
