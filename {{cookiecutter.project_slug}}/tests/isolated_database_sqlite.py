"""The test database: a fresh SQLite file in a temporary directory, never the real one."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

# A file in a directory that does not exist cannot be opened: the database is "down".
UNREACHABLE_DATABASE_URL = "sqlite:////nonexistent-directory/unreachable.db"


@contextmanager
def isolated_database(name: str = "test") -> Iterator[str]:
    """Yield the URL of a new, empty database; delete it afterwards."""
    with tempfile.TemporaryDirectory(prefix="{{ cookiecutter.project_slug }}-") as directory:
        yield f"sqlite:///{directory}/{name}.db"
