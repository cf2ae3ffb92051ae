"""Signing up: POST /api/v1/users creates an ordinary user, or refuses and stores nothing."""

from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import Headers, users_table

USERS_URL = "/api/v1/users"
SIGN_UP = {"username": "alice", "password": "a long password", "age": 30}
USER_FIELDS = {
    *["id", "username", "age", "email", "email_verified"],
    *["is_active", "is_superuser", "created_at", "updated_at"],
}


def post_raw_json(client: TestClient, text: str) -> Response:
    """Send a body as written: json= would refuse to encode some of the texts we test."""
    return client.post(USERS_URL, content=text, headers={"Content-Type": "application/json"})


def usernames_in_database(app: FastAPI) -> list[str]:
    return [row["username"] for row in users_table(app)]


def is_utc(timestamp: str) -> bool:
    """An ISO 8601 time whose offset is spelled out as UTC (Z or +00:00)."""
    offset = datetime.fromisoformat(timestamp).utcoffset()
    return timestamp.endswith(("Z", "+00:00")) and offset == timedelta(0)


def test_sign_up_creates_an_ordinary_user(app: FastAPI, client: TestClient) -> None:
    response = client.post(USERS_URL, json=SIGN_UP)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["username"] == "alice"
    assert body["age"] == 30
    assert body["is_active"] is True
    assert body["is_superuser"] is False
    assert usernames_in_database(app) == ["alice"]


def test_sign_up_without_an_age(client: TestClient) -> None:
    response = client.post(USERS_URL, json={"username": "alice", "password": "a long password"})

    assert response.status_code == 201
    assert response.json()["age"] is None


@pytest.mark.parametrize("taken", ["alice", "Alice", "ALICE"])
def test_sign_up_with_a_taken_username_conflicts_and_stores_nothing(
    app: FastAPI, client: TestClient, user: User, taken: str
) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"username": taken})

    assert response.status_code == 409
    assert usernames_in_database(app) == ["alice"]


@pytest.mark.parametrize(
    "privilege",
    [
        pytest.param({"is_superuser": True}, id="is_superuser"),
        pytest.param({"is_active": False}, id="is_active"),
        pytest.param({"token_version": 7}, id="token_version"),
        pytest.param({"hashed_password": "$argon2id$v=19$forged"}, id="hashed_password"),
        pytest.param({"id": 12345}, id="id"),
    ],
)
def test_sign_up_cannot_set_other_fields(
    app: FastAPI, client: TestClient, privilege: dict[str, object]
) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | privilege)

    assert response.status_code == 422
    assert users_table(app) == []


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("x" * 8, id="8-characters"),
        pytest.param("x" * 128, id="128-characters"),
        pytest.param("가나다라마바사아", id="8-korean-characters"),
    ],
)
def test_sign_up_accepts_a_password_of_8_to_128_characters(
    client: TestClient, password: str
) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"password": password})

    assert response.status_code == 201


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 7, id="7-characters"),
        pytest.param("x" * 129, id="129-characters"),
    ],
)
def test_sign_up_refuses_a_password_of_the_wrong_length(
    app: FastAPI, client: TestClient, password: str
) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"password": password})

    assert response.status_code == 422
    assert users_table(app) == []


@pytest.mark.parametrize("username", ["bob", "x" * 50, "Jane.Doe-2_b"])
def test_sign_up_accepts_ascii_usernames_of_3_to_50_characters(
    client: TestClient, username: str
) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"username": username})

    assert response.status_code == 201
    assert response.json()["username"] == username


@pytest.mark.parametrize(
    "username",
    [
        pytest.param("", id="empty"),
        pytest.param("ab", id="2-characters"),
        pytest.param("x" * 51, id="51-characters"),
        pytest.param("alice smith", id="space"),
        pytest.param("alice\n", id="newline"),
        pytest.param("앨리스", id="korean"),
        pytest.param("alice😀", id="emoji"),
        pytest.param("ålice", id="accented"),
        pytest.param(12345, id="number"),
        pytest.param(None, id="null"),
    ],
)
def test_sign_up_refuses_an_invalid_username(
    app: FastAPI, client: TestClient, username: object
) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"username": username})

    assert response.status_code == 422
    assert users_table(app) == []


@pytest.mark.parametrize("age", [0, 150])
def test_sign_up_accepts_an_age_from_0_to_150(client: TestClient, age: int) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"age": age})

    assert response.status_code == 201
    assert response.json()["age"] == age


@pytest.mark.parametrize(
    "age",
    [
        pytest.param(-1, id="negative"),
        pytest.param(151, id="151"),
        pytest.param(3.5, id="fraction"),
        pytest.param("thirty", id="english-words"),
        pytest.param("서른", id="korean"),
        pytest.param("🎂", id="emoji"),
        pytest.param([30], id="list"),
        pytest.param(10**30, id="huge"),
    ],
)
def test_sign_up_refuses_an_invalid_age(app: FastAPI, client: TestClient, age: object) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"age": age})

    assert response.status_code == 422
    assert users_table(app) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"username": "alice", "password": ', id="truncated-json"),
        pytest.param("username=alice&password=a+long+password", id="form-data"),
        pytest.param('{"username": "alice", "password": "a long password",}', id="trailing-comma"),
        pytest.param('["alice", "a long password"]', id="array"),
        pytest.param('"alice"', id="string"),
        pytest.param("null", id="null"),
        pytest.param('{"username": "alice", "password": 123456789}', id="number-password"),
        pytest.param('{"username": "alice", "password": "\\ud800 is alone"}', id="lone-surrogate"),
        pytest.param('{"username": "ali\\ud800", "password": "a long password"}', id="lone-name"),
        pytest.param('{"\\ud800": 1, "username": "alice", "password": "12345678"}', id="lone-key"),
    ],
)
def test_sign_up_refuses_a_body_that_is_not_a_user(
    app: FastAPI, client: TestClient, body: str
) -> None:
    response = post_raw_json(client, body)

    assert response.status_code == 422
    assert users_table(app) == []


def test_a_refused_password_is_not_repeated_in_the_answer(client: TestClient) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"password": "short!"})

    assert response.status_code == 422
    assert "short!" not in response.text


def test_sign_up_returns_utc_timestamps(client: TestClient) -> None:
    body = client.post(USERS_URL, json=SIGN_UP).json()

    assert is_utc(body["created_at"])
    assert is_utc(body["updated_at"])


def test_timestamps_read_back_equal_those_returned_at_sign_up(
    client: TestClient, superuser_headers: Headers
) -> None:
    created = client.post(USERS_URL, json=SIGN_UP).json()

    read = client.get(f"{USERS_URL}/{created['id']}", headers=superuser_headers).json()

    assert is_utc(read["created_at"])
    assert read["created_at"] == created["created_at"]
    assert read["updated_at"] == created["updated_at"]
