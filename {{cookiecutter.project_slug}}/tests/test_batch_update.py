"""PUT /api/v1/users: superusers update many users at once, all or nothing."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import Headers, UserFactory, users_table

USERS_URL = "/api/v1/users"


def test_a_superuser_can_update_many_users_at_once(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    alice, bob = create_user("alice", age=30), create_user("bob", age=40)
    body = [{"id": bob.id, "username": "robert"}, {"id": alice.id, "age": None}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 200
    assert [(item["id"], item["username"], item["age"]) for item in response.json()] == [
        (bob.id, "robert", 40),
        (alice.id, "alice", None),
    ]
    stored = {row["id"]: (row["username"], row["age"]) for row in users_table(app)}
    assert stored[alice.id] == ("alice", None)
    assert stored[bob.id] == ("robert", 40)


def test_a_batch_with_a_missing_id_names_it_and_changes_nothing(
    app: FastAPI, client: TestClient, user: User, superuser_headers: Headers
) -> None:
    before = users_table(app)
    body = [{"id": user.id, "age": 99}, {"id": MAX_ID, "age": 1}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 404
    assert str(MAX_ID) in response.json()["detail"]
    assert users_table(app) == before


def test_a_batch_names_every_missing_id(
    client: TestClient, user: User, superuser_headers: Headers
) -> None:
    body = [{"id": MAX_ID, "age": 1}, {"id": user.id, "age": 2}, {"id": MAX_ID - 1, "age": 3}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 404
    assert str(MAX_ID) in response.json()["detail"]
    assert str(MAX_ID - 1) in response.json()["detail"]


@pytest.mark.parametrize("taken", ["root_admin", "ROOT_ADMIN"])
def test_a_batch_renaming_to_a_taken_username_conflicts_and_changes_nothing(
    app: FastAPI,
    client: TestClient,
    create_user: UserFactory,
    superuser_headers: Headers,
    taken: str,
) -> None:
    alice, bob = create_user("alice"), create_user("bob")
    before = users_table(app)
    body = [{"id": alice.id, "age": 50}, {"id": bob.id, "username": taken}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 409
    assert users_table(app) == before


def test_a_batch_giving_two_users_one_username_conflicts_and_changes_nothing(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    alice, bob = create_user("alice"), create_user("bob")
    before = users_table(app)
    body = [{"id": alice.id, "username": "carol"}, {"id": bob.id, "username": "Carol"}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 409
    assert users_table(app) == before


def test_a_batch_with_a_repeated_id_is_invalid(
    app: FastAPI, client: TestClient, user: User, superuser_headers: Headers
) -> None:
    before = users_table(app)
    body = [{"id": user.id, "age": 1}, {"id": user.id, "age": 2}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 422
    assert users_table(app) == before


@pytest.mark.parametrize(
    "item",
    [
        pytest.param({"is_superuser": True}, id="is_superuser"),
        pytest.param({"is_active": False}, id="is_active"),
        pytest.param({"password": "a brand new password"}, id="password"),
        pytest.param({"username": None}, id="username-null"),
        pytest.param({"username": "앨리스"}, id="username-korean"),
        pytest.param({"age": "🎂"}, id="age-emoji"),
    ],
)
def test_a_batch_item_with_an_invalid_field_is_refused(
    app: FastAPI,
    client: TestClient,
    user: User,
    superuser_headers: Headers,
    item: dict[str, object],
) -> None:
    before = users_table(app)

    response = client.put(USERS_URL, json=[{"id": user.id} | item], headers=superuser_headers)

    assert response.status_code == 422
    assert users_table(app) == before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"id": 1, "age": 2}, id="object-not-list"),
        pytest.param([{"age": 2}], id="no-id"),
        pytest.param([{"id": 0}], id="id-zero"),
        pytest.param([{"id": 10**20}], id="id-huge"),
        pytest.param([{"id": i + 1} for i in range(101)], id="101-items"),
    ],
)
def test_a_malformed_batch_is_invalid(
    client: TestClient, superuser_headers: Headers, body: object
) -> None:
    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 422


def test_only_a_superuser_may_update_a_batch(
    app: FastAPI, client: TestClient, user: User, user_headers: Headers
) -> None:
    before = users_table(app)

    response = client.put(USERS_URL, json=[{"id": user.id, "age": 1}], headers=user_headers)

    assert response.status_code == 403
    assert users_table(app) == before


# The outcome depends on the final state only, not on the order of the items


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "reversed"])
def test_a_batch_can_pass_a_username_on_in_either_order(
    app: FastAPI,
    client: TestClient,
    create_user: UserFactory,
    superuser_headers: Headers,
    reverse: bool,
) -> None:
    amy, ben = create_user("amy"), create_user("ben")
    body = [{"id": amy.id, "username": "ben"}, {"id": ben.id, "username": "zed"}]

    response = client.put(
        USERS_URL, json=body[::-1] if reverse else body, headers=superuser_headers
    )

    assert response.status_code == 200
    stored = {row["id"]: row["username"] for row in users_table(app)}
    assert (stored[amy.id], stored[ben.id]) == ("ben", "zed")


def test_a_batch_can_swap_two_usernames(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    amy, ben = create_user("amy"), create_user("ben")
    body = [{"id": amy.id, "username": "ben"}, {"id": ben.id, "username": "AMY"}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 200
    stored = {row["id"]: row["username"] for row in users_table(app)}
    assert (stored[amy.id], stored[ben.id]) == ("ben", "AMY")


def test_a_batch_conflict_names_the_username_taken_outside_the_batch(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    amy, _ = create_user("amy"), create_user("ben")
    before = users_table(app)

    response = client.put(
        USERS_URL, json=[{"id": amy.id, "username": "BEN"}], headers=superuser_headers
    )

    assert response.status_code == 409
    assert "'BEN'" in response.json()["detail"]
    assert users_table(app) == before


def test_a_batch_conflict_names_a_username_kept_by_a_user_in_the_batch(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    amy, ben = create_user("amy"), create_user("ben")
    before = users_table(app)
    body = [{"id": amy.id, "username": "ben"}, {"id": ben.id, "age": 7}]

    response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert response.status_code == 409
    assert "'ben'" in response.json()["detail"]
    assert users_table(app) == before
