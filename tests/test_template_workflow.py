"""The template's own CI workflow (.github/workflows/test.yml at the template's root, not the
generated one): it lints, and runs `make test` as .ci/run does here, with the servers and
programs the tests need, so that a fork's CI proves every generated project passes."""

import re
import tomllib
from typing import Any

import pytest
import yaml

from tests.conftest import TEMPLATE
from tests.linters import lint, tool
from tests.test_kit_files import unpinned_actions

WORKFLOW = TEMPLATE / ".github" / "workflows" / "test.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def job(workflow: dict[str, Any]) -> dict[str, Any]:
    [only] = workflow["jobs"].values()
    return only


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_it_passes_actionlint() -> None:
    assert lint([tool("actionlint"), "-no-color", str(WORKFLOW)], cwd=TEMPLATE) == ""


def test_it_matches_github_schema() -> None:
    command = [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    assert "validation done" in lint([*command, str(WORKFLOW)], cwd=TEMPLATE)


def test_it_runs_on_pushes_and_pull_requests(workflow: dict[str, Any]) -> None:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request"} <= set(on)


def test_its_actions_are_pinned_and_its_token_reads_only(
    workflow: dict[str, Any], job: dict[str, Any]
) -> None:
    assert unpinned_actions(WORKFLOW.read_text(encoding="utf-8")) == []
    assert workflow["permissions"] == {"contents": "read"}
    assert "permissions" not in job
    checkout = next(step for step in job["steps"] if "checkout" in step.get("uses", ""))
    assert checkout["with"]["persist-credentials"] is False


def test_it_checks_out_the_release_commits_the_update_tests_bake(job: dict[str, Any]) -> None:
    # actions/checkout fetches one commit unless told otherwise; 0 is the whole history.
    checkout = next(step for step in job["steps"] if "checkout" in step.get("uses", ""))
    assert checkout["with"]["fetch-depth"] == 0


def test_it_stops_a_run_that_hangs(job: dict[str, Any]) -> None:
    # CI's own limit is 90 minutes; a timeout above it would never act.
    assert 0 < job["timeout-minutes"] <= 90


def test_it_runs_make_test_through_ci_run_where_a_missing_server_fails(job: dict[str, Any]) -> None:
    assert re.search(r"\bCI=true \.ci/run$", runs(job), flags=re.MULTILINE)


def test_mariadb_is_a_healthy_service_on_the_port_the_tests_use(job: dict[str, Any]) -> None:
    server = job["services"]["mariadb"]
    assert server["image"].startswith("mariadb:")
    assert "3306:3306" in server["ports"]
    assert server["env"]["MARIADB_ALLOW_EMPTY_ROOT_PASSWORD"] == "1"  # root, no password
    assert "--health-cmd" in server["options"]


def test_postgresql_is_a_healthy_service_on_the_port_the_tests_use(job: dict[str, Any]) -> None:
    server = job["services"]["postgres"]
    assert server["image"].startswith("postgres:")
    assert "5432:5432" in server["ports"]
    assert server["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"  # postgres, no password
    assert "pg_isready" in server["options"]


def test_the_programs_of_the_fault_tests_are_installed(job: dict[str, Any]) -> None:
    # Throwaway servers (mariadb-install-db, mariadbd) and .ci/run's pings (mariadb-admin,
    # pg_isready).
    installs = runs(job).replace("\\\n", " ")
    for package in ("mariadb-server", "mariadb-client", "postgresql-client"):
        assert re.search(rf"apt-get install .*\b{package}\b", installs), package


def test_it_uses_the_pythons_floor(job: dict[str, Any]) -> None:
    pyproject = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))
    floor = pyproject["project"]["requires-python"].removeprefix(">=")
    setup = next(step for step in job["steps"] if "setup-python" in step.get("uses", ""))
    assert setup["with"]["python-version"] == floor
