"""The test database: created on the server at TEST_DATABASE_URL, dropped afterwards."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

# Nothing listens on port 9 (discard) here: the database is "down".
UNREACHABLE_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:9/unreachable"


class TestServerSettings(BaseSettings):
    """TEST_DATABASE_URL, from the environment or .env."""

    __test__ = False  # not a test class, despite its name
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

{#- As ruff formats it: in parentheses when the line is too long but the string alone fits. #}
{%- set url_length = ("postgresql+psycopg://postgres@127.0.0.1:5432/" ~ cookiecutter.project_slug ~ "_test") | length %}
{%- if url_length + 31 <= 100 or url_length + 10 > 100 %}

    test_database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}_test"
{%- else %}

    test_database_url: str = (
        "postgresql+psycopg://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}_test"
    )
{%- endif %}


@contextmanager
def isolated_database(name: str = "test") -> Iterator[str]:
    """Yield the URL of a new, empty database on the test server; drop it afterwards."""
    base_url = make_url(TestServerSettings().test_database_url)
    if not (base_url.database or "").endswith("_test"):
        # The tests drop this database and create it again: never one that may hold data.
        pytest.exit(
            f"TEST_DATABASE_URL names the database {base_url.database!r}; the tests drop and"
            " re-create it, so its name must end in _test (environment or .env).",
            returncode=3,
        )
    url = base_url.set(database=f"{base_url.database}{'' if name == 'test' else '_' + name}")
    # CREATE and DROP DATABASE run outside a transaction, from the server's own database.
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        _execute(server, url, 'DROP DATABASE IF EXISTS "{}" WITH (FORCE)')
    except OperationalError as error:
        server.dispose()
        pytest.exit(
            f"Cannot use the PostgreSQL server at {url.render_as_string(hide_password=True)}"
            f" ({error.orig}); start it, or point TEST_DATABASE_URL at another (environment"
            " or .env).",
            returncode=3,
        )
    # template0: a copy of nothing but the server's defaults, in UTF-8 whatever they are.
    _execute(server, url, "CREATE DATABASE \"{}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        # WITH (FORCE): a connection a failed test left open does not keep the database.
        _execute(server, url, 'DROP DATABASE IF EXISTS "{}" WITH (FORCE)')
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
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/stalled"


@contextmanager
def locked_tables(url: str, *tables: str) -> Iterator[None]:
    """Another session holds these tables locked: every read and write of them waits."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
            yield  # the transaction's end releases the lock
    finally:
        engine.dispose()
