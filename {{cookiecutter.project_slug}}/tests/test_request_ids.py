"""Every answer carries X-Request-ID: the client's own when it is sane, else a fresh one."""

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Headers, app_with

FRESH_ID = re.compile(r"[0-9a-f]{32}")  # 128 random bits
HOSTILE_IDS = [
    "",
    "x" * 129,  # longer than any id needs to be
    "two words",
    'quote"d',
    "<script>alert(1)</script>",
    "id\twith-tab",
    "café",  # not ASCII
    "id,another-id",  # two values in one header
    "../../etc/passwd%00",
    "-",  # what a log line written outside any request shows
    ".hidden",  # an id starts with a letter or digit
]
ORIGIN = "https://app.example.com"


def test_an_answer_without_an_id_sent_gets_a_fresh_one_each_time(client: TestClient) -> None:
    first = client.get("/health/live").headers["X-Request-ID"]
    second = client.get("/health/live").headers["X-Request-ID"]

    assert FRESH_ID.fullmatch(first), first
    assert FRESH_ID.fullmatch(second), second
    assert first != second


@pytest.mark.parametrize(
    "sent", ["4bf92f3577b34da6a3ce929d0e0e4736", "req-42_b.c:d", "Root=1-5e1b4151+a/b", "x" * 128]
)
def test_a_sane_id_comes_back_unchanged(client: TestClient, sent: str) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": sent})

    assert response.headers["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", HOSTILE_IDS)
def test_a_hostile_id_is_replaced_never_echoed(client: TestClient, sent: str) -> None:
    response = client.get("/health/live", headers={b"X-Request-ID": sent.encode()})

    answered = response.headers["X-Request-ID"]
    assert FRESH_ID.fullmatch(answered), answered
    assert response.headers.get_list("X-Request-ID") == [answered]


def test_error_answers_carry_an_id_too(client: TestClient, user_headers: Headers) -> None:
    answers = [
        client.get("/no/such/page"),  # 404
        client.get("/api/v1/users/me"),  # 401
        client.post("/api/v1/users", json={}),  # 422
        client.request("BREW", "/api/v1/users/me", headers=user_headers),  # 405
    ]

    assert [answer.status_code for answer in answers] == [404, 401, 422, 405]
    for answer in answers:
        assert FRESH_ID.fullmatch(answer.headers["X-Request-ID"])


@pytest.fixture
def failing_app(database_url: str) -> Iterator[FastAPI]:
    """The app with one more route, which fails as a bug would; a browser app may call it."""
    with app_with(database_url, cors_origins=[ORIGIN]) as app:

        @app.get("/fail")
        def fail() -> None:
            raise RuntimeError("a bug")

        yield app


def test_an_unhandled_error_answers_500_in_json_with_the_request_id(
    failing_app: FastAPI,
) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as client:
        response = client.get("/fail", headers={"X-Request-ID": "trace-me"})

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert response.headers["X-Request-ID"] == "trace-me"


def test_a_browser_app_can_read_the_request_id_of_a_500(failing_app: FastAPI) -> None:
    with TestClient(failing_app) as client:
        response = client.get("/fail", headers={"Origin": ORIGIN})

    assert response.status_code == 500
    # What a browser needs to let the calling page read the answer and this header.
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "x-request-id" in response.headers["Access-Control-Expose-Headers"].lower()
    assert FRESH_ID.fullmatch(response.headers["X-Request-ID"])


def test_request_ids_false_sends_none(database_url: str) -> None:
    with app_with(database_url, request_ids=False) as app, TestClient(app) as client:
        response = client.get("/health/live", headers={"X-Request-ID": "mine"})

    assert response.status_code == 200
    assert "X-Request-ID" not in response.headers
