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
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

CRUFT_FILE = Path(".cruft.json")
NEXT_STEPS = """Next: review the changes (git status, git diff HEAD), then
  make migrate    # the template's new migrations, if it brought any
  make test
  git add -A && git commit -m "{title}"
"""
RESOLVE_STEPS = """In each file with a conflict, the lines between `<<<<<<< ours` and `=======` are
yours, those between `=======` and `>>>>>>> theirs` the template's. Edit each block into
what both need, delete the marker lines, and `git add` the file; a .rej file holds changes
that did not apply at all: make them by hand, then delete it. When `git diff --check`
prints nothing, continue as below. To give up instead: git reset --hard."""


def git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], capture_output=True, text=True, check=True).stdout


def template_state() -> dict[str, Any]:
    state: dict[str, Any] = json.loads(CRUFT_FILE.read_text(encoding="utf-8"))
    return state


def describe(state: dict[str, Any]) -> str:
    """The template version and commit a .cruft.json records, as `1.2.0 (4f2a9c1)`."""
    version = state["context"]["cookiecutter"].get("_template_version", "unknown version")
    return f"{version} ({state['commit'][:7]})"


def conflicts() -> list[str]:
    """Files git could not merge (they hold conflict markers), and cruft's .rej files."""
    unmerged = git("diff", "--name-only", "--diff-filter=U").splitlines()
    untracked = git("ls-files", "--others", "--exclude-standard").splitlines()
    return sorted(set(unmerged) | {name for name in untracked if name.endswith(".rej")})


def cruft_update() -> None:
    """Run `cruft update` without its questions; stop here if it failed."""
    result = subprocess.run([sys.executable, "-m", "cruft", "update", "--skip-apply-ask"])
    if result.returncode != 0:
        sys.exit(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, help="write a commit message here")
    summary_file: Path | None = parser.parse_args().summary
    if not CRUFT_FILE.is_file():
        print(
            "error: no .cruft.json here, so the template this project came from is not known;"
            " see the template's README (cruft link)",
            file=sys.stderr,
        )
        return 2
    try:
        dirty = git("status", "--porcelain")
    except (OSError, subprocess.CalledProcessError):
        print("error: make update needs a git repository: git init, then commit", file=sys.stderr)
        return 2
    if dirty:
        print(
            "error: make update needs a clean working tree (it merges into your files):"
            " commit or stash these first:\n" + dirty,
            file=sys.stderr,
        )
        return 2

    before = template_state()
    cruft_update()
    after = template_state()
    if after["commit"] == before["commit"]:
        print(f"Up to date with the template, version {describe(after)}.")
        return 0

    title = f"Update from the template: {describe(before)} to {describe(after)}"
    found = conflicts()
    changed = git("status", "--short").rstrip()
    report = [title, "", "Changed files:", changed, ""]
    if found:
        report += ["Conflicts to resolve in:", *(f"  {name}" for name in found), ""]
        report += [RESOLVE_STEPS, ""]
    report.append(NEXT_STEPS.format(title=title))
    print("\n" + "\n".join(report), end="")
    if summary_file is not None:
        summary_file.write_text("\n".join(report), encoding="utf-8")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
