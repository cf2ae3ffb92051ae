"""The API docs' own files: baked byte for byte as static/README.md lists them, and built
into the project's wheel (the Dockerfile installs the project as one: `uv sync --no-editable`)."""

import hashlib
import re
import zipfile
from pathlib import Path

import pytest

from tests.conftest import bake, run, uv_command

# A row of static/README.md's table: | `swagger-ui/swagger-ui.css` | ... | `<sha256>` |
LISTED_FILE = re.compile(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", re.MULTILINE)
# What /docs and /redoc load (core/docs.py), and the licences that must travel with them.
NEEDED = {
    "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui.css",
    "swagger-ui/favicon-32x32.png",
    "swagger-ui/LICENSE",
    "swagger-ui/NOTICE",
    "redoc/redoc.standalone.js",
    "redoc/LICENSE",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("docs-assets"))


def listed(static: Path) -> dict[str, str]:
    return dict(LISTED_FILE.findall((static / "README.md").read_text(encoding="utf-8")))


def test_the_baked_docs_files_are_those_their_readme_lists(project: Path) -> None:
    static = project / project.name / "static"
    files = {path.relative_to(static).as_posix() for path in static.rglob("*") if path.is_file()}

    digests = listed(static)

    assert set(digests) >= NEEDED
    assert files == set(digests) | {"README.md"}
    for name, digest in digests.items():
        assert hashlib.sha256((static / name).read_bytes()).hexdigest() == digest, name


def test_no_docs_file_loads_anything_from_a_cdn(project: Path) -> None:
    static = project / project.name / "static"

    for name in ["swagger-ui/swagger-ui-bundle.js", "redoc/redoc.standalone.js"]:
        text = (static / name).read_text(encoding="utf-8")
        assert "cdn.redoc.ly" not in text, name
        assert "fonts.googleapis.com" not in text, name
        assert "cdn.jsdelivr.net" not in text, name


@pytest.mark.slow
def test_the_wheel_carries_the_docs_files(project: Path, tmp_path: Path) -> None:
    run([uv_command(), "build", "--wheel", "--out-dir", tmp_path, project], cwd=project)
    [wheel] = tmp_path.glob("*.whl")

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    static = project / project.name / "static"
    expected = {f"{project.name}/static/{name}" for name in [*listed(static), "README.md"]}
    assert expected <= names, sorted(expected - names)
