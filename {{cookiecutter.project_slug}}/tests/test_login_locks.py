"""One client cannot lock out many usernames, and a superuser can lift a username's lock."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, Headers, UserFactory, app_with, log_in
from tests.test_login_throttle import MAX_FAILURES, WINDOW_SECONDS, WRONG, fail

# The README: 50 failed logins from one client address, across any usernames, within the
# window of the per-username limit (test_config.py checks these defaults).
MAX_FAILURES_PER_CLIENT = 50
UNLOCK_URL = "/api/v1/auth/login-failures/{}"


@contextmanager
def client_at(app: FastAPI, address: str) -> Iterator[TestClient]:
    """A client of the app that connects from this address."""
    with TestClient(app, client=(address, 50000)) as client:
        yield client


def test_one_client_is_refused_after_too_many_failures_across_usernames(
    app: FastAPI, client: TestClient, create_user: UserFactory
) -> None:
    names = [f"user{number}" for number in range(MAX_FAILURES_PER_CLIENT // MAX_FAILURES)]
    for name in names:
        create_user(name)
    with client_at(app, "203.0.113.7") as attacker:
        for name in names:
            fail(attacker, name, MAX_FAILURES)

        response = log_in(attacker, "someone_else", PASSWORD)

    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= WINDOW_SECONDS
    assert "this client" in response.json()["detail"]


def test_a_client_over_its_limit_does_not_lock_more_usernames(
    database_url: str, create_user: UserFactory, user: User
) -> None:
    # An attacker who reached the limit of their address, here 3, cannot add alice to the
    # usernames they locked: their attempts on her are refused, and not counted.
    create_user("bob")
    with app_with(database_url, login_max_failures_per_client=3) as strict:
        with client_at(strict, "203.0.113.7") as attacker:
            fail(attacker, "bob", 3)
            for _ in range(MAX_FAILURES):
                assert log_in(attacker, "alice", WRONG).status_code == 429

        with client_at(strict, "198.51.100.20") as alice:
            assert log_in(alice, "alice", PASSWORD).status_code == 200


def test_a_client_over_its_limit_is_refused_even_the_right_password_but_others_are_not(
    database_url: str, create_user: UserFactory, user: User
) -> None:
    create_user("bob")
    with app_with(database_url, login_max_failures_per_client=3) as strict:
        with client_at(strict, "203.0.113.7") as attacker:
            fail(attacker, "nobody", 3)
            assert log_in(attacker, "bob", PASSWORD).status_code == 429

        with client_at(strict, "198.51.100.20") as bob:
            assert log_in(bob, "bob", PASSWORD).status_code == 200


def test_a_per_client_limit_of_0_is_no_limit(
    database_url: str, create_user: UserFactory, user: User
) -> None:
    # Where every client shares the proxy's address (docker compose, the k8s base), 0 turns
    # the per-client limit off: one address failing many times must not lock the others out.
    names = [f"user{number}" for number in range(2 * MAX_FAILURES_PER_CLIENT // MAX_FAILURES)]
    for name in names:
        create_user(name)
    with (
        app_with(database_url, login_max_failures_per_client=0) as shared,
        client_at(shared, "10.0.0.1") as proxy,
    ):
        for name in names:
            fail(proxy, name, MAX_FAILURES)

        assert log_in(proxy, "alice", PASSWORD).status_code == 200


# A superuser lifts a username's lock


def unlock(client: TestClient, username: str, headers: Headers) -> int:
    return client.delete(UNLOCK_URL.format(username), headers=headers).status_code


def test_a_superuser_lifts_the_lock_on_a_username(
    client: TestClient, user: User, superuser_headers: Headers
) -> None:
    fail(client, "alice", MAX_FAILURES)
    assert log_in(client, "alice", PASSWORD).status_code == 429

    assert unlock(client, "ALICE", superuser_headers) == 204

    assert log_in(client, "alice", PASSWORD).status_code == 200


def test_a_locked_superuser_can_be_unlocked_by_another(
    client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    create_user("boss", is_superuser=True)
    fail(client, "boss", MAX_FAILURES)

    assert unlock(client, "boss", superuser_headers) == 204

    assert log_in(client, "boss", PASSWORD).status_code == 200


def test_unlocking_a_username_without_failures_changes_nothing(
    client: TestClient, user: User, superuser_headers: Headers
) -> None:
    assert unlock(client, "nobody", superuser_headers) == 204

    assert log_in(client, "alice", PASSWORD).status_code == 200


@pytest.mark.parametrize("who", ["an ordinary user", "anonymous"])
def test_only_a_superuser_may_lift_a_lock(
    client: TestClient, user: User, user_headers: Headers, who: str
) -> None:
    fail(client, "alice", MAX_FAILURES)
    headers = user_headers if who == "an ordinary user" else {}

    assert unlock(client, "alice", headers) == (403 if headers else 401)

    assert log_in(client, "alice", PASSWORD).status_code == 429


@pytest.mark.parametrize("username", ["al", "a" * 51, "alice smith"])
def test_unlocking_an_impossible_username_is_refused(
    client: TestClient, superuser_headers: Headers, username: str
) -> None:
    response = client.delete(UNLOCK_URL.format(username), headers=superuser_headers)

    assert response.status_code == 422


def test_the_unlock_endpoint_is_described_in_the_openapi_schema(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][UNLOCK_URL.format("{username}")]
    answers = operation["delete"]["responses"]

    assert {"204", "403", "422"} <= answers.keys()
