"""Run: each database's project installs from its own pyproject, migrates and passes its tests."""

import json

from tests.conftest import InstalledProject, run

# Asks the project's own settings which database they name, and what tables it holds.
LIST_TABLES = """
import json
from sqlalchemy import create_engine, inspect
from {package}.config import load_settings
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
