"""The database engine, tuned for SQLite."""

from typing import Any

from sqlalchemy import Engine, create_engine, event


def create_db_engine(url: str) -> Engine:
    """Create the engine for a SQLite database file."""
    # FastAPI runs `def` endpoints in worker threads, so a connection may be used by a
    # thread other than the one that opened it; the pool keeps one thread per connection.
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _configure_connection)
    return engine


def _configure_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a request writes; the busy timeout makes a second writer
    # wait for the lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
