"""From a release to this commit: a service baked at the template's first release takes the
template's newest commit through its own `make update`, as a team would.

The template is a clone of this repository at its HEAD (committed files only): the commit
these tests run in is what the update brings. The service is baked with cruft at the
release's commit, `git init`ed and committed, and its `.env` is the one that release's bake
wrote. In the first test, for each database, the team adds a module and its test, updates
with `make update`, follows the "By hand" steps of CHANGELOG.md for each version the update
passes, then installs, migrates the database its release made and runs the project's own
`make test`. In the second, the team had changed two modules that 2.0.0 moved: the update
names them, and the team carries its change over as the CHANGELOG's 2.0.0 says.
"""

import json
import re
import secrets
from pathlib import Path

import pytest

from tests.conftest import DATABASES, SERVER_MARKS, TEMPLATE, env_values, run
from tests.database_servers import dropped_afterwards, require_server
from tests.updating import (
    Service,
    bake_service,
    git,
    leftovers,
    service_environment,
)

pytestmark = pytest.mark.usefixtures("git_identity")

# The first release a service of each database can update from, by version and commit, as
# CHANGELOG.md's headings name them ("## 1.0.0 (2026-12-01, commit aa4ff67)"). 1.0.0 offered
# SQLite and MySQL (its cookiecutter.json: "database": ["sqlite", "mysql"]); PostgreSQL came
# with 1.1.0, so a PostgreSQL service starts there.
FIRST_RELEASE = {
    "sqlite": ("1.0.0", "aa4ff67"),
    "mysql": ("1.0.0", "aa4ff67"),
    "postgresql": ("1.1.0", "0b7cae4"),
}
# Each database's case in an xdist group of its own: most of its time is spent waiting on
# make's commands, and the other process works meanwhile.
EACH_DATABASE = [
    pytest.param(
        database,
        id=f"database={database}",
        marks=[
            pytest.mark.slow,
            pytest.mark.xdist_group(f"update-from-release-{database}"),
            *SERVER_MARKS.get(database, []),
        ],
    )
    for database in DATABASES
]

# The team's own module and its test: files the template has never had.
GREETINGS = '''"""Greetings: the team's own module, beside the template's."""


def greet(name: str) -> str:
    """A greeting for one person."""
    return f"Hello, {name}!"
'''
GREETINGS_TEST = """from {slug}.greetings import greet


def test_a_greeting_names_the_person() -> None:
    assert greet("Ada") == "Hello, Ada!"
"""
GREETINGS_TEST_ID = "tests/test_greetings.py::test_a_greeting_names_the_person"
# What `make test` runs after the update (PYTEST_ARGS; -rA names each test that passed): the
# tests of what the update and the by-hand steps changed, the migrations (and on a server the
# two database accounts), and the team's. The rest of the suite is the same files as a fresh
# bake's (the test checks it), which test_run.py runs on each database; the whole suite on
# three databases would add minutes to the run.
SERVER_TESTS = "tests/test_migrations.py tests/test_database_accounts.py tests/test_greetings.py"
TESTS_RUN = {
    "sqlite": "-rA tests/test_migrations.py tests/test_sqlite_migrations.py"
    " tests/test_greetings.py",
    "mysql": f"-rA {SERVER_TESTS}",
    "postgresql": f"-rA {SERVER_TESTS}",
}


@pytest.fixture
def template_clone(tmp_path: Path) -> Path:
    """This repository's history up to its HEAD, in a clone whose branch is at HEAD: cruft
    bakes from it at a release's commit, and updates to the newest commit of its branch."""
    clone = tmp_path / "template"
    run(["git", "clone", "--quiet", TEMPLATE, clone])
    git(clone, "checkout", "--quiet", "-B", "main")  # a CI checkout's HEAD may be detached
    for _version, commit in FIRST_RELEASE.values():
        found = run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=clone, check=False)
        if found.returncode != 0:
            pytest.fail(
                f"this clone of the template lacks the release commit {commit}; a shallow clone"
                " (CI's checkout without fetch-depth: 0)? git fetch --unshallow"
            )
    return clone


