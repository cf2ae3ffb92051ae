"""The test database: a fresh SQLite file in a temporary directory, never the real one."""

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url

# A file in a directory that does not exist cannot be opened: the database is "down".
UNREACHABLE_DATABASE_URL = "sqlite:////nonexistent-directory/unreachable.db"


@contextmanager
def isolated_database(name: str = "test") -> Iterator[str]:
    """Yield the URL of a new, empty database; delete it afterwards."""
    with tempfile.TemporaryDirectory(prefix="{{ cookiecutter.project_slug }}-") as directory:
        yield f"sqlite:///{directory}/{name}.db"


@contextmanager
def stalled_database(url: str) -> Iterator[str]:
    """The database at this URL, while another process's writer holds its lock."""
    writer = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        yield url
    finally:
        writer.rollback()
        writer.close()


@contextmanager
def locked_tables(url: str, *_tables: str) -> Iterator[None]:
    """Another writer holds the database's lock (SQLite locks the whole file, not tables).

    Others still read; every write waits for the busy timeout, then fails.
    """
    database = make_url(url).database or ""
    # A test may take the lock in one thread (a request's) and release it in another.
    writer = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        writer.rollback()
        writer.close()
