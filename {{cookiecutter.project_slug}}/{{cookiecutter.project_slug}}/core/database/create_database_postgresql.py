"""Create the PostgreSQL database and its two roles (a one-time set-up step, safe to repeat)."""

from typing import Any, cast

import psycopg
from psycopg import sql
from sqlalchemy import Connection, create_engine, make_url
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.project_slug }}.core.database.accounts import Account, Accounts, read_accounts

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# In the service's database, as the administrator: the migrations' role owns the schema, the
# service's reads and writes rows, in the tables there are and (default privileges) in those
# the migrations' role makes later. {service} and {migrations} are the roles.
GRANTS = (
    # PostgreSQL 14 and older let every role create tables in public.
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    "GRANT ALL ON SCHEMA public TO {migrations}",
    "GRANT USAGE ON SCHEMA public TO {service}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {service}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {service}",
    "ALTER DEFAULT PRIVILEGES FOR ROLE {migrations} IN SCHEMA public"
    " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {service}",
    "ALTER DEFAULT PRIVILEGES FOR ROLE {migrations} IN SCHEMA public"
    " GRANT USAGE, SELECT ON SEQUENCES TO {service}",
)


def create_database(*, database_url: str, migration_database_url: str, admin_url: str) -> None:
    """Create both roles (or set their passwords) and the database, in UTF-8."""
    accounts = read_accounts(
        database_url=database_url,
        migration_database_url=migration_database_url,
        admin_url=admin_url,
    )
    # CREATE DATABASE cannot run in a transaction.
    server = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    database = create_engine(
        make_url(admin_url).set(database=accounts.database), isolation_level="AUTOCOMMIT"
    )
    try:
        with server.connect() as connection:
            _create_roles_and_database(connection, accounts)
        with database.connect() as connection:
            _grant(connection, accounts)
    except (DBAPIError, psycopg.Error) as error:
        cause = error.orig if isinstance(error, DBAPIError) else error
        reason = " ".join(str(cause).split())  # libpq's messages span lines
        raise SystemExit(
            f"Cannot set up the database as the administrator at {make_url(admin_url)!r}"
            f" ({reason}); is the server up, and ADMIN_URL (--admin-url) a role that may"
            " create roles?"
        ) from None
    finally:
        server.dispose()
        database.dispose()


def _driver(connection: Connection) -> "psycopg.Connection[Any]":
    """psycopg's own connection, under SQLAlchemy's."""
    # Names and passwords cannot be bound parameters in these statements: psycopg quotes
    # them into the statement (sql.Identifier, sql.Literal) and sends it as it is.
    return cast("psycopg.Connection[Any]", connection.connection.driver_connection)


def _create_roles_and_database(connection: Connection, accounts: Accounts) -> None:
    """Create each role, or set its password, and the database the migrations' role owns."""
    driver = _driver(connection)
    for account in (accounts.migrations, accounts.service):
        _create_role(driver, account)
    database = sql.Identifier(accounts.database)
    owner = sql.Identifier(accounts.migrations.username)
    exists = driver.execute(
        "SELECT 1 FROM pg_database WHERE datname = %s", [accounts.database]
    ).fetchone()
    if exists:
        driver.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, owner))
    else:
        # UTF-8 from template0, whatever the server's default encoding.
        create = "CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0"
        driver.execute(sql.SQL(create).format(database, owner))


def _create_role(driver: "psycopg.Connection[Any]", account: Account) -> None:
    """Create the role that logs in with the account's password, or set its password."""
    exists = driver.execute(
        "SELECT 1 FROM pg_roles WHERE rolname = %s", [account.username]
    ).fetchone()
    verb = sql.SQL("ALTER" if exists else "CREATE")
    role = sql.Identifier(account.username)
    verifier = sql.Literal(scram_verifier(driver, account.username, account.password))
    driver.execute(sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(verb, role, verifier))


def scram_verifier(driver: "psycopg.Connection[Any]", username: str, password: str) -> str:
    """The password's SCRAM-SHA-256 verifier, which the server stores as it is given."""
    # Made here, as psql's \password does: the password itself never reaches the server,
    # whose statement log (log_statement=ddl) would otherwise keep it. libpq prepares it
    # as the server would (SASLprep), so that every character counts at login.
    encrypted = driver.pgconn.encrypt_password(
        password.encode(), username.encode(), b"scram-sha-256"
    )
    return encrypted.decode()


def _grant(connection: Connection, accounts: Accounts) -> None:
    """Give each role its privileges, in the service's database."""
    driver = _driver(connection)
    service = sql.Identifier(accounts.service.username)
    migrations = sql.Identifier(accounts.migrations.username)
    # What an earlier version made with one role for everything (the tables, and the
    # database) becomes the migrations'; nothing, when the service's role owns nothing.
    driver.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(service, migrations))
    for grant in GRANTS:
        driver.execute(sql.SQL(grant).format(service=service, migrations=migrations))
