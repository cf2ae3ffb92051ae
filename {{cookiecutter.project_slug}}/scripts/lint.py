"""`make lint`: every check of .pre-commit-config.yaml, on every file of the project.

pre-commit's --all-files takes only the files git tracks, so a new file would go unchecked
until someone runs `git add`. This passes it every file that .gitignore does not leave out,
then names each file a check changed: git shows no diff for a file it does not track yet.
"""

import hashlib
import subprocess
import sys
from pathlib import Path


def git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], capture_output=True, text=True, check=True).stdout


def project_files() -> list[str]:
    """Tracked and new files, not the ignored ones; a deleted file is no longer one."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({name for name in listed.split("\0") if name and Path(name).is_file()})


def digests(names: list[str]) -> dict[str, str]:
    return {name: hashlib.sha256(Path(name).read_bytes()).hexdigest() for name in names}


def main() -> int:
    try:
        top = Path(git("rev-parse", "--show-toplevel").strip())
    except (OSError, subprocess.CalledProcessError):
        sys.exit("error: make lint needs a git repository (pre-commit does): run git init")
    if top.resolve() != Path.cwd().resolve():
        sys.exit(
            f"error: make lint needs the project at the root of its git repository, but that"
            f" is {top}: pre-commit runs its checks from there, away from this project's settings"
        )
    names = project_files()
    # pre-commit hands file names to each tool as they are, so a tool would read one that
    # starts with "-" as an option, and fail.
    skipped = [name for name in names if Path(name).name.startswith("-")]
    names = [name for name in names if name not in skipped]
    before = digests(names)
    checks = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", *names])
    changed = [name for name, digest in digests(names).items() if digest != before[name]]
    if changed:
        print("\nThe checks changed these files; look at the changes, then run make lint again:")
        print("".join(f"  {name}\n" for name in changed), end="")
    if skipped:
        print("\nNot checked, as their names start with '-' (rename them):")
        print("".join(f"  {name}\n" for name in skipped), end="")
        return checks.returncode or 1
    return checks.returncode


if __name__ == "__main__":
    sys.exit(main())
