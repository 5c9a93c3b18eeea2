"""Alembic environment: run the revisions on the connection handed over by geo.store.upgrade.

The caller holds the transaction (SQLite ``BEGIN IMMEDIATE``, or a PostgreSQL advisory lock),
so ``begin_transaction`` is a no-op here and the whole upgrade commits or rolls back at once:
two processes starting together never migrate twice, and a failed upgrade leaves nothing half done.
"""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
