"""Password guessing is throttled per username, in the database, whatever the password."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.auth.models import LoginAttempt
from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, Headers, UserFactory, log_in, make_settings

# The policy the README states: 5 failed logins to a username within 15 minutes, then 429
# (test_config.py checks that these are the defaults).
MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
WRONG = "wrong password"


def fail(client: TestClient, username: str, times: int) -> None:
    for _ in range(times):
        assert log_in(client, username, WRONG).status_code == 401


def age_attempts(app: FastAPI, seconds: float) -> None:
    """Move every recorded attempt that far into the past, as if time had passed."""
    with Session(app.state.engine) as session, session.begin():
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.attempted_at -= timedelta(seconds=seconds)


def recorded_usernames(app: FastAPI) -> list[str]:
    with app.state.engine.connect() as connection:
        return list(connection.scalars(select(LoginAttempt.username)))


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords the hasher checks from now on, real or dummy."""
    checked: list[str] = []
    verify, verify_nothing = PasswordHasher.verify, PasswordHasher.verify_nothing

    def spy_verify(self: PasswordHasher, password: str, hashed: str) -> tuple[bool, str | None]:
        checked.append(password)
        return verify(self, password, hashed)

    def spy_verify_nothing(self: PasswordHasher, password: str) -> None:
        checked.append(password)
        verify_nothing(self, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy_verify)
    monkeypatch.setattr(PasswordHasher, "verify_nothing", spy_verify_nothing)
    return checked


def test_after_five_failures_even_the_right_password_gets_429(
    client: TestClient, user: User
) -> None:
    fail(client, "alice", MAX_FAILURES)

    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= WINDOW_SECONDS
    assert "Too many failed password checks" in response.json()["detail"]


def test_a_throttled_login_checks_no_password(
    client: TestClient, user: User, hashes: list[str]
) -> None:
    fail(client, "alice", MAX_FAILURES)
    hashes.clear()

    assert log_in(client, "alice", PASSWORD).status_code == 429
    assert log_in(client, "alice", WRONG).status_code == 429

    assert hashes == []


def test_a_successful_login_clears_the_count(client: TestClient, user: User) -> None:
    fail(client, "alice", MAX_FAILURES - 1)
    assert log_in(client, "alice", PASSWORD).status_code == 200

    fail(client, "alice", MAX_FAILURES - 1)

    assert log_in(client, "alice", PASSWORD).status_code == 200


def test_failures_older_than_the_window_no_longer_count(
    app: FastAPI, client: TestClient, user: User
) -> None:
    fail(client, "alice", MAX_FAILURES)
    assert log_in(client, "alice", PASSWORD).status_code == 429

    age_attempts(app, WINDOW_SECONDS + 1)

    assert log_in(client, "alice", PASSWORD).status_code == 200


def test_retry_after_says_when_the_oldest_failure_leaves_the_window(
    app: FastAPI, client: TestClient, user: User
) -> None:
    fail(client, "alice", MAX_FAILURES)
    age_attempts(app, WINDOW_SECONDS - 60)  # the oldest failure leaves in a minute

    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert 55 <= int(response.headers["Retry-After"]) <= 60


def test_refused_attempts_do_not_extend_the_lock(
    app: FastAPI, client: TestClient, user: User
) -> None:
    fail(client, "alice", MAX_FAILURES)
    age_attempts(app, WINDOW_SECONDS - 30)  # the failures leave the window in 30 s
    for _ in range(MAX_FAILURES + 1):
        assert log_in(client, "alice", WRONG).status_code == 429

    age_attempts(app, 31)

    assert log_in(client, "alice", PASSWORD).status_code == 200


def test_the_count_ignores_the_case_of_the_username(client: TestClient, user: User) -> None:
    for username in ["alice", "ALICE", "Alice", "aLiCe", "alicE"]:
        assert log_in(client, username, WRONG).status_code == 401

    assert log_in(client, "alice", PASSWORD).status_code == 429


def test_each_username_has_its_own_count(
    client: TestClient, create_user: UserFactory, user: User
) -> None:
    create_user("bob")
    fail(client, "alice", MAX_FAILURES)

    assert log_in(client, "bob", PASSWORD).status_code == 200


