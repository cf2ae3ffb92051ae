"""The read-only engine behind GET requests: no transaction, no writes."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.project_slug }}.core.database.engine import create_db_engine
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import UserFactory

# How the database says no ("read-only", "READ ONLY", "readonly"); drivers file it under
# different errors (an OperationalError for SQLite and MySQL, an InternalError for
# PostgreSQL), so the tests read the message.
REFUSED_AS_READ_ONLY = r"(?i)read.?only"


@pytest.fixture
def read_engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url, read_only=True)
    yield engine
    engine.dispose()


def test_the_database_refuses_a_write_through_it(
    read_engine: Engine, create_user: UserFactory
) -> None:
    alice = create_user("alice", age=30)
    set_age = update(User).where(User.id == alice.id).values(age=31)

    with (
        read_engine.connect() as connection,
        pytest.raises(DBAPIError, match=REFUSED_AS_READ_ONLY),
    ):
        connection.execute(set_age)

    with read_engine.connect() as connection:
        assert connection.scalar(select(User.age).where(User.id == alice.id)) == 30


def test_each_query_sees_what_was_committed_before_it(
    read_engine: Engine, create_user: UserFactory
) -> None:
    # In a transaction, MySQL would answer from the snapshot of its first read.
    count_users = select(func.count()).select_from(User)
    with read_engine.connect() as connection:
        before = connection.execute(count_users).scalar_one()
        create_user("alice")

        assert connection.scalar(count_users) == before + 1


def test_the_apps_read_sessions_refuse_writes(app: FastAPI, create_user: UserFactory) -> None:
    # What the app wires up, not only what create_db_engine can make.
    alice = create_user("alice", age=30)
    with (
        app.state.read_session_factory() as session,
        pytest.raises(DBAPIError, match=REFUSED_AS_READ_ONLY),
    ):
        session.execute(update(User).where(User.id == alice.id).values(age=31))