def unique_project_name() -> str:
    """A project name whose slug names the service's databases and accounts: unique to the
    test, so that they can be dropped by it afterwards."""
    return f"Update {secrets.token_hex(4)}"


def slug_of(project_name: str) -> str:
    return project_name.lower().replace(" ", "_")


def add_the_teams_module(service: Service) -> dict[Path, bytes]:
    """A module of the team's own and its test, committed; their bytes, by path."""
    files = {
        service.file("<slug>/greetings.py"): GREETINGS,
        service.file("tests/test_greetings.py"): GREETINGS_TEST.format(slug=service.slug),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    service.commit("Greetings, our own module")
    return {path: path.read_bytes() for path in files}


def project_files(root: Path) -> set[str]:
    """The files git would track in a project: not .env, the venv, the database or caches."""
    listed = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return set(filter(None, listed.split("\0")))


def differences_from_a_fresh_bake(
    service: Service, template: Path, directory: Path, answers: dict[str, str]
) -> list[str]:
    """The files in which the service differs from a bake of the template's newest commit
    with the same answers: missing, extra or with other bytes."""
    fresh = bake_service(str(template), directory, service.env, answers)
    ours, theirs = project_files(service.root), project_files(fresh.root)
    different = sorted(ours ^ theirs)
    for name in sorted(ours & theirs):
        if (service.root / name).read_bytes() != (fresh.root / name).read_bytes():
            different.append(name)
    return different


def create_superuser(service: Service, username: str) -> str:
    """`python -m <slug> create-superuser`: a new superuser, or an existing user promoted."""
    command = [service.file(".venv/bin/python"), "-m", service.slug, "create-superuser", username]
    env = service.env | {"SUPERUSER_PASSWORD": "correct horse battery"}
    return run(command, cwd=service.root, env=env).stdout


def follow_the_changelog_by_hand(service: Service, database: str, version: str) -> None:
    """CHANGELOG.md's "By hand" steps of each version after the service's own, as the team
    carries them out, each under the line it follows."""
    if version == "1.0.0" and database == "mysql":
        env_file = service.file(".env")
        text = env_file.read_text(encoding="utf-8")
        # 1.1.0: "MySQL services: wherever a URL names PyMySQL, `mysql+pymysql://` becomes
        # `mysql+mysqldb://` [...]: `DATABASE_URL` and `TEST_DATABASE_URL` in `.env`".
        text = text.replace("mysql+pymysql://", "mysql+mysqldb://")
        # 1.1.0, step 1: "In `.env` (updates leave it alone), add `MIGRATION_DATABASE_URL`:
        # `DATABASE_URL` with another user (`<slug>_migrations`, as new projects have) and a
        # password of its own" (the compose passwords are for docker compose, not used here).
        database_url = env_values(env_file)["DATABASE_URL"].replace("pymysql", "mysqldb")
        migrations_user = f"{service.slug}_migrations:{secrets.token_urlsafe(24)}@"
        migration_url = re.sub(r"(?<=://)[^@]*@", migrations_user, database_url)
        text += f"MIGRATION_DATABASE_URL={migration_url}\n"
        env_file.write_text(text, encoding="utf-8")
        # 1.1.0, step 2: "Run `make database` [...]: it makes the migrations' user, gives it
        # the schema, and leaves the service's user only reading and writing rows."
        service.make("database")
    # 1.1.0: "Run `alembic upgrade heads` (`make migrate`)": the caller migrates next.
    # 2.0.0's steps are for a file the team edited that moved, and code of its own that
    # imports the template's modules: this team did neither (its module imports none).
    # "Nothing for the pins: the next `make` command installs them": the caller installs.
    # 3.0.0's steps are for the service's clients (refresh tokens), its users (who sign in
    # again), and its Kubernetes Secret: this team's service has none of them here.


@pytest.mark.parametrize("database", EACH_DATABASE)
def test_a_service_of_the_first_release_takes_this_commit_and_keeps_the_teams_work(
    database: str, template_clone: Path, tmp_path: Path
) -> None:
    require_server(database)
    version, release = FIRST_RELEASE[database]
    newest = git(template_clone, "rev-parse", "HEAD").strip()
    newest_version = json.loads((template_clone / "cookiecutter.json").read_text())[
        "_template_version"
    ]
    project_name = unique_project_name()
    answers = {"project_name": project_name, "database": database}
    env = service_environment({})
    with dropped_afterwards(database, slug_of(project_name)):
        service = bake_service(
            str(template_clone), tmp_path / "services", env, answers, checkout=release
        )
        assert service.state()["context"]["cookiecutter"]["_template_version"] == version
        # The service ran on its release: its database, with that release's tables, and a
        # user in them.
        if database != "sqlite":
            service.make("database")
        service.make("migrate")
        assert "created" in create_superuser(service, "ada")
        team_files = add_the_teams_module(service)
        env_before = service.file(".env").read_bytes()

        update = service.make("update")

        # A clean merge, the team's files as they were, and .env untouched (updates skip it).
        assert git(service.root, "diff", "--name-only", "--diff-filter=U") == ""
        assert leftovers(service.root) == []
        assert {path: path.read_bytes() for path in team_files} == team_files
        assert service.file(".env").read_bytes() == env_before
        title = (
            f"Update from the template: {version} ({release}) to {newest_version} ({newest[:7]})"
        )
        assert title in update.stdout
        state = service.state()
        assert (state["commit"], state["context"]["cookiecutter"]["_template_version"]) == (
            newest,
            newest_version,
        )
        # Every other file is as this commit bakes it, .cruft.json too: nothing of the
        # release left behind, nothing of this commit missing.
        fresh = tmp_path / "fresh"
        team_names = sorted(path.relative_to(service.root).as_posix() for path in team_files)
        assert differences_from_a_fresh_bake(service, template_clone, fresh, answers) == team_names

        follow_the_changelog_by_hand(service, database, version)
        service.make("install")
        service.make("migrate")
        # The release's user is still there, read and changed through .env's DATABASE_URL.
        assert "ada is now a superuser" in create_superuser(service, "ada")
        tests = service.make("test", f"PYTEST_ARGS={TESTS_RUN[database]}")
        assert f"PASSED {GREETINGS_TEST_ID}" in tests.stdout

        service.commit(title)
        assert "up to date" in service.cruft("check").stdout


def test_the_releases_are_the_changelogs() -> None:
    """The commits above are those CHANGELOG.md names for their versions."""
    changelog = (TEMPLATE / "CHANGELOG.md").read_text(encoding="utf-8")
    for version, commit in FIRST_RELEASE.values():
        assert re.search(rf"^## {re.escape(version)} \([^)]*commit {commit}\)$", changelog, re.M)


# A change of the team's own, at 1.0.0, in two modules that 2.0.0's regroup split and moved
# (CHANGELOG.md, 2.0.0: `crud.py` became `users/queries.py` and others, `routers/users.py`
# became `users/router.py` and `users/admin_router.py`): a superusers' endpoint and its query.
COUNT_QUERY = '''

def count_superusers(session: Session) -> int:
    """How many active superusers there are: the team's dashboard shows it."""
    query = select(func.count()).select_from(User).where(User.is_superuser, User.is_active)
    return session.scalar(query) or 0
'''
COUNT_ROUTE = '''

@router.get("/superusers/count")
def read_superuser_count(session: ReadSessionDep, _: SuperUser) -> dict[str, int]:
    """Superusers: how many active superusers there are."""
    return {"superusers": crud.count_superusers(session)}
'''
COUNT_TEST = """from collections.abc import Callable

from fastapi.testclient import TestClient


def test_superusers_see_how_many_active_superusers_there_are(
    client: TestClient, superuser_headers: dict[str, str], create_user: Callable[..., object]
) -> None:
    create_user("bob", is_superuser=True)
    create_user("carol", is_superuser=True, is_active=False)
    create_user("dave")

    response = client.get("/api/v1/users/superusers/count", headers=superuser_headers)

    assert response.status_code == 200
    assert response.json() == {"superusers": 2}
"""
# The team's change, by the module it went into at 1.0.0, and that module's new home that
# the team chooses from the CHANGELOG's table: the users' queries, the superusers' endpoints.
TEAM_CHANGES = {
    "<slug>/crud.py": (COUNT_QUERY, "<slug>/users/queries.py"),
    "<slug>/routers/users.py": (COUNT_ROUTE, "<slug>/users/admin_router.py"),
}


def added_lines(patches: str) -> str:
    """The lines that patches (git log -p) add."""
    lines = patches.splitlines()
    return "".join(f"{line[1:]}\n" for line in lines if line[:1] == "+" and line[:3] != "+++")


@pytest.mark.slow
@pytest.mark.xdist_group("update-from-release-moved")
def test_a_teams_change_to_a_module_the_regroup_moved_is_named_and_carried_over_by_hand(
    template_clone: Path, tmp_path: Path
) -> None:
    version, release = FIRST_RELEASE["sqlite"]
    answers = {"project_name": "Orders", "database": "sqlite"}
    service = bake_service(
        str(template_clone),
        tmp_path / "services",
        service_environment({}),
        answers,
        checkout=release,
    )
    baked = git(service.root, "rev-parse", "HEAD").strip()
    for name, (text, _new_home) in TEAM_CHANGES.items():
        with service.file(name).open("a", encoding="utf-8") as module:
            module.write(text)
    service.file("tests/test_superuser_count.py").write_text(COUNT_TEST, encoding="utf-8")
    # It works at 1.0.0 (make install: the venv make update needs anyway).
    service.make("install")
    run([service.file(".venv/bin/pytest"), "-q", "tests/test_superuser_count.py"], cwd=service.root)
    service.commit("How many superusers")
    ours = {name: service.file(name).read_bytes() for name in TEAM_CHANGES}

    update = service.make("update", check=False)

    # cruft cannot delete a file that differs from the template's: the update names each
    # (1.0.0's make update prints cruft's lines), and leaves it as the team had it.
    for name, content in ours.items():
        path = service.file(name).relative_to(service.root).as_posix()
        assert f"error: {path}: patch does not apply" in update.stdout
        assert service.file(name).read_bytes() == content
    assert f"Update from the template: {version} ({release}) to " in update.stdout

    # CHANGELOG.md, 2.0.0, "By hand": "git did not [recognise the move] [...]: the old file
    # stays as it is, your edit in it [...]. After the update, any old path of the table
    # below that is still there is one of these."
    for old, (_text, new) in TEAM_CHANGES.items():
        old_path = service.file(old).relative_to(service.root).as_posix()
        # "`git log -p -- <old path>` shows your changes to it": those after the bake.
        change = added_lines(git(service.root, "log", "-p", f"{baked}..", "--", old_path))
        # "make them in the module's new home (the table)": queries are `queries.` there.
        with service.file(new).open("a", encoding="utf-8") as module:
            module.write(change.replace("crud.", "queries."))
        # "then `git rm <old path>`."
        git(service.root, "rm", "--quiet", old_path)
    # "Then `make lint` (mypy names every import of a module that moved) and `make test`".
    service.make("lint")
    # The whole suite of an updated project runs in the test above; here, the team's test and
    # those of the modules its change went to.
    tests = "tests/test_superuser_count.py tests/test_users.py tests/test_batch_update.py"
    run(["make", "test", f"PYTEST_ARGS={tests}"], cwd=service.root, env=service.env)
    service.commit("Update from the template")
    assert leftovers(service.root) == []
    assert "up to date" in service.cruft("check").stdout
