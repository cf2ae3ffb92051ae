"""PATCH /api/v1/users/{id}: users change themselves; superusers change anyone, and more."""

from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, Headers, UserFactory, log_in, users_table

USERS_URL = "/api/v1/users"
NEW_PASSWORD = "a brand new password"


def user_url(user_id: int) -> str:
    return f"{USERS_URL}/{user_id}"


def parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)


def test_a_user_can_change_their_age_alone(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    response = client.patch(user_url(user.id), json={"age": 31}, headers=user_headers)

    assert response.status_code == 200
    assert (response.json()["username"], response.json()["age"]) == ("alice", 31)
    read_back = client.get(user_url(user.id), headers=user_headers).json()
    assert (read_back["username"], read_back["age"]) == ("alice", 31)


def test_a_user_can_rename_themselves(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    response = client.patch(user_url(user.id), json={"username": "alicia"}, headers=user_headers)

    assert response.status_code == 200
    assert (response.json()["username"], response.json()["age"]) == ("alicia", 30)
    assert log_in(client, "alicia").status_code == 200


def test_a_user_can_change_the_case_of_their_own_username(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    response = client.patch(user_url(user.id), json={"username": "Alice"}, headers=user_headers)

    assert response.status_code == 200
    assert response.json()["username"] == "Alice"


def test_age_null_clears_the_age(client: TestClient, user: User, user_headers: Headers) -> None:
    response = client.patch(user_url(user.id), json={"age": None}, headers=user_headers)

    assert response.status_code == 200
    assert client.get(user_url(user.id), headers=user_headers).json()["age"] is None


def test_an_empty_update_changes_nothing(
    app: FastAPI, client: TestClient, user: User, user_headers: Headers
) -> None:
    before = users_table(app)

    response = client.patch(user_url(user.id), json={}, headers=user_headers)

    assert response.status_code == 200
    assert users_table(app) == before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"username": None}, id="username-null"),
        pytest.param({"is_active": None}, id="is_active-null"),
        pytest.param({"username": "앨리스"}, id="username-korean"),
        pytest.param({"username": "al"}, id="username-too-short"),
        pytest.param({"age": -1}, id="age-negative"),
        pytest.param({"age": "서른"}, id="age-korean"),
        pytest.param({"token_version": 0}, id="unknown-field"),
    ],
)
def test_an_invalid_update_is_refused(
    app: FastAPI,
    client: TestClient,
    user: User,
    superuser_headers: Headers,
    body: dict[str, object],
) -> None:
    before = users_table(app)

    response = client.patch(user_url(user.id), json=body, headers=superuser_headers)

    assert response.status_code == 422
    assert users_table(app) == before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"is_superuser": True}, id="is_superuser"),
        pytest.param({"is_active": True}, id="is_active"),
        pytest.param({"password": NEW_PASSWORD}, id="password"),
        pytest.param({"age": 31, "is_superuser": False}, id="with-an-allowed-field"),
    ],
)
def test_only_a_superuser_may_set_privileges_or_a_password(
    app: FastAPI,
    client: TestClient,
    user: User,
    user_headers: Headers,
    body: dict[str, object],
) -> None:
    before = users_table(app)

    response = client.patch(user_url(user.id), json=body, headers=user_headers)

    assert response.status_code == 403
    assert users_table(app) == before


def test_a_user_cannot_edit_another_user(
    app: FastAPI, client: TestClient, create_user: UserFactory, user_headers: Headers
) -> None:
    bob = create_user("bob")
    before = users_table(app)

    response = client.patch(user_url(bob.id), json={"age": 99}, headers=user_headers)

    assert response.status_code == 403
    assert users_table(app) == before


@pytest.mark.parametrize("taken", ["bob", "BOB"])
def test_renaming_to_a_taken_username_conflicts_and_changes_nothing(
    app: FastAPI,
    client: TestClient,
    create_user: UserFactory,
    user: User,
    user_headers: Headers,
    taken: str,
) -> None:
    create_user("bob")
    before = users_table(app)

    response = client.patch(
        user_url(user.id), json={"username": taken, "age": 99}, headers=user_headers
    )

    assert response.status_code == 409
    assert users_table(app) == before


def test_updating_a_missing_user_is_not_found(
    client: TestClient, superuser_headers: Headers
) -> None:
    response = client.patch(user_url(MAX_ID), json={"age": 1}, headers=superuser_headers)

    assert response.status_code == 404


def test_a_superuser_can_edit_another_user(
    client: TestClient, user: User, superuser_headers: Headers
) -> None:
    body = {"username": "alicia", "age": 44, "is_superuser": True}

    response = client.patch(user_url(user.id), json=body, headers=superuser_headers)

    assert response.status_code == 200
    updated = response.json()
    assert (updated["username"], updated["age"], updated["is_superuser"]) == ("alicia", 44, True)


def test_a_user_deactivated_by_a_superuser_cannot_log_in(
    client: TestClient, user: User, superuser_headers: Headers
) -> None:
    client.patch(user_url(user.id), json={"is_active": False}, headers=superuser_headers)

    assert log_in(client, "alice").status_code == 403


def test_a_password_set_by_a_superuser_replaces_the_old_one(
    client: TestClient, user: User, superuser_headers: Headers
) -> None:
    body = {"password": NEW_PASSWORD}

    response = client.patch(user_url(user.id), json=body, headers=superuser_headers)

    assert response.status_code == 200
    assert log_in(client, "alice", NEW_PASSWORD).status_code == 200
    assert log_in(client, "alice", PASSWORD).status_code == 401


def test_a_password_set_by_a_superuser_retires_the_users_tokens(
    client: TestClient, user: User, user_headers: Headers, superuser_headers: Headers
) -> None:
    body = {"password": NEW_PASSWORD}
    client.patch(user_url(user.id), json=body, headers=superuser_headers)

    response = client.get(f"{USERS_URL}/me", headers=user_headers)

    assert response.status_code == 401


def test_an_update_moves_updated_at_and_keeps_created_at(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    before = client.get(user_url(user.id), headers=user_headers).json()

    client.patch(user_url(user.id), json={"age": 31}, headers=user_headers)

    after = client.get(user_url(user.id), headers=user_headers).json()
    assert after["created_at"] == before["created_at"]
    assert parse(after["updated_at"]) > parse(before["updated_at"])
