"""Read one user by id through the database driver's own cursor: the token check's query.

Every signed-in request reads its user, so this query's cost is paid on every request.
SQLAlchemy's way (execute, a Result, its column descriptions, a Row) costs more CPU than
the query itself: reading through the driver's cursor instead took a good share off the CPU
of GET /api/v1/users/me (the template's benchmark). Nothing else is lost: the query is still
SQLAlchemy's, compiled once for the database; each value is converted by its column's type
as SQLAlchemy would (UTC attached to times, SQLite's 0 and 1 made booleans); and a driver
error becomes SQLAlchemy's, which is answered with 503 (core/errors.py).
"""

import contextlib
import functools
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Dialect, Select, bindparam, select
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.project_slug }}.users.models import User


class UserRow(NamedTuple):
    """A user as the API shows it, and the version its tokens must carry; no password hash."""

    id: int
    username: str
    age: int | None
    email: str | None
    email_verified: bool
    is_active: bool
    is_superuser: bool
    created_at: datetime
    updated_at: datetime
    token_version: int


USER_ROW_BY_ID = select(*(User.__table__.c[name] for name in UserRow._fields)).where(
    User.id == bindparam("user_id")
)


class UserRowQuery:
    """A query of UserRow's columns (USER_ROW_BY_ID, or another with more conditions) in one
    database's SQL, with its columns' conversions."""

    def __init__(self, dialect: Dialect, query: Select[Any]) -> None:
        compiled = query.compile(dialect=dialect)
        self.dialect = dialect
        self.sql = str(compiled)
        # SQLite's and MySQL's drivers take their values in order, PostgreSQL's by name.
        self.order = compiled.positiontup if compiled.positional else None
        # Each column type's version for this database does the converting (SQLite's
        # DateTime parses the text SQLite keeps).
        self.conversions = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in query.selected_columns
        ]

    def run(self, connection: Connection, **bound: int) -> UserRow | None:
        try:
            return self.read(connection, bound)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        # The server dropped the connection: it restarted, most likely, and every other
        # connection in the pool is dead too. As SQLAlchemy does for its own queries,
        # close them all; then read once more on a new one (a read may be repeated), so
        # that a failover costs no request an error.
        connection.engine.pool.dispose()
        with connection.engine.connect() as new_connection:
            return self.read(new_connection, bound)

    def read(self, connection: Connection, bound: dict[str, int]) -> UserRow | None:
        parameters: Any = bound if self.order is None else [bound[name] for name in self.order]
        dbapi_connection = connection.connection.dbapi_connection
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, parameters)
            values = cursor.fetchone()
        except self.dialect.loaded_dbapi.Error as error:
            # As SQLAlchemy would: a connection the server dropped does not go back to
            # the pool, and the error is raised as SQLAlchemy's (OperationalError: 503).
            disconnected = self.dialect.is_disconnect(error, dbapi_connection, cursor)
            if disconnected:
                connection.invalidate(error)
            raise DBAPIError.instance(
                self.sql,
                parameters,
                error,
                self.dialect.loaded_dbapi.Error,
                connection_invalidated=disconnected,
            ) from error
        finally:
            # Quietly, as SQLAlchemy closes its own cursors: on a connection the server
            # dropped, closing fails too (mysqlclient's does), which must not hide why.
            with contextlib.suppress(self.dialect.loaded_dbapi.Error):
                cursor.close()
        if values is None:
            return None
        return UserRow._make(
            value if convert is None else convert(value)
            for convert, value in zip(self.conversions, values, strict=True)
        )


@functools.cache
def user_row_query(dialect: Dialect, query: Select[Any] = USER_ROW_BY_ID) -> UserRowQuery:
    """Compiled once for each engine's dialect (an app has two engines, both lasting)."""
    return UserRowQuery(dialect, query)


def get_user_row(connection: Connection, *, user_id: int) -> UserRow | None:
    """The user with this id, or None; for the reads that only answer with its columns."""
    return user_row_query(connection.dialect).run(connection, user_id=user_id)
