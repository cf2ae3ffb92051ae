"""Check a pooled connection that sat idle before a request uses it (the server databases).

A connection left unused for a while may have been closed by the server, or by a proxy
between. Under load, connections come back to the pool within moments and skip the check,
a round trip to the server; one that waited longer is pinged first, and a dead one is
replaced before any request sees it.
"""

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

# A connection back in the pool for less than this is handed out without a ping.
PING_AFTER_IDLE_SECONDS = 10.0


def ping_when_idle(engine: Engine, ping: Callable[[Any], None]) -> None:
    """Make the engine's pool run `ping` on a connection that sat idle, before handing it out.

    `ping` takes the driver's connection and raises the driver's error if it is dead.
    """
    errors = engine.dialect.loaded_dbapi.Error  # the driver's
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", partial(_ping_if_idle, ping=ping, errors=errors))


def _note_idle_since(_dbapi_connection: Any, connection_record: Any) -> None:
    connection_record.info["idle_since"] = time.monotonic()


def _ping_if_idle(
    dbapi_connection: Any,
    connection_record: Any,
    _connection_proxy: Any,
    *,
    ping: Callable[[Any], None],
    errors: type[Exception],
) -> None:
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return  # new, or back in the pool only a moment ago
    try:
        ping(dbapi_connection)
    except errors as error:
        # The pool drops this connection and hands out another one, or a new one.
        raise DisconnectionError("the server closed this pooled connection") from error
