"""Alembic environment: runs on the connection the server hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from openbeta.server.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # ``alembic`` run by hand: OPENBETA settings decide the URL
        from openbeta.server.settings import Settings

        engine = create_engine(Settings().resolved_database_url())
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata,
                              render_as_batch=conn.dialect.name == "sqlite")
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    context.run_migrations()


run()
