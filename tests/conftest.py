"""Shared helpers: bake a project, install a baked project once, run commands."""

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tests.database_servers import require_server, server_settings

TEMPLATE = Path(__file__).resolve().parents[1]
SKELETON = TEMPLATE / "{{cookiecutter.project_slug}}"
DATABASES: list[str] = json.loads((TEMPLATE / "cookiecutter.json").read_text())["database"]

# Generous bounds so that a hung command fails the test instead of hanging the run.
COMMAND_TIMEOUT = 600

# Inherited from the developer's shell, these would point the baked project at another
# database, key or interpreter, so its commands never see them.
HIDDEN_VARIABLES = {
    "DATABASE_URL",
    "MIGRATION_DATABASE_URL",
    "TEST_DATABASE_URL",
    "SECRET_KEY",
    "CORS_ORIGINS",
    "ACCESS_TOKEN_EXPIRE_MINUTES",
    "PYTHONPATH",
    "PYTHONHOME",
}
HIDDEN_PREFIXES = ("ARGON2_", "PYTEST_")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads each test's group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out each mutant's runs on a database where it changes nothing (test_mutants.py).

    The SQLite mutants, most of them, run in groups of their own, one per process of
    `make test`, which each install the SQLite project once: in the SQLite project's group,
    they kept one process busy long after the others had finished.
    """
    # pytest-xdist tells its workers how many they are; without it, one process runs all.
    processes = getattr(config, "workerinput", {}).get("workercount", 1)
    kept, left_out = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        mutant = params.get("mutant")
        applies = mutant is None or params.get("installed_project") in mutant.databases
        if mutant is not None and applies and params.get("installed_project") == "sqlite":
            group = f"sqlite-mutants-{len(kept) % processes}"
            item.add_marker(pytest.mark.xdist_group(group), append=False)
        (kept if applies else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def cookiecutter_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Ignore the user's ~/.cookiecutterrc (its defaults would change the answers) and
    keep replay files out of the home directory. Subprocesses inherit the variable."""
    directory = tmp_path_factory.mktemp("cookiecutter-config")
    config = directory / "config.yaml"
    config.write_text(
        f"cookiecutters_dir: {directory / 'cookiecutters'}\nreplay_dir: {directory / 'replay'}\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COOKIECUTTER_CONFIG", str(config))
        yield config


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits need a name, which this machine's git configuration may not have."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Template Tests")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tests@example.com")


def bake(output_dir: Path, **answers: str) -> Path:
    """Generate a project from the template with these answers (defaults for the rest)."""
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir)
        )
    )


def run(
    command: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; unless check is False, fail the test with its output
    if it exits non-zero."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} exited with {result.returncode}\n"
            f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
        )
    return result


def env_values(path: Path) -> dict[str, str]:
    """The NAME=value lines of a .env file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def make_recipe(makefile: str, target: str) -> str:
    """The commands of a Makefile target, continuation lines joined."""
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert match, f"the Makefile has no {target} target"
    return re.sub(r"\\\n\s*", " ", match.group(1))


def uv_command() -> Path:
    """uv, from the template's dev group, beside this Python (make test installs it)."""
    return Path(sys.executable).parent / "uv"


def environment_without_settings() -> dict[str, str]:
    """This process's environment without the variables that would set a project's settings."""
    return {
        key: value
        for key, value in os.environ.items()
        if key.upper() not in HIDDEN_VARIABLES and not key.upper().startswith(HIDDEN_PREFIXES)
    }


