"""`make update`: bring in the template's changes since the last update, with cruft.

cruft renders the template with this project's answers at the commit in .cruft.json and at
the template's newest, and merges the difference into the project's files (a three-way
merge, like git's). This runs it, then says what happened and what to do next: which
files changed, which have conflicts to resolve, and the commands that follow.

Exit status: 0 when the update applied cleanly (or there was none), 1 when it left
conflicts to resolve, 2 when it could not run. `--summary FILE` also writes a commit
message (its first line a title) for the template-update workflow's pull request.
"""

import argparse
import fnmatch
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

CRUFT_FILE = Path(".cruft.json")
RESOLVE = """In each file with a conflict, the lines between `<<<<<<< ours` and `=======` are
yours, those between `=======` and `>>>>>>> theirs` the template's: edit each block into
what both need and delete the marker lines. A .rej file holds changes that did not apply
at all: make them by hand, then delete it."""
MOVED = """Make your changes again where the template's CHANGELOG says each file went (`git log -p
-- <file>` shows them), then delete the file: git rm <file>."""
RESOLVE_HERE = """Then `git add` each file. When `git diff --check HEAD` prints nothing, continue
below. To give up instead: git reset --hard && git clean -fd"""
RESOLVE_ON_BRANCH = (
    """Resolve them on this pull request's branch: check it out, edit, commit, push."""
)
NEXT_STEPS = """Next: review the changes (git status, git diff HEAD), then
  make migrate    # the template's new migrations, if it brought any
  make test
  git add --all && git commit -m "{title}"
"""


class UpdateError(Exception):
    """The update could not run; the message says why, in one line."""


