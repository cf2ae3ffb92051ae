"""`python -m {{ cookiecutter.project_slug }} serve` refuses what cannot work with one line, once.

test_workers.py and test_request_head.py serve with it; most cases here stop before uvicorn
starts.
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY
from tests.served import served


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
        ((), {"MAX_REQUEST_HEAD_BYTES": "100"}, "MAX_REQUEST_HEAD_BYTES"),
        ((), {"REQUEST_HEAD_TIMEOUT_SECONDS": "0"}, "REQUEST_HEAD_TIMEOUT_SECONDS"),
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


def test_root_path_reaches_uvicorn(database_url: str, tmp_path: Path) -> None:
    # A proxy serves the API under /prefix and strips it: the schema and the docs page name
    # the prefix, so that a browser's requests go through the proxy too.
    with served(database_url, tmp_path / "serve.log", "--root-path", "/prefix") as port:
        schema = json.loads(get(f"http://127.0.0.1:{port}/openapi.json"))
        docs = get(f"http://127.0.0.1:{port}/docs")

    assert schema["servers"] == [{"url": "/prefix"}]
    assert "/prefix/openapi.json" in docs


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (http://127.0.0.1)
        body: bytes = answer.read()
        return body.decode()
