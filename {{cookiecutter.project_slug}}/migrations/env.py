"""Alembic's entry point: run the migrations against the application's database."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

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
    with connect(engine) as connection:
        run_migrations(connection)
    engine.dispose()


def connect(engine: Engine) -> Connection:
    """Connect, or stop with one line that says why not and what to do."""
    try:
        return engine.connect()
    except OperationalError as error:
        url = engine.url.render_as_string(hide_password=True)
{%- if cookiecutter.database == "mysql" %}
        hint = "create it and its user first: `make database` (the create-database command)"
{%- else %}
        hint = "check DATABASE_URL (in .env or the environment)"
{%- endif %}
        raise SystemExit(f"Cannot connect to {url} ({error.orig}); {hint}.") from None


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not set up; run them against a database.")
run_migrations_online()
