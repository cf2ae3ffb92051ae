"""Alembic's entry point: run the migrations against the application's database."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from {{ cookiecutter.project_slug }}.config import load_settings
from {{ cookiecutter.project_slug }}.engine import create_db_engine
from {{ cookiecutter.project_slug }}.models import Base

config = context.config
target_metadata = Base.metadata
# Use alembic.ini's logging settings, so each migration applied is reported.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # The tests hand over a connection to their own database; otherwise use DATABASE_URL.
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = create_db_engine(load_settings().database_url)
    with engine.connect() as connection:
        run_migrations(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not set up; run them against a database.")
run_migrations_online()
