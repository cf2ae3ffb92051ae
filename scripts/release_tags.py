"""Make the template's `vX.Y.Z` git tags from CHANGELOG.md's headings (`make tags`).

Git tags do not travel with a clone of the branch, so the CHANGELOG is the record of the
releases: each released version's heading names its commit, as in
`## 1.1.0 (2026-12-07, commit 0b7cae4)`. For maintainers who publish the template (on
GitHub, say) and want tags there, this tags `v<version>` at each heading's commit; then
`git push --tags` publishes them. It only makes tags: it never pushes.

Run it with python3 from the template's root (standard library only). It first checks every
heading: its commit must be in this clone, and carry that version as `_template_version` in
cookiecutter.json (and as `[project] version` in pyproject.toml where the commit has one); a
tag of that name that already exists must point at that commit. Any problem stops it with one
line and exit status 1, before it makes any tag. Tags that already point where they should
are left as they are, so it is safe to run again. The tags are lightweight (no tagger, so no
git identity is needed): the CHANGELOG holds the release's date and notes.

The newest release may name no commit yet (the commit that records it follows the release
commit); it gets no tag until its heading does.
"""

import argparse
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

CHANGELOG = Path("CHANGELOG.md")
UNRELEASED = "## Unreleased"
RELEASE_HEADING = re.compile(
    r"## (?P<version>(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*))"
    r" \((?P<date>\d{4}-\d{2}-\d{2})(?:, commit (?P<commit>[0-9a-f]{7,40}))?\)"
)


class ReleaseError(Exception):
    """A heading or tag this script will not act on; the message says why, in one line."""


@dataclass(frozen=True)
class Release:
    version: str
    commit: str  # the full hash
    short: str  # as the heading names it

    @property
    def tag(self) -> str:
        return f"v{self.version}"


def git(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *arguments], capture_output=True, text=True, check=False)


def headings(text: str) -> list[tuple[int, re.Match[str]]]:
    """Each released heading with its line number; `## Unreleased` may only come first."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("## "):
            continue
        if line == UNRELEASED and not found:
            continue
        match = RELEASE_HEADING.fullmatch(line)
        if match is None:
            raise ReleaseError(
                f"{CHANGELOG} line {number}: '{line}' is not a release heading"
                " (## X.Y.Z (YYYY-MM-DD, commit abc1234)) nor the topmost ## Unreleased"
            )
        found.append((number, match))
    return found


def file_at(commit: str, name: str) -> str | None:
    shown = git("show", f"{commit}:{name}")
    return shown.stdout if shown.returncode == 0 else None


def check(number: int, heading: re.Match[str]) -> Release:
    """The release a heading names, once its commit is here and carries its version."""
    version, short = heading["version"], heading["commit"]
    where = f"{CHANGELOG} line {number}: {version}"
    resolved = git("rev-parse", "--verify", "--quiet", f"{short}^{{commit}}")
    if resolved.returncode != 0:
        raise ReleaseError(
            f"{where} names commit {short}, which this clone does not have"
            " (a shallow clone? fetch the full history)"
        )
    commit = resolved.stdout.strip()
    answers = file_at(commit, "cookiecutter.json")
    recorded = json.loads(answers).get("_template_version") if answers else None
    if recorded != version:
        raise ReleaseError(
            f"{where} names commit {short}, whose cookiecutter.json has"
            f" _template_version {recorded}, not {version}"
        )
    pyproject = file_at(commit, "pyproject.toml")
    own = tomllib.loads(pyproject).get("project", {}).get("version") if pyproject else None
    if own is not None and own != version:
        raise ReleaseError(
            f"{where} names commit {short}, whose pyproject.toml has version {own}, not {version}"
        )
    return Release(version, commit, short)


def existing_tag(release: Release) -> bool:
    """Whether the release's tag exists already (at its commit: anywhere else is an error)."""
    found = git("rev-parse", "--verify", "--quiet", f"refs/tags/{release.tag}^{{commit}}")
    if found.returncode != 0:
        return False
    if found.stdout.strip() != release.commit:
        raise ReleaseError(
            f"tag {release.tag} points at {found.stdout.strip()[:7]}, but {CHANGELOG} names"
            f" {release.short} for {release.version}: delete the tag (git tag -d"
            f" {release.tag}) or correct the heading"
        )
    return True


def plan() -> tuple[list[Release], list[Release], list[str]]:
    """The releases to tag, those already tagged, and the notes to print; no change yet."""
    if not CHANGELOG.is_file():
        raise ReleaseError(f"no {CHANGELOG} here: run this from the template's root")
    found = headings(CHANGELOG.read_text(encoding="utf-8"))
    to_make, present, notes = [], [], []
    for index, (number, heading) in enumerate(found):
        if heading["commit"] is None:
            if index > 0:
                raise ReleaseError(
                    f"{CHANGELOG} line {number}: {heading['version']} names no commit"
                    " (only the newest release may, until the commit that records it)"
                )
            notes.append(f"{heading['version']}: its heading names no commit yet, no tag")
            continue
        release = check(number, heading)
        (present if existing_tag(release) else to_make).append(release)
    return to_make, present, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="say what it would do, do nothing")
    dry_run: bool = parser.parse_args().dry_run
    try:
        to_make, present, notes = plan()
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for note in notes:
        print(note)
    for release in present:
        print(f"{release.tag} is already at {release.short}")
    for release in to_make:
        if dry_run:
            print(f"would tag {release.tag} at {release.short}")
            continue
        made = git("tag", release.tag, release.commit)
        if made.returncode != 0:
            print(f"error: git tag {release.tag} failed: {made.stderr.strip()}", file=sys.stderr)
            return 1
        print(f"tagged {release.tag} at {release.short}")
    if not dry_run and to_make:
        print("git push --tags publishes them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
