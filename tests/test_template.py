"""The template as a whole: the hook's file manifest, fresh secrets, the recorded answers."""

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATABASES, SKELETON, TEMPLATE, bake, make_recipe

POST_GEN_HOOK = TEMPLATE / "hooks" / "post_gen_project.py"
SKELETON_PACKAGE = "{{cookiecutter.project_slug}}"


def hook_constant(name: str) -> Any:
    """A literal assigned at the top of the post-generation hook, read without running it."""
    # The hook is a Jinja template: blank out the Jinja so that Python can parse it.
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "None", POST_GEN_HOOK.read_text(encoding="utf-8"))
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            name
        ]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{POST_GEN_HOOK.name} assigns no {name}")


def skeleton_path(path: str) -> Path:
    return SKELETON / path.format(package=SKELETON_PACKAGE)


def test_every_variant_file_exists_for_every_database() -> None:
    variant_files: dict[str, dict[str, str]] = hook_constant("VARIANT_FILES")
    assert variant_files
    # What every project has; the others (create_database.py, ...) only servers need.
    every_project = {
        "{package}/core/database/engine.py",
        "tests/isolated_database.py",
        "docker-compose.yml",
    }
    every_project |= {".github/workflows/ci.yml", "uv.lock"}
    assert every_project <= set(variant_files)
    for target, variants in variant_files.items():
        assert set(variants) <= set(DATABASES), target
        if target in every_project:
            assert sorted(variants) == sorted(DATABASES), target
        for source in variants.values():
            assert skeleton_path(source).is_file(), source


def test_every_database_only_path_exists_and_names_real_databases() -> None:
    database_only_paths: dict[str, list[str]] = hook_constant("DATABASE_ONLY_PATHS")
    assert database_only_paths
    for path, databases in database_only_paths.items():
        assert skeleton_path(path).exists(), path
        # A path every database keeps, or none, does not belong in the table.
        assert databases, path
        assert set(databases) < set(DATABASES), path


def test_every_bake_gets_a_secret_key_of_its_own(tmp_path: Path) -> None:
    def secret_key(output_dir: Path) -> str:
        env_file = bake(output_dir) / ".env"
        lines = env_file.read_text(encoding="utf-8").splitlines()
        return next(line for line in lines if line.startswith("SECRET_KEY="))

    assert secret_key(tmp_path / "first") != secret_key(tmp_path / "second")


@pytest.mark.parametrize("database", DATABASES, ids=lambda database: f"database={database}")
def test_the_recorded_answers_bake_the_same_project_again(database: str, tmp_path: Path) -> None:
    original = bake(tmp_path / "original", database=database, project_name="Replayed Orders")
    recorded = json.loads((original / ".cookiecutter.json").read_text(encoding="utf-8"))
    answers = {key: value for key, value in recorded.items() if not key.startswith("_")}

    again = bake(tmp_path / "again", **answers)

    def contents(root: Path) -> dict[str, bytes]:
        # .env differs by design: each bake draws new secrets.
        files = (path for path in root.rglob("*") if path.is_file() and path.name != ".env")
        return {str(path.relative_to(root)): path.read_bytes() for path in files}

    assert contents(again) == contents(original)
    assert (again / ".env").is_file()


def test_make_serve_serves_the_baked_project_with_the_command_of_its_dockerfile() -> None:
    # The quick start's first command meets the service as production runs it.
    command = make_recipe((TEMPLATE / "Makefile").read_text(), "serve")
    dockerfile = (SKELETON / "Dockerfile").read_text()
    image_command = '["python", "-m", "{{ cookiecutter.project_slug }}", "serve"'
    assert f"CMD {image_command}" in dockerfile
    assert ".venv/bin/python -m my_service serve" in command, command
