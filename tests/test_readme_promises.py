"""The generated README's promises hold: the URL .env carries works, the commands it names exist,
and the CI workflow tests the Pythons its comment names.

Every test here reads what the baked project says (its README, .env, workflow, pyproject.toml,
Dockerfile) and checks it against what the project does, on a bake of every database.
"""

import json
import re
import secrets
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import DATABASES, InstalledProject, bake, env_values, run
from tests.database_servers import mysql_connection, postgresql_connection

# The driver each database's DATABASE_URL must reach: SQLite through the standard library,
# MySQL through mysqlclient (MySQLdb), the one MySQL driver the project's pyproject.toml installs.
EXPECTED_DRIVERS = {"sqlite": "sqlite3", "mysql": "MySQLdb", "postgresql": "psycopg"}
# The tables `make migrate` must leave in the database that .env names.
MIGRATED_TABLES = {"users", "alembic_version"}

# Imports the URL's DBAPI module without connecting (a URL for a missing driver fails here,
# as `make migrate` would) and prints its top-level package (sqlite3 for sqlite3.dbapi2).
IMPORT_DRIVER = """
import sys
from sqlalchemy import make_url
print(make_url(sys.argv[1]).get_dialect().import_dbapi().__name__.partition(".")[0])
"""
LIST_TABLES = """
import json, sys
from sqlalchemy import create_engine, inspect
engine = create_engine(sys.argv[1])
print(json.dumps(inspect(engine).get_table_names()))
engine.dispose()
"""


def without_password(url: str) -> str:
    return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url)


# 1. The DATABASE_URL of .env and .env.example


@pytest.mark.parametrize("env_file", [".env", ".env.example"])
def test_env_database_url_names_a_driver_the_project_installs(
    installed_project: InstalledProject, env_file: str
) -> None:
    project = installed_project
    url = env_values(project.root / env_file).get("DATABASE_URL")
    assert url, f"{env_file} of the {project.database} project sets no DATABASE_URL"

    result = run(
        [project.command("python"), "-c", IMPORT_DRIVER, url],
        cwd=project.root,
        env=project.env(),
        check=False,
    )

    error = result.stderr.strip().splitlines()[-1:] or ["(no output)"]
    assert result.returncode == 0, (
        f"the driver of {env_file}'s DATABASE_URL {without_password(url)} does not import in the"
        f" project's virtual environment, so `make migrate` would fail on it: {error[0]}"
    )
    expected = EXPECTED_DRIVERS[project.database]
    assert result.stdout.strip() == expected, (
        f"{env_file}'s DATABASE_URL {without_password(url)} uses the driver"
        f" {result.stdout.strip()}, not {expected}, the one a {project.database} project uses"
    )


def drop_mysql_database_and_user(name: str) -> None:
    """Drop what `make database` made: the database, its _test twin, both users on every host."""
    with mysql_connection() as connection, connection.cursor() as cursor:
        for database in (name, f"{name}_test"):
            cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")
        for user in (name, f"{name}_migrations"):
            cursor.execute("SELECT Host FROM mysql.user WHERE User = %s", (user,))
            for (host,) in cursor.fetchall():
                cursor.execute("DROP USER IF EXISTS %s@%s", (user, host))


def drop_postgresql_database_and_role(name: str) -> None:
    """Drop what `make database` made: the database, its _test twin, both roles."""
    with postgresql_connection() as connection:
        for database in (name, f"{name}_test"):
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (name, f"{name}_migrations"):
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')


DROP_WHAT_MAKE_DATABASE_MADE = {
    "mysql": drop_mysql_database_and_user,
    "postgresql": drop_postgresql_database_and_role,
}


def test_make_migrate_works_with_the_database_url_of_env_as_written(
    installed_project: InstalledProject, tmp_path: Path
) -> None:
    """`make database` (on a server) then `make migrate` on a fresh clone, with the URL of
    the .env that make writes, untouched.

    The slug names the server's database and user, so the bake gets a slug of its own: no other
    test or run on the shared server uses the same names. Its dependencies are those of the
    installed project (only the name differs), so its commands run in that virtual environment.
    """
    project = installed_project
    slug = f"promise_{secrets.token_hex(4)}"
    root = bake(tmp_path, database=project.database, project_slug=slug)
    # A fresh clone has no .env (it is git-ignored): make writes one, as the README says.
    (root / ".env").unlink()
    (root / ".venv").symlink_to(project.venv)
    # The venv is installed already: a stamp newer than pyproject.toml tells make so.
    (root / "installed-stamp").touch()
    make = ["make", "INSTALLED=installed-stamp"]
    env = project.env(PYTHONPATH=str(root))
    assert "DATABASE_URL" not in env, "the URL must come from .env, not the environment"

    try:
        if project.database in DROP_WHAT_MAKE_DATABASE_MADE:
            run([*make, "database"], cwd=root, env=env)
        run([*make, "migrate"], cwd=root, env=env)
        url = env_values(root / ".env")["DATABASE_URL"]
        listed = run([project.command("python"), "-c", LIST_TABLES, url], cwd=root, env=env)
    finally:
        if project.database in DROP_WHAT_MAKE_DATABASE_MADE:
            DROP_WHAT_MAKE_DATABASE_MADE[project.database](slug)

    tables = set(json.loads(listed.stdout))
    missing = MIGRATED_TABLES - tables
    assert not missing, (
        f"after `make migrate`, the database of .env ({without_password(url)}) lacks the tables"
        f" {sorted(missing)}; it has {sorted(tables)}"
    )


# 2. Every `make X` and `python -m <slug> X` the README names


