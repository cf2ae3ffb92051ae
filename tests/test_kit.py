"""The engineering kit: `make lint` (pre-commit's checks, mypy --strict among them) passes
on a baked project."""

import re

from tests.conftest import InstalledProject, run

# The checks a clean project must pass, as pre-commit names them: none may be skipped.
REQUIRED_CHECKS = ["ruff check (lint, with fixes)", "ruff format", "mypy --strict"]


def test_make_lint_passes_with_ruff_and_mypy_strict_among_its_checks(
    installed_project: InstalledProject,
) -> None:
    # A new git repository with every file staged, as on a developer's first commit:
    # .gitignore keeps .venv, .env and the database out.
    project = installed_project
    run(["git", "init", "--quiet"], cwd=project.root)
    run(["git", "add", "--all"], cwd=project.root)
    result = run(["make", "lint"], cwd=project.root, env=project.env())
    for check in REQUIRED_CHECKS:
        assert re.search(rf"^{re.escape(check)}\.+Passed$", result.stdout, re.MULTILINE), (
            f"{check} did not pass:\n{result.stdout}"
        )
