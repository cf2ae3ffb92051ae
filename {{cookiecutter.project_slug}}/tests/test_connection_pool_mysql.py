"""The MySQL engine's connections: pinged only when the server may have closed them, and
given up on by the server itself when a statement waits too long."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from MySQLdb.connections import Connection
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.project_slug }}.core.database import idle_ping
from {{ cookiecutter.project_slug }}.core.database.engine import create_db_engine
from {{ cookiecutter.project_slug }}.users.rows import get_user_row

CONNECTION_ID = text("SELECT CONNECTION_ID()")
# The server's own errors for a statement it stopped: a lock waited for too long, or a
# statement that ran too long (MariaDB's max_statement_time, MySQL's max_execution_time).
STOPPED_BY_THE_SERVER = {1205, 1969, 3024}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record each ping that mysqlclient sends, and send it."""
    sent: list[object] = []
    # Callable: older type stubs of mysqlclient leave ping() untyped, which mypy refuses.
    ping: Callable[..., None] = Connection.ping

    def recording_ping(connection: Connection, *args: Any) -> None:
        sent.append(connection)
        ping(connection, *args)

    monkeypatch.setattr(Connection, "ping", recording_ping)
    return sent


def connection_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(CONNECTION_ID).scalar_one())


def test_a_connection_back_a_moment_ago_is_used_without_a_ping(
    engine: Engine, pings: list[object]
) -> None:
    first = connection_id(engine)

    assert connection_id(engine) == first
    assert pings == []


def test_a_connection_the_server_closed_while_idle_is_replaced(
    engine: Engine, database_url: str, pings: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = connection_id(engine)
    with create_db_engine(database_url).connect() as admin:
        admin.execute(text(f"KILL {first}"))
    monkeypatch.setattr(idle_ping, "PING_AFTER_IDLE_SECONDS", 0.0)

    second = connection_id(engine)

    assert second != first
    assert len(pings) == 1


def test_the_user_read_survives_the_server_dropping_every_pooled_connection(
    database_url: str,
) -> None:
    # A server restart drops every pooled connection. The token check reads through the
    # driver's cursor (users/rows.py), not SQLAlchemy's execute: it must still give the
    # dead connections up, all of them, and answer from a new one. On the read-only engine,
    # as the app's: no ROLLBACK on return to the pool would notice a dead connection.
    engine = create_db_engine(database_url, read_only=True)
    with engine.connect() as first, engine.connect() as second:
        dropped = {
            first.execute(CONNECTION_ID).scalar_one(),
            second.execute(CONNECTION_ID).scalar_one(),
        }
    admin_engine = create_db_engine(database_url)
    with admin_engine.connect() as admin:
        for pid in dropped:
            admin.execute(text(f"KILL {pid}"))
    admin_engine.dispose()

    with engine.connect() as connection:
        assert get_user_row(connection, user_id=1) is None  # the test database has no users

    assert connection_id(engine) not in dropped
    engine.dispose()


def test_the_server_stops_a_statement_that_waits_for_a_lock_past_the_timeout(
    database_url: str,
) -> None:
    # Were only the driver to give up, the server would keep the statement, and its
    # connection, waiting for the lock (50 s by default) while the pool opened another.
    holder, limited = create_db_engine(database_url), create_db_engine(database_url, timeout=1)
    with holder.begin() as setup:
        setup.execute(text("CREATE TABLE lock_probe (id INT PRIMARY KEY)"))
        setup.execute(text("INSERT INTO lock_probe VALUES (1)"))
    try:
        with holder.begin() as locker, limited.connect() as waiter:
            locker.execute(text("SELECT id FROM lock_probe WHERE id = 1 FOR UPDATE"))
            with pytest.raises(OperationalError) as stopped:
                waiter.execute(text("UPDATE lock_probe SET id = 1 WHERE id = 1"))
            waiter.rollback()

            error = stopped.value.orig
            assert error is not None
            assert error.args[0] in STOPPED_BY_THE_SERVER, error  # not the driver's 2013
            assert waiter.execute(text("SELECT 1")).scalar_one() == 1  # still in use
    finally:
        with holder.begin() as cleanup:
            cleanup.execute(text("DROP TABLE lock_probe"))
        holder.dispose()
        limited.dispose()
