"""The database engine, tuned for MySQL and MariaDB (mysqlclient driver, `MySQLdb`).

mysqlclient wraps the C client library of MySQL or MariaDB; SQLAlchemy picks it for a plain
`mysql://` URL. It replaced PyMySQL, pure Python, whose parsing of each result's column
descriptions dominated the token check's read (the README compares the two). The price:
installing it compiles against the client library (the README's prerequisites).
"""

from functools import partial
from typing import Any

from sqlalchemy import Engine, create_engine, event

from {{ cookiecutter.project_slug }}.core.database.idle_ping import ping_when_idle

# The pool's bounds when the caller names none (the app passes its settings): at most this
# many connections, and a wait of this long for one to come free before TimeoutError.
POOL_SIZE = 10
POOL_TIMEOUT_SECONDS = 2.0
# Without a timeout (migrations, the commands), how long a connection may take: mysqlclient
# has no limit of its own, and a server behind a firewall that drops packets kept
# `alembic upgrade heads` waiting over two minutes.
CONNECT_TIMEOUT_SECONDS = 10
# With a timeout, the driver waits this much longer for an answer than the server lets a
# statement run, so that the server's own error (and a connection still in use) comes first.
SERVER_FIRST_SECONDS = 2


def create_db_engine(
    url: str,
    *,
    read_only: bool = False,
    pool_size: int = POOL_SIZE,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
    timeout: int | None = None,
) -> Engine:
    """Create the engine for a MySQL or MariaDB server.

    A read-only engine, for the requests that only read, runs each query on its own, in no
    transaction (autocommit), so a connection goes back to the pool without a ROLLBACK, a
    round trip to the server saved on every such request; and the server refuses to write
    through it.

    `timeout` bounds, in seconds, how long the server may keep a request waiting: the
    server stops a statement that runs or waits for a lock that long, and the driver gives
    up on a server that does not answer (or accept the connection) a moment later. The app
    sets it so that a busy, down or hung server costs a request seconds, not the drivers'
    default of waiting for ever; migrations leave it unset, as an ALTER TABLE on a large
    table may take minutes.
    """
    # utf8mb4 is MySQL's full UTF-8: Korean, emoji and every other character round-trip.
    connect_args: dict[str, Any] = {"charset": "utf8mb4"}
    connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    if timeout is not None:
        # The server's limits come first: when only the driver gave up, the server would go
        # on waiting (for a lock: 50 s by default) on a connection nobody uses any more,
        # while the pool opened another, until the server had none left for anyone.
        backstop = timeout + SERVER_FIRST_SECONDS
        connect_args |= {"connect_timeout": timeout, "read_timeout": backstop}
        connect_args["write_timeout"] = backstop
    engine = create_engine(
        url,
        connect_args=connect_args,
        # The server closes connections idle for wait_timeout (8 hours by default); replace
        # them well before, so a quiet night does not cost an error.
        pool_recycle=3600,
        # Bounded: workers x 2 engines x pool_size must stay below the server's
        # max_connections (the README's table). Past the bound a request waits pool_timeout
        # for a connection, then gets 503 (core/errors.py); it never holds one while it waits.
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        isolation_level="AUTOCOMMIT" if read_only else None,
        skip_autocommit_rollback=read_only,
        # An error's message leaves out the statement's values (a password hash among them):
        # it reaches the logs.
        hide_parameters=True,
    )
    if timeout is not None:
        event.listen(engine, "connect", partial(_limit_statements, seconds=timeout))
    ping_when_idle(engine, _ping)
    if read_only:
        event.listen(engine, "connect", _refuse_writes)
    return engine


def _limit_statements(dbapi_connection: Any, _connection_record: Any, *, seconds: int) -> None:
    """Make the server give up on a statement of this connection after `seconds`."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION innodb_lock_wait_timeout = %s", (seconds,))
        if "MariaDB" in dbapi_connection.get_server_info():
            cursor.execute("SET SESSION max_statement_time = %s", (seconds,))
        else:  # MySQL: milliseconds, and for SELECT statements only
            cursor.execute("SET SESSION max_execution_time = %s", (seconds * 1000,))


def _ping(dbapi_connection: Any) -> None:
    # No reconnect argument (mysqlclient 2.3 deprecates it): the ping never reconnects,
    # which would lose the session settings that the "connect" listeners made.
    dbapi_connection.ping()


def _refuse_writes(dbapi_connection: Any, _connection_record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
