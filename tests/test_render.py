"""Render and inspect: every option set bakes into a clean project of its database only."""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import bake, env_values

# One option varied at a time from the defaults, plus the pairs that interact: the slug
# names the server's database and user, and free text lands in TOML and Python strings.
# (answers, the slug they should produce)
LONGEST_SLUG = "inventory_and_warehouse_service1"  # 32 characters
OPTION_SETS: list[tuple[dict[str, str], str]] = [
    ({}, "my_service"),
    ({"database": "mysql"}, "my_service"),
    ({"project_name": "Café Orders"}, "caf_orders"),
    ({"project_name": "Café Orders", "database": "mysql"}, "caf_orders"),
    ({"database": "postgresql"}, "my_service"),
    ({"project_name": "Café Orders", "database": "postgresql"}, "caf_orders"),
    ({"project_slug": "orders_api"}, "orders_api"),
    # The longest slug the hook accepts lengthens every line that holds it (a database URL).
    *[
        ({"project_slug": LONGEST_SLUG, "database": database}, LONGEST_SLUG)
        for database in ["mysql", "postgresql"]
    ],
    ({"author_name": "Zoë Ōkubo", "description": "사용자 서비스 🚀"}, "my_service"),
]


ANSWERS_RECORD = ".cookiecutter.json"  # a plain cookiecutter bake's, for cruft link
TEMPLATE_MARKERS = ("{{", "{%")
# A template variable that escaped rendering (the tool's name, and .cookiecutter.json, may stay).
TEMPLATE_VARIABLE = re.compile(r"cookiecutter\.(?!json\b)\w")
# GitHub Actions expressions, which the workflows (copied, not rendered) are meant to keep.
GITHUB_EXPRESSION = "${{"


def describe(option_set: tuple[dict[str, str], str]) -> str:
    answers, _ = option_set
    return ",".join(f"{key}={value}" for key, value in answers.items()) or "database=sqlite"


@dataclass(frozen=True)
class Baked:
    root: Path
    answers: dict[str, str]
    expected_slug: str

    @property
    def database(self) -> str:
        return self.answers.get("database", "sqlite")

    def files(self) -> list[Path]:
        """The baked files, not the API docs' vendored ones (copied as they are, not
        rendered: tests/test_docs_assets.py checks them byte for byte)."""
        vendored = self.root / self.expected_slug / "static"
        return sorted(
            path
            for path in self.root.rglob("*")
            if path.is_file() and not path.is_relative_to(vendored)
        )


@pytest.fixture(scope="module", params=OPTION_SETS, ids=describe)
def baked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Baked:
    answers, expected_slug = request.param
    root = bake(tmp_path_factory.mktemp("render"), **answers)
    return Baked(root=root, answers=answers, expected_slug=expected_slug)


def test_project_and_package_are_named_by_the_slug(baked: Baked) -> None:
    assert baked.root.name == baked.expected_slug
    assert (baked.root / baked.expected_slug / "__init__.py").is_file()


def test_no_template_markers_are_left(baked: Baked) -> None:
    leftovers = []
    for path in baked.files():
        if path.name == ANSWERS_RECORD:
            continue
        text = path.read_text(encoding="utf-8").lower().replace(GITHUB_EXPRESSION, "")
        found = [marker for marker in TEMPLATE_MARKERS if marker in text]
        found += TEMPLATE_VARIABLE.findall(text)
        leftovers += [f"{path.relative_to(baked.root)}: {marker}" for marker in found]
    assert leftovers == []


def test_the_answers_are_recorded_as_flat_json(baked: Baked) -> None:
    recorded = json.loads((baked.root / ANSWERS_RECORD).read_text(encoding="utf-8"))
    assert {key: recorded[key] for key in baked.answers} == baked.answers
    assert recorded["project_slug"] == baked.expected_slug
    assert recorded["database"] == baked.database


def test_only_the_chosen_database_files_are_left(baked: Baked) -> None:
    names = {str(path.relative_to(baked.root)) for path in baked.files()}
    package = baked.expected_slug
    assert {f"{package}/core/database/engine.py", "tests/isolated_database.py"} <= names
    # In the skeleton, the variants are named <name>_sqlite.py, <name>_mysql.py, ...
    variants = [name for name in names if re.search(r"_(sqlite|mysql|postgresql)\b", name)]
    assert variants == []
    server_only = {
        f"{package}/core/database/create_database.py",
        "tests/test_connection_pool.py",
        "tests/test_stalled_token_check.py",
    }
    sqlite_only = {"tests/test_connection_settings.py"}
    if baked.database == "sqlite":
        assert (server_only & names, sqlite_only <= names) == (set(), True)
    else:
        assert (server_only <= names, sqlite_only & names) == (True, set())


# The drivers, and what else names one database only.
TRACES = {"sqlite": "sqlite", "mysql": "mysqldb", "postgresql": "psycopg"}


# The generated code is read top to bottom by newcomers: a module fits on a screen or two.
MAX_MODULE_LINES = 200


def test_every_module_of_the_package_fits_in_200_lines(baked: Baked) -> None:
    package = baked.root / baked.expected_slug
    lengths = {
        str(path.relative_to(package)): len(path.read_text(encoding="utf-8").splitlines())
        for path in package.rglob("*.py")
    }
    assert len(lengths) > 20, "the package's modules were not found"
    assert {name: n for name, n in lengths.items() if n > MAX_MODULE_LINES} == {}


def test_no_trace_of_the_other_databases(baked: Baked) -> None:
    settings_files = [".env", ".env.example", f"{baked.expected_slug}/core/config.py"]
    for database, trace in TRACES.items():
        if database == baked.database:
            continue
        if database == "sqlite":  # the README compares, so only the settings are checked
            files = [baked.root / name for name in settings_files]
        else:
            files = list(baked.files())
        mentions = [p for p in files if trace in p.read_text(encoding="utf-8").lower()]
        assert mentions == [], f"a {baked.database} project mentions {trace}"


def test_pyproject_parses_and_lists_the_driver_of_its_database(baked: Baked) -> None:
    pyproject = tomllib.loads((baked.root / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    assert project["name"] == baked.expected_slug
    servers = {"mysql": "mysqlclient", "postgresql": "psycopg"}
    for database, driver in servers.items():
        listed = [dependency for dependency in project["dependencies"] if driver in dependency]
        assert bool(listed) == (baked.database == database), (database, listed)
    assert project["optional-dependencies"]["dev"]


def test_ruff_finds_nothing_to_fix(baked: Baked) -> None:
    # The tooling's ruff with the baked project's own configuration; no cache, so the
    # bake stays as generated for the other inspections.
    for check in (["check"], ["format", "--check"]):
        command = [sys.executable, "-m", "ruff", *check, "--no-cache", "."]
        result = subprocess.run(command, cwd=baked.root, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_env_file_has_a_strong_secret_and_only_its_owner_reads_it(baked: Baked) -> None:
    env_file = baked.root / ".env"
    assert len(env_values(env_file)["SECRET_KEY"]) >= 32
    assert env_file.stat().st_mode & 0o077 == 0


def test_git_ignores_env_but_not_its_example(baked: Baked, tmp_path: Path) -> None:
    repository = shutil.copytree(baked.root, tmp_path / baked.root.name)
    subprocess.run(["git", "init", "--quiet"], cwd=repository, check=True)

    def ignored(name: str) -> bool:
        command = ["git", "check-ignore", "--quiet", name]
        return subprocess.run(command, cwd=repository, check=False).returncode == 0

    assert ignored(".env")
    assert not ignored(".env.example")
