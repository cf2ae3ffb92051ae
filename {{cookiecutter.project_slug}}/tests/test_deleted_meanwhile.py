"""A change to a user that another request deletes meanwhile answers 404, never 500.

Each change reads its users, then writes them. The DELETE here lands in between (or just
after the write), on every run: see tests/racing.py.
"""

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import Headers, UserFactory, users_table
from tests.racing import meanwhile

USERS_URL = "/api/v1/users"
# A password and an age: the change hashes the password between its read and its write.
CHANGE = {"password": "a brand new password", "age": 41}


def user_url(user_id: int) -> str:
    return f"{USERS_URL}/{user_id}"


def deleting(client: TestClient, user_id: int, headers: Headers) -> Callable[[], Response]:
    return lambda: client.delete(user_url(user_id), headers=headers)


def test_a_change_to_a_user_deleted_before_it_wrote_answers_404(
    app: FastAPI, client: TestClient, user: User, superuser_headers: Headers
) -> None:
    delete = deleting(client, user.id, superuser_headers)
    with meanwhile(app, "before_flush", delete) as deleted:
        response = client.patch(user_url(user.id), json=CHANGE, headers=superuser_headers)

    assert deleted.response.status_code == 204
    assert response.status_code == 404
    assert response.json()["detail"] == f"User {user.id} not found"
    assert user.id not in [row["id"] for row in users_table(app)]


def test_a_change_that_wrote_before_the_delete_succeeds(
    app: FastAPI, client: TestClient, user: User, superuser_headers: Headers
) -> None:
    delete = deleting(client, user.id, superuser_headers)
    with meanwhile(app, "after_flush", delete) as deleted:
        response = client.patch(user_url(user.id), json=CHANGE, headers=superuser_headers)

    assert response.status_code == 200
    assert response.json()["age"] == 41
    assert deleted.response.status_code == 204
    assert user.id not in [row["id"] for row in users_table(app)]


def test_of_two_deletes_of_one_user_at_once_the_second_answers_404(
    app: FastAPI, client: TestClient, user: User, superuser_headers: Headers
) -> None:
    delete = deleting(client, user.id, superuser_headers)
    with meanwhile(app, "before_commit", delete) as second:
        first = client.delete(user_url(user.id), headers=superuser_headers)

    assert first.status_code == 204
    assert second.response.status_code == 404
    assert second.response.json()["detail"] == f"User {user.id} not found"


def test_a_batch_with_a_user_deleted_before_it_wrote_names_it_and_changes_nobody(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    alice, bob, carol = create_user("alice"), create_user("bob"), create_user("carol")
    before = users_table(app)
    body = [
        {"id": alice.id, "username": "alicia"},
        {"id": bob.id, "age": 50},
        {"id": carol.id, "age": 60},
    ]
    delete = deleting(client, carol.id, superuser_headers)
    with meanwhile(app, "before_flush", delete) as deleted:
        response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert deleted.response.status_code == 204
    assert response.status_code == 404
    assert response.json()["detail"] == f"Users not found: {carol.id}"
    assert users_table(app) == [row for row in before if row["id"] != carol.id]


def test_a_batch_renaming_a_user_deleted_before_it_wrote_names_it_and_changes_nobody(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    alice, bob = create_user("alice"), create_user("bob")
    before = users_table(app)
    body = [{"id": alice.id, "age": 50}, {"id": bob.id, "username": "robert"}]
    delete = deleting(client, bob.id, superuser_headers)
    with meanwhile(app, "before_flush", delete) as deleted:
        response = client.put(USERS_URL, json=body, headers=superuser_headers)

    assert deleted.response.status_code == 204
    assert response.status_code == 404
    assert response.json()["detail"] == f"Users not found: {bob.id}"
    assert users_table(app) == [row for row in before if row["id"] != bob.id]
