"""Alembic's entry point: run the migrations against the application's database."""

from logging.config import fileConfig

from alembic import context
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Inspector, MetaData, String, Table, event
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.project_slug }}.config import load_settings
from {{ cookiecutter.project_slug }}.engine import create_db_engine
from {{ cookiecutter.project_slug }}.models import Base

config = context.config
target_metadata = Base.metadata
BATCH_COPY_PREFIX = "_alembic_tmp_"  # how batch mode names the copy it makes of a table
# Use alembic.ini's logging settings, so each migration applied is reported.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def number_revision(
    migration_context: MigrationContext, revision: object, directives: list[MigrationScript]
) -> None:
    """Number a new revision after the head, 0003 after 0002, instead of a random hex id."""
    head = ScriptDirectory.from_config(config).get_current_head()
    directives[0].rev_id = f"{int(head) + 1:04d}" if head and head.isdigit() else "0001"


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters little in place (no new constraint, no changed type): in batch mode,
        # autogenerate writes changes that Alembic applies by copying the table.
        render_as_batch=connection.dialect.name == "sqlite",
        # The project's own column types, written as models.UTCDateTime() in a new
        # revision, which script.py.mako imports models for.
        user_module_prefix="models.",
        process_revision_directives=number_revision,
    )
    # Only while migrating: other reflection (the tests' drift check) sees the database as is.
    event.listen(Table, "column_reflect", keep_collation)
    event.listen(Table, "before_create", keep_autoincrement)
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        event.remove(Table, "column_reflect", keep_collation)
        event.remove(Table, "before_create", keep_autoincrement)


# SQLite reports neither a column's collation nor a table's AUTOINCREMENT, so the copy of a
# table that batch mode makes would lose both: usernames would stop being unique regardless
# of case, and ids of deleted users could come back. These two take them from the models.


def keep_collation(_inspector: Inspector, table: Table, column_info: ReflectedColumn) -> None:
    """Give a reflected column the collation its model declares."""
    model_column = model_table_of(table.name).c.get(column_info["name"])
    collation = getattr(getattr(model_column, "type", None), "collation", None)
    if collation is not None and isinstance(column_info["type"], String):
        column_info["type"].collation = collation


def keep_autoincrement(table: Table, _connection: Connection, **_: object) -> None:
    """Make batch mode's copy of a table AUTOINCREMENT if its model is."""
    if table.name.startswith(BATCH_COPY_PREFIX):
        model = model_table_of(table.name.removeprefix(BATCH_COPY_PREFIX))
        if model.dialect_options["sqlite"]["autoincrement"]:
            table.dialect_options["sqlite"]["autoincrement"] = True


def model_table_of(name: str) -> Table:
    """The models' table of that name, or an empty one for a table they no longer have."""
    table = target_metadata.tables.get(name)
    return Table(name, MetaData()) if table is None else table


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
