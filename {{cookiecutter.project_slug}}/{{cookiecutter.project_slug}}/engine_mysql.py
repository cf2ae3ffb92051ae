"""The database engine, tuned for MySQL and MariaDB (PyMySQL driver)."""

import time
from typing import Any

import pymysql
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError

# As many connections stay open as FastAPI has worker threads (anyio's default is 40).
POOL_SIZE = 40
# A connection that sat unused this long may have been closed by the server, or by a proxy
# between, so it is checked with a ping before use. Under load, connections come back to
# the pool within milliseconds and skip that round trip, about a tenth of a read's cost.
PING_AFTER_IDLE_SECONDS = 10.0


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
        # The server closes connections idle for wait_timeout (8 hours by default); replace
        # them well before, so a quiet night does not cost an error.
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
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", _ping_if_idle)
    if read_only:
        event.listen(engine, "connect", _refuse_writes)
    return engine


def _note_idle_since(_dbapi_connection: Any, connection_record: Any) -> None:
    connection_record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, connection_record: Any, _connection_proxy: Any) -> None:
    """Check a connection that sat idle before a request uses it."""
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return  # new, or back in the pool only a moment ago
    try:
        dbapi_connection.ping(reconnect=False)
    except pymysql.Error as error:
        # The pool drops this connection and hands out another one, or a new one.
        raise DisconnectionError("the server closed this pooled connection") from error


def _refuse_writes(dbapi_connection: Any, _connection_record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
