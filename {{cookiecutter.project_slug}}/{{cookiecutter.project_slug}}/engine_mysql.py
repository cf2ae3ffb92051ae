"""The database engine, tuned for MySQL and MariaDB (PyMySQL driver)."""

from typing import Any

from sqlalchemy import Engine, create_engine, event

# As many connections stay open as FastAPI has worker threads (anyio's default is 40).
POOL_SIZE = 40


def create_db_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create the engine for a MySQL or MariaDB server.

    A read-only engine, for the requests that only read, runs each query on its own, in no
    transaction (autocommit), so a connection goes back to the pool without a ROLLBACK, a
    round trip to the server saved on every such request; and the server refuses to write
    through it.
    """
    engine = create_engine(
        url,
        # utf8mb4 is MySQL's full UTF-8: Korean, emoji and every other character round-trip.
        connect_args={"charset": "utf8mb4"},
        # The server closes idle connections (wait_timeout); check each one before use and
        # replace connections older than an hour, so a quiet night does not cost an error.
        pool_pre_ping=True,
        pool_recycle=3600,
        pool_size=POOL_SIZE,
        # Past the pool size, open another connection rather than wait for one: a request
        # waiting for a connection could otherwise block a thread that a request holding
        # one needs in order to finish. The server's max_connections (151 by default)
        # bounds them; raise it for many workers.
        max_overflow=-1,
        isolation_level="AUTOCOMMIT" if read_only else None,
        skip_autocommit_rollback=read_only,
    )
    if read_only:
        event.listen(engine, "connect", _refuse_writes)
    return engine


def _refuse_writes(dbapi_connection: Any, _connection_record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
