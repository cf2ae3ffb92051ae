"""A database error that may pass (unreachable, a deadlock) gets 503 with Retry-After, not 500."""

import asyncio
import traceback
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, insert
from sqlalchemy.exc import DBAPIError, OperationalError

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.auth.tokens import create_access_token
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.errors import answer_try_again
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, UserFactory, bearer, make_settings
from tests.isolated_database import UNREACHABLE_DATABASE_URL


@pytest.fixture
def unreachable() -> Iterator[TestClient]:
    """A client of an app whose database cannot be reached."""
    with TestClient(create_app(make_settings(UNREACHABLE_DATABASE_URL))) as client:
        yield client


def assert_try_again(response: Response) -> None:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert "try again" in response.json()["detail"]


def test_a_sign_up_gets_503_while_the_database_is_unreachable(unreachable: TestClient) -> None:
    response = unreachable.post(
        "/api/v1/users", json={"username": "newcomer", "password": PASSWORD}
    )

    assert_try_again(response)


def test_a_login_gets_503_while_the_database_is_unreachable(unreachable: TestClient) -> None:
    response = unreachable.post(
        "/api/v1/auth/token", data={"username": "alice", "password": PASSWORD}
    )

    assert_try_again(response)


def test_a_signed_in_read_gets_503_while_the_database_is_unreachable(
    unreachable: TestClient, settings: Settings
) -> None:
    # A token made by hand: making one of a real session needs the database.
    token = create_access_token(
        user_id=1,
        token_version=1,
        session_id=1,
        secret_key=settings.secret_key.get_secret_value(),
        expires_in=timedelta(minutes=5),
    )

    response = unreachable.get("/api/v1/users/me", headers=bearer(token))

    assert_try_again(response)


# A password hash, as Argon2 writes it: what an INSERT or UPDATE of a user carries.
PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"


def test_the_503_is_logged_without_the_statements_parameters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A failed INSERT of a user carries its parameters, the password's hash among them.
    error = OperationalError(
        "INSERT INTO users (username, hashed_password) VALUES (?, ?)",
        ("alice", PASSWORD_HASH),
        Exception("database is locked"),
    )

    response = asyncio.run(answer_try_again(Request({"type": "http"}), error))

    assert response.status_code == 503
    assert "database is locked" in caplog.text
    assert "$argon2id$" not in caplog.text


@pytest.mark.parametrize("engine_name", ["engine", "read_engine"])
def test_a_failed_statement_never_shows_its_parameters(
    app: FastAPI, create_user: UserFactory, engine_name: str
) -> None:
    # An error nothing handles answers 500, and the server logs it with its traceback:
    # the statement's values must not be in it. Here, a user inserted twice (the engine
    # for writes), or a write the read-only engine refuses.
    create_user("hidden_alice")
    engine: Engine = getattr(app.state, engine_name)
    statement = insert(User).values(username="hidden_alice", hashed_password=PASSWORD_HASH)

    with engine.connect() as connection, pytest.raises(DBAPIError) as failed:
        connection.execute(statement)

    logged = "".join(traceback.format_exception(failed.value))
    assert "INSERT INTO users" in logged  # the statement, without its values
    assert PASSWORD_HASH not in logged
