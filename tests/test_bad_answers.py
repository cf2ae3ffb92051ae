"""Bad answers: the command line stops with one line that says what to change, and no files."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE

# The fix the message must name: the answer to give instead.
SLUG_FIX = ("project_slug=",)
EMAIL_FIX = ("author_email=",)
# answer on the command line -> what the one error line must say
BAD_ANSWERS = {
    "project_slug=my-service": SLUG_FIX,
    "project_slug=MyService": SLUG_FIX,
    "project_slug=my service": SLUG_FIX,
    "project_slug=1service": SLUG_FIX,
    "project_slug=service_": SLUG_FIX,  # pyproject.toml's name may not end in "_"
    "project_slug=class": SLUG_FIX,
    "project_slug=match": SLUG_FIX,
    "project_slug=test": SLUG_FIX,
    "project_slug=json": SLUG_FIX,
    "project_slug=fastapi": SLUG_FIX,
    "project_slug=sqlalchemy": SLUG_FIX,
    "project_slug=jwt": SLUG_FIX,
    "project_slug=alembic": SLUG_FIX,
    # The MySQL driver's MySQLdb, where the file system ignores case (macOS, Windows).
    "project_slug=mysqldb": SLUG_FIX,
    "project_slug=a_name_that_is_longer_than_32_chars": SLUG_FIX,
    "author_email=not-an-email": EMAIL_FIX,
    "author_email=a@b": EMAIL_FIX,
    'project_name=My "Service"': ("project_name", "double quote", "remove"),
    # Nothing ASCII to make a slug from: the user must choose one.
    "project_name=서비스": SLUG_FIX,
}


@pytest.mark.parametrize(("answer", "message"), BAD_ANSWERS.items(), ids=list(BAD_ANSWERS))
def test_bad_answer_stops_with_one_clear_line(
    answer: str, message: tuple[str, ...], tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "cookiecutter", str(TEMPLATE), "--no-input"]
    result = subprocess.run(
        [*command, "--output-dir", str(tmp_path), answer], capture_output=True, text=True
    )

    assert result.returncode != 0
    # One problem, one line: the hook's. (cookiecutter's own report goes to stdout.)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ERROR: ")
    assert all(fragment in lines[0] for fragment in message), lines[0]
    assert list(tmp_path.iterdir()) == []
