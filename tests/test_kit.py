"""The engineering kit: pre-commit, mypy --strict and the Makefile pass on a baked project."""

import pytest

from tests.conftest import InstalledProject, run


@pytest.fixture(scope="module")
def git_project(installed_project: InstalledProject) -> InstalledProject:
    """The installed project as a new git repository with every file staged.

    pre-commit checks the files git knows; .gitignore keeps .venv, .env and the database
    out, exactly as on a developer's first commit.
    """
    run(["git", "init", "--quiet"], cwd=installed_project.root)
    run(["git", "add", "--all"], cwd=installed_project.root)
    return installed_project


def test_pre_commit_passes_on_every_file(git_project: InstalledProject) -> None:
    project = git_project
    run(
        [project.command("pre-commit"), "run", "--all-files", "--show-diff-on-failure"],
        cwd=project.root,
        env=project.env(),
    )


def test_mypy_strict_passes_on_package_tests_and_migrations(
    git_project: InstalledProject,
) -> None:
    project = git_project
    result = run([project.command("mypy"), "--strict"], cwd=project.root, env=project.env())
    assert result.stdout.startswith("Success: no issues found")


def test_make_lint_passes(git_project: InstalledProject) -> None:
    run(["make", "lint"], cwd=git_project.root, env=git_project.env())
