"""Prometheus metrics: requests by route, their duration, and the database connection pools.

Served on /metrics (health/metrics_router.py) when the METRICS setting is true. uvicorn's workers
are separate processes, each counting its own requests; with PROMETHEUS_MULTIPROC_DIR set
(the Dockerfile sets it), prometheus-client keeps each worker's figures in a file there and
a scrape, whichever worker answers it, adds up every worker's. Without it (one process, as
in `make run` and the tests), the figures stay in memory.

Every metric has labels, so none writes a file until it is first used: importing this
module changes nothing on disk, whatever the setting.
"""

import os
import shutil
from functools import cache
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event

MULTIPROCESS_DIRECTORY = os.environ.get("PROMETHEUS_MULTIPROC_DIR")

# Labelled by the route's path template (/api/v1/users/{user_id}), never by the path
# itself: one series per route, however many users there are (middleware/request_tracking.py).
REQUESTS = Counter("http_requests_total", "Requests answered.", ["method", "route", "status"])
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from receiving a request to the end of its answer.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# "livesum": the sum over the workers alive now (a scrape drops those of dead workers).
IN_PROGRESS = Gauge(
    "http_requests_in_progress",
    "Requests being served.",
    ["method"],
    multiprocess_mode="livesum",
)
POOL_CHECKED_OUT = Gauge(
    "database_pool_checked_out_connections",
    "Connections in use by requests, by engine (write, read).",
    ["engine"],
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "database_pool_size_connections",
    "The most connections the pool keeps open, by engine (write, read).",
    ["engine"],
    multiprocess_mode="livesum",
)


# A series' handle, looked up by its labels once: `labels()` takes a lock and builds a key
# each time, and this runs on every request. The labels are bounded (methods, route
# templates and statuses; middleware/request_tracking.py), so these caches are too.
@cache
def in_progress(method: str) -> Gauge:
    return IN_PROGRESS.labels(method)


@cache
def request_series(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    return REQUESTS.labels(method, route, status), REQUEST_DURATION.labels(method, route, status)


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    requests, duration = request_series(method, route, status)
    requests.inc()
    duration.observe(seconds)


def empty_multiprocess_directory() -> None:
    """Start a server's run with no files: an earlier run's would add to this one's figures.

    `python -m {{ cookiecutter.project_slug }} serve` calls this before it starts the workers,
    as prometheus-client asks. Within a run, a worker that died keeps its files: its counts
    happened, and uvicorn's new worker in its place counts on from there.
    """
    if MULTIPROCESS_DIRECTORY is not None:
        shutil.rmtree(MULTIPROCESS_DIRECTORY, ignore_errors=True)
        Path(MULTIPROCESS_DIRECTORY).mkdir(parents=True, exist_ok=True)


def prepare_multiprocess_directory() -> None:
    """As a worker starts: create the directory, and drop what a dead worker had live.

    A process with this one's id that died in this run left its requests in progress too.
    """
    if MULTIPROCESS_DIRECTORY is not None:
        Path(MULTIPROCESS_DIRECTORY).mkdir(parents=True, exist_ok=True)
        remove_live_gauges_of_dead_workers(including_this_process=True)


def remove_live_gauges_of_dead_workers(*, including_this_process: bool = False) -> None:
    """Remove the "livesum" figures (requests in progress, connections in use) of processes
    that are gone: a worker killed in the middle of requests would otherwise count them as
    in progress for good. prometheus-client's mark_process_dead(pid) does the same for one.
    """
    if MULTIPROCESS_DIRECTORY is None:
        return
    for path in Path(MULTIPROCESS_DIRECTORY).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[1]
        if not pid.isdigit():
            continue
        if not process_is_alive(int(pid)) or (including_this_process and int(pid) == os.getpid()):
            path.unlink(missing_ok=True)


def process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def watch_pool(engine: Engine, name: str) -> None:
    """Keep the pool's gauges: its size now, and its connections in use as they change."""
    pool_size = getattr(engine.pool, "size", None)
    if callable(pool_size):
        POOL_SIZE.labels(name).set(pool_size())
    checked_out = POOL_CHECKED_OUT.labels(name)
    event.listen(engine, "checkout", lambda *_: checked_out.inc())
    event.listen(engine, "checkin", lambda *_: checked_out.dec())


def latest_metrics() -> bytes:
    """Every metric in Prometheus' text format: all workers' when they share a directory."""
    if MULTIPROCESS_DIRECTORY is None:
        return generate_latest(REGISTRY)
    remove_live_gauges_of_dead_workers()
    registry = CollectorRegistry()
    # It registers itself with the registry; prometheus-client has no type hints for it.
    multiprocess.MultiProcessCollector(registry, MULTIPROCESS_DIRECTORY)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
