"""Serve: the installed project under uvicorn answers real HTTP calls end to end."""

import http.client
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import InstalledProject
from tests.serving import call, migrated_and_served

# More requests at once than the server has worker threads (40) and pooled connections:
# enough to starve a server whose requests wait for one another's connections.
CONCURRENT_REQUESTS = 100
# The generated project's defaults, as its README states them.
MAX_BODY_BYTES = 64 * 1024
LOGIN_MAX_FAILURES = 5
# Bounds a server that never answers a request whose body it waits for.
ANSWER_LIMIT_SECONDS = 30


@pytest.fixture
def served_url(installed_project: InstalledProject, tmp_path: Path) -> Iterator[str]:
    """The installed project, migrated on a database of its own and served by uvicorn."""
    with migrated_and_served(installed_project, tmp_path) as url:
        yield url


def test_served_project_signs_up_logs_in_and_knows_who_is_calling(served_url: str) -> None:
    url = served_url
    credentials = {"username": "ada_lovelace", "password": "analytical engine"}
    status, created = call(f"{url}/api/v1/users", json_body=credentials)
    assert status == 201, created
    status, token = call(f"{url}/api/v1/auth/token", form=credentials)
    assert status == 200, token
    status, me = call(f"{url}/api/v1/users/me", token=token["access_token"])
    assert (status, me["username"]) == (200, "ada_lovelace")
    status, _ = call(f"{url}/api/v1/users/me", token="not-a-token")
    assert status == 401
    status, openapi = call(f"{url}/openapi.json")
    assert status == 200
    assert "/api/v1/users" in openapi["paths"]
    assert call(f"{url}/docs")[0] == 200


def test_served_project_answers_more_concurrent_requests_than_it_has_threads(
    served_url: str,
) -> None:
    url = served_url
    credentials = {"username": "grace_hopper", "password": "compile everything"}
    status, user = call(f"{url}/api/v1/users", json_body=credentials)
    assert status == 201, user
    token = call(f"{url}/api/v1/auth/token", form=credentials)[1]["access_token"]
    # Every request holds a database connection while it is served, all at the same time.
    paths = ["/api/v1/users/me", f"/api/v1/users/{user['id']}"] * (CONCURRENT_REQUESTS // 2)
    answers = send_all_at_once(url, paths, token)
    assert [status for status, _ in answers] == [200] * len(paths)
    assert {body["username"] for _, body in answers} == {"grace_hopper"}


def send_all_at_once(url: str, paths: list[str], token: str) -> list[tuple[int, Any]]:
    """GET every path at the same moment, each on a connection of its own."""
    address = urllib.parse.urlsplit(url).netloc
    everyone_connected = threading.Barrier(len(paths))

    def get(path: str) -> tuple[int, Any]:
        connection = http.client.HTTPConnection(address, timeout=120)
        try:
            connection.connect()
            everyone_connected.wait()
            connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        is_json = response.getheader("Content-Type") == "application/json"
        return response.status, json.loads(body) if is_json else body.decode()

    with ThreadPoolExecutor(max_workers=len(paths)) as clients:
        return list(clients.map(get, paths))


def answer_to_unfinished_body(url: str, head: bytes, body_start: bytes) -> bytes:
    """Send a request whose body never ends; return the status line the server answers with.

    A server that waited for the whole body would never answer: the read times out.
    """
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=ANSWER_LIMIT_SECONDS) as client:
        client.sendall(head + body_start)
        try:
            answer = client.recv(4096)
        except TimeoutError:
            pytest.fail(f"no answer within {ANSWER_LIMIT_SECONDS} s: the server waits for the body")
    return answer.split(b"\r\n", 1)[0]


def test_served_project_refuses_a_huge_declared_body_without_reading_it(
    served_url: str,
) -> None:
    head = (
        b"POST /api/v1/users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: 30000000\r\n\r\n"
    )

    status_line = answer_to_unfinished_body(served_url, head, b'{"username": "')

    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"


def test_served_project_stops_reading_a_chunked_body_at_the_limit(served_url: str) -> None:
    head = (
        b"POST /api/v1/users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 4096
    # Past the limit by one chunk, and no last chunk: the body never ends.
    chunks = b"".join(b"1000\r\n" + chunk + b"\r\n" for _ in range(MAX_BODY_BYTES // 4096 + 1))

    status_line = answer_to_unfinished_body(served_url, head, chunks)

    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"


def test_served_project_throttles_password_guessing_across_its_workers(
    served_url: str,
) -> None:
    url = served_url
    credentials = {"username": "alan_turing", "password": "universal machine"}
    assert call(f"{url}/api/v1/users", json_body=credentials)[0] == 201
    wrong = credentials | {"password": "wrong password"}

    def guess(_: int) -> int:
        return call(f"{url}/api/v1/auth/token", form=wrong)[0]

    # A burst at once, on separate connections, so that both workers take some; then one
    # guess at a time. However they interleave, only 5 passwords get checked.
    with ThreadPoolExecutor(max_workers=8) as clients:
        answers = list(clients.map(guess, range(8)))
    answers += [guess(number) for number in range(LOGIN_MAX_FAILURES)]
    status, body = call(f"{url}/api/v1/auth/token", form=credentials)

    assert sorted(answers) == [401] * LOGIN_MAX_FAILURES + [429] * 8
    assert status == 429, body
