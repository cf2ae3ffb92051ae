"""`python -m <slug> create-database` (`make database`) on the servers: the passwords it stores
are those DATABASE_URL and MIGRATION_DATABASE_URL give, every character kept (a %, a quote, a
colon), whether it creates the users or alters them; a server it cannot use stops it with one
line; and on PostgreSQL no password reaches the server's statement log.

MariaDB checks passwords, so logging in proves one. The shared PostgreSQL server trusts every
local connection, so there the test checks the SCRAM-SHA-256 verifier the server stored."""

import base64
import hashlib
import hmac
import secrets
import subprocess
from urllib.parse import quote, urlsplit

import psycopg
import pymysql
import pytest

from tests.conftest import EACH_SERVER_INSTALLED, MYSQL_INSTALLED, InstalledProject, run
from tests.database_servers import (
    MYSQL_HOST,
    MYSQL_PORT,
    MYSQL_USER,
    POSTGRESQL_PORT,
    POSTGRESQL_USER,
    mysql_connection,
    postgresql_connection,
)
from tests.postgresql_server import throwaway_postgresql

# The administrator's URL, as the Makefile's ADMIN_URL writes it.
ADMIN_URLS = {
    "mysql": "mysql+mysqldb://{user}@127.0.0.1:{port}",
    "postgresql": "postgresql+psycopg://{user}@127.0.0.1:{port}/postgres",
}
ADMINS = {"mysql": (MYSQL_USER, MYSQL_PORT), "postgresql": (POSTGRESQL_USER, POSTGRESQL_PORT)}
# The service's user names the database too; the migrations' user is MIGRATION_USER of it.
URLS = {
    "mysql": "mysql+mysqldb://{user}:{password}@127.0.0.1:3306/{database}",
    "postgresql": "postgresql+psycopg://{user}:{password}@127.0.0.1:5432/{database}",
}
MIGRATION_USER = "{}_migrations"
# psycopg reads % as a placeholder wherever parameters are passed; quotes end literals, and
# a colon starts one of SQLAlchemy's bind parameters.
PASSWORDS = ["p%sx", "100%", "50%%off", "it's:a/p@ss#?"]


