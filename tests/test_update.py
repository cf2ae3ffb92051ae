"""The update path: services baked with cruft take later template versions with `make update`.

Each test works on a temporary git copy of the template (version A: the template as it is
here, uncommitted changes included), bakes a service from it with cruft, and makes the
service a git repository, as the README says. The long test, for each database, then edits
the service as a team would (a line of a file the template changes too, a new module wired
into the app, a model column with its migration, README text) and commits the template's
next version B (other lines of the team's files, a file the team never touched, a new file,
a removed file, a migration with its model change). Then the generated README's commands:
`make update`, `make migrate`, `make revision`, `make lint`, `make test`, `cruft check`.
"""

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from tests.conftest import DATABASES, EACH_DATABASE_INSTALLED, TEMPLATE, run
from tests.database_servers import server_settings
from tests.serving import free_port
from tests.updating import (
    CONFLICT_END,
    CONFLICT_START,
    Service,
    bake_service,
    commit_all,
    git,
    leftovers,
    replace_once,
    service_environment,
    tool,
)

pytestmark = pytest.mark.usefixtures("git_identity")

SLUG = "orders"
SKELETON = "{{cookiecutter.project_slug}}"
PACKAGE = f"{SKELETON}/{SKELETON}"
USERS_ROUTER = 'router = APIRouter(prefix="/users", tags=["users"], responses=TRY_AGAIN)\n'
# The versions this file's template copies call themselves, whatever the template's own
# version is: version A, as copied, and version B, its next release.
VERSION_A, VERSION_B = "7.0.0", "7.1.0"
# Bounds a git daemon that never answers; not a speed requirement.
DAEMON_START_SECONDS = 30

# Version B's migration (after the template's newest, whichever that is), and the model
# change it goes with.
INDEX_REVISION = "0099"
INDEX_MIGRATION = '''"""Index users by when they signed up.

Revision ID: 0099
Revises: {head}
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0099"
down_revision: str | None = "{head}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_users_created_at"), "users", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_users_created_at"), table_name="users")
'''
CREATED_AT = "created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)"
INDEXED_CREATED_AT = CREATED_AT.replace("default=utc_now)", "default=utc_now, index=True)")

NICKNAME_COLUMN = "    nickname: Mapped[str | None] = mapped_column(String(40))\n"
# The team's own module, wired into the app, and its test.
PING_ROUTER = '''"""A route of the team's own, beside the template's."""

from fastapi import APIRouter

router = APIRouter(tags=["ping"])


@router.get("/ping")
async def ping() -> dict[str, str]:
    """Answer at once: no database, no token."""
    return {"ping": "pong"}
'''
PING_TEST = """from fastapi.testclient import TestClient


def test_ping_answers_pong(client: TestClient) -> None:
    response = client.get("/api/v1/ping")

    assert response.status_code == 200
    assert response.json() == {"ping": "pong"}
"""


