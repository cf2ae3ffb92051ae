"""Ids never run out: each table's counter goes on past 32 bits.

Every login, and every 429, takes an id of login_attempts; a user's id is never given out
again, and on a database server even a sign-up that fails takes one. A 32-bit counter
would be reached.
"""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import PASSWORD, Headers, bearer, log_in

INT_MAX = 2**31 - 1  # the largest 32-bit id
# The README: ids stay below 2**53, where JSON readers that keep numbers as doubles stop
# being exact.
JSON_SAFE_MAX = 2**53 - 1


def move_counter(engine: Engine, table: str, next_id: int) -> None:
    """Make the table's next new row take this id."""
    with engine.begin() as connection:
{%- if cookiecutter.database == "postgresql" %}
        connection.execute(text(f"ALTER SEQUENCE {table}_id_seq RESTART WITH {next_id}"))
{%- elif cookiecutter.database == "mysql" %}
        connection.execute(text(f"ALTER TABLE {table} AUTO_INCREMENT = {next_id}"))
{%- else %}
        # users is AUTOINCREMENT (its counter in sqlite_sequence); login_attempts takes one
        # more than its largest id: a row made long ago stands for it.
        if table == "users":
            connection.execute(text("DELETE FROM sqlite_sequence WHERE name = 'users'"))
            connection.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES ('users', :seq)"),
                {"seq": next_id - 1},
            )
        else:
            connection.execute(
                text(
                    "INSERT INTO login_attempts (id, username, attempted_at)"
                    " VALUES (:id, 'x_old', '2000-01-01 00:00:00')"
                ),
                {"id": next_id - 1},
            )
{%- endif %}


@pytest.fixture
def counters_near_the_limit(app: FastAPI, client: TestClient) -> Iterator[None]:
    """Both counters three ids short of the 32-bit limit; back to the start afterwards."""
    engine: Engine = app.state.engine
    for table in ("users", "login_attempts"):
        move_counter(engine, table, INT_MAX - 2)
    yield
    with engine.begin() as connection:  # the client fixture empties the tables after this
        connection.execute(text("DELETE FROM login_attempts"))
        connection.execute(text("DELETE FROM users"))
    for table in ("users", "login_attempts"):
        move_counter(engine, table, 1)


def sign_up(client: TestClient, username: str) -> int:
    response = client.post("/api/v1/users", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_logins_go_on_past_32_bit_ids(client: TestClient, counters_near_the_limit: None) -> None:
    sign_up(client, "alice")

    statuses = [log_in(client, "alice", "wrong password").status_code for _ in range(5)]
    statuses += [log_in(client, "alice").status_code for _ in range(3)]

    assert statuses == [401] * 5 + [429] * 3


def test_users_signed_up_past_32_bit_ids_are_served(
    client: TestClient, counters_near_the_limit: None
) -> None:
    ids = [sign_up(client, name) for name in ("ann", "ben", "cid", "dan")]

    assert max(ids) > INT_MAX
    for name, user_id in zip(("ann", "ben", "cid", "dan"), ids, strict=True):
        token = log_in(client, name).json()["access_token"]
        me = client.get(f"/api/v1/users/{user_id}", headers=bearer(token))
        assert me.status_code == 200
        assert me.json()["id"] == user_id <= JSON_SAFE_MAX


def test_an_id_beyond_what_json_keeps_exact_is_refused(
    client: TestClient, superuser_headers: Headers
) -> None:
    # Such an id would reach JavaScript clients as another number: none is given out.
    response = client.get(f"/api/v1/users/{JSON_SAFE_MAX + 1}", headers=superuser_headers)

    assert response.status_code == 422
