"""The PostgreSQL engine's connections: checked only when the server may have closed them,
and given up on by the server itself when a statement waits too long."""

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.core.database import idle_ping
from {{ cookiecutter.project_slug }}.core.database.engine import create_db_engine
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.rows import get_user_row
from tests.conftest import bearer, make_settings, token_for

BACKEND_PID = text("SELECT pg_backend_pid()")
# The server's own errors for a statement it stopped: a lock waited for too long, or a
# statement that ran too long (SQLSTATE 55P03 lock_not_available, 57014 query_canceled).
STOPPED_BY_THE_SERVER = {"55P03", "57014"}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record each empty query (the engine's ping) that psycopg sends, and send it."""
    sent: list[object] = []
    execute = psycopg.Connection.execute

    def recording_execute(connection: psycopg.Connection[Any], query: Any, *args: Any) -> Any:
        if query == "":
            sent.append(connection)
        return execute(connection, query, *args)

    monkeypatch.setattr(psycopg.Connection, "execute", recording_execute)
    return sent


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(BACKEND_PID).scalar_one())


def test_a_connection_back_a_moment_ago_is_used_without_a_ping(
    engine: Engine, pings: list[object]
) -> None:
    first = backend_pid(engine)

    assert backend_pid(engine) == first
    assert pings == []


def test_a_connection_the_server_closed_while_idle_is_replaced(
    engine: Engine, database_url: str, pings: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = backend_pid(engine)
    admin = create_db_engine(database_url)
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    admin.dispose()
    monkeypatch.setattr(idle_ping, "PING_AFTER_IDLE_SECONDS", 0.0)

    second = backend_pid(engine)

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
            first.execute(BACKEND_PID).scalar_one(),
            second.execute(BACKEND_PID).scalar_one(),
        }
    admin_engine = create_db_engine(database_url)
    with admin_engine.connect() as admin:
        for pid in dropped:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin_engine.dispose()

    with engine.connect() as connection:
        assert get_user_row(connection, user_id=1) is None  # the test database has no users

    assert backend_pid(engine) not in dropped
    engine.dispose()


def terminate(database_url: str, pids: set[int]) -> None:
    """End these server processes, as a restart or an administrator would."""
    admin = create_db_engine(database_url)
    with admin.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_the_server_dropped_is_not_handed_out_again(
    database_url: str, client: TestClient, user: User
) -> None:
    # One connection for writes and one for reads, both dropped by the server a moment
    # after their last use (too soon for a ping): the next requests must get new ones.
    app = create_app(make_settings(database_url, database_pool_size=1))
    headers = bearer(token_for(user, app.state.settings))
    try:
        with TestClient(app) as pooled:
            warm_up = pooled.patch(f"/api/v1/users/{user.id}", json={"age": 31}, headers=headers)
            assert warm_up.status_code == 200, warm_up.text
            terminate(database_url, {backend_pid(app.state.engine)})
            terminate(database_url, {backend_pid(app.state.read_engine)})

            first = pooled.patch(f"/api/v1/users/{user.id}", json={"age": 32}, headers=headers)
            then = [
                pooled.patch(f"/api/v1/users/{user.id}", json={"age": 33}, headers=headers),
                pooled.get("/api/v1/users/me", headers=headers),
                pooled.get("/health"),
            ]
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()

    # The write on the dropped connection may fail (503: try again), never what follows.
    assert first.status_code in {200, 503}, first.text
    assert [response.status_code for response in then] == [200, 200, 200]


def test_a_ping_leaves_no_transaction_open(
    engine: Engine, pings: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend_pid(engine)
    monkeypatch.setattr(idle_ping, "PING_AFTER_IDLE_SECONDS", 0.0)

    with engine.connect() as connection:
        status = connection.connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]

    assert len(pings) == 1
    assert status == psycopg.pq.TransactionStatus.IDLE


def test_the_server_stops_a_statement_that_waits_for_a_lock_past_the_timeout(
    database_url: str,
) -> None:
    # Were only the driver to give up, the server would keep the statement, and its
    # connection, waiting for the lock while the pool opened another.
    holder, limited = create_db_engine(database_url), create_db_engine(database_url, timeout=1)
    with holder.begin() as setup:
        setup.execute(text("CREATE TABLE lock_probe (id INT PRIMARY KEY)"))
        setup.execute(text("INSERT INTO lock_probe VALUES (1)"))
    try:
        with holder.begin() as locker, limited.connect() as waiter:
            # Should the limit be missing, the server still ends this hold in 10 s: the test
            # then fails instead of waiting for ever.
            locker.execute(text("SET LOCAL idle_in_transaction_session_timeout = '10s'"))
            locker.execute(text("SELECT id FROM lock_probe WHERE id = 1 FOR UPDATE"))
            with pytest.raises(OperationalError) as stopped:
                waiter.execute(text("UPDATE lock_probe SET id = 1 WHERE id = 1"))
            waiter.rollback()

            error = stopped.value.orig
            assert isinstance(error, psycopg.Error)
            assert error.sqlstate in STOPPED_BY_THE_SERVER, error
            assert waiter.execute(text("SELECT 1")).scalar_one() == 1  # still in use
    finally:
        with holder.begin() as cleanup:
            cleanup.execute(text("DROP TABLE lock_probe"))
        holder.dispose()
        limited.dispose()


def test_the_server_stops_a_statement_that_runs_past_the_timeout(database_url: str) -> None:
    limited = create_db_engine(database_url, timeout=1)
    try:
        with limited.connect() as connection:
            with pytest.raises(OperationalError) as stopped:
                connection.execute(text("SELECT pg_sleep(5)"))
            connection.rollback()

            error = stopped.value.orig
            assert isinstance(error, psycopg.Error)
            assert error.sqlstate == "57014", error  # query_canceled, by statement_timeout
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        limited.dispose()
