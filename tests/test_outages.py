"""The worst day: a baked MySQL service under overload and through an outage of its database.

The service runs as its Dockerfile runs it (2 workers, its event loop) against a throwaway
MariaDB of its own, with a small max_connections, so that the test may fill and stop it.
Every answer must be 200 or 503 (never 500, never a hang), the server's connections must
stay below its limit, and the service must recover by itself once the server is back.
"""

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pymysql
import pytest

from tests.conftest import MYSQL_INSTALLED, InstalledProject, run
from tests.load import Answer, clients, tally
from tests.mariadb_server import ThrowawayMariaDB, throwaway_directory
from tests.serving import call, served

# Run on the MySQL project only: SQLite has no server to fill or stop.
pytestmark = pytest.mark.parametrize(
    "installed_project",
    MYSQL_INSTALLED,
    indirect=True,
)

WORKERS = 2  # the Dockerfile's WEB_CONCURRENCY
# Room for both workers' pools at their default size (the generated README's table), and
# for the test's own queries; MariaDB's default is 151.
MAX_CONNECTIONS = 50
OVERLOAD_CLIENTS = 300
# How long a request may take before it counts as hung: more than the service's waits for
# a connection and for the server (a few seconds each), far less than the drivers' defaults.
ANSWER_LIMIT_SECONDS = 15
# After the server is back, the service must answer 200 again within this.
RECOVERY_SECONDS = 10
PASSWORD = "a long enough password"
# Longer than the service's database timeout (5 s) several times over.
LOCK_SECONDS = 25


@dataclass(frozen=True)
class Service:
    url: str
    user_id: int
    headers: dict[str, str]


