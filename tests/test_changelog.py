"""The template's versions: semantic, recorded in every bake, each with a changelog entry
that says what changed for baked services and what a service must do by hand."""

import json
import re
import subprocess
import tomllib

from tests.conftest import TEMPLATE

SEMANTIC_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
# "## 1.1.0 (2026-12-07, commit 1a2b3c4)": the commit that records a release may follow
# the release's own, so the newest heading may name none yet.
RELEASE_HEADING = re.compile(
    r"^## (\S+) \((\d{4}-\d{2}-\d{2})(?:, commit [0-9a-f]{7,40})?\)$", flags=re.MULTILINE
)


def changelog() -> str:
    return (TEMPLATE / "CHANGELOG.md").read_text(encoding="utf-8")


def released_versions() -> list[str]:
    return [match[1] for match in RELEASE_HEADING.finditer(changelog())]


def version_key(version: str) -> tuple[int, ...]:
    match = SEMANTIC_VERSION.fullmatch(version)
    assert match, f"{version} is not a semantic version (MAJOR.MINOR.PATCH)"
    return tuple(int(part) for part in match.groups())


def test_the_versions_are_semantic_and_newest_first() -> None:
    versions = released_versions()
    assert versions, "CHANGELOG.md has no released version (## X.Y.Z - YYYY-MM-DD)"
    keys = [version_key(version) for version in versions]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == len(keys)


def test_a_bake_records_the_newest_released_version() -> None:
    answers = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    assert answers["_template_version"] == released_versions()[0]
    pyproject = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["version"] == released_versions()[0]


def test_each_version_says_what_changed_and_what_to_do_by_hand() -> None:
    sections = RELEASE_HEADING.split(changelog())[3::3]
    for version, section in zip(released_versions(), sections, strict=True):
        assert "### For baked services" in section, version
        assert "### By hand" in section, version


def test_every_version_tag_has_an_entry() -> None:
    tags = subprocess.run(
        ["git", "tag", "--list", "v*"], cwd=TEMPLATE, capture_output=True, text=True, check=True
    ).stdout.split()
    assert {tag.removeprefix("v") for tag in tags} <= set(released_versions())
