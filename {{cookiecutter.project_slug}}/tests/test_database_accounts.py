"""create-database (`make database`) makes the database and two accounts: the migrations',
which changes the schema, and the service's, which only reads and writes rows, in the tables
there are and in those later migrations make. Running it again changes nothing, and it never
touches the administrator it connects as."""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import URL, Column, Integer, MetaData, String, Table, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.project_slug }}.__main__ import main
from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.core.database.create_database import create_database
from tests.conftest import PASSWORD, PROJECT_ROOT, bearer, log_in, make_settings
from tests.isolated_database import TestServerSettings

USERS = "/api/v1/users"
# What the service's account must not do to the schema.
SCHEMA_CHANGES = [
    "CREATE TABLE intruder (id INTEGER PRIMARY KEY)",
    "ALTER TABLE users ADD COLUMN intruder INTEGER",
    "DROP TABLE login_attempts",
]


def server_url() -> URL:
    """The test server as its administrator (TEST_DATABASE_URL's user), in no database of ours."""
    url = make_url(TestServerSettings().test_database_url)
    return url.set(database="postgres" if url.get_backend_name() == "postgresql" else "")


def execute(url: URL, *statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def drop(database: str, *users: str) -> None:
    """Drop the database, then the users (PostgreSQL keeps a role that has privileges)."""
    admin = server_url()
    if admin.get_backend_name() == "postgresql":
        execute(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        execute(admin, *(f'DROP ROLE IF EXISTS "{user}"' for user in users))
        return
    hosts = ("localhost", "127.0.0.1", "%")
    execute(admin, f"DROP DATABASE IF EXISTS `{database}`")
    execute(admin, *(f"DROP USER IF EXISTS '{user}'@'{host}'" for user in users for host in hosts))


@dataclass(frozen=True)
class Accounts:
    service: URL  # DATABASE_URL
    migrations: URL  # MIGRATION_DATABASE_URL

    def make(self, admin: URL) -> None:
        """`python -m ... create-database --admin-url ADMIN`, with these two URLs."""
        create_database(
            database_url=self.service.render_as_string(hide_password=False),
            migration_database_url=self.migrations.render_as_string(hide_password=False),
            admin_url=admin.render_as_string(hide_password=False),
        )


@pytest.fixture
def accounts() -> Iterator[Accounts]:
    """Two new accounts and their database, not made yet; all dropped afterwards."""
    name = f"acc_{secrets.token_hex(4)}"
    database = server_url().set(database=f"{name}_test")
    service = database.set(username=name, password=secrets.token_urlsafe(16))
    migrations = database.set(username=f"{name}_migrations", password=secrets.token_urlsafe(16))
    try:
        yield Accounts(service=service, migrations=migrations)
    finally:
        drop(f"{name}_test", name, f"{name}_migrations")


@pytest.fixture
def migrated(accounts: Accounts, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Accounts:
    """The accounts made twice (as `make database` run again), then `make migrate`."""
    accounts.make(server_url())
    accounts.make(server_url())
    # What `alembic upgrade heads` reads: the two URLs, as .env has them; no other setting.
    monkeypatch.chdir(tmp_path)  # away from the project's .env
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", accounts.service.render_as_string(hide_password=False))
    migration_url = accounts.migrations.render_as_string(hide_password=False)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", migration_url)
    command.upgrade(Config(PROJECT_ROOT / "alembic.ini"), "heads")
    return accounts


def test_the_service_signs_up_logs_in_changes_and_deletes_as_its_own_account(
    migrated: Accounts,
) -> None:
    app = create_app(make_settings(migrated.service.render_as_string(hide_password=False)))
    try:
        with TestClient(app) as client:
            signed_up = client.post(USERS, json={"username": "alice", "password": PASSWORD})
            assert signed_up.status_code == 201, signed_up.text
            assert log_in(client, "alice", "a wrong password").status_code == 401
            token = log_in(client, "alice").json()["access_token"]
            user_id = signed_up.json()["id"]
            changed = client.patch(f"{USERS}/{user_id}", json={"age": 30}, headers=bearer(token))
            assert changed.status_code == 200, changed.text
            deleted = client.delete(f"{USERS}/{user_id}", headers=bearer(token))
            assert deleted.status_code == 204, deleted.text
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()


@pytest.mark.parametrize("statement", SCHEMA_CHANGES)
def test_the_services_account_cannot_change_the_schema(migrated: Accounts, statement: str) -> None:
    with pytest.raises(DBAPIError):
        execute(migrated.service, statement)


def test_the_service_reads_and_writes_the_tables_a_later_migration_makes(
    migrated: Accounts,
) -> None:
    # As a migration of the service's own would, with an id the database counts.
    later = Table(
        "later", MetaData(), Column("id", Integer, primary_key=True), Column("x", String(10))
    )
    engine = create_engine(migrated.migrations)
    later.create(engine)
    engine.dispose()

    engine = create_engine(migrated.service)
    try:
        with engine.begin() as connection:
            connection.execute(later.insert().values(x="first"))
            connection.execute(later.update().values(x="changed"))
            assert [tuple(row) for row in connection.execute(later.select())] == [(1, "changed")]
            connection.execute(later.delete())
    finally:
        engine.dispose()


def test_the_command_makes_both_accounts_from_the_environment_alone(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `make database`: the two URLs, and no other setting (no SECRET_KEY).
    monkeypatch.chdir(tmp_path)  # away from the project's .env
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", accounts.service.render_as_string(hide_password=False))
    migration_url = accounts.migrations.render_as_string(hide_password=False)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", migration_url)
    admin = server_url().render_as_string(hide_password=False)

    assert main(["create-database", "--admin-url", admin]) == 0

    execute(accounts.migrations, "CREATE TABLE made (id INTEGER PRIMARY KEY)")
    with pytest.raises(DBAPIError):
        execute(accounts.service, "DROP TABLE made")


def test_the_command_without_migration_database_url_stops_with_one_line(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # away from the project's .env
    monkeypatch.setenv("DATABASE_URL", accounts.service.render_as_string(hide_password=False))
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)
    admin = server_url().render_as_string(hide_password=False)

    with pytest.raises(SystemExit) as stopped:
        main(["create-database", "--admin-url", admin])

    message = str(stopped.value.code)
    assert message.startswith("MIGRATION_DATABASE_URL is not set")
    assert "\n" not in message


def make_one_account_for_everything(accounts: Accounts) -> None:
    """What earlier versions made: the service's account alone, with every privilege (owning
    the database, on PostgreSQL), and a table it made."""
    admin, service = server_url(), accounts.service
    name, user, password = service.database, service.username, service.password
    if admin.get_backend_name() == "postgresql":
        execute(admin, f"CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}'")
        execute(admin, f'CREATE DATABASE "{name}" OWNER "{user}"')
    else:
        execute(admin, f"CREATE DATABASE `{name}`")
        for host in ("localhost", "127.0.0.1", "%"):
            execute(
                admin,
                f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'",
                f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'{host}'",
            )
    execute(service, "CREATE TABLE earlier (id INTEGER PRIMARY KEY, x INTEGER)")


def test_create_database_takes_the_schema_from_an_account_that_had_everything(
    accounts: Accounts,
) -> None:
    make_one_account_for_everything(accounts)

    accounts.make(server_url())

    # The service's account may change no table now, not even the one it made.
    for statement in (SCHEMA_CHANGES[0], "ALTER TABLE earlier ADD COLUMN z INTEGER"):
        with pytest.raises(DBAPIError):
            execute(accounts.service, statement)
    # The migrations may now change the table the service had made; the service uses it.
    execute(accounts.migrations, "ALTER TABLE earlier ADD COLUMN y INTEGER")
    execute(accounts.service, "INSERT INTO earlier (id, x, y) VALUES (1, 2, 3)")


@pytest.mark.parametrize("setting", ["DATABASE_URL", "MIGRATION_DATABASE_URL"])
def test_create_database_refuses_a_url_naming_the_administrator(
    accounts: Accounts, setting: str
) -> None:
    # Making that account would set the administrator's password. A throwaway administrator:
    # were the rule broken, it is this one whose password changes, not the server's own.
    name = f"acc_admin_{secrets.token_hex(4)}"
    admin = server_url().set(username=name, password=secrets.token_urlsafe(16))
    if admin.get_backend_name() == "postgresql":
        execute(server_url(), f"CREATE ROLE \"{name}\" LOGIN SUPERUSER PASSWORD '{admin.password}'")
    else:
        execute(
            server_url(),
            f"CREATE USER '{name}'@'%' IDENTIFIED BY '{admin.password}'",
            f"GRANT ALL PRIVILEGES ON *.* TO '{name}'@'%' WITH GRANT OPTION",
        )
    service, migrations = accounts.service, accounts.migrations
    if setting == "DATABASE_URL":
        service = service.set(username=name, password="the administrator's new password")
    else:
        migrations = migrations.set(username=name, password="the administrator's new password")
    try:
        with pytest.raises(SystemExit, match=f"{setting} names the administrator, {name}"):
            Accounts(service=service, migrations=migrations).make(admin)
    finally:
        drop(accounts.service.database or "", name)
