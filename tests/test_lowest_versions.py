"""Lowest versions: each database's project, installed at the lower bounds of its
pyproject.toml, passes its own tests and lint and serves under the Dockerfile's command.

A bound is a promise that the project works with that version; nothing else installs it,
since pip and uv pick the newest. uv's `--resolution lowest-direct` takes the lowest version
that each of the project's own dependencies admits (and the newest of theirs).

The lint tools are held to their bounds too: `make lint` on a fresh clone runs whatever
version of ruff, mypy and pre-commit the bounds let in, so each must pass there. mypy's
verdict also depends on the libraries it reads, which is why sqlalchemy's bound was raised
for it alone (see pyproject.toml). Where the oldest version fails, the bound goes up to the
lowest version that passes; the check is never weakened.
"""

import json
import re
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import DATABASES, SERVER_MARKS, InstalledProject, bake, run
from tests.database_servers import require_server
from tests.serving import call, free_port, serving

# From the template's dev group, beside the Python that runs these tests.
UV = Path(sys.executable).with_name("uv")
# Where the image's command listens, replaced by a free port on the loopback here.
IMAGE_ADDRESS = ["--host", "0.0.0.0", "--port", "8000"]  # noqa: S104 (read, not bound)
# A group of its own for each database's lowest install (pytest-xdist runs a group in one
# process, which then installs it once), apart from the newest install's group: the two
# installs share nothing, and together they made the longest group of the run.
EACH_DATABASE_AT_ITS_LOWEST = [
    pytest.param(
        database,
        id=f"database={database}",
        marks=[
            pytest.mark.slow,
            pytest.mark.xdist_group(f"lowest-{database}"),
            *SERVER_MARKS.get(database, []),
        ],
    )
    for database in DATABASES
]


@pytest.fixture(scope="module", params=EACH_DATABASE_AT_ITS_LOWEST)
def lowest_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> InstalledProject:
    """Bake a project and install it with its dev extras at their lowest admitted versions.

    uv's download cache is used as usual, so only the first run downloads.
    """
    database: str = request.param
    require_server(database)
    if not UV.is_file():
        pytest.fail(f"{UV} is missing; `make test` installs the template's dev group")
    root = bake(tmp_path_factory.mktemp(f"lowest-{database}"), database=database)
    project = InstalledProject(root=root, slug=root.name, database=database, venv=root / ".venv")
    env = project.env()
    run([UV, "venv", "--quiet", "--python", sys.executable, project.venv], cwd=root, env=env)
    # Bytecode compiled once, as for the newest install (tests/conftest.py): the suite's
    # many subprocesses would otherwise each compile their imports again.
    python = project.command("python")
    install = [UV, "pip", "install", "--quiet", "--compile-bytecode", "--python", python]
    run([*install, "--resolution", "lowest-direct", "-e", ".[dev]"], cwd=root, env=env)
    return project


def test_each_dependency_is_installed_at_its_lower_bound(lowest_project: InstalledProject) -> None:
    # A bound below what another dependency demands is never installed, so never tested.
    project = lowest_project
    metadata = tomllib.loads((project.root / "pyproject.toml").read_text())["project"]
    requirements = [*metadata["dependencies"], *metadata["optional-dependencies"]["dev"]]
    listing = run(
        [UV, "pip", "list", "--python", project.command("python"), "--format", "json"],
        env=project.env(),
    )
    installed = {
        canonicalize_name(package["name"]): Version(package["version"])
        for package in json.loads(listing.stdout)
    }
    off_bound = {}
    for requirement in map(Requirement, requirements):
        # An exact pin (`==`, cruft's and cookiecutter's) is its own lower bound.
        bounds = [
            Version(spec.version) for spec in requirement.specifier if spec.operator in (">=", "==")
        ]
        assert bounds, f"{requirement} has no lower bound"
        version = installed[canonicalize_name(requirement.name)]
        if version != max(bounds):
            off_bound[str(requirement)] = str(version)
    assert off_bound == {}


def test_project_passes_its_own_tests_at_the_lowest_versions(
    lowest_project: InstalledProject,
) -> None:
    project = lowest_project
    # SQLite: the suite's own temporary files; MySQL: a database of the test's own.
    with project.database_settings() as settings:
        run(
            [project.command("pytest"), "-x", "-q", "-p", "no:cacheprovider"],
            cwd=project.root,
            env=project.env(**settings),
        )


def test_project_lint_passes_at_the_lowest_versions(lowest_project: InstalledProject) -> None:
    # What `make lint` runs, without its install step, which would install the newest versions.
    project = lowest_project
    run(["git", "init", "--quiet"], cwd=project.root)
    run(["git", "add", "--all"], cwd=project.root)
    run(
        [project.command("pre-commit"), "run", "--all-files", "--show-diff-on-failure"],
        cwd=project.root,
        env=project.env(),
    )


def test_project_serves_under_the_image_command_at_the_lowest_versions(
    lowest_project: InstalledProject, tmp_path: Path
) -> None:
    project = lowest_project
    with project.database_settings(sqlite_file=tmp_path / "served.db") as settings:
        env = project.env(**settings)
        run([project.command("alembic"), "upgrade", "heads"], cwd=project.root, env=env)
        with served_by_image_command(project, env, tmp_path / "uvicorn.log") as url:
            assert call(f"{url}/health")[0] == 200


@contextmanager
def served_by_image_command(
    project: InstalledProject, env: dict[str, str], log: Path
) -> Iterator[str]:
    """Run the Dockerfile's CMD (its workers) on a free local port; yield the URL."""
    dockerfile = (project.root / "Dockerfile").read_text()
    [instruction] = [line for line in dockerfile.splitlines() if line.startswith("CMD ")]
    command: list[str] = json.loads(instruction.removeprefix("CMD "))
    start = next(
        (i for i in range(len(command)) if command[i : i + len(IMAGE_ADDRESS)] == IMAGE_ADDRESS),
        None,
    )
    assert start is not None, f"the image's command changed: {command}"
    port = free_port()
    command[start : start + len(IMAGE_ADDRESS)] = ["--host", "127.0.0.1", "--port", str(port)]
    [workers] = re.findall(r"^ENV WEB_CONCURRENCY=(\d+)$", dockerfile, flags=re.MULTILINE)
    env = env | {"WEB_CONCURRENCY": workers}
    # "python" is the project's: its venv comes first on the PATH of `env`.
    with serving(command, port=port, cwd=project.root, env=env, log=log) as url:
        yield url
