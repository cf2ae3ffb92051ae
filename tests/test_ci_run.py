"""`.ci/run --services-only` starts MariaDB and waits for it, tried on a throwaway server;
and installs what compiling the MySQL driver takes when it is missing, tried with stubs.

MARIADB_PORT and MARIADB_DATADIR point the script at a data directory and a free port of the
test's own, so the shared server on 127.0.0.1:3306 is never touched.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from tests.conftest import TEMPLATE, run
from tests.database_servers import require_server
from tests.mariadb_server import install_data_directory, servers_in, throwaway_directory
from tests.serving import free_port

CI_RUN = TEMPLATE / ".ci" / "run"


@pytest.fixture
def mariadb_dir() -> Iterator[Path]:
    """A directory for throwaway data directories, cleaned up with their servers."""
    with throwaway_directory() as directory:
        yield directory


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


def test_ci_run_installs_what_compiling_mysqlclient_takes_when_it_is_missing(
    tmp_path: Path,
) -> None:
    # The MySQL projects' driver compiles against a client library as the tests install it.
    # Stubs first on the PATH: a pkg-config that finds no library, and an apt-get (and a
    # sudo, for a run that is not root's) that only note what they were asked.
    require_server("mysql")  # the shared servers answer, so .ci/run starts none
    require_server("postgresql")
    stubs, asked = tmp_path / "bin", tmp_path / "apt-get.log"
    stubs.mkdir()
    for name, body in [("pkg-config", "exit 1"), ("apt-get", f'echo "$*" >>{asked}')]:
        (stubs / name).write_text(f"#!/bin/sh\n{body}\n")
    (stubs / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    for stub in stubs.iterdir():
        stub.chmod(0o755)

    env = os.environ | {"PATH": f"{stubs}:{os.environ['PATH']}"}
    result = run([CI_RUN, "--services-only"], env=env)

    assert "for mysqlclient" in result.stdout
    assert "install -y -qq gcc pkg-config libmariadb-dev" in asked.read_text().splitlines()
