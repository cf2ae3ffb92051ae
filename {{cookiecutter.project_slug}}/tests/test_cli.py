"""The command line, `python -m {{ cookiecutter.project_slug }}`: create-superuser, unlock-login
and openapi."""

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.__main__ import main
from tests.conftest import PASSWORD, TEST_SECRET_KEY, UserFactory, bearer, log_in, users_table
from tests.isolated_database import isolated_database

SUPERUSER_PASSWORD = "the boss's own password"


@pytest.fixture(autouse=True)
def operator_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, client: TestClient
) -> None:
    """What an operator would set: the test database, a key, and cheap hashing; no .env.

    The client fixture empties the users table after each test.
    """
    monkeypatch.chdir(tmp_path)
    environment = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST_KIB": "8",
        "SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


def is_superuser(client: TestClient, username: str, password: str) -> bool:
    token = log_in(client, username, password).json()["access_token"]
    return bool(client.get("/api/v1/users/me", headers=bearer(token)).json()["is_superuser"])


def test_create_superuser_creates_one_who_can_log_in(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["create-superuser", "boss"]) == 0

    assert "boss" in capsys.readouterr().out
    assert is_superuser(client, "boss", SUPERUSER_PASSWORD)


def test_create_superuser_promotes_an_existing_user_and_keeps_their_password(
    client: TestClient, create_user: UserFactory
) -> None:
    create_user("alice")

    assert main(["create-superuser", "alice"]) == 0

    assert is_superuser(client, "alice", PASSWORD)
    assert log_in(client, "alice", SUPERUSER_PASSWORD).status_code == 401


def test_create_superuser_finds_an_existing_user_in_any_case(
    app: FastAPI, create_user: UserFactory
) -> None:
    create_user("alice")

    assert main(["create-superuser", "ALICE"]) == 0

    [alice] = users_table(app)
    assert (alice["username"], alice["is_superuser"]) == ("alice", True)


def test_create_superuser_reactivates_a_deactivated_user(
    client: TestClient, create_user: UserFactory
) -> None:
    create_user("alice", is_active=False)

    main(["create-superuser", "alice"])

    assert log_in(client, "alice", PASSWORD).status_code == 200


@pytest.mark.parametrize("username", ["al", "alice smith", "앨리스", "x" * 51])
def test_create_superuser_refuses_an_invalid_username(app: FastAPI, username: str) -> None:
    with pytest.raises(SystemExit, match="username"):
        main(["create-superuser", username])

    assert users_table(app) == []


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_create_superuser_refuses_a_password_of_the_wrong_length(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    monkeypatch.setenv("SUPERUSER_PASSWORD", password)

    with pytest.raises(SystemExit, match="8-128 characters"):
        main(["create-superuser", "boss"])

    assert users_table(app) == []


def test_create_superuser_stops_on_invalid_settings(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "change-me")

    with pytest.raises(SystemExit, match="SECRET_KEY"):
        main(["create-superuser", "boss"])

    assert users_table(app) == []


def test_create_superuser_refuses_a_password_typed_differently_twice(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SUPERUSER_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    typed = iter(["the first password", "the second password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))

    with pytest.raises(SystemExit, match="do not match"):
        main(["create-superuser", "boss"])

    assert users_table(app) == []


# A username locked by password guessing (5 failures in 15 minutes, the README says)


def lock_out(client: TestClient, username: str) -> None:
    for _ in range(5):
        assert log_in(client, username, "a wrong password").status_code == 401
    assert log_in(client, username, PASSWORD).status_code == 429


def test_unlock_login_lifts_the_lock_on_a_username(
    client: TestClient, create_user: UserFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    create_user("alice")
    lock_out(client, "alice")

    assert main(["unlock-login", "alice"]) == 0

    assert "5 failed logins" in capsys.readouterr().out
    assert log_in(client, "alice", PASSWORD).status_code == 200


def test_unlock_login_says_when_there_was_nothing_to_lift(
    client: TestClient, create_user: UserFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    create_user("alice")

    assert main(["unlock-login", "alice"]) == 0

    assert "no failed logins" in capsys.readouterr().out


@pytest.mark.parametrize("username", ["al", "alice smith", "x" * 51])
def test_unlock_login_refuses_an_invalid_username(username: str) -> None:
    with pytest.raises(SystemExit, match="username"):
        main(["unlock-login", username])


def test_create_superuser_on_a_locked_username_lifts_the_lock_and_says_so(
    client: TestClient, create_user: UserFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # Someone guessing at alice's password must not keep the new superuser out.
    create_user("alice")
    lock_out(client, "alice")

    assert main(["create-superuser", "alice"]) == 0

    assert "5 failed logins" in capsys.readouterr().out
    assert is_superuser(client, "alice", PASSWORD)


def test_create_superuser_of_a_new_but_locked_username_lifts_the_lock(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    lock_out(client, "boss")  # guessed at before it existed

    assert main(["create-superuser", "boss"]) == 0

    assert "5 failed logins" in capsys.readouterr().out
    assert is_superuser(client, "boss", SUPERUSER_PASSWORD)


def test_openapi_prints_the_schema_the_app_serves_without_a_secret_key(
    client: TestClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # make client runs this on a fresh clone: no .env, no SECRET_KEY, no server.
    monkeypatch.delenv("SECRET_KEY")

    assert main(["openapi"]) == 0

    assert json.loads(capsys.readouterr().out) == client.get("/openapi.json").json()


def test_create_superuser_on_an_unmigrated_database_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A new database whose tables `alembic upgrade heads` has not made yet.
    with isolated_database("unmigrated") as url:
        monkeypatch.setenv("DATABASE_URL", url)

        with pytest.raises(SystemExit) as stopped:
            main(["create-superuser", "boss"])

    message = str(stopped.value.code)
    assert "\n" not in message
    assert "alembic upgrade heads" in message
