"""Alembic environment: migrates the database the caller's connection or URL points at."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from feedbot.migrations import one_migration_at_a_time
from feedbot.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _migrate(connection)


def _migrate(connection) -> None:
    # Batch mode lets the same migrations alter tables on SQLite, which lacks ALTER COLUMN.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    # The lock is taken inside the transaction (PostgreSQL's is released at its commit) and
    # before Alembic reads the current version, so the second of two upgrades reads it after
    # the first has committed.
    with context.begin_transaction(), one_migration_at_a_time(connection):
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
