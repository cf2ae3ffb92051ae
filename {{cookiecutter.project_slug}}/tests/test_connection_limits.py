"""Bounded connections: a request that cannot get one, or whose database keeps it waiting,
gets 503 with Retry-After at once; concurrent requests never wait on one another for ever."""

import asyncio
import threading
from collections.abc import Callable, Iterator

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, bearer, make_settings, token_for
from tests.isolated_database import stalled_database

# Bounds a request that would hang; far above what any answer here takes.
HANG_LIMIT_SECONDS = 60
NEWCOMER = {"username": "newcomer", "password": PASSWORD}
# A pool's wait for a connection, and a hold of it well past that wait but shorter than
# the engine's own default wait (2 s).
POOL_TIMEOUT_SECONDS = 0.2
HOLD_SECONDS = 1.5


@pytest.fixture
def pool_of_one(database_url: str) -> Iterator[FastAPI]:
    """The app with one connection for writes and one for reads, and a short wait for it."""
    settings = make_settings(database_url, database_pool_size=1, database_pool_timeout_seconds=0.2)
    app = create_app(settings)
    yield app
    app.state.engine.dispose()
    read_engine(app).dispose()


def read_engine(app: FastAPI) -> Engine:
    engine: Engine = app.state.read_engine
    return engine


def assert_try_again(response: Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "try again" in response.json()["detail"]


def answered(send: Callable[[], Response]) -> Response:
    """Send a request in a thread of its own; fail the test if it hangs."""
    responses: list[Response] = []
    sender = threading.Thread(target=lambda: responses.append(send()), daemon=True)
    sender.start()
    sender.join(HANG_LIMIT_SECONDS)
    assert responses, f"no answer within {HANG_LIMIT_SECONDS} s"
    return responses[0]


def test_a_write_that_finds_every_connection_taken_gets_503_and_the_next_one_201(
    pool_of_one: FastAPI, client: TestClient
) -> None:
    with TestClient(pool_of_one) as limited:
        with pool_of_one.state.engine.connect():  # the only connection for writes
            sign_up = limited.post("/api/v1/users", json=NEWCOMER)
            health = limited.get("/health")
        afterwards = limited.post("/api/v1/users", json=NEWCOMER)

    assert_try_again(sign_up)
    assert health.status_code == 503
    assert health.json()["detail"] == "every connection to the database is busy"
    assert afterwards.status_code == 201


def test_a_write_waits_for_a_connection_as_long_as_the_setting_says(
    database_url: str, client: TestClient
) -> None:
    # The test holds the only connection for writes for HOLD_SECONDS, far longer than
    # DATABASE_POOL_TIMEOUT_SECONDS and shorter than any other wait (the engine's own
    # default, 2 s; SQLAlchemy's, 30 s): the request must be answered 503 while the
    # connection is still held, not be served once the test lets it go.
    settings = make_settings(
        database_url, database_pool_size=1, database_pool_timeout_seconds=POOL_TIMEOUT_SECONDS
    )
    app = create_app(settings)
    held, released = threading.Event(), threading.Event()

    def hold_the_only_connection() -> None:
        with app.state.engine.connect():
            held.set()
            released.wait(HOLD_SECONDS)

    holder = threading.Thread(target=hold_the_only_connection, daemon=True)
    try:
        with TestClient(app) as limited:
            holder.start()
            assert held.wait(HANG_LIMIT_SECONDS)
            sign_up = limited.post("/api/v1/users", json=NEWCOMER)
            still_held = holder.is_alive()
            released.set()
            holder.join(HANG_LIMIT_SECONDS)
    finally:
        app.state.engine.dispose()
        read_engine(app).dispose()

    assert_try_again(sign_up)
    assert still_held, "answered only after the test let the connection go"
{% if cookiecutter.database != "sqlite" %}

def test_a_read_that_finds_every_connection_taken_gets_503_and_the_next_one_200(
    pool_of_one: FastAPI, client: TestClient, user: User
) -> None:
    headers = bearer(token_for(user, pool_of_one.state.settings))
    with TestClient(pool_of_one) as limited:
        with read_engine(pool_of_one).connect():  # the only connection for reads
            read = limited.get("/api/v1/users/me", headers=headers)
        afterwards = limited.get("/api/v1/users/me", headers=headers)

    assert_try_again(read)
    assert afterwards.status_code == 200
{%- else %}

def test_a_read_never_waits_for_a_connection(
    pool_of_one: FastAPI, client: TestClient, user: User
) -> None:
    # Reads run in the event loop, where a wait would stall every other request.
    headers = bearer(token_for(user, pool_of_one.state.settings))
    with TestClient(pool_of_one) as limited, read_engine(pool_of_one).connect():
        read = limited.get("/api/v1/users/me", headers=headers)

    assert read.status_code == 200
{%- endif %}


async def many_at_once(app: FastAPI, headers: dict[str, str], user_id: int) -> list[int]:
    """40 reads and writes sent together; their statuses."""
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://test") as client,
        asyncio.timeout(HANG_LIMIT_SECONDS),  # two requests waiting on each other hang here
    ):
        reads = [client.get("/api/v1/users/me", headers=headers) for _ in range(20)]
        writes = [
            client.patch(f"/api/v1/users/{user_id}", json={"age": age}, headers=headers)
            for age in range(20)
        ]
        responses = await asyncio.gather(*reads, *writes)
    return [response.status_code for response in responses]


def test_concurrent_requests_through_a_pool_of_one_all_answer(
    database_url: str, client: TestClient, user: User
) -> None:
    app = create_app(make_settings(database_url, database_pool_size=1))
    headers = bearer(token_for(user, app.state.settings))

    try:
        statuses = asyncio.run(many_at_once(app, headers, user.id))
    finally:  # no lifespan ran (ASGITransport starts none) to close the connections
        app.state.engine.dispose()
        read_engine(app).dispose()

    assert set(statuses) <= {200, 503}, statuses
    assert 200 in statuses


def test_a_write_gets_503_when_the_database_keeps_it_waiting(
    database_url: str, client: TestClient
) -> None:
    with stalled_database(database_url) as url:
        app = create_app(make_settings(url, database_timeout_seconds=1))
        with TestClient(app) as stalled:
            response = answered(lambda: stalled.post("/api/v1/users", json=NEWCOMER))

    assert_try_again(response)
