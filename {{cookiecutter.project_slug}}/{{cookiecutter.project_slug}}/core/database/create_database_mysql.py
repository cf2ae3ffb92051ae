"""Create the MySQL database and its two users (a one-time set-up step, safe to repeat)."""

from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.project_slug }}.core.config import require_mysqlclient
from {{ cookiecutter.project_slug }}.core.database.accounts import Account, Accounts, read_accounts
from {{ cookiecutter.project_slug }}.core.database.engine import create_db_engine

DEFAULT_ADMIN_URL = "mysql+mysqldb://root@127.0.0.1:3306"
# Where the service may connect from: this machine (socket or TCP) and other hosts.
USER_HOSTS = ("localhost", "127.0.0.1", "%")
# The service reads and writes rows; only the migrations create, alter and drop tables.
# Granted on the database, these cover the tables that later migrations make too.
SERVICE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")


def create_database(*, database_url: str, migration_database_url: str, admin_url: str) -> None:
    """Create the database (utf8mb4) and both users; set the passwords of those that exist."""
    try:
        require_mysqlclient(admin_url)  # the settings checked the other two
    except ValueError as error:
        raise SystemExit(f"ADMIN_URL (--admin-url): {error}") from None
    accounts = read_accounts(
        database_url=database_url,
        migration_database_url=migration_database_url,
        admin_url=admin_url,
    )
    engine = create_db_engine(admin_url)  # the app's connection settings, without its timeouts
    try:
        _create_database_and_users(engine, accounts)
    except DBAPIError as error:
        raise SystemExit(
            f"Cannot set up the database as the administrator at {make_url(admin_url)!r}"
            f" ({error.orig}); is the server up, and ADMIN_URL (--admin-url) a user that may"
            " create users?"
        ) from None
    finally:
        engine.dispose()


def _create_database_and_users(engine: Engine, accounts: Accounts) -> None:
    """Create the database, then each user on each of USER_HOSTS with its privileges."""
    with engine.begin() as connection:
        # Identifiers cannot be bound parameters; the name was checked.
        charset = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        connection.execute(text(f"CREATE DATABASE IF NOT EXISTS `{accounts.database}` {charset}"))
        _create_user(connection, accounts.database, accounts.migrations, ("ALL PRIVILEGES",))
        _create_user(connection, accounts.database, accounts.service, SERVICE_PRIVILEGES)


def _create_user(
    connection: Connection, database: str, account: Account, privileges: tuple[str, ...]
) -> None:
    """Create the user, or set its password, with these privileges on the database only."""
    for host in USER_HOSTS:
        user = {"user": account.username, "host": host, "password": account.password}
        for statement in (
            "CREATE USER IF NOT EXISTS :user@:host IDENTIFIED BY :password",
            "ALTER USER :user@:host IDENTIFIED BY :password",  # when it existed already
            f"GRANT {', '.join(privileges)} ON `{database}`.* TO :user@:host",
        ):
            connection.execute(text(statement), user)
        # Only these: what an earlier version granted (ALL PRIVILEGES, when one user did
        # everything) is taken back.
        granted = connection.execute(
            text(
                "SELECT privilege_type FROM information_schema.schema_privileges"
                " WHERE grantee = :grantee AND table_schema = :database"
            ),
            {"grantee": f"'{account.username}'@'{host}'", "database": database},
        ).scalars()
        if "ALL PRIVILEGES" not in privileges and (extra := set(granted) - set(privileges)):
            revoke = f"REVOKE {', '.join(sorted(extra))} ON `{database}`.* FROM :user@:host"
            connection.execute(text(revoke), user)
