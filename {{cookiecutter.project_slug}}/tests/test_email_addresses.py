"""Users' email addresses: optional, valid, unique regardless of case; a new one is unverified."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import update

from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import Headers, users_table

USERS_URL = "/api/v1/users"
SIGN_UP = {"username": "alice", "password": "a long password"}


@pytest.fixture
def verified_user(app: FastAPI, user: User) -> User:
    """The user, with alice@example.com verified (test_mailed_links.py follows the link)."""
    verified = {"email": "alice@example.com", "email_verified": True}
    with app.state.engine.begin() as connection:
        connection.execute(update(User).where(User.id == user.id).values(**verified))
    return user


def set_address(client: TestClient, user: User, headers: Headers, email: str | None) -> Response:
    return client.patch(f"{USERS_URL}/{user.id}", json={"email": email}, headers=headers)


def test_sign_up_with_an_address_keeps_it_unverified(client: TestClient) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"email": "Alice@Example.COM"})

    assert response.status_code == 201
    body = response.json()
    # The domain is put in lower case; the part before the @ is the owner's to spell.
    assert (body["email"], body["email_verified"]) == ("Alice@example.com", False)


def test_sign_up_without_an_address(client: TestClient) -> None:
    body = client.post(USERS_URL, json=SIGN_UP).json()

    assert (body["email"], body["email_verified"]) == (None, False)


@pytest.mark.parametrize(
    "address",
    [
        "alice",  # no @
        "alice@",
        "@example.com",
        "alice@example",  # a domain needs a dot
        "alice@@example.com",
        "alice smith@example.com",
        "jörg@example.com",  # not ASCII: needs a server that speaks SMTPUTF8
        "alice@exämple.com",
        f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.com",  # 259 characters: above 254
        "",
    ],
)
def test_an_address_that_is_none_is_refused(app: FastAPI, client: TestClient, address: str) -> None:
    response = client.post(USERS_URL, json=SIGN_UP | {"email": address})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]
    assert users_table(app) == []


@pytest.mark.parametrize(
    ("taken", "as_named"),
    [
        ("bob@example.com", "bob@example.com"),
        ("BOB@example.com", "BOB@example.com"),
        ("Bob@EXAMPLE.com", "Bob@example.com"),  # the domain in lower case
    ],
)
def test_an_address_is_taken_regardless_of_case(
    app: FastAPI, client: TestClient, taken: str, as_named: str
) -> None:
    assert client.post(USERS_URL, json=SIGN_UP | {"email": "bob@example.com"}).status_code == 201

    response = client.post(USERS_URL, json={**SIGN_UP, "username": "carol", "email": taken})

    assert response.status_code == 409
    assert response.json()["detail"] == f"Email address {as_named!r} is taken"
    assert [row["username"] for row in users_table(app)] == ["alice"]


def test_a_taken_username_is_named_as_such_beside_a_free_address(client: TestClient) -> None:
    client.post(USERS_URL, json=SIGN_UP | {"email": "alice@example.com"})

    response = client.post(USERS_URL, json=SIGN_UP | {"email": "other@example.com"})

    assert response.status_code == 409
    assert response.json()["detail"] == "Username 'alice' is taken"


def test_a_username_like_the_index_is_still_a_username(client: TestClient) -> None:
    # The database's error names the duplicate value too: a username that spells the
    # email index's name must not pass for a taken address.
    for name in ("users.email", "ix_users_email"):
        first = {**SIGN_UP, "username": name, "email": f"{name}@example.com"}
        assert client.post(USERS_URL, json=first).status_code == 201
        again = {**SIGN_UP, "username": name, "email": "free@example.com"}

        response = client.post(USERS_URL, json=again)

        assert response.status_code == 409
        assert response.json()["detail"] == f"Username {name!r} is taken"


def test_a_new_address_is_unverified(
    app: FastAPI, client: TestClient, verified_user: User, user_headers: Headers
) -> None:
    response = set_address(client, verified_user, user_headers, "alice@example.org")

    assert response.status_code == 200
    assert (response.json()["email"], response.json()["email_verified"]) == (
        "alice@example.org",
        False,
    )
    [row] = users_table(app)
    assert (row["email"], row["email_verified"]) == ("alice@example.org", False)


def test_the_same_address_in_other_letters_stays_verified(
    client: TestClient, verified_user: User, user_headers: Headers
) -> None:
    response = set_address(client, verified_user, user_headers, "ALICE@example.com")

    assert (response.json()["email"], response.json()["email_verified"]) == (
        "ALICE@example.com",
        True,
    )


def test_null_removes_the_address(
    client: TestClient, verified_user: User, user_headers: Headers
) -> None:
    response = set_address(client, verified_user, user_headers, None)

    assert (response.json()["email"], response.json()["email_verified"]) == (None, False)


def test_taking_another_users_address_conflicts_and_changes_nothing(
    app: FastAPI, client: TestClient, user: User, user_headers: Headers
) -> None:
    client.post(USERS_URL, json={**SIGN_UP, "username": "bob", "email": "bob@example.com"})

    response = set_address(client, user, user_headers, "Bob@Example.com")

    assert response.status_code == 409
    assert response.json()["detail"] == "Email address 'Bob@example.com' is taken"
    assert {row["username"]: row["email"] for row in users_table(app)} == {
        "alice": None,
        "bob": "bob@example.com",
    }


def test_the_signed_in_user_sees_their_address(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    set_address(client, user, user_headers, "alice@example.com")

    body = client.get(f"{USERS_URL}/me", headers=user_headers).json()

    assert (body["email"], body["email_verified"]) == ("alice@example.com", False)
