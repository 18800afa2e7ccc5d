"""one live staff token per name, kept by the database

Revision ID: 0009_live_token_names
Revises: 0008_staff_sign_outs
Create Date: 2026-11-27 06:30:00

Before 0009 the one-live-token-per-name rule was only checked before an insert, so two
`feedbot tokens create` runs at the same moment could both pass it. A database that already
holds two live tokens of one name keeps the oldest's name; each later one is renamed
"<name> #<id>" (its token still works), and the renaming is logged.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0009_live_token_names"
down_revision = "0008_staff_sign_outs"
branch_labels = None
depends_on = None
# What `feedbot db downgrade` says undoing this migration loses.
downgrade_loses = (
    "nothing (the index that keeps live staff tokens' names unique; tokens the upgrade renamed "
    "keep their new names)"
)

log = logging.getLogger("alembic.runtime.migration")
_MAX_NAME = 128


def upgrade() -> None:
    _rename_live_duplicates()
    op.create_index(
        "uq_staff_tokens_live_name",
        "staff_tokens",
        ["name"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
        sqlite_where=sa.text("revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_staff_tokens_live_name", table_name="staff_tokens")


def _rename_live_duplicates() -> None:
    connection = op.get_bind()
    tokens = sa.table("staff_tokens", sa.column("id"), sa.column("name"), sa.column("revoked_at"))
    live = connection.execute(
        sa.select(tokens.c.id, tokens.c.name)
        .where(tokens.c.revoked_at.is_(None))
        .order_by(tokens.c.name, tokens.c.id)
    ).all()
    seen: set[str] = set()
    for token_id, name in live:
        if name not in seen:
            seen.add(name)
            continue
        suffix = f" #{token_id}"
        renamed = name[: _MAX_NAME - len(suffix)] + suffix
        connection.execute(sa.update(tokens).where(tokens.c.id == token_id).values(name=renamed))
        log.warning(
            "staff token %d shared the live name %r with an older token: renamed %r",
            token_id,
            name,
            renamed,
        )
