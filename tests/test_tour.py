"""The guided tour (docs/TOUR.md): its links lead to files, its exercise's patch applies to
every database's project, and its exercise, run step by step as the tour writes it, ends
with a migration and a passing suite. The tour cannot drift from the code unnoticed."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DATABASES, SQLITE_INSTALLED, InstalledProject, bake, run

LINK = re.compile(r"\]\(([^)#\s]+)\)")
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def exercise_commands(tour: str) -> list[str]:
    """The shell commands of the tour's exercise, in the order the reader runs them."""
    exercise = tour[tour.index("## Exercise") :]
    return [
        line.strip()
        for block in BASH_BLOCK.findall(exercise)
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


@pytest.mark.parametrize("database", DATABASES)
def test_the_tours_links_lead_to_files_and_its_patch_applies(database: str, tmp_path: Path) -> None:
    project = bake(tmp_path, database=database)
    tour = project / "docs" / "TOUR.md"
    text = tour.read_text(encoding="utf-8")

    links = [link for link in LINK.findall(text) if "://" not in link]
    missing = [link for link in links if not (tour.parent / link).exists()]
    check = subprocess.run(
        ["git", "apply", "--check", "docs/exercise-email.patch"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    assert len(links) >= 10, links
    assert missing == []
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(
    "installed_project",
    SQLITE_INSTALLED,
    indirect=True,
)
def test_the_tours_exercise_done_as_written_migrates_and_passes_the_tests(
    installed_project: InstalledProject, project_copy: Path
) -> None:
    project = installed_project
    (project_copy / ".venv").symlink_to(project.venv)
    (project_copy / "installed-stamp").touch()  # the venv is installed: make need not
    commands = exercise_commands((project_copy / "docs" / "TOUR.md").read_text())
    assert commands == [
        "make migrate",
        "git apply docs/exercise-email.patch",
        'make revision m="add email to users"',
        "make migrate",
        "make test",
    ]
    # A newcomer's clone: the project committed, its database the default of .env.
    run(["git", "init", "--quiet"], cwd=project_copy)
    run(["git", "add", "--all"], cwd=project_copy)
    env = project.env(PYTHONPATH=str(project_copy), MAKEFLAGS="INSTALLED=installed-stamp")
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=project_copy,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"

    [migration] = (project_copy / "migrations" / "versions").glob("*add_email_to_users.py")
    text = migration.read_text()
    assert 'add_column(sa.Column("email", sa.String(length=254), nullable=True))' in text
    assert 'drop_column("email")' in text
    assert re.search(r"tests/test_email\.py \.+", result.stdout), result.stdout[-2000:]
