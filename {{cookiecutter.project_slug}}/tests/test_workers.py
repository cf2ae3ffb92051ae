"""Two uvicorn workers, as the Dockerfile runs them: /metrics adds up both, logs are JSON."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY
from tests.metrics_text import sample
from tests.served import free_port

WORKERS = 2
REQUESTS = 60
LIVE_200 = {"method": "GET", "route": "/health/live", "status": "200"}
# The tests wait for what they need (the workers started, a count or a line written), however
# long a loaded machine takes; this cap only stops a hang from holding CI for good.
CAP_SECONDS = 300


def get(url: str) -> str:
    # A new connection each time, so that either worker may answer.
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (http://127.0.0.1)
        body: bytes = answer.read()
        return body.decode()


def answers(url: str) -> bool:
    try:
        get(url)
    except OSError:  # refused, reset or timed out: not serving yet
        return False
    return True


def wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    """Until `condition()` holds; the log tells what went wrong when it never does."""
    deadline = time.monotonic() + CAP_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen in {CAP_SECONDS} s: {log.read_text()}")
        time.sleep(0.1)


def wait_until_ready(url: str, log: Path, server: subprocess.Popen[bytes]) -> None:
    """Until each worker has logged that it serves (the first alone would take every request)
    and the server answers."""

    def ready() -> bool:
        assert server.poll() is None, f"uvicorn exited: {log.read_text()}"
        written = log.read_text()
        # A worker that fails to start is started again, without end: fail now, not at the cap.
        assert '"level": "ERROR"' not in written, written
        started = written.count("Application startup complete") == WORKERS
        return started and answers(f"{url}/health/live")

    wait_for(ready, "the start of both workers", log)


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
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(url, log, process)
        yield Server(url, metrics_directory, log)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def live_requests_counted(server: Server) -> float:
    return sample(get(f"{server.url}/metrics"), "http_requests_total", **LIVE_200)


def counting_workers(server: Server) -> set[str]:
    """The workers that have counted a request: each keeps its counts in files named by its pid."""
    return {path.stem.rsplit("_", 1)[1] for path in server.metrics_directory.glob("counter_*")}


def test_a_scrape_adds_up_every_workers_requests(server: Server) -> None:
    before = live_requests_counted(server)

    # Which worker takes a connection is the kernel's choice: on a busy machine one may take
    # a whole batch. Send batches until both have counted some, so the sum covers both.
    sent = 0
    deadline = time.monotonic() + CAP_SECONDS
    while sent == 0 or len(counting_workers(server)) < WORKERS:
        assert time.monotonic() < deadline, f"one worker took all {sent} requests"
        for _ in range(REQUESTS):
            get(f"{server.url}/health/live")
        sent += REQUESTS
    # A request is counted once its answer has gone: the last one may be a moment late.
    every_request = before + sent
    wait_for(lambda: live_requests_counted(server) >= every_request, "the count", server.log)

    scrapes = [get(f"{server.url}/metrics") for _ in range(6)]
    counted = {sample(page, "http_requests_total", **LIVE_200) for page in scrapes}
    assert counted == {before + sent}
    assert len(counting_workers(server)) == WORKERS


def test_every_log_line_is_json_and_each_request_is_logged_once(server: Server) -> None:
    ids = [f"worker-test-{number}" for number in range(10)]
    for request_id in ids:
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1)
            f"{server.url}/health/live", headers={"X-Request-ID": request_id}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.headers["X-Request-ID"] == request_id

    # A request is logged once its answer has gone: its line may be a moment late.
    def every_line_written() -> bool:
        written = server.log.read_text()
        return written.endswith("\n") and all(f'"{id_}"' in written for id_ in ids)

    wait_for(every_line_written, "a line for each request", server.log)
    lines = [json.loads(line) for line in server.log.read_text().splitlines()]
    logged_ids = [line["request_id"] for line in lines if line.get("route") == "/health/live"]
    assert sorted(set(logged_ids) & set(ids)) == sorted(ids)
    assert all(logged_ids.count(request_id) == 1 for request_id in ids)
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    # uvicorn's own lines, its supervisor's too, are JSON as well.
    messages = [line["message"] for line in lines if line["logger"] == "uvicorn.error"]
    assert any(message.startswith("Started parent process") for message in messages), messages
