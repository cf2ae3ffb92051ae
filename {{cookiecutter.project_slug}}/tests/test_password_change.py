"""PUT /api/v1/users/me/password: change your password and retire every earlier token."""

import json
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.database.sessions import create_session_factory
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, Headers, bearer, log_in, token_for, users_table

USERS_URL = "/api/v1/users"
PASSWORD_URL = "/api/v1/users/me/password"
NEW_PASSWORD = "a brand new password"


def test_changing_your_password_answers_no_content(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

    response = client.put(PASSWORD_URL, json=body, headers=user_headers)

    assert response.status_code == 204
    assert response.content == b""


def test_after_a_password_change_only_the_new_password_logs_in(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    client.put(PASSWORD_URL, json=body, headers=user_headers)

    assert log_in(client, "alice", NEW_PASSWORD).status_code == 200
    assert log_in(client, "alice", PASSWORD).status_code == 401


def test_a_password_change_retires_every_earlier_token(
    client: TestClient, user: User, settings: Settings
) -> None:
    earlier_tokens = [bearer(token_for(user, settings)) for _ in range(2)]
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    client.put(PASSWORD_URL, json=body, headers=earlier_tokens[0])

    for headers in earlier_tokens:
        assert client.get(f"{USERS_URL}/me", headers=headers).status_code == 401
    new_token = log_in(client, "alice", NEW_PASSWORD).json()["access_token"]
    assert client.get(f"{USERS_URL}/me", headers=bearer(new_token)).status_code == 200


def test_a_wrong_current_password_is_refused_and_changes_nothing(
    app: FastAPI, client: TestClient, user: User, user_headers: Headers
) -> None:
    before = users_table(app)
    body = {"current_password": "not my password", "new_password": NEW_PASSWORD}

    response = client.put(PASSWORD_URL, json=body, headers=user_headers)

    assert response.status_code == 400
    assert users_table(app) == before
    assert client.get(f"{USERS_URL}/me", headers=user_headers).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"current_password": PASSWORD, "new_password": "short"}, id="too-short"),
        pytest.param({"current_password": PASSWORD, "new_password": "x" * 129}, id="too-long"),
        pytest.param({"current_password": PASSWORD}, id="no-new-password"),
        pytest.param({"new_password": NEW_PASSWORD}, id="no-current-password"),
        pytest.param({"current_password": PASSWORD, "new_password": 12345678}, id="number"),
    ],
)
def test_an_invalid_password_change_is_refused(
    app: FastAPI,
    client: TestClient,
    user: User,
    user_headers: Headers,
    body: dict[str, object],
) -> None:
    before = users_table(app)

    response = client.put(PASSWORD_URL, json=body, headers=user_headers)

    assert response.status_code == 422
    assert users_table(app) == before


def test_a_new_password_with_a_lone_surrogate_is_refused(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    # json.dumps writes the surrogate as the escape \ud800, which json= would refuse to encode.
    body = json.dumps({"current_password": PASSWORD, "new_password": "\ud800 password"})
    headers = user_headers | {"Content-Type": "application/json"}

    response = client.put(PASSWORD_URL, content=body, headers=headers)

    assert response.status_code == 422


# Two changes at once, and a login re-hashing meanwhile


def test_of_two_changes_from_the_same_old_password_only_the_first_takes_effect(
    app: FastAPI, client: TestClient, user: User
) -> None:
    hasher: PasswordHasher = app.state.password_hasher
    sessions = create_session_factory(app.state.engine)
    with sessions() as slow:
        stale = slow.get_one(User, user.id)  # checked the old password, then hashes the new
        with sessions.begin() as fast:
            first = fast.get_one(User, user.id)
            assert queries.change_password(
                fast, user=first, old_hash=first.hashed_password, new_hash=hasher.hash("first new")
            )

        assert not queries.change_password(
            slow, user=stale, old_hash=stale.hashed_password, new_hash=hasher.hash("second new")
        )
        slow.commit()

    assert log_in(client, "alice", "first new").status_code == 200
    assert log_in(client, "alice", "second new").status_code == 401


def while_hashing(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[Session], None]
) -> None:
    """Commit `meanwhile` in a transaction of its own when the next request hashes a password:
    after a password change checked the current password, before it writes the new one."""
    hasher: PasswordHasher = app.state.password_hasher
    sessions = create_session_factory(app.state.engine)
    hash_password = hasher.hash

    def hash_after_meanwhile(password: str) -> str:
        monkeypatch.setattr(hasher, "hash", hash_password)  # once only
        with sessions.begin() as other:
            meanwhile(other)
        return hash_password(password)

    monkeypatch.setattr(hasher, "hash", hash_after_meanwhile)


def test_a_password_change_that_lost_a_race_answers_409_and_changes_nothing(
    app: FastAPI,
    client: TestClient,
    user: User,
    user_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher: PasswordHasher = app.state.password_hasher

    def another_change_lands(other: Session) -> None:
        stored = other.get_one(User, user.id)
        other_hash = hasher.hash("the other new password")
        assert queries.change_password(
            other, user=stored, old_hash=stored.hashed_password, new_hash=other_hash
        )

    while_hashing(app, monkeypatch, another_change_lands)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

    response = client.put(PASSWORD_URL, json=body, headers=user_headers)

    assert response.status_code == 409
    assert "password" in response.json()["detail"]
    assert log_in(client, "alice", "the other new password").status_code == 200
    assert log_in(client, "alice", NEW_PASSWORD).status_code == 401


def test_a_password_change_that_lost_to_a_deletion_answers_404(
    app: FastAPI,
    client: TestClient,
    user: User,
    user_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A superuser deletes the user.
    while_hashing(app, monkeypatch, lambda other: other.delete(other.get_one(User, user.id)))
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

    response = client.put(PASSWORD_URL, json=body, headers=user_headers)

    assert response.status_code == 404
    assert response.json()["detail"] == f"User {user.id} not found"


def test_a_rehash_at_login_does_not_undo_a_password_set_meanwhile(
    app: FastAPI, client: TestClient, user: User, superuser_headers: Headers
) -> None:
    hasher: PasswordHasher = app.state.password_hasher
    sessions = create_session_factory(app.state.engine)
    with sessions() as login:
        checked = login.get_one(User, user.id)  # the login checked this hash, then rehashes
        reset = client.patch(
            f"{USERS_URL}/{user.id}", json={"password": NEW_PASSWORD}, headers=superuser_headers
        )
        assert reset.status_code == 200

        queries.rehash_password(
            login, user=checked, old_hash=checked.hashed_password, new_hash=hasher.hash(PASSWORD)
        )
        login.commit()

    assert log_in(client, "alice", NEW_PASSWORD).status_code == 200
    assert log_in(client, "alice", PASSWORD).status_code == 401
