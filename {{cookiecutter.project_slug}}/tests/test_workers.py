"""Two uvicorn workers, as the Dockerfile runs them: /metrics adds up both, logs are JSON."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY
from tests.metrics_text import sample

WORKERS = 2
REQUESTS = 60
LIVE_200 = {"method": "GET", "route": "/health/live", "status": "200"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str) -> str:
    # A new connection each time, so that either worker may answer.
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (http://127.0.0.1)
        body: bytes = answer.read()
        return body.decode()


def wait_until_every_worker_started(log: Path, server: subprocess.Popen[bytes]) -> None:
    """Until each worker has logged that it serves: the first alone would take every request."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"uvicorn exited: {log.read_text()}"
        if log.read_text().count("Application startup complete") == WORKERS:
            return
        time.sleep(0.1)
    pytest.fail(f"the workers did not start: {log.read_text()}")


class Server:
    def __init__(self, url: str, metrics_directory: Path, log: Path) -> None:
        self.url = url
        self.metrics_directory = metrics_directory
        self.log = log


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("workers")
    port = free_port()
    metrics_directory = tmp_path / "metrics"
    log = tmp_path / "server.log"
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "METRICS": "true",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_directory),
        "WEB_CONCURRENCY": str(WORKERS),  # as the Dockerfile sets it
    }
    # The Dockerfile's command, on a free local port.
    command = [sys.executable, "-m", "{{ cookiecutter.project_slug }}", "serve"]
    command += ["--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (this Python, fixed arguments)
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_every_worker_started(log, process)
        yield Server(f"http://127.0.0.1:{port}", metrics_directory, log)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_a_scrape_adds_up_every_workers_requests(server: Server) -> None:
    before = sample(get(f"{server.url}/metrics"), "http_requests_total", **LIVE_200)

    for _ in range(REQUESTS):
        get(f"{server.url}/health/live")
    # A request is counted once its answer has gone: the last one may be a moment late.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        page = get(f"{server.url}/metrics")
        if sample(page, "http_requests_total", **LIVE_200) >= before + REQUESTS:
            break
        time.sleep(0.05)

    scrapes = [get(f"{server.url}/metrics") for _ in range(6)]
    counted = {sample(page, "http_requests_total", **LIVE_200) for page in scrapes}
    assert counted == {before + REQUESTS}
    # Both workers counted some of them: each keeps its counts in files named by its pid.
    pids = {path.stem.rsplit("_", 1)[1] for path in server.metrics_directory.glob("counter_*")}
    assert len(pids) == WORKERS, pids


def test_every_log_line_is_json_and_each_request_is_logged_once(server: Server) -> None:
    ids = [f"worker-test-{number}" for number in range(10)]
    for request_id in ids:
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1)
            f"{server.url}/health/live", headers={"X-Request-ID": request_id}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.headers["X-Request-ID"] == request_id

    time.sleep(0.5)  # the lines of the last request reach the file
    lines = [json.loads(line) for line in server.log.read_text().splitlines()]
    logged_ids = [line["request_id"] for line in lines if line.get("route") == "/health/live"]
    assert sorted(set(logged_ids) & set(ids)) == sorted(ids)
    assert all(logged_ids.count(request_id) == 1 for request_id in ids)
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    # uvicorn's own lines, its supervisor's too, are JSON as well.
    messages = [line["message"] for line in lines if line["logger"] == "uvicorn.error"]
    assert any(message.startswith("Started parent process") for message in messages), messages
