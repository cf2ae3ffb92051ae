"""A token never outlives what it was issued for: its user, their password, their activation."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from {{ cookiecutter.project_slug }}.core.database.sessions import create_session_factory
from {{ cookiecutter.project_slug }}.core.models import utc_now
from {{ cookiecutter.project_slug }}.sessions.models import UserSession
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import (
    PASSWORD,
    Headers,
    UserFactory,
    bearer,
    log_in,
    token_for,
    users_table,
)

USERS_URL = "/api/v1/users"
ME_URL = "/api/v1/users/me"


def sign_up_and_log_in(client: TestClient, username: str) -> tuple[int, Headers]:
    """Sign up through the API; return the new user's id and a token from logging in."""
    created = client.post(USERS_URL, json={"username": username, "password": PASSWORD})
    assert created.status_code == 201
    token = log_in(client, username).json()["access_token"]
    return created.json()["id"], bearer(token)


# A deleted user's token opens no other account


def test_a_deleted_users_token_does_not_open_the_next_account(client: TestClient) -> None:
    ann_id, ann_headers = sign_up_and_log_in(client, "ann")
    assert client.delete(f"{USERS_URL}/{ann_id}", headers=ann_headers).status_code == 204

    ben_id, _ = sign_up_and_log_in(client, "ben")

    assert ben_id != ann_id  # an id is never given out twice
    assert client.get(ME_URL, headers=ann_headers).status_code == 401
    patch = client.patch(f"{USERS_URL}/{ben_id}", json={"age": 1}, headers=ann_headers)
    assert patch.status_code == 401


def test_the_newest_users_id_is_not_reused_after_a_superuser_deletes_them(
    client: TestClient, superuser_headers: Headers
) -> None:
    ann_id, ann_headers = sign_up_and_log_in(client, "ann")
    deleted = client.delete(f"{USERS_URL}/{ann_id}", headers=superuser_headers)
    assert deleted.status_code == 204

    ben_id, _ = sign_up_and_log_in(client, "ben")

    assert ben_id > ann_id
    assert client.get(ME_URL, headers=ann_headers).status_code == 401


def test_a_token_does_not_open_an_account_that_comes_back_with_its_id(
    app: FastAPI, client: TestClient
) -> None:
    # Ids are never reused, but a restored backup or hand-made rows could bring one back,
    # with the session of the old token: the new account's token version still differs
    # from the old token's.
    ann_id, ann_headers = sign_up_and_log_in(client, "ann")
    [ann_row] = users_table(app)
    with app.state.engine.connect() as connection:
        [ann_session] = connection.execute(select(UserSession.__table__)).mappings().all()
    assert client.delete(f"{USERS_URL}/{ann_id}", headers=ann_headers).status_code == 204
    now = utc_now()
    with app.state.engine.begin() as connection:
        connection.execute(
            insert(User),
            {
                "id": ann_id,
                "username": "ben",
                "hashed_password": ann_row["hashed_password"],
                "created_at": now,
                "updated_at": now,
            },
        )
        connection.execute(insert(UserSession), dict(ann_session))

    assert log_in(client, "ben").status_code == 200  # the account works
    assert client.get(ME_URL, headers=ann_headers).status_code == 401


# Deactivation retires tokens for good


def test_a_token_from_before_deactivation_stays_refused_after_reactivation(
    client: TestClient, user: User, user_headers: Headers, superuser_headers: Headers
) -> None:
    url = f"{USERS_URL}/{user.id}"
    assert client.patch(url, json={"is_active": False}, headers=superuser_headers).is_success
    assert client.get(ME_URL, headers=user_headers).status_code == 401

    assert client.patch(url, json={"is_active": True}, headers=superuser_headers).is_success

    assert client.get(ME_URL, headers=user_headers).status_code == 401
    new_token = log_in(client, "alice").json()["access_token"]
    assert client.get(ME_URL, headers=bearer(new_token)).status_code == 200


def test_reactivation_also_moves_the_token_version_on(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    dormant = create_user("dormant", is_active=False)
    # A token that matches the deactivated account's version, however it was made.
    with create_session_factory(app.state.engine)() as session:
        stored = session.get_one(User, dormant.id)
        headers = bearer(token_for(stored, app.state.settings))
    assert client.get(ME_URL, headers=headers).status_code == 403

    url = f"{USERS_URL}/{dormant.id}"
    assert client.patch(url, json={"is_active": True}, headers=superuser_headers).is_success

    assert client.get(ME_URL, headers=headers).status_code == 401


def test_an_update_that_leaves_is_active_as_it_was_keeps_the_tokens(
    client: TestClient, user: User, user_headers: Headers, superuser_headers: Headers
) -> None:
    body = {"is_active": True, "age": 33}

    assert client.patch(f"{USERS_URL}/{user.id}", json=body, headers=superuser_headers).is_success

    assert client.get(ME_URL, headers=user_headers).status_code == 200


# Two retirements at once both count


def test_retiring_tokens_twice_at_once_moves_the_version_on_twice(
    app: FastAPI, client: TestClient, user: User
) -> None:
    # Two password changes race: each request loaded the user before the other wrote. A
    # token issued between the two (by a login with the first new password) must die at
    # the second, so the second may not write the number the first wrote.
    sessions = create_session_factory(app.state.engine)
    with sessions() as slow:
        stale = queries.get_user(slow, user_id=user.id)
        assert stale is not None
        with sessions.begin() as fast:
            first = queries.get_user(fast, user_id=user.id)
            assert first is not None
            queries.retire_tokens(fast, user=first)
        with sessions.begin() as reader:
            between = reader.get_one(User, user.id).token_version

        queries.retire_tokens(slow, user=stale)
        slow.commit()

    [row] = users_table(app)
    assert len({user.token_version, between, row["token_version"]}) == 3
