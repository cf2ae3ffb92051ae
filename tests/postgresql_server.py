"""Throwaway PostgreSQL servers: a data directory, a port and settings of their own.

Tests that need a server set up otherwise than the shared one (a statement log, password
logins over TCP) use these, so the shared server on 127.0.0.1:5432 is never touched. The
server is stopped and its directory removed afterwards, also when the test fails.
"""

import os
import pwd
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run
from tests.serving import free_port

BINARIES = Path("/usr/lib/postgresql/15/bin")
# PostgreSQL refuses to run as root: its commands run as this user, in a directory it owns.
OWNER = "postgres"


@dataclass(frozen=True)
class ThrowawayPostgreSQL:
    """A running server: its superuser logs in over TCP with a password, as every role does."""

    directory: Path
    port: int
    admin_password: str

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def url(
        self, user: str = OWNER, password: str | None = None, database: str = "postgres"
    ) -> str:
        """A URL for a baked project (its driver), as this user (the superuser by default)."""
        secret = self.admin_password if password is None else password
        return f"postgresql+psycopg://{user}:{secret}@127.0.0.1:{self.port}/{database}"


def throwaway_problem() -> str | None:
    """Why no throwaway PostgreSQL server can be made here, or None."""
    if not (BINARIES / "initdb").exists():
        return f"no PostgreSQL binaries in {BINARIES} to start a throwaway server"
    if os.geteuid() != 0:
        return "a throwaway PostgreSQL server needs root (it runs as the user postgres)"
    try:
        pwd.getpwnam(OWNER)
    except KeyError:
        return f"a throwaway PostgreSQL server runs as the user {OWNER}, which does not exist"
    return None


def as_owner(*command: str | Path) -> list[str]:
    return ["runuser", "-u", OWNER, "--", *(str(part) for part in command)]


@contextmanager
def throwaway_postgresql(*settings: str) -> Iterator[ThrowawayPostgreSQL]:
    """Start a server with these settings (`name=value`); stop it and remove it afterwards.

    Skipped when PostgreSQL cannot run here, except in CI.
    """
    problem = throwaway_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}; CI=true needs it")
        pytest.skip(problem)
    directory = Path(tempfile.mkdtemp(prefix="postgresql-"))
    owner = pwd.getpwnam(OWNER)
    os.chown(directory, owner.pw_uid, owner.pw_gid)
    server = ThrowawayPostgreSQL(directory, free_port(), secrets.token_urlsafe(16))
    password_file = directory / "admin-password"
    password_file.write_text(server.admin_password)
    os.chown(password_file, owner.pw_uid, owner.pw_gid)
    data = directory / "data"
    # Passwords over TCP (SCRAM-SHA-256), so that a login proves one.
    initdb = [BINARIES / "initdb", f"--pgdata={data}", f"--username={OWNER}"]
    initdb += [f"--pwfile={password_file}", "--auth-local=trust", "--auth-host=scram-sha-256"]
    options = [f"-p {server.port}", f"-k {directory}", "-c listen_addresses=127.0.0.1"]
    options += [f"-c {setting}" for setting in settings]
    try:
        run(as_owner(*initdb, "--encoding=UTF8", "--no-sync"))
        run(
            as_owner(
                BINARIES / "pg_ctl",
                "-D",
                data,
                "-l",
                server.log,
                "-o",
                " ".join(options),
                "-w",
                "start",
            )
        )
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            run(
                as_owner(BINARIES / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"),
                check=False,
            )
        shutil.rmtree(directory)
