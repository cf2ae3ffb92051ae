"""The database engine, tuned for PostgreSQL (psycopg 3 driver)."""

from typing import Any

from sqlalchemy import Engine, create_engine

from {{ cookiecutter.project_slug }}.core.database.idle_ping import ping_when_idle

# The pool's bounds when the caller names none (the app passes its settings): at most this
# many connections, and a wait of this long for one to come free before TimeoutError.
POOL_SIZE = 10
POOL_TIMEOUT_SECONDS = 2.0


def create_db_engine(
    url: str,
    *,
    read_only: bool = False,
    pool_size: int = POOL_SIZE,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
    timeout: int | None = None,
) -> Engine:
    """Create the engine for a PostgreSQL server.

    A read-only engine, for the requests that only read, runs each query on its own, in no
    transaction (autocommit), so a connection goes back to the pool without a ROLLBACK, a
    round trip to the server saved on every such request; and the server refuses to write
    through it (every transaction of its sessions is read-only).

    `timeout` bounds, in seconds, how long the server may keep a request waiting: it
    cancels a statement that runs, or waits for a lock, that long, and the driver gives up
    on a server that does not accept the connection in that time. The app sets it so that
    a busy, down or hung server costs a request seconds, not the drivers' default of
    waiting for ever; migrations leave it unset, as an ALTER TABLE on a large table may
    take minutes.
    """
    # Settings of each session, sent with the connection: no extra round trip.
    settings = []
    if read_only:
        settings.append("default_transaction_read_only=on")
    # No server-side prepared statements (psycopg prepares a query after its fifth run on a
    # connection): this app's queries take the server next to no time to plan, preparing
    # them made each request cost more CPU, not less (the template's benchmark), and a
    # pooler in transaction mode (PgBouncer before 1.21) cannot keep them.
    connect_args: dict[str, Any] = {"prepare_threshold": None}
    if timeout is not None:
        # The server's limits: it stops the statement and keeps the connection usable, where
        # a client that only stopped waiting would leave the server working on, or holding
        # locks for, a request nobody waits for any more.
        milliseconds = timeout * 1000
        settings += [f"statement_timeout={milliseconds}", f"lock_timeout={milliseconds}"]
        # The network's: data the server never acknowledges (a cable pulled, a host gone)
        # fails the connection after this long instead of TCP's quarter of an hour.
        connect_args |= {"connect_timeout": timeout, "tcp_user_timeout": milliseconds}
    if settings:
        connect_args["options"] = " ".join(f"-c {setting}" for setting in settings)
    engine = create_engine(
        url,
        connect_args=connect_args,
        # Proxies and load balancers close connections idle for a while; replace them well
        # before, so a quiet night does not cost an error.
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
    ping_when_idle(engine, _ping)
    return engine


def _ping(dbapi_connection: Any) -> None:
    # An empty query, outside any transaction: one round trip, nothing begun.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("")
    dbapi_connection.autocommit = autocommit
