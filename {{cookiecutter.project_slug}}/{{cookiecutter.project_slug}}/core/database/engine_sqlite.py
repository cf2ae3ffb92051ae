"""The database engine, tuned for SQLite."""

from typing import Any

from sqlalchemy import Engine, create_engine, event

# The pool's bounds when the caller names none (the app passes its settings): at most this
# many connections, and a wait of this long for one to come free before TimeoutError.
POOL_SIZE = 10
POOL_TIMEOUT_SECONDS = 2.0
# How long a write waits for another writer's lock when the caller names no timeout.
BUSY_TIMEOUT_SECONDS = 5


def create_db_engine(
    url: str,
    *,
    read_only: bool = False,
    pool_size: int = POOL_SIZE,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
    timeout: int | None = None,
) -> Engine:
    """Create the engine for a SQLite database file.

    A read-only engine, for the requests that only read, runs each query on its own, in no
    transaction (autocommit), so a connection goes back to the pool without a ROLLBACK;
    and SQLite refuses to write through it.

    `timeout` is how long, in seconds, a write waits for another writer's lock (the busy
    timeout) before it fails, and the request gets 503 (core/errors.py).
    """
    engine = create_engine(
        url,
        connect_args={
            # A request may use its connection in the event loop and in a worker thread.
            "check_same_thread": False,
            # The busy timeout: a second writer waits this long for the lock, instead of
            # failing at once. From the first statement on, setting up the connection too.
            "timeout": BUSY_TIMEOUT_SECONDS if timeout is None else timeout,
        },
        pool_size=pool_size,
        # Writes run in worker threads: past pool_size, a write waits pool_timeout for a
        # connection, then gets 503 (core/errors.py). Reads also run in the event loop (the token
        # check), where waiting for a connection would stall every request, including
        # those that would give one back; a SQLite connection costs only this process's
        # memory, so reads open another.
        max_overflow=-1 if read_only else 0,
        pool_timeout=pool_timeout,
        isolation_level="AUTOCOMMIT" if read_only else None,
        skip_autocommit_rollback=read_only,
        # An error's message leaves out the statement's values (a password hash among them):
        # it reaches the logs.
        hide_parameters=True,
    )
    event.listen(engine, "connect", _configure_connection)
    if read_only:
        event.listen(engine, "connect", _refuse_writes)
    return engine


def _configure_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a request writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL is safe from corruption and skips the disk flush at each commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _refuse_writes(dbapi_connection: Any, _connection_record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only=ON")