@dataclass(frozen=True)
class InstalledProject:
    """A baked project, installed with its dev extras into a virtual environment of its own."""

    root: Path
    slug: str
    database: str
    venv: Path

    def command(self, name: str) -> Path:
        return self.venv / "bin" / name

    def env(self, **settings: str) -> dict[str, str]:
        """The environment for the project's commands: its venv first, these settings only.

        mypy keeps its cache beside the project, shared by the copies of it that the tests
        lint one after the other: what it learnt of the venv's packages, the bulk of its
        work, it learns once per install instead of at every `make lint`. A module whose
        file changed is checked again, so the verdict is the same.
        """
        env = environment_without_settings()
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env["MYPY_CACHE_DIR"] = str(self.root.parent / "mypy-cache")
        return env | settings

    @contextmanager
    def database_settings(self, sqlite_file: Path | None = None) -> Iterator[dict[str, str]]:
        """Settings that point the project at a database of its own for one test.

        SQLite: `sqlite_file`, or the default of .env (a file in the project) when None.
        MySQL, PostgreSQL: a new database on the server, and another for the project's tests.
        """
        if self.database == "sqlite" and sqlite_file is not None:
            yield {"DATABASE_URL": f"sqlite:///{sqlite_file}"}
            return
        with server_settings(self.database) as settings:
            yield settings


# A test that needs a database server is marked with its name (pytest -m "not postgresql").
SERVER_MARKS = {"mysql": [pytest.mark.mysql], "postgresql": [pytest.mark.postgresql]}
# The parameters of a fixture that installs a project of each database into a new venv.
# Under pytest-xdist (make test), each database's tests run in one process (xdist_group),
# which then installs each project once.
EACH_DATABASE_INSTALLED = [
    pytest.param(
        database,
        id=f"database={database}",
        marks=[
            pytest.mark.slow,
            pytest.mark.xdist_group(database),
            *SERVER_MARKS.get(database, []),
        ],
    )
    for database in DATABASES
]
# The same, for the databases that run on a server (MySQL, PostgreSQL).
EACH_SERVER_INSTALLED = [param for param in EACH_DATABASE_INSTALLED if param.values != ("sqlite",)]
# The same, for one database: the tests that need only its project.
SQLITE_INSTALLED = [param for param in EACH_DATABASE_INSTALLED if param.values == ("sqlite",)]
MYSQL_INSTALLED = [param for param in EACH_DATABASE_INSTALLED if param.values == ("mysql",)]


@pytest.fixture(scope="session")
def installed_projects() -> dict[str, InstalledProject]:
    """The projects installed so far in this process, by database.

    pytest keeps one value of a parametrized fixture at a time, so when pytest-xdist runs
    one database's tests between another's, installed_project is set up again: this keeps
    each database's project installed once.
    """
    return {}


@pytest.fixture(scope="session", params=EACH_DATABASE_INSTALLED)
def installed_project(
    request: pytest.FixtureRequest,
    installed_projects: dict[str, InstalledProject],
    tmp_path_factory: pytest.TempPathFactory,
) -> InstalledProject:
    """Bake a project for each database and install it, editable with its dev extra, into a
    fresh venv, from the project's own uv.lock.

    `uv sync --locked`, as the project's CI does: a lock that does not match the baked
    pyproject.toml fails here, and only the packages the lock holds get installed, so a
    dependency missing from either breaks the tests that use this. uv installs from its
    cache where it can. The venv is made by `venv`, with pip (which uv leaves in place),
    as `make install` makes it without uv.
    """
    database: str = request.param
    require_server(database)
    if database in installed_projects:
        return installed_projects[database]
    root = bake(tmp_path_factory.mktemp(f"installed-{database}"), database=database)
    venv = root / ".venv"
    run([sys.executable, "-m", "venv", venv])
    project = InstalledProject(root=root, slug=root.name, database=database, venv=venv)
    # Bytecode compiled once at install: PYTHONDONTWRITEBYTECODE, where it is set, would
    # otherwise make every command of the project compile its imports again.
    run(
        [uv_command(), "sync", "--locked", "--extra", "dev", "--compile-bytecode"],
        cwd=root,
        env=project.env(UV_PROJECT_ENVIRONMENT=str(venv)),
    )
    installed_projects[database] = project
    return project


@pytest.fixture
def project_copy(installed_project: InstalledProject, tmp_path: Path) -> Path:
    """A copy of the installed project's files, to change freely.

    Its commands run with the original's virtual environment and PYTHONPATH pointing at
    the copy, so that they import the copy's package, not the original's.
    """
    copy = tmp_path / installed_project.slug
    shutil.copytree(
        installed_project.root,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.db", "__pycache__", ".*_cache"),
    )
    return copy
