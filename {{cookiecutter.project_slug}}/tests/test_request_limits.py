"""No request can make a worker hold unbounded memory: bodies and password hashing are capped."""

import asyncio
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Scope

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher, PasswordHasherBusyError
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, Headers, log_in, make_settings, users_table

USERS_URL = "/api/v1/users"
# The default limit the README states: 64 KiB.
MAX_BODY_BYTES = 64 * 1024


def sign_up_body(size: int) -> bytes:
    """A sign-up body of exactly `size` bytes (padded with spaces, which JSON allows)."""
    body = json.dumps({"username": "newcomer", "password": PASSWORD}).encode()
    return body + b" " * (size - len(body))


def chunks(body: bytes, size: int = 8 * 1024) -> Iterator[bytes]:
    """The body in pieces: sent chunked, with no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


JSON = {"Content-Type": "application/json"}


def test_a_body_at_the_limit_is_read(app: FastAPI, client: TestClient) -> None:
    response = client.post(USERS_URL, content=sign_up_body(MAX_BODY_BYTES), headers=JSON)

    assert response.status_code == 201


def test_a_body_over_the_limit_gets_413_and_changes_nothing(
    app: FastAPI, client: TestClient
) -> None:
    response = client.post(USERS_URL, content=sign_up_body(MAX_BODY_BYTES + 1), headers=JSON)

    assert response.status_code == 413
    assert str(MAX_BODY_BYTES) in response.json()["detail"]
    assert users_table(app) == []


def test_a_chunked_body_over_the_limit_gets_413(app: FastAPI, client: TestClient) -> None:
    # No Content-Length announces the size: the bytes are counted as they arrive. (The
    # template's own tests check, on a served project, that the rest is never read.)
    response = client.post(
        USERS_URL, content=chunks(sign_up_body(4 * MAX_BODY_BYTES)), headers=JSON
    )

    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert response.status_code == 413
    assert users_table(app) == []


def test_a_chunked_body_under_the_limit_is_read(client: TestClient) -> None:
    response = client.post(USERS_URL, content=chunks(sign_up_body(MAX_BODY_BYTES)), headers=JSON)

    assert response.status_code == 201


def send_straight(app: FastAPI, headers: dict[str, str], body: Iterator[bytes]) -> int:
    """POST a sign-up to the ASGI app itself, headers as given, the body in pieces.

    No HTTP client in between, so the headers may contradict each other as a hostile
    client's would. Return the status of the answer.
    """
    pieces = list(body)
    messages: list[Message] = []
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": USERS_URL,
        "raw_path": USERS_URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> Message:
        if pieces:
            return {"type": "http.request", "body": pieces.pop(0), "more_body": bool(pieces)}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    status: int = messages[0]["status"]
    return status


def test_a_small_content_length_beside_a_chunked_body_does_not_hide_it(
    app: FastAPI, client: TestClient
) -> None:
    # Some servers read the body by its chunks and ignore the Content-Length.
    headers = {"Content-Length": "10", "Transfer-Encoding": "chunked"}

    status = send_straight(app, headers, chunks(sign_up_body(4 * MAX_BODY_BYTES)))

    assert status == 413
    assert users_table(app) == []


def test_a_content_length_with_spaces_around_it_is_read(app: FastAPI, client: TestClient) -> None:
    body = sign_up_body(200)

    status = send_straight(app, {"Content-Length": f" {len(body)} "}, iter([body]))

    assert status == 201


def test_a_login_form_over_the_limit_gets_413(client: TestClient) -> None:
    form = {"username": "alice", "password": "x" * MAX_BODY_BYTES}

    response = client.post("/api/v1/auth/token", data=form)

    assert response.status_code == 413


def test_a_batch_update_over_the_limit_gets_413(
    client: TestClient, superuser_headers: Headers
) -> None:
    body = [{"id": 1, "username": "x" * MAX_BODY_BYTES}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 413


def test_the_body_limit_is_a_setting(database_url: str, client: TestClient) -> None:
    small = make_settings(database_url, max_request_body_bytes=2048)
    with TestClient(create_app(small)) as small_client:
        over = small_client.post(USERS_URL, content=sign_up_body(2049), headers=JSON)
        under = small_client.post(USERS_URL, content=sign_up_body(2048), headers=JSON)

    assert (over.status_code, under.status_code) == (413, 201)


# Password hashing: a bounded number at once per worker


@pytest.fixture
def one_slot_app(database_url: str, client: TestClient) -> FastAPI:
    """An app that hashes one password at a time, and waits for a slot a moment only."""
    settings = make_settings(
        database_url, password_hash_concurrency=1, password_hash_wait_seconds=0.05
    )
    return create_app(settings)


def test_a_sign_up_that_finds_every_hashing_slot_taken_gets_503(
    app: FastAPI, one_slot_app: FastAPI
) -> None:
    hasher: PasswordHasher = one_slot_app.state.password_hasher
    with TestClient(one_slot_app) as one_slot_client, hasher.slot():  # another request hashes
        response = one_slot_client.post(
            USERS_URL, json={"username": "newcomer", "password": PASSWORD}
        )

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert "try again" in response.json()["detail"]
    assert users_table(app) == []


def test_a_login_that_finds_every_hashing_slot_taken_gets_503(
    one_slot_app: FastAPI, user: User
) -> None:
    hasher: PasswordHasher = one_slot_app.state.password_hasher
    with TestClient(one_slot_app) as one_slot_client:
        with hasher.slot():
            busy = log_in(one_slot_client, "alice")
        free = log_in(one_slot_client, "alice")

    assert busy.status_code == 503
    assert "Retry-After" in busy.headers
    assert free.status_code == 200


def test_a_hasher_hashes_at_most_its_concurrency_at_once() -> None:
    hasher = PasswordHasher(
        time_cost=1, memory_cost_kib=8, parallelism=1, concurrency=2, wait_seconds=0.01
    )
    with hasher.slot():
        with hasher.slot(), pytest.raises(PasswordHasherBusyError):
            hasher.hash(PASSWORD)
        hashed = hasher.hash(PASSWORD)  # a slot is free again

    assert hasher.verify(PASSWORD, hashed) == (True, None)