def test_an_unknown_username_is_throttled_alike(client: TestClient) -> None:
    # Otherwise a 429 after five tries would tell which usernames exist.
    fail(client, "nobody", MAX_FAILURES)

    assert log_in(client, "nobody", WRONG).status_code == 429


@pytest.fixture
def second_worker(settings: Settings) -> Iterator[TestClient]:
    """Another app on the same database, as another worker or replica would be."""
    with TestClient(create_app(settings)) as other:
        yield other


def test_failures_count_across_workers(
    client: TestClient, second_worker: TestClient, user: User
) -> None:
    fail(client, "alice", 3)
    fail(second_worker, "alice", 2)

    assert log_in(client, "alice", PASSWORD).status_code == 429
    assert log_in(second_worker, "alice", PASSWORD).status_code == 429


def test_the_policy_is_configurable(database_url: str, client: TestClient, user: User) -> None:
    strict = make_settings(database_url, login_max_failures=2, login_failure_window_seconds=60)
    with TestClient(create_app(strict)) as strict_client:
        fail(strict_client, "alice", 2)
        response = log_in(strict_client, "alice", PASSWORD)

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) <= 60


def test_expired_attempts_of_every_username_are_deleted(
    app: FastAPI, client: TestClient, user: User
) -> None:
    fail(client, "nobody", 2)
    age_attempts(app, WINDOW_SECONDS + 1)

    fail(client, "alice", 1)

    assert recorded_usernames(app) == ["alice"]


def test_a_successful_login_leaves_no_attempt_behind(
    app: FastAPI, client: TestClient, user: User
) -> None:
    fail(client, "alice", 2)

    assert log_in(client, "alice", PASSWORD).status_code == 200

    with app.state.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_a_login_that_found_the_hasher_busy_does_not_count(
    database_url: str, client: TestClient, user: User
) -> None:
    busy = make_settings(database_url, password_hash_concurrency=1, password_hash_wait_seconds=0.01)
    app = create_app(busy)
    hasher: PasswordHasher = app.state.password_hasher
    with TestClient(app) as busy_client:
        with hasher.slot():  # another request hashes all along
            for _ in range(MAX_FAILURES + 1):
                assert log_in(busy_client, "alice", PASSWORD).status_code == 503

        assert log_in(busy_client, "alice", PASSWORD).status_code == 200


def login_count(app: FastAPI) -> int:
    with app.state.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(LoginAttempt)) or 0


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param("alice", "x" * 129, id="overlong-password"),
        pytest.param("al", PASSWORD, id="username-too-short"),
        pytest.param("a" * 51, PASSWORD, id="username-too-long"),
        pytest.param("alice smith", PASSWORD, id="username-with-a-space"),
        pytest.param("alice@example.com", PASSWORD, id="username-with-an-at-sign"),
    ],
)
def test_a_login_no_user_could_make_is_refused_without_hashing_or_counting(
    app: FastAPI, client: TestClient, user: User, hashes: list[str], username: str, password: str
) -> None:
    # Anyone can tell such a login is wrong (the limits are public): hashing it would only
    # let a client make the service burn CPU, and counting it would lock alice out.
    for _ in range(MAX_FAILURES + 1):
        assert log_in(client, username, password).status_code == 401

    assert hashes == []
    assert login_count(app) == 0
    assert log_in(client, "alice", PASSWORD).status_code == 200


