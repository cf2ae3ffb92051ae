"""The template's versions: semantic, recorded in every bake, each with a changelog entry
that says what changed for baked services and what a service must do by hand, and whose
heading names a commit of this clone that carries that version (git tags do not travel with
a clone of the branch: the CHANGELOG is the record, and `make tags` makes tags from it)."""

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE

SEMANTIC_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
# "## 1.1.0 (2026-12-07, commit 1a2b3c4)": the commit that records a release may follow
# the release's own, so the newest heading may name none yet.
RELEASE_HEADING = re.compile(
    r"^## (\S+) \((\d{4}-\d{2}-\d{2})(?:, commit ([0-9a-f]{7,40}))?\)$", flags=re.MULTILINE
)
SHALLOW = "a shallow clone? fetch the full history"


def changelog() -> str:
    return (TEMPLATE / "CHANGELOG.md").read_text(encoding="utf-8")


def released_versions() -> list[str]:
    return [match[1] for match in RELEASE_HEADING.finditer(changelog())]


def named_commits() -> dict[str, str]:
    """Each released version whose heading names its commit, and that commit."""
    return {match[1]: match[3] for match in RELEASE_HEADING.finditer(changelog()) if match[3]}


def version_key(version: str) -> tuple[int, ...]:
    match = SEMANTIC_VERSION.fullmatch(version)
    assert match, f"{version} is not a semantic version (MAJOR.MINOR.PATCH)"
    return tuple(int(part) for part in match.groups())


def git(*arguments: str, cwd: Path = TEMPLATE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True)


def full_hash(commit: str, cwd: Path = TEMPLATE) -> str:
    resolved = git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", cwd=cwd)
    assert resolved.returncode == 0, f"{commit} is not a commit of {cwd} ({SHALLOW})"
    return resolved.stdout.strip()


def test_the_versions_are_semantic_and_newest_first() -> None:
    versions = released_versions()
    assert versions, "CHANGELOG.md has no released version (## X.Y.Z (YYYY-MM-DD, commit abc1234))"
    keys = [version_key(version) for version in versions]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == len(keys)


def test_every_heading_is_a_release_or_the_topmost_unreleased() -> None:
    headings = re.findall(r"^## .*$", changelog(), flags=re.MULTILINE)
    releases = [heading for heading in headings if RELEASE_HEADING.fullmatch(heading)]
    assert headings in (releases, ["## Unreleased", *releases])


def test_a_bake_records_the_newest_released_version() -> None:
    # Also while an "## Unreleased" section collects what follows: until it is released,
    # a bake is of the newest release plus unreleased work, and says so by this version.
    answers = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    assert answers["_template_version"] == released_versions()[0]
    pyproject = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["version"] == released_versions()[0]


def test_each_version_says_what_changed_and_what_to_do_by_hand() -> None:
    sections = RELEASE_HEADING.split(changelog())[4::4]
    for version, section in zip(released_versions(), sections, strict=True):
        assert "### For baked services" in section, version
        assert "### By hand" in section, version


def test_each_release_names_a_commit_of_this_clone_that_carries_its_version() -> None:
    # Only the newest may name none yet: the commit that records it follows.
    unnamed = [version for version in released_versions() if version not in named_commits()]
    assert unnamed in ([], released_versions()[:1])
    for version, commit in named_commits().items():
        exists = git("cat-file", "-e", f"{commit}^{{commit}}")
        assert exists.returncode == 0, f"{version}'s commit {commit} is not here ({SHALLOW})"
        answers = json.loads(git("show", f"{commit}:cookiecutter.json").stdout)
        assert answers["_template_version"] == version, commit
        pyproject = git("show", f"{commit}:pyproject.toml")
        if pyproject.returncode == 0:
            own = tomllib.loads(pyproject.stdout)["project"]["version"]
            assert own == version, commit


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of this repository as a clone of the branch gets it: no tags. `make tags` must
    never tag the repository the tests run in (worktrees share their tags). Its Makefile,
    script and CHANGELOG are this working tree's."""
    target = tmp_path / "template"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-tags", str(TEMPLATE), str(target)],
        check=True,
        capture_output=True,
    )
    for name in ("CHANGELOG.md", "Makefile", "scripts/release_tags.py"):
        shutil.copyfile(TEMPLATE / name, target / name)
    return target


