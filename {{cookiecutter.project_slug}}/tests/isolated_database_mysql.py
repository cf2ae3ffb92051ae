"""The test database: created on the server at TEST_DATABASE_URL, dropped afterwards."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.project_slug }}.core.config import require_mysqlclient

# Nothing listens on port 9 (discard) here: the database is "down".
UNREACHABLE_DATABASE_URL = "mysql+mysqldb://root@127.0.0.1:9/unreachable"


class TestServerSettings(BaseSettings):
    """TEST_DATABASE_URL, from the environment or .env."""

    __test__ = False  # not a test class, despite its name
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

{#- As ruff formats it: in parentheses when the line is too long but the string alone fits. #}
{%- set url_length = ("mysql+mysqldb://root@127.0.0.1:3306/" ~ cookiecutter.project_slug ~ "_test") | length %}
{%- if url_length + 31 <= 100 or url_length + 10 > 100 %}

    test_database_url: str = "mysql+mysqldb://root@127.0.0.1:3306/{{ cookiecutter.project_slug }}_test"
{%- else %}

    test_database_url: str = (
        "mysql+mysqldb://root@127.0.0.1:3306/{{ cookiecutter.project_slug }}_test"
    )
{%- endif %}


@contextmanager
def isolated_database(name: str = "test") -> Iterator[str]:
    """Yield the URL of a new, empty database on the test server; drop it afterwards."""
    test_database_url = TestServerSettings().test_database_url
    try:
        require_mysqlclient(test_database_url)  # an earlier bake's .env may name PyMySQL
    except ValueError as error:
        pytest.exit(f"TEST_DATABASE_URL: {error} (environment or .env).", returncode=3)
    base_url = make_url(test_database_url)
    if not (base_url.database or "").endswith("_test"):
        # The tests drop this database and create it again: never one that may hold data.
        pytest.exit(
            f"TEST_DATABASE_URL names the database {base_url.database!r}; the tests drop and"
            " re-create it, so its name must end in _test (environment or .env).",
            returncode=3,
        )
    url = base_url.set(database=f"{base_url.database}{'' if name == 'test' else '_' + name}")
    # Connect to the server without choosing a database, to create and drop ours.
    server = create_engine(url.set(database=""), connect_args={"charset": "utf8mb4"})
    try:
        _execute(server, url, "DROP DATABASE IF EXISTS `{}`")
    except OperationalError as error:
        server.dispose()
        pytest.exit(
            f"Cannot use the MySQL server at {url.render_as_string(hide_password=True)}"
            f" ({error.orig}); start it, or point TEST_DATABASE_URL at another (environment"
            " or .env).",
            returncode=3,
        )
    _execute(server, url, "CREATE DATABASE `{}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _execute(server, url, "DROP DATABASE IF EXISTS `{}`")
        server.dispose()


def _execute(server: Engine, url: URL, statement: str) -> None:
    with server.connect() as connection:
        connection.execute(text(statement.format(url.database)))


@contextmanager
def stalled_database(_url: str) -> Iterator[str]:
    """The URL of a server that takes connections and never answers: a hung server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # the kernel completes each connection; nobody ever reads it
        port = listener.getsockname()[1]
        yield f"mysql+mysqldb://root@127.0.0.1:{port}/stalled"


@contextmanager
def locked_tables(url: str, *tables: str) -> Iterator[None]:
    """Another session holds these tables locked: every read and write of them waits."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            locks = ", ".join(f"{table} WRITE" for table in tables)
            connection.execute(text(f"LOCK TABLES {locks}"))
            try:
                yield
            finally:
                connection.execute(text("UNLOCK TABLES"))
    finally:
        engine.dispose()
