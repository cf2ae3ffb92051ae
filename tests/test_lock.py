"""The lock file: each baked project ships a uv.lock that matches its own pyproject.toml,
names the project by its slug, takes every package from PyPI, and builds the image's
environment with the locked versions and no dev tools.

The template keeps one lock per database (uv_<database>.lock, refreshed by `make lock`,
scripts/lock.py), and the post-generation hook renames the chosen one. That each project
installs and works from its lock, the installed_project fixture of conftest.py proves for
every tier that uses it: it installs with `uv sync --locked --extra dev`, as the project's CI.
"""

import json
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATABASES, bake, environment_without_settings, run, uv_command

# Not the default slug, so that a lock still naming the project of the bake that made it
# (or my-service) fails here.
SLUG = "billing_api"
PYPI = {"registry": "https://pypi.org/simple"}
THE_PROJECT = {"editable": "."}
# Dev tools that must not reach the image; each is in every database's dev extra.
DEV_TOOLS = {"pytest", "mypy", "ruff", "pre-commit"}


def normalized(name: str) -> str:
    """A project name as uv writes it in the lock: lower case, each run of -_. one - (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_of(root: Path) -> dict[str, Any]:
    return tomllib.loads((root / "uv.lock").read_text(encoding="utf-8"))


def check_lock(root: Path, uv: list[str | Path]) -> None:
    """`uv lock --check`: uv resolves pyproject.toml again and fails unless that gives the
    lock as it is. Offline: a current lock needs nothing from the index to be confirmed."""
    run([*uv, "lock", "--check", "--offline"], cwd=root, env=environment_without_settings())


@pytest.fixture(scope="module", params=DATABASES, ids=lambda database: f"database={database}")
def baked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    database: str = request.param
    return bake(tmp_path_factory.mktemp(f"lock-{database}"), database=database, project_slug=SLUG)


def test_lock_matches_the_baked_pyproject(baked: Path) -> None:
    assert not list(baked.glob("uv_*.lock")), "the other databases' locks were left behind"
    check_lock(baked, [uv_command()])


def test_uv_that_ci_and_the_image_pin_finds_the_lock_current(baked: Path) -> None:
    # `make lock` may run a newer uv than the one CI and the Dockerfile install (pinned in
    # both; tests/test_kit_files.py checks they agree): that one must accept the lock too.
    [version] = re.findall(r"^RUN pip install uv==(\S+)$", (baked / "Dockerfile").read_text(), re.M)
    check_lock(baked, [uv_command(), "tool", "run", "--from", f"uv=={version}", "uv"])


def test_lock_names_the_project_by_its_slug_and_takes_the_rest_from_pypi(baked: Path) -> None:
    packages = lock_of(baked)["package"]
    [project] = [package for package in packages if package["source"] == THE_PROJECT]
    assert project["name"] == normalized(SLUG) == "billing-api"
    others = [
        package["name"] for package in packages if package["source"] not in (PYPI, THE_PROJECT)
    ]
    assert others == []


def test_a_slug_with_a_run_of_underscores_gets_a_lock_that_matches(tmp_path: Path) -> None:
    # Two spaces in the name make `__` in the slug, which uv writes as one `-`.
    root = bake(tmp_path, project_name="Billing  API")
    assert root.name == "billing__api"
    [project] = [p for p in lock_of(root)["package"] if p["source"] == THE_PROJECT]
    assert project["name"] == normalized(root.name) == "billing-api"
    check_lock(root, [uv_command()])


@pytest.mark.slow
def test_the_image_build_installs_the_locked_runtime_versions_only(tmp_path: Path) -> None:
    """The build stage's install commands, run outside Docker (none runs here): its
    environment, the files each step copies, and the `uv sync` commands, with /venv and
    /src in a temporary directory and this machine's Python for the image's."""
    root = bake(tmp_path / "bake", project_slug=SLUG)
    dockerfile = (root / "Dockerfile").read_text(encoding="utf-8")
    [build_stage] = re.findall(r"^FROM \S+ AS build\n(.*?)^FROM ", dockerfile, re.M | re.S)
    build_stage = re.sub(r"\\\n\s*", " ", build_stage)
    venv, src = tmp_path / "venv", tmp_path / "src"
    env = environment_without_settings()
    syncs = []
    for keyword, arguments in re.findall(r"^(ENV|WORKDIR|COPY|RUN) (.*)$", build_stage, re.M):
        if keyword == "ENV":
            env |= dict(word.split("=", 1) for word in arguments.split())
        elif keyword == "WORKDIR":
            assert arguments == "/src"
            src.mkdir()
        elif keyword == "COPY":
            *sources, _ = arguments.split()
            for source in sources:
                copy = shutil.copytree if (root / source).is_dir() else shutil.copy2
                copy(root / source, src / source)
        elif arguments.startswith("uv "):
            syncs.append(arguments)
            # The paths of this machine for the image's; uv's cache, which only saves
            # downloads, is allowed.
            env |= {"UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON": sys.executable}
            env.pop("UV_NO_CACHE", None)
            run([uv_command(), *arguments.split()[1:]], cwd=src, env=env)
            if len(syncs) == 1:
                # The dependencies' layer: copied before the code, it installs no project.
                assert not list(venv.glob(f"lib/python*/site-packages/{SLUG}*"))
        else:
            assert arguments.startswith("pip install uv=="), arguments
    assert len(syncs) == 2

    # The final stage copies /venv alone: the project must work without /src.
    shutil.rmtree(src)
    python = venv / "bin" / "python"
    listing = run([uv_command(), "pip", "list", "--python", python, "--format", "json"])
    installed = {normalized(p["name"]): p["version"] for p in json.loads(listing.stdout)}
    locked = {p["name"]: p.get("version") for p in lock_of(root)["package"]}
    assert {
        name: version for name, version in installed.items() if locked.get(name) != version
    } == {}
    assert DEV_TOOLS & set(installed) == set()
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = [re.split(r"[\[<>=~! ]", r)[0] for r in pyproject["project"]["dependencies"]]
    assert {normalized(name) for name in runtime} <= set(installed)
    # Built as a package (not linked to /src), with the API docs' files in it.
    check = f"import {SLUG}.core.docs, pathlib; print(pathlib.Path({SLUG}.__file__).parent)"
    package = Path(run([python, "-c", check], cwd=tmp_path).stdout.strip())
    assert package.is_relative_to(venv)
    assert (package / "static" / "README.md").is_file()