def code_in_markdown(text: str) -> list[str]:
    """The lines of every fenced block and every inline code span.

    Comments are kept: they name commands too (`# or: python -m <slug> serve --reload`).
    """
    fences = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
    lines = [line for block in fences.findall(text) for line in block.splitlines()]
    lines += re.findall(r"`([^`\n]+)`", fences.sub("", text))
    return lines


# `make` and what follows it: targets and VARIABLE=value assignments (quoted or not).
ASSIGNMENT = r"""[A-Za-z_]\w*=(?:"[^"]*"|'[^']*'|[^\s"';&|]*)"""
MAKE_COMMAND = re.compile(rf"(?<![\w./-])make((?:[ \t]+(?:{ASSIGNMENT}|[a-z][\w.-]*))+)")


def make_commands(readme: str) -> set[tuple[str, ...]]:
    """Each `make ...` of the README's code as its arguments, when it names a target."""
    commands = set()
    for line in code_in_markdown(readme):
        for match in MAKE_COMMAND.finditer(line):
            arguments = tuple(shlex.split(match.group(1)))
            if any("=" not in argument for argument in arguments):
                commands.add(arguments)
    return commands


def module_commands(readme: str, slug: str) -> set[str]:
    """The COMMAND of each `python -m <slug> COMMAND` in the README's code."""
    pattern = rf"(?<![\w.-])python3?[ \t]+-m[ \t]+{re.escape(slug)}[ \t]+([a-z][\w-]*)"
    return {command for line in code_in_markdown(readme) for command in re.findall(pattern, line)}


def test_every_make_command_the_readme_names_exists(installed_project: InstalledProject) -> None:
    project = installed_project
    commands = make_commands((project.root / "README.md").read_text(encoding="utf-8"))
    targets = {argument for command in commands for argument in command if "=" not in argument}
    # The README's quick start, which the template's README promises too.
    assert {"run", "test"} <= targets, f"the README names no `make run` / `make test`: {commands}"

    missing = []
    for command in sorted(commands):
        # -n: make resolves the targets and prints their recipes without running them.
        result = run(["make", "-n", *command], cwd=project.root, env=project.env(), check=False)
        if result.returncode != 0:
            error = result.stderr.strip().splitlines()[-1:] or ["(no output)"]
            missing.append(f"`make {shlex.join(command)}`: {error[0]}")

    assert not missing, (
        "the README names make commands that the Makefile cannot run:\n" + "\n".join(missing)
    )


def test_every_python_m_command_the_readme_names_answers_help(
    installed_project: InstalledProject,
) -> None:
    project = installed_project
    readme = (project.root / "README.md").read_text(encoding="utf-8")
    commands = module_commands(readme, project.slug)
    assert "create-superuser" in commands, (
        f"the README names no `python -m {project.slug} create-superuser`: {commands}"
    )

    missing = []
    for command in sorted(commands):
        result = run(
            [project.command("python"), "-m", project.slug, command, "--help"],
            cwd=project.root,
            env=project.env(),
            check=False,
        )
        if result.returncode != 0:
            error = result.stderr.strip().splitlines()[-1:] or ["(no output)"]
            missing.append(f"`python -m {project.slug} {command} --help`: {error[0]}")

    assert not missing, (
        "the README names commands that the project's command line does not answer:\n"
        + "\n".join(missing)
    )


# 3. The CI workflow's Pythons


@pytest.fixture(scope="module", params=DATABASES, ids=lambda database: f"database={database}")
def baked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("readme-promises"), database=request.param)


def promised_pythons(root: Path) -> dict[str, str]:
    """The Pythons the workflow's comment names: the oldest the project supports, the image's."""
    requires = tomllib.loads((root / "pyproject.toml").read_text())["project"]["requires-python"]
    floor = re.fullmatch(r">=\s*(\d+\.\d+)(\.\d+)?\s*(,.*)?", requires)
    assert floor, f"requires-python {requires!r} has no >= floor first"
    image = re.search(
        r"^ARG PYTHON_IMAGE=python:(\d+\.\d+)", (root / "Dockerfile").read_text(), re.MULTILINE
    )
    assert image, "the Dockerfile has no `ARG PYTHON_IMAGE=python:X.Y...` line"
    return {"the floor of requires-python": floor[1], "the Dockerfile's image": image[1]}


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_ci_matrix_runs_the_oldest_supported_python_and_the_images(baked: Path) -> None:
    promised = promised_pythons(baked)
    expected = sorted(set(promised.values()), key=version_key)
    workflow = yaml.safe_load((baked / ".github" / "workflows" / "ci.yml").read_text())
    matrices = {
        name: job["strategy"]["matrix"]["python-version"]
        for name, job in workflow["jobs"].items()
        if "python-version" in job.get("strategy", {}).get("matrix", {})
    }
    assert matrices, "no job of the workflow has a python-version matrix"

    for name, versions in matrices.items():
        # str(): an unquoted 3.10 in YAML is the number 3.1.
        named = [str(version) for version in versions]
        assert sorted(named, key=version_key) == expected, (
            f"the {name} job's matrix runs Python {named}; it must run exactly {expected}: "
            + ", ".join(f"{what} ({version})" for what, version in promised.items())
        )


def test_every_python_the_workflow_sets_up_is_one_the_project_supports(baked: Path) -> None:
    promised = set(promised_pythons(baked).values())
    workflow = yaml.safe_load((baked / ".github" / "workflows" / "ci.yml").read_text())
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            version = step.get("with", {}).get("python-version")
            # A matrix job's version is an expression for the matrix, checked above.
            if version is None or str(version).startswith("${{"):
                continue
            assert str(version) in promised, (
                f"the {name} job sets up Python {version}, neither of {sorted(promised)}"
            )
