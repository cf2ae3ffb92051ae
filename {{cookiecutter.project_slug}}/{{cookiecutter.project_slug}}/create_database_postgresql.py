"""Create the PostgreSQL role and database that DATABASE_URL names (a one-time set-up step)."""

import re
from typing import Any, cast

import psycopg
from psycopg import sql
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def create_database(*, database_url: str, admin_url: str) -> None:
    """Create the role (or set its password) and the database it owns, in UTF-8."""
    url, admin = make_url(database_url), make_url(admin_url)
    name, username, password = url.database, url.username, url.password
    if not name or not re.fullmatch(r"\w+", name):
        raise SystemExit(f"DATABASE_URL names no usable database: {url!r}")
    if not username or not re.fullmatch(r"\w+", username) or password is None:
        raise SystemExit(
            "DATABASE_URL needs a user and password: postgresql+psycopg://USER:PW@HOST/DB"
        )
    if username == admin.username:
        # Setting the service's password would set the administrator's.
        raise SystemExit(
            f"DATABASE_URL names the administrator, {username}: give the service a role of its own"
        )
    # CREATE DATABASE cannot run in a transaction.
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        _create_role_and_database(engine, name=name, username=username, password=password)
    except (DBAPIError, psycopg.Error) as error:
        cause = error.orig if isinstance(error, DBAPIError) else error
        reason = " ".join(str(cause).split())  # libpq's messages span lines
        raise SystemExit(
            f"Cannot set up the database as the administrator at {admin!r} ({reason}); is the"
            " server up, and ADMIN_URL (--admin-url) a role that may create roles?"
        ) from None
    finally:
        engine.dispose()


def _create_role_and_database(engine: Engine, *, name: str, username: str, password: str) -> None:
    """Create the role, or set its password, and the database it owns."""
    with engine.connect() as connection:
        role_exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": username}
        ).first()
        database_exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        # Neither names nor a password can be bound parameters here: psycopg quotes them
        # into the statement (sql.Identifier, sql.Literal), which it then sends as it is.
        driver = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
        verb = sql.SQL("ALTER" if role_exists else "CREATE")
        role, database = sql.Identifier(username), sql.Identifier(name)
        verifier = sql.Literal(scram_verifier(driver, username=username, password=password))
        driver.execute(sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(verb, role, verifier))
        if database_exists:
            driver.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, role))
        else:
            # UTF-8 from template0, whatever the server's default encoding.
            create = "CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0"
            driver.execute(sql.SQL(create).format(database, role))


def scram_verifier(driver: "psycopg.Connection[Any]", *, username: str, password: str) -> str:
    """The password's SCRAM-SHA-256 verifier, which the server stores as it is given."""
    # Made here, as psql's \password does: the password itself never reaches the server,
    # whose statement log (log_statement=ddl) would otherwise keep it. libpq prepares it
    # as the server would (SASLprep), so that every character counts at login.
    encrypted = driver.pgconn.encrypt_password(
        password.encode(), username.encode(), b"scram-sha-256"
    )
    return encrypted.decode()
