"""`python -m {{ cookiecutter.project_slug }} serve` refuses what cannot work with one line, once.

test_workers.py serves with it; these cases stop before uvicorn starts.
"""

import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY


def serve(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"SECRET_KEY": TEST_SECRET_KEY} | environment
    command = [sys.executable, "-m", "{{ cookiecutter.project_slug }}", "serve", *arguments]
    return subprocess.run(  # noqa: S603 (this Python, fixed arguments)
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("arguments", "environment", "says"),
    [
        ((), {"DATABASE_URL": "nosuchdatabase://somewhere"}, "cannot start"),
{%- if cookiecutter.database == "mysql" %}
        # An earlier bake's .env: the line says what to write instead.
        ((), {"DATABASE_URL": "mysql+pymysql://root@127.0.0.1:3306/x"}, "mysql+mysqldb://"),
{%- endif %}
        ((), {"WEB_CONCURRENCY": "many"}, "WEB_CONCURRENCY"),
        ((), {"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY"),
        (("--workers", "0"), {}, "--workers"),
        (("--port", "70000"), {}, "--port"),
        (("--timeout-graceful-shutdown", "-5"), {}, "--timeout-graceful-shutdown"),
    ],
)
def test_a_bad_setting_or_argument_stops_serve_with_one_line(
    arguments: tuple[str, ...], environment: dict[str, str], says: str
) -> None:
    result = serve(*arguments, **environment)

    assert result.returncode != 0
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert "Uvicorn running" not in result.stdout + result.stderr
