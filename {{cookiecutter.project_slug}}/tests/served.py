"""The service served by its own command on a free local port: what the Dockerfile runs,
uvicorn's HTTP protocol included."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY

# Bounds a start that hangs; a loaded machine takes a few seconds.
START_LIMIT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(port: int) -> bool:
    """Whether the service answers /health/live on `port` yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return connection.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@contextmanager
def served(database_url: str, log: Path, *arguments: str, **environment: str) -> Iterator[int]:
    """Serve with one worker until the block ends; yield the port, once it answers."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "WEB_CONCURRENCY": "1",
        **environment,
    }
    command = [sys.executable, "-m", "{{ cookiecutter.project_slug }}", "serve"]
    command += ["--port", str(port), *arguments]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (this Python, fixed arguments)
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_LIMIT_SECONDS
        while not answers(port):
            assert process.poll() is None, f"serve exited: {log.read_text()}"
            assert time.monotonic() < deadline, f"serve did not answer: {log.read_text()}"
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
