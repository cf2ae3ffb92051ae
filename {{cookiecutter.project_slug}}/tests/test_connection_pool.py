"""The MySQL engine's pool: it pings a connection only when the server may have closed it."""

from collections.abc import Iterator
from typing import Any

import pymysql
import pytest
from sqlalchemy import Engine, text

from {{ cookiecutter.project_slug }} import engine as engine_module
from {{ cookiecutter.project_slug }}.engine import create_db_engine

CONNECTION_ID = text("SELECT CONNECTION_ID()")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record each ping that PyMySQL sends, and send it."""
    sent: list[object] = []
    ping = pymysql.connections.Connection.ping

    def recording_ping(connection: pymysql.connections.Connection, **kwargs: Any) -> None:
        sent.append(connection)
        ping(connection, **kwargs)

    monkeypatch.setattr(pymysql.connections.Connection, "ping", recording_ping)
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
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)

    second = connection_id(engine)

    assert second != first
    assert len(pings) == 1
