"""Alembic's entry point: run the migrations against the application's database, and
write new revisions (`make revision`) the way this project wants them."""

import logging
import re
from logging.config import fileConfig
from pathlib import Path
from typing import Any

from alembic import context
from alembic.operations.ops import (
    DowngradeOps,
    DropIndexOp,
    DropTableOp,
    MigrationScript,
    ModifyTableOps,
    UpgradeOps,
)
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Inspector, MetaData, String, Table, event
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.project_slug }}.core.database.engine import create_db_engine
from {{ cookiecutter.project_slug }}.core.database.urls import load_database_urls
from {{ cookiecutter.project_slug }}.core.models import Base, import_every_model

import_every_model()  # every package's tables, for autogenerate to compare

config = context.config
target_metadata = Base.metadata
BATCH_COPY_PREFIX = "_alembic_tmp_"  # how batch mode names the copy it makes of a table
SERVICE_VERSIONS = Path(__file__).parent / "versions"
# The template's revisions are numbered alone (0001, 0002, ...), the service's apart from them.
SERVICE_REVISION = re.compile(r"service_([0-9]+)")
# Use alembic.ini's logging settings, so each migration applied is reported.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


logger = logging.getLogger("alembic.env")


def write_revision(
    _context: MigrationContext, _revision: object, directives: list[MigrationScript]
) -> None:
    """Shape a new revision before Alembic writes it (its process_revision_directives)."""
    script = directives[0]
    script.rev_id = next_revision_id()
    # The service's own folder; migrations/template holds the template's revisions.
    script.version_path = str(SERVICE_VERSIONS)
    # Built on every head, unless --head names one: after a template update brought a
    # migration, the template's newest and the service's are two heads, and this joins them.
    if getattr(config.cmd_opts, "head", None) in (None, "head"):
        script.head = "heads"
    if not getattr(config.cmd_opts, "autogenerate", False):
        return  # `alembic revision` without --autogenerate: an empty one, to fill by hand
    upgrade_ops, downgrade_ops = script.upgrade_ops, script.downgrade_ops
    if isinstance(upgrade_ops, UpgradeOps) and upgrade_ops.is_empty():
        logger.warning(
            "No change to the models found (is every models.py saved?): revision %s is empty;"
            " fill it in by hand, for a data migration, or delete it",
            script.rev_id,
        )
    for ops in (upgrade_ops, downgrade_ops):
        if isinstance(ops, UpgradeOps | DowngradeOps):
            drop_tables_with_their_indexes(ops)


def next_revision_id() -> str:
    """service_0004 after service_0003: in order, and never an id the template uses."""
    scripts = ScriptDirectory.from_config(config).walk_revisions()
    matches = [SERVICE_REVISION.fullmatch(script.revision) for script in scripts]
    numbers = [int(match[1]) for match in matches if match]
    return f"service_{max(numbers, default=0) + 1:04d}"


def drop_tables_with_their_indexes(ops: UpgradeOps | DowngradeOps) -> None:
    """Leave out the index drops of a table that is dropped: the table takes its indexes
    along, and MySQL refuses to drop an index a foreign key needs while the table stays."""
    dropped = {op.table_name for op in ops.ops if isinstance(op, DropTableOp)}
    for table_ops in ops.ops:
        if isinstance(table_ops, ModifyTableOps) and table_ops.table_name in dropped:
            table_ops.ops = [op for op in table_ops.ops if not isinstance(op, DropIndexOp)]
    ops.ops = [op for op in ops.ops if not (isinstance(op, ModifyTableOps) and not op.ops)]


def check_foreign_keys(connection: Connection) -> None:
    """Stop, and so roll back, a migration that leaves rows referring to missing rows."""
    if connection.dialect.name != "sqlite":
        return  # the other databases check each statement
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise SystemExit(
            f"The migration would leave rows of {', '.join(tables)} that refer to rows that"
            " do not exist (PRAGMA foreign_key_check); it was rolled back."
        )


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
        process_revision_directives=write_revision,
        # One transaction for every migration of the run (see sqlite_in_one_transaction).
        transactional_ddl=True if connection.dialect.name == "sqlite" else None,
    )
    # Only while migrating: other reflection (the tests' drift check) sees the database as is.
    event.listen(Table, "column_reflect", keep_collation)
    event.listen(Table, "before_create", keep_autoincrement)
    try:
        with context.begin_transaction():
            context.run_migrations()
            check_foreign_keys(connection)
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
    # The tests hand over a connection to their own database; otherwise connect as the
    # migrations' user (MIGRATION_DATABASE_URL, else DATABASE_URL). Only the URLs are read:
    # migrating needs no SECRET_KEY, nor any other setting of the service's.
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = create_db_engine(load_database_urls().for_migrations)
    if engine.dialect.name == "sqlite":
        sqlite_in_one_transaction(engine)
    with connect(engine) as connection:
        run_migrations(connection)
    engine.dispose()


def sqlite_in_one_transaction(engine: Engine) -> None:
    """Make a failed migration on SQLite leave nothing behind, as on a server database.

    Python's sqlite3 begins a transaction only before a row is written, so the tables a
    migration had created or copied by then stayed after a failure (an `_alembic_tmp_users`
    that stops every later run). Here SQLite's transaction begins with the migration's first
    statement, as SQLAlchemy's documentation for pysqlite shows.

    Foreign keys are checked once at the end (check_foreign_keys), not at each statement:
    batch mode copies a table and drops the original, which would delete (ON DELETE
    CASCADE) or refuse the rows that refer to it.
    """
    event.listen(engine, "connect", _no_implicit_transactions)
    event.listen(engine, "begin", _begin)


def _no_implicit_transactions(dbapi_connection: Any, _connection_record: Any) -> None:
    dbapi_connection.isolation_level = None  # sqlite3 then sends no BEGIN of its own
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def connect(engine: Engine) -> Connection:
    """Connect, or stop with one line that says why not and what to do."""
    try:
        return engine.connect()
    except OperationalError as error:
        url = engine.url.render_as_string(hide_password=True)
{%- if cookiecutter.database != "sqlite" %}
        hint = "create it and its users first: `make database` (the create-database command)"
{%- else %}
        hint = "check DATABASE_URL (in .env or the environment)"
{%- endif %}
        raise SystemExit(f"Cannot connect to {url} ({error.orig}); {hint}.") from None


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not set up; run them against a database.")
run_migrations_online()
