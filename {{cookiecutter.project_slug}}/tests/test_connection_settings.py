"""The SQLite engine's connections: writers never wait for readers, and foreign keys hold."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from {{ cookiecutter.project_slug }}.core.database.engine import create_db_engine
from tests.isolated_database import isolated_database


@pytest.fixture
def engine() -> Iterator[Engine]:
    """The engine on a new database file of its own, with a table of notes and their owners."""
    with isolated_database("engine") as url:
        engine = create_db_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE owners (id INTEGER PRIMARY KEY)")
            connection.exec_driver_sql(
                "CREATE TABLE notes (body TEXT, owner_id INTEGER REFERENCES owners (id))"
            )
            connection.exec_driver_sql("INSERT INTO owners (id) VALUES (1)")
            connection.exec_driver_sql("INSERT INTO notes (body, owner_id) VALUES ('first', 1)")
        yield engine
        engine.dispose()


def test_a_write_commits_while_another_connection_is_in_the_middle_of_a_read(
    engine: Engine,
) -> None:
    # Write-ahead logging: without it, the commit would wait for the reader to finish and
    # then fail with "database is locked".
    count_notes = "SELECT count(*) FROM notes"
    with engine.connect() as reader, engine.connect() as writer:
        reader.exec_driver_sql("BEGIN")
        assert reader.exec_driver_sql(count_notes).scalar_one() == 1

        writer.exec_driver_sql("INSERT INTO notes (body, owner_id) VALUES ('second', 1)")
        writer.commit()

        # The reader keeps the view its read began with, and sees the write afterwards.
        assert reader.exec_driver_sql(count_notes).scalar_one() == 1
        reader.rollback()
        assert reader.exec_driver_sql(count_notes).scalar_one() == 2


def test_a_row_that_refers_to_a_missing_row_is_refused(engine: Engine) -> None:
    # SQLite checks foreign keys only on connections that ask it to.
    with engine.connect() as connection, pytest.raises(IntegrityError):
        connection.exec_driver_sql("INSERT INTO notes (body, owner_id) VALUES ('lost', 2)")