@pytest.fixture(scope="module")
def server() -> Iterator[ThrowawayMariaDB]:
    with throwaway_directory() as directory:
        server = ThrowawayMariaDB(directory, max_connections=MAX_CONNECTIONS)
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def service(
    installed_project: InstalledProject,
    server: ThrowawayMariaDB,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Service]:
    """The project, migrated on the throwaway server and served; a user signed in."""
    project = installed_project
    server.query("CREATE DATABASE service CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    # One account here: the migrations would otherwise connect as .env's migrations user.
    url = f"{server.url}/service"
    env = project.env(DATABASE_URL=url, MIGRATION_DATABASE_URL=url)
    run([project.command("alembic"), "upgrade", "heads"], cwd=project.root, env=env)
    log = tmp_path_factory.mktemp("outages") / "uvicorn.log"
    with served(project, env, log, workers=WORKERS) as url:
        user = {"username": "operator", "password": PASSWORD}
        status, body = call(f"{url}/api/v1/users", json_body=user)
        assert status == 201, body
        status, token = call(f"{url}/api/v1/auth/token", form=user)
        assert status == 200, token
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        yield Service(url, body["id"], headers)


def slowest(answers: list[Answer]) -> float:
    return max(answer.seconds for answer in answers)


def test_overload_gets_200_or_503_and_the_server_keeps_connections_to_spare(
    service: Service, server: ThrowawayMariaDB
) -> None:
    server.query("FLUSH STATUS")  # Max_used_connections counts from here
    answers = asyncio.run(
        clients(
            f"{service.url}/api/v1/users/me",
            headers=service.headers,
            count=OVERLOAD_CLIENTS,
            seconds=8,
            timeout=ANSWER_LIMIT_SECONDS,
        )
    )

    counts = tally(answers)
    assert set(counts) <= {"200", "503"}, counts
    assert counts["200"] > 0, counts
    [(_, used)] = server.query("SHOW STATUS LIKE 'Max_used_connections'")
    assert int(used) < MAX_CONNECTIONS, f"{used} of {MAX_CONNECTIONS} connections; {counts}"
    # And it serves normally at once afterwards.
    after = asyncio.run(
        clients(
            f"{service.url}/api/v1/users/me",
            headers=service.headers,
            count=4,
            seconds=1,
            timeout=ANSWER_LIMIT_SECONDS,
        )
    )
    assert set(tally(after)) == {"200"}, tally(after)


async def through_an_outage(
    service: Service, server: ThrowawayMariaDB, down_seconds: float
) -> tuple[list[Answer], float, float, float]:
    """Light load (reads and writes) while the server stops for a while and starts again.

    Every answer; when the server had stopped, when its start began and when it answered
    again (time.monotonic()).
    """
    user_url = f"{service.url}/api/v1/users"
    length = 2 + down_seconds + 4 + RECOVERY_SECONDS + 4  # the stop and start take ~2 s each
    reads = asyncio.create_task(
        clients(
            f"{user_url}/me",
            headers=service.headers,
            count=2,
            seconds=length,
            timeout=ANSWER_LIMIT_SECONDS,
            pause=0.2,
        )
    )
    writes = asyncio.create_task(
        clients(
            f"{user_url}/{service.user_id}",
            headers=service.headers | {"Content-Type": "application/json"},
            count=1,
            seconds=length,
            timeout=ANSWER_LIMIT_SECONDS,
            method="PATCH",
            body=b'{"age": 42}',
            pause=0.2,
        )
    )
    await asyncio.sleep(2)
    await asyncio.to_thread(server.stop)
    down = time.monotonic()
    await asyncio.sleep(down_seconds)
    back_from = time.monotonic()
    await asyncio.to_thread(server.start)
    back = time.monotonic()
    return [*await reads, *await writes], down, back_from, back


def test_an_outage_gets_503_quickly_and_the_service_recovers_by_itself(
    service: Service, server: ThrowawayMariaDB
) -> None:
    answers, down, starting, back = asyncio.run(through_an_outage(service, server, down_seconds=5))

    counts = tally(answers)
    assert set(counts) <= {"200", "503"}, counts
    assert slowest(answers) < ANSWER_LIMIT_SECONDS, counts
    while_down = [answer for answer in answers if down < answer.started < starting]
    assert while_down, "no request was sent while the server was down"
    assert set(tally(while_down)) == {"503"}, tally(while_down)
    recovered = [answer for answer in answers if answer.started > back + RECOVERY_SECONDS]
    assert recovered, "no request was sent after the recovery time"
    assert set(tally(recovered)) == {"200"}, tally(recovered)


def test_a_lock_held_past_the_timeout_gets_503_and_no_connection_is_left_behind(
    service: Service, server: ThrowawayMariaDB
) -> None:
    # Another client of the database holds the user's row for longer than the service's
    # database timeout (5 s); the service's writes to it must give up, and so must the
    # server, or each abandoned statement would keep a connection until the server is full.
    server.query("FLUSH STATUS")
    locked = threading.Event()

    def hold_the_row(seconds: float) -> None:
        connection = pymysql.connect(
            host="127.0.0.1", port=server.port, user="root", database="service"
        )
        with connection, connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM users WHERE id = %s FOR UPDATE", (service.user_id,))
            locked.set()
            time.sleep(seconds)
            connection.rollback()

    holder = threading.Thread(target=hold_the_row, args=(LOCK_SECONDS,))
    holder.start()
    locked.wait(10)
    answers = asyncio.run(
        clients(
            f"{service.url}/api/v1/users/{service.user_id}",
            headers=service.headers | {"Content-Type": "application/json"},
            count=12,
            seconds=LOCK_SECONDS - 6,  # each one sent while the lock is still held
            timeout=ANSWER_LIMIT_SECONDS,
            method="PATCH",
            body=b'{"age": 43}',
        )
    )
    holder.join()

    [(_, used)] = server.query("SHOW STATUS LIKE 'Max_used_connections'")
    assert int(used) < MAX_CONNECTIONS, f"{used} of {MAX_CONNECTIONS} connections"
    assert set(tally(answers)) == {"503"}, tally(answers)
