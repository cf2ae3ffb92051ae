"""The guided tour (docs/TOUR.md): its links lead to files, and its exercise, a `todos`
package done step by step as the tour writes it on each database's project, migrates,
passes `make lint` and `make test`, and serves todos that only their owner can reach. The
tour cannot drift from the code unnoticed."""

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import DATABASES, InstalledProject, bake, run
from tests.serving import call, free_port, serving

LINK = re.compile(r"\]\(([^)#\s]+)\)")
# The exercise's code blocks, in the order the reader meets them: shell commands to run,
# and Python lines to add to app.py.
CODE_BLOCK = re.compile(r"^```(bash|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
API = "/api/v1"


def exercise_steps(tour: str) -> list[tuple[str, str]]:
    """(language, line) for each line of the exercise's code blocks, in order."""
    exercise = tour[tour.index("## Exercise") :]
    return [
        (language, line.rstrip())
        for language, block in CODE_BLOCK.findall(exercise)
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def expected_steps(slug: str) -> list[tuple[str, str]]:
    """The exercise as the tour must tell it: the folder, the router's line, the migration."""
    return [
        ("bash", f"cp -r docs/exercise-todos/{slug}/todos {slug}/"),
        ("bash", "cp docs/exercise-todos/tests/test_todos.py tests/"),
        ("python", f"from {slug}.todos.router import router as todos_router"),
        ("python", '    app.include_router(todos_router, prefix="/api/v1")'),
        ("bash", "make migrate"),
        ("bash", 'make revision m="add todos"'),
        ("bash", "make migrate"),
        ("bash", "make lint"),
        ("bash", "make test"),
    ]


def add_to_app(app_py: Path, line: str, slug: str) -> None:
    """Add a line of the tour to app.py where the tour says: an import among the package's
    own, in alphabetical order; an include_router after the last of those under /api/v1."""
    lines = app_py.read_text().splitlines(keepends=True)
    if line.startswith("from "):
        ours = [i for i, old in enumerate(lines) if old.startswith(f"from {slug}.")]
        later = [i for i in ours if lines[i] > line]
        where = later[0] if later else ours[-1] + 1
    else:
        where = 1 + max(i for i, old in enumerate(lines) if f'prefix="{API}")' in old)
    lines.insert(where, line + "\n")
    app_py.write_text("".join(lines))


@pytest.mark.parametrize("database", DATABASES)
def test_the_tours_links_lead_to_files_and_it_names_each_file_of_its_exercise(
    database: str, tmp_path: Path
) -> None:
    project = bake(tmp_path, database=database)
    tour = project / "docs" / "TOUR.md"
    text = tour.read_text(encoding="utf-8")

    links = [link for link in LINK.findall(text) if "://" not in link]
    missing = [link for link in links if not (tour.parent / link).exists()]
    exercise = tour.parent / "exercise-todos"
    files = sorted(path.relative_to(tour.parent).as_posix() for path in exercise.rglob("*.py"))

    assert len(links) >= 10, links
    assert missing == []
    assert len(files) == 6, files  # the package's five files and the test file
    assert [name for name in files if name not in links] == []


def log_in(base_url: str, username: str) -> str:
    """Sign a user up through the API, log in, and return the token."""
    password = f"{username} has a long password"
    account = {"username": username, "password": password}
    assert call(f"{base_url}{API}/users", json_body=account)[0] == 201
    status, body = call(f"{base_url}{API}/auth/token", form=account)
    assert status == 200, body
    token: str = body["access_token"]
    return token


def check_todos_are_their_owners(base_url: str, ada: str, bob: str) -> None:
    """Ada's todo: hers to read, change and see listed; 404 to Bob, as a missing one is."""
    todos = f"{base_url}{API}/todos"
    status, todo = call(todos, json_body={"title": "buy milk"}, token=ada)
    assert status == 201, todo
    url = f"{todos}/{todo['id']}"

    assert call(url, method="PATCH", json_body={"done": True}, token=bob)[0] == 404
    assert call(url, method="DELETE", token=bob)[0] == 404
    assert call(url, token=bob)[0] == 404
    assert call(todos, token=bob) == (200, {"items": [], "next_after": None})
    status, page = call(todos, token=ada)
    assert (status, [item["title"] for item in page["items"]]) == (200, ["buy milk"])
    assert call(url, token=ada)[1]["done"] is False, "Bob's PATCH changed Ada's todo"
    assert call(url, method="PATCH", json_body={"done": True}, token=ada)[1]["done"] is True


@contextmanager
def served_copy(project: InstalledProject, copy: Path, env: dict[str, str]) -> Iterator[str]:
    """Serve the copy (its package comes first on PYTHONPATH), as `make run` serves it."""
    port = free_port()
    command = [project.command("python"), "-m", project.slug, "serve", "--port", str(port)]
    with serving(command, port=port, cwd=copy, env=env, log=copy.parent / "uvicorn.log") as url:
        yield url


def todos_outcomes(pytest_output: str) -> list[str]:
    """The outcome of each test of tests/test_todos.py, from the summary of `pytest -rA`."""
    return re.findall(r"^([A-Z]+) tests/test_todos\.py::", pytest_output, flags=re.MULTILINE)


def test_the_tours_exercise_done_as_written_migrates_passes_and_serves_todos_to_their_owners(
    installed_project: InstalledProject, project_copy: Path
) -> None:
    project = installed_project
    (project_copy / ".venv").symlink_to(project.venv)
    (project_copy / "installed-stamp").touch()  # the venv is installed: make need not
    steps = exercise_steps((project_copy / "docs" / "TOUR.md").read_text())
    assert steps == expected_steps(project.slug)
    # A newcomer's clone: the project committed, its database the default of .env (SQLite)
    # or one of the test's own on the server.
    run(["git", "init", "--quiet"], cwd=project_copy)
    run(["git", "add", "--all"], cwd=project_copy)
    # `make test` runs the new tests and the migrations' (the drift check among them): the
    # rest of the suite is the bake's, which the run tier (test_run.py) runs on each database.
    chosen = "tests/test_todos.py tests/test_migrations.py"
    with project.database_settings() as settings:
        env = project.env(
            **settings,
            PYTHONPATH=str(project_copy),
            MAKEFLAGS="INSTALLED=installed-stamp",
            PYTEST_ADDOPTS=f"-rA {chosen}",  # -rA: a summary line for each test
        )

        outputs: dict[str, str] = {}

        def carry_out(language: str, line: str) -> None:
            if language == "python":
                add_to_app(project_copy / project.slug / "app.py", line, project.slug)
                return
            result = subprocess.run(
                ["bash", "-c", line],
                cwd=project_copy,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, f"{line}:\n{result.stdout}\n{result.stderr}"
            outputs[line] = result.stdout

        # Up to the migration that makes the table: the service (as `make run` reloads it)
        # then has the new endpoints, without their table.
        migrate = len(steps) - 1 - steps[::-1].index(("bash", "make migrate"))
        for step in steps[:migrate]:
            carry_out(*step)
        with served_copy(project, project_copy, env) as base_url:
            ada, bob = log_in(base_url, "ada"), log_in(base_url, "bob")
            status, _ = call(f"{base_url}{API}/todos", json_body={"title": "early"}, token=ada)
            # SQLite's "no such table" is an OperationalError, which app.py answers with 503.
            assert status == (503 if project.database == "sqlite" else 500)
            carry_out(*steps[migrate])
            check_todos_are_their_owners(base_url, ada, bob)
        for step in steps[migrate + 1 :]:
            carry_out(*step)

    migration = project_copy / "migrations" / "versions" / "service_0001_add_todos.py"
    text = migration.read_text()
    assert 'op.create_table(\n        "todos",' in text, text
    assert 'ondelete="CASCADE"' in text
    assert 'op.f("ix_todos_owner_id")' in text
    assert 'op.drop_table("todos")' in text
    outcomes = todos_outcomes(outputs["make test"])
    assert outcomes, "make test ran none of tests/test_todos.py"
    assert set(outcomes) == {"PASSED"}, outcomes
