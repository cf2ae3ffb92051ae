"""Serving a baked project in the tests: a free port, the server's process, HTTP calls."""

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import InstalledProject, run

# Bounds a server that never comes up; not a speed requirement.
STARTUP_LIMIT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def call(
    url: str,
    *,
    json_body: object = None,
    form: dict[str, str] | None = None,
    token: str | None = None,
    method: str | None = None,
) -> tuple[int, Any]:
    """Send a request (GET, or POST with a body, unless `method` says otherwise); return the
    status and the body (parsed when it is JSON; "" when empty)."""
    headers, data = {}, None
    if json_body is not None:
        headers["Content-Type"], data = "application/json", json.dumps(json_body).encode()
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = urllib.parse.urlencode(form).encode()
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body, kind = (
                response.status,
                response.read(),
                response.headers.get_content_type(),
            )
    except urllib.error.HTTPError as error:
        status, body, kind = error.code, error.read(), error.headers.get_content_type()
    # A 204's empty body keeps the JSON type FastAPI's responses carry: nothing to parse.
    return status, json.loads(body) if kind == "application/json" and body else body.decode()


@contextmanager
def serving(
    command: Sequence[str | Path], *, port: int, cwd: Path, env: dict[str, str], log: Path
) -> Iterator[str]:
    """Run a server command that listens on this port until /health answers 200; yield
    its URL; stop it afterwards. Its output goes to the log, shown when it fails."""
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(part) for part in command], cwd=cwd, env=env, stdout=output, stderr=output
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer /health with 200:\n{log.read_text()}")
            try:
                if call(f"{base_url}/health")[0] == 200:
                    break
            except OSError:
                pass  # not listening yet
            time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def served(
    project: InstalledProject, env: dict[str, str], log: Path, *, workers: int = 2
) -> Iterator[str]:
    """Serve the project as its Dockerfile does (its serve command, 2 workers); yield the URL."""
    port = free_port()
    command = [project.command("python"), "-m", project.slug, "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    with serving(command, port=port, cwd=project.root, env=env, log=log) as url:
        yield url


@contextmanager
def migrated(project: InstalledProject, work: Path) -> Iterator[dict[str, str]]:
    """The project's environment, on a database of its own (SQLite: a file in `work`),
    migrated to its latest revision."""
    with project.database_settings(sqlite_file=work / "served.db") as settings:
        env = project.env(**settings)
        run([project.command("alembic"), "upgrade", "heads"], cwd=project.root, env=env)
        yield env


@contextmanager
def migrated_and_served(project: InstalledProject, work: Path) -> Iterator[str]:
    """The project on a database of its own, migrated and served; yield its URL."""
    with migrated(project, work) as env, served(project, env, work / "uvicorn.log") as url:
        yield url
