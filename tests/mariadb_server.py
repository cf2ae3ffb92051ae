"""Throwaway MariaDB servers: a data directory and a port of their own, never the shared one.

Tests that stop a server (an outage) or fill its connections (overload) use these, so the
shared server on 127.0.0.1:3306 is never touched. Every server is stopped and its directory
removed afterwards, also when the test fails.
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from tests.conftest import run
from tests.serving import free_port

# The binaries a throwaway server needs; .ci/run names mariadbd by its path too.
COMMANDS = ("mariadb-install-db", "mariadb-admin", "start-stop-daemon")
MARIADBD = Path("/usr/sbin/mariadbd")
# Bound a server that never starts or never stops; not speed requirements.
START_LIMIT_SECONDS = 60
STOP_LIMIT_SECONDS = 30


def throwaway_problem() -> str | None:
    """Why no throwaway MariaDB server can be made here, or None."""
    missing = [name for name in COMMANDS if shutil.which(name) is None]
    missing += [] if MARIADBD.exists() else [str(MARIADBD)]
    if missing:
        return f"no MariaDB binaries to start a throwaway server: {', '.join(missing)} missing"
    if os.geteuid() != 0:
        return "a throwaway MariaDB server needs root (its data directory belongs to mysql)"
    try:
        pwd.getpwnam("mysql")
    except KeyError:
        return "a throwaway MariaDB server runs as the user mysql, which does not exist"
    return None


def servers_in(directory: Path) -> list[int]:
    """The pids of the mariadbd processes whose data directory is inside this one."""
    prefix = f"--datadir={directory}/".encode()
    pids = []
    for process in Path("/proc").iterdir():
        try:
            arguments = (process / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # not a process, or gone
        if any(argument.startswith(prefix) for argument in arguments):
            pids.append(int(process.name))
    return pids


def stop_servers_in(directory: Path) -> None:
    """Stop every server of this directory: TERM (a clean shutdown), then KILL if it hangs."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = servers_in(directory)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # gone already
                os.kill(pid, sig)
        deadline = time.monotonic() + STOP_LIMIT_SECONDS
        while pids and time.monotonic() < deadline:
            pids = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
            time.sleep(0.1)
        if not pids:
            return


def install_data_directory(datadir: Path) -> Path:
    """A new data directory whose root logs in from 127.0.0.1 without a password."""
    run(
        [
            "mariadb-install-db",
            "--no-defaults",
            "--user=mysql",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ]
    )
    return datadir


@contextlib.contextmanager
def throwaway_directory() -> Iterator[Path]:
    """A directory for throwaway data directories, cleaned up with their servers.

    Skipped when MariaDB cannot run here, except in CI. Under /tmp rather than pytest's
    tmp_path: a server's socket path must stay under 108 bytes.
    """
    problem = throwaway_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}; CI=true needs it")
        pytest.skip(problem)
    directory = Path(tempfile.mkdtemp(prefix="mariadb-"))
    try:
        directory.chmod(0o755)  # the server runs as mysql and must reach its data directory
        yield directory
    finally:
        stop_servers_in(directory)
        shutil.rmtree(directory)


class ThrowawayMariaDB:
    """A server on a data directory of its own, to start, stop and start again."""

    def __init__(self, directory: Path, *, max_connections: int) -> None:
        self.directory = directory
        self.datadir = install_data_directory(directory / "data")
        self.port = free_port()
        # A way in for the test's own queries when a client has taken every connection.
        self.extra_port = free_port()
        self.max_connections = max_connections
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.datadir / "error.log"

    @property
    def url(self) -> str:
        """The server as root, for a baked project (its driver); add a database name."""
        return f"mysql+mysqldb://root@127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [MARIADBD, "--no-defaults", "--user=mysql", f"--datadir={self.datadir}"]
        command += ["--bind-address=127.0.0.1", f"--port={self.port}", "--skip-log-bin"]
        command += [f"--extra-port={self.extra_port}", "--extra-max-connections=4"]
        command += [f"--max-connections={self.max_connections}"]
        # In the data directory, which the server's user (mysql) may write to.
        command += [f"--socket={self.datadir}/mysqld.sock", f"--pid-file={self.datadir}/pid"]
        command += [f"--log-error={self.log}"]
        self.process = subprocess.Popen(command)
        deadline = time.monotonic() + START_LIMIT_SECONDS
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log.read_text(errors="replace") if self.log.exists() else ""
                pytest.fail(f"the throwaway MariaDB did not start:\n{log[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        """A clean shutdown, as an operator's `systemctl stop` does; none if it is not running."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def answers(self) -> bool:
        try:
            self.query("SELECT 1")
        except pymysql.Error:
            return False
        return True

    def query(self, sql: str) -> tuple[tuple[object, ...], ...]:
        """Run one statement as root through the extra port; return its rows."""
        connection = pymysql.connect(
            host="127.0.0.1", port=self.extra_port, user="root", connect_timeout=5
        )
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