def set_version(template: Path, version: str) -> None:
    """Give a copy of the template this version, as its maintainers do in a release."""
    answers = template / "cookiecutter.json"
    questions = json.loads(answers.read_text(encoding="utf-8"))
    replace_once(answers, f'"{questions["_template_version"]}"', f'"{version}"')


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A git repository at version A: the template's files here, tracked or new."""
    copy = tmp_path / "template"
    listed = git(TEMPLATE, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        if (TEMPLATE / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / name, copy / name)
    set_version(copy, VERSION_A)
    git(copy, "init", "--quiet", "--initial-branch=main")
    commit_all(copy, "Template version A")
    return copy


@contextmanager
def git_daemon(base: Path) -> Iterator[str]:
    """Serve the repositories in `base` at a git:// URL, as a hosted template is served."""
    port = free_port()
    daemon = subprocess.Popen(
        [
            *("git", "daemon", "--reuseaddr", "--export-all", f"--base-path={base}"),
            *("--listen=127.0.0.1", f"--port={port}", str(base)),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + DAEMON_START_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if daemon.poll() is not None or time.monotonic() > deadline:
                    daemon.kill()
                    pytest.fail(f"git daemon did not start: {daemon.communicate()[1]}")
                time.sleep(0.1)
        yield f"git://127.0.0.1:{port}/"
    finally:
        daemon.terminate()
        daemon.communicate(timeout=30)


def bake_orders(address: str, directory: Path, database: str, env: dict[str, str]) -> Service:
    """The service of these tests, "Orders" (package `orders`), from the template's newest."""
    answers = {"project_name": "Orders", "database": database}
    return bake_service(address, directory, env, answers)


def edit_as_a_team(service: Service) -> None:
    """Changes a team makes in its first weeks, to files the template owns too."""
    replace_once(
        service.file("<slug>/users/router.py"),
        '"""Users: sign up, read, update and delete (',
        '"""Users: sign up, read, change and delete (',
    )
    service.file("<slug>/ping.py").write_text(PING_ROUTER)
    service.file("tests/test_ping.py").write_text(PING_TEST)
    app = service.file("<slug>/app.py")
    replace_once(
        app,
        # In the order ruff keeps imports in (make lint checks it).
        f"from {SLUG}.health.router import router as health_router\n",
        f"from {SLUG}.health.router import router as health_router\n"
        f"from {SLUG}.ping import router as ping_router\n",
    )
    replace_once(
        app,
        '    app.include_router(users_router, prefix="/api/v1")\n',
        '    app.include_router(users_router, prefix="/api/v1")\n'
        '    app.include_router(ping_router, prefix="/api/v1")\n',
    )
    replace_once(
        service.file("<slug>/users/models.py"),
        "    age: Mapped[int | None]\n",
        "    age: Mapped[int | None]\n" + NICKNAME_COLUMN,
    )
    with service.file("README.md").open("a") as readme:
        readme.write("\n## On call\n\nThe orders team, in #orders.\n")


def release_version_b(template: Path) -> str:
    """The template's next version, committed: what its maintainers change in a release."""
    # Other lines of files the team changed too.
    replace_once(
        template / PACKAGE / "users/router.py",
        USERS_ROUTER,
        "# Every path of this router starts with /users.\n" + USERS_ROUTER,
    )
    replace_once(
        template / SKELETON / "README.md",
        "A small, complete web API built with",
        "A small, complete and tested web API built with",
    )
    replace_once(template / PACKAGE / "users/models.py", CREATED_AT, INDEXED_CREATED_AT)
    revisions = template / SKELETON / "migrations/template"
    (revisions / "0099_index_users_created_at.py").write_text(
        INDEX_MIGRATION.format(head=newest_revision(revisions))
    )
    # A file the team never touched, a new file, a removed one, and the version.
    replace_once(
        template / PACKAGE / "auth/passwords.py",
        '"""Password hashing: Argon2id, with a bound on how many hashes run at once; no database.'
        '"""',
        '"""Password hashing: Argon2id, with a bound on how many hashes run at once; no database\n'
        '(and so tested without one)."""',
    )
    (template / SKELETON / "RUNBOOK.md").write_text("# Runbook\n\nWhat to do when it breaks.\n")
    (template / SKELETON / ".editorconfig").unlink()
    set_version(template, VERSION_B)
    return commit_all(template, "Template version B")


def alembic(service: Service, *arguments: str) -> str:
    return run(
        [service.file(".venv/bin/alembic"), *arguments], cwd=service.root, env=service.env
    ).stdout


def newest_revision(revisions: Path) -> str:
    """The template's head revision: the one no other revises."""
    texts = "\n".join(path.read_text() for path in revisions.glob("*.py"))
    ids = set(re.findall(r'^revision: str = "(.+)"$', texts, flags=re.MULTILINE))
    revised = re.findall(r'^down_revision: str \| None = "(.+)"$', texts, flags=re.MULTILINE)
    [head] = ids.difference(revised)
    return head


# On SQLite: how cruft merges does not depend on the database, and each database's update
# from a real release, migrations and all, is tests/test_update_from_1_0_0.py's.
@pytest.mark.parametrize("database", EACH_DATABASE_INSTALLED[:1])
def test_an_update_brings_the_templates_changes_and_keeps_the_teams(
    database: str, template: Path, tmp_path: Path
) -> None:
    with git_daemon(template.parent) as git_url, server_settings(database) as settings:
        service = bake_orders(
            git_url + template.name, tmp_path / "services", database, service_environment(settings)
        )
        service.make("migrate")
        edit_as_a_team(service)
        service.file(".dockerignore").unlink()
        service.make("revision", "m=add nickname")
        service.make("migrate")
        team_commit = service.commit("Our first weeks")
        secrets_before = service.file(".env").read_bytes()
        version_b = release_version_b(template)

        update = service.make("update")

        # The merge is clean, and the service's own secrets are untouched.
        assert leftovers(service.root) == []
        assert git(service.root, "diff", "--name-only", "--diff-filter=U") == ""
        assert service.file(".env").read_bytes() == secrets_before
        assert f"Update from the template: {VERSION_A} (" in update.stdout
        assert f") to {VERSION_B} (" in update.stdout
        # A file the team deleted is passed by, and named.
        assert "does not have" in update.stdout
        assert "\n  .dockerignore\n" in update.stdout
        assert not service.file(".dockerignore").exists()
        # The team's edits and the template's changes, side by side in one file.
        users = service.file("<slug>/users/router.py").read_text()
        assert "Users: sign up, read, change and delete" in users
        assert "# Every path of this router starts with /users." in users
        assert "ping_router" in service.file("<slug>/app.py").read_text()
        models = service.file("<slug>/users/models.py").read_text()
        assert "nickname" in models
        assert INDEXED_CREATED_AT in models
        readme = service.file("README.md").read_text()
        assert "The orders team, in #orders." in readme
        assert "A small, complete and tested web API" in readme
        assert "(and so tested without one)" in service.file("<slug>/auth/passwords.py").read_text()
        assert service.file("RUNBOOK.md").is_file()
        assert not service.file(".editorconfig").exists()
        assert service.file("migrations/template/0099_index_users_created_at.py").is_file()
        assert service.file("migrations/versions/service_0001_add_nickname.py").is_file()
        # The update is not recorded until it is committed.
        assert git(service.root, "rev-parse", "HEAD").strip() == team_commit
        assert service.state()["commit"] == version_b

        # The template's migration and the team's: two heads, both applied by make migrate.
        service.make("migrate")
        current = alembic(service, "current")
        assert "0099 (head)" in current
        assert "service_0001 (head)" in current
        # The team's next revision joins them.
        replace_once(
            service.file("<slug>/users/models.py"),
            NICKNAME_COLUMN,
            NICKNAME_COLUMN + "    timezone: Mapped[str | None] = mapped_column(String(64))\n",
        )
        service.make("revision", "m=add timezone")
        joined = service.file("migrations/versions/service_0002_add_timezone.py").read_text()
        down = re.search(r"^down_revision\b.*?=\s*(.+)$", joined, flags=re.MULTILINE)
        assert down is not None
        assert set(re.findall(r'"([^"]+)"', down.group(1))) == {"0099", "service_0001"}
        service.make("migrate")
        assert alembic(service, "heads").split() == ["service_0002", "(head)"]

        # The files the update merged are the same for each database (the kit and run tiers
        # lint and test every database's project): make lint on one is enough. make test
        # runs what the update merged: the migrations, the users' model and router (changed
        # by both sides) and the team's own route. The whole suite of an updated project runs
        # in test_update_from_1_0_0.py.
        if database == "sqlite":
            service.make("lint")
        merged = "tests/test_migrations.py tests/test_users.py tests/test_ping.py"
        service.make("test", f"PYTEST_ARGS={merged}")
        service.commit("Update from the template")
        assert "up to date" in service.cruft("check").stdout


# A conflict is git's and cruft's work, the same whatever the database: one is enough (the
# long test above updates each database's project).
@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite"])
def test_a_conflict_in_a_fresh_clone_is_one_to_resolve_as_the_readme_says(
    database: str, template: Path, tmp_path: Path
) -> None:
    first = bake_orders(str(template), tmp_path / "services", database, service_environment({}))
    team_line = USERS_ROUTER.replace('["users"]', '["users", "orders"]')
    replace_once(first.file("<slug>/users/router.py"), USERS_ROUTER, team_line)
    first.commit("Tag our routes")
    # Version B changes another line of that file: a clean merge, committed. The file as
    # B's template wrote it is then in no commit, and a clone does not have it.
    replace_once(
        template / PACKAGE / "users/router.py",
        '"""Users: sign up, read, update and delete',
        '"""Users: sign up, read, update, delete',
    )
    version_b = commit_all(template, "Template version B")
    first.make("update")
    first.commit("Update from the template")
    # CI's situation: a fresh clone, without .env (git-ignored), and version C changes the
    # team's line.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--no-local", str(first.root), str(clone))
    service = Service(root=clone, env=first.env)
    template_line = USERS_ROUTER.replace('["users"]', '["people"]')
    replace_once(template / PACKAGE / "users/router.py", USERS_ROUTER, template_line)
    commit_all(template, "Template version C")
    readme = service.file("README.md").read_text()
    assert f"`{CONFLICT_START}`" in readme
    assert f"`{CONFLICT_END}`" in readme

    update = service.make("update", check=False)

    assert update.returncode != 0
    assert f"Conflicts to resolve in:\n  {SLUG}/users/router.py" in update.stdout
    users = service.file("<slug>/users/router.py")
    block = f"{CONFLICT_START}\n{team_line}=======\n{template_line}{CONFLICT_END}\n"
    assert block in users.read_text()
    assert leftovers(service.root) == [f"{users} (conflict markers)"]
    assert run(["git", "diff", "--check", "HEAD"], cwd=clone, check=False).returncode != 0
    assert not service.file(".env").exists()
    # Committed with its markers, as the template-update workflow commits a conflict, the
    # file fails CI's pre-commit run (and make lint), although no merge is under way.
    git(clone, "add", "--all")
    checks = run(
        [service.file(".venv/bin/pre-commit"), "run", "check-merge-conflict", "--all-files"],
        cwd=clone,
        env=service.env | {"PATH": f"{service.file('.venv/bin')}:{service.env['PATH']}"},
        check=False,
    )
    assert checks.returncode != 0, checks.stdout
    assert f"{SLUG}/users/router.py:" in checks.stdout, checks.stdout

    # Giving up, as the README says, leaves the service as it was.
    run(["sh", "-c", "git reset --hard && git clean -fd"], cwd=clone)
    assert team_line in users.read_text()
    assert service.state()["commit"] == version_b

    # Resolving it, as the README says.
    assert service.make("update", check=False).returncode != 0
    replace_once(users, block, USERS_ROUTER.replace('["users"]', '["people", "orders"]'))
    git(clone, "add", users.relative_to(clone).as_posix())
    assert git(clone, "diff", "--check", "HEAD") == ""
    service.commit("Update from the template")
    assert leftovers(service.root) == []
    assert "up to date" in service.cruft("check").stdout


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("address", ["local path", "git URL"])
def test_right_after_a_bake_cruft_sees_no_difference(
    database: str, address: str, template: Path, tmp_path: Path
) -> None:
    with git_daemon(template.parent) as git_url:
        source = str(template) if address == "local path" else git_url + template.name
        service = bake_orders(source, tmp_path / "services", database, service_environment({}))

        diff = service.cruft("diff", "--exit-code", check=False)

    assert (diff.returncode, diff.stdout) == (0, "")
    state = service.state()
    assert state["template"] == source
    assert state["commit"] == git(template, "rev-parse", "HEAD").strip()
    # One record of the answers: .cruft.json, with the template's version.
    assert not service.file(".cookiecutter.json").exists()
    answers = state["context"]["cookiecutter"]
    assert (answers["database"], answers["_template_version"]) == (database, VERSION_A)


# From 2.0.0 on, make update names such a file itself; 1.x's script, which a service of those
# versions runs when it updates, leaves that to cruft's "patch does not apply"
# (test_update_from_1_0_0.py). The same whatever the database: one is enough.
@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite"])
def test_a_file_the_team_changed_and_the_template_moved_is_a_conflict_with_what_to_do(
    database: str, template: Path, tmp_path: Path
) -> None:
    service = bake_orders(str(template), tmp_path / "services", database, service_environment({}))
    rows = service.file("<slug>/users/rows.py")
    team_line = "# The orders team's reports read users through this query too.\n"
    rows.write_text(rows.read_text() + team_line)
    service.commit("Note who reads users")
    theirs = rows.read_bytes()
    # Version B rewrites the module under another name: git sees no move, only a removal.
    (template / PACKAGE / "users/rows.py").unlink()
    (template / PACKAGE / "users/user_reads.py").write_text('"""Reads of one user."""\n')
    commit_all(template, "Template version B")

    update = service.make("update", check=False)

    assert update.returncode != 0
    assert f"Conflicts to resolve in:\n  {SLUG}/users/rows.py\n" in update.stdout
    moved = "The template removed or moved these files, which your changes kept here:"
    assert f"{moved}\n  {SLUG}/users/rows.py\n" in update.stdout
    assert "git log -p" in update.stdout  # where the team's changes are
    assert "git rm <file>" in update.stdout
    assert rows.read_bytes() == theirs

    # As it says: the change made again in the new module, the old one removed.
    reads = service.file("<slug>/users/user_reads.py")
    reads.write_text(reads.read_text() + team_line)
    git(service.root, "rm", "--quiet", rows.relative_to(service.root).as_posix())
    service.commit("Update from the template")
    assert leftovers(service.root) == []
    assert "up to date" in service.cruft("check").stdout


def ci_template_check(service: Service) -> str:
    """The script of the CI step that says when the template has moved on (ci.yml)."""
    workflow = yaml.safe_load(service.file(".github/workflows/ci.yml").read_text())
    [script] = [
        step["run"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "cruft check" in step.get("run", "")
    ]
    return script


def run_ci_step(service: Service, script: str, summary: Path) -> subprocess.CompletedProcess[str]:
    """Run a step's script as GitHub does for `shell: bash`, with cruft (the dev extra's) on
    PATH; its step summary goes to `summary`."""
    summary.write_text("")
    env = service.env | {
        "PATH": f"{tool('cruft').parent}:{service.env['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script]
    return run(command, cwd=service.root, env=env, check=False)


def test_ci_warns_when_the_template_has_moved_on_and_when_it_cannot_tell(
    template: Path, tmp_path: Path
) -> None:
    # A warning on the build, never a failure: an update is the team's to schedule, and the
    # template may be out of CI's reach (private, or, as here, a path on another machine).
    service = bake_orders(str(template), tmp_path / "services", "sqlite", service_environment({}))
    script, summary = ci_template_check(service), tmp_path / "summary.md"

    current = run_ci_step(service, script, summary)
    assert current.returncode == 0, current.stdout + current.stderr
    assert "::warning" not in current.stdout
    assert summary.read_text() == ""

    tour = template / SKELETON / "docs/TOUR.md"
    tour.write_text(tour.read_text() + "\nOne more thing.\n")
    commit_all(template, "Template version B")
    behind = run_ci_step(service, script, summary)
    assert behind.returncode == 0, behind.stdout + behind.stderr
    [warning] = [line for line in behind.stdout.splitlines() if line.startswith("::warning")]
    assert warning.startswith("::warning title=Behind the template::"), warning
    assert "make update" in warning
    assert service.state()["commit"][:7] in warning, "the warning names no recorded commit"
    assert "Behind the template" in summary.read_text()

    template.rename(tmp_path / "moved")
    unreachable = run_ci_step(service, script, summary)
    assert unreachable.returncode == 0, unreachable.stdout + unreachable.stderr
    [warning] = [line for line in unreachable.stdout.splitlines() if line.startswith("::warning")]
    assert warning.startswith("::warning title=Template not checked::"), warning
    assert "Template not checked" in summary.read_text()


@pytest.mark.parametrize("database", DATABASES)
def test_a_plain_cookiecutter_bake_links_with_the_answers_it_recorded(
    database: str, template: Path, tmp_path: Path
) -> None:
    answers = [f"database={database}", "project_name=Order Desk", "author_name=Ada"]
    run([tool("cookiecutter"), template, "--no-input", "-o", tmp_path, *answers])
    project = tmp_path / "order_desk"
    recorded = project / ".cookiecutter.json"

    # The template's README: cruft link with the recorded answers, then the file goes.
    run(
        [tool("cruft"), "link", template, "-y", "--extra-context", recorded.read_text()],
        cwd=project,
    )
    recorded.unlink()

    diff = run([tool("cruft"), "diff", "--exit-code"], cwd=project, check=False)
    assert (diff.returncode, diff.stdout) == (0, "")
    linked = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert (linked["database"], linked["project_name"], linked["author_name"]) == (
        database,
        "Order Desk",
        "Ada",
    )
