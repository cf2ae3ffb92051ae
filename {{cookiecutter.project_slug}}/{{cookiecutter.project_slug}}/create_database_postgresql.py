"""Create the PostgreSQL role and database that DATABASE_URL names (a one-time set-up step)."""

import re

from sqlalchemy import create_engine, make_url, text

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def create_database(*, database_url: str, admin_url: str) -> None:
    """Create the role (or set its password) and the database it owns, in UTF-8."""
    url = make_url(database_url)
    name, username, password = url.database, url.username, url.password
    if not name or not re.fullmatch(r"\w+", name):
        raise SystemExit(f"DATABASE_URL names no usable database: {url!r}")
    if not username or not re.fullmatch(r"\w+", username) or password is None:
        raise SystemExit(
            "DATABASE_URL needs a user and password: postgresql+psycopg://USER:PW@HOST/DB"
        )
    # CREATE DATABASE cannot run in a transaction.
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        role_exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": username}
        ).first()
        # Identifiers cannot be bound parameters (the names were checked above), and
        # neither can a password in CREATE or ALTER ROLE: the server quotes it as a literal.
        quoted = connection.execute(text("SELECT quote_literal(:password)"), {"password": password})
        verb = "ALTER" if role_exists else "CREATE"
        role = f'{verb} ROLE "{username}" LOGIN PASSWORD {quoted.scalar_one()}'
        connection.exec_driver_sql(role)  # sent as it is: no bind parameters read in it
        database_exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if database_exists:
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" OWNER TO "{username}"')
        else:
            options = "ENCODING 'UTF8' TEMPLATE template0"  # UTF-8, whatever the server's default
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{username}" {options}')
    engine.dispose()
