"""Users: read yourself, and others as a superuser; list, delete; no response shows a password."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import Headers, UserFactory, bearer, token_for, users_table

USERS_URL = "/api/v1/users"
USER_FIELDS = {
    *["id", "username", "age", "email", "email_verified"],
    *["is_active", "is_superuser", "created_at", "updated_at"],
}
# Path ids no user can have: not integers, not positive, or beyond the INT column.
IMPOSSIBLE_IDS = [
    *["abc", "1.5", "1e3", "0", "-1", str(MAX_ID + 1), "99999999999999999999"],
    *["%F0%9F%98%80", "%ED%A0%80", "%FF"],  # an emoji, a lone surrogate, not UTF-8
]


# Reading users


def test_me_is_the_signed_in_user(client: TestClient, user: User, user_headers: Headers) -> None:
    response = client.get(f"{USERS_URL}/me", headers=user_headers)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_FIELDS
    assert (body["id"], body["username"], body["age"]) == (user.id, "alice", 30)


def test_a_user_can_read_themselves_by_id(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    response = client.get(f"{USERS_URL}/{user.id}", headers=user_headers)

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["username"]) == (user.id, "alice")


def test_a_superuser_can_read_another_user(
    client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    bob = create_user("bob", age=41)

    response = client.get(f"{USERS_URL}/{bob.id}", headers=superuser_headers)

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["username"]) == (bob.id, "bob")


def test_a_user_cannot_read_another_user_nor_learn_whether_an_id_exists(
    client: TestClient, create_user: UserFactory, user_headers: Headers
) -> None:
    bob = create_user("bob", is_superuser=True)

    existing = client.get(f"{USERS_URL}/{bob.id}", headers=user_headers)
    missing = client.get(f"{USERS_URL}/{MAX_ID}", headers=user_headers)

    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()
    assert "bob" not in existing.text


def test_reading_a_missing_user_is_not_found(
    client: TestClient, superuser_headers: Headers
) -> None:
    response = client.get(f"{USERS_URL}/{MAX_ID}", headers=superuser_headers)

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("user_id", IMPOSSIBLE_IDS)
def test_an_impossible_user_id_is_invalid(
    client: TestClient, superuser_headers: Headers, method: str, user_id: str
) -> None:
    json = {"age": 1} if method == "PATCH" else None

    response = client.request(
        method, f"{USERS_URL}/{user_id}", json=json, headers=superuser_headers
    )

    assert response.status_code == 422


# Listing users


def test_list_users_returns_a_page_ordered_by_id(
    client: TestClient, superuser: User, create_user: UserFactory, superuser_headers: Headers
) -> None:
    # Created in this order, so the ids are not in alphabetical order of the names.
    create_user("zed")
    create_user("bob")

    response = client.get(USERS_URL, headers=superuser_headers)

    assert response.status_code == 200
    page = response.json()
    assert (page["total"], page["offset"], page["limit"]) == (3, 0, 50)
    ids = [item["id"] for item in page["items"]]
    assert ids == sorted(ids)
    assert [item["username"] for item in page["items"]] == ["root_admin", "zed", "bob"]
    assert set(page["items"][0]) == USER_FIELDS


@pytest.mark.parametrize(
    ("offset", "limit", "expected", "more"),
    [
        pytest.param(0, 2, ["root_admin", "bob"], True, id="first-page"),
        pytest.param(2, 2, ["carol", "dave"], True, id="second-page"),
        pytest.param(4, 2, ["erin"], False, id="last-page"),
        pytest.param(3, 2, ["dave", "erin"], False, id="last-page-full"),
        pytest.param(5, 2, [], False, id="past-the-end"),
        pytest.param(1, 100, ["bob", "carol", "dave", "erin"], False, id="limit-100"),
    ],
)
def test_list_users_pages_with_offset_and_limit(
    client: TestClient,
    superuser: User,
    create_user: UserFactory,
    superuser_headers: Headers,
    offset: int,
    limit: int,
    expected: list[str],
    more: bool,
) -> None:
    for name in ("bob", "carol", "dave", "erin"):
        create_user(name)

    params = {"offset": offset, "limit": limit}
    response = client.get(USERS_URL, params=params, headers=superuser_headers)

    page = response.json()
    assert [item["username"] for item in page["items"]] == expected
    assert (page["total"], page["offset"], page["limit"]) == (5, offset, limit)
    # next_after is the last id shown, when another page follows.
    assert page["next_after"] == (page["items"][-1]["id"] if more else None)


def test_following_next_after_lists_every_user_once_in_id_order(
    client: TestClient, superuser: User, create_user: UserFactory, superuser_headers: Headers
) -> None:
    users = [superuser, *(create_user(name) for name in ("bob", "carol", "dave", "erin"))]
    pages: list[list[str]] = []
    params: dict[str, int] = {"limit": 2}
    while True:
        response = client.get(USERS_URL, params=params, headers=superuser_headers)
        assert response.status_code == 200
        page = response.json()
        pages.append([item["username"] for item in page["items"]])
        if page["next_after"] is None:
            break
        params["after"] = page["next_after"]

    assert pages == [["root_admin", "bob"], ["carol", "dave"], ["erin"]]
    # After the id of a user since deleted, the page starts with the next id.
    client.delete(f"{USERS_URL}/{users[2].id}", headers=superuser_headers)
    params = {"after": users[2].id, "limit": 2}
    page = client.get(USERS_URL, params=params, headers=superuser_headers).json()
    assert [item["username"] for item in page["items"]] == ["dave", "erin"]
    assert (page["total"], page["next_after"]) == (4, None)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"limit": 0}, id="limit-0"),
        pytest.param({"limit": 101}, id="limit-101"),
        pytest.param({"limit": -1}, id="limit-negative"),
        pytest.param({"limit": "ten"}, id="limit-not-a-number"),
        pytest.param({"offset": -1}, id="offset-negative"),
        pytest.param({"offset": "first"}, id="offset-not-a-number"),
        pytest.param({"offset": "99999999999999999999"}, id="offset-huge"),
        pytest.param({"after": -1}, id="after-negative"),
        pytest.param({"after": "bob"}, id="after-not-a-number"),
        pytest.param({"after": str(MAX_ID + 1)}, id="after-beyond-any-id"),
        pytest.param({"after": 1, "offset": 1}, id="after-and-offset"),
    ],
)
def test_list_users_refuses_out_of_range_paging(
    client: TestClient, superuser_headers: Headers, params: dict[str, int | str]
) -> None:
    response = client.get(USERS_URL, params=params, headers=superuser_headers)

    assert response.status_code == 422


def test_only_a_superuser_may_list_users(
    client: TestClient, create_user: UserFactory, user_headers: Headers
) -> None:
    create_user("bob", is_superuser=True)

    response = client.get(USERS_URL, headers=user_headers)

    assert response.status_code == 403
    assert "bob" not in response.text


# Responses never carry a password or its hash


def sign_up_response(client: TestClient, headers: Headers, user: User) -> Response:
    return client.post(USERS_URL, json={"username": "newcomer", "password": "a long password"})


def me_response(client: TestClient, headers: Headers, user: User) -> Response:
    return client.get(f"{USERS_URL}/me", headers=headers)


def list_response(client: TestClient, headers: Headers, user: User) -> Response:
    return client.get(USERS_URL, headers=headers)


def read_response(client: TestClient, headers: Headers, user: User) -> Response:
    return client.get(f"{USERS_URL}/{user.id}", headers=headers)


def update_response(client: TestClient, headers: Headers, user: User) -> Response:
    return client.patch(f"{USERS_URL}/{user.id}", json={"age": 31}, headers=headers)


def batch_update_response(client: TestClient, headers: Headers, user: User) -> Response:
    return client.put(USERS_URL, json=[{"id": user.id, "age": 31}], headers=headers)


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(sign_up_response, id="sign-up"),
        pytest.param(me_response, id="me"),
        pytest.param(list_response, id="list"),
        pytest.param(read_response, id="read"),
        pytest.param(update_response, id="update"),
        pytest.param(batch_update_response, id="batch-update"),
    ],
)
def test_responses_never_contain_a_password_or_hash(
    client: TestClient,
    superuser: User,
    superuser_headers: Headers,
    send: Callable[[TestClient, Headers, User], Response],
) -> None:
    response = send(client, superuser_headers, superuser)

    assert response.is_success
    assert "password" not in response.text
    assert "$argon2" not in response.text


# Deleting users


def test_a_user_can_delete_themselves(
    app: FastAPI, client: TestClient, user: User, user_headers: Headers
) -> None:
    response = client.delete(f"{USERS_URL}/{user.id}", headers=user_headers)

    assert response.status_code == 204
    assert users_table(app) == []


def test_a_deleted_users_token_stops_working(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    client.delete(f"{USERS_URL}/{user.id}", headers=user_headers)

    response = client.get(f"{USERS_URL}/me", headers=user_headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_superuser_can_delete_another_user(
    client: TestClient, user: User, superuser_headers: Headers
) -> None:
    response = client.delete(f"{USERS_URL}/{user.id}", headers=superuser_headers)

    assert response.status_code == 204
    assert client.get(f"{USERS_URL}/{user.id}", headers=superuser_headers).status_code == 404


def test_a_user_cannot_delete_another_user(
    app: FastAPI, client: TestClient, create_user: UserFactory, user_headers: Headers
) -> None:
    bob = create_user("bob")

    response = client.delete(f"{USERS_URL}/{bob.id}", headers=user_headers)

    assert response.status_code == 403
    assert [row["username"] for row in users_table(app)] == ["alice", "bob"]


def test_deleting_a_missing_user_is_not_found(
    client: TestClient, superuser_headers: Headers
) -> None:
    response = client.delete(f"{USERS_URL}/{MAX_ID}", headers=superuser_headers)

    assert response.status_code == 404


def test_a_user_cannot_learn_whether_an_id_exists_by_deleting_it(
    client: TestClient, create_user: UserFactory, settings: Settings
) -> None:
    alice, bob = create_user("alice"), create_user("bob")
    headers = bearer(token_for(alice, settings))

    existing = client.delete(f"{USERS_URL}/{bob.id}", headers=headers)
    missing = client.delete(f"{USERS_URL}/{MAX_ID}", headers=headers)

    assert existing.status_code == missing.status_code == 403
