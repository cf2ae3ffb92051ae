"""Two requests at once, made to meet at a chosen moment of the first one's transaction.

The first request stops at the moment (a session event: before its first write, after it,
or before its commit) and the second request is sent then. The first goes on once the
second has finished, or waits for a lock the first one holds. So a race that timing hits
now and then happens on every run, and always the same way.
"""

{% if cookiecutter.database == "sqlite" -%}
import sqlite3
{% endif -%}
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from fastapi import FastAPI
from httpx2 import Response
from sqlalchemy import {{ "Connection, event" if cookiecutter.database == "sqlite" else "event, text" }}
from sqlalchemy.orm import Session

# Session events, in the order a request that writes meets them: it has read what it
# needs and is about to write; it has written, and holds its locks; it is about to commit.
Moment = Literal["before_flush", "after_flush", "before_commit"]
MOMENTS: list[Moment] = ["before_flush", "after_flush", "before_commit"]
# Bounds the wait for the second request; far above what any request here takes.
HANG_LIMIT_SECONDS = 30
{%- if cookiecutter.database == "sqlite" %}


class LockWatch:
    """Tells when the second request waits for the first one's lock.

    SQLite lets one writer in at a time: once the first request has written (its
    transaction has begun), the second request's first write waits for its commit.
    """

    poll_seconds = 0.01

    def __init__(self, app: FastAPI) -> None:
        self.engine = app.state.engine
        self.writers: set[int] = set()  # the threads that began a write
        event.listen(self.engine, "before_cursor_execute", self.note_write)

    def note_write(
        self, _connection: Connection, _cursor: object, statement: str, *_: object
    ) -> None:
        if not statement.startswith("SELECT"):
            self.writers.add(threading.get_ident())

    def holds_up_another(self, paused: Session) -> bool:
        """Called in the first request's thread: a write of another thread waits for it."""
        connection = paused.connection().connection.dbapi_connection
        has_written = isinstance(connection, sqlite3.Connection) and connection.in_transaction
        return has_written and bool(self.writers - {threading.get_ident()})

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.note_write)
{%- else %}
{%- if cookiecutter.database == "mysql" %}
# Transactions of this database that wait for a row lock.
LOCK_WAITS = text(
    "SELECT COUNT(*) FROM information_schema.INNODB_TRX AS trx"
    " JOIN information_schema.PROCESSLIST AS process ON process.ID = trx.trx_mysql_thread_id"
    " WHERE trx.trx_state = 'LOCK WAIT' AND process.DB = DATABASE()"
)
{%- else %}
# Sessions of this database that wait for a lock.
LOCK_WAITS = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)
{%- endif %}


class LockWatch:
    """Tells when the second request waits for the first one's lock: the server says so."""
{% if cookiecutter.database == "mysql" %}
    # MariaDB refreshes information_schema.INNODB_TRX only after 0.1 s without a read of
    # it: asked more often, it would never show the wait.
    poll_seconds = 0.15
{%- else %}
    poll_seconds = 0.01
{%- endif %}

    def __init__(self, app: FastAPI) -> None:
        self.read_engine = app.state.read_engine  # each query on its own: a fresh view

    def holds_up_another(self, _paused: Session) -> bool:
        with self.read_engine.connect() as connection:
            return bool(connection.scalar(LOCK_WAITS))

    def close(self) -> None:
        pass
{%- endif %}


class Meanwhile:
    """What happened to the second request; read it after the `with` block."""

    def __init__(self) -> None:
        self.responses: list[Response] = []
        self.problem = ""

    @property
    def response(self) -> Response:
        assert not self.problem, self.problem
        assert self.responses, "the second request got no answer"
        return self.responses[0]


@contextmanager
def meanwhile(app: FastAPI, moment: Moment, send: Callable[[], Response]) -> Iterator[Meanwhile]:
    """Send `send()`'s request when the first request of the block reaches `moment`."""
    result = Meanwhile()
    sender = threading.Thread(target=lambda: result.responses.append(send()), daemon=True)
    watch = LockWatch(app)

    def pause(session: Session, *_: object) -> None:
        if sender.ident is not None:  # the second request's session, or a later moment
            return
        sender.start()
        deadline = time.monotonic() + HANG_LIMIT_SECONDS
        while sender.is_alive() and not watch.holds_up_another(session):
            if time.monotonic() > deadline:
                result.problem = "the second request neither finished nor waited for a lock"
                return
            sender.join(watch.poll_seconds)

    event.listen(app.state.session_factory, moment, pause)
    try:
        yield result
    finally:
        event.remove(app.state.session_factory, moment, pause)
        watch.close()
    assert sender.ident is not None, f"the first request never reached {moment}"
    sender.join(HANG_LIMIT_SECONDS)
