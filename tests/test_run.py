"""Run: each database's project installs from its own pyproject, migrates and passes its tests."""

import json

import pytest

from tests.conftest import EACH_SERVER_INSTALLED, InstalledProject, run

# Asks the project's own settings which database they name, and what tables it holds.
LIST_TABLES = """
import json
from sqlalchemy import create_engine, inspect
from {package}.core.config import load_settings
print(json.dumps(inspect(create_engine(load_settings().database_url)).get_table_names()))
"""


def test_installed_dependencies_are_consistent(installed_project: InstalledProject) -> None:
    run([installed_project.command("python"), "-m", "pip", "check"])


def test_project_migrates_and_passes_its_own_tests(installed_project: InstalledProject) -> None:
    project = installed_project
    # SQLite: the database of .env, a file in the project; MySQL: a database of the test's own.
    with project.database_settings() as settings:
        env = project.env(**settings)
        run([project.command("alembic"), "upgrade", "heads"], cwd=project.root, env=env)
        script = LIST_TABLES.format(package=project.slug)
        tables = run([project.command("python"), "-c", script], cwd=project.root, env=env)
        assert "users" in json.loads(tables.stdout)
        if project.database == "sqlite":
            assert (project.root / f"{project.slug}.db").is_file()

        run([project.command("pytest")], cwd=project.root, env=env)


# Run by the project's interpreter: make a table, or list the tables, of DATABASE_URL.
MAKE_A_TABLE = """
import os
from sqlalchemy import create_engine, text
with create_engine(os.environ["DATABASE_URL"]).begin() as connection:
    connection.execute(text("CREATE TABLE precious (id INTEGER PRIMARY KEY)"))
"""
TABLES = """
import os
from sqlalchemy import create_engine, inspect
print(sorted(inspect(create_engine(os.environ["DATABASE_URL"])).get_table_names()))
"""


@pytest.mark.parametrize("installed_project", EACH_SERVER_INSTALLED, indirect=True)
def test_the_suite_refuses_a_test_database_whose_name_does_not_end_in_test(
    installed_project: InstalledProject,
) -> None:
    # The suite drops TEST_DATABASE_URL's database: pointed at one that holds data (the
    # service's own, say), it must stop before touching it.
    project = installed_project
    with project.database_settings() as settings:
        env = project.env(**settings)
        python = project.command("python")
        run([python, "-c", MAKE_A_TABLE], cwd=project.root, env=env)
        env["TEST_DATABASE_URL"] = settings["DATABASE_URL"]
        result = run([project.command("pytest")], cwd=project.root, env=env, check=False)
        assert result.returncode == 3, result.stdout[-3000:]
        assert "must end in _test" in result.stdout + result.stderr
        tables = run([python, "-c", TABLES], cwd=project.root, env=env)
        assert tables.stdout.strip() == "['precious']"
