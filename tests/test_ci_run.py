"""`.ci/run --services-only` starts MariaDB and waits for it, tried on a throwaway server.

MARIADB_PORT and MARIADB_DATADIR point the script at a data directory and a free port of the
test's own, so the shared server on 127.0.0.1:3306 is never touched.
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

from tests.conftest import TEMPLATE, run
from tests.serving import free_port

CI_RUN = TEMPLATE / ".ci" / "run"
# The binaries the script and this test run; the script names mariadbd by its path.
COMMANDS = ("mariadb-install-db", "mariadb-admin", "start-stop-daemon")
MARIADBD = Path("/usr/sbin/mariadbd")
# Bounds a server that never stops; not a speed requirement.
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


@pytest.fixture
def mariadb_dir() -> Iterator[Path]:
    """A directory for throwaway data directories; their servers are stopped and it is
    removed afterwards, also when the test fails.

    Skipped when MariaDB cannot run here, except in CI. Under /tmp rather than pytest's
    tmp_path: a server's socket path must stay under 108 bytes.
    """
    problem = throwaway_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}; CI=true needs it")
        pytest.skip(problem)
    directory = Path(tempfile.mkdtemp(prefix="ci-run-"))
    try:
        directory.chmod(0o755)  # the server runs as mysql and must reach its data directory
        yield directory
    finally:
        stop_servers_in(directory)
        shutil.rmtree(directory)


def ci_run(
    port: int, datadir: Path, wait_seconds: int, *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `.ci/run --services-only` pointed at this port and data directory."""
    env = os.environ | {
        "MARIADB_PORT": str(port),
        "MARIADB_DATADIR": str(datadir),
        "MARIADB_WAIT_SECONDS": str(wait_seconds),
    }
    return run([CI_RUN, "--services-only"], env=env, check=check)


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


def pid_of_server(datadir: Path) -> int:
    return int((datadir / "mariadbd.pid").read_text())


@pytest.mark.mysql
def test_ci_run_starts_mariadb_waits_for_it_and_leaves_a_running_one_alone(
    mariadb_dir: Path,
) -> None:
    datadir = install_data_directory(mariadb_dir / "data")
    port = free_port()

    started = ci_run(port, datadir, wait_seconds=60)
    assert f"Starting MariaDB on 127.0.0.1:{port}" in started.stdout
    # Answers at once, as root without a password, as the tests need; and it is this server.
    with (
        pymysql.connect(host="127.0.0.1", port=port, user="root", connect_timeout=5) as db,
        db.cursor() as cursor,
    ):
        cursor.execute("SELECT @@datadir")
        assert cursor.fetchone() == (f"{datadir}/",)
    pid = pid_of_server(datadir)

    again = ci_run(port, datadir, wait_seconds=60)
    assert "Starting" not in again.stdout
    assert pid_of_server(datadir) == pid
    assert servers_in(mariadb_dir) == [pid]


@pytest.mark.mysql
@pytest.mark.parametrize(
    ("datadir_kind", "wait_seconds"),
    [("empty", 2), ("installed", 0)],
    ids=["datadir=empty", "no-time-to-answer"],
)
def test_ci_run_fails_in_one_line_and_stops_the_server_when_mariadb_never_answers(
    mariadb_dir: Path, datadir_kind: str, wait_seconds: int
) -> None:
    datadir = mariadb_dir / "data"
    if datadir_kind == "empty":
        datadir.mkdir()
        shutil.chown(datadir, user="mysql")
    elif datadir_kind == "installed":
        install_data_directory(datadir)  # a server that works, given more than 0 s
    port = free_port()

    result = ci_run(port, datadir, wait_seconds=wait_seconds, check=False)

    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"error: MariaDB did not answer on 127.0.0.1:{port} within {wait_seconds} s;"
        f" see {datadir}/mariadbd.err"
    ], result.stderr
    assert servers_in(mariadb_dir) == [], "the late server was left running"


@pytest.mark.parametrize(
    ("variable", "value", "error"),
    [
        pytest.param(
            "MARIADB_WAIT_SECONDS",
            "5s",
            "error: MARIADB_WAIT_SECONDS must be a whole number",
            id="MARIADB_WAIT_SECONDS=5s",
        ),
        pytest.param(
            "MARIADB_PORT",
            "3306x",
            "error: MARIADB_PORT must be a whole number",
            id="MARIADB_PORT=3306x",
        ),
        *(
            pytest.param(
                variable,
                value,
                f"error: {variable} must be a whole number from",
                id=f"{variable}={value}",
            )
            # 0 and 03306 would reach the shared server; bash reads 08 as bad octal.
            for variable, value in [
                ("MARIADB_PORT", "0"),
                ("MARIADB_PORT", "03306"),
                ("MARIADB_PORT", "99999"),
                ("MARIADB_WAIT_SECONDS", "08"),
            ]
        ),
        pytest.param(
            "MARIADB_DATADIR",
            "",
            "error: MARIADB_PORT=",
            id="another-port-without-a-data-directory",
        ),
        pytest.param(
            "MARIADB_DATADIR",
            "/nonexistent/ci-run-data",
            "error: MARIADB_DATADIR /nonexistent/ci-run-data is not a directory",
            id="MARIADB_DATADIR=missing",
        ),
        pytest.param(
            "MARIADB_DATADIR",
            "data",
            "error: MARIADB_DATADIR must be an absolute path",
            id="MARIADB_DATADIR=data",
        ),
    ],
)
def test_ci_run_refuses_a_bad_setting_in_one_line(
    tmp_path: Path, variable: str, value: str, error: str
) -> None:
    # Were a check gone, the script would try a missing data directory on a free port for
    # a second: nothing shared is reached, nothing is started.
    settings = {
        "MARIADB_PORT": str(free_port()),
        "MARIADB_DATADIR": str(tmp_path / "missing"),
        "MARIADB_WAIT_SECONDS": "1",
    }
    env = os.environ | settings | {variable: value}
    result = run([CI_RUN, "--services-only"], env=env, check=False)
    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(error), result.stderr
