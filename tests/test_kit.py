"""The engineering kit: `make lint` (pre-commit's checks, mypy --strict among them) passes
on a baked project and fails on what a merge or an update left unfinished; `make test`
takes pytest's arguments."""

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SQLITE_INSTALLED, InstalledProject, run

# The checks a clean project must pass, as pre-commit names them: none may be skipped.
REQUIRED_CHECKS = [
    "ruff check (lint, with fixes)",
    "ruff format",
    "mypy --strict",
    "check for merge conflict markers",
]
# The check that refuses cruft's .rej files and merge tools' .orig copies: a clean project
# has none, so pre-commit skips it, but it must be there.
LEFTOVERS_CHECK = "no .rej or .orig files left by a merge or an update"
# What git writes where both sides changed the same lines (the generated README names them).
CONFLICT = "<<<<<<< ours\nour line\n=======\ntheir line\n>>>>>>> theirs\n"
# A hunk that did not apply, as cruft leaves it beside the file.
REJECTED_HUNK = '--- app.py\n+++ app.py\n@@ -1 +1 @@\n-"""The app."""\n+"""The API."""\n'


def check_line(check: str, result: str) -> str:
    """pre-commit's line for one check: `name....Passed`, `Failed` or `(no files...)Skipped`."""
    return rf"^{re.escape(check)}\.+(?:\(no files to check\))?{result}$"


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
        assert re.search(check_line(check, "Passed"), result.stdout, re.MULTILINE), (
            f"{check} did not pass:\n{result.stdout}"
        )
    assert re.search(check_line(LEFTOVERS_CHECK, "Skipped"), result.stdout, re.MULTILINE), (
        f"{LEFTOVERS_CHECK} did not run:\n{result.stdout}"
    )


def make_in(copy: Path, project: InstalledProject) -> tuple[list[str], dict[str, str]]:
    """`make` in a copy of the installed project, with its virtual environment."""
    (copy / ".venv").symlink_to(project.venv)
    # The venv is installed already: a stamp newer than pyproject.toml tells make so.
    (copy / "installed-stamp").touch()
    return ["make", "INSTALLED=installed-stamp"], project.env(PYTHONPATH=str(copy))


@pytest.mark.parametrize("installed_project", SQLITE_INSTALLED, indirect=True)
def test_make_lint_fails_on_what_a_merge_or_an_update_left_unfinished(
    installed_project: InstalledProject, project_copy: Path
) -> None:
    # cruft applies an update with `git apply -3`, not a merge: nothing tells git that one
    # is under way, so the markers are looked for in every file, always.
    make, env = make_in(project_copy, installed_project)
    run(["git", "init", "--quiet"], cwd=project_copy)
    run(["git", "add", "--all"], cwd=project_copy)
    rejected = project_copy / installed_project.slug / "app.py.rej"
    rejected.write_text(REJECTED_HUNK)
    backup = project_copy / "README.md.orig"
    shutil.copy(project_copy / "README.md", backup)
    tour = project_copy / "docs" / "TOUR.md"
    original = tour.read_text()
    tour.write_text(CONFLICT + original)

    unfinished = run([*make, "lint"], cwd=project_copy, env=env, check=False)

    assert unfinished.returncode != 0, unfinished.stdout
    output = unfinished.stdout
    assert re.search(check_line("check for merge conflict markers", "Failed"), output, re.M)
    for line, marker in ((1, "<<<<<<<"), (3, "======="), (5, ">>>>>>>")):
        assert f"docs/TOUR.md:{line}: Merge conflict string '{marker}' found" in output, output
    assert re.search(check_line(LEFTOVERS_CHECK, "Failed"), output, re.M), output
    named = set(output.splitlines())
    assert {f"{installed_project.slug}/app.py.rej", "README.md.orig"} <= named, output

    # Finished by hand, the same checks pass.
    rejected.unlink()
    backup.unlink()
    tour.write_text(original)
    finished = run([*make, "lint"], cwd=project_copy, env=env)
    assert re.search(
        check_line("check for merge conflict markers", "Passed"), finished.stdout, re.M
    )


@pytest.mark.parametrize("installed_project", SQLITE_INSTALLED, indirect=True)
def test_make_test_runs_what_pytest_args_select(
    installed_project: InstalledProject, project_copy: Path
) -> None:
    make, env = make_in(project_copy, installed_project)
    # The README's form: -k with a test's name (one test of the suite has this one) and -x.
    by_name = [*make, "test", "PYTEST_ARGS=-k 'test_health_reports_a_reachable_database' -x"]
    result = run(by_name, cwd=project_copy, env=env)
    assert re.search(r"^=+ 1 passed, \d+ deselected in ", result.stdout, re.M), result.stdout
    # One file: tests/test_health.py holds two tests.
    result = run([*make, "test", "PYTEST_ARGS=tests/test_health.py"], cwd=project_copy, env=env)
    assert re.search(r"^=+ 2 passed in ", result.stdout, re.M), result.stdout
