"""The shared database servers the tests use: MySQL/MariaDB on 127.0.0.1:3306 (root, no
password) and PostgreSQL on 127.0.0.1:5432 (postgres, trust). Each test that needs one makes
databases of unique names there and drops them; none ever stops a shared server."""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pymysql
import pytest

MYSQL_HOST, MYSQL_PORT, MYSQL_USER = "127.0.0.1", 3306, "root"
# For baked projects, through their driver (mysqlclient); the template's own connections
# below go through PyMySQL, which its dev group installs with no C compiler.
MYSQL_SERVER_URL = f"mysql+mysqldb://{MYSQL_USER}@{MYSQL_HOST}:{MYSQL_PORT}"
POSTGRESQL_HOST, POSTGRESQL_PORT, POSTGRESQL_USER = "127.0.0.1", 5432, "postgres"
POSTGRESQL_SERVER_URL = (
    f"postgresql+psycopg://{POSTGRESQL_USER}@{POSTGRESQL_HOST}:{POSTGRESQL_PORT}"
)
SERVER_NAMES = {"mysql": "MySQL", "postgresql": "PostgreSQL"}


def mysql_connection() -> pymysql.connections.Connection:
    return pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user=MYSQL_USER, connect_timeout=5)


def postgresql_connection() -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the server's own database, outside transactions (CREATE DATABASE)."""
    return psycopg.connect(
        host=POSTGRESQL_HOST,
        port=POSTGRESQL_PORT,
        user=POSTGRESQL_USER,
        dbname="postgres",
        connect_timeout=5,
        autocommit=True,
    )


def server_problem(database: str) -> str | None:
    """Why the server of this database cannot be used, or None when it answers."""
    try:
        if database == "mysql":
            mysql_connection().close()
            return None
        postgresql_connection().close()
    except (OSError, pymysql.Error, psycopg.Error) as error:
        host, port, user = (
            (MYSQL_HOST, MYSQL_PORT, MYSQL_USER)
            if database == "mysql"
            else (POSTGRESQL_HOST, POSTGRESQL_PORT, POSTGRESQL_USER)
        )
        return f"no {SERVER_NAMES[database]} server answers at {host}:{port} as {user} ({error})"
    return None


def require_server(database: str) -> None:
    """Skip when the database's server is down, except in CI, where every tier must run."""
    if database not in SERVER_NAMES:
        return  # SQLite: a file
    problem = server_problem(database)
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}; CI=true needs it (.ci/run starts it)")
    pytest.skip(f"{problem}; start it to run the {SERVER_NAMES[database]} tests")


def require_mysql() -> None:
    require_server("mysql")


@contextmanager
def mysql_database() -> Iterator[str]:
    """Create a database of a unique name; yield its URL; drop it and its _test twin."""
    name = f"template_{secrets.token_hex(4)}"
    with mysql_connection() as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield f"{MYSQL_SERVER_URL}/{name}"
    finally:
        with mysql_connection() as connection, connection.cursor() as cursor:
            for database in (name, f"{name}_test"):
                cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")


@contextmanager
def postgresql_database() -> Iterator[str]:
    """Create a database of a unique name; yield its URL; drop it and its _test twin."""
    name = f"template_{secrets.token_hex(4)}"
    with postgresql_connection() as connection:
        connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        yield f"{POSTGRESQL_SERVER_URL}/{name}"
    finally:
        with postgresql_connection() as connection:
            for database in (name, f"{name}_test"):
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def server_settings(database: str) -> Iterator[dict[str, str]]:
    """DATABASE_URL and TEST_DATABASE_URL of new databases on the database's server; {} for
    SQLite, whose project uses the file its .env names. Requires the server (see above).

    MIGRATION_DATABASE_URL names the same database, so that the migrations too go there rather
    than to the database of the project's .env (both as the server's administrator)."""
    if database not in SERVER_NAMES:
        yield {}
        return
    require_server(database)
    make_database = mysql_database if database == "mysql" else postgresql_database
    with make_database() as url:
        yield {
            "DATABASE_URL": url,
            "MIGRATION_DATABASE_URL": url,
            "TEST_DATABASE_URL": f"{url}_test",
        }


@contextmanager
def dropped_afterwards(database: str, prefix: str) -> Iterator[None]:
    """Drop every database and account whose name starts with `prefix` on the database's
    server when the block ends, also when it failed: for a project that makes its own with
    `make database` (names from its project_slug, which the test makes unique). SQLite: a
    file in the project, nothing to drop."""
    try:
        yield
    finally:
        if database == "mysql":
            _drop_mysql(prefix)
        elif database == "postgresql":
            _drop_postgresql(prefix)


def _drop_mysql(prefix: str) -> None:
    with mysql_connection() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
        for (name,) in cursor.fetchall():
            if name.startswith(prefix):
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute("SELECT User, Host FROM mysql.user")
        for user, host in cursor.fetchall():
            if user.startswith(prefix):
                cursor.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")


def _drop_postgresql(prefix: str) -> None:
    """The databases first: PostgreSQL keeps a role that owns or may use something."""
    with postgresql_connection() as connection:
        names = connection.execute("SELECT datname FROM pg_database").fetchall()
        for (name,) in names:
            if str(name).startswith(prefix):
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        roles = connection.execute("SELECT rolname FROM pg_roles").fetchall()
        for (role,) in roles:
            if str(role).startswith(prefix):
                connection.execute(f'DROP ROLE IF EXISTS "{role}"')
