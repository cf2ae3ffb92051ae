"""The linters of the template's dev group, run on files the tests check."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import COMMAND_TIMEOUT


def tool(name: str) -> str:
    """A linter from the template's dev group, installed beside this Python (make test does)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; `make test` installs the dev dependency group")
    return found


def lint(command: list[str], cwd: Path) -> str:
    """Run a linter; fail with its report unless it exits 0. Return the report."""
    # Settings from the developer's environment could silence rules.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HADOLINT_")}
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, report
    return report
