"""The container and CI files of a baked project: each passes its own linter, and holds what
deploying and testing the project rely on.

No Docker engine runs here, so images are not built: the files are parsed and linted.
"""

import fnmatch
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import DATABASES, TEMPLATE, bake, env_values, make_recipe
from tests.linters import lint, tool

WORKFLOW = ".github/workflows/ci.yml"
UPDATE_WORKFLOW = ".github/workflows/template-update.yml"
WORKFLOWS = [WORKFLOW, UPDATE_WORKFLOW]
COMPOSE_FILE = "docker-compose.yml"
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
# uv, installed at an exact version by the image's build and by each CI job.
PINNED_UV = re.compile(r"^(?:RUN )?pip install uv==(\d+\.\d+\.\d+)$", flags=re.MULTILINE)
VARIABLE_REFERENCE = re.compile(r"\$\{(\w+)[^}]*\}")
# Settings whose names end in PASSWORD but that are yes/no switches, not passwords.
SWITCHES = {"MYSQL_RANDOM_ROOT_PASSWORD"}
# What `make update` runs (scripts/update_from_template.py), as PyPI names them.
UPDATE_TOOLS = ("cookiecutter", "cruft")


@dataclass(frozen=True)
class Baked:
    root: Path
    database: str

    @property
    def slug(self) -> str:
        return self.root.name

    def text(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def yaml(self, name: str) -> Any:
        return yaml.safe_load(self.text(name))


@pytest.fixture(scope="module", params=DATABASES, ids=lambda database: f"database={database}")
def baked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Baked:
    database: str = request.param
    root = bake(tmp_path_factory.mktemp(f"kit-{database}"), database=database)
    return Baked(root=root, database=database)


# The linters


def test_every_workflow_is_one_the_tests_lint(baked: Baked) -> None:
    found = {path.name for path in (baked.root / ".github" / "workflows").iterdir()}
    assert found == {Path(name).name for name in WORKFLOWS}


@pytest.mark.parametrize("name", WORKFLOWS)
def test_workflow_passes_actionlint(baked: Baked, name: str) -> None:
    assert lint([tool("actionlint"), "-no-color", name], cwd=baked.root) == ""


@pytest.mark.parametrize("name", WORKFLOWS)
def test_workflow_matches_github_schema(baked: Baked, name: str) -> None:
    schema = "vendor.github-workflows"
    command = [tool("check-jsonschema"), "--builtin-schema", schema, name]
    assert "validation done" in lint(command, cwd=baked.root)


def test_compose_file_matches_compose_spec(baked: Baked) -> None:
    schema = "vendor.compose-spec"
    command = [tool("check-jsonschema"), "--builtin-schema", schema, COMPOSE_FILE]
    assert "validation done" in lint(command, cwd=baked.root)


def test_dockerfile_passes_hadolint_with_every_rule(baked: Baked, tmp_path: Path) -> None:
    # A configuration of our own, so that none of the developer's can ignore a rule; and
    # the lowest threshold, so that style findings fail too.
    config = tmp_path / "hadolint.yaml"
    config.write_text("ignored: []\n")
    command = [tool("hadolint"), "--config", str(config), "--failure-threshold", "style"]
    assert lint([*command, "--no-color", "Dockerfile"], cwd=baked.root) == ""


# The CI workflow


@pytest.fixture
def workflow(baked: Baked) -> dict[str, Any]:
    return baked.yaml(WORKFLOW)


def steps(workflow: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in workflow["jobs"].values():
        yield from job["steps"]


def job_running(workflow: dict[str, Any], command: str) -> dict[str, Any]:
    """The job with a step that runs `command`."""
    for job in workflow["jobs"].values():
        if any(command in step.get("run", "") for step in job["steps"]):
            return job
    raise AssertionError(f"no job runs {command!r}")


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_action_is_pinned_to_a_commit_with_its_version_noted(baked: Baked, name: str) -> None:
    assert unpinned_actions(baked.text(name)) == []


def unpinned_actions(workflow_text: str) -> list[str]:
    """The `uses:` lines that name an action by anything but a commit with its release noted
    (a bare hash says nothing to a reviewer); none at all is a mistake too."""
    uses_lines = [line for line in workflow_text.splitlines() if "uses:" in line]
    assert uses_lines, "the workflow uses no action"
    return [
        line
        for line in uses_lines
        if not PINNED_ACTION.match(line.split("uses:")[1].split("#")[0].strip())
        or not re.search(r"@[0-9a-f]{40} # v\d", line)
    ]


def test_workflow_token_can_only_read(baked: Baked, workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        assert "write" not in str(job.get("permissions", ""))
    assert "write-all" not in baked.text(WORKFLOW)


def test_every_job_has_a_timeout(workflow: dict[str, Any]) -> None:
    timeouts = [job.get("timeout-minutes") for job in workflow["jobs"].values()]
    assert all(isinstance(minutes, int) and minutes > 0 for minutes in timeouts), timeouts


def test_a_newer_push_cancels_the_run_of_the_same_ref(workflow: dict[str, Any]) -> None:
    assert "github.ref" in workflow["concurrency"]["group"]
    assert workflow["concurrency"]["cancel-in-progress"] is True


def test_jobs_install_the_locked_dev_extra_with_their_python_and_the_images_uv(
    baked: Baked, workflow: dict[str, Any]
) -> None:
    image_uv = PINNED_UV.findall(baked.text("Dockerfile"))
    assert len(image_uv) == 1
    for name, job in workflow["jobs"].items():
        job_steps = job["steps"]
        runs = [step.get("run", "") for step in job_steps]
        assert [version for run in runs for version in PINNED_UV.findall(run)] == image_uv, name
        [install] = [step for step in job_steps if "uv sync" in step.get("run", "")]
        # --locked: a uv.lock that lags pyproject.toml fails the job instead of being resolved.
        assert 'uv sync --locked --extra dev --python "$PYTHON"' in install["run"]
        # The Python that setup-python installed (the matrix's), never one uv picks itself.
        setup = next(step for step in job_steps if "setup-python" in step.get("uses", ""))
        python_path = f"${{{{ steps.{setup['id']}.outputs.python-path }}}}"
        assert install["env"]["PYTHON"] == python_path, name
        # The steps after it (pytest, pre-commit and the tools it runs) use .venv's.
        assert 'echo "$PWD/.venv/bin" >> "$GITHUB_PATH"' in install["run"]
        later = runs[job_steps.index(install) + 1 :]
        assert any(run.startswith(("pytest", "pre-commit")) for run in later), name


def test_mysql_jobs_install_what_compiling_the_driver_needs_before_uv_sync(
    baked: Baked, workflow: dict[str, Any]
) -> None:
    # mysqlclient has no wheel for Linux: `uv sync` compiles it against a client library.
    for name, job in workflow["jobs"].items():
        runs = [step.get("run", "") for step in job["steps"]]
        sync = next(index for index, run in enumerate(runs) if "uv sync" in run)
        installs = " ".join(run for run in runs[:sync] if "apt-get install" in run)
        if baked.database != "mysql":
            assert installs == "", name
            continue
        assert "pkg-config" in installs.split(), name
        assert {"libmysqlclient-dev", "libmariadb-dev"} & set(installs.split()), name


def test_lint_runs_pre_commit_on_every_file_and_tests_run_pytest(
    baked: Baked, workflow: dict[str, Any]
) -> None:
    job_running(workflow, "pre-commit run --all-files --show-diff-on-failure")
    tests = job_running(workflow, "pytest")
    assert "3.11" in tests["strategy"]["matrix"]["python-version"]
    # pre-commit is what lints and type-checks: its configuration runs ruff and mypy.
    repositories = baked.yaml(".pre-commit-config.yaml")["repos"]
    tools = {hook["entry"].split()[0] for repo in repositories for hook in repo["hooks"]}
    assert {"ruff", "mypy"} <= tools


def test_tests_run_against_their_database(baked: Baked, workflow: dict[str, Any]) -> None:
    tests = job_running(workflow, "pytest")
    if baked.database == "sqlite":
        # The tests make their own SQLite file: no server, no setting.
        assert all("services" not in job for job in workflow["jobs"].values())
        assert "TEST_DATABASE_URL" not in baked.text(WORKFLOW)
        return
    [server] = tests["services"].values()
    for option in ("--health-cmd", "--health-interval", "--health-timeout", "--health-retries"):
        assert option in server["options"]
    url = tests["env"]["TEST_DATABASE_URL"]
    if baked.database == "mysql":
        assert server["image"].startswith("mysql:8")
        assert "mysqladmin ping" in server["options"]
        password = server["env"]["MYSQL_ROOT_PASSWORD"]
        assert url.startswith(f"mysql+mysqldb://root:{password}@127.0.0.1:3306/")
        assert "3306:3306" in server["ports"]
    else:
        assert server["image"] == "postgres:17"
        assert "pg_isready" in server["options"]
        assert server["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
        assert url.startswith("postgresql+psycopg://postgres@127.0.0.1:5432/")
        assert "5432:5432" in server["ports"]


def test_ci_warns_when_the_template_has_moved_on_but_never_fails_for_it(
    workflow: dict[str, Any],
) -> None:
    # The template-update workflow runs weekly; every push also says when the service lags.
    job = job_running(workflow, "cruft check")
    [index] = [i for i, step in enumerate(job["steps"]) if "cruft check" in step.get("run", "")]
    step = job["steps"][index]
    installs = [i for i, step in enumerate(job["steps"]) if "uv sync" in step.get("run", "")]
    assert installs, "the job installs no dev extra, so no cruft"
    assert installs[0] < index, "cruft (the dev extra) is installed after the check"
    # Not failing, twice over: the step's result is ignored, and its script ends with exit 0
    # (tests/test_update.py runs it against a template that moved on, and one out of reach).
    assert step["continue-on-error"] is True
    assert step["run"].rstrip().endswith("exit 0")
    assert isinstance(step["timeout-minutes"], int), "an unreachable template could hang it"
    assert "::warning " in step["run"]
    assert "$GITHUB_STEP_SUMMARY" in step["run"]


# The template-update workflow


@pytest.fixture
def update_workflow(baked: Baked) -> dict[str, Any]:
    return baked.yaml(UPDATE_WORKFLOW)


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as true.
    found: dict[str, Any] = workflow.get("on", workflow.get(True))
    return found


def test_template_updates_are_checked_weekly_and_on_demand(
    update_workflow: dict[str, Any],
) -> None:
    on = triggers(update_workflow)
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert [entry["cron"] for entry in on["schedule"]]


def test_template_update_may_push_its_branch_and_open_a_pull_request_only(
    update_workflow: dict[str, Any],
) -> None:
    assert update_workflow["permissions"] == {}
    [job] = update_workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert isinstance(job["timeout-minutes"], int)


def test_template_update_merges_with_the_history_and_runs_make_updates_script(
    update_workflow: dict[str, Any],
) -> None:
    # Without the history, the three-way merge lacks the files of the last update.
    checkout = next(step for step in steps(update_workflow) if "checkout" in step.get("uses", ""))
    assert checkout["with"]["fetch-depth"] == 0
    runs = "\n".join(step.get("run", "") for step in steps(update_workflow))
    assert "python scripts/update_from_template.py --summary" in runs
    assert "gh pr create" in runs


# The update path's tools


def exact_pins(requirements: list[str]) -> dict[str, str]:
    """cruft's and cookiecutter's requirements, as name: version; they must be `==` pins."""
    found = {}
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        if name.startswith(UPDATE_TOOLS):
            assert re.fullmatch(r"\d+(\.\d+)+", version), f"{requirement} is no exact pin"
            found[name] = version
    return found


def test_cruft_and_cookiecutter_are_pinned_exactly_and_alike_wherever_installed(
    baked: Baked,
) -> None:
    # cruft has had no release since 2.16.0 (December 2024) and looks for new maintainers
    # (its issue #343): the update path runs one known pair, the one the template's own tests
    # update with, and a new version arrives only with a template release.
    dev = tomllib.loads(baked.text("pyproject.toml"))["project"]["optional-dependencies"]["dev"]
    pins = exact_pins(dev)
    assert set(pins) == set(UPDATE_TOOLS)
    template_dev = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))
    assert exact_pins(template_dev["dependency-groups"]["dev"]) == pins
    locked = {
        package["name"]: package["version"]
        for package in tomllib.loads(baked.text("uv.lock"))["package"]
        if package["name"] in UPDATE_TOOLS
    }
    assert locked == pins
    [install] = [
        step["run"]
        for step in steps(baked.yaml(UPDATE_WORKFLOW))
        if "cruft" in step.get("name", "")
    ]
    words = install.split()
    assert words[:2] == ["pip", "install"]
    assert exact_pins(words[2:]) == pins


# docker compose


@pytest.fixture
def compose(baked: Baked) -> dict[str, Any]:
    return baked.yaml(COMPOSE_FILE)


def test_app_starts_after_the_migrations_succeed(baked: Baked, compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["alembic", "upgrade", "heads"]
    assert services["app"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert services["migrate"]["build"] == services["app"]["build"]
    assert any(port.endswith(":8000") for port in services["app"]["ports"])
    if baked.database == "sqlite":
        # The same settings for both, so they migrate and serve the same file.
        for key in ("env_file", "environment"):
            assert services["migrate"][key] == services["app"][key]
        return
    # On a server: create-database first, as its administrator, then the migrations.
    database = services["database"]
    assert database["command"][:4] == ["python", "-m", baked.slug, "create-database"]
    assert database["build"] == services["app"]["build"]
    assert services["migrate"]["depends_on"]["database"] == {
        "condition": "service_completed_successfully"
    }
    # It makes the accounts the others connect as, on the same database.
    service_url = services["app"]["environment"]["DATABASE_URL"]
    migration_url = services["migrate"]["environment"]["MIGRATION_DATABASE_URL"]
    assert database["environment"]["DATABASE_URL"] == service_url
    assert database["environment"]["MIGRATION_DATABASE_URL"] == migration_url
    assert service_url.rsplit("@", 1)[1] == migration_url.rsplit("@", 1)[1]


def url_user(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


def test_the_data_lives_in_a_named_volume(baked: Baked, compose: dict[str, Any]) -> None:
    services = compose["services"]
    if baked.database == "sqlite":
        url = services["app"]["environment"]["DATABASE_URL"]
        assert url == f"sqlite:////data/{baked.slug}.db"
        for name in ("migrate", "app"):
            assert services[name]["volumes"] == ["data:/data"]
        assert "data" in compose["volumes"]
        return
    db = services["db"]
    for name in ("database", "migrate"):
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}
    url = services["app"]["environment"]["DATABASE_URL"]
    migration_url = services["migrate"]["environment"]["MIGRATION_DATABASE_URL"]
    # The service's user is the project's; the migrations' another; neither the administrator.
    assert url_user(url) == baked.slug
    assert url_user(migration_url) not in {baked.slug, "root", "postgres"}
    assert "${MIGRATION_DATABASE_PASSWORD" in migration_url
    if baked.database == "mysql":
        assert db["image"].startswith("mysql:8")
        assert "mysql-data:/var/lib/mysql" in db["volumes"]
        assert "mysql-data" in compose["volumes"]
        assert "mysqladmin" in db["healthcheck"]["test"]
        assert url.startswith(f"mysql+mysqldb://{baked.slug}:${{DATABASE_PASSWORD")
        assert url.endswith(f"@db:3306/{baked.slug}")
        assert db["environment"]["MYSQL_ROOT_PASSWORD"].startswith("${DATABASE_ADMIN_PASSWORD")
        assert (
            "mysql+mysqldb://root:${DATABASE_ADMIN_PASSWORD" in services["database"]["command"][-1]
        )
    else:
        assert db["image"] == "postgres:17"
        assert "postgresql-data:/var/lib/postgresql/data" in db["volumes"]
        assert "postgresql-data" in compose["volumes"]
        assert "pg_isready" in db["healthcheck"]["test"]
        assert url.startswith(f"postgresql+psycopg://{baked.slug}:${{DATABASE_PASSWORD")
        assert url.endswith(f"@db:5432/{baked.slug}")
        # The image's superuser is postgres: the service's role is not a superuser.
        assert "POSTGRES_USER" not in db["environment"]
        assert db["environment"]["POSTGRES_PASSWORD"].startswith("${DATABASE_ADMIN_PASSWORD")
        admin = services["database"]["command"][-1]
        assert admin.startswith("postgresql+psycopg://postgres:${DATABASE_ADMIN_PASSWORD")


def test_each_container_gets_only_the_accounts_it_needs(
    baked: Baked, compose: dict[str, Any]
) -> None:
    if baked.database == "sqlite":
        return  # one file, no accounts
    services = compose["services"]
    # create-database and the migrations read the URLs alone: no .env, no SECRET_KEY.
    for name, needs in (
        ("database", {"DATABASE_URL", "MIGRATION_DATABASE_URL"}),
        ("migrate", {"MIGRATION_DATABASE_URL"}),
    ):
        assert "env_file" not in services[name], name
        assert set(services[name]["environment"]) == needs, name
    # The app reads .env, less the other accounts' secrets.
    app = services["app"]
    assert app["env_file"] == ".env"
    for name in (
        "MIGRATION_DATABASE_URL",
        "MIGRATION_DATABASE_PASSWORD",
        "DATABASE_ADMIN_PASSWORD",
    ):
        assert app["environment"][name] == "", name


def test_compose_file_holds_no_secret(baked: Baked, compose: dict[str, Any]) -> None:
    text = baked.text(COMPOSE_FILE)
    secrets = {
        key: value
        for key, value in env_values(baked.root / ".env").items()
        if key == "SECRET_KEY" or key.endswith("PASSWORD")
    }
    assert secrets
    assert [key for key, value in secrets.items() if value in text] == []
    for service in compose["services"].values():
        for key, value in service.get("environment", {}).items():
            if key.endswith(("PASSWORD", "SECRET", "SECRET_KEY")) and key not in SWITCHES:
                assert value == "" or VARIABLE_REFERENCE.fullmatch(value), key
            if "://" in value and "@" in value:
                credentials = value.split("://", 1)[1].rsplit("@", 1)[0]
                assert VARIABLE_REFERENCE.search(credentials), key
    assert compose["services"]["app"]["env_file"] == ".env"


def test_compose_variables_are_defined_in_env(baked: Baked) -> None:
    # docker compose reads these from .env; one that is missing there stops it.
    referenced = set(VARIABLE_REFERENCE.findall(baked.text(COMPOSE_FILE)))
    assert referenced <= set(env_values(baked.root / ".env"))
    assert referenced <= set(env_values(baked.root / ".env.example"))


# The Dockerfile


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(dockerfile: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        Instruction(keyword.upper(), arguments.strip())
        for keyword, _, arguments in (line.strip().partition(" ") for line in joined.splitlines())
        if keyword
    ]


@pytest.fixture
def dockerfile(baked: Baked) -> list[Instruction]:
    return instructions(baked.text("Dockerfile"))


def final_stage(dockerfile: list[Instruction]) -> list[Instruction]:
    last_from = max(i for i, instruction in enumerate(dockerfile) if instruction.keyword == "FROM")
    return dockerfile[last_from:]


def test_image_is_built_in_stages_from_a_tagged_slim_python(
    baked: Baked, dockerfile: list[Instruction]
) -> None:
    stages = [instruction for instruction in dockerfile if instruction.keyword == "FROM"]
    assert len(stages) >= 2
    assert re.search(r"python:3\.\d+-slim", baked.text("Dockerfile"))
    final = final_stage(dockerfile)
    assert any(i.arguments.startswith("--from=") for i in final if i.keyword == "COPY")


def test_service_runs_as_a_user_other_than_root(dockerfile: list[Instruction]) -> None:
    users = [i.arguments for i in final_stage(dockerfile) if i.keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_health_check_calls_liveness_and_the_server_runs_several_workers(
    baked: Baked, dockerfile: list[Instruction]
) -> None:
    final = final_stage(dockerfile)
    [healthcheck] = [i.arguments for i in final if i.keyword == "HEALTHCHECK"]
    probe = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert probe[:2] == ["python", "-c"]
    # Liveness: a database outage must not make an orchestrator restart every replica.
    assert "'http://127.0.0.1:8000/health/live'" in probe[2]
    compile(probe[2], "HEALTHCHECK", "exec")
    [command] = [json.loads(i.arguments) for i in final if i.keyword == "CMD"]
    # The service's serve command: its event loop, and WEB_CONCURRENCY workers (test_cli.py
    # in the project checks both).
    assert command[:4] == ["python", "-m", baked.slug, "serve"]
    assert " ".join(command[4:]).startswith("--host 0.0.0.0 --port 8000")
    environment = " ".join(i.arguments for i in final if i.keyword == "ENV")
    assert int(re.findall(r"WEB_CONCURRENCY=(\d+)", environment)[-1]) >= 2


def test_make_run_serves_with_the_command_of_the_image(
    baked: Baked, dockerfile: list[Instruction]
) -> None:
    # Development must meet the loop production runs on, and its quirks, not uvloop.
    [command] = [json.loads(i.arguments) for i in final_stage(dockerfile) if i.keyword == "CMD"]
    production = " ".join(command[:4])
    development = make_recipe(baked.text("Makefile"), "run")
    assert production == f"python -m {baked.slug} serve"
    assert f"/python -m {baked.slug} serve --reload" in development


def test_dependencies_install_before_the_code_is_copied(
    baked: Baked, dockerfile: list[Instruction]
) -> None:
    """Editing the code must not invalidate the layer that installs the dependencies."""
    keywords_and_arguments = [(i.keyword, i.arguments) for i in dockerfile]
    install_dependencies = next(
        index
        for index, (keyword, arguments) in enumerate(keywords_and_arguments)
        if keyword == "RUN" and "--no-install-project" in arguments
    )
    copy_code = next(
        index
        for index, (keyword, arguments) in enumerate(keywords_and_arguments)
        if keyword == "COPY" and arguments.startswith(f"{baked.slug}/")
    )
    assert install_dependencies < copy_code
    copied_before = [
        arguments
        for keyword, arguments in keywords_and_arguments[:install_dependencies]
        if keyword == "COPY"
    ]
    assert copied_before == ["pyproject.toml uv.lock ./"]


def test_image_gets_the_locked_versions_without_dev_tools_in_venv(
    dockerfile: list[Instruction],
) -> None:
    # What running these commands gives is tests/test_lock.py's: here, what they say.
    final = final_stage(dockerfile)
    build = dockerfile[: len(dockerfile) - len(final)]
    syncs = [i.arguments.split() for i in build if i.keyword == "RUN" and "uv sync" in i.arguments]
    assert [sync[:2] for sync in syncs] == [["uv", "sync"]] * 2
    for options in syncs:
        # --locked: a uv.lock that lags pyproject.toml fails the build, never re-resolved.
        assert {"--locked", "--no-dev"} <= set(options), options
        assert not [option for option in options if "extra" in option], options
    # The dependencies alone first (the layer the code does not invalidate), then the
    # project, as a package of its own in /venv: the image has no /src to link to.
    assert "--no-install-project" in syncs[0]
    assert "--no-editable" in syncs[1]
    environment = [word for i in build if i.keyword == "ENV" for word in i.arguments.split()]
    assert {"UV_PROJECT_ENVIRONMENT=/venv", "UV_PYTHON_DOWNLOADS=never"} <= set(environment)
    assert [i.arguments for i in final if i.keyword == "COPY" and "/venv" in i.arguments] == [
        "--from=build /venv /venv"
    ]
    # uv stays in the build stage: the final one has its environment only.
    assert not [i for i in final if i.keyword == "RUN" and "uv" in i.arguments.split()]


def test_migrations_are_in_the_image(dockerfile: list[Instruction]) -> None:
    copied = [i.arguments.split()[0] for i in final_stage(dockerfile) if i.keyword == "COPY"]
    assert {"alembic.ini", "migrations/"} <= set(copied)


def test_sqlite_database_goes_to_a_directory_the_app_user_owns(
    baked: Baked, dockerfile: list[Instruction]
) -> None:
    text = baked.text("Dockerfile")
    if baked.database != "sqlite":
        assert "/data" not in text
        return
    assert f"DATABASE_URL=sqlite:////data/{baked.slug}.db" in text
    runs = " ".join(i.arguments for i in final_stage(dockerfile) if i.keyword == "RUN")
    assert "install --directory --owner=app --group=app /data" in runs


def test_mysql_driver_is_compiled_in_the_build_stage_and_only_its_library_is_kept(
    dockerfile: list[Instruction], baked: Baked
) -> None:
    final = final_stage(dockerfile)
    build = dockerfile[: len(dockerfile) - len(final)]

    def installed(stage: list[Instruction]) -> set[str]:
        """The Debian packages the stage's RUN instructions install."""
        words: set[str] = set()
        for run in (i.arguments for i in stage if i.keyword == "RUN"):
            for command in run.split("&&"):
                if "apt-get install" in command:
                    # Without recommends, and the package lists not left in the layer.
                    assert "--no-install-recommends" in command, command
                    assert "rm -rf /var/lib/apt/lists/*" in run, run
                    words |= {word for word in command.split()[2:] if not word.startswith("-")}
        return words

    if baked.database != "mysql":
        assert (installed(build), installed(final)) == (set(), set())
        return
    # The compiler and the headers stay behind in the build stage; the image runs the library.
    assert {"gcc", "pkg-config", "libmariadb-dev"} <= installed(build)
    assert installed(final) == {"libmariadb3"}
    sync = next(i for i, instruction in enumerate(dockerfile) if "uv sync" in instruction.arguments)
    assert any("libmariadb-dev" in i.arguments for i in dockerfile[:sync] if i.keyword == "RUN")


# .dockerignore


def docker_ignores(rules: list[str], path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context.

    Docker's rules, in the simple form this file needs: the last rule that matches the path
    or one of its parent directories wins, and `!` lets it back in.
    """
    parts = path.split("/")
    prefixes = ["/".join(parts[: count + 1]) for count in range(len(parts))]
    ignored = False
    for rule in rules:
        pattern = rule.removeprefix("!").strip("/")
        if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            ignored = not rule.startswith("!")
    return ignored


def test_build_context_leaves_out_secrets_tests_and_local_state(baked: Baked) -> None:
    lines = baked.text(".dockerignore").splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    left_out = [
        ".env",
        ".git/config",
        ".venv/bin/python",
        "tests/test_health.py",
        f"{baked.slug}.db",
        ".pytest_cache/README.md",
        f"{baked.slug}/__pycache__/main.cpython-313.pyc",
    ]
    assert [path for path in left_out if not docker_ignores(rules, path)] == []
    # Everything the Dockerfile copies from the project must be let in.
    copied = [
        source
        for instruction in instructions(baked.text("Dockerfile"))
        if instruction.keyword == "COPY" and not instruction.arguments.startswith("--from=")
        for source in instruction.arguments.split()[:-1]
    ]
    assert copied
    for source in copied:
        assert (baked.root / source).exists(), source
        assert not docker_ignores(rules, source.rstrip("/")), source
        if (baked.root / source).is_dir():
            for path in (baked.root / source).rglob("*.py"):
                relative = str(path.relative_to(baked.root))
                assert not docker_ignores(rules, relative), relative
