"""The database engine, tuned for SQLite."""

from typing import Any

from sqlalchemy import Engine, create_engine, event

# As many connections stay open as FastAPI has worker threads (anyio's default is 40).
POOL_SIZE = 40


def create_db_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create the engine for a SQLite database file.

    A read-only engine, for the requests that only read, runs each query on its own, in no
    transaction (autocommit), so a connection goes back to the pool without a ROLLBACK;
    and SQLite refuses to write through it.
    """
    engine = create_engine(
        url,
        # A request may use its connection in the event loop and in a worker thread.
        connect_args={"check_same_thread": False},
        pool_size=POOL_SIZE,
        # Past the pool size, open another connection rather than wait for one: a request
        # waiting for a connection could otherwise block a thread that a request holding
        # one needs in order to finish.
        max_overflow=-1,
        isolation_level="AUTOCOMMIT" if read_only else None,
        skip_autocommit_rollback=read_only,
    )
    event.listen(engine, "connect", _configure_connection)
    if read_only:
        event.listen(engine, "connect", _refuse_writes)
    return engine


def _configure_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a request writes; the busy timeout makes a second writer
    # wait for the lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL is safe from corruption and skips the disk flush at each commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _refuse_writes(dbapi_connection: Any, _connection_record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only=ON")
