"""Services baked with cruft and updated with their own `make update`: the helpers of the update
tests (test_update.py: synthetic template versions; test_update_from_1_0_0.py: the releases)."""

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import environment_without_settings, run

# What git writes around the two sides of a conflict; the generated README names them.
CONFLICT_START, CONFLICT_END = "<<<<<<< ours", ">>>>>>> theirs"
CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7})( |$)", flags=re.MULTILINE)


def tool(name: str) -> Path:
    """A command of the template's own tooling (cruft, cookiecutter, uv), beside this Python."""
    return Path(sys.executable).parent / name


def replace_once(path: Path, old: str, new: str) -> None:
    """Edit a file as a person would; fail clearly if the text to change is not there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path} should hold {old!r} once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def git(repository: Path, *arguments: str) -> str:
    return run(["git", *arguments], cwd=repository).stdout


def commit_all(repository: Path, message: str) -> str:
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "-m", message)
    return git(repository, "rev-parse", "HEAD").strip()


@dataclass(frozen=True)
class Service:
    """A service baked with cruft into a git repository of its own."""

    root: Path
    env: dict[str, str]

    @property
    def slug(self) -> str:
        slug: str = self.state()["context"]["cookiecutter"]["project_slug"]
        return slug

    def file(self, name: str) -> Path:
        """A file of the service; `<slug>` in the name stands for its package."""
        return self.root / name.replace("<slug>", self.slug)

    def make(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(["make", *arguments], cwd=self.root, env=self.env, check=check)

    def cruft(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run([tool("cruft"), *arguments], cwd=self.root, env=self.env, check=check)

    def commit(self, message: str) -> str:
        return commit_all(self.root, message)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.root / ".cruft.json").read_text())
        return state


def service_environment(settings: dict[str, str]) -> dict[str, str]:
    """No settings from this shell; uv found after the system's tools (make install uses it)."""
    env = environment_without_settings()
    env["PATH"] = f"{env.get('PATH', '')}:{tool('uv').parent}"
    return env | settings


def bake_service(
    address: str,
    directory: Path,
    env: dict[str, str],
    answers: dict[str, str],
    checkout: str | None = None,
) -> Service:
    """`cruft create` (at the template's commit `checkout`, else its newest), then `git init`
    and a first commit: the README's way to start."""
    directory.mkdir()
    at = ["--checkout", checkout] if checkout else []
    command = [tool("cruft"), "create", address, *at, "--no-input"]
    run([*command, "--extra-context", json.dumps(answers)], cwd=directory, env=env)
    [root] = directory.iterdir()
    service = Service(root=root, env=env)
    git(service.root, "init", "--quiet", "--initial-branch=main")
    service.commit("Bake from the template")
    return service


def leftovers(root: Path) -> list[str]:
    """.rej and .orig files, and files with conflict markers, outside the virtual env."""
    found = []
    for path in root.rglob("*"):
        if ".venv" in path.parts or ".git" in path.parts or not path.is_file():
            continue
        if path.suffix in {".rej", ".orig"}:
            found.append(str(path))
        elif CONFLICT_MARKER.search(path.read_text(encoding="utf-8", errors="replace")):
            found.append(f"{path} (conflict markers)")
    return found