def make_tags(clone: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`make tags TAGS_ARGS=...` in the clone, without make's own lines."""
    command = ["make", "--silent", "tags", f"PYTHON={sys.executable}"]
    return subprocess.run(
        [*command, f"TAGS_ARGS={shlex.join(arguments)}"], cwd=clone, capture_output=True, text=True
    )


def release_tags(clone: Path) -> subprocess.CompletedProcess[str]:
    """The script `make tags` runs, on its own: make adds a line of its own to a failure."""
    command = [sys.executable, "scripts/release_tags.py"]
    return subprocess.run(command, cwd=clone, capture_output=True, text=True)


def tags(clone: Path) -> dict[str, str]:
    """Each tag of the clone and the commit it points at."""
    listed = git("for-each-ref", "--format=%(refname:short)", "refs/tags", cwd=clone).stdout
    return {name: full_hash(name, cwd=clone) for name in listed.split()}


def test_make_tags_tags_each_release_at_its_commit_and_can_run_again(clone: Path) -> None:
    expected = {f"v{version}": full_hash(commit) for version, commit in named_commits().items()}
    assert expected, "CHANGELOG.md names no release commit"
    assert tags(clone) == {}

    dry_run = make_tags(clone, "--dry-run")
    assert dry_run.returncode == 0, dry_run.stderr
    assert tags(clone) == {}
    for tag, commit in expected.items():
        assert f"{tag} at {commit[:7]}" in dry_run.stdout

    made = make_tags(clone)
    assert made.returncode == 0, made.stderr
    assert tags(clone) == expected
    for tag, commit in expected.items():
        assert f"tagged {tag} at {commit[:7]}" in made.stdout

    again = make_tags(clone)
    assert again.returncode == 0, again.stderr
    assert tags(clone) == expected
    assert "tagged" not in again.stdout


def break_heading(clone: Path, version: str, commit: str) -> None:
    """Make the clone's CHANGELOG name `commit` for `version`."""
    text = (clone / "CHANGELOG.md").read_text(encoding="utf-8")
    broken, count = re.subn(
        rf"^(## {re.escape(version)} \(\d{{4}}-\d{{2}}-\d{{2}}), commit [0-9a-f]+\)$",
        rf"\1, commit {commit})",
        text,
        flags=re.MULTILINE,
    )
    assert count == 1, version
    (clone / "CHANGELOG.md").write_text(broken, encoding="utf-8")


def assert_refused(clone: Path, *words: str) -> None:
    before = tags(clone)
    refused = release_tags(clone)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    for word in words:
        assert word in refused.stderr
    assert tags(clone) == before


def test_make_tags_refuses_a_commit_that_is_not_there(clone: Path) -> None:
    oldest = list(named_commits())[-1]
    break_heading(clone, oldest, "0000000")
    assert_refused(clone, oldest, "0000000", SHALLOW)


def test_make_tags_refuses_a_commit_of_another_version(clone: Path) -> None:
    # The newest release's commit carries the newest version, not the oldest's.
    commits = named_commits()
    assert len(commits) >= 2, "one release only: no commit of another version to name"
    versions = list(commits)
    newest, oldest = versions[0], versions[-1]
    break_heading(clone, oldest, commits[newest])
    assert_refused(clone, oldest, "_template_version")


def test_make_tags_refuses_a_tag_at_another_commit(clone: Path) -> None:
    commits = named_commits()
    version = list(commits)[-1]
    elsewhere = git("rev-parse", "HEAD", cwd=clone).stdout.strip()
    assert elsewhere != full_hash(commits[version])
    git("tag", f"v{version}", elsewhere, cwd=clone).check_returncode()
    assert_refused(clone, f"v{version}")