def git(*arguments: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["(no output)"]
        raise UpdateError(f"git {arguments[0]} failed: {lines[-1]}")
    return result.stdout


def template_state() -> dict[str, Any]:
    state: dict[str, Any] = json.loads(CRUFT_FILE.read_text(encoding="utf-8"))
    return state


def describe(state: dict[str, Any]) -> str:
    """The template version and commit a .cruft.json records, as `1.2.0 (4f2a9c1)`."""
    version = state["context"]["cookiecutter"].get("_template_version", "unknown version")
    return f"{version} ({state['commit'][:7]})"


def check_ready() -> None:
    if not CRUFT_FILE.is_file():
        raise UpdateError(
            "no .cruft.json here, so the template this project came from is not known;"
            " see the template's README (cruft link)"
        )
    try:
        dirty = git("status", "--porcelain")
    except (OSError, UpdateError):
        raise UpdateError("make update needs a git repository: git init, then commit") from None
    if dirty:
        raise UpdateError(
            "make update needs a clean working tree (it merges into your files): commit these"
            " first, or `git stash --include-untracked`:\n" + dirty.rstrip()
        )


def render_at(state: dict[str, Any], directory: Path) -> Path:
    """The template rendered with this project's answers at the commit the state records."""
    clone = directory / "template"
    git("clone", "--quiet", "--no-checkout", state["template"], str(clone))
    git("checkout", "--quiet", state["commit"], cwd=clone)
    answers = state["context"]["cookiecutter"]
    values = [f"{key}={value}" for key, value in answers.items() if not key.startswith("_")]
    command = [sys.executable, "-m", "cookiecutter", str(clone), "--no-input"]
    command += ["--output-dir", str(directory / "rendered"), *values]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["(no output)"]
        raise UpdateError(f"cannot render the template at {state['commit'][:7]}: {lines[-1]}")
    [rendered] = (directory / "rendered").iterdir()
    return rendered


def remember(rendered: Path) -> None:
    """Store each file of the last update's render in git's object database.

    git's three-way merge needs each file as the template last wrote it. After an update
    that merged the template's changes with yours, that version was never committed: it is
    missing from a fresh clone (CI's), and `git gc` drops it, and without it cruft falls back
    to .rej files instead of conflicts. Stored here, it is always found.
    """
    files = "\n".join(str(path) for path in rendered.rglob("*") if path.is_file())
    subprocess.run(
        ["git", "hash-object", "-w", "--stdin-paths"],
        input=files,
        capture_output=True,
        text=True,
        check=True,
    )


def missing_here(rendered: Path, state: dict[str, Any]) -> list[str]:
    """Files of the template that this project deleted or renamed: updates pass them by."""
    pyproject = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
    skipped = [*state.get("skip", []), *pyproject.get("tool", {}).get("cruft", {}).get("skip", [])]
    skipped.append(".cookiecutter.json")  # written only by a bake without cruft

    def is_skipped(name: str) -> bool:  # as cruft reads the list: paths, folders or globs
        return any(
            name == skip or name.startswith(f"{skip}/") or fnmatch.fnmatch(name, skip)
            for skip in skipped
        )

    names = (path.relative_to(rendered) for path in rendered.rglob("*") if path.is_file())
    return sorted(str(name) for name in names if not name.exists() and not is_skipped(str(name)))


def files_of(rendered: Path) -> set[str]:
    return {str(path.relative_to(rendered)) for path in rendered.rglob("*") if path.is_file()}


def left_behind(last_files: set[str], after: dict[str, Any]) -> list[str]:
    """Files the template removed or moved since the last update that are still here.

    cruft deletes such a file only if it is as the template last wrote it: one that your
    team changed stays, change and all, and cruft says no more than "patch does not apply".
    """
    with tempfile.TemporaryDirectory() as directory:
        newest = files_of(render_at(after, Path(directory)))
    return sorted(name for name in last_files - newest if Path(name).is_file())


def cruft_update() -> str:
    """Run `cruft update` without its questions; return what it printed."""
    command = [sys.executable, "-m", "cruft", "update", "--skip-apply-ask"]
    result = subprocess.run(command, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        lines = output.splitlines() or ["(no output)"]
        raise UpdateError(f"cruft update failed: {lines[-1]}")
    return output


def conflicts() -> list[str]:
    """Files git could not merge (they hold conflict markers), and cruft's .rej files."""
    unmerged = git("diff", "--name-only", "--relative", "--diff-filter=U").splitlines()
    untracked = git("ls-files", "--others", "--exclude-standard").splitlines()
    return sorted(set(unmerged) | {name for name in untracked if name.endswith(".rej")})


def report(
    before: dict[str, Any],
    after: dict[str, Any],
    passed_by: list[str],
    moved: list[str],
    *,
    here: bool,
) -> tuple[str, bool]:
    """What changed and what to do next, its first line a title; and whether it conflicts."""
    found = sorted({*conflicts(), *moved})
    message = f"Update from the template: {describe(before)} to {describe(after)}"
    title = f"{message}, with conflicts" if found else message
    changed = git("status", "--short").rstrip()
    fence = [] if here else ["```"]  # a pull request's Markdown keeps the lines apart
    lines = [title, "", "Changed files:", *fence, changed, *fence, ""]
    if found:
        lines += ["Conflicts to resolve in:", *(f"  {name}" for name in found), ""]
        lines += [RESOLVE, RESOLVE_HERE if here else RESOLVE_ON_BRANCH, ""]
    if moved:
        lines += ["The template removed or moved these files, which your changes kept here:"]
        lines += [*(f"  {name}" for name in moved), "", MOVED, ""]
    if passed_by:
        lines += ["Files of the template that this project does not have (deleted or renamed"]
        lines += ["here), which updates pass by; `cruft diff` shows what they hold now:"]
        lines += [*(f"  {name}" for name in passed_by), ""]
    lines.append(NEXT_STEPS.format(title=message))
    return "\n".join(lines) + "\n", bool(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, help="write the report here, for a pull request")
    summary_file: Path | None = parser.parse_args().summary
    try:
        check_ready()
        before = template_state()
        with tempfile.TemporaryDirectory() as directory:
            rendered = render_at(before, Path(directory))
            remember(rendered)
            passed_by = missing_here(rendered, before)
            last_files = files_of(rendered)
        cruft_said = cruft_update()
        after = template_state()
        moved = [] if after["commit"] == before["commit"] else left_behind(last_files, after)
    except UpdateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # cruft calls every update clean ("Good work!"), also one that left conflicts.
    print("\n".join(line for line in cruft_said.splitlines() if not line.startswith("Good work")))
    if after["commit"] == before["commit"]:
        print(f"Up to date with the template, version {describe(after)}.")
        return 0
    text, conflicted = report(before, after, passed_by, moved, here=summary_file is None)
    print("\n" + text, end="")
    if summary_file is not None:
        summary_file.write_text(text, encoding="utf-8")
    return 1 if conflicted else 0


if __name__ == "__main__":
    sys.exit(main())
