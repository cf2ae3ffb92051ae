"""Only a wrong password counts as a guess: a login the database failed (503) does not."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
{%- if cookiecutter.database != "sqlite" %}
from sqlalchemy import update
{%- endif %}

from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.users.models import User
{%- if cookiecutter.database != "sqlite" %}
from tests.conftest import PASSWORD, UserFactory, app_with, log_in
{%- else %}
from tests.conftest import app_with, log_in
{%- endif %}
from tests.isolated_database import locked_tables
from tests.test_login_throttle import age_attempts

# Two failures to a username lock it: fewer logins to make, each waiting for a lock.
MAX_FAILURES = 2
# The README: an attempt whose outcome could not be written counts for a minute at most.
PENDING_SECONDS = 60

LockFactory = Callable[..., AbstractContextManager[None]]


@pytest.fixture
def impatient(database_url: str, client: TestClient) -> Iterator[TestClient]:
    """A client of an app that gives up on a held lock after 1 s (503), not 5."""
    overrides = {"database_timeout_seconds": 1, "login_max_failures": MAX_FAILURES}
    with app_with(database_url, **overrides) as app, TestClient(app) as impatient_client:
        yield impatient_client


@pytest.fixture
def lock(database_url: str) -> LockFactory:
    """Lock these tables for as long as the block runs (SQLite: every write)."""
    return lambda *tables: locked_tables(database_url, *tables)


@pytest.fixture
def lock_while_hashing(monkeypatch: pytest.MonkeyPatch, lock: LockFactory) -> Iterator[LockFactory]:
    """In the block, these tables get locked while a request checks the password.

    So the password is checked, and then whatever the request writes waits, and fails.
    The lock is released when the block ends.
    """
    verify = PasswordHasher.verify
    held = ExitStack()
    tables: list[str] = []

    def locking_verify(self: PasswordHasher, password: str, hashed: str) -> tuple[bool, str | None]:
        if tables:
            held.enter_context(lock(*tables))
        return verify(self, password, hashed)

    monkeypatch.setattr(PasswordHasher, "verify", locking_verify)

    @contextmanager
    def locking(*names: str) -> Iterator[None]:
        tables[:] = names
        try:
            yield
        finally:
            tables.clear()
            held.close()

    yield locking
    held.close()


def test_logins_answered_503_while_users_is_locked_do_not_count(
    impatient: TestClient, user: User, lock: LockFactory
) -> None:
    with lock("users"):
        statuses = [log_in(impatient, "alice").status_code for _ in range(MAX_FAILURES + 4)]

    assert statuses == [503] * (MAX_FAILURES + 4)
    assert log_in(impatient, "alice").status_code == 200
{%- if cookiecutter.database != "sqlite" %}


def test_a_login_whose_success_could_not_be_written_does_not_count(
    app: FastAPI,
    impatient: TestClient,
    create_user: UserFactory,
    lock_while_hashing: LockFactory,
) -> None:
    # The password is right, but its hash was made with other Argon2 settings: the login
    # re-hashes it, and that write finds the users table locked.
    older_hasher = PasswordHasher(time_cost=2, memory_cost_kib=8, parallelism=1)
    alice = create_user("alice")
    older_hash = update(User).values(hashed_password=older_hasher.hash(PASSWORD))
    with app.state.engine.begin() as connection:
        connection.execute(older_hash.where(User.id == alice.id))
    for _ in range(MAX_FAILURES + 1):
        with lock_while_hashing("users"):
            assert log_in(impatient, "alice").status_code == 503

    assert log_in(impatient, "alice").status_code == 200
{%- endif %}


def test_an_attempt_whose_outcome_could_not_be_written_counts_a_minute_at_most(
    app: FastAPI, impatient: TestClient, user: User, lock_while_hashing: LockFactory
) -> None:
    # While the password is checked, the database stops taking writes: the request can
    # neither write that it succeeded, nor withdraw its attempt, which stays pending.
    for _ in range(MAX_FAILURES):
        with lock_while_hashing("users", "login_attempts"):
            assert log_in(impatient, "alice").status_code == 503

    # Pending attempts count (attempts in flight must see each other), but not for long.
    response = log_in(impatient, "alice")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) <= PENDING_SECONDS
    age_attempts(app, PENDING_SECONDS)

    assert log_in(impatient, "alice").status_code == 200
