"""Create the MySQL database and user that DATABASE_URL names (a one-time set-up step)."""

import re

from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.project_slug }}.config import require_mysqlclient
from {{ cookiecutter.project_slug }}.engine import create_db_engine

DEFAULT_ADMIN_URL = "mysql+mysqldb://root@127.0.0.1:3306"
# Where the service may connect from: this machine (socket or TCP) and other hosts.
USER_HOSTS = ("localhost", "127.0.0.1", "%")


def create_database(*, database_url: str, admin_url: str) -> None:
    """Create the database (utf8mb4) and its user; set the password if the user exists."""
    try:
        require_mysqlclient(admin_url)  # the settings checked DATABASE_URL
    except ValueError as error:
        raise SystemExit(f"ADMIN_URL (--admin-url): {error}") from None
    url, admin = make_url(database_url), make_url(admin_url)
    name, username, password = url.database, url.username, url.password
    if not name or not re.fullmatch(r"\w+", name):
        raise SystemExit(f"DATABASE_URL names no usable database: {url!r}")
    if not username or password is None:
        raise SystemExit("DATABASE_URL needs a user and password: mysql+mysqldb://USER:PW@HOST/DB")
    if username == admin.username:
        # Setting the service's password would set the administrator's.
        raise SystemExit(
            f"DATABASE_URL names the administrator, {username}: give the service a user of its own"
        )
    engine = create_db_engine(admin_url)  # the app's connection settings, without its timeouts
    try:
        _create_database_and_user(engine, name=name, username=username, password=password)
    except DBAPIError as error:
        raise SystemExit(
            f"Cannot set up the database as the administrator at {admin!r} ({error.orig}); is"
            " the server up, and ADMIN_URL (--admin-url) a user that may create users?"
        ) from None
    finally:
        engine.dispose()


def _create_database_and_user(engine: Engine, *, name: str, username: str, password: str) -> None:
    """Create the database, and its user on each of USER_HOSTS, or set the user's password."""
    with engine.begin() as connection:
        # Identifiers cannot be bound parameters; the name was checked above.
        charset = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        connection.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` {charset}"))
        for host in USER_HOSTS:
            account = {"user": username, "host": host, "password": password}
            for statement in (
                "CREATE USER IF NOT EXISTS :user@:host IDENTIFIED BY :password",
                "ALTER USER :user@:host IDENTIFIED BY :password",  # when it existed already
                f"GRANT ALL PRIVILEGES ON `{name}`.* TO :user@:host",
            ):
                connection.execute(text(statement), account)