def scram_verifier_made_from(verifier: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier (pg_authid) was made from this password (RFC 5802)."""
    if verifier.count("$") != 2:
        return False  # no password, or another kind of hash
    method, salting, keys = verifier.split("$")
    iterations, salt = salting.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return method == "SCRAM-SHA-256" and hmac.compare_digest(
        hashlib.sha256(client_key).digest(), base64.b64decode(stored_key)
    )


def password_works(database: str, user: str, password: str) -> bool:
    if database == "mysql":
        try:
            pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user=user, password=password).close()
        except pymysql.OperationalError:
            return False
        return True
    with postgresql_connection() as connection:
        row = connection.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", [user]
        ).fetchone()
    return row is not None and scram_verifier_made_from(str(row[0]), password)


def admin_url(database: str, *, user: str | None = None, port: int | None = None) -> str:
    """The shared server's administrator, or another user or port."""
    shared_user, shared_port = ADMINS[database]
    return ADMIN_URLS[database].format(user=user or shared_user, port=port or shared_port)


def create_database(
    project: InstalledProject, admin: str, **settings: str
) -> subprocess.CompletedProcess[str]:
    """`python -m <slug> create-database --admin-url ADMIN` in the project, as it exits."""
    command = [project.command("python"), "-m", project.slug, "create-database"]
    return run(
        [*command, "--admin-url", admin],
        cwd=project.root,
        env=project.env(**settings),
        check=False,
    )


def account_urls(database: str, user: str, password: str) -> dict[str, str]:
    """DATABASE_URL and MIGRATION_DATABASE_URL of two users named after `user`, in the
    database of that name; the migrations' password is the service's, reversed."""
    quoted, reversed_quoted = quote(password, safe=""), quote(password[::-1], safe="")
    urls = URLS[database]
    return {
        "DATABASE_URL": urls.format(user=user, password=quoted, database=user),
        "MIGRATION_DATABASE_URL": urls.format(
            user=MIGRATION_USER.format(user), password=reversed_quoted, database=user
        ),
    }


def drop(database: str, user: str) -> None:
    """Drop the database named after `user`, then `user` and its migrations' user."""
    users = (user, MIGRATION_USER.format(user))
    if database == "mysql":
        with mysql_connection() as connection, connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{user}`")
            for name in users:
                for host in ("localhost", "127.0.0.1", "%"):
                    cursor.execute(f"DROP USER IF EXISTS '{name}'@'{host}'")
        return
    with postgresql_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{user}" WITH (FORCE)')
        for name in users:
            connection.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.mark.parametrize("installed_project", EACH_SERVER_INSTALLED, indirect=True)
def test_create_database_stores_every_character_of_the_passwords(
    installed_project: InstalledProject,
) -> None:
    project = installed_project
    user = f"template_{secrets.token_hex(4)}"  # the user and its database
    try:
        for password in PASSWORDS:  # the first run creates the users, the others alter them
            urls = account_urls(project.database, user, password)
            result = create_database(project, admin_url(project.database), **urls)
            assert result.returncode == 0, result.stderr
            assert password_works(project.database, user, password), password
            migrations = MIGRATION_USER.format(user)
            assert password_works(project.database, migrations, password[::-1]), password
    finally:
        drop(project.database, user)


@pytest.mark.parametrize("installed_project", EACH_SERVER_INSTALLED, indirect=True)
def test_create_database_stops_in_one_line_when_the_server_is_down(
    installed_project: InstalledProject,
) -> None:
    project = installed_project
    # Nothing listens on port 9 (discard) here.
    down = admin_url(project.database, port=9).replace("@", ":admin-secret@", 1)
    result = create_database(project, down)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Cannot set up the database" in lines[0]
    assert "127.0.0.1:9" in lines[0]
    assert "admin-secret" not in lines[0]


@pytest.mark.parametrize("installed_project", MYSQL_INSTALLED, indirect=True)
def test_create_database_refuses_an_admin_url_through_pymysql_in_one_line(
    installed_project: InstalledProject,
) -> None:
    # An ADMIN_URL written when the projects used PyMySQL, which they no longer install.
    project = installed_project
    old = admin_url(project.database).replace("mysql+mysqldb://", "mysql+pymysql://")
    result = create_database(project, old)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("ADMIN_URL (--admin-url): mysql+pymysql:// names the driver pymysql")
    assert "write mysql+mysqldb://" in line


def make_administrator(database: str, user: str) -> None:
    """A throwaway administrator without a password: were the test to fail, it is this one,
    not the shared server's own, whose password changes."""
    if database == "mysql":
        with mysql_connection() as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY ''")
            cursor.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{user}'@'%' WITH GRANT OPTION")
        return
    with postgresql_connection() as connection:
        connection.execute(f'CREATE ROLE "{user}" LOGIN SUPERUSER')


@pytest.mark.parametrize("installed_project", EACH_SERVER_INSTALLED, indirect=True)
def test_create_database_leaves_the_administrator_alone(
    installed_project: InstalledProject,
) -> None:
    # DATABASE_URL naming the administrator would otherwise reset the administrator's password.
    project = installed_project
    admin = f"template_{secrets.token_hex(4)}"
    url = URLS[project.database].format(user=admin, password="new-password", database=admin)
    migrations = account_urls(project.database, admin, "a-password")["MIGRATION_DATABASE_URL"]
    make_administrator(project.database, admin)
    try:
        result = create_database(
            project,
            admin_url(project.database, user=admin),
            DATABASE_URL=url,
            MIGRATION_DATABASE_URL=migrations,
        )
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert f"DATABASE_URL names the administrator, {admin}" in line
        assert not password_works(project.database, admin, "new-password")
    finally:
        drop(project.database, admin)


POSTGRESQL_INSTALLED = [param for param in EACH_SERVER_INSTALLED if param.values == ("postgresql",)]


@pytest.mark.parametrize("installed_project", POSTGRESQL_INSTALLED, indirect=True)
def test_create_database_keeps_the_password_out_of_the_postgresql_log(
    installed_project: InstalledProject,
) -> None:
    # A server that logs every CREATE and ALTER (log_statement=ddl), as audits ask for, and
    # checks passwords over TCP: the password must not be in its log, and must log in.
    project = installed_project
    user = f"template_{secrets.token_hex(4)}"
    password = f"log-me-not-{secrets.token_hex(8)}"
    with throwaway_postgresql("log_statement=ddl") as server:
        urls = {
            "DATABASE_URL": server.url(user, password, database=user),
            "MIGRATION_DATABASE_URL": server.url(f"{user}_migrations", password[::-1], user),
        }
        for _ in range(2):  # the first run creates the roles, the second alters them
            result = create_database(project, server.url(), **urls)
            assert result.returncode == 0, result.stderr
        log = server.log.read_text(errors="replace")
        # The log holds the statements, and neither password.
        assert "CREATE ROLE" in log
        assert "ALTER ROLE" in log
        assert password not in log
        assert password[::-1] not in log
        for url in urls.values():
            with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5) as connection:
                assert connection.execute("SELECT current_user").fetchone() == (
                    urlsplit(url).username,
                )