@contextmanager
def two_workers(database_url: str, **overrides: object) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on the test database, as two workers are, each with its own sessions."""
    apps = [create_app(make_settings(database_url, **overrides)) for _ in range(2)]
    try:
        with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
            yield first, second
    finally:
        for app in apps:
            app.state.engine.dispose()
            app.state.read_engine.dispose()


@pytest.fixture
def held_checks(monkeypatch: pytest.MonkeyPatch) -> threading.Barrier:
    """Each password check waits at this barrier: checks of two requests run at once."""
    barrier = threading.Barrier(2, timeout=30)
    verify, verify_nothing = PasswordHasher.verify, PasswordHasher.verify_nothing

    def held_verify(self: PasswordHasher, password: str, hashed: str) -> tuple[bool, str | None]:
        barrier.wait()
        return verify(self, password, hashed)

    def held_verify_nothing(self: PasswordHasher, password: str) -> None:
        barrier.wait()
        verify_nothing(self, password)

    monkeypatch.setattr(PasswordHasher, "verify", held_verify)
    monkeypatch.setattr(PasswordHasher, "verify_nothing", held_verify_nothing)
    return barrier


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_two_wrong_guesses_at_once_both_count(
    database_url: str, user: User, held_checks: threading.Barrier, username: str
) -> None:
    # Two workers, each with its own database session, check a guess at the same moment.
    with two_workers(database_url, login_max_failures=2) as (first, second):
        with ThreadPoolExecutor(2) as pool:
            guesses = [pool.submit(log_in, worker, username, WRONG) for worker in (first, second)]
            assert [guess.result().status_code for guess in guesses] == [401, 401]

        assert log_in(first, username, PASSWORD).status_code == 429


def test_a_guess_being_checked_counts_already(
    database_url: str, client: TestClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Otherwise many guesses sent at once would all be checked before any was counted.
    checking, finish = threading.Event(), threading.Event()
    verify = PasswordHasher.verify

    def slow_verify(self: PasswordHasher, password: str, hashed: str) -> tuple[bool, str | None]:
        if not checking.is_set():  # the first guess is held; any other check goes on at once
            checking.set()
            finish.wait(timeout=30)
        return verify(self, password, hashed)

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
    with (
        two_workers(database_url, login_max_failures=1) as (first, second),
        ThreadPoolExecutor(1) as pool,
    ):
        guess = pool.submit(log_in, first, "alice", WRONG)
        try:
            assert checking.wait(timeout=30)
            answer = log_in(second, "alice", PASSWORD)
        finally:
            finish.set()  # the held guess ends, also when the test fails

        assert answer.status_code == 429
        assert guess.result().status_code == 401


# The current password of a password change is throttled alike


def change_password(client: TestClient, headers: Headers, current: str) -> int:
    body = {"current_password": current, "new_password": "a brand new password"}
    return client.put("/api/v1/users/me/password", json=body, headers=headers).status_code


def test_guessing_the_current_password_of_a_password_change_is_throttled(
    client: TestClient, user: User, user_headers: Headers, hashes: list[str]
) -> None:
    # A stolen token must not let anyone guess the password here instead of at login.
    for _ in range(MAX_FAILURES):
        assert change_password(client, user_headers, WRONG) == 400
    hashes.clear()

    assert change_password(client, user_headers, PASSWORD) == 429
    assert hashes == []
    assert log_in(client, "alice", PASSWORD).status_code == 429  # one count for both


def test_the_right_current_password_clears_the_count(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    for _ in range(MAX_FAILURES - 1):
        assert change_password(client, user_headers, WRONG) == 400

    assert change_password(client, user_headers, PASSWORD) == 204

    fail(client, "alice", MAX_FAILURES - 1)
    assert log_in(client, "alice", "a brand new password").status_code == 200


def test_renaming_yourself_does_not_reset_the_count(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    for _ in range(MAX_FAILURES):
        assert change_password(client, user_headers, WRONG) == 400

    rename = {"username": "alicia"}
    assert client.patch(f"/api/v1/users/{user.id}", json=rename, headers=user_headers).is_success

    assert change_password(client, user_headers, PASSWORD) == 429
    assert log_in(client, "alicia", PASSWORD).status_code == 429


def test_a_batch_rename_carries_each_count_to_the_new_name(
    client: TestClient, create_user: UserFactory, user: User, superuser_headers: Headers
) -> None:
    bob = create_user("bob")
    fail(client, "alice", MAX_FAILURES)
    swap = [{"id": user.id, "username": "bob"}, {"id": bob.id, "username": "alice"}]

    assert client.put("/api/v1/users", json=swap, headers=superuser_headers).is_success

    assert log_in(client, "bob", PASSWORD).status_code == 429  # alice, now named bob
    assert log_in(client, "alice", PASSWORD).status_code == 200  # bob, now named alice


def test_an_overlong_current_password_is_refused_without_hashing_or_counting(
    app: FastAPI, client: TestClient, user: User, user_headers: Headers, hashes: list[str]
) -> None:
    for _ in range(MAX_FAILURES + 1):
        assert change_password(client, user_headers, "x" * 129) == 422

    assert hashes == []
    assert login_count(app) == 0
    assert change_password(client, user_headers, PASSWORD) == 204
