"""Logging in: POST /api/v1/auth/token exchanges a username and password for a bearer token."""

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, UserFactory, bearer, log_in, token_for, users_table

TOKEN_URL = "/api/v1/auth/token"


def test_login_returns_a_bearer_token(client: TestClient, user: User, settings: Settings) -> None:
    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer"
    lifetime = settings.access_token_expire_minutes * 60  # the test's own settings
    assert body["expires_in"] == lifetime
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == lifetime


def test_the_token_from_login_identifies_the_user(client: TestClient, user: User) -> None:
    token = log_in(client, "alice", PASSWORD).json()["access_token"]

    response = client.get("/api/v1/users/me", headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["id"] == user.id


def test_login_ignores_the_case_of_the_username(client: TestClient, user: User) -> None:
    assert log_in(client, "ALICE", PASSWORD).status_code == 200


def test_login_with_a_wrong_password_is_refused(client: TestClient, user: User) -> None:
    response = log_in(client, "alice", "wrong password")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "username",
    [
        pytest.param("nobody", id="unknown"),
        pytest.param("not a username!", id="impossible-username"),
        pytest.param("앨리스", id="korean"),
    ],
)
def test_login_as_an_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: TestClient, user: User, username: str
) -> None:
    wrong_password = log_in(client, "alice", "wrong password")

    unknown_user = log_in(client, username, PASSWORD)

    assert unknown_user.status_code == wrong_password.status_code == 401
    assert unknown_user.json() == wrong_password.json()
    assert unknown_user.headers["WWW-Authenticate"] == "Bearer"


def test_login_as_an_unknown_user_still_verifies_a_password(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checking a dummy hash makes the answer take as long as for a real user, so response
    # times do not tell which usernames exist. (A name no user can have is refused at once:
    # test_login_throttle.py.)
    checked: list[str] = []
    verify_nothing = PasswordHasher.verify_nothing

    def spy(self: PasswordHasher, password: str) -> None:
        checked.append(password)
        verify_nothing(self, password)

    monkeypatch.setattr(PasswordHasher, "verify_nothing", spy)

    response = log_in(client, "nobody", PASSWORD)

    assert response.status_code == 401
    assert checked == [PASSWORD]


def test_login_with_an_overlong_password_is_refused(client: TestClient, user: User) -> None:
    assert log_in(client, "alice", "x" * 129).status_code == 401


def test_an_inactive_user_cannot_log_in(client: TestClient, create_user: UserFactory) -> None:
    create_user("dormant", is_active=False)

    response = log_in(client, "dormant", PASSWORD)

    assert response.status_code == 403


def test_an_inactive_user_with_a_wrong_password_learns_nothing_more(
    client: TestClient, create_user: UserFactory
) -> None:
    create_user("dormant", is_active=False)

    assert log_in(client, "dormant", "wrong password").status_code == 401


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"username": "alice"}, id="no-password"),
        pytest.param({"password": PASSWORD}, id="no-username"),
        pytest.param({}, id="empty"),
    ],
)
def test_login_without_both_fields_is_invalid(
    client: TestClient, user: User, data: dict[str, str]
) -> None:
    assert client.post(TOKEN_URL, data=data).status_code == 422


def test_login_takes_a_form_not_json(client: TestClient, user: User) -> None:
    response = client.post(TOKEN_URL, json={"username": "alice", "password": PASSWORD})

    assert response.status_code == 422


def test_login_rehashes_a_password_hashed_with_older_parameters(
    app: FastAPI, client: TestClient, create_user: UserFactory, settings: Settings
) -> None:
    alice = create_user("alice")
    older = PasswordHasher(time_cost=2, memory_cost_kib=16, parallelism=1)
    with Session(app.state.engine) as session, session.begin():
        session.get_one(User, alice.id).hashed_password = older.hash(PASSWORD)

    assert log_in(client, "alice", PASSWORD).status_code == 200

    current_parameters = (
        f"m={settings.argon2_memory_cost_kib},t={settings.argon2_time_cost},"
        f"p={settings.argon2_parallelism}"
    )
    [row] = users_table(app)
    assert current_parameters in row["hashed_password"]
    assert log_in(client, "alice", PASSWORD).status_code == 200


def test_a_rehash_at_login_keeps_the_users_tokens(
    app: FastAPI, client: TestClient, create_user: UserFactory, settings: Settings
) -> None:
    # The password is the same, only its hash is new: the user's sessions go on working.
    alice = create_user("alice")
    older = PasswordHasher(time_cost=2, memory_cost_kib=16, parallelism=1)
    with Session(app.state.engine) as session, session.begin():
        session.get_one(User, alice.id).hashed_password = older_hash = older.hash(PASSWORD)
    earlier_token = bearer(token_for(alice, settings))

    login = log_in(client, "alice", PASSWORD)

    assert login.status_code == 200
    [row] = users_table(app)
    assert row["hashed_password"] != older_hash  # the login did re-hash
    assert client.get("/api/v1/users/me", headers=earlier_token).status_code == 200
    new_token = bearer(login.json()["access_token"])
    assert client.get("/api/v1/users/me", headers=new_token).status_code == 200


@pytest.mark.parametrize("password", ["비밀번호는 안전해", "🔑🔒🗝️🔐🚪🏠✨🎉", "пароль-パスワード"])
def test_a_password_in_any_script_works_for_login(client: TestClient, password: str) -> None:
    signup = client.post("/api/v1/users", json={"username": "alice", "password": password})
    assert signup.status_code == 201

    assert log_in(client, "alice", password).status_code == 200
    assert log_in(client, "alice", password[:-1]).status_code == 401


@pytest.mark.parametrize(
    "form",
    [
        pytest.param("username=alice&password=%ED%A0%80%ED%A0%80abcdefgh", id="lone-surrogates"),
        pytest.param("username=alice&password=%FF%FEabcdefgh", id="not-utf-8"),
        pytest.param("username=%ED%A0%80lice&password=abcdefgh", id="surrogate-username"),
    ],
)
def test_login_with_undecodable_text_is_refused(client: TestClient, user: User, form: str) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    response = client.post(TOKEN_URL, content=form, headers=headers)

    assert response.status_code == 401
