"""The two accounts create-database makes, read from their URLs and checked first."""

import re
from dataclasses import dataclass

from sqlalchemy import URL, make_url

# Names that need no quoting, whatever the server: letters, digits and _.
PLAIN_NAME = re.compile(r"\w+")


@dataclass(frozen=True)
class Account:
    """A user (a role, on PostgreSQL) and its password."""

    username: str
    password: str


@dataclass(frozen=True)
class Accounts:
    """The database, and the two accounts that use it."""

    database: str
    # DATABASE_URL's: the service reads and writes rows, and cannot change the schema.
    service: Account
    # MIGRATION_DATABASE_URL's: the migrations own the schema.
    migrations: Account


def read_accounts(*, database_url: str, migration_database_url: str, admin_url: str) -> Accounts:
    """The accounts of the two URLs, or stop with one line on the first problem."""
    service_url, migrations_url = make_url(database_url), make_url(migration_database_url)
    name = service_url.database
    if not name or not PLAIN_NAME.fullmatch(name):
        raise SystemExit(f"DATABASE_URL names no usable database: {service_url!r}")
    where = (service_url.host, service_url.port, name)
    if (migrations_url.host, migrations_url.port, migrations_url.database) != where:
        raise SystemExit(
            f"MIGRATION_DATABASE_URL must name DATABASE_URL's server and database:"
            f" {migrations_url!r} and {service_url!r}"
        )
    service = _account("DATABASE_URL", service_url, admin_url, "the service")
    migrations = _account("MIGRATION_DATABASE_URL", migrations_url, admin_url, "the migrations")
    if service.username == migrations.username:
        raise SystemExit(
            f"DATABASE_URL and MIGRATION_DATABASE_URL name the same user, {service.username}:"
            " the service's must not change the schema, so give each a user of its own"
        )
    return Accounts(database=name, service=service, migrations=migrations)


def _account(setting: str, url: URL, admin_url: str, whose: str) -> Account:
    """The URL's account, if it has a plain name and a password and is not the administrator."""
    username, password = url.username, url.password
    if not username or not PLAIN_NAME.fullmatch(username) or password is None:
        example = f"{url.drivername}://USER:PASSWORD@HOST/DATABASE"
        raise SystemExit(f"{setting} needs a user (letters, digits, _) and a password: {example}")
    if username == make_url(admin_url).username:
        # Setting this account's password would set the administrator's.
        raise SystemExit(
            f"{setting} names the administrator, {username}: give {whose} a user of its own"
        )
    return Account(username=username, password=str(password))
